"""Mapping algorithms, named as the spec's Mapping sheet names them.

Each algorithm is a plain function: values in, values out, one per value given,
and (where values can be wrong) the problems found, as `Problem`s: which values,
how severe, what was done. The mapping (mapping.py) calls them for each rule of
the Mapping sheet and writes the problems to the issue log with the raw file,
subject, row and field; the record is never dropped here.

| algorithm       | value                                                          |
| --------------- | -------------------------------------------------------------- |
| assign_no_ct    | the raw field as collected (trimmed; blank is null); options:  |
|                 | `case=upper` (or lower), `extract=REGEX` (its first group, or  |
|                 | the whole match), `number=text` (numeric text written plainly: |
|                 | "067.0" -> "67", "098.6" -> "98.6")                            |
| assign_ct       | the raw field mapped to a submission value of the codelist     |
|                 | (by term, decode or synonym; `crf_values=a|b` lists the CRF's   |
|                 | answers, and a value outside them is reported even if it maps) |
| hardcode_no_ct  | the rule's Value                                               |
| hardcode_ct     | the rule's Value, a term of the codelist                       |
| assign_datetime | the raw date (+ time) as ISO 8601, partial kept partial;       |
|                 | `format=MM/DD/YYYY|YYYY` tries the formats in turn            |
| assign_number   | the raw field as a finite number (inf, nan: an error, null)    |
| concat          | the rule's Value as a template of {FIELD} or {VARIABLE} names  |
| convert_unit    | a mapped result (`from=VARIABLE`) in its unit (`unit=VARIABLE`)|
|                 | converted to the unit in Value, or per record to the unit in   |
|                 | `to=VARIABLE`, by the spec's "Unit Conversions" sheet (Test,   |
|                 | From Unit, To Unit, Factor, Offset: a row for the record's    |
|                 | test `test=VARIABLE`, else one for any test; the reverse of a  |
|                 | row is used too; no conversion is typed in code); `as=text`    |
|                 | gives the number as text ("<0.5" keeps its sign, the limit     |
|                 | converted), `as=unit` the unit where the result was converted; |
|                 | `digits=N` rounds a converted number (default 2); what cannot  |
|                 | be converted is an error and null                              |
| range_indicator | --NRIND from the standard result (`from=VARIABLE`, its text   |
|                 | `text=VARIABLE` for "<0.5") and range (`low=`, `high=`): LOW,  |
|                 | NORMAL, HIGH; null without a range (a note) or when a limit    |
|                 | result cannot be placed; a negative result or one above        |
|                 | `implausible=K` x the upper limit is an error (left null)      |
| decode_ct       | the decode, in the codelist, of an already mapped variable      |
| condition_add   | no value: selects the raw rows that make the record set        |
| not_submitted   | no value: raw rows (of Form, where Condition) deliberately not |
|                 | submitted, with the reason in Comment; with a Field, that raw  |
|                 | field of Form is not submitted (fields.py accounts for fields) |
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from specs.model import Codelist

from .dates import parse_dates
from .raw import NULL, trimmed


@dataclass(frozen=True)
class Problem:
    """Values an algorithm found wrong: `rows` marks them among the values it was given,
    `value` shows each (aligned with the values given), `inputs` names the arguments
    they came from (the caller knows which raw fields those are)."""

    rows: np.ndarray
    value: pd.Series
    severity: str
    kind: str
    action: str
    message: str
    inputs: tuple[str, ...] = ("values",)


def trim(values: pd.Series) -> pd.Series:
    """Text trimmed, blank as None (each distinct value handled once)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return pd.Series(trimmed(uniques)[codes], index=values.index, dtype=object)


def assign_no_ct(
    values: pd.Series, *, extract: str | None = None, number_text: bool = False, case: str | None = None
) -> pd.Series:
    """The raw values as collected: trimmed, blank as None; `extract` keeps the first group
    of a regular expression (or its whole match), `number_text` writes numeric text plainly,
    `case` ("upper" or "lower") changes the case."""
    out = trim(values)
    if extract:
        out = extract_text(out, extract)
    if number_text:
        out = normalise_number_text(out)
    case = (case or "").lower()
    if case in ("upper", "lower"):
        out = out.map(lambda v: (v.upper() if case == "upper" else v.lower()) if isinstance(v, str) else v)
    return out


def extract_text(values: pd.Series, pattern: str) -> pd.Series:
    """The first group of `pattern` (or its whole match) in each value; null where it does not match."""
    regex = re.compile(pattern)

    def one(v):
        if not isinstance(v, str):
            return v
        match = regex.search(v)
        if not match:
            return None
        return match.group(1) if regex.groups else match.group(0)

    return values.map(one).astype(object)


def normalise_number_text(values: pd.Series) -> pd.Series:
    """Numeric text written plainly ("067.0" -> "67", "098.60" -> "98.6"); other text unchanged."""
    from decimal import Decimal, InvalidOperation

    def one(v):
        if not isinstance(v, str):
            return v
        try:
            number = Decimal(v.strip())
        except InvalidOperation:
            return v
        if not number.is_finite():
            return v
        text = format(number.normalize(), "f")
        return "0" if text in ("-0", "") else text

    return values.map(one).astype(object)


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().upper()


@lru_cache(maxsize=512)
def _lookup(codelist: Codelist) -> dict[str, str]:
    table: dict[str, str] = {}
    for term in codelist.terms:
        for key in (term.term, term.decoded_value, *term.synonyms):
            if key:
                table.setdefault(_normal(key), term.term)
    return table


def map_to_codelist(values: pd.Series, codelist: Codelist) -> tuple[pd.Series, pd.Series]:
    """(submission values, mask of values not in the codelist); unmatched values are kept as given."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # each distinct value looked up once
    mapped, outside = _codelist_terms(np.append(np.asarray(uniques, dtype=object), NULL), codelist)
    return pd.Series(mapped[codes], index=values.index, dtype=object), pd.Series(outside[codes], index=values.index)


def _codelist_terms(values: np.ndarray, codelist: Codelist) -> tuple[np.ndarray, np.ndarray]:
    """(the submission value of each value, or the value itself when it is not in the codelist;
    whether it is not in the codelist): a null is None and not outside."""
    lookup = _lookup(codelist)
    terms = [None if v is None else lookup.get(_normal(v)) for v in values]
    mapped = np.array([v if t is None else t for t, v in zip(terms, values, strict=False)], dtype=object)
    outside = np.array([t is None and v is not None for t, v in zip(terms, values, strict=False)], dtype=bool)
    return mapped, outside


def assign_ct(
    values: pd.Series, codelist: Codelist, *, crf_values: str | None = None
) -> tuple[pd.Series, list[Problem]]:
    """The raw values (trimmed, blank as None) as submission values of `codelist`, found by
    term, decode or synonym (any case and spacing); a value outside the codelist is kept as
    collected and is a problem (an error; a warning for an extensible codelist).
    crf_values ("a|b|c"): the CRF's answers; a value outside them that maps is a warning."""
    raw = trim(values)
    cleaned = raw.to_numpy(dtype=object)
    terms, outside = _codelist_terms(cleaned, codelist)
    problems = []
    if outside.any():
        extensible = codelist.extensible
        problems.append(
            Problem(
                outside,
                raw,
                severity="warning" if extensible else "error",
                kind="value outside codelist",
                action="kept as collected" if not extensible else "kept as a new term of the extensible codelist",
                message=f"not a term (or synonym) of codelist {codelist.id}" + (" (extensible)" if extensible else ""),
            )
        )
    if crf_values:
        allowed = {a.strip() for a in crf_values.split("|")}
        off_crf = np.array([v is not None and v not in allowed for v in cleaned], dtype=bool) & ~outside
        if off_crf.any():
            problems.append(
                Problem(
                    off_crf,
                    raw,
                    severity="warning",
                    kind="value outside the CRF codelist",
                    action=f"mapped to the codelist {codelist.id} term it names",
                    message=f"not one of the CRF answers ({' | '.join(sorted(allowed))})",
                )
            )
    return pd.Series(terms, index=values.index, dtype=object), problems


def hardcode_no_ct(value: str | None, index: pd.Index) -> pd.Series:
    """The rule's value on every row."""
    return pd.Series(value, index=index, dtype=object)


def hardcode_ct(value: str | None, index: pd.Index) -> pd.Series:
    """The rule's value, a term of its codelist (checked with the Mapping sheet), on every row."""
    return pd.Series(value, index=index, dtype=object)


def parse_dates_any(values: pd.Series, formats: str, times: pd.Series | None = None, time_fmt: str = "HH:MI"):
    """parse_dates with alternative formats separated by '|' (`MM/DD/YYYY|YYYY`): each value
    is read with the first format that reads it; unreadable only when none does."""
    from .dates import ParsedDates

    alternatives = [f.strip() for f in formats.split("|") if f.strip()]
    parsed = parse_dates(values, alternatives[0], times, time_fmt)
    for fmt in alternatives[1:]:
        if not parsed.unreadable.any():
            break
        other = parse_dates(values, fmt, times, time_fmt)
        take = parsed.unreadable & ~other.unreadable & other.iso.notna()
        parsed = ParsedDates(
            parsed.iso.where(~take, other.iso), parsed.unreadable & ~take, parsed.partial.where(~take, other.partial)
        )
    return parsed


def assign_datetime(
    dates: pd.Series, times: pd.Series | None = None, *, format: str = "DD MON YYYY", time_format: str = "HH:MI"
) -> tuple[pd.Series, list[Problem]]:
    """The raw dates (with their times) as ISO 8601, partial dates kept partial; `format`
    may list alternatives (`MM/DD/YYYY|YYYY`). An unreadable value is an error (left null),
    a partial date a note."""
    parsed = parse_dates_any(dates, format, times, time_format)
    problems = []
    if parsed.unreadable.any():
        raw = dates.astype(str)
        if times is not None:
            raw = raw + " " + times.astype(str)
        problems.append(
            Problem(
                parsed.unreadable.to_numpy(dtype=bool),
                raw.str.strip(),
                severity="error",
                kind="unreadable date",
                action="left null (time dropped where only the time was unreadable)",
                message=f"not a date in the form {format}" + (f" with time {time_format}" if times is not None else ""),
                inputs=("dates", "times") if times is not None else ("dates",),
            )
        )
    if parsed.partial.any():
        problems.append(
            Problem(
                parsed.partial.to_numpy(dtype=bool),
                dates,
                severity="note",
                kind="partial date",
                action="kept partial (SDTM does not impute)",
                message="date with unknown parts",
                inputs=("dates",),
            )
        )
    return parsed.iso, problems


def read_numbers(texts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(numbers, not a number, not finite) of texts: a finite number where the text is one,
    NaN elsewhere. 'inf', '-Infinity', 'nan' and '1e999' read as numbers but are not
    results: they are flagged `not finite` (and left NaN); other text that is no
    number is flagged `not a number`. A null is neither."""
    codes, uniques = pd.factorize(pd.Series(np.asarray(texts, dtype=object), dtype=object), use_na_sentinel=True)
    texts = np.append(np.asarray(uniques, dtype=object), NULL)  # each distinct text read once; null last (code -1)
    numbers = pd.to_numeric(pd.Series(texts, dtype=object), errors="coerce").astype("float64").to_numpy()
    present = np.array([t is not None and not (isinstance(t, str) and not t.strip()) for t in texts], dtype=bool)
    finite = np.isfinite(numbers)
    not_finite = present & ~finite & np.array([_reads_as_float(t) for t in texts], dtype=bool)
    not_number = present & ~finite & ~not_finite
    return np.where(finite, numbers, np.nan)[codes], not_number[codes], not_finite[codes]


def _reads_as_float(text) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def number_problems(values: pd.Series, not_number: np.ndarray, not_finite: np.ndarray) -> list[Problem]:
    """The results that are not numbers, or not finite ones, each an error."""
    return [
        Problem(bad, values, severity="error", kind=kind, action="left null", message=message)
        for bad, kind, message in (
            (not_number, "not a number", "expected a number"),
            (
                not_finite,
                "not a finite number",
                "infinity or NaN is not a result; the value stays as collected in --ORRES",
            ),
        )
        if bad.any()
    ]


def assign_number(values: pd.Series) -> tuple[pd.Series, list[Problem]]:
    """The raw values (trimmed) as finite numbers; text that is no number, or infinity or
    NaN, is an error and null."""
    text = trim(values)
    numbers, not_number, not_finite = read_numbers(text.to_numpy(dtype=object))
    return pd.Series(numbers, index=values.index, dtype="float64"), number_problems(text, not_number, not_finite)


TEMPLATE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


def concat(template: str, sources: Mapping[str, pd.Series]) -> pd.Series:
    """The template with each {NAME} replaced by the value of source NAME; null where any
    source it names is null (all sources share one index)."""
    pos = 0
    index = next(iter(sources.values())).index if sources else pd.RangeIndex(1)
    out = np.full(len(index), "", dtype=object)
    missing = np.zeros(len(index), dtype=bool)
    for match in TEMPLATE.finditer(template):
        source = sources[match.group(1)]
        missing |= source.isna().to_numpy()
        out = out + template[pos : match.start()] + source.fillna("").astype(str).to_numpy()
        pos = match.end()
    out = out + template[pos:]
    return pd.Series(np.where(missing, NULL, out), index=index, dtype=object)


# Unit conversions come from the spec's "Unit Conversions" sheet (specs.model.UnitConversion):
# none is typed here. A row converts one unit to another for one test or any test.
LIMIT_PATTERN = re.compile(r"^\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


@dataclass(frozen=True)
class UnitTable:
    """The spec's unit conversions, looked up by (test, from unit, to unit): a row of the test
    first, then one for any test; a pair not given is taken the other way round when its
    reverse is given. Units compare without case."""

    rows: dict[tuple[str, str, str], tuple[float, float]]

    @classmethod
    def of(cls, conversions) -> UnitTable:
        rows: dict[tuple[str, str, str], tuple[float, float]] = {}
        for c in conversions:
            if c.factor is None or c.factor == 0:
                continue
            key = ((c.test or "").strip().upper(), c.from_unit.strip().upper(), c.to_unit.strip().upper())
            rows.setdefault(key, (float(c.factor), float(c.offset or 0.0)))
        return cls(rows)

    def find(self, test: str | None, source: str, target: str) -> tuple[float, float] | None:
        """(factor, offset) taking `source` to `target` for `test`, or None."""
        a, b = source.strip().upper(), target.strip().upper()
        if a == b:
            return (1.0, 0.0)
        for t in dict.fromkeys(((test or "").strip().upper(), "")):
            if (t, a, b) in self.rows:
                return self.rows[(t, a, b)]
            if (t, b, a) in self.rows:
                factor, offset = self.rows[(t, b, a)]
                return (1.0 / factor, -offset / factor)
        return None

    def targets(self, test: str | None, target: str) -> list[str]:
        """The units that convert to `target` (for the message of a unit that does not)."""
        b, t = target.strip().upper(), (test or "").strip().upper()
        found = {a for (tt, a, bb) in self.rows if bb == b and tt in ("", t)}
        found |= {bb for (tt, a, bb) in self.rows if a == b and tt in ("", t)}
        return sorted(found)


NO_UNITS = UnitTable({})


def unit_conversion(
    source: str, target: str, table: UnitTable = NO_UNITS, test: str | None = None
) -> Callable[[np.ndarray], np.ndarray] | None:
    """The function taking numbers in `source` to `target` by the spec's table (None: no row)."""
    found = table.find(test, source, target)
    if found is None:
        return None
    factor, offset = found
    return lambda x: np.asarray(x, dtype="float64") * factor + offset


def _upper(series: pd.Series) -> pd.Series:
    return series.map(lambda u: u.strip().upper() if isinstance(u, str) and u.strip() else None)


def convert_units(
    values: pd.Series,
    units: pd.Series,
    target: str | pd.Series,
    digits: int = 2,
    *,
    table: UnitTable = NO_UNITS,
    tests: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series]:
    """(numbers in the `target` unit, mask of values that could not be converted).

    A value already in its target unit is kept as it is; one in another unit with a
    conversion of the spec's table (for the record's test, `tests`) is converted and
    rounded to `digits` decimals; one whose unit has no conversion to the target (or no
    unit), or that is not a finite number, is missing and flagged. `target` is one unit,
    or one per value.
    """
    number, _, _ = read_numbers(values.to_numpy(dtype=object))
    number = pd.Series(number, index=values.index, dtype="float64")
    unit = _upper(units)
    to = _upper(target if isinstance(target, pd.Series) else pd.Series(target, index=values.index, dtype=object))
    test = tests if tests is not None else pd.Series(None, index=values.index, dtype=object)
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    same = (unit == to) & unit.notna()
    out[same] = number[same]
    keys = pd.DataFrame({"t": test.fillna(""), "a": unit, "b": to})[~same & unit.notna() & to.notna()]
    for (t, a, b), rows in keys.groupby(["t", "a", "b"], sort=False).groups.items():
        fn = unit_conversion(a, b, table, t or None)
        if fn is None:
            continue
        out[rows] = np.round(fn(number[rows].to_numpy()), digits)
    failed = values.notna() & out.isna()
    return out, failed


def number_as_text(number: pd.Series) -> pd.Series:
    """Numbers as plain text (no trailing .0), missing as None."""
    return number.map(lambda v: None if pd.isna(v) else format(float(v), ".10g")).astype(object)


CONVERT_AS = ("number", "text", "unit")


def convert_unit(
    values: pd.Series,
    units: pd.Series,
    *,
    target: str | pd.Series,
    digits: int = 2,
    form: str = "number",
    table: UnitTable = NO_UNITS,
    tests: pd.Series | None = None,
) -> tuple[pd.Series, list[Problem]]:
    """Results in their units converted to `target` (one unit, or one per result) by the
    spec's conversions (`table`, for each result's test `tests`): as a number (form
    "number", --STRESN), as text ("text", --STRESC) or the unit itself ("unit", --STRESU:
    the target where the result was converted, null where it could not be).

    A result beyond a limit ("<0.5", ">1000") has no number (--STRESN null, a note); as
    text it keeps its sign with the limit converted ("<8.55"). Every other result that
    cannot be converted (not a finite number, no unit, a unit without conversion to the
    target) is an error; it is left null, never relabelled.
    """
    limits = values.map(lambda v: LIMIT_PATTERN.match(v) if isinstance(v, str) else None)
    limited = limits.notna()
    bare = values.where(~limited, limits.map(lambda m: m.group(2) if m else None))
    out, failed = convert_units(bare, units, target, digits, table=table, tests=tests)
    problems = _conversion_problems(bare, units, failed, target, table, tests) if failed.any() else []
    if limited.any():  # reported once, by whichever of --STRESC / --STRESN / --STRESU is converted first
        problems.append(
            Problem(
                limited.to_numpy(dtype=bool),
                values.astype(object),
                severity="note",
                kind="result beyond a limit",
                action="--STRESN left null; --STRESC keeps the limit",
                message="a result given as a limit (< or >) has no numeric value",
            )
        )
    if form == "text":
        text = number_as_text(out)
        sign = limits.map(lambda m: m.group(1) if m else "")
        return text.where(~limited | text.isna(), sign + text.fillna("")), problems
    if form == "unit":
        to = target if isinstance(target, pd.Series) else pd.Series(target, index=out.index, dtype=object)
        return pd.Series(np.where(out.notna(), to, NULL), index=out.index, dtype=object), problems
    return out.where(~limited), problems


def _conversion_problems(
    values: pd.Series,
    units: pd.Series,
    failed: pd.Series,
    target: str | pd.Series,
    table: UnitTable,
    tests: pd.Series | None,
) -> list[Problem]:
    _, not_number, not_finite = read_numbers(values.to_numpy(dtype=object))
    number_ok = pd.Series(~(not_number | not_finite), index=values.index)
    text = values.astype(object).where(values.notna(), None)
    bad = failed.to_numpy(dtype=bool)
    problems = number_problems(text, bad & not_number, bad & not_finite)
    one_target = target if isinstance(target, str) else None
    no_unit = (failed & number_ok & units.map(lambda u: not (isinstance(u, str) and u.strip()))).to_numpy(dtype=bool)
    if no_unit.any():
        problems.append(
            Problem(
                no_unit,
                text,
                severity="error",
                kind="result without unit",
                action="left null",
                message=f"a result needs its unit to be given in {one_target or 'the standard unit'}",
                inputs=("units",),
            )
        )
    other = (failed & number_ok).to_numpy(dtype=bool) & ~no_unit
    if other.any():
        to = target if isinstance(target, pd.Series) else pd.Series(target, index=values.index, dtype=object)
        test = tests if tests is not None else pd.Series(None, index=values.index, dtype=object)
        frame = pd.DataFrame({"t": test.fillna(""), "b": to.fillna("")})[other]
        for (t, b), rows in frame.groupby(["t", "b"], sort=False).groups.items():
            mask = values.index.isin(rows)
            known = table.targets(t or None, b) if b else []
            problems.append(
                Problem(
                    mask,
                    text.astype(str) + " " + units.astype(str),
                    severity="error",
                    kind="no unit conversion",
                    action="left null (the result stays as collected in --ORRES)",
                    message=(f"no conversion of this unit to {b}" if b else "no standard unit for this result")
                    + (f" for test {t}" if t else "")
                    + " in the spec's Unit Conversions sheet"
                    + (f" (units converted to it: {', '.join(known)})" if known else ""),
                    inputs=("units",),
                )
            )
    return problems


def range_indicator(
    numbers: pd.Series,
    low: pd.Series,
    high: pd.Series,
    *,
    texts: pd.Series | None = None,
    implausible: float | None = None,
) -> tuple[pd.Series, list[Problem]]:
    """--NRIND (LOW, NORMAL, HIGH) of standard results against their standard range.

    Null where the result or the whole range is missing (a numeric result without a
    range is a note). A result given as a limit (`texts`: "<0.5", ">1000") is placed
    only when the limit places it: "<x" with x at or below the low limit is LOW, ">x"
    with x at or above the high limit is HIGH; else null (SDTMIG: --NRIND is not
    guessed). A negative result, or (with `implausible`) one above `implausible` times
    the high limit, is an error and left null.
    """
    x = pd.to_numeric(numbers, errors="coerce").astype("float64")
    lo = pd.to_numeric(low, errors="coerce").astype("float64")
    hi = pd.to_numeric(high, errors="coerce").astype("float64")
    out = pd.Series(NULL, index=numbers.index, dtype=object)
    has_range = lo.notna() | hi.notna()
    out[x.notna() & has_range] = "NORMAL"
    out[x.notna() & lo.notna() & (x < lo)] = "LOW"
    out[x.notna() & hi.notna() & (x > hi)] = "HIGH"
    problems = []
    if texts is not None:
        limits = texts.map(lambda v: LIMIT_PATTERN.match(v) if isinstance(v, str) else None)
        sign = limits.map(lambda m: m.group(1) if m else None)
        bound = pd.to_numeric(limits.map(lambda m: m.group(2) if m else None), errors="coerce")
        out[sign.isin(["<", "<="]) & lo.notna() & (bound <= lo)] = "LOW"
        out[sign.isin([">", ">="]) & hi.notna() & (bound >= hi)] = "HIGH"
        x = x.where(sign.isna(), bound)
    no_range = (x.notna() & ~has_range).to_numpy(dtype=bool)
    if no_range.any():
        problems.append(
            Problem(
                no_range,
                numbers.astype(object),
                severity="note",
                kind="no reference range",
                action="--NRIND left null",
                message="a numeric result without a reference range",
                inputs=("low", "high"),
            )
        )
    bad = (x < 0).to_numpy(dtype=bool)
    if implausible is not None:
        bad |= (hi.notna() & (x > implausible * hi)).to_numpy(dtype=bool)
    if bad.any():
        out[bad] = NULL
        problems.append(
            Problem(
                bad,
                numbers.astype(object),
                severity="error",
                kind="implausible result",
                action="--NRIND left null; the result stays as collected",
                message="a negative result"
                + (f", or one above {implausible:g} times the upper limit of normal," if implausible else "")
                + " is not a possible value",
            )
        )
    return out, problems


def decode_ct(
    values: pd.Series, codelist: Codelist, *, paired: Codelist | None = None
) -> tuple[pd.Series, list[Problem]]:
    """The term of `codelist` for each value: the decoded value of the value's term, or,
    for paired codelists (RSTESTCD / RSTEST: `paired` is the values' own codelist), the
    term with the same NCI code (else the same decode). A value without one is an error
    and null; the message names the values' series (`values.name`)."""
    table: dict[str, str | None]
    if paired is not None and paired.id != codelist.id:
        by_code = {t.nci_code: t.term for t in codelist.terms if t.nci_code}
        by_decode = {t.decoded_value: t.term for t in codelist.terms if t.decoded_value}
        table = {
            t.term: by_code.get(t.nci_code or "") or by_decode.get(t.decoded_value or "") or by_decode.get(t.term)
            for t in paired.terms
        }
    else:
        table = {t.term: t.decoded_value for t in codelist.terms}
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # each distinct value decoded once
    decoded = np.array([table.get(u) if isinstance(u, str) else None for u in uniques] + [None], dtype=object)
    out = pd.Series(decoded[codes], index=values.index, dtype=object)
    missing = (values.notna() & out.isna()).to_numpy(dtype=bool)
    problems = []
    if missing.any():
        problems.append(
            Problem(
                missing,
                values,
                severity="error",
                kind="no decode",
                action="left null",
                message=f"{values.name} value has no paired term in codelist {codelist.id}",
                inputs=(),
            )
        )
    return out, problems
