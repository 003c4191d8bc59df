"""`cdisc-build config check`, and the study settings each command reads (literal TOML snippets)."""

from __future__ import annotations

from pathlib import Path

from shared_data import shared_path
from typer.testing import CliRunner

from cdisc_build.cli import app

ROOT = Path(__file__).resolve().parents[2]

CLEAN = """\
[study]
id = "S1"
sdtm_spec = "sdtm.xlsx"

[raw]
subject_field = "SUBJ"
demographics_form = "dm"
"""


def write(folder: Path, text: str) -> Path:
    (folder / "sdtm.xlsx").write_bytes(b"")
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_config_check_a_clean_file(tmp_path):
    path = write(tmp_path, CLEAN)
    result = run("config", "check", path)
    assert result.exit_code == 0, result.output
    assert result.output == f"{path}: no problems\n"
    assert run("config", "check", ROOT / "specs" / "workbooks" / "study.toml").exit_code == 0
    assert run("config", "check", ROOT / "examples" / "cdiscpilot01" / "study.toml").exit_code == 0


def test_config_check_prints_every_problem_at_once(tmp_path):
    path = write(
        tmp_path,
        CLEAN.replace('id = "S1"\n', "")
        + '[recist]\nsd_min_days = "35"\n[adam]\nevaluater = "INVESTIGATOR"\n'
        + "[report]\nconfidence = 1.5\n[reprot]\n",
    )
    result = run("config", "check", path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f'{path}: [recist] sd_min_days = "35": must be a whole number (TOML integer), not text',
        f"{path}: [adam] evaluater: unknown setting; did you mean evaluator?",
        f"{path}: [reprot]: unknown table; did you mean [report]?",
        f"{path}: [study] id: missing; required: the study identifier (STUDYID)",
        f"{path}: [report] confidence = 1.5: must be at least 0.5 and below 1 (the level of the intervals)",
        "5 problems",
    ]


def test_config_check_usage(tmp_path):
    assert run("config", "check").exit_code == 2
    assert run("config", "check", tmp_path / "a.toml", tmp_path / "b.toml").exit_code == 2
    result = run("config", "check", tmp_path / "none.toml")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{tmp_path / 'none.toml'}: the study settings file does not exist"


def test_run_refuses_a_report_typo_before_writing_anything(tmp_path):
    # [report] is checked with the rest of the file, before the first stage
    raw = tmp_path / "raw"
    raw.mkdir()
    study = ROOT / "specs" / "workbooks" / "study.toml"
    text = study.read_text(encoding="utf-8").replace("[report]\n", "[report]\nconfidense = 0.9\n")
    folder = tmp_path / "study"
    folder.mkdir()
    for name in ("sdtm_spec.xlsx", "adam_spec.xlsx", "trial_design.xlsx", "validation_explanations.csv"):
        (folder / name).write_bytes((study.parent / name).read_bytes())
    (folder / "study.toml").write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = run("run", "--raw", raw, "--out", out, "--study", folder / "study.toml")
    assert result.exit_code == 1
    assert "[report] confidense: unknown setting; did you mean confidence?" in result.output
    assert not out.exists()


def test_adam_does_not_require_the_study_keys_it_does_not_use(tmp_path):
    # no [study] id, no sdtm_spec, no [raw]: the adam command reads [recist] and [adam] only
    sdtm = tmp_path / "sdtm"
    sdtm.mkdir()
    path = tmp_path / "study.toml"
    path.write_text('[adam]\nevaluator = "INVESTIGATOR"\n', encoding="utf-8")
    result = run("adam", "--sdtm", sdtm, "--out", tmp_path / "out", "--study", path)
    assert result.exit_code == 1
    assert f"{path}: [study] adam_spec: not set and --spec was not given" in result.output
    assert "missing; required" not in result.output


def test_recist_reads_the_evaluator_from_adam(tmp_path):
    # study.toml sets the evaluator in [adam]; the recist command uses it (not INVESTIGATOR)
    folder = shared_path("reference", "pharmaverse", "sdtm")
    path = tmp_path / "study.toml"
    path.write_text('[recist]\nshort_axis_testcd = "LPERP"\n[adam]\nevaluator = "INDEPENDENT ASSESSOR"\n')
    files = ["--tu", "tu_onco_recist.csv", "--tr", "tr_onco_recist.csv", "--rs", "rs_onco_recist.csv"]
    result = run("recist", "--sdtm", folder, *files, "--study", path, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert "evaluator 'INDEPENDENT ASSESSOR'" in result.output
    path.write_text('[recist]\nshort_axis_testcd = "LPERP"\n[adam]\nevaluator = "INVESTIGATOR"\n')
    result = run("recist", "--sdtm", folder, *files, "--study", path, "--out", tmp_path / "out2")
    assert result.exit_code == 0, result.output


def test_run_refuses_a_broken_explanations_file_before_writing_anything(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    study = ROOT / "specs" / "workbooks" / "study.toml"
    folder = tmp_path / "study"
    folder.mkdir()
    for name in ("sdtm_spec.xlsx", "adam_spec.xlsx", "trial_design.xlsx"):
        (folder / name).write_bytes((study.parent / name).read_bytes())
    (folder / "validation_explanations.csv").write_text("rule,dataset,explanation\nCB-SDTM-133,CM,\n")
    (folder / "study.toml").write_text(study.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    result = run("run", "--raw", raw, "--out", out, "--study", folder / "study.toml")
    assert result.exit_code == 1
    assert "validation_explanations.csv: row 2, column explanation: empty; every row explains its findings" in (
        result.output
    )
    assert not out.exists()
