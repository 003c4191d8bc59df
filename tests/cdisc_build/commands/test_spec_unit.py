"""`spec check` and `spec template` (cdisc_build.commands.spec) on a small app of their own:
the summary lines, --strict, --report, --ct and --raw, and what is refused.

Checked through the whole `cdisc-build` app in test_spec.py: template then check, the study
workbook passing --strict, a CSV report of errors, a workbook in another layout."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import typer
from shared_data import shared_path
from typer.testing import CliRunner

from cdisc_build.commands.spec import check_command, template_command
from cdisc_build.outcome import guarded
from specs import load_spec, study_workbook
from study_simulator.api import simulate

app = typer.Typer()
app.command("check")(guarded(check_command))
app.command("template")(guarded(template_command))


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    """A simulated raw export of the built-in study (20 subjects)."""
    out = tmp_path_factory.mktemp("spec") / "raw"
    simulate(20, 11, out)
    return out / "edc"


def test_template_writes_a_new_workbook_that_checks_empty(tmp_path):
    path = tmp_path / "empty.xlsx"
    result = invoke("template", path)
    assert result.exit_code == 0, result.output
    assert result.output == f"empty spec workbook written to {path}\n"
    result = invoke("check", path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"{path}: 0 datasets, 0 variables, 0 value-level rows, 0 codelists, 0 mapping rules",
        "0 errors, 0 warnings, 0 notes",
    ]


def test_a_report_file_that_exists_is_refused_before_the_check(tmp_path):
    report = tmp_path / "findings.csv"
    report.write_text("my own notes\n", encoding="utf-8")
    result = invoke("check", study_workbook("sdtm"), "--report", report)
    assert result.exit_code == 2, result.output
    assert f"{report}: already exists" in result.output
    assert "datasets" not in result.output  # refused before the workbook was read
    assert report.read_text(encoding="utf-8") == "my own notes\n"


def test_strict_fails_on_warnings_and_the_xlsx_report_lists_them(tmp_path):
    workbook = shared_path("standards", "specs", "metacore", "p21_mock.xlsx")  # 2 warnings, no error
    result = invoke("check", workbook)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "0 errors, 2 warnings, 0 notes"
    report = tmp_path / "findings.xlsx"
    result = invoke("check", workbook, "--strict", "--report", report)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[-1] == f"findings written to {report}"
    table = pd.read_excel(report, sheet_name="Findings")
    assert list(table.columns) == ["severity", "code", "sheet", "row", "column", "message"]
    assert table["severity"].tolist() == ["warning", "warning"]
    assert set(table["code"]) == {"orphan"}


def test_a_raw_export_the_mapping_reads_whole_passes(raw):
    result = invoke("check", study_workbook("sdtm"), "--raw", raw, "--strict")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "0 errors, 0 warnings, 0 notes"


def test_a_raw_field_nothing_reads_is_an_error_naming_form_and_field(raw, tmp_path):
    copy = tmp_path / "edc"
    shutil.copytree(raw, copy)
    ae = pd.read_csv(copy / "ae.csv", dtype=str, keep_default_na=False)
    ae["AEXTRA"] = "x"
    ae.to_csv(copy / "ae.csv", index=False)
    result = invoke("check", study_workbook("sdtm"), "--raw", copy)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1
    assert "[field-not-mapped]" in errors[0] and "raw field ae.AEXTRA" in errors[0]
    assert f"{len(ae)} row(s) hold a value" in errors[0]
    assert result.output.splitlines()[-1] == "1 errors, 0 warnings, 0 notes"


def test_raw_needs_the_study_settings_beside_the_workbook(raw, tmp_path):
    workbook = tmp_path / "sdtm_spec.xlsx"
    shutil.copyfile(study_workbook("sdtm"), workbook)  # without the study.toml naming it
    result = invoke("check", workbook, "--raw", raw)
    assert result.exit_code == 1
    assert f"{workbook}: no study settings (a .toml naming it as sdtm_spec) beside it" in result.output
    assert "Traceback" not in result.output


def test_a_terminology_without_the_specs_codes_makes_each_nci_codelist_an_error(tmp_path):
    ct = tmp_path / "ct.csv"
    ct.write_text(
        "codelist_code,codelist_submission_value,codelist_name,extensible,term_code,"
        "submission_value,preferred_term,synonyms,definition\n",
        encoding="utf-8",
    )
    workbook = study_workbook("sdtm")
    coded = [cl for cl in load_spec(workbook).spec.codelists if cl.nci_code]
    assert coded
    result = invoke("check", workbook, "--ct", ct)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("ERROR")]
    assert all("[unknown-nci-code]" in e for e in errors)
    unknown_codelists = [e for e in errors if "is in no terminology package" in e]
    assert len(unknown_codelists) == len(coded)
    assert "codelist DOMAIN: NCI codelist code C66734 is in no terminology package" in result.output
    assert result.output.splitlines()[-1] == f"{len(errors)} errors, 0 warnings, 0 notes"


def test_a_terminology_file_in_another_layout_is_a_plain_error(tmp_path):
    ct = tmp_path / "ct.csv"
    ct.write_text("a,b\n1,2\n", encoding="utf-8")
    result = invoke("check", study_workbook("sdtm"), "--ct", ct)
    assert result.exit_code == 1
    assert f"error: {ct}: not a controlled terminology CSV" in result.output
    assert "internal error" not in result.output
    ct.write_bytes(b"\xff\xfe\x00a")  # not text
    result = invoke("check", study_workbook("sdtm"), "--ct", ct)
    assert result.exit_code == 1 and f"error: {ct}: not readable as a controlled terminology CSV" in result.output
