"""`cdisc-build validate`: exit status from --fail-on, the report written, bad usage."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cdisc_build.cli import app

runner = CliRunner()
# one warning (CB-SDTM-079: AEENDTC with an unresolved outcome) and no error
AE = (
    "STUDYID,DOMAIN,USUBJID,AESEQ,AETERM,AEDECOD,AEOUT,AEENDTC,AEENDY\n"
    "S1,AE,P-1,1,Headache,Headache,NOT RECOVERED/NOT RESOLVED,2020-01-03,3\n"
)
DM = "STUDYID,DOMAIN,USUBJID,SUBJID,SITEID,SEX,COUNTRY,RFSTDTC\nS1,DM,P-1,1,01,F,CHN,2020-01-01\n"
TS = "STUDYID,DOMAIN,TSSEQ,TSPARMCD,TSPARM,TSVAL\nS1,TS,1,SSTDTC,Study Start Date,2019-11-01\n"


def _folder(tmp_path, ae=AE):
    data = tmp_path / "data"
    data.mkdir()
    (data / "dm.csv").write_text(DM)
    (data / "ae.csv").write_text(ae)
    (data / "ts.csv").write_text(TS)
    return data


def test_fail_on_error_passes_when_there_are_only_warnings(tmp_path):
    result = runner.invoke(app, ["validate", str(_folder(tmp_path)), "--out", str(tmp_path / "rep")])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "rep" / "conformance_report.json").read_text())
    assert data["summary"]["errors"] == 0 and data["summary"]["warnings"] >= 1
    assert (tmp_path / "rep" / "conformance_report.xlsx").exists()


def test_fail_on_warning_fails_on_a_warning(tmp_path):
    result = runner.invoke(
        app, ["validate", str(_folder(tmp_path)), "--fail-on", "warning", "--out", str(tmp_path / "rep")]
    )
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output


def test_fail_on_error_fails_on_an_error(tmp_path):
    ae = AE + "S1,AE,P-9,1,Rash,Rash,RECOVERED/RESOLVED,2020-01-03,\n"  # P-9 is not in DM; AESEQ repeats
    result = runner.invoke(app, ["validate", str(_folder(tmp_path, ae)), "--out", str(tmp_path / "rep")])
    assert result.exit_code == 1, result.output


def test_a_config_can_switch_the_warning_off(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(
        '[rules."CB-SDTM-079"]\nseverity = "off"\nreason = "end dates kept as collected"\n'
        '[rules."CB-XPT-014"]\nseverity = "off"\nreason = "test"\n'
    )
    result = runner.invoke(
        app,
        [
            "validate",
            str(_folder(tmp_path)),
            "--fail-on",
            "warning",
            "--config",
            str(config),
            "--out",
            str(tmp_path / "rep"),
        ],
    )
    assert result.exit_code == 0, result.output


def test_bad_usage_exits_2(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(app, ["validate", str(empty), "--out", str(tmp_path / "rep")]).exit_code == 2
    config = tmp_path / "bad.toml"
    config.write_text('[rules."CB-NOPE"]\nseverity = "off"\nreason = "x"\n')
    result = runner.invoke(
        app, ["validate", str(_folder(tmp_path)), "--config", str(config), "--out", str(tmp_path / "rep")]
    )
    assert result.exit_code == 2


def test_an_explained_error_still_fails(tmp_path):
    ae = AE + "S1,AE,P-9,1,Rash,Rash,RECOVERED/RESOLVED,2020-01-03,\n"  # P-9 is not in DM: CB-SDTM-002
    explanations = tmp_path / "explanations.csv"
    explanations.write_text(
        "rule,dataset,variable,explanation\n"
        "CB-SDTM-002,AE,USUBJID,a subject enrolled at a site closed before the cut-off\n"
        "CB-SDTM-079,AE,,end dates kept as collected\n"
    )
    out = tmp_path / "rep"
    args = ["validate", str(_folder(tmp_path, ae)), "--explanations", str(explanations), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert "1 errors (1 explained, 0 unexplained), 1 warnings (1 explained, 0 unexplained)" in result.output
    data = json.loads((out / "conformance_report.json").read_text())
    assert (data["summary"]["errors"], data["summary"]["errors_explained"], data["summary"]["result"]) == (
        1,
        1,
        "FAIL",
    )
    assert [(f["rule"], f["severity"], f["explanation"]) for f in data["findings"]] == [
        ("CB-SDTM-002", "error", "a subject enrolled at a site closed before the cut-off"),
        ("CB-SDTM-079", "warning", "end dates kept as collected"),
    ]
    # an explained warning fails --fail-on warning all the same
    clean = tmp_path / "clean"
    clean.mkdir()
    args = ["validate", str(_folder(clean)), "--explanations", str(explanations), "--fail-on", "warning"]
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "rep2")])
    assert result.exit_code == 1, result.output
    assert "stale" in result.output  # CB-SDTM-002 in AE: nothing found there now


def test_a_broken_explanations_file_is_bad_usage_naming_row_and_column(tmp_path):
    explanations = tmp_path / "explanations.csv"
    explanations.write_text("rule,dataset,explanation\nCB-SDTM-079,AE,\n")
    result = runner.invoke(
        app,
        ["validate", str(_folder(tmp_path)), "--explanations", str(explanations), "--out", str(tmp_path / "rep")],
    )
    assert result.exit_code == 2
    assert f"{explanations}: row 2, column explanation: empty; every row explains its findings" in result.output
    assert not (tmp_path / "rep").exists()
