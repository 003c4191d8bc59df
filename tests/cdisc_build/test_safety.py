"""The command line cannot destroy anything and tells a pipeline what it found:
refused output folders (the raw export and foreign files untouched), a kill at any
moment, two runs at once, and the exit status of each case."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdisc_build.cli import app

ROOT = Path(__file__).resolve().parents[2]
SUBJECTS = "40"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """A simulated raw export and the ADaM of one run over it."""
    root = tmp_path_factory.mktemp("safety")
    done = invoke("simulate", "--subjects", SUBJECTS, "--seed", "7", "--out", root / "s2" / "raw")
    assert done.exit_code == 0, done.output
    done = invoke("run", "--raw", root / "s2" / "raw" / "edc", "--out", root / "built")
    assert done.exit_code == 0, done.output
    return root


def test_report_into_a_folder_with_a_users_document_is_refused(study, tmp_path):
    project = tmp_path / "myproject"
    project.mkdir()
    (project / "protocol.docx").write_bytes(b"the user's own document")
    done = invoke("report", "--adam", study / "built" / "adam", "--out", project)
    assert done.exit_code == 2, done.output
    assert "not written by cdisc-build" in done.output
    assert snapshot(project) == {"protocol.docx": b"the user's own document"}


def test_report_into_the_working_folder_is_refused(study, tmp_path, monkeypatch):
    work = tmp_path / "d"
    work.mkdir()
    (work / "keep.txt").write_text("keep")
    monkeypatch.chdir(work)
    done = invoke("report", "--adam", study / "built" / "adam", "--out", ".")
    assert done.exit_code == 2, done.output
    assert "is the working folder" in done.output and "Traceback" not in done.output
    assert snapshot(work) == {"keep.txt": b"keep"}


@pytest.mark.parametrize("out", ["s2", "s2/raw", "s2/raw/edc", "s2/raw/edc/sdtm"])
def test_sdtm_never_writes_over_or_into_its_raw_export(study, out):
    before = snapshot(study / "s2")
    done = invoke("sdtm", "--raw", study / "s2" / "raw" / "edc", "--out", study / out)
    assert done.exit_code == 2, done.output
    assert "input" in done.output
    assert snapshot(study / "s2") == before


def test_out_naming_an_existing_file_is_refused(study, tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    done = invoke("sdtm", "--raw", study / "s2" / "raw" / "edc", "--out", target)
    assert done.exit_code == 2 and "is a file" in done.output, done.output
    assert target.read_text() == "x"


def test_a_previous_output_is_replaced_and_another_commands_needs_force(study, tmp_path):
    raw = study / "s2" / "raw" / "edc"
    out = tmp_path / "out"
    assert invoke("sdtm", "--raw", raw, "--out", out).exit_code == 0
    assert invoke("sdtm", "--raw", raw, "--out", out).exit_code == 0  # its own previous output
    done = invoke("run", "--raw", raw, "--out", out)
    assert done.exit_code == 2 and "--force" in done.output, done.output
    assert invoke("run", "--raw", raw, "--out", out, "--force").exit_code == 0
    assert json.loads((out / ".cdisc-build.json").read_text())["command"] == "run"


def test_spec_template_never_overwrites_a_file(tmp_path):
    path = tmp_path / "my_spec.xlsx"
    path.write_bytes(b"my spec")
    done = invoke("spec", "template", path)
    assert done.exit_code == 2 and "already exists" in done.output, done.output
    assert path.read_bytes() == b"my spec"


# ---------------------------------------------------------------- exit codes


def severities(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [row["severity"] for row in csv.DictReader(handle)]


def test_sdtm_exit_status_follows_what_it_found(study, tmp_path):
    raw = study / "s2" / "raw" / "edc"
    done = invoke("sdtm", "--raw", raw, "--out", tmp_path / "a")
    found = severities(tmp_path / "a" / "issues.csv") + severities(tmp_path / "a" / "schema_failures.csv")
    assert done.exit_code == (1 if "error" in found else 0), done.output
    done = invoke("sdtm", "--raw", raw, "--out", tmp_path / "b", "--fail-on", "warning")
    assert done.exit_code == (1 if ("error" in found or "warning" in found) else 0), done.output


def test_sdtm_with_errors_in_the_raw_data_exits_1(study, tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for path in (study / "s2" / "raw" / "edc").glob("*.csv"):
        (raw / path.name).write_bytes(path.read_bytes())
    with open(raw / "ae.csv", "a", encoding="utf-8") as handle:  # an AE of a subject demographics does not have
        header = (raw / "ae.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        handle.write(",".join("NOBODY-999" if h == "SUBJECT" else "" for h in header) + "\n")
    done = invoke("sdtm", "--raw", raw, "--out", tmp_path / "out")
    assert done.exit_code == 1, done.output
    assert "found in sdtm" in done.output
    assert "error" in severities(tmp_path / "out" / "issues.csv")  # the output is written all the same


def test_bad_usage_exits_2(study):
    assert invoke("sdtm", "--raw", study / "s2" / "raw" / "edc").exit_code == 2  # no --out
    assert invoke("sdtm", "--no-such-option").exit_code == 2
    assert invoke("validate", study / "built" / "sdtm", "--fail-on", "sometimes").exit_code == 2


def test_an_unforeseen_error_is_a_message_not_a_traceback(study, tmp_path, monkeypatch):
    import sdtm_builder.build as build

    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(build, "build_sdtm", broken)
    done = invoke("sdtm", "--raw", study / "s2" / "raw" / "edc", "--out", tmp_path / "out")
    assert done.exit_code == 1
    assert "internal error: ZeroDivisionError: division by zero" in done.output
    assert "Traceback" not in done.output
    assert not (tmp_path / "out").exists()


def test_help_and_messages_keep_their_brackets(tmp_path):
    done = invoke("adam", "--help")
    assert "[recist] and [adam]" in " ".join(done.output.split()), done.output
    settings = tmp_path / "study.toml"
    settings.write_text('[raw]\nsubject_field = "SUBJECT"\n', encoding="utf-8")
    done = invoke("sdtm", "--raw", tmp_path, "--out", tmp_path / "out", "--study", settings)
    assert done.exit_code == 1
    assert "[study]" in done.output, done.output


def test_a_demo_with_messy_data_exits_1_names_the_stages_and_marks_the_topline(tmp_path):
    done = invoke("demo", "--out", tmp_path / "messy", "--subjects", "60", "--messy", "0.05")
    assert done.exit_code == 1, done.output
    text = " ".join(done.output.split())
    assert "found in sdtm:" in text
    assert "ORR (confirmed):" in text and "[from data with errors]" in text
    assert "caution: these results come from data with errors" in text
    issues = severities(tmp_path / "messy" / "sdtm" / "issues.csv")
    assert issues.count("error") > 0


# ---------------------------------------------------------------- other processes: kills and two runs at once


def cli(*args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", "from cdisc_build.cli import main; main()", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def sealed(out: Path, command: str) -> bool:
    """The folder is one whole output: every file listed in checksums.md5 with its true MD5, and no other."""
    files = snapshot(out)
    if "checksums.md5" not in files or json.loads(files[".cdisc-build.json"])["command"] != command:
        return False
    listed = {}
    for line in files["checksums.md5"].decode().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    return set(listed) == set(files) - {"checksums.md5"} and all(
        hashlib.md5(files[name]).hexdigest() == digest for name, digest in listed.items()
    )


def test_run_killed_at_any_moment_leaves_the_previous_output_whole(study, tmp_path):
    raw = study / "s2" / "raw" / "edc"
    out = tmp_path / "out"
    first = cli("run", "--raw", raw, "--out", out)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    before = snapshot(out)
    assert sealed(out, "run")
    for moment in (1.0, 2.5, 4.0):
        proc = cli("run", "--raw", raw, "--out", out)
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert sealed(out, "run")
        assert snapshot(out) == before  # the same input gives the same bytes: whichever generation, whole
    again = cli("run", "--raw", raw, "--out", out)
    assert again.wait(timeout=300) == 0, again.stderr.read()
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "a killed run's folder was left behind"


def test_two_runs_into_one_folder_at_once_the_second_is_refused(study, tmp_path):
    raw = study / "s2" / "raw" / "edc"
    out = tmp_path / "out"
    first = cli("run", "--raw", raw, "--out", out)
    deadline = time.time() + 60
    while not any(p.name.startswith(".out.cdisc-build-") for p in tmp_path.iterdir()):
        assert time.time() < deadline and first.poll() is None, "the first run never started building"
        time.sleep(0.05)
    second = cli("run", "--raw", raw, "--out", out)
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2, err
    assert "another cdisc-build run is writing into it" in err
    assert first.wait(timeout=300) == 0, first.stderr.read()
    assert sealed(out, "run")


def copy_raw(study: Path, target: Path) -> Path:
    target.mkdir()
    for path in (study / "s2" / "raw" / "edc").glob("*.csv"):
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_run_with_a_missing_form_is_a_message_and_writes_nothing(study, tmp_path):
    raw = copy_raw(study, tmp_path / "raw")
    (raw / "ae.csv").unlink()
    done = invoke("run", "--raw", raw, "--out", tmp_path / "out")
    assert done.exit_code == 1, done.output
    assert "Traceback" not in done.output and "ae" in done.output
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw"]


def test_run_with_a_broken_spec_is_a_message_and_keeps_the_previous_output(study, tmp_path):
    out = tmp_path / "out"
    assert invoke("run", "--raw", study / "s2" / "raw" / "edc", "--out", out).exit_code == 0
    before = snapshot(out)
    settings = tmp_path / "study.toml"
    settings.write_text(
        '[study]\nid = "X"\nsdtm_spec = "broken.xlsx"\n[raw]\nsubject_field = "SUBJECT"\ndemographics_form = "dm"\n',
        encoding="utf-8",
    )
    (tmp_path / "broken.xlsx").write_bytes(b"not a workbook")
    done = invoke("run", "--raw", study / "s2" / "raw" / "edc", "--out", out, "--study", settings)
    assert done.exit_code == 1, done.output
    assert "broken.xlsx" in done.output and "Traceback" not in done.output
    assert snapshot(out) == before


def test_a_full_disk_is_a_message_naming_the_file_and_leaves_no_output(study, tmp_path, monkeypatch):
    import errno

    import specs.fileio as fileio

    real = fileio.atomic_write_bytes

    def full(path, data):
        if str(path).endswith(".csv"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, data)

    monkeypatch.setattr(fileio, "atomic_write_bytes", full)
    done = invoke("sdtm", "--raw", study / "s2" / "raw" / "edc", "--out", tmp_path / "out")
    assert done.exit_code == 1, done.output
    assert "No space left on device" in done.output and ".csv" in done.output
    assert "Traceback" not in done.output
    assert list(tmp_path.iterdir()) == []
