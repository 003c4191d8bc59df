"""Writing files safely and reproducibly.

Every file the toolkit writes is written through these helpers: a file appears
whole or not at all (written beside its target, then renamed), and an xlsx
workbook is dated by specs.clock (SOURCE_DATE_EPOCH when set), so the same input
then gives byte-identical files.
Folders are written through dataset_io.outputs.output_folder.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .clock import creation_datetime

# a zip entry cannot be dated before 1980 (reproducible-builds clamps to it)
_ZIP_EARLIEST = (1980, 1, 1, 0, 0, 0)


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
    """An openpyxl workbook as xlsx bytes dated by specs.clock (SOURCE_DATE_EPOCH when set: byte-identical)."""
    stamp = creation_datetime()
    zip_time = max(_ZIP_EARLIEST, tuple(int(p) for p in re.split(r"[-T:]", stamp)))
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
                    rb"\g<1>" + f"{stamp}Z".encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=zip_time)  # type: ignore[arg-type]
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
        return atomic_write_bytes(path, csv_text(table).encode("utf-8"))
    if path.suffix.lower() == ".xlsx":
        return write_tables({sheet: table}, path)
    raise ValueError(f"{path}: a table is written as .csv or .xlsx, not {path.suffix or 'no suffix'}")


def write_tables(tables: dict, path: str | os.PathLike[str]) -> Path:
    """Write several tables into one xlsx workbook, one sheet each (sheet name -> table)."""
    import openpyxl
    import pandas as pd

    wb = openpyxl.Workbook()
    for sheet in list(wb.worksheets):  # the default sheet
        wb.remove(sheet)
    for sheet, table in tables.items():
        ws = wb.create_sheet(str(sheet)[:31])
        ws.append(list(table.columns))
        for row in table.itertuples(index=False):
            ws.append([None if pd.isna(v) else v for v in row])
    return save_workbook(wb, path)


# what makes the csv module quote a field (delimiter, quote character, line ends)
_QUOTED = re.compile(r'[,"\r\n]')
# the formatting to_csv applies to each cell (its defaults)
_CSV_FORMAT = dict(na_rep="", float_format=None, date_format=None, decimal=".", quoting=csv.QUOTE_MINIMAL)


def csv_text(table) -> str:
    """The text `table.to_csv(index=False, lineterminator="\\n")` writes, made quickly.

    pandas formats every cell and hands the rows to the csv module one by one.
    Here each column's distinct values are formatted (by pandas' own cell
    formatter) and quoted (by the csv module) once, and the rows are joined.
    Cells that factorize does not tell apart (1, 1.0 and True in one column)
    are formatted one by one, and so are dates, whose format pandas chooses
    for each chunk of rows it writes.
    """
    n, width = table.shape
    if width == 0:
        return "\n" * (n + 1)
    chunk = max(1, 100_000 // width)  # to_csv's chunk of rows
    header = _csv_line(list(table.columns._get_values_for_csv(**_CSV_FORMAT)))
    columns = [_csv_fields(table.iloc[:, i], chunk) for i in range(width)]
    if width == 1:  # the csv module quotes a record whose only field is empty
        columns[0] = np.where(columns[0] == "", '""', columns[0])
    lines = [header]
    for start in range(0, n, 1_000_000):
        lines.append("\n".join(map(",".join, zip(*(c[start : start + 1_000_000] for c in columns), strict=False))))
    return "\n".join(lines) + "\n"


def _csv_fields(column, chunk: int) -> np.ndarray:
    """Each cell of the column as the csv text to_csv writes for it."""
    import pandas as pd
    from pandas.core.indexes.base import get_values_for_csv  # to_csv's cell formatter

    values = column.array
    if column.dtype.kind in "fiub" and isinstance(column.dtype, np.dtype):
        array = column.to_numpy()
        key = array.view(f"i{array.itemsize}") if array.dtype.kind == "f" else array  # 0.0 and -0.0 apart
        codes, uniques = pd.factorize(key, use_na_sentinel=False)
        distinct = get_values_for_csv(uniques.view(array.dtype), **_CSV_FORMAT)
    elif column.dtype == object:
        codes, uniques = pd.factorize(column.to_numpy(), use_na_sentinel=True)
        if not all(type(u) is str for u in uniques):
            return np.array([_csv_field(v) for v in get_values_for_csv(column.to_numpy(), **_CSV_FORMAT)], dtype=object)
        distinct = np.append(uniques, "")  # code -1 (null): empty
    else:  # dates and other types: formatted as to_csv does, chunk by chunk
        formatted = [get_values_for_csv(values[i : i + chunk], **_CSV_FORMAT) for i in range(0, len(values), chunk)]
        return np.array([_csv_field(v) for part in formatted for v in part], dtype=object)
    return np.array([_csv_field(v) for v in distinct], dtype=object)[codes]


def _csv_field(value) -> str:
    if type(value) is str and not _QUOTED.search(value):
        return value
    if type(value) is int:  # the csv module writes str(); nothing to quote
        return str(value)
    return _csv_line([value, ""])[:-1]  # the csv module's own rendering (less the empty second field)


def _csv_line(values: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(values)
    return buffer.getvalue()[:-1]
