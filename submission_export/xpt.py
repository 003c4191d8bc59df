"""SAS transport (XPT) version 5 files from the spec.

`write_xpt(frame, spec, "DM", path)` writes one dataset: variable order, names,
labels and the dataset label come from the spec; ADaM dates are written as SAS
numbers with the spec's date format; every character variable is exactly as
long as its longest value (in bytes).

Before anything is written every transport-file rule is checked and every
breach is gathered into one `XptRuleError` (non-ASCII text, values over 200
bytes, names over 8 and labels over 40 characters, variables in the frame but
not in the spec or the reverse, text where the spec says numeric ...). After
writing, the file is read back with pyreadstat and every value and attribute is
compared; a difference is an `XptRoundTripError` and the file is removed.
The file appears whole or not at all.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from specs.model import Spec, Variable

MAX_NAME = 8
MAX_LABEL = 40
MAX_VALUE_BYTES = 200
NUMERIC_TYPES = ("integer", "float")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
SAS_EPOCH = np.datetime64("1960-01-01T00:00:00", "ns")


@dataclass(frozen=True)
class Breach:
    """One transport-file rule broken: where, what was found, what was expected."""

    dataset: str
    variable: str | None
    row: int | None
    value: object
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.dataset + (f".{self.variable}" if self.variable else "")
        if self.row is not None:
            where += f" row {self.row}"
        return f"{where}: {self.message}"


class XptRuleError(ValueError):
    """Every transport-file rule breach found in one dataset (nothing was written)."""

    def __init__(self, dataset: str, breaches: list[Breach]):
        self.dataset = dataset
        self.breaches = tuple(breaches)
        lines = "\n".join(f"  - {b}" for b in self.breaches)
        super().__init__(f"{dataset}: {len(self.breaches)} transport-file rule breach(es); nothing was written:\n{lines}")


class XptRoundTripError(ValueError):
    """The written file did not read back as written (the file was removed)."""

    def __init__(self, dataset: str, problems: list[str]):
        self.dataset = dataset
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{dataset}: the transport file does not read back as written:\n{lines}")


# ---------------------------------------------------------------------------
# Formats: which numeric variables hold dates, datetimes or times
# ---------------------------------------------------------------------------
def temporal_kind(display_format: str | None) -> str | None:
    """'date', 'datetime' or 'time' for a SAS date/time display format, else None."""
    if not display_format:
        return None
    name = re.sub(r"[\d.]+$", "", display_format.strip().upper())
    if name in ("DATETIME", "E8601DT", "IS8601DT", "B8601DT", "DATEAMPM", "E8601DZ", "IS8601DZ"):
        return "datetime"
    if name in ("TIME", "TOD", "E8601TM", "IS8601TM", "B8601TM", "HHMM", "TIMEAMPM"):
        return "time"
    if name.startswith(("DATE", "YYMMDD", "MMDDYY", "DDMMYY", "E8601DA", "IS8601DA", "B8601DA", "MONYY", "YEAR", "WEEKDATE", "WORDDATE")):
        return "date"
    return None


def is_numeric_variable(variable: Variable) -> bool:
    """Stored as a SAS number: integer/float, or a date/time with a SAS date/time format."""
    if variable.data_type in NUMERIC_TYPES:
        return True
    return variable.data_type in ("date", "datetime", "time") and temporal_kind(variable.display_format) is not None


def to_sas_numbers(series: pd.Series, kind: str | None) -> np.ndarray:
    """A numeric (or date/time) column as float64 SAS numbers.

    datetime64 values become SAS days (date) or seconds (datetime, time of day);
    timedelta64 values become seconds (time); numbers pass through (already SAS
    day or second counts).
    """
    if pd.api.types.is_datetime64_any_dtype(series):
        values = series.dt.tz_localize(None) if getattr(series.dt, "tz", None) is not None else series
        ns = values.to_numpy(dtype="datetime64[ns]")
        missing = np.isnat(ns)
        if kind == "time":
            day = ns.astype("datetime64[D]").astype("datetime64[ns]")
            out = (ns - day).astype("int64") / 1e9
        else:
            seconds = (ns - SAS_EPOCH).astype("int64") / 1e9
            out = np.floor(seconds / 86400.0) if kind in ("date", None) else seconds
        out = out.astype("float64")
        out[missing] = np.nan
        return out
    if pd.api.types.is_timedelta64_dtype(series):
        td = series.to_numpy(dtype="timedelta64[ns]")
        out = td.astype("int64") / 1e9
        out[np.isnat(td)] = np.nan
        return out.astype("float64")
    return pd.to_numeric(series, errors="raise").to_numpy(dtype="float64", na_value=np.nan)


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------
def _text_values(series: pd.Series) -> pd.Series:
    """The non-missing values of a text column (index kept)."""
    present = series[series.notna()]
    return present


def check_transport_rules(frame: pd.DataFrame, spec: Spec, dataset: str) -> list[Breach]:
    """Every transport-file rule breach of one dataset, in a stable order."""
    out: list[Breach] = []

    def add(variable, row, value, rule, message):
        out.append(Breach(dataset, variable, row, value, rule, message))

    if not spec.has_dataset(dataset):
        add(None, None, dataset, "dataset-not-in-spec", f"dataset {dataset} is not in the spec")
        return out
    ds = spec.dataset(dataset)
    if len(dataset) > MAX_NAME or not _NAME.match(dataset):
        add(None, None, dataset, "dataset-name",
            f"dataset name {dataset!r} must be 1 to {MAX_NAME} upper-case letters, digits or underscores, starting with a letter")
    label = ds.label or ""
    if not label:
        add(None, None, None, "dataset-label-missing", "the dataset has no label in the spec")
    if len(label) > MAX_LABEL:
        add(None, None, label, "dataset-label-length", f"dataset label {label!r} has {len(label)} characters; at most {MAX_LABEL} are allowed")
    if not label.isascii():
        add(None, None, label, "dataset-label-ascii", f"dataset label {label!r} is not ASCII")

    variables = spec.variables_of(dataset)
    names = [v.name for v in variables]
    columns = [str(c) for c in frame.columns]
    for col in columns:
        if col not in names:
            add(col, None, None, "variable-not-in-spec", f"variable {col} is in the data but not in the spec")
    for v in variables:
        if v.name not in columns:
            add(v.name, None, None, "variable-not-in-data", f"variable {v.name} is in the spec but not in the data")
    if len(set(columns)) != len(columns):
        dupes = sorted({c for c in columns if columns.count(c) > 1})
        add(None, None, dupes, "duplicate-column", f"column(s) {', '.join(dupes)} appear more than once")
        return out

    for v in variables:
        if len(v.name) > MAX_NAME or not _NAME.match(v.name):
            add(v.name, None, v.name, "variable-name",
                f"variable name {v.name!r} must be 1 to {MAX_NAME} upper-case letters, digits or underscores, starting with a letter")
        vlabel = v.label or ""
        if not vlabel:
            add(v.name, None, None, "variable-label-missing", "the variable has no label in the spec")
        if len(vlabel) > MAX_LABEL:
            add(v.name, None, vlabel, "variable-label-length", f"label {vlabel!r} has {len(vlabel)} characters; at most {MAX_LABEL} are allowed")
        if not vlabel.isascii():
            add(v.name, None, vlabel, "variable-label-ascii", f"label {vlabel!r} is not ASCII")
        if v.name not in columns:
            continue
        series = frame[v.name].reset_index(drop=True)
        if is_numeric_variable(v):
            out.extend(_check_numeric(series, v, dataset))
        else:
            out.extend(_check_text(series, v, dataset))
    return out


def _check_numeric(series: pd.Series, v: Variable, dataset: str) -> list[Breach]:
    found: list[Breach] = []
    kind = temporal_kind(v.display_format)
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        if kind is None:
            found.append(Breach(dataset, v.name, None, None, "numeric-format",
                                f"holds dates or times but the spec gives no SAS date/time format (Format {v.display_format!r})"))
        return found
    if pd.api.types.is_bool_dtype(series) or not (pd.api.types.is_numeric_dtype(series) or series.dtype == object):
        found.append(Breach(dataset, v.name, None, str(series.dtype), "numeric-type",
                            f"column of dtype {series.dtype} where the spec says {v.data_type}"))
        return found
    numbers = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & numbers.isna()
    for row in np.flatnonzero(bad.to_numpy())[:50]:
        found.append(Breach(dataset, v.name, int(row) + 1, series.iloc[row], "numeric-type",
                            f"value {series.iloc[row]!r} is not a number; the spec says {v.data_type}"))
    if v.data_type == "integer" and kind is None:
        arr = numbers.to_numpy(dtype="float64", na_value=np.nan)
        frac = np.isfinite(arr) & (arr != np.floor(arr))
        for row in np.flatnonzero(frac)[:50]:
            found.append(Breach(dataset, v.name, int(row) + 1, float(arr[row]), "integer-value",
                                f"value {arr[row]!r} is not a whole number; the spec says integer"))
    return found


def _check_text(series: pd.Series, v: Variable, dataset: str) -> list[Breach]:
    """Text rules, tested once per distinct value and reported for every row that holds it."""
    found: list[Breach] = []
    present = _text_values(series)
    if present.empty:
        return found
    codes, uniques = pd.factorize(present, use_na_sentinel=True)
    uniques = list(uniques)

    def rows_of(test) -> np.ndarray:
        bad = np.fromiter((bool(test(u)) for u in uniques), dtype=bool, count=len(uniques))
        if not bad.any():
            return np.array([], dtype=np.int64)
        return np.flatnonzero(bad[codes])

    not_str = rows_of(lambda x: not isinstance(x, str))
    for pos in not_str[:50]:
        value = present.iloc[pos]
        found.append(Breach(dataset, v.name, int(present.index[pos]) + 1, value, "text-type",
                            f"value {value!r} is not text; the spec says {v.data_type}"))
    for pos in rows_of(lambda x: isinstance(x, str) and not x.isascii()):
        value = present.iloc[pos]
        found.append(Breach(dataset, v.name, int(present.index[pos]) + 1, value, "non-ascii",
                            f"value {value!r} is not ASCII"))
    for pos in rows_of(lambda x: isinstance(x, str) and len(x.encode("utf-8")) > MAX_VALUE_BYTES):
        value = present.iloc[pos]
        found.append(Breach(dataset, v.name, int(present.index[pos]) + 1, value, "value-length",
                            f"value of {len(value.encode('utf-8'))} bytes ({value[:20]!r}...) is over {MAX_VALUE_BYTES} bytes"))
    for pos in rows_of(lambda x: isinstance(x, str) and x.endswith((" ", "\t")))[:50]:
        found.append(Breach(dataset, v.name, int(present.index[pos]) + 1, present.iloc[pos], "trailing-blank",
                            f"value {present.iloc[pos]!r} ends in a blank, which a transport file does not keep"))
    return found


def _longest(values: pd.Series) -> int:
    """Longest value in bytes (each distinct value measured once)."""
    uniques = pd.unique(values[values.notna()])
    return max((len(u) if u.isascii() else len(u.encode("utf-8")) for u in uniques), default=0)


def character_lengths(frame: pd.DataFrame, spec: Spec, dataset: str) -> dict[str, int]:
    """Longest value in bytes of each text variable (1 when all are missing)."""
    out: dict[str, int] = {}
    for v in spec.variables_of(dataset):
        if v.name in frame.columns and not is_numeric_variable(v):
            out[v.name] = max(_longest(frame[v.name]), 1)
    return out


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
def transport_frame(frame: pd.DataFrame, spec: Spec, dataset: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The frame as pyreadstat writes it: spec order, SAS numbers, '' for missing text."""
    columns: dict[str, object] = {}
    formats: dict[str, str] = {}
    for v in spec.variables_of(dataset):
        series = frame[v.name].reset_index(drop=True)
        if is_numeric_variable(v):
            columns[v.name] = to_sas_numbers(series, temporal_kind(v.display_format))
            if v.display_format:
                formats[v.name] = v.display_format
        else:
            columns[v.name] = series.astype(object).where(series.notna(), "").to_numpy(dtype=object)
    return pd.DataFrame(columns), formats


def _norm_format(text: str | None) -> str:
    return (text or "").strip().upper().rstrip(".")


_STAMP = re.compile(rb"\d{2}[A-Z]{3}\d{2}:\d{2}:\d{2}:\d{2}")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def sas_timestamp(iso: str) -> bytes:
    """'2024-06-30T12:00:00' as the 16 characters a transport header holds: 30JUN24:12:00:00."""
    date, _, time = iso.partition("T")
    y, mth, d = date.split("-")
    hh, mm, ss = ((time or "00:00:00").split(".")[0].split(":") + ["00", "00"])[:3]
    return f"{d}{_MONTHS[int(mth) - 1]}{y[-2:]}:{hh}:{mm}:{ss[:2]}".encode("ascii")


def _fix_header_stamps(path: str, stamp: bytes) -> None:
    """Replace the clock time pyreadstat writes into the headers, so the bytes are reproducible."""
    with open(path, "r+b") as handle:
        head = handle.read(80 * 12)
        end = head.find(b"HEADER RECORD*******OBS")
        region = head[: end if end > 0 else len(head)]
        fixed = _STAMP.sub(stamp, region)
        if fixed != region:
            handle.seek(0)
            handle.write(fixed)


def write_xpt(frame: pd.DataFrame, spec: Spec, dataset: str, path: str | os.PathLike[str],
              timestamp: str = "2000-01-01T00:00:00") -> dict[str, int]:
    """Write one dataset as SAS transport v5; returns the length of every variable.

    Text variables: the longest value in bytes; numeric variables: 8. The header's
    created/modified stamps are `timestamp` (no clock time), so the same input gives
    the same bytes. Raises XptRuleError (listing every breach, nothing written) or
    XptRoundTripError.
    """
    import pyreadstat

    breaches = check_transport_rules(frame, spec, dataset)
    if breaches:
        raise XptRuleError(dataset, breaches)
    ds = spec.dataset(dataset)
    variables = spec.variables_of(dataset)
    out_frame, formats = transport_frame(frame, spec, dataset)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        pyreadstat.write_xport(
            out_frame, tmp, file_label=ds.label or "", column_labels=[v.label or "" for v in variables],
            table_name=dataset, file_format_version=5, variable_format=formats or None,
        )
        _fix_header_stamps(tmp, sas_timestamp(timestamp))
        lengths = verify_xpt(tmp, out_frame, spec, dataset, formats)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return lengths


def verify_xpt(path: str | os.PathLike[str], expected: pd.DataFrame, spec: Spec, dataset: str,
               formats: dict[str, str]) -> dict[str, int]:
    """Read a written file back and compare every value and attribute."""
    import pyreadstat

    back, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    problems: list[str] = []
    ds = spec.dataset(dataset)
    variables = spec.variables_of(dataset)
    if (meta.table_name or "") != dataset:
        problems.append(f"dataset name reads back as {meta.table_name!r}, expected {dataset!r}")
    if (meta.file_label or "") != (ds.label or ""):
        problems.append(f"dataset label reads back as {meta.file_label!r}, expected {ds.label!r}")
    if list(meta.column_names) != [v.name for v in variables]:
        problems.append(f"variables read back as {meta.column_names}, expected {[v.name for v in variables]}")
    if len(back) != len(expected):
        problems.append(f"{len(back)} rows read back, {len(expected)} written")
    labels = dict(zip(meta.column_names, meta.column_labels))
    lengths: dict[str, int] = {}
    expected_lengths = character_lengths_from_transport(expected, spec, dataset)
    for v in variables:
        if v.name not in back.columns:
            continue
        if (labels.get(v.name) or "") != (v.label or ""):
            problems.append(f"{v.name}: label reads back as {labels.get(v.name)!r}, expected {v.label!r}")
        width = int(meta.variable_storage_width.get(v.name, 0))
        lengths[v.name] = width
        kind = meta.readstat_variable_types.get(v.name)
        if is_numeric_variable(v):
            if kind != "double":
                problems.append(f"{v.name}: reads back as {kind}, expected numeric")
                continue
            if width != 8:
                problems.append(f"{v.name}: numeric length {width}, expected 8")
            if v.name in formats and _norm_format(meta.original_variable_types.get(v.name)) != _norm_format(formats[v.name]):
                problems.append(f"{v.name}: format reads back as {meta.original_variable_types.get(v.name)!r}, expected {formats[v.name]!r}")
            if len(back) == len(expected):
                a = expected[v.name].to_numpy(dtype="float64")
                b = back[v.name].to_numpy(dtype="float64")
                differ = ~((a == b) | (np.isnan(a) & np.isnan(b)))
                for row in np.flatnonzero(differ)[:10]:
                    problems.append(f"{v.name} row {row + 1}: reads back as {b[row]!r}, written {a[row]!r}")
        else:
            if kind != "string":
                problems.append(f"{v.name}: reads back as {kind}, expected text")
                continue
            if width != expected_lengths[v.name]:
                problems.append(f"{v.name}: length reads back as {width}, expected {expected_lengths[v.name]} (the longest value)")
            if len(back) == len(expected):
                a = expected[v.name].to_numpy(dtype=object)
                b = back[v.name].to_numpy(dtype=object)
                differ = a != b
                for row in np.flatnonzero(differ)[:10]:
                    problems.append(f"{v.name} row {row + 1}: reads back as {b[row]!r}, written {a[row]!r}")
    if problems:
        raise XptRoundTripError(dataset, problems)
    return lengths


def character_lengths_from_transport(frame: pd.DataFrame, spec: Spec, dataset: str) -> dict[str, int]:
    """Longest value of each text column of a transport frame ('' for missing)."""
    out = {}
    for v in spec.variables_of(dataset):
        if not is_numeric_variable(v) and v.name in frame.columns:
            out[v.name] = max(_longest(frame[v.name]), 1)
    return out
