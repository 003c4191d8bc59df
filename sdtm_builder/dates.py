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

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .raw import NULL

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
# What EDC systems write for an unknown part of a date.
UNKNOWN_PARTS = frozenset(
    {"UN", "UNK", "UNKN", "NK", "XX", "XXX", "XXXX", "--", "---", "----", "U", "UU", "UUU", "UUUU"}
)
_TOKENS = {"YYYY": "Y", "MON": "M", "MM": "M", "DD": "D", "HH": "h", "MI": "m", "SS": "s"}
_TOKEN_RE = re.compile("YYYY|MON|MM|DD|HH|MI|SS")
_MONTH_NUMBERS = {m: i + 1 for i, m in enumerate(MONTHS)}
_DIGITS = re.compile(r"\d+")
_ORDER = "YMDhms"
_SEPARATORS = ("", "-", "-", "T", ":", ":")
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
        pattern += re.escape(fmt[pos : match.start()]).replace("\\ ", r"\s+")
        token = match.group()
        name = f"p{len(parts)}"
        pattern += rf"(?P<{name}>[A-Za-z0-9\-]{{1,4}})"
        parts.append((name, token))
        pos = match.end()
    pattern += re.escape(fmt[pos:]).replace("\\ ", r"\s+") + "$"
    return re.compile(pattern), parts


@functools.lru_cache(maxsize=65536)
def _read_component(raw: str, token: str) -> tuple[str | None, bool]:
    """(value as zero-padded text or None where unknown, bad) of one token's text."""
    text = raw.upper()
    if text in UNKNOWN_PARTS:
        return None, False
    if token == "MON":
        month = _MONTH_NUMBERS.get(text)
        return (None, True) if month is None else (f"{month:02d}", False)
    if not _DIGITS.fullmatch(text):
        return None, True
    number = int(text)
    kind = _TOKENS[token]
    if kind in _PART_RANGES:
        low, high = _PART_RANGES[kind]
        if not low <= number <= high:
            return None, True
    elif token == "YYYY" and len(text) != 4:
        return None, True
    return f"{number:0{4 if token == 'YYYY' else 2}d}", False


@dataclass(frozen=True)
class _Reading:
    """Distinct texts read with one format; each array is aligned with the texts."""

    blank: np.ndarray  # bool, the text is empty
    bad: np.ndarray  # bool, a non-blank text that could not be read
    parts: dict[str, np.ndarray]  # component (Y M D h m s) -> zero-padded text, None where unknown or not read


def parse_dates(values: pd.Series, fmt: str, times: pd.Series | None = None, time_fmt: str = "HH:MI") -> ParsedDates:
    """Raw date (and optional time) text to ISO 8601, keeping partial dates partial.

    Each distinct date text and each distinct time text is read once; the
    distinct (date, time) pairs are then put together from the two readings
    with array operations, so the cost follows the number of distinct values,
    not of rows (nor of pairs).
    """
    columns = {"date": values, "time": times} if times is not None else {"date": values}
    codes, first = distinct_rows(pd.DataFrame(columns, copy=False))
    date_codes, date_texts = _distinct_texts(values.iloc[first])
    date = _read_texts(date_texts, fmt)
    time = time_codes = None
    if times is not None:
        time_codes, time_texts = _distinct_texts(times.iloc[first])
        time = _read_texts(time_texts, time_fmt)
    iso, bad, partial = _combine(date, date_codes, time, time_codes)
    return ParsedDates(
        pd.Series(iso[codes], index=values.index, dtype=object),
        pd.Series(bad[codes], index=values.index, dtype=bool),
        pd.Series(partial[codes], index=values.index, dtype=bool),
    )


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
    # numbered as they appear: a row is the first of its combination where its number passes all before it
    starts = np.ones(len(combination), dtype=bool)
    starts[1:] = combination[1:] > np.maximum.accumulate(combination)[:-1]
    first = np.flatnonzero(starts).astype(np.int64, copy=False)
    return combination, first


def _distinct_texts(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(for each value, the number of its text; the distinct texts), stripped, null as ''."""
    array = values.to_numpy()
    if array.dtype == object and pd.api.types.infer_dtype(array, skipna=True) in ("string", "empty"):
        # texts already: equal values are equal texts; nulls (-1) take the '' put last
        codes, uniques = pd.factorize(array)
        uniques = np.append(uniques, "")
    else:
        codes, uniques = pd.factorize(_as_text(values).to_numpy(dtype=object))
    stripped = np.array([u.strip() for u in uniques], dtype=object)
    inner, texts = pd.factorize(stripped)
    return inner[codes], np.asarray(texts, dtype=object)


def _read_texts(texts: np.ndarray, fmt: str) -> _Reading:
    """Read each (distinct, stripped) text with the format: one regex match per text."""
    regex, parts = _compile(fmt.upper())
    if not parts:
        raise ValueError("pattern contains no capture groups")
    n = len(texts)
    blank = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    found = {_TOKENS[token]: np.full(n, None, dtype=object) for _, token in parts}
    for i, text in enumerate(texts):
        if not text:
            blank[i] = True
            continue
        match = regex.search(text)
        if match is None:
            bad[i] = True
            continue
        wrong = False
        # a kind given twice (MM and MON) keeps the last value; each must be readable
        for (_, token), raw in zip(parts, match.groups(), strict=False):
            value, wrong_part = _read_component(raw, token)
            wrong |= wrong_part
            found[_TOKENS[token]][i] = value
        bad[i] = wrong
    return _Reading(blank, bad, found)


def _known(values: np.ndarray) -> np.ndarray:
    """True where a component is known (not None)."""
    return np.array([v is not None for v in values], dtype=bool)


def _combine(
    date: _Reading, date_codes: np.ndarray, time: _Reading | None, time_codes: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ISO text, unreadable, partial) for each (date, time) pair, from the number of its
    date text and of its time text in their readings.

    The time's components replace the date's; an unreadable time is dropped (its
    components unknown) and flagged, while the date stands; a time with a blank
    date is flagged too.
    """
    sources = {kind: (values, date_codes) for kind, values in date.parts.items()}
    if time is not None and time_codes is not None:
        for kind, values in time.parts.items():
            sources[kind] = (np.where(time.bad, NULL, values), time_codes)
    n = len(date_codes)
    unreadable = date.bad[date_codes]
    if all(kind in sources for kind in "YMD"):
        unreadable = unreadable | _impossible_days(*(sources[kind] for kind in "YMD"))
    known = np.zeros((len(_ORDER), n), dtype=bool)
    for j, kind in enumerate(_ORDER):
        if kind in sources:
            values, codes = sources[kind]
            known[j] = _known(values)[codes]
    # the last known component decides how far the value reaches; earlier unknowns are "-"
    last = np.where(known.any(axis=0), len(_ORDER) - 1 - np.argmax(known[::-1], axis=0), -1)
    iso = _assemble(sources, last)
    # complete: year, month and day known, and no unknown component before the last known one
    first_unknown = np.where(known.all(axis=0), len(_ORDER), np.argmin(known, axis=0))
    complete = (last >= 2) & (first_unknown > last)
    shown = ~unreadable & ~date.blank[date_codes]
    if time is not None:
        # a time without its date cannot be placed: flagged (left null), never dropped unseen
        unreadable = unreadable | time.bad[time_codes] | (date.blank[date_codes] & ~time.blank[time_codes])
    return np.where(shown, iso, NULL), unreadable, shown & ~complete


def _impossible_days(year: tuple, month: tuple, day: tuple) -> np.ndarray:
    """For each pair, True where year, month and day are all known but make no date (31 FEB).

    Each is (values per distinct text, number of the text for each pair); when all three
    come from the same texts, the check runs once per distinct text.
    """
    if year[1] is month[1] is day[1]:
        return _impossible(year[0], month[0], day[0])[year[1]]
    return _impossible(year[0][year[1]], month[0][month[1]], day[0][day[1]])


def _impossible(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """True where year, month and day (text, None where unknown) are all known but make no date."""
    full = _known(year) & _known(month) & _known(day)
    bad = np.zeros(len(full), dtype=bool)
    # a day and month without a year: no year has them when the day is past the month's longest
    yearless = ~_known(year) & _known(month) & _known(day)
    if yearless.any():
        longest = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
        bad[yearless] = [
            int(d) > longest.get(int(m), 0) or int(d) < 1 for m, d in zip(month[yearless], day[yearless], strict=False)
        ]
    if full.any():
        text = pd.Series(year[full] + "-" + month[full] + "-" + day[full], dtype=object)
        bad[full] = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce").isna().to_numpy()
    return bad


def _assemble(sources: dict[str, tuple[np.ndarray, np.ndarray]], last: np.ndarray) -> np.ndarray:
    """ISO text for each pair: the components up to the last known one, "-" for the unknown
    ones before it; None where none is known.

    Neighbouring components from the same texts are written together once per distinct
    text; a pair then costs one concatenation per texts (date, time) it draws on.
    """
    n = len(last)
    absent = (np.full(1, None, dtype=object), np.zeros(n, dtype=np.intp))
    columns = [sources.get(kind, absent) for kind in _ORDER]
    furthest = last.max(initial=-1)
    pieces = []
    start = 0
    while start <= furthest:
        codes = columns[start][1]
        stop = start + 1
        while stop < len(columns) and columns[stop][1] is codes:
            stop += 1
        reach = np.clip(last + 1 - start, 0, stop - start)  # how many of these components each pair shows
        pieces.append(_prefixes([values for values, _ in columns[start:stop]], start)[reach, codes])
        start = stop
    iso = functools.reduce(np.add, pieces) if pieces else np.full(n, None, dtype=object)
    return np.where(last < 0, NULL, iso)


def _prefixes(columns: list[np.ndarray], start: int) -> np.ndarray:
    """Row k: the first k columns (components from position `start` on) written out with
    their separators, "-" where unknown, for each distinct text."""
    rows = [np.full(len(columns[0]), "", dtype=object)]
    for position, values in enumerate(columns, start):
        rows.append(rows[-1] + (_SEPARATORS[position] + np.where(_known(values), values, "-")))
    return np.stack(rows)


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
