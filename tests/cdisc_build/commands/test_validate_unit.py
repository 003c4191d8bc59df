"""`validate` (cdisc_build.commands.validate) on a small app of its own: the output folder it
refuses, --spec (broken, with errors, its schemas used), unreadable datasets, the report replaced.

Checked through the whole `cdisc-build` app in test_validate.py: --fail-on, a --config switching a
rule off, an empty folder and a config naming an unknown rule."""

from __future__ import annotations

import json

import pytest
import typer
from shared_data import shared_path
from typer.testing import CliRunner

from cdisc_build.commands.validate import validate_command
from cdisc_build.outcome import guarded
from specs import study_workbook

DM = "STUDYID,DOMAIN,USUBJID,SUBJID,SITEID,SEX,COUNTRY,RFSTDTC\nS1,DM,P-1,1,01,F,CHN,2020-01-01\n"
TS = "STUDYID,DOMAIN,TSSEQ,TSPARMCD,TSPARM,TSVAL\nS1,TS,1,SSTDTC,Study Start Date,2019-11-01\n"


def invoke(*args):
    app = typer.Typer()
    app.command()(guarded(validate_command))
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "dm.csv").write_text(DM, encoding="utf-8")
    (folder / "ts.csv").write_text(TS, encoding="utf-8")
    return folder


def snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def rule(report_dir, rule_id: str) -> dict:
    rules = json.loads((report_dir / "conformance_report.json").read_text(encoding="utf-8"))["rules"]
    return next(r for r in rules if r["rule"] == rule_id)


def test_the_report_is_written_and_named(data, tmp_path):
    out = tmp_path / "rep"
    result = invoke(data, "--out", out)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("2 datasets, 2 records; ")
    assert lines[-2].startswith("0 errors, ") and lines[-2].endswith("-> PASS (--fail-on error)")
    assert lines[-1] == f"report written to {out / 'conformance_report.xlsx'} and {out / 'conformance_report.json'}"
    assert sorted(p.name for p in out.iterdir()) == [
        ".cdisc-build.json",
        "checksums.md5",
        "conformance_report.json",
        "conformance_report.xlsx",
    ]


def test_a_previous_report_is_replaced_whole(data, tmp_path):
    out = tmp_path / "rep"
    assert invoke(data, "--out", out).exit_code == 0
    (data / "ts.csv").unlink()  # now FDA rejection criterion 1734 fails: no TS
    result = invoke(data, "--out", out)
    assert result.exit_code == 1, result.output
    report = json.loads((out / "conformance_report.json").read_text(encoding="utf-8"))
    assert report["summary"]["datasets"] == 1 and report["summary"]["result"] == "FAIL"
    assert [f["rule"] for f in report["findings"] if f["severity"] == "error"] == ["CB-FDA-006"]


def test_a_folder_with_files_the_tool_did_not_write_is_refused_and_left_alone(data, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes", encoding="utf-8")
    result = invoke(data, "--out", out)
    assert result.exit_code == 2, result.output
    assert f"{out}: is not empty and was not written by cdisc-build" in result.output
    assert "datasets," not in result.output  # refused before the validation ran
    assert snapshot(out) == {"notes.txt": b"my notes"}


def test_an_output_inside_the_data_folder_is_refused(data):
    result = invoke(data, "--out", data / "report")
    assert result.exit_code == 2, result.output
    assert "lies inside an input folder" in result.output
    assert sorted(p.name for p in data.iterdir()) == ["dm.csv", "ts.csv"]


def test_a_spec_that_is_no_workbook_is_bad_usage(data, tmp_path):
    spec = tmp_path / "spec.xlsx"
    spec.write_text("not a workbook", encoding="utf-8")
    result = invoke(data, "--spec", spec, "--out", tmp_path / "rep")
    assert result.exit_code == 2, result.output
    assert f"error: {spec} is not a spec workbook in the P21 layout" in result.output
    assert not (tmp_path / "rep").exists()


def test_the_specs_schemas_are_run_with_spec(data, tmp_path):
    without, with_spec = tmp_path / "a", tmp_path / "b"
    assert invoke(data, "--out", without).exit_code == 0
    result = invoke(data, "--spec", study_workbook("sdtm"), "--out", with_spec)
    assert "warning: the spec" not in result.output  # the study workbook has no error
    # CB-SPEC-002: an Expected variable of the spec is in the dataset (DM lacks most of them)
    assert rule(without, "CB-SPEC-002")["status"] == "not applicable"
    assert rule(with_spec, "CB-SPEC-002")["failed"] > 0
    assert result.exit_code == 0, result.output  # warnings only


def test_a_spec_with_errors_is_used_with_a_warning(data, tmp_path):
    spec = shared_path("standards", "specs", "metacore", "spec_no_val.xlsx")  # 7 errors
    out = tmp_path / "rep"
    result = invoke(data, "--spec", spec, "--out", out)
    text = " ".join(result.output.split())
    assert f"warning: the spec {spec} has 7 errors (see `cdisc-build spec check`)" in text
    assert (out / "conformance_report.json").is_file()


def test_a_folder_whose_datasets_cannot_be_read_exits_1_with_the_notes(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "dm.xpt").write_bytes(b"junk")
    result = invoke(folder, "--out", tmp_path / "rep")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"note: dm.xpt could not be read: {folder / 'dm.xpt'}: cannot be read")
    assert lines[-1] == f"error: no dataset in {folder} could be read (see the notes above)"
    assert not (tmp_path / "rep").exists()


def test_an_unreadable_file_beside_readable_ones_is_an_error_and_a_note(data, tmp_path):
    (data / "ae.xpt").write_bytes(b"junk")
    out = tmp_path / "rep"
    result = invoke(data, "--out", out)
    assert result.exit_code == 1, result.output
    assert "note: ae.xpt could not be read" in result.output
    report = json.loads((out / "conformance_report.json").read_text(encoding="utf-8"))
    assert any(n.startswith("ae.xpt could not be read") for n in report["notes"])
    # CB-XPT-018: every dataset file reads whole
    assert [(f["rule"], f["dataset"]) for f in report["findings"] if f["severity"] == "error"] == [("CB-XPT-018", "AE")]


@pytest.mark.parametrize(
    "args",
    [
        ["--define", "missing.xml"],
        ["--spec", "missing.xlsx"],
        ["--fail-on", "notice"],
    ],
)
def test_bad_usage_exits_2(data, tmp_path, args):
    result = invoke(data, *args, "--out", tmp_path / "rep")
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "rep").exists()
