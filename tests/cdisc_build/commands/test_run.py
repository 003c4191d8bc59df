"""`run` and `demo` (cdisc_build.commands.run) on a small app of their own: what they hand the
pipeline, the exit status from what the stages found and --fail-on, the summary, bad usage and
the output folders refused.

The stages themselves are replaced by a stand-in returning chosen counts (the real job end to
end is in tests/cdisc_build/test_pipeline.py and test_safety.py); the refusals run the real
pipeline, which refuses before any stage."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import cdisc_build.pipeline as pipeline
from cdisc_build.commands.run import demo_command, run_command
from cdisc_build.outcome import StageCount, guarded
from specs.study import builtin_study
from study_simulator.api import simulate

app = typer.Typer()
app.command("run")(guarded(run_command))
app.command("demo")(guarded(demo_command))

STUDY = Path(builtin_study().path)


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def snapshot(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "raw"
    simulate(20, 2, out)
    return out / "edc"


class StandIn:
    """Records what the command hands the pipeline; returns a result with the chosen counts."""

    def __init__(self, counts):
        self.counts, self.calls = counts, []

    def run_pipeline(self, raw, out, *, console=None, study=None, force=False):
        self.calls.append({"raw": raw, "out": out, "study": study, "force": force})
        result = pipeline.PipelineResult(Path(out), counts=list(self.counts))
        result.stages = {"sdtm": 1.0, "export": 2.5}
        result.outputs = {"sdtm": Path(out) / "sdtm"}
        return result

    def run_demo(self, out, *, subjects, seed, messy, console=None, force=False, fail_on="error"):
        self.calls.append({"out": out, "subjects": subjects, "seed": seed, "messy": messy, "force": force})
        self.calls[-1]["fail_on"] = getattr(fail_on, "value", fail_on)
        return pipeline.PipelineResult(Path(out), counts=list(self.counts))


@pytest.fixture
def stand_in(monkeypatch):
    def make(*counts: StageCount) -> StandIn:
        fake = StandIn(counts)
        monkeypatch.setattr(pipeline, "run_pipeline", fake.run_pipeline)
        monkeypatch.setattr(pipeline, "run_demo", fake.run_demo)
        return fake

    return make


CLEAN = (StageCount("sdtm", 0, 0), StageCount("validate sdtm", 0, 0))
WARNINGS = (StageCount("sdtm", 0, 0), StageCount("validate sdtm", 0, 3))
ERRORS = (StageCount("sdtm", 2, 1), StageCount("validate sdtm", 0, 3))


def test_run_hands_the_pipeline_its_options_and_prints_the_summary(stand_in, raw, tmp_path):
    fake = stand_in(*CLEAN)
    result = invoke("run", "--raw", raw, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert fake.calls == [{"raw": raw, "out": tmp_path / "out", "study": None, "force": False}]
    assert "where everything is" in result.output
    assert f"  SDTM                {tmp_path / 'out' / 'sdtm'}" in result.output.splitlines()
    rows = {line.split()[1]: line.split()[3] for line in result.output.splitlines() if line.startswith("│")}
    assert rows == {"sdtm": "1.0", "export": "2.5", "total": "3.5"}  # seconds of each stage and their total
    assert "found in" not in result.output


def test_run_reads_the_study_settings_it_is_given(stand_in, raw, tmp_path):
    fake = stand_in(*CLEAN)
    result = invoke("run", "--raw", raw, "--out", tmp_path / "out", "--study", STUDY, "--force")
    assert result.exit_code == 0, result.output
    (call,) = fake.calls
    assert call["force"] is True
    assert call["study"].path == STUDY and call["study"].study.id == "SYSU-ANTOR-STS"


def test_run_with_bad_study_settings_lists_every_problem_and_runs_nothing(stand_in, raw, tmp_path):
    fake = stand_in(*CLEAN)
    study = tmp_path / "study.toml"
    study.write_text(
        STUDY.read_text(encoding="utf-8")
        .replace('id = "SYSU-ANTOR-STS"\n', "")
        .replace("sd_min_days = 35", 'sd_min_days = "35"'),
        encoding="utf-8",
    )
    for name in ("sdtm_spec.xlsx", "adam_spec.xlsx", "trial_design.xlsx"):
        (tmp_path / name).write_bytes((STUDY.parent / name).read_bytes())
    result = invoke("run", "--raw", raw, "--out", tmp_path / "out", "--study", study)
    assert result.exit_code == 1
    assert f'{study}: [recist] sd_min_days = "35": must be a whole number (TOML integer), not text' in result.output
    assert f"{study}: [study] id: missing; required: the study identifier (STUDYID)" in result.output
    assert fake.calls == []
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("counts", "fail_on", "status", "message"),
    [
        (CLEAN, "warning", 0, None),
        (WARNINGS, "error", 0, None),
        (WARNINGS, "warning", 1, "error: found in validate sdtm: 0 errors, 3 warnings (--fail-on warning)"),
        (ERRORS, "error", 1, "error: found in sdtm: 2 errors, 1 warnings (--fail-on error)"),
        (
            ERRORS,
            "warning",
            1,
            "error: found in sdtm: 2 errors, 1 warnings; validate sdtm: 0 errors, 3 warnings (--fail-on warning)",
        ),
    ],
)
def test_run_exit_status_follows_what_the_stages_found(stand_in, raw, tmp_path, counts, fail_on, status, message):
    stand_in(*counts)
    result = invoke("run", "--raw", raw, "--out", tmp_path / "out", "--fail-on", fail_on)
    assert result.exit_code == status, result.output
    if message is None:
        assert "found in" not in result.output
    else:
        assert result.output.splitlines()[-1] == message


def test_demo_hands_the_pipeline_its_options(stand_in, tmp_path):
    fake = stand_in(*WARNINGS)
    out = tmp_path / "demo"
    args = ["--out", out, "--subjects", 25, "--seed", 7, "--messy", 0.1, "--force", "--fail-on", "warning"]
    result = invoke("demo", *args)
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "error: found in validate sdtm: 0 errors, 3 warnings (--fail-on warning)"
    assert fake.calls == [{"out": out, "subjects": 25, "seed": 7, "messy": 0.1, "force": True, "fail_on": "warning"}]


def test_demo_defaults(stand_in):
    fake = stand_in(*CLEAN)
    result = invoke("demo")
    assert result.exit_code == 0, result.output
    assert fake.calls == [
        {"out": Path("build/demo"), "subjects": 300, "seed": 20191202, "messy": 0.0, "force": False, "fail_on": "error"}
    ]


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--out", "out"],  # no --raw
        ["run", "--raw", "no-such-folder", "--out", "out"],
        ["run", "--raw", "RAW", "--out", "out", "--fail-on", "notice"],
        ["run", "--raw", "RAW", "--out", "out", "--study", "no-such.toml"],
        ["run", "--raw", "RAW"],  # no --out
        ["demo", "--subjects", "0"],
        ["demo", "--messy", "1.5"],
    ],
)
def test_bad_usage_exits_2(stand_in, raw, tmp_path, monkeypatch, args):
    fake = stand_in(*CLEAN)
    monkeypatch.chdir(tmp_path)
    result = invoke(*[str(raw) if a == "RAW" else a for a in args])
    assert result.exit_code == 2, result.output
    assert fake.calls == []
    assert list(tmp_path.iterdir()) == []


def test_run_refuses_a_folder_with_files_it_did_not_write_and_leaves_it_alone(raw, tmp_path):
    out = tmp_path / "project"
    out.mkdir()
    (out / "protocol.docx").write_bytes(b"the protocol")
    result = invoke("run", "--raw", raw, "--out", out)
    assert result.exit_code == 2, result.output
    assert f"{out}: is not empty and was not written by cdisc-build" in result.output
    assert snapshot(out) == {"protocol.docx": b"the protocol"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


def test_run_refuses_to_write_into_its_raw_export(raw):
    before = snapshot(raw)
    result = invoke("run", "--raw", raw, "--out", raw)
    assert result.exit_code == 2, result.output
    assert f"{raw}: is an input of this command" in result.output
    assert snapshot(raw) == before


def test_demo_refuses_a_folder_with_files_it_did_not_write_and_leaves_it_alone(tmp_path):
    out = tmp_path / "demo"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = invoke("demo", "--out", out, "--subjects", "5")
    assert result.exit_code == 2, result.output
    assert "not written by cdisc-build" in result.output
    assert snapshot(out) == {"notes.txt": b"mine"}
