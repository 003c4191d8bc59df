"""Reading a raw EDC export: one CSV per CRF form, every value kept as text.

Each row gets lineage columns that travel with it until the final step:
`_FORM` (the file name without .csv), `_ROW` (1-based data row in the file; the
header is not counted) and `_SUBJECT` (the raw subject identifier).

Every cell is read as the csv module reads it, or the file is refused with a
RawDataError naming it (and the line, row, field and subject where there are);
a control character is the one change made, and it is reported (read_form).
A form with a header and no rows is a valid form.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from .issues import IssueLog

FORM = "_FORM"
ROW = "_ROW"
SUBJECT = "_SUBJECT"
LINEAGE = (FORM, ROW, SUBJECT)


def joined_lineage(column: str) -> tuple[str, str]:
    """The lineage columns (form, row) of a value joined onto a dataset's records by subject."""
    return f"{FORM}:{column}", f"{ROW}:{column}"


def is_lineage(column: str) -> bool:
    """A lineage column: the record's own (LINEAGE) or a joined value's (joined_lineage)."""
    return column in LINEAGE or column.startswith((f"{FORM}:", f"{ROW}:"))


class RawDataError(ValueError):
    """A raw file cannot be used: names the file and what is wrong."""


@dataclass(frozen=True)
class RawData:
    """The forms of a raw export, by form name."""

    folder: str
    forms: Mapping[str, pd.DataFrame]

    def __post_init__(self) -> None:
        object.__setattr__(self, "forms", MappingProxyType(dict(self.forms)))  # read-only

    def form(self, name: str) -> pd.DataFrame:
        try:
            return self.forms[name]
        except KeyError:
            raise RawDataError(
                f"{self.folder}: the raw export has no form {name!r} ({name}.csv); "
                f"forms present: {', '.join(sorted(self.forms)) or 'none'}"
            ) from None

    def has_form(self, name: str) -> bool:
        return name in self.forms


class FieldValues:
    """The distinct values of the raw fields of one export, each field's found once.

    The text scan, the duplicate screening, every mapping rule and the field
    accounting that read a field share its distinct values through one
    FieldValues; the RawData itself is never changed. Drop the object (or call
    `clear`) once nothing reads the raw fields any more.
    """

    def __init__(self, raw: RawData) -> None:
        self.raw = raw
        self._factorised: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._text: dict[tuple[str, str], np.ndarray] = {}

    def factorised(self, form: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, uniques): the field's distinct values as read and each row's number
        of its value (-1 for null)."""
        key = (form, name)
        if key not in self._factorised:
            codes, uniques = pd.factorize(self.raw.form(form)[name].to_numpy(), use_na_sentinel=True)
            self._factorised[key] = (codes.astype(np.int32), np.asarray(uniques, dtype=object))
        return self._factorised[key]

    def distinct_text(self, form: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, values): the field's distinct values trimmed, blank as None, the
        last entry None (code -1, null), and each row's code; `values[codes]` is the
        field."""
        codes, uniques = self.factorised(form, name)
        key = (form, name)
        if key not in self._text:
            self._text[key] = trimmed(uniques)
        return codes, self._text[key]

    def of_rows(self, form: str, name: str, rows: pd.Index) -> tuple[np.ndarray, np.ndarray] | None:
        """distinct_text for the rows of the form labelled `rows` (None when the form's
        labels are not its row positions, or it has no such field)."""
        frame = self.raw.form(form)
        index = frame.index
        if name not in frame.columns or not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
            return None
        codes, cleaned = self.distinct_text(form, name)
        if not (isinstance(rows, pd.RangeIndex) and rows.equals(index)):
            codes = codes[rows.to_numpy()]
        return codes, cleaned

    def clear(self) -> None:
        """Free the kept distinct values."""
        self._factorised.clear()
        self._text.clear()


NULL = np.array(None, dtype=object)  # null as an array element: np.where(mask, NULL, values)


def trimmed(values) -> np.ndarray:
    """Distinct raw values trimmed, blank as None, with a None appended for the null code -1."""
    return np.array([(v.strip() or None) if isinstance(v, str) else v for v in values] + [None], dtype=object)


# C0 control characters and DEL; tab, line feed and carriage return are text (a CRF text may hold line breaks)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])  # CONTROL as bytes
# a line of blanks only after a line break (the csv module reads it as a record, pandas skips it)
BLANK_LINE = re.compile(rb"\n[ \t]+\r?(?:\n|\Z)")
BOM = b"\xef\xbb\xbf"
NEWLINE = b"\n"


def read_form(path: str | os.PathLike[str], subject_field: str, issues: IssueLog | None = None) -> pd.DataFrame:
    """One form as text columns ('' for blank) plus the lineage columns.

    Refused with a RawDataError naming the file (and the line, row, column and
    subject where there are): a file that cannot be read (a folder, no
    permission, a symlink loop), an empty file, bytes that are not UTF-8, a
    column name given twice, a row with more fields than the header. A control
    character in a value (NUL and the other C0 characters but tab, line feed
    and carriage return; DEL) is removed, each value so changed reported to
    `issues` with its row and field; without `issues` such a file is refused.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise RawDataError(f"{path}: a folder, not a CSV file; a raw form is a file") from None
    except OSError as exc:
        raise RawDataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    body = data[len(BOM) :] if data.startswith(BOM) else data
    if not body.strip():
        raise RawDataError(f"{path}: empty file ({len(data)} bytes): a raw form has at least its header row")
    header = _check_header(path, data, subject_field)
    # The csv module's reading is the reading. Pandas' C parser, much faster, reads the same
    # but for a control character (it cuts a value at a NUL), a line of blanks (it skips it)
    # and a row with more fields than the header: those files are read by the csv module.
    # (The bytes are searched: no byte of a UTF-8 multi-byte character is below 0x80.)
    controls = len(body.translate(None, CONTROL_BYTES)) != len(body)
    special = controls or BLANK_LINE.search(body) is not None or BLANK_LINE.match(b"\n" + body) is not None
    frame = None
    if not special:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                frame = pd.read_csv(
                    io.BytesIO(data), encoding="utf-8", dtype=str, keep_default_na=False, na_values=[], index_col=False
                )  # never the first column as the index
        except (UnicodeDecodeError, pd.errors.ParserWarning, pd.errors.ParserError):
            frame = None
        if frame is not None and len(frame.columns) == len(header):
            frame.columns = header  # as written: pandas names a blank one 'Unnamed: 2'
        else:
            frame = None
    if frame is None:
        frame = _read_records(path, _decoded(path, data, subject_field))
    if subject_field not in frame.columns:
        raise RawDataError(f"{path}: no subject column {subject_field!r}; columns are {', '.join(frame.columns)}")
    for col in LINEAGE:
        if col in frame.columns:
            raise RawDataError(f"{path}: column {col!r} is reserved for lineage")
    if controls:
        frame = _remove_controls(path, frame, subject_field, issues)
    frame[FORM] = path.stem
    frame[ROW] = np.arange(1, len(frame) + 1, dtype=np.int64)
    frame[SUBJECT] = frame[subject_field].str.strip()
    return frame


def _decoded(path: Path, data: bytes, subject_field: str) -> str:
    """The text of the file (a byte order mark is no text); RawDataError naming the place
    of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RawDataError(_not_utf8(path, data, exc, subject_field)) from None


def _lines(data: bytes):
    """The lines of UTF-8 bytes, decoded one at a time (for reading the first records only)."""
    start = len(BOM) if data.startswith(BOM) else 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end + 1
        yield data[start:end].decode("utf-8")
        start = end


def _records(text):
    """(data row, line, cells) of each record of a CSV text (or of its lines), the header as
    row 0; a blank line (no field at all) is no record. Raises csv.Error."""
    reader = csv.reader(io.StringIO(text, newline="") if isinstance(text, str) else text)
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # a long text is one field, whatever its length
    number = 0
    for cells in reader:
        if cells:
            yield number, reader.line_num, cells
            number += 1


def _read_records(path: Path, text: str) -> pd.DataFrame:
    """The form read by the csv module: a short row's missing fields are blank; a row with
    a value past the header is refused (blank further fields are dropped)."""
    header: list[str] = []
    rows: list[list[str]] = []
    line = 0
    try:
        for number, line, cells in _records(text):
            if number == 0:
                header = cells
                continue
            width = len(header)
            if len(cells) > width:
                if any(c.strip() for c in cells[width:]):
                    raise RawDataError(
                        f"{path}: row {number} (line {line}) has {len(cells)} fields, the header "
                        f"{width}; its values cannot be put under their columns"
                    )
                cells = cells[:width]
            elif len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            rows.append(cells)
    except csv.Error as exc:
        raise RawDataError(f"{path}: not a readable CSV file (line {line + 1}: {exc})") from None
    return pd.DataFrame(rows, columns=header, dtype=object)


def _not_utf8(path: Path, data: bytes, exc: UnicodeDecodeError, subject_field: str) -> str:
    """Where the first byte that is not UTF-8 is: line, data row, field and subject."""
    offset = exc.start + (len(BOM) if data.startswith(BOM) else 0)  # utf-8-sig counts after the BOM
    where = f"line {data.count(NEWLINE, 0, offset) + 1}"
    found = _first_bad_cell(data.decode("utf-8-sig", errors="surrogateescape"), subject_field)
    if found is not None:
        row, field, subject = found
        where += (
            f", in the header (column {field})"
            if row == 0
            else f", row {row}, field {field}" + (f", subject {subject}" if subject else "")
        )
    return (
        f"{path}: not UTF-8 text: byte 0x{data[offset]:02X} at {where} (byte {offset} of the file); "
        "save the export as UTF-8 (it looks like another encoding, such as Windows-1252)"
    )


def _first_bad_cell(text: str, subject_field: str) -> tuple[int, str, str | None] | None:
    """(data row, field, subject) of the first cell holding an undecodable byte (U+DC80..U+DCFF
    from surrogateescape; row 0 and the column number for the header), None when the CSV cannot say."""
    bad = re.compile("[\udc80-\udcff]")
    shown = lambda v: bad.sub("?", v)  # noqa: E731
    header: list[str] = []
    try:
        for number, _line, cells in _records(text):
            if number == 0:
                header = cells
            for k, cell in enumerate(cells):
                if bad.search(cell):
                    if number == 0:
                        return 0, str(k + 1), None
                    at = header.index(subject_field) if subject_field in header else None
                    subject = cells[at] if at is not None and at < len(cells) else None
                    return (
                        number,
                        shown(header[k]) if k < len(header) else f"column {k + 1}",
                        shown(subject) if subject else None,
                    )
    except csv.Error:
        return None
    return None


def _check_header(path: Path, data: bytes, subject_field: str) -> list[str]:
    """The header as written. A column named twice (or twice but for case: fields are found
    by name regardless of case) is refused: the second would be read under another name and
    its values lost."""
    try:
        header: list[str] = next((cells for _, _, cells in _records(_lines(data))), [])
    except UnicodeDecodeError:
        _decoded(path, data, subject_field)  # raises, naming the place
        raise
    except csv.Error as exc:
        raise RawDataError(f"{path}: the header is not readable CSV ({exc})") from None
    seen: dict[str, int] = {}
    for k, name in enumerate(header, start=1):
        if CONTROL.search(name):
            raise RawDataError(f"{path}: column {k} of the header, {name!r}, holds a control character")
        key = name.strip().upper()
        if key in seen:
            first = header[seen[key] - 1]
            same = "the same name" if first == name else f"the same name but for case or blanks ({first!r})"
            raise RawDataError(
                f"{path}: column {name!r} appears twice in the header (columns {seen[key]} and {k}, "
                f"{same}); the second would be read as another field and its values lost"
            )
        seen[key] = k
    return header


def _remove_controls(path: Path, frame: pd.DataFrame, subject_field: str, issues: IssueLog | None) -> pd.DataFrame:
    """Every value with a control character, reported with its row and field and written without it."""
    for col in frame.columns:
        values = frame[col]
        found = values.str.contains(CONTROL)
        if not found.any():
            continue
        rows = np.flatnonzero(found.to_numpy()) + 1
        if issues is None:
            raise RawDataError(
                f"{path}: row {rows[0]}, field {col}, subject {frame[subject_field].iloc[rows[0] - 1]!r}: "
                f"control character in {values.iloc[rows[0] - 1]!r}"
            )
        original = values[found]
        issues.add(
            severity="warning",
            kind="control character",
            form=path.stem,
            subject=frame.loc[found, subject_field].str.replace(CONTROL, "", regex=True).str.strip(),
            row=rows,
            field=col,
            value=original.map(_escaped),
            action="removed",
            message="control character ("
            + original.map(lambda v: ", ".join(sorted({_escaped(c) for c in CONTROL.findall(v)})))
            + ") in the raw text: a transport file and many readers cut or garble text there",
        )
        frame[col] = values.str.replace(CONTROL, "", regex=True)
    return frame


def _escaped(text: str) -> str:
    """The text with each control character written as \\xNN."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def read_raw(
    folder: str | os.PathLike[str], subject_field: str, forms: list[str] | None = None, issues: IssueLog | None = None
) -> RawData:
    """Read the CSV forms of `folder` (all of them, or only `forms`); see read_form for `issues`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RawDataError(f"{folder}: the raw data folder does not exist")
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        raise RawDataError(f"{folder}: the raw data folder cannot be read ({exc.strerror or exc})") from None
    paths = [folder / n for n in names if n.endswith(".csv")]
    if forms is not None:
        wanted = set(forms)
        paths = [p for p in paths if p.stem in wanted]
    return RawData(str(folder), {p.stem: read_form(p, subject_field, issues) for p in paths})
