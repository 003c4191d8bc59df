"""Reading a raw EDC export: one CSV per CRF form, every value kept as text.

Each row gets lineage columns that travel with it until the final step:
`_FORM` (the file name without .csv), `_ROW` (1-based data row in the file; the
header is not counted) and `_SUBJECT` (the raw subject identifier).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

FORM = "_FORM"
ROW = "_ROW"
SUBJECT = "_SUBJECT"
LINEAGE = (FORM, ROW, SUBJECT)


class RawDataError(ValueError):
    """A raw file cannot be used: names the file and what is wrong."""


@dataclass(frozen=True)
class RawData:
    """The forms of a raw export, by form name."""

    folder: str
    forms: dict[str, pd.DataFrame]
    _distinct: dict = field(default_factory=dict, compare=False, repr=False)

    def factorised(self, form: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, uniques): the field's distinct values as read and each row's number
        of its value (-1 for null), found once per field and kept until
        `forget_distinct`: the text scan, the duplicate screening and every
        mapping rule that reads the field share them."""
        key = (form, name, "values")
        if key not in self._distinct:
            codes, uniques = pd.factorize(self.form(form)[name].to_numpy(), use_na_sentinel=True)
            self._distinct[key] = (codes.astype(np.int32), np.asarray(uniques, dtype=object))
        return self._distinct[key]

    def distinct_text(self, form: str, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, values): the field's distinct values trimmed, blank as None, the
        last entry None (code -1, null), and each row's code; `values[codes]` is the
        field."""
        codes, uniques = self.factorised(form, name)
        key = (form, name, "text")
        if key not in self._distinct:
            self._distinct[key] = trimmed(uniques)
        return codes, self._distinct[key]

    def forget_distinct(self) -> None:
        """Free the kept distinct values (once nothing reads the raw fields any more)."""
        self._distinct.clear()

    def distinct_of_rows(self, form: str, name: str, rows: pd.Index) -> tuple[np.ndarray, np.ndarray] | None:
        """distinct_text for the rows of the form labelled `rows` (None when the form's
        labels are not its row positions, or it has no such field)."""
        frame = self.form(form)
        index = frame.index
        if name not in frame.columns or not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
            return None
        codes, cleaned = self.distinct_text(form, name)
        if not (isinstance(rows, pd.RangeIndex) and rows.equals(index)):
            codes = codes[rows.to_numpy()]
        return codes, cleaned

    def form(self, name: str) -> pd.DataFrame:
        try:
            return self.forms[name]
        except KeyError:
            raise RawDataError(f"{self.folder}: the raw export has no form {name!r} ({name}.csv); "
                               f"forms present: {', '.join(sorted(self.forms)) or 'none'}") from None

    def has_form(self, name: str) -> bool:
        return name in self.forms


def trimmed(values) -> np.ndarray:
    """Distinct raw values trimmed, blank as None, with a None appended for the null code -1."""
    return np.array([(v.strip() or None) if isinstance(v, str) else v for v in values] + [None], dtype=object)


def read_form(path: str | os.PathLike[str], subject_field: str) -> pd.DataFrame:
    """One form as text columns ('' for blank) plus the lineage columns."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise RawDataError(f"{path}: not UTF-8 text ({exc})") from None
    except pd.errors.ParserError as exc:
        raise RawDataError(f"{path}: not a readable CSV file ({exc})") from None
    if subject_field not in frame.columns:
        raise RawDataError(f"{path}: no subject column {subject_field!r}; columns are {', '.join(frame.columns)}")
    for col in LINEAGE:
        if col in frame.columns:
            raise RawDataError(f"{path}: column {col!r} is reserved for lineage")
    frame[FORM] = path.stem
    frame[ROW] = np.arange(1, len(frame) + 1, dtype=np.int64)
    frame[SUBJECT] = frame[subject_field].str.strip()
    return frame


def read_raw(folder: str | os.PathLike[str], subject_field: str, forms: list[str] | None = None) -> RawData:
    """Read the CSV forms of `folder` (all of them, or only `forms`)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RawDataError(f"{folder}: the raw data folder does not exist")
    paths = sorted(folder.glob("*.csv"))
    if forms is not None:
        wanted = set(forms)
        paths = [p for p in paths if p.stem in wanted]
    return RawData(str(folder), {p.stem: read_form(p, subject_field) for p in paths})
