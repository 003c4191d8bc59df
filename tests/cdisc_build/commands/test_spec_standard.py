"""`cdisc-build spec template --standard` and `cdisc-build spec check --standard`."""

from __future__ import annotations

import openpyxl
import pytest
from shared_data import shared_path
from typer.testing import CliRunner

from cdisc_build.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def template(standards_library, tmp_path_factory):
    path = tmp_path_factory.mktemp("spec-standard") / "sdtm.xlsx"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CDISC_BUILD_STANDARDS", str(standards_library))
        result = runner.invoke(
            app, ["spec", "template", str(path), "--standard", "sdtmig-3.4", "--domains", "DM,AE,EX,TU,TR,RS"]
        )
    assert result.exit_code == 0, result.output
    assert "6 datasets" in result.output and "SDTMIG 3.4 and sdtmct-2025-03-28" in result.output
    return path


def test_the_untouched_template_checks_clean_against_the_standard(template, use_standards):
    result = runner.invoke(app, ["spec", "check", str(template), "--standard", "sdtmig-3.4", "--strict"])
    assert result.exit_code == 0, result.output
    assert "compared with SDTMIG 3.4" in result.output
    assert "controlled terminology: sdtmct-2025-03-28" in result.output
    assert "0 errors, 0 warnings, 0 notes" in result.output


def test_the_standard_name_alone_is_the_newest_and_ct_picks_a_release(template, use_standards):
    result = runner.invoke(app, ["spec", "check", str(template), "--standard", "sdtmig", "--ct", "2015-12-18"])
    assert "compared with SDTMIG 3.4" in result.output
    assert "controlled terminology: sdtmct-2015-12-18" in result.output
    assert result.exit_code == 1  # INTERSEX, ARMNRS and more are newer than 2015-12-18
    assert "not 'INTERSEX'" in result.output


def test_ct_files_stand_instead_of_the_library_release(template, use_standards, tmp_path):
    csv_file = shared_path("standards", "ct", "sdtmct-2015-12-18.csv")
    result = runner.invoke(app, ["spec", "check", str(template), "--standard", "sdtmig-3.4", "--ct", str(csv_file)])
    assert "controlled terminology: sdtmct-2015-12-18.csv" in result.output
    assert "not 'INTERSEX'" in result.output
    result = runner.invoke(app, ["spec", "check", str(template), "--ct", "sdtmct-2025-03-28"])  # no --standard
    assert result.exit_code == 0, result.output
    assert "controlled terminology: sdtmct-2025-03-28" in result.output
    assert "compared with" not in result.output


def test_a_deleted_req_variable_fails_the_check(template, use_standards, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb["Variables"]
    row = next(r for r in range(2, ws.max_row + 1) if (ws.cell(r, 2).value, ws.cell(r, 3).value) == ("DM", "SEX"))
    ws.delete_rows(row)
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    result = runner.invoke(app, ["spec", "check", str(edited), "--standard", "sdtmig-3.4"])
    assert result.exit_code == 1
    assert (
        "ERROR [guide-variable-missing] sheet Datasets, row 2, column Dataset: DM: the Req variable SEX"
        in result.output
    )
    assert "[orphan] sheet Codelists" in result.output  # the SEX codelist, now used by nothing
    assert "1 errors, 1 warnings" in result.output


def test_the_template_without_a_standard_is_the_empty_shell(tmp_path):
    path = tmp_path / "empty.xlsx"
    result = runner.invoke(app, ["spec", "template", str(path)])
    assert result.exit_code == 0
    assert "empty spec workbook" in result.output


def test_an_adam_template_names_its_structures(use_standards, tmp_path):
    path = tmp_path / "adam.xlsx"
    args = ["spec", "template", str(path), "--standard", "adamig-1.3", "--domains", "ADSL,ADRS:BDS,ADTTE:TTE"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "adamct-2026-03-27, sdtmct-2025-03-28" in result.output
    result = runner.invoke(app, ["spec", "check", str(path), "--standard", "adamig-1.3"])
    # the only errors are the guide's own labels over 40 characters (PBCHGCyN, in ADRS and ADTTE)
    assert "2 errors, 0 warnings, 0 notes" in result.output
    assert result.output.count("[label-too-long]") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--standard", "adamig-1.3", "--domains", "ADRS"], "ADRS:BDS"),
        (["--standard", "sdtmig-3.4"], "--domains"),
        (["--domains", "DM"], "need --standard"),
        (["--standard", "sdtmig-3.4", "--domains", "DM", "--ct", "last week"], "not a terminology release"),
    ],
)
def test_bad_template_options_are_usage_errors(use_standards, tmp_path, args, message):
    result = runner.invoke(app, ["spec", "template", str(tmp_path / "t.xlsx"), *args])
    assert result.exit_code in (1, 2), result.output
    assert message in result.output
    assert not (tmp_path / "t.xlsx").exists()


def test_a_ct_that_is_neither_a_file_nor_a_release_is_bad_usage(template, use_standards):
    result = runner.invoke(app, ["spec", "check", str(template), "--ct", "no-such.csv"])
    assert result.exit_code == 2
    assert "neither a file nor a terminology release" in result.output


def test_a_package_the_library_lacks_names_what_to_install(template, tmp_path, monkeypatch):
    monkeypatch.setenv("CDISC_BUILD_STANDARDS", str(tmp_path / "empty-library"))
    for args in (
        ["spec", "check", str(template), "--standard", "sdtmig-3.4"],
        ["spec", "template", str(tmp_path / "t.xlsx"), "--standard", "sdtmig-3.4", "--domains", "DM"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert "no standards package sdtmig-3.4" in result.output
        assert "cdisc-build standards add FILE" in result.output
        assert "Traceback" not in result.output
