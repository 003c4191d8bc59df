"""SAS transport (XPT) version 5 files from the spec.

`write_xpt(frame, spec, "DM", path)` writes one dataset: variable order, names,
labels and the dataset label come from the spec; ADaM dates are written as SAS
numbers with the spec's date format; every character variable is exactly as
long as its longest value (in bytes).

Before anything is written every transport-file rule is checked and every
breach is gathered into one `XptRuleError` (non-ASCII text, values over 200
bytes, names over 8 and labels over 40 characters, variables in the frame but
not in the spec or the reverse, text where the spec says numeric, numbers a
transport file cannot hold ...); each distinct text value is tested once.

The file is written here (`xpt_native`: the headers and the observations as numpy
byte arrays, numbers as IBM hexadecimal floats), the same bytes pyreadstat's
`write_xport(file_format_version=5)` writes. After writing it is verified: the
observations are read back from the file and decoded here, every value compared
with what was meant, the header parsed here, and pyreadstat reads the metadata
(names, labels, types, lengths, formats) as an independent reader;
`verify="full"` adds pyreadstat's read of every value. A difference is an
`XptRoundTripError` and the file is removed. The file appears whole or not at all
(written to a temporary file, then renamed).
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from specs.clock import creation_datetime
from specs.fileio import ordinary_mode
from specs.limits import MAX_LABEL, MAX_NAME, MAX_VALUE_BYTES
from specs.model import Spec, Variable

from .transport_rules import (
    ends_in_blank,
    label_too_long,
    length_too_long,
    name_ok,
    outside_number_range,
    value_bytes,
    value_too_long,
)
from .xpt_native import (
    BLANK,
    RECORD,
    Field,
    XptFormatError,
    build_header,
    decode_text,
    ibm_bytes,
    ieee_from_ibm_bytes,
    parse_format,
    read_layout,
    text_table,
)

NUMERIC_TYPES = ("integer", "float")
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
        super().__init__(
            f"{dataset}: {len(self.breaches)} transport-file rule breach(es); nothing was written:\n{lines}"
        )


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
    if name.startswith(
        (
            "DATE",
            "YYMMDD",
            "MMDDYY",
            "DDMMYY",
            "E8601DA",
            "IS8601DA",
            "B8601DA",
            "MONYY",
            "YEAR",
            "WEEKDATE",
            "WORDDATE",
        )
    ):
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
@dataclass
class _Text:
    """A text column factorized: each distinct value is tested (and later encoded) once."""

    codes: np.ndarray  # per row: index into uniques, -1 when missing
    uniques: list  # distinct non-missing values, in order of first appearance
    joined: bytes | None  # all uniques back to back, when every one is ASCII text
    lengths: np.ndarray | None  # bytes of each unique (with joined)


def _factorize_text(series: pd.Series) -> _Text:
    values = series.to_numpy() if series.dtype == object else series.to_numpy(dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    uniq = uniques.tolist() if isinstance(uniques, np.ndarray) else list(uniques)
    try:
        text = "".join(uniq)  # TypeError when a value is not text
    except TypeError:
        text = None
    if text is not None and text.isascii():
        lengths = np.fromiter(map(len, uniq), dtype=np.int64, count=len(uniq))
        return _Text(codes, uniq, text.encode("ascii"), lengths)
    return _Text(codes, uniq, None, None)


def check_transport_rules(frame: pd.DataFrame, spec: Spec, dataset: str) -> list[Breach]:
    """Every transport-file rule breach of one dataset, in a stable order."""
    return _analyse(frame, spec, dataset)[0]


def _analyse(frame: pd.DataFrame, spec: Spec, dataset: str) -> tuple[list[Breach], dict[str, _Text]]:
    """The breaches, and each text column factorized (reused by the writer)."""
    out: list[Breach] = []
    texts: dict[str, _Text] = {}

    def add(variable, row, value, rule, message):
        out.append(Breach(dataset, variable, row, value, rule, message))

    if not spec.has_dataset(dataset):
        add(None, None, dataset, "dataset-not-in-spec", f"dataset {dataset} is not in the spec")
        return out, texts
    ds = spec.dataset(dataset)
    if not name_ok(dataset):
        add(
            None,
            None,
            dataset,
            "dataset-name",
            f"dataset name {dataset!r} must be 1 to {MAX_NAME} upper-case letters, digits or underscores, starting with a letter",
        )
    label = ds.label or ""
    if not label:
        add(None, None, None, "dataset-label-missing", "the dataset has no label in the spec")
    if label_too_long(label):
        add(
            None,
            None,
            label,
            "dataset-label-length",
            f"dataset label {label!r} has {len(label)} characters; at most {MAX_LABEL} are allowed",
        )
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
        return out, texts

    for v in variables:
        if not name_ok(v.name):
            add(
                v.name,
                None,
                v.name,
                "variable-name",
                f"variable name {v.name!r} must be 1 to {MAX_NAME} upper-case letters, digits or underscores, starting with a letter",
            )
        vlabel = v.label or ""
        if not vlabel:
            add(v.name, None, None, "variable-label-missing", "the variable has no label in the spec")
        if label_too_long(vlabel):
            add(
                v.name,
                None,
                vlabel,
                "variable-label-length",
                f"label {vlabel!r} has {len(vlabel)} characters; at most {MAX_LABEL} are allowed",
            )
        if not vlabel.isascii():
            add(v.name, None, vlabel, "variable-label-ascii", f"label {vlabel!r} is not ASCII")
        if v.name not in columns:
            continue
        series = frame[v.name].reset_index(drop=True)
        if is_numeric_variable(v):
            out.extend(_check_numeric(series, v, dataset))
        else:
            texts[v.name] = _factorize_text(series)
            out.extend(_check_text(texts[v.name], v, dataset))
    return out, texts


def _check_numeric(series: pd.Series, v: Variable, dataset: str) -> list[Breach]:
    found: list[Breach] = []
    kind = temporal_kind(v.display_format)
    if v.display_format and parse_format(v.display_format.strip()) is None:
        found.append(
            Breach(
                dataset,
                v.name,
                None,
                v.display_format,
                "format-syntax",
                f"display format {v.display_format!r} is not a SAS format (name, width, decimals)",
            )
        )
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        if kind is None:
            found.append(
                Breach(
                    dataset,
                    v.name,
                    None,
                    None,
                    "numeric-format",
                    f"holds dates or times but the spec gives no SAS date/time format (Format {v.display_format!r})",
                )
            )
        return found
    if pd.api.types.is_bool_dtype(series) or not (pd.api.types.is_numeric_dtype(series) or series.dtype == object):
        found.append(
            Breach(
                dataset,
                v.name,
                None,
                str(series.dtype),
                "numeric-type",
                f"column of dtype {series.dtype} where the spec says {v.data_type}",
            )
        )
        return found
    numbers = pd.to_numeric(series, errors="coerce")
    bad = series.notna() & numbers.isna()
    for row in np.flatnonzero(bad.to_numpy())[:50]:
        found.append(
            Breach(
                dataset,
                v.name,
                int(row) + 1,
                series.iloc[row],
                "numeric-type",
                f"value {series.iloc[row]!r} is not a number; the spec says {v.data_type}",
            )
        )
    arr = numbers.to_numpy(dtype="float64", na_value=np.nan)
    if v.data_type == "integer" and kind is None:
        frac = np.isfinite(arr) & (arr != np.floor(arr))
        for row in np.flatnonzero(frac)[:50]:
            found.append(
                Breach(
                    dataset,
                    v.name,
                    int(row) + 1,
                    float(arr[row]),
                    "integer-value",
                    f"value {arr[row]!r} is not a whole number; the spec says integer",
                )
            )
    out_of_range = outside_number_range(arr)
    for row in np.flatnonzero(out_of_range)[:50]:
        found.append(
            Breach(
                dataset,
                v.name,
                int(row) + 1,
                float(arr[row]),
                "numeric-range",
                f"value {arr[row]!r} is outside what a transport file holds (2**-260 <= |x| < 2**249)",
            )
        )
    return found


def _check_text(text: _Text, v: Variable, dataset: str) -> list[Breach]:
    """Text rules, tested once per distinct value and reported for every row that holds it."""
    found: list[Breach] = []
    uniq, codes = text.uniques, text.codes
    k = len(uniq)
    if k == 0:
        return found
    if text.joined is not None and text.lengths is not None:  # all ASCII text: array operations on lengths and bytes
        lengths = text.lengths
        data = np.frombuffer(text.joined, dtype=np.uint8)
        last = np.zeros(k, dtype=np.uint8)
        some = lengths > 0
        last[some] = data[(np.cumsum(lengths) - 1)[some]]
        not_str = non_ascii = np.zeros(k, dtype=bool)
        too_long = length_too_long(lengths)
        trailing = (last == 0x20) | (last == 0x09)
    else:

        def flags(test) -> np.ndarray:
            return np.fromiter((bool(test(u)) for u in uniq), dtype=bool, count=k)

        not_str = flags(lambda x: not isinstance(x, str))
        non_ascii = flags(lambda x: isinstance(x, str) and not x.isascii())
        too_long = flags(lambda x: isinstance(x, str) and value_too_long(x))
        trailing = flags(lambda x: isinstance(x, str) and ends_in_blank(x))

    def rows_of(bad: np.ndarray) -> np.ndarray:
        if not bad.any():
            return np.array([], dtype=np.int64)
        return np.flatnonzero(np.append(bad, False)[codes])  # code -1 (missing) picks the False

    for pos in rows_of(not_str)[:50]:
        value = uniq[codes[pos]]
        found.append(
            Breach(
                dataset,
                v.name,
                int(pos) + 1,
                value,
                "text-type",
                f"value {value!r} is not text; the spec says {v.data_type}",
            )
        )
    for pos in rows_of(non_ascii):
        value = uniq[codes[pos]]
        found.append(Breach(dataset, v.name, int(pos) + 1, value, "non-ascii", f"value {value!r} is not ASCII"))
    for pos in rows_of(too_long):
        value = uniq[codes[pos]]
        found.append(
            Breach(
                dataset,
                v.name,
                int(pos) + 1,
                value,
                "value-length",
                f"value of {value_bytes(value)} bytes ({value[:20]!r}...) is over {MAX_VALUE_BYTES} bytes",
            )
        )
    for pos in rows_of(trailing)[:50]:
        value = uniq[codes[pos]]
        found.append(
            Breach(
                dataset,
                v.name,
                int(pos) + 1,
                value,
                "trailing-blank",
                f"value {value!r} ends in a blank, which a transport file does not keep",
            )
        )
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
    """The frame as it is written: spec order, SAS numbers, '' for missing text (and the formats)."""
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
    """Replace the clock time pyreadstat writes into the headers (to compare its bytes with ours)."""
    with open(path, "r+b") as handle:
        head = handle.read(80 * 12)
        end = head.find(b"HEADER RECORD*******OBS")
        region = head[: end if end > 0 else len(head)]
        fixed = _STAMP.sub(stamp, region)
        if fixed != region:
            handle.seek(0)
            handle.write(fixed)


@dataclass
class _Column:
    field: Field
    values: np.ndarray | None = None  # numeric: float64 SAS numbers
    text: _Text | None = None  # text: the factorization
    table: np.ndarray | None = None  # text: (k + 1, length) uint8 rows, the last one blank

    @property
    def numbers(self) -> np.ndarray:
        """A numeric column's SAS numbers."""
        assert self.values is not None, self.field.name
        return self.values

    @property
    def factors(self) -> _Text:
        """A text column's factorization."""
        assert self.text is not None, self.field.name
        return self.text

    @property
    def encoded(self) -> np.ndarray:
        """A text column's encoded rows."""
        assert self.table is not None, self.field.name
        return self.table


@dataclass
class _Plan:
    dataset: str
    label: str
    rows: int
    columns: list[_Column]
    header: bytes
    row_length: int
    formats: dict[str, str]

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(c.field for c in self.columns)

    def lengths(self) -> dict[str, int]:
        return {c.field.name: c.field.length for c in self.columns}

    def expected_frame(self) -> pd.DataFrame:
        """What the file should read back as: SAS numbers, '' for blank text."""
        data = {}
        for c in self.columns:
            if c.field.numeric:
                data[c.field.name] = c.values
            else:
                data[c.field.name] = np.array(c.factors.uniques + [""], dtype=object)[c.factors.codes]
        return pd.DataFrame(data, index=pd.RangeIndex(self.rows))


def _plan(frame: pd.DataFrame, spec: Spec, dataset: str, texts: dict[str, _Text], stamp: bytes) -> _Plan:
    """Columns in spec order with their namestr, values or encoded text, and the header bytes."""
    ds = spec.dataset(dataset)
    columns: list[_Column] = []
    formats: dict[str, str] = {}
    position = 0
    for v in spec.variables_of(dataset):
        if is_numeric_variable(v):
            fmt = parse_format(v.display_format.strip()) if v.display_format else None
            if v.display_format:
                formats[v.name] = v.display_format
            values = to_sas_numbers(frame[v.name].reset_index(drop=True), temporal_kind(v.display_format))
            field = Field(v.name, v.label or "", True, 8, position, fmt if fmt != ("", 0, 0) else None)
            columns.append(_Column(field, values=values))
        else:
            text = texts[v.name]
            # planned only once the checks passed: every value is ASCII text, so joined and lengths are set
            assert text.joined is not None and text.lengths is not None, v.name
            length = max(int(text.lengths.max(initial=0)), 1)
            field = Field(v.name, v.label or "", False, length, position)
            columns.append(_Column(field, text=text, table=text_table(text.joined, text.lengths, length)))
        position += columns[-1].field.length
    rows = len(frame)
    header = build_header(dataset, ds.label or "", [c.field for c in columns], stamp)
    return _Plan(dataset, ds.label or "", rows, columns, header, position, formats)


def _chunk_rows(row_length: int) -> int:
    return max(1, (8 << 20) // max(row_length, 1))


def _write_rows(handle, plan: _Plan) -> None:
    """The header, then the observations built chunk by chunk as (rows, row length) byte arrays."""
    handle.write(plan.header)
    n, width = plan.rows, plan.row_length
    step = _chunk_rows(width)
    for start in range(0, n, step):
        stop = min(n, start + step)
        records = np.empty((stop - start, width), dtype=np.uint8)
        for c in plan.columns:
            f = c.field
            if f.numeric:
                records[:, f.position : f.position + 8] = ibm_bytes(c.numbers[start:stop])
            else:
                records[:, f.position : f.position + f.length] = c.encoded[c.factors.codes[start:stop]]
        handle.write(records.data.cast("B"))
    handle.write(b" " * (-(n * width) % RECORD))


def write_xpt(
    frame: pd.DataFrame,
    spec: Spec,
    dataset: str,
    path: str | os.PathLike[str],
    timestamp: str | None = None,
    verify: str = "fast",
    timings: dict[str, float] | None = None,
) -> dict[str, int]:
    """Write one dataset as SAS transport v5; returns the length of every variable.

    Text variables: the longest value in bytes; numeric variables: 8. The header's
    created/modified stamps are `timestamp` (ISO 8601), by default
    dataset_io.clock.creation_datetime(): the clock, or SOURCE_DATE_EPOCH when set,
    so the same input then gives the same bytes. After writing, the file is verified (`verify`):
    - "fast" (default): the observations are read back from the file and decoded
      here (every number and every text value compared with what was meant), the
      header is parsed here, and pyreadstat reads the metadata (names, labels,
      types, lengths, formats) as an independent reader;
    - "full": that and pyreadstat's read of every value, compared too.
    Raises XptRuleError (listing every breach, nothing written) or XptRoundTripError
    (the file removed). `timings`, when given, receives the seconds of each step.
    """
    if verify not in ("fast", "full"):
        raise ValueError(f"verify must be 'fast' or 'full', not {verify!r}")
    clock = time.perf_counter()
    breaches, texts = _analyse(frame, spec, dataset)
    if breaches:
        raise XptRuleError(dataset, breaches)
    steps = {"checks": time.perf_counter() - clock}
    clock = time.perf_counter()
    plan = _plan(frame, spec, dataset, texts, sas_timestamp(timestamp or creation_datetime()))
    steps["prepare"] = time.perf_counter() - clock
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    try:
        clock = time.perf_counter()
        with open(tmp, "wb") as handle:
            _write_rows(handle, plan)
        steps["write"] = time.perf_counter() - clock
        clock = time.perf_counter()
        problems = _verify_native(tmp, plan)
        problems += _verify_metadata(tmp, plan, spec)
        if problems:
            raise XptRoundTripError(dataset, problems)
        steps["verify"] = time.perf_counter() - clock
        if verify == "full":
            clock = time.perf_counter()
            verify_xpt(tmp, plan.expected_frame(), spec, dataset, plan.formats)
            steps["verify_full"] = time.perf_counter() - clock
        ordinary_mode(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    if timings is not None:
        timings.update(steps)
    return plan.lengths()


# ---------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------
def _first_occurrences(codes: np.ndarray) -> np.ndarray:
    """True at the first row of each code (codes numbered in order of first appearance, -1 never)."""
    first = np.zeros(len(codes), dtype=bool)
    if len(codes):
        running = np.maximum.accumulate(codes)
        first[0] = codes[0] >= 0
        first[1:] = codes[1:] > running[:-1]
    return first


def _show(raw: np.ndarray) -> str:
    return repr(bytes(raw).rstrip(b" ").decode("ascii", "replace"))


def _verify_native(path: str, plan: _Plan) -> list[str]:
    """Our own read of the written file: the header parsed, every observation decoded and compared."""
    problems: list[str] = []
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        head = handle.read(len(plan.header))
        try:
            layout = read_layout(head)
        except XptFormatError as exc:
            return [f"the header does not parse: {exc}"]
        if layout.dataset != plan.dataset:
            problems.append(f"dataset name reads back as {layout.dataset!r}, expected {plan.dataset!r}")
        if layout.label != plan.label.rstrip():
            problems.append(f"dataset label reads back as {layout.label!r}, expected {plan.label!r}")
        if layout.fields != plan.fields:
            for read_field, written_field in zip(layout.fields, plan.fields, strict=False):
                if read_field != written_field:
                    problems.append(f"namestr reads back as {read_field}, written {written_field}")
            if len(layout.fields) != len(plan.fields):
                problems.append(f"{len(layout.fields)} variables read back, {len(plan.fields)} written")
            return problems
        n, width = plan.rows, plan.row_length
        data_length = n * width + (-(n * width) % RECORD)
        if layout.data_offset != len(plan.header) or size != layout.data_offset + data_length:
            return problems + [
                f"the file holds {size - layout.data_offset} bytes of observations; "
                f"{n} rows of {width} bytes padded to whole records are {data_length}"
            ]
        states = {}
        for c in plan.columns:
            if not c.field.numeric:
                k = len(c.factors.uniques)
                first = _first_occurrences(c.factors.codes)
                if int(first.sum()) != k:
                    problems.append(f"{c.field.name}: the values are not numbered in order of appearance")
                    return problems
                states[c.field.name] = (first, np.full((k + 1, c.field.length), BLANK, dtype=np.uint8), [0])
        step = _chunk_rows(width)
        for start in range(0, n, step):
            stop = min(n, start + step)
            records = np.empty((stop - start, width), dtype=np.uint8)
            if handle.readinto(records.data.cast("B")) != records.size:
                return problems + ["the file ends inside the observations"]
            for c in plan.columns:
                f = c.field
                block = records[:, f.position : f.position + f.length]
                if f.numeric:
                    got = ieee_from_ibm_bytes(block)
                    meant = c.numbers[start:stop]
                    differ = ~((got == meant) | (np.isnan(got) & np.isnan(meant)))
                    for row in np.flatnonzero(differ)[:10]:
                        problems.append(
                            f"{f.name} row {start + row + 1}: reads back as {float(got[row])!r}, "
                            f"written {float(meant[row])!r}"
                        )
                else:
                    first, reps, shown = states[f.name]
                    codes = c.factors.codes[start:stop]
                    new = first[start:stop]
                    if new.any():  # each distinct value's bytes: as its first row holds them
                        reps[codes[new]] = block[new]
                    differ = (block != reps[codes]).any(axis=1)
                    for row in np.flatnonzero(differ)[: max(0, 10 - shown[0])]:
                        shown[0] += 1
                        written = "" if codes[row] < 0 else c.factors.uniques[codes[row]]
                        problems.append(
                            f"{f.name} row {start + row + 1}: reads back as {_show(block[row])}, written {written!r}"
                        )
        padding = handle.read()
        if padding.strip(b" "):
            problems.append("the last record is not padded with blanks")
    for c in plan.columns:  # each distinct value decoded from its bytes in the file
        if c.field.numeric:
            continue
        first, reps, _ = states[c.field.name]
        try:
            decoded = decode_text(reps[:-1])
        except UnicodeDecodeError:
            decoded = [bytes(r).decode("ascii", "replace").rstrip(" ") for r in reps[:-1]]
        if decoded != c.factors.uniques:
            rows = np.flatnonzero(first)
            bad = [i for i, (a, b) in enumerate(zip(decoded, c.factors.uniques, strict=False)) if a != b]
            for i in bad[:10]:
                problems.append(
                    f"{c.field.name} row {rows[i] + 1}: reads back as {decoded[i]!r}, written {c.factors.uniques[i]!r}"
                )
    return problems


def _compare_metadata(
    meta, spec: Spec, dataset: str, formats: dict[str, str], expected_lengths: dict[str, int]
) -> tuple[list[str], dict[str, int]]:
    """pyreadstat's metadata of a written file against the spec: names, labels, types, lengths, formats."""
    problems: list[str] = []
    ds = spec.dataset(dataset)
    variables = spec.variables_of(dataset)
    if (meta.table_name or "") != dataset:
        problems.append(f"dataset name reads back as {meta.table_name!r}, expected {dataset!r}")
    if (meta.file_label or "") != (ds.label or ""):
        problems.append(f"dataset label reads back as {meta.file_label!r}, expected {ds.label!r}")
    if list(meta.column_names) != [v.name for v in variables]:
        problems.append(f"variables read back as {meta.column_names}, expected {[v.name for v in variables]}")
    labels = dict(zip(meta.column_names, meta.column_labels, strict=False))
    lengths: dict[str, int] = {}
    for v in variables:
        if v.name not in labels:
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
            if v.name in formats and _norm_format(meta.original_variable_types.get(v.name)) != _norm_format(
                formats[v.name]
            ):
                problems.append(
                    f"{v.name}: format reads back as {meta.original_variable_types.get(v.name)!r}, expected {formats[v.name]!r}"
                )
        else:
            if kind != "string":
                problems.append(f"{v.name}: reads back as {kind}, expected text")
                continue
            if width != expected_lengths[v.name]:
                problems.append(
                    f"{v.name}: length reads back as {width}, expected {expected_lengths[v.name]} (the longest value)"
                )
    return problems, lengths


def _verify_metadata(path: str, plan: _Plan, spec: Spec) -> list[str]:
    """pyreadstat, an independent reader, on the header only."""
    import pyreadstat

    try:
        _, meta = pyreadstat.read_xport(str(path), metadataonly=True, disable_datetime_conversion=True)
    except Exception as exc:  # noqa: BLE001 - any failure to read is a failed check
        return [f"pyreadstat cannot read the file's metadata: {exc}"]
    expected = {c.field.name: c.field.length for c in plan.columns if not c.field.numeric}
    return [f"(pyreadstat) {p}" for p in _compare_metadata(meta, spec, plan.dataset, plan.formats, expected)[0]]


def verify_xpt(
    path: str | os.PathLike[str], expected: pd.DataFrame, spec: Spec, dataset: str, formats: dict[str, str]
) -> dict[str, int]:
    """Read a written file back with pyreadstat and compare every value and attribute."""
    import pyreadstat

    back, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    problems, lengths = _compare_metadata(
        meta, spec, dataset, formats, character_lengths_from_transport(expected, spec, dataset)
    )
    if len(back) != len(expected):
        problems.append(f"{len(back)} rows read back, {len(expected)} written")
    else:
        for v in spec.variables_of(dataset):
            if v.name not in back.columns or v.name not in expected.columns:
                continue
            if is_numeric_variable(v):
                if meta.readstat_variable_types.get(v.name) != "double":
                    continue
                a = expected[v.name].to_numpy(dtype="float64")
                b = back[v.name].to_numpy(dtype="float64")
                differ = ~((a == b) | (np.isnan(a) & np.isnan(b)))
            else:
                if meta.readstat_variable_types.get(v.name) != "string":
                    continue
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
