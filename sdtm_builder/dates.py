"""Raw dates and times to ISO 8601, and study days.

SDTM never imputes: a date with an unknown day stays `2021-03`; one with an
unknown month but a known day is `2021---12`. A value that cannot be read is
returned as missing and listed (by the caller) with its file, subject, row,
field and value.

Raw formats are written with tokens: `DD` day, `MM` month number, `MON` month
abbreviation (JAN..DEC), `YYYY` year, `HH` hour, `MI` minute, `SS` second; any
other character is a literal. For example `DD MON YYYY`, `MM/DD/YYYY`,
`DD-MON-YYYY`, `YYYY-MM-DD`, `HH:MI`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# What EDC systems write for an unknown part of a date.
UNKNOWN_PARTS = frozenset({"UN", "UNK", "UNKN", "NK", "XX", "XXX", "XXXX", "--", "---", "----", "U", "UU", "UUU", "UUUU"})
_TOKENS = {"YYYY": "Y", "MON": "M", "MM": "M", "DD": "D", "HH": "h", "MI": "m", "SS": "s"}
_TOKEN_RE = re.compile("YYYY|MON|MM|DD|HH|MI|SS")
_PART_RANGES = {"M": (1, 12), "D": (1, 31), "h": (0, 23), "m": (0, 59), "s": (0, 59)}


@dataclass(frozen=True)
class ParsedDates:
    """ISO 8601 strings (None where blank or unreadable) and which inputs could not be read."""

    iso: pd.Series
    unreadable: pd.Series  # bool, True where a non-blank value could not be read
    partial: pd.Series  # bool, True where a value was read but has unknown parts (kept partial)


def _compile(fmt: str) -> tuple[re.Pattern, list[tuple[str, str]]]:
    parts: list[tuple[str, str]] = []
    pattern = "^"
    pos = 0
    for match in _TOKEN_RE.finditer(fmt):
        pattern += re.escape(fmt[pos:match.start()]).replace("\\ ", r"\s+")
        token = match.group()
        name = f"p{len(parts)}"
        pattern += rf"(?P<{name}>[A-Za-z0-9\-]{{1,4}})"
        parts.append((name, token))
        pos = match.end()
    pattern += re.escape(fmt[pos:]).replace("\\ ", r"\s+") + "$"
    return re.compile(pattern), parts


def _component(raw: pd.Series, token: str) -> tuple[pd.Series, pd.Series]:
    """(value as zero-padded text or None where unknown, bad mask) for one token."""
    text = raw.fillna("").str.upper()
    unknown = text.isin(UNKNOWN_PARTS)
    if token == "MON":
        month = text.map({m: i + 1 for i, m in enumerate(MONTHS)})
        bad = month.isna() & ~unknown
        value = month.map(lambda v: None if pd.isna(v) else f"{int(v):02d}")
        return value.where(~unknown, None), bad
    digits = text.str.fullmatch(r"\d+")
    width = 4 if token == "YYYY" else 2
    bad = ~digits & ~unknown
    number = pd.to_numeric(text.where(digits), errors="coerce")
    kind = _TOKENS[token]
    if kind in _PART_RANGES:
        low, high = _PART_RANGES[kind]
        bad |= digits & ((number < low) | (number > high))
    elif token == "YYYY":
        bad |= digits & (text.str.len() != 4)
    value = number.map(lambda v: None if pd.isna(v) else f"{int(v):0{width}d}")
    return value.where(~unknown & ~bad, None), bad


def parse_dates(values: pd.Series, fmt: str, times: pd.Series | None = None, time_fmt: str = "HH:MI") -> ParsedDates:
    """Raw date (and optional time) text to ISO 8601, keeping partial dates partial.

    Each distinct (date, time) pair is parsed once, so the cost follows the
    number of distinct values, not of rows.
    """
    columns = {"date": values, "time": times} if times is not None else {"date": values}
    codes, first = distinct_rows(pd.DataFrame(columns, copy=False))
    sub_values = _as_text(values.iloc[first])
    sub_times = _as_text(times.iloc[first]) if times is not None else None
    parsed = _parse_unique(sub_values, fmt, sub_times, time_fmt)
    iso = pd.Series(parsed.iso.to_numpy(dtype=object)[codes], index=values.index, dtype=object)
    bad = pd.Series(parsed.unreadable.to_numpy(dtype=bool)[codes], index=values.index, dtype=bool)
    partial = pd.Series(parsed.partial.to_numpy(dtype=bool)[codes], index=values.index, dtype=bool)
    return ParsedDates(iso, bad, partial)


def _as_text(values: pd.Series) -> pd.Series:
    """Each value as text, null as ''."""
    return values.astype(object).where(values.notna(), "").astype(str).reset_index(drop=True)


def distinct_rows(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(for each row, the number of its combination of values; the first row of
    each combination), combinations numbered as they appear.

    Floats are told apart by their bits (0.0 and -0.0 are written differently).
    """
    combination = np.zeros(len(frame), dtype=np.int64)
    for _, column in frame.items():
        values = column.to_numpy()
        codes = pd.factorize(values.view(f"i{values.itemsize}") if values.dtype.kind == "f" else values)[0]
        combination = pd.factorize(combination * (codes.max(initial=0) + 2) + codes + 1)[0]
    first = pd.Series(np.arange(len(combination))).groupby(combination).first().to_numpy(dtype=np.int64)
    return combination, first


def _parse_unique(values: pd.Series, fmt: str, times: pd.Series | None, time_fmt: str) -> ParsedDates:
    values = values.astype(object).where(values.notna(), "")
    text = values.astype(str).str.strip()
    regex, parts = _compile(fmt.upper())
    extracted = text.str.extract(regex)
    blank = text == ""
    unreadable = ~blank & extracted.isna().all(axis=1) if parts else ~blank
    comp: dict[str, pd.Series] = {}
    for name, token in parts:
        value, bad = _component(extracted[name], token)
        unreadable |= bad & ~blank
        comp[_TOKENS[token]] = value
    time_bad = pd.Series(False, index=text.index)
    if times is not None:
        t_values = times.astype(object).where(times.notna(), "")
        t_text = t_values.astype(str).str.strip()
        t_regex, t_parts = _compile(time_fmt.upper())
        t_extracted = t_text.str.extract(t_regex)
        t_blank = t_text == ""
        time_bad = ~t_blank & t_extracted.isna().all(axis=1)
        t_comp = {}
        for name, token in t_parts:
            value, bad = _component(t_extracted[name], token)
            time_bad |= bad & ~t_blank
            t_comp[_TOKENS[token]] = value
        # an unreadable time is dropped (and reported); the date stands
        for k, value in t_comp.items():
            comp[k] = value.where(~time_bad, None)
    # a whole-date check: day within the month's length
    if all(k in comp for k in "YMD"):
        full = comp["Y"].notna() & comp["M"].notna() & comp["D"].notna()
        stamp = pd.to_datetime(comp["Y"].where(full) + "-" + comp["M"].where(full) + "-" + comp["D"].where(full),
                               format="%Y-%m-%d", errors="coerce")
        unreadable |= full & stamp.isna()
    iso = _assemble(comp, len(text), text.index)
    iso = iso.where(~unreadable & ~blank, None)
    complete_date = iso.fillna("").str.fullmatch(r"\d{4}-\d{2}-\d{2}.*") & ~iso.fillna("").str.contains("-T|T-|:-", regex=True)
    partial = ~blank & ~unreadable & ~complete_date
    return ParsedDates(iso, (unreadable | time_bad).astype(bool), partial.astype(bool))


def _assemble(comp: dict[str, pd.Series], n: int, index) -> pd.Series:
    order = ["Y", "M", "D", "h", "m", "s"]
    seps = ["", "-", "-", "T", ":", ":"]
    arrays = [comp.get(k, pd.Series([None] * n, index=index, dtype=object)).to_numpy(dtype=object) for k in order]
    known = np.stack([np.array([v is not None for v in a], dtype=bool) for a in arrays]) if n else np.zeros((6, 0), bool)
    # the last known component decides how far the value reaches; earlier unknowns are "-"
    last = np.where(known.any(axis=0), 5 - np.argmax(known[::-1], axis=0), -1)
    out = np.full(n, "", dtype=object)
    for j in range(6):
        piece = np.where(known[j], arrays[j], "-").astype(object)
        out = np.where(j <= last, out + (seps[j] + piece), out)
    out = np.where(last < 0, None, out)
    return pd.Series(out, index=index, dtype=object)


def iso_date_part(dtc: pd.Series) -> pd.Series:
    """The complete calendar date of an ISO 8601 value as datetime64, NaT when partial.

    Each distinct value is parsed once.
    """
    codes, uniques = pd.factorize(dtc, use_na_sentinel=True)
    text = pd.Series([u[:10] if isinstance(u, str) else "" for u in uniques], dtype=object)
    parsed = pd.to_datetime(text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), format="%Y-%m-%d", errors="coerce")
    values = np.append(parsed.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT", "ns"))
    return pd.Series(values[codes], index=dtc.index)


def compute_study_day(dtc: pd.Series, reference_dtc: pd.Series) -> pd.Series:
    """--DY: days from the reference start (RFSTDTC), day 1 on it, no day 0.

    Missing (NaN) where either date is not a complete date.
    """
    date = iso_date_part(dtc).to_numpy()
    ref = iso_date_part(reference_dtc).to_numpy()
    return pd.Series(study_day(date, ref), index=dtc.index, dtype="float64")


def study_day(date: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """--DY of datetime64 dates from datetime64 reference dates: day 1 on the reference, no day 0; NaN with NaT."""
    diff = (date - reference) / np.timedelta64(1, "D")
    return np.where(diff >= 0, diff + 1, diff)
