"""Required variables without a spec: the table against the published implementation guides,
and the validator failing a dataset that lacks one (CSV input included)."""

from __future__ import annotations

import pandas as pd
import pytest
from rule_examples import assert_fails, assert_passes, rules_of, study
from shared_data import shared_path
from typer.testing import CliRunner

from cdisc_build.cli import app
from conformance import run_validation
from conformance.required import ADAMIG_REQUIRED, SDTMIG_REQUIRED


def _resolved(dataset: str, names: str) -> set[str]:
    prefix = dataset[:2]
    return {prefix + n[2:] if n.startswith("--") else n for n in names.split()}


def test_the_sdtmig_table_is_every_required_variable_of_sdtmig_3_4():
    ig = pd.read_csv(shared_path("standards", "ig", "sdtmig-3.4", "Variables.csv"), dtype=str)
    required = ig[ig["Core"] == "Req"].groupby("Dataset Name")["Variable Name"].apply(set).to_dict()
    ours = {k: _resolved(k, v) for k, v in SDTMIG_REQUIRED.items()}
    assert ours == required


def test_the_adamig_table_is_every_required_variable_of_adamig_1_3():
    ig = pd.read_csv(shared_path("standards", "ig", "adamig-1.3", "Variables.csv"), dtype=str)
    required = ig[ig["Core"] == "Req"].groupby("Data Structure Name")["Variable Name"].apply(set).to_dict()
    assert set(ADAMIG_REQUIRED["ADSL"].split()) == required["Subject-Level Analysis Dataset"]
    assert set(ADAMIG_REQUIRED["BDS"].split()) == required["Basic Data Structure"]


def _findings(text: str):
    report = run_validation(study(text))
    return report.findings[report.findings["rule"].isin(["CB-SDTM-265", "CB-ADAM-037"])]


def test_a_split_dataset_and_a_supplemental_qualifier_have_their_own_required_variables():
    text = (
        "QSPH: STUDYID|DOMAIN|USUBJID|QSSEQ:n|QSTESTCD|QSTEST\nS1|QS|P-1|1|PHQ01|Interest\n"
        "SUPPAE: STUDYID|RDOMAIN|USUBJID|QNAM|QLABEL|QVAL\nS1|AE|P-1|AETRTEM|Emergent|Y"
    )
    found = _findings(text)
    # QSPH is QS (QSCAT is Required); SUPPAE lacks QORIG
    assert sorted(map(tuple, found[["dataset", "variable"]].values.tolist())) == [
        ("QSPH", "QSCAT"),
        ("SUPPAE", "QORIG"),
    ]


def test_a_custom_domain_has_what_its_class_requires_when_the_spec_says_the_class():
    from specs import model as m

    spec = m.Spec(
        datasets=(m.Dataset("XE", label="Custom Events", dataset_class="EVENTS"),),
        variables=(m.Variable("XE", "STUDYID", 1, "Study Identifier", "text", 8),),
    )
    report = run_validation(study("XE: STUDYID|DOMAIN|USUBJID|XESEQ:n\nS1|XE|P-1|1"), spec=spec)
    found = report.findings[report.findings["rule"] == "CB-SDTM-265"]
    assert found["variable"].tolist() == ["XETERM"]


def test_adsl_needs_a_planned_treatment_and_bds_its_parameter():
    text = (
        "ADSL: STUDYID|USUBJID|SUBJID|SITEID|AGE:n|AGEU|SEX|RACE|ARM\nS1|P-1|1|01|50|YEARS|F|ASIAN|A\n"
        "ADRS: STUDYID|USUBJID|PARAMCD|AVALC\nS1|P-1|BOR|PR"
    )
    found = _findings(text)
    assert sorted(map(tuple, found[["dataset", "variable", "severity"]].values.tolist())) == [
        ("ADRS", "PARAM", "error"),
        ("ADSL", "TRTxxP", "error"),
    ]


def test_validate_fails_on_a_csv_ae_without_usubjid(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "dm.csv").write_text("STUDYID,DOMAIN,USUBJID,SUBJID,SITEID,SEX,COUNTRY\nS1,DM,P-1,1,01,F,CHN\n")
    (data / "ae.csv").write_text("STUDYID,DOMAIN,AESEQ,AETERM,AEDECOD\nS1,AE,1,Head ache,Headache\n")
    result = CliRunner().invoke(app, ["validate", str(data), "--out", str(tmp_path / "rep")])
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output
    import json

    report = json.loads((tmp_path / "rep" / "conformance_report.json").read_text())
    rows = [f for f in report["findings"] if f["rule"] == "CB-SDTM-265"]
    assert [(f["dataset"], f["variable"]) for f in rows] == [("AE", "USUBJID")]


@pytest.mark.parametrize("cut", ["inside an observation", "on an observation boundary"])
def test_validate_fails_on_a_dataset_file_that_does_not_read_whole(tmp_path, cut):
    """An XPT cut short in a folder the toolkit wrote: CB-XPT-018 names the file, exit 1."""
    from dataset_io.outputs import output_folder
    from dataset_io.xpt import write_xpt
    from specs.model import Dataset, Spec, Study, Variable

    spec = Spec(
        study=Study((("StudyName", "S1"),)),
        datasets=(Dataset("DM", "Demographics"),),
        variables=tuple(
            Variable("DM", n, i, n.title(), "text", 8)
            for i, n in enumerate(["STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "SEX", "COUNTRY"], start=1)
        ),
    )
    frame = pd.DataFrame(
        {
            "STUDYID": "S1",
            "DOMAIN": "DM",
            "USUBJID": [f"P-{i:03d}" for i in range(40)],
            "SUBJID": [f"{i:03d}" for i in range(40)],
            "SITEID": "0101",
            "SEX": "F",
            "COUNTRY": "CHN",
        }
    )
    data = tmp_path / "data"
    with output_folder(data, command="sdtm") as tmp:
        write_xpt(frame, spec, "DM", tmp / "dm.xpt")
        (tmp / "ts.csv").write_text(
            "STUDYID,DOMAIN,TSSEQ,TSPARMCD,TSPARM,TSVAL\nS1,TS,1,SSTDTC,Study Start Date,2019-11-01\n"
        )
    whole = CliRunner().invoke(app, ["validate", str(data), "--out", str(tmp_path / "whole")])
    assert whole.exit_code == 0, whole.output  # the folder as written passes
    raw = (data / "dm.xpt").read_bytes()
    start = raw.index(b"HEADER RECORD*******OBS") + 80
    row = 2 + 2 + 5 + 3 + 4 + 1 + 3  # each text variable as long as its longest value: 20 bytes
    size = start + 20 * row if cut == "on an observation boundary" else start + 5 * row + 80 - (5 * row) % 80
    assert size % 80 == 0
    (data / "dm.xpt").write_bytes(raw[:size])
    result = CliRunner().invoke(app, ["validate", str(data), "--out", str(tmp_path / "rep")])
    assert "dm.xpt could not be read" in result.output
    import json

    report = json.loads((tmp_path / "rep" / "conformance_report.json").read_text())
    rows = [f for f in report["findings"] if f["rule"] == "CB-XPT-018"]
    assert [(f["dataset"], f["value"], f["severity"]) for f in rows] == [("DM", "dm.xpt", "error")]
    assert result.exit_code == 1, result.output


RULES = rules_of("required")


def test_the_required_check_is_a_rule_of_sdtm_and_adam():
    assert RULES == ["CB-ADAM-037", "CB-SDTM-265"]


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_passes_its_passing_example(rule_id):
    assert_passes(rule_id)


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_fails_its_failing_example(rule_id):
    assert_fails(rule_id)
