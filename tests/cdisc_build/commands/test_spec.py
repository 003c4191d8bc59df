"""`cdisc-build spec check` and `cdisc-build spec template`."""

from __future__ import annotations

import pandas as pd
from shared_data import shared_path
from typer.testing import CliRunner

from cdisc_build.cli import app
from specs import study_workbook

runner = CliRunner()


def test_template_then_check(tmp_path):
    path = tmp_path / "empty.xlsx"
    result = runner.invoke(app, ["spec", "template", str(path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["spec", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings, 0 notes" in result.output


def test_check_of_the_study_workbook_passes():
    result = runner.invoke(app, ["spec", "check", str(study_workbook("sdtm")), "--strict"])
    assert result.exit_code == 0, result.output


def test_check_exits_non_zero_on_errors_and_writes_the_report(tmp_path):
    path = shared_path("standards", "specs", "metacore", "spec_no_val.xlsx")
    report = tmp_path / "findings.csv"
    result = runner.invoke(app, ["spec", "check", str(path), "--report", str(report)])
    assert result.exit_code == 1
    assert "7 errors" in result.output
    table = pd.read_csv(report)
    assert list(table.columns) == ["severity", "code", "sheet", "row", "column", "message"]
    assert (table["severity"] == "error").sum() == 7


def test_a_workbook_in_another_layout_is_refused_without_a_traceback():
    path = shared_path("standards", "specs", "metacore", "mock_spec.xlsx")
    result = runner.invoke(app, ["spec", "check", str(path)])
    assert result.exit_code == 1
    assert "no sheet named Datasets" in result.output
    assert "Traceback" not in result.output


def test_check_reports_what_the_adam_engine_cannot_follow(tmp_path):
    """A variable added to the ADaM spec with a method naming no derivation of the library is an
    error of `spec check` naming sheet and row, not a silent drop at run time."""
    import openpyxl

    from specs import study_workbook

    path = tmp_path / "adam.xlsx"
    wb = openpyxl.load_workbook(study_workbook("adam"))
    variables, methods = wb["Variables"], wb["Methods"]
    header = [c.value for c in variables[1]]
    row = [None] * len(header)
    for name, value in {
        "Order": 99,
        "Dataset": "ADSL",
        "Variable": "BMIBL",
        "Label": "Baseline BMI",
        "Data Type": "float",
        "Origin": "Derived",
        "Method": "MT.BMIBL",
    }.items():
        row[header.index(name)] = value
    variables.append(row)
    methods.append(
        ["MT.BMIBL", "Baseline BMI", "Computation", "Weight / height squared.", "cdisc-build", "derive_var_bmi()"]
    )
    wb.save(path)
    done = CliRunner().invoke(app, ["spec", "check", str(path)])
    assert done.exit_code == 1
    assert (
        f"ERROR [adam-method] sheet Methods, row {methods.max_row}, column Expression Code: method MT.BMIBL (used by "
        f"ADSL.BMIBL, Variables row {variables.max_row}) calls 'derive_var_bmi', which is not a derivation of the library"
    ) in " ".join(done.output.split())
