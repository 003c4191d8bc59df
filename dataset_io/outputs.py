"""Output folders that cannot destroy anything.

Every folder the toolkit writes goes through `output_folder`:

    with output_folder("out/sdtm", command="sdtm", inputs=[raw_dir]) as tmp:
        ...write every file into tmp...
    # out/sdtm now holds what was written, MARKER and CHECKSUMS, and nothing else

The folder named is written only when it is absent, empty, or a previous
output of the toolkit (it holds MARKER) made by the same command (`force=True`:
by any command) whose files are all listed in its CHECKSUMS. Everything else is
refused with OutputFolderError, before anything is written, naming the folder
and why: it is a file; it is the working folder or a parent of it; it is,
contains or lies inside an input; it holds files the toolkit did not write (even
with `force`, those are never deleted); another run is writing into it.

While the block runs, the folder is locked (an advisory lock on the folder
itself: a second run into it is refused, not interleaved) and the new output is
built in a hidden folder beside it (`.NAME.cdisc-build-*`). At the end the two
are exchanged in one step (renameat2 RENAME_EXCHANGE), so a run killed at any
moment, SIGKILL included, leaves the previous output whole (or, for a new
folder, no output at all); a hidden folder a killed run leaves behind is
removed by the next run into the same folder.

CHECKSUMS lists the MD5 of every file of the folder (as the eCTD backbone does,
and as `md5sum -c checksums.md5` reads it); the toolkit's readers check a file
against it when one lists the file (`manifest_problem`), so a file cut after it
was written, even on a record boundary, is found.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARKER = ".cdisc-build.json"
CHECKSUMS = "checksums.md5"
_PART = ".cdisc-build-"  # the hidden folders beside a target: .NAME.cdisc-build-*
TOOL = "cdisc-build"


class OutputFolderError(ValueError):
    """The output folder was refused; nothing was written or deleted."""


@dataclass(frozen=True)
class Previous:
    """What an existing output folder holds."""

    command: str | None  # the command that wrote it (None: not written by the toolkit)
    foreign: tuple[str, ...]  # files in it that the toolkit did not write


def _version() -> str:
    try:
        from importlib.metadata import version

        return version(TOOL)
    except Exception:  # pragma: no cover - an uninstalled checkout
        return "unknown"


def _files(folder: Path) -> list[str]:
    """Every file (and symbolic link) below `folder`, as relative POSIX paths, sorted; a folder that
    cannot be read raises (its files could not be accounted for)."""

    def unreadable(error: OSError) -> None:
        raise error

    out = []
    for root, dirs, files in os.walk(folder, followlinks=False, onerror=unreadable):
        base = Path(root)
        for name in files + [d for d in dirs if (base / d).is_symlink()]:
            out.append((base / name).relative_to(folder).as_posix())
    return sorted(out)


def read_manifest(folder: Path) -> dict[str, str]:
    """{relative path: md5} from the folder's CHECKSUMS ({} when it has none)."""
    path = Path(folder) / CHECKSUMS
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return {}
    entries = {}
    for line in text.splitlines():
        digest, sep, name = line.partition("  ")
        if sep and len(digest) == 32:
            entries[name] = digest
    return entries


def read_marker(folder: Path) -> dict | None:
    try:
        data = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("tool") == TOOL else None


def previous_output(folder: Path) -> Previous:
    marker = read_marker(folder)
    listed = set(read_manifest(folder)) if marker else set()
    own = {MARKER, CHECKSUMS}
    foreign = tuple(f for f in _files(folder) if f not in own and f not in listed)
    return Previous(marker.get("command") if marker else None, foreign)


def _within(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_output_folder(
    out: str | os.PathLike[str], *, command: str, inputs: Iterable[str | os.PathLike[str]] = (), force: bool = False
) -> Path:
    """Refuse (OutputFolderError) an output folder that writing into could destroy something;
    the folder resolved when it is safe. Nothing is written."""
    out = Path(out)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputFolderError(
            f"{out}: is {'a symbolic link' if out.is_symlink() else 'a file'}, not a folder; "
            f"the output goes into a folder of its own"
        )
    real = out.resolve()
    cwd = Path.cwd().resolve()
    if real == cwd:
        raise OutputFolderError(
            f"{out}: is the working folder; give a folder of its own for the output (for example {out / 'out'})"
        )
    if _within(cwd, real):
        raise OutputFolderError(f"{out}: is a parent of the working folder ({cwd}); give a folder of its own")
    for given in inputs:
        source = Path(given).resolve()
        if real == source:
            raise OutputFolderError(f"{out}: is an input of this command ({given}); give another output folder")
        if _within(source, real):
            raise OutputFolderError(f"{out}: contains an input of this command ({given}); give another output folder")
        if source.is_dir() and _within(real, source):
            raise OutputFolderError(
                f"{out}: lies inside an input folder of this command ({given}); give a folder outside it"
            )
    if real.is_dir() and any(real.iterdir()):
        previous = previous_output(real)
        if previous.command is None:
            raise OutputFolderError(
                f"{out}: is not empty and was not written by {TOOL} (it has no {MARKER}); "
                f"nothing in it was changed: give an empty or new folder"
            )
        if previous.foreign:
            shown = ", ".join(previous.foreign[:5]) + (
                f" and {len(previous.foreign) - 5} more" if len(previous.foreign) > 5 else ""
            )
            raise OutputFolderError(
                f"{out}: holds files {TOOL} did not write ({shown}); they are never deleted, "
                f"even with --force: move them away or give another folder"
            )
        if previous.command != command and not force:
            raise OutputFolderError(
                f"{out}: holds the output of `{TOOL} {previous.command}`; "
                f"--force replaces it with the output of `{TOOL} {command}`"
            )
    return real


# ---------------------------------------------------------------- locking and exchange


def _lock(path: Path) -> int | None:
    """An exclusive advisory lock on a folder: its descriptor, or None when another process holds it."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


_RENAME_EXCHANGE = 2
_renameat2: Any = None  # libc's renameat2, False where there is none


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step; False where the system cannot."""
    global _renameat2
    if _renameat2 is None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            function = libc.renameat2
            function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
            function.restype = ctypes.c_int
            _renameat2 = function
        except (OSError, AttributeError):
            _renameat2 = False
    if not _renameat2:
        return False
    at_fdcwd = -100
    if _renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(a))


def _remove_stale(out: Path) -> None:
    """Remove the hidden folders that killed runs into `out` left beside it."""
    prefix = f".{out.name}{_PART}"
    try:
        siblings = [p for p in out.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return
    for path in siblings:
        # the name is the toolkit's own (mkdtemp's 8 characters after the prefix); what is inside may be
        # a build that was killed, or a previous output partly removed when the kill came
        if path.is_symlink() or not path.is_dir() or len(path.name) != len(prefix) + 8:
            continue
        fd = _lock(path)
        if fd is None:  # a running build
            continue
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            os.close(fd)


def file_md5(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "md5").hexdigest()


def _seal(folder: Path, command: str) -> None:
    """Write MARKER and CHECKSUMS into a finished folder."""
    marker = {"tool": TOOL, "version": _version(), "command": command, "checksums": CHECKSUMS}
    (folder / MARKER).write_text(json.dumps(marker, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    lines = [f"{file_md5(folder / name)}  {name}\n" for name in _files(folder) if name != CHECKSUMS]
    (folder / CHECKSUMS).write_text("".join(lines), encoding="utf-8")


@contextlib.contextmanager
def output_folder(
    out: str | os.PathLike[str], *, command: str, inputs: Iterable[str | os.PathLike[str]] = (), force: bool = False
) -> Iterator[Path]:
    """Build an output folder beside `out` and put it in place whole at the end (see the module text).

    Yields the folder to write into. Raises OutputFolderError (nothing changed) when
    `out` may not be written; when the block raises, `out` is left as it was.
    """
    from specs.fileio import ordinary_mode

    out = Path(out)
    inputs = list(inputs)
    check_output_folder(out, command=command, inputs=inputs, force=force)
    created = False
    made: list[Path] = []  # parent folders made here, removed again when the block fails
    if not out.exists():
        parent = out.parent
        while not parent.exists():
            made.append(parent)
            parent = parent.parent
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            out.mkdir()
            created = True
        except FileExistsError:
            pass
    lock = _lock(out)
    if lock is None:
        raise OutputFolderError(f"{out}: another {TOOL} run is writing into it; wait for it to end")
    staging: Path | None = None
    staging_lock: int | None = None
    try:
        # checked again under the lock: the folder may have changed while we waited
        check_output_folder(out, command=command, inputs=inputs, force=force)
        _remove_stale(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}{_PART}", dir=out.parent))
        staging_lock = _lock(staging)
        ordinary_mode(staging)
        yield staging
        _seal(staging, command)
        if _exchange(staging, out):
            shutil.rmtree(staging)  # now the previous output, still locked by us
        else:  # no one-step exchange here: move the previous output aside, then the new one in
            aside = Path(tempfile.mkdtemp(prefix=f".{out.name}{_PART}", dir=out.parent))
            os.rmdir(aside)
            os.rename(out, aside)
            os.rename(staging, out)
            shutil.rmtree(aside)
        staging = None
        created = False
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        for fd in (staging_lock, lock):
            if fd is not None:
                os.close(fd)
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
                for folder in made:  # innermost first
                    folder.rmdir()


# ---------------------------------------------------------------- checking files we wrote

_MANIFESTS: dict[tuple[str, int, int], dict[str, str]] = {}


def _manifest_cached(folder: Path) -> dict[str, str]:
    path = folder / CHECKSUMS
    try:
        st = path.stat()
    except OSError:
        return {}
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _MANIFESTS:
        if len(_MANIFESTS) > 64:
            _MANIFESTS.clear()
        _MANIFESTS[key] = read_manifest(folder) if read_marker(folder) is not None else {}
    return _MANIFESTS[key]


def manifest_problem(path: str | os.PathLike[str], levels: int = 8) -> str | None:
    """The file checked against the CHECKSUMS of the nearest folder above it that lists it:
    a message naming the file when it differs from what the toolkit wrote, else None
    (also when no CHECKSUMS lists it)."""
    path = Path(path)
    try:
        real = path.resolve()
    except OSError:
        return None
    for folder in list(real.parents)[:levels]:
        entries = _manifest_cached(folder)
        name = real.relative_to(folder).as_posix()
        if name in entries:
            try:
                digest = file_md5(real)
            except OSError:
                return None
            if digest != entries[name]:
                return (
                    f"{path}: differs from what {TOOL} wrote (MD5 {digest}, {folder / CHECKSUMS} lists "
                    f"{entries[name]}): the file was cut short or changed after it was written"
                )
            return None
    return None


def refuse_existing_file(path: str | os.PathLike[str]) -> Path:
    """A single file the toolkit is asked to write: refused when something is already there."""
    path = Path(path)
    if path.exists() or path.is_symlink():
        raise OutputFolderError(
            f"{path}: already exists; {TOOL} does not overwrite a file it was not asked to "
            f"replace: remove it or give another name"
        )
    return path


__all__ = [
    "CHECKSUMS",
    "MARKER",
    "OutputFolderError",
    "check_output_folder",
    "file_md5",
    "manifest_problem",
    "output_folder",
    "previous_output",
    "read_manifest",
    "read_marker",
    "refuse_existing_file",
]
