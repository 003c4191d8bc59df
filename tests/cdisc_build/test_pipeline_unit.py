"""cdisc_build.pipeline's own logic: the order of the stages, the outputs and counts it records,
what a stage that fails leaves behind, the stages of a study without ADaM, run_demo around the
stages, and the summary. What each stage builds is tested with the stage; the demo and run end
to end through the command line are in test_pipeline.py."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from rich.console import Console

import cdisc_build.pipeline as pipeline
from cdisc_build.outcome import StageCount
from cdisc_build.pipeline import PipelineResult, run_demo, run_pipeline, summary
from dataset_io.outputs import OutputFolderError
from specs.study import builtin_study
from study_simulator.api import simulate

SUBJECTS = 30
STUDY = "submission/m5/datasets/sysu-antor-sts"


def console() -> Console:
    return Console(record=True, width=200, file=io.StringIO())


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# the stage functions the pipeline calls, by the module it takes each from
STAGE_FUNCTIONS = [
    ("sdtm_builder.build", "build_sdtm"),
    ("sdtm_builder.build", "write_sdtm"),
    ("adam_builder.build", "build_adam"),
    ("adam_builder.build", "write_adam"),
    ("submission_export.package", "export_submission"),
    ("conformance", "run_validation"),
    ("conformance", "write_report"),
    ("analysis_report", "build_report"),
    ("analysis_report", "write_report"),
]


def spy(mp: pytest.MonkeyPatch, calls: list[str], fail: str | None = None) -> None:
    """Record each stage function called, in order; `fail`: that one raises instead."""
    import importlib

    for module_name, name in STAGE_FUNCTIONS:
        module = importlib.import_module(module_name)
        real = getattr(module, name)
        label = f"{module_name.split('.')[0]}.{name}"

        def wrapper(*args, _real=real, _label=label, **kwargs):
            calls.append(_label)
            if _label == fail:
                raise RuntimeError(f"{_label} failed")
            return _real(*args, **kwargs)

        mp.setattr(module, name, wrapper)


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pipeline") / "raw"
    simulate(SUBJECTS, 3, out)
    return out / "edc"


@pytest.fixture(scope="module")
def run(raw, tmp_path_factory):
    """One whole run of the built-in study, every stage function call recorded."""
    root = tmp_path_factory.mktemp("run")
    calls: list[str] = []
    shown = console()
    with pytest.MonkeyPatch.context() as mp:
        spy(mp, calls)
        result = run_pipeline(raw, root / "out", console=shown)
    return SimpleNamespace(root=root, out=root / "out", result=result, calls=calls, text=shown.export_text())


def test_the_stages_run_in_order(run):
    assert list(run.result.stages) == ["sdtm", "adam", "export", "validate", "report"]
    assert run.calls == [
        "sdtm_builder.build_sdtm",
        "sdtm_builder.write_sdtm",
        "adam_builder.build_adam",
        "adam_builder.write_adam",
        "submission_export.export_submission",
        "conformance.run_validation",  # SDTM
        "conformance.write_report",
        "conformance.run_validation",  # ADaM
        "conformance.write_report",
        "analysis_report.build_report",
        "analysis_report.write_report",
    ]


def test_the_outputs_recorded_are_where_the_run_was_put(run):
    out = run.out
    assert run.result.out == out
    assert run.result.outputs == {
        "sdtm": out / "sdtm",
        "adam": out / "adam",
        "submission": out / STUDY,
        "validation": out / "validation",
        "report": out / "report" / "analysis_report.html",
    }
    for path in run.result.outputs.values():
        assert path.exists(), path
    assert sorted(p.name for p in run.root.iterdir()) == ["out"]  # no building folder left beside it
    assert json.loads((out / ".cdisc-build.json").read_text(encoding="utf-8"))["command"] == "run"
    for stage in ("sdtm", "adam"):
        assert (out / "validation" / stage / "conformance_report.json").is_file(), stage


def test_the_counts_are_one_per_stage_that_checks(run):
    result = run.result
    assert [c.stage for c in result.counts] == ["sdtm", "adam", "validate sdtm", "validate adam"]
    assert sorted(result.validation) == ["adam", "sdtm"]
    for count in result.counts[2:]:
        report = result.validation[count.stage.removeprefix("validate ")]
        assert (count.errors, count.warnings) == (report.errors, report.warnings)
    saved = json.loads((run.out / "validation" / "sdtm" / "conformance_report.json").read_text(encoding="utf-8"))
    assert saved["summary"]["warnings"] == result.counts[2].warnings
    # the simulated study is clean but for warnings of the SDTM validation and the ADaM issue
    # report (a PR after a CR, target lesions not assessed: data problems it lists)
    assert result.failing("error") == []
    assert [c.stage for c in result.failing("warning")] == ["adam", "validate sdtm"]


def test_each_stage_says_what_it_made(run):
    lines = run.text.splitlines()
    sdtm = next(line for line in lines if line.startswith("SDTM "))
    assert sdtm.startswith("SDTM 30 datasets, ") and sdtm.endswith("ledger balances")
    assert next(line for line in lines if line.startswith("ADaM ")).startswith("ADaM 7 datasets, ")
    from pypdf import PdfReader

    acrf = run.out / "submission" / "m5" / "datasets" / "sysu-antor-sts" / "tabulations" / "sdtm" / "acrf.pdf"
    pages = len(PdfReader(str(acrf)).pages)
    assert f"export submission/m5/datasets/sysu-antor-sts, annotated CRF {pages} pages" in lines
    sdtm_report, adam_report = run.result.validation["sdtm"], run.result.validation["adam"]
    # the study's explanations explain some SDTM warnings (tests/cdisc_build/test_pipeline.py: which)
    explained = sdtm_report.explained("warning")
    assert explained > 0
    assert (
        f"validate sdtm {sdtm_report.errors:,} errors, {sdtm_report.warnings:,} warnings ({explained:,} explained), "
        f"{sdtm_report.notices:,} notices" in lines
    )
    assert f"validate adam 0 errors, 0 warnings, {adam_report.notices:,} notices" in lines
    analysis = run.result.report
    assert f"report {len(analysis.tables)} tables, {len(analysis.figures)} figures" in lines


def test_a_stage_that_fails_leaves_the_previous_output_whole(run, raw, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(run.out, out)
    before = snapshot(out)
    calls: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        spy(mp, calls, fail="analysis_report.build_report")  # the last stage: everything else was built
        with pytest.raises(RuntimeError, match="build_report failed"):
            run_pipeline(raw, out, console=console())
    assert calls[-1] == "analysis_report.build_report" and "conformance.write_report" in calls
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_stage_that_fails_in_a_new_folder_leaves_nothing(raw, tmp_path):
    calls: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        spy(mp, calls, fail="submission_export.export_submission")
        with pytest.raises(RuntimeError, match="export_submission failed"):
            run_pipeline(raw, tmp_path / "new" / "out", console=console())
    assert calls[:4] == [
        "sdtm_builder.build_sdtm",
        "sdtm_builder.write_sdtm",
        "adam_builder.build_adam",
        "adam_builder.write_adam",
    ]
    assert list(tmp_path.iterdir()) == []


def test_the_folder_of_the_study_settings_is_refused(raw, tmp_path):
    source = builtin_study().path
    folder = tmp_path / "study"
    folder.mkdir()
    for name in ("study.toml", "sdtm_spec.xlsx", "adam_spec.xlsx", "trial_design.xlsx", "validation_explanations.csv"):
        shutil.copyfile(source.parent / name, folder / name)
    from specs.study import StudyConfig

    before = snapshot(folder)
    with pytest.raises(OutputFolderError, match="contains an input of this command"):
        run_pipeline(raw, folder, console=console(), study=StudyConfig.load(folder / "study.toml"))
    assert snapshot(folder) == before


def test_a_study_without_adam_runs_sdtm_export_and_validate_only(raw, tmp_path):
    config = builtin_study()
    config = dataclasses.replace(config, study=dataclasses.replace(config.study, adam_spec=None))
    assert pipeline._stages(config) == ["sdtm", "export", "validate"]
    assert pipeline._stages(builtin_study()) == ["sdtm", "adam", "export", "validate", "report"]
    shown = console()
    result = run_pipeline(raw, tmp_path / "out", console=shown, study=config)
    assert list(result.stages) == ["sdtm", "export", "validate"]
    assert sorted(result.outputs) == ["sdtm", "submission", "validation"]
    assert result.adam is None and result.report is None
    assert [c.stage for c in result.counts] == ["sdtm", "validate sdtm"]
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        ".cdisc-build.json",
        "checksums.md5",
        "sdtm",
        "submission",
        "validation",
    ]
    assert sorted(p.name for p in (out / "validation").iterdir()) == ["sdtm"]
    assert not (out / STUDY / "analysis").exists()
    summary(result, shown)
    text = shown.export_text()
    assert "ADaM" not in text and "analysis report" not in text and "ORR" not in text


# ---------------------------------------------------------------- run_demo around the stages


def test_demo_simulates_into_raw_then_runs_the_stages_on_it(tmp_path, monkeypatch):
    seen = {}

    def stages(raw, staging, config, result, display):
        seen.update(raw=raw, staging=staging, forms=sorted(p.name for p in raw.glob("*.csv")))
        (staging / "sdtm").mkdir()
        (staging / "sdtm" / "dm.csv").write_text("USUBJID\n", encoding="utf-8")
        result.outputs["sdtm"] = staging / "sdtm"
        return result

    monkeypatch.setattr(pipeline, "_run", stages)
    shown = console()
    out = tmp_path / "demo"
    result = run_demo(out, subjects=12, seed=5, console=shown)
    assert seen["raw"] == seen["staging"] / "raw" / "edc"
    assert "dm.csv" in seen["forms"] and "ae.csv" in seen["forms"]
    assert list(result.stages) == ["simulate"]
    assert result.outputs == {"raw": out / "raw", "sdtm": out / "sdtm"}
    assert (out / "raw" / "edc" / "dm.csv").is_file() and (out / "sdtm" / "dm.csv").is_file()
    assert json.loads((out / ".cdisc-build.json").read_text(encoding="utf-8"))["command"] == "demo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]
    lines = shown.export_text().splitlines()
    assert f"simulate 12 subjects (seed 5) -> {out / 'raw' / 'edc'}" in lines
    assert f"  raw export          {out / 'raw'}" in lines  # the summary is printed
    assert f"  SDTM                {out / 'sdtm'}" in lines


def test_demo_whose_stages_fail_leaves_nothing(tmp_path, monkeypatch):
    def stages(raw, staging, config, result, display):
        raise RuntimeError("a stage failed")

    monkeypatch.setattr(pipeline, "_run", stages)
    with pytest.raises(RuntimeError, match="a stage failed"):
        run_demo(tmp_path / "demo", subjects=5, seed=1, console=console())
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- the summary


def result_with(counts: list[StageCount]) -> PipelineResult:
    result = PipelineResult(Path("o"), counts=counts)
    result.stages = {"sdtm": 1.0, "export": 2.5}
    result.outputs = {"sdtm": Path("o/sdtm"), "report": Path("o/report/analysis_report.html")}
    result.report = SimpleNamespace(topline_lines=lambda: ["ORR (confirmed): 1/2 = 50.0%"])
    return result


def test_summary_shows_seconds_outputs_and_the_topline():
    shown = console()
    summary(result_with([StageCount("sdtm", 0, 2)]), shown)
    lines = shown.export_text().splitlines()
    rows = {line.split()[1]: line.split()[3] for line in lines if line.startswith("│")}
    assert rows == {"sdtm": "1.0", "export": "2.5", "total": "3.5"}
    start = lines.index("where everything is")
    assert lines[start + 1 :] == [
        "  SDTM                o/sdtm",
        "  analysis report     o/report/analysis_report.html",
        "ORR (confirmed): 1/2 = 50.0%",
    ]


@pytest.mark.parametrize(
    ("counts", "fail_on", "caution"),
    [
        ([StageCount("sdtm", 2, 0)], "error", "sdtm: 2 errors, 0 warnings"),
        (
            [StageCount("sdtm", 0, 2), StageCount("adam", 0, 1)],
            "warning",
            "sdtm: 0 errors, 2 warnings; adam: 0 errors, 1 warnings",
        ),
    ],
)
def test_results_from_data_with_problems_are_marked(counts, fail_on, caution):
    shown = console()
    summary(result_with(counts), shown, fail_on=fail_on)
    lines = shown.export_text().splitlines()
    assert lines[-2:] == [
        f"caution: these results come from data with errors ({caution}): "
        "read the issue and validation reports before using them",
        "ORR (confirmed): 1/2 = 50.0% [from data with errors]",
    ]
