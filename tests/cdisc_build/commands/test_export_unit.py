"""`export` (cdisc_build.commands.export) on a small app of its own, and load_frames: SDTM and ADaM
of a small simulated study into one submission folder, the summary lines, --cutoff, the problems
that stop it before anything is written, and the output folder it refuses.

Checked through the whole `cdisc-build` app in test_export.py: an SDTM-only export from CSV."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from cdisc_build.commands.export import export_command, load_frames
from cdisc_build.outcome import guarded
from specs import load_spec, study_workbook
from specs.study import builtin_study
from study_simulator.api import simulate

STUDY = "m5/datasets/sysu-antor-sts"
SDTM_SPEC, ADAM_SPEC = study_workbook("sdtm"), study_workbook("adam")


def invoke(*args):
    app = typer.Typer()
    app.command()(guarded(export_command))
    return CliRunner().invoke(app, [str(a) for a in args])


def snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """SDTM and ADaM transport files of a 20-subject simulated study, and their export with a cut-off."""
    from adam_builder.build import build_adam, load_adam_spec, write_adam
    from sdtm_builder.build import build_sdtm, load_sdtm_spec, write_sdtm
    from sdtm_builder.finish import drop_lineage

    root = tmp_path_factory.mktemp("export")
    simulate(20, 4, root / "raw")
    config = builtin_study()
    sdtm = build_sdtm(root / "raw" / "edc", config=config, spec=load_sdtm_spec(SDTM_SPEC))
    write_sdtm(sdtm, root / "sdtm")
    frames = {name: sdtm.final(name) for name in sdtm.datasets}
    inputs = {**{name: drop_lineage(f) for name, f in sdtm.empty.items()}, **frames}
    adam = build_adam(inputs, spec=load_adam_spec(ADAM_SPEC), settings=config.adam)
    write_adam(adam, root / "adam")
    out = root / "out"
    result = invoke(
        "--sdtm", root / "sdtm", "--sdtm-spec", SDTM_SPEC, "--adam", root / "adam", "--adam-spec", ADAM_SPEC,
        "--out", out, "--cutoff", "2024-01-15",
    )  # fmt: skip
    return root, out, result


def test_sdtm_and_adam_go_into_one_submission_folder(built):
    root, out, result = built
    assert result.exit_code == 0, result.output
    for stage, names in (("tabulations/sdtm", ["dm.xpt", "ae.xpt", "ts.xpt"]), ("analysis/adam", ["adsl.xpt"])):
        folder = out / STUDY / stage
        for name in ["define.xml", "define.html", *names]:
            assert (folder / name).is_file(), f"{stage}/{name}"
    adam = sorted(p.name for p in (out / STUDY / "analysis" / "adam").glob("*.xpt"))
    assert adam == sorted(p.name for p in (root / "adam").glob("*.xpt"))
    assert json.loads((out / ".cdisc-build.json").read_text(encoding="utf-8"))["command"] == "export"


def test_one_summary_line_per_stage(built):
    root, out, result = built
    lines = [line for line in result.output.splitlines() if not line.startswith("note:")]
    assert len(lines) == 2
    sdtm, adam = lines
    assert sdtm.startswith(f"{out / STUDY / 'tabulations' / 'sdtm'}: 30 datasets (AE, CM, ")
    assert adam == (
        f"{out / STUDY / 'analysis' / 'adam'}: 7 datasets (ADSL, ADRS, ADTTE, ADTR, ADAE, ADLB, ADVS), "
        "define.xml valid (Define-XML 2.1 schema, OIDs), define.html"
    )


def test_the_files_carry_the_creation_time_and_the_cutoff(built):
    # tests/conftest.py sets SOURCE_DATE_EPOCH=1767225600: 2026-01-01T00:00:00Z
    _, out, _ = built
    for stage in ("tabulations/sdtm", "analysis/adam"):
        define = (out / STUDY / stage / "define.xml").read_text(encoding="utf-8")
        assert 'CreationDateTime="2026-01-01T00:00:00"' in define, stage
        assert 'AsOfDateTime="2024-01-15T00:00:00"' in define, stage
        header = (out / STUDY / stage / ("dm.xpt" if stage.endswith("sdtm") else "adsl.xpt")).read_bytes()[: 80 * 8]
        assert header.count(b"01JAN26:00:00:00") == 4, stage  # created and modified, library and member headers
    dm = json.loads((out / STUDY / "tabulations" / "sdtm" / "dataset-json" / "dm.json").read_text(encoding="utf-8"))
    assert dm["datasetJSONCreationDateTime"] == "2026-01-01T00:00:00"
    assert dm["dbLastModifiedDateTime"] == "2024-01-15T00:00:00"
    assert dm["records"] == 20


@pytest.mark.parametrize("given", [["--adam", "adam"], ["--adam-spec", "adam_spec"]])
def test_adam_and_its_spec_go_together(built, tmp_path, given):
    root, _, _ = built
    option, value = given
    value = root / "adam" if value == "adam" else ADAM_SPEC
    result = invoke("--sdtm", root / "sdtm", "--sdtm-spec", SDTM_SPEC, option, value, "--out", tmp_path / "o")
    assert result.exit_code == 2
    assert "error: --adam and --adam-spec go together" in result.output
    assert not (tmp_path / "o").exists()


def test_a_folder_with_files_the_tool_did_not_write_is_refused_and_left_alone(built, tmp_path):
    root, _, _ = built
    out = tmp_path / "submission"
    out.mkdir()
    (out / "cover_letter.docx").write_bytes(b"the sponsor's letter")
    result = invoke("--sdtm", root / "sdtm", "--sdtm-spec", SDTM_SPEC, "--out", out)
    assert result.exit_code == 2, result.output
    assert "not written by cdisc-build" in result.output
    assert snapshot(out) == {"cover_letter.docx": b"the sponsor's letter"}


def test_a_folder_without_a_readable_dataset_writes_nothing(tmp_path):
    data = tmp_path / "sdtm"
    data.mkdir()
    (data / "dm.xpt").write_bytes(b"junk")
    result = invoke("--sdtm", data, "--sdtm-spec", SDTM_SPEC, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{data / 'dm.xpt'}: ")
    assert lines[1] == f"{data}: no dataset file named in {SDTM_SPEC} (<dataset>.csv or .xpt)"
    assert lines[2] == "2 problem(s); nothing was written"
    assert not (tmp_path / "out").exists()


def test_an_export_that_stops_lists_its_problems(built, tmp_path, monkeypatch):
    import submission_export.package as package

    root, _, _ = built
    data = tmp_path / "sdtm"
    data.mkdir()
    shutil.copyfile(root / "sdtm" / "dm.xpt", data / "dm.xpt")

    def stopped(*args, **kwargs):
        raise package.ExportError(["DM: first problem", "DM: second problem"])

    monkeypatch.setattr(package, "export_submission", stopped)
    result = invoke("--sdtm", data, "--sdtm-spec", SDTM_SPEC, "--out", tmp_path / "out")
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "DM: first problem",
        "DM: second problem",
        "2 problem(s); nothing was written",
    ]


# ---------------------------------------------------------------- load_frames


@pytest.fixture(scope="module")
def sdtm_spec():
    return load_spec(SDTM_SPEC).spec


def test_load_frames_reads_the_datasets_the_spec_names(built, sdtm_spec, tmp_path):
    root, _, _ = built
    shutil.copyfile(root / "sdtm" / "dm.xpt", tmp_path / "dm.xpt")
    pd.DataFrame({"STUDYID": ["S1"], "DOMAIN": ["TS"], "TSSEQ": ["1"]}).to_csv(tmp_path / "TS.csv", index=False)
    (tmp_path / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")  # no dataset of the spec
    frames, problems = load_frames(tmp_path, sdtm_spec)
    assert problems == []
    assert sorted(frames) == ["DM", "TS"]
    assert len(frames["DM"]) == 20
    assert frames["TS"]["TSSEQ"].tolist() == [1.0]  # conformed to the spec: TSSEQ is a number


def test_load_frames_prefers_the_transport_file(built, sdtm_spec, tmp_path):
    root, _, _ = built
    shutil.copyfile(root / "sdtm" / "dm.xpt", tmp_path / "dm.xpt")
    pd.DataFrame({"STUDYID": ["S1"], "DOMAIN": ["DM"], "USUBJID": ["S1-1"]}).to_csv(tmp_path / "dm.csv", index=False)
    frames, _ = load_frames(tmp_path, sdtm_spec)
    assert len(frames["DM"]) == 20


def test_load_frames_names_each_file_it_cannot_read(sdtm_spec, tmp_path):
    (tmp_path / "ae.xpt").write_bytes(b"junk")
    pd.DataFrame({"STUDYID": ["S1"], "DOMAIN": ["TS"], "TSSEQ": ["one"]}).to_csv(tmp_path / "ts.csv", index=False)
    frames, problems = load_frames(tmp_path, sdtm_spec)
    assert frames == {}
    assert len(problems) == 2
    assert problems[0].startswith(f"{tmp_path / 'ae.xpt'}: ")
    assert "TSSEQ" in problems[1] and "one" in problems[1]
