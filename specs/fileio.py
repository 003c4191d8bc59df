"""Writing files safely and reproducibly.

Every output of the toolkit is written through these helpers: a file appears
whole or not at all (written beside its target, then renamed), and an xlsx
workbook carries no clock time, so the same input gives byte-identical files.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

# The timestamp stamped into every xlsx (document properties and zip entries).
FIXED_TIMESTAMP = "2000-01-01T00:00:00Z"
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def ordinary_mode(path: str | os.PathLike[str]) -> None:
    """Give a temporary file (created 0600) or folder (0700) the mode of an ordinary new one (umask applied)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, (0o777 if os.path.isdir(path) else 0o666) & ~mask)


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` so that no reader ever sees a partial file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        ordinary_mode(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    return atomic_write_bytes(path, text.encode(encoding))


def workbook_bytes(workbook) -> bytes:
    """An openpyxl workbook as xlsx bytes with no clock time in them."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_TIMESTAMP.encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, data)
    return out.getvalue()


def save_workbook(workbook, path: str | os.PathLike[str]) -> Path:
    """Save an openpyxl workbook atomically and reproducibly."""
    return atomic_write_bytes(path, workbook_bytes(workbook))


def write_table(table, path: str | os.PathLike[str], sheet: str = "Sheet1") -> Path:
    """Write `table` to .csv or .xlsx, atomically and reproducibly."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return atomic_write_bytes(path, table.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    if path.suffix.lower() == ".xlsx":
        return write_tables({sheet: table}, path)
    raise ValueError(f"{path}: a table is written as .csv or .xlsx, not {path.suffix or 'no suffix'}")


def write_tables(tables: dict, path: str | os.PathLike[str]) -> Path:
    """Write several tables into one xlsx workbook, one sheet each (sheet name -> table)."""
    import openpyxl
    import pandas as pd

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, table in tables.items():
        ws = wb.create_sheet(str(sheet)[:31])
        ws.append(list(table.columns))
        for row in table.itertuples(index=False):
            ws.append([None if pd.isna(v) else v for v in row])
    return save_workbook(wb, path)


@contextmanager
def replaced_folder(out_dir: str | os.PathLike[str]):
    """Write a folder whole or not at all: yields a temporary folder beside `out_dir`,
    which replaces `out_dir` when the block ends without error and is removed otherwise."""
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        ordinary_mode(tmp)
        yield tmp
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
