"""Output folders that cannot destroy anything: refused folders, the marker and checksums,
one-step replacement, a lock against a second writer, and kills at any moment."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dataset_io.outputs import (
    CHECKSUMS,
    MARKER,
    OutputFolderError,
    check_output_folder,
    manifest_problem,
    output_folder,
    refuse_existing_file,
)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file below root with its bytes (the oracle: read here, not through the module)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def test_a_new_folder_gets_the_files_a_marker_and_md5_checksums(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, command="sdtm") as tmp:
        write(tmp, {"ae.xpt": "AE", "sub/x.csv": "1,2\n"})
    files = snapshot(out)
    assert set(files) == {"ae.xpt", "sub/x.csv", MARKER, CHECKSUMS}
    lines = files[CHECKSUMS].decode().splitlines()
    expected = {name: hashlib.md5(files[name]).hexdigest() for name in ("ae.xpt", "sub/x.csv", MARKER)}
    assert lines == [f"{expected[name]}  {name}" for name in sorted(expected)]  # md5sum -c format
    assert b'"command": "sdtm"' in files[MARKER]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left beside it


def test_md5sum_reads_the_checksums(tmp_path):
    if not Path("/usr/bin/md5sum").exists():
        pytest.skip("md5sum (coreutils) is absent")
    out = tmp_path / "out"
    with output_folder(out, command="sdtm") as tmp:
        write(tmp, {"a.txt": "a", "b/c.txt": "c"})
    done = subprocess.run(["md5sum", "-c", CHECKSUMS], cwd=out, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_previous_output_of_the_same_command_is_replaced_whole(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, command="sdtm") as tmp:
        write(tmp, {"old.txt": "old", "keep.txt": "1"})
    with output_folder(out, command="sdtm") as tmp:
        write(tmp, {"keep.txt": "2"})
    assert set(snapshot(out)) == {"keep.txt", MARKER, CHECKSUMS}
    assert (out / "keep.txt").read_text() == "2"


def test_another_commands_output_needs_force(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, command="sdtm") as tmp:
        write(tmp, {"a.txt": "a"})
    before = snapshot(out)
    with pytest.raises(OutputFolderError, match="output of `cdisc-build sdtm`.*--force"):
        with output_folder(out, command="adam") as tmp:
            write(tmp, {"b.txt": "b"})
    assert snapshot(out) == before
    with output_folder(out, command="adam", force=True) as tmp:
        write(tmp, {"b.txt": "b"})
    assert set(snapshot(out)) == {"b.txt", MARKER, CHECKSUMS}


def test_a_folder_that_is_not_ours_is_refused_and_untouched(tmp_path):
    out = tmp_path / "myproject"
    write(out, {"notes.docx": "mine"})
    before = snapshot(out)
    for force in (False, True):
        with pytest.raises(OutputFolderError, match="not empty and was not written by cdisc-build"):
            with output_folder(out, command="report", force=force) as tmp:
                write(tmp, {"x": "x"})
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["myproject"]


def test_a_file_put_into_our_output_is_never_deleted_even_with_force(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, command="sdtm") as tmp:
        write(tmp, {"ae.xpt": "AE"})
    (out / "my-notes.txt").write_text("mine")
    before = snapshot(out)
    with pytest.raises(OutputFolderError, match="my-notes.txt"):
        with output_folder(out, command="sdtm", force=True) as tmp:
            write(tmp, {"ae.xpt": "AE2"})
    assert snapshot(out) == before


@pytest.mark.parametrize("case", ["cwd", "cwd-parent", "is-input", "contains-input", "inside-input", "file"])
def test_dangerous_folders_are_refused(tmp_path, monkeypatch, case):
    raw = tmp_path / "study" / "raw" / "edc"
    write(raw, {"dm.csv": "SUBJECT\n1\n"})
    work = tmp_path / "study" / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    out, why = {
        "cwd": (Path("."), "is the working folder"),
        "cwd-parent": (Path(".."), "parent of the working folder"),
        "is-input": (raw, "is an input"),
        "contains-input": (tmp_path / "study" / "raw", "contains an input"),
        "inside-input": (raw / "sdtm", "inside an input folder"),
        "file": (raw / "dm.csv", "is a file"),
    }[case]
    before = snapshot(tmp_path)
    with pytest.raises(OutputFolderError, match=why), output_folder(out, command="sdtm", inputs=[raw]) as tmp:
        write(tmp, {"x": "x"})
    assert snapshot(tmp_path) == before
    assert not (raw / "sdtm").exists()


def test_a_failure_leaves_the_previous_output_whole_and_nothing_beside_it(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, command="sdtm") as tmp:
        write(tmp, {"a.txt": "a"})
    before = snapshot(out)
    with pytest.raises(RuntimeError), output_folder(out, command="sdtm") as tmp:
        write(tmp, {"a.txt": "changed", "b.txt": "b"})
        raise RuntimeError("stop")
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_failure_into_a_new_folder_leaves_no_folder(tmp_path):
    with pytest.raises(RuntimeError), output_folder(tmp_path / "new", command="sdtm") as tmp:
        write(tmp, {"a.txt": "a"})
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []


def test_single_files_are_never_overwritten(tmp_path):
    path = tmp_path / "spec.xlsx"
    path.write_text("mine")
    with pytest.raises(OutputFolderError, match="already exists"):
        refuse_existing_file(path)
    assert refuse_existing_file(tmp_path / "new.xlsx") == tmp_path / "new.xlsx"


def test_checksums_find_a_file_cut_on_a_record_boundary(tmp_path):
    out = tmp_path / "out"
    record = b"R" * 80
    with output_folder(out, command="sdtm") as tmp:
        (tmp / "ae.xpt").write_bytes(record * 10)
        (tmp / "dm.xpt").write_bytes(record * 3)
    assert manifest_problem(out / "ae.xpt") is None
    (out / "ae.xpt").write_bytes(record * 5)  # cut exactly after the fifth record
    problem = manifest_problem(out / "ae.xpt")
    assert problem is not None and "ae.xpt" in problem and "cut short or changed" in problem
    assert manifest_problem(out / "dm.xpt") is None
    loose = tmp_path / "loose.xpt"
    loose.write_bytes(record)
    assert manifest_problem(loose) is None  # no checksums list it: nothing to say


# ---------------------------------------------------------------- other processes: a lock, and kills

CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from dataset_io.outputs import output_folder
    out, label, files, pause = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    with output_folder(out, command="run") as tmp:
        print("started", flush=True)
        for i in range(files):
            (tmp / f"f{i:03d}.txt").write_text(label * 1000)
            time.sleep(pause)
    print("done", flush=True)
""")


def child(out: Path, label: str, files: int, pause: float) -> subprocess.Popen:
    root = Path(__file__).resolve().parents[2]
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(out), label, str(files), str(pause)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def wait_for(proc: subprocess.Popen, word: str) -> None:
    line = proc.stdout.readline()
    assert word in line, line + proc.stderr.read()


def whole(out: Path, label: str, files: int) -> bool:
    """The folder holds exactly one writer's complete output, its checksums true."""
    found = snapshot(out)
    names = {f"f{i:03d}.txt" for i in range(files)}
    if set(found) != names | {MARKER, CHECKSUMS}:
        return False
    listed = dict(reversed(line.split("  ", 1)) for line in found[CHECKSUMS].decode().splitlines())
    return all(found[n] == (label * 1000).encode() for n in names) and all(
        hashlib.md5(found[n]).hexdigest() == d for n, d in listed.items()
    )


def test_a_second_writer_is_refused_while_the_first_runs(tmp_path):
    out = tmp_path / "out"
    first = child(out, "A", 20, 0.05)
    wait_for(first, "started")
    second = child(out, "B", 1, 0)
    _, err = second.communicate(timeout=60)
    assert second.returncode != 0 and "another cdisc-build run is writing into it" in err
    first.communicate(timeout=60)
    assert first.returncode == 0
    assert whole(out, "A", 20)


@pytest.mark.parametrize("moment", [0.0, 0.15, 0.4, 0.9])
def test_a_kill_at_any_moment_leaves_the_previous_output_whole(tmp_path, moment):
    out = tmp_path / "out"
    first = child(out, "A", 5, 0)
    first.communicate(timeout=60)
    assert whole(out, "A", 5)
    second = child(out, "B", 10, 0.05)
    time.sleep(moment)
    second.send_signal(signal.SIGKILL)
    second.communicate(timeout=60)
    assert whole(out, "A", 5) or whole(out, "B", 10)  # one generation, never a mix
    third = child(out, "C", 3, 0)
    _, err = third.communicate(timeout=60)
    assert third.returncode == 0, err
    assert whole(out, "C", 3)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "a killed run's folder was not cleared"


def test_what_a_killed_run_left_beside_the_folder_is_removed_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, command="sdtm") as tmp:
        write(tmp, {"a.txt": "a"})
    leftover = tmp_path / ".out.cdisc-build-abcd1234"  # a previous output half removed when a kill came
    write(leftover, {"sub/b.txt": "b"})
    mine = tmp_path / ".out.cdisc-build-notes"  # not a name the toolkit makes
    write(mine, {"n.txt": "n"})
    with output_folder(out, command="sdtm") as tmp:
        write(tmp, {"a.txt": "a2"})
    assert not leftover.exists()
    assert snapshot(mine) == {"n.txt": b"n"}


def test_check_output_folder_writes_nothing(tmp_path):
    check_output_folder(tmp_path / "a" / "b", command="sdtm")
    assert list(tmp_path.iterdir()) == []
