"""The main job end to end: `demo` simulates and runs every stage; `run` does the same on a raw
export. Every output is where the summary says, and the same seed gives byte-identical files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdisc_build.cli import app

SUBJECTS = "60"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    done = CliRunner().invoke(app, ["demo", "--out", str(out), "--subjects", SUBJECTS, "--seed", "5"])
    assert done.exit_code == 0, done.output
    return out, done.output


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_demo_writes_every_stage(demo):
    out, output = demo
    for folder in ("raw/edc", "sdtm", "adam", "validation/sdtm", "validation/adam", "report/figures", "report/tables"):
        assert (out / folder).is_dir(), folder
    study = out / "submission" / "m5" / "datasets" / "sysu-antor-sts"
    for stage in ("tabulations/sdtm", "analysis/adam"):
        assert (study / stage / "define.xml").is_file() and list((study / stage).glob("*.xpt")), stage
    assert (study / "tabulations" / "sdtm" / "acrf.pdf").read_bytes().startswith(b"%PDF-")
    assert "annotated CRF" in output
    assert (out / "report" / "analysis_report.html").is_file()
    assert (out / "report" / "analysis_tables.xlsx").is_file()
    hidden = [p for p in out.rglob(".*") if p.name != ".cdisc-build.json"]
    assert not hidden, f"temporary files were left behind: {hidden}"
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"], "something was written beside the output"


def test_demo_prints_the_topline_and_where_everything_is(demo):
    out, output = demo
    for stage in ("simulate", "sdtm", "adam", "export", "validate", "report", "total"):
        assert stage in output
    assert "analysis_report.html" in output
    for item in ("ORR (confirmed):", "DCR (confirmed):", "median PFS:", "median OS:"):
        assert item in output, item


def test_the_same_seed_gives_byte_identical_outputs(demo, tmp_path):
    out, _ = demo
    again = tmp_path / "again"
    done = CliRunner().invoke(app, ["demo", "--out", str(again), "--subjects", SUBJECTS, "--seed", "5"])
    assert done.exit_code == 0, done.output
    first, second = _files(out), _files(again)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, f"files differ between two runs: {differ[:10]}"


def test_run_on_a_raw_export_gives_the_same_outputs_as_the_demo(demo, tmp_path):
    out, _ = demo
    done = CliRunner().invoke(app, ["run", "--raw", str(out / "raw" / "edc"), "--out", str(tmp_path / "run")])
    assert done.exit_code == 0, done.output
    # the same files but the top-level seal (which names the command and lists raw/ for the demo)
    seal = {".cdisc-build.json", "checksums.md5"}
    ours = {k: v for k, v in _files(tmp_path / "run").items() if k not in seal}
    demo_files = {k: v for k, v in _files(out).items() if not k.startswith("raw/") and k not in seal}
    assert ours == demo_files
    assert "ORR (confirmed):" in done.output
