"""Mapping algorithms, named as the spec's Mapping sheet names them.

Each algorithm is a small pure function: it takes the rows of a record set (raw
text), the rule and the spec, and returns one value per row. Problems (a value
outside the codelist, an unreadable date) go to the issue log with the raw
file, subject, row and field; the record is never dropped here.

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
|                 | converted to the unit in Value (cm -> mm, in -> cm, LB -> kg,  |
|                 | F -> C: UNITS); `as=text` gives the number as text, `as=unit`  |
|                 | the unit where the result was converted; `digits=N` rounds a   |
|                 | converted number (default 2); what cannot be converted is an   |
|                 | error and null                                                 |
| decode_ct       | the decode, in the codelist, of an already mapped variable      |
| condition_add   | no value: selects the raw rows that make the record set        |
| not_submitted   | no value: raw rows (of Form, where Condition) deliberately not |
|                 | submitted, with the reason in Comment; with a Field, that raw  |
|                 | field of Form is not submitted (fields.py accounts for fields) |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pandas as pd

from specs.findings import Finding
from specs.model import Codelist, MappingRule, Spec
from specs.workbook import parse_where_text

from .dates import distinct_rows, parse_dates
from .issues import IssueLog
from .raw import trimmed


@dataclass(frozen=True)
class RuleInput:
    rows: pd.DataFrame  # the record set's raw rows (text) with lineage: the fields the rule reads
    rule: MappingRule
    spec: Spec
    issues: IssueLog
    record_set: pd.DataFrame  # the variables mapped so far for every row of the record set
    where: np.ndarray | None = None  # the record set's rows that are `rows` (None: all of them)
    # (field, row labels) -> _distinct_text of the raw field for those rows, computed once per field (or None)
    distinct: Callable[[str, pd.Index], tuple[np.ndarray, np.ndarray] | None] | None = None

    @cached_property
    def mapped(self) -> pd.DataFrame:
        """The variables mapped so far for these rows."""
        return self.record_set if self.where is None else self.record_set[self.where]


def rule_fields(rule: MappingRule, columns) -> list[str]:
    """The raw fields of `columns` a rule's value is computed from (its condition aside)."""
    names = [rule.field, rule.parameter("time_field")]
    if rule.algorithm == "concat":
        names += _TEMPLATE.findall(rule.value or "")
    present = set(columns)
    return [n for n in dict.fromkeys(names) if n and n in present]


Algorithm = Callable[[RuleInput], pd.Series]
ALGORITHMS: dict[str, Algorithm] = {}


def algorithm(name: str):
    def register(fn: Algorithm) -> Algorithm:
        ALGORITHMS[name] = fn
        return fn

    return register


def _text(inp: RuleInput, field: str) -> pd.Series:
    """The raw field trimmed, blank as None (each distinct value handled once)."""
    codes, cleaned = _rows_distinct(inp, field)
    return pd.Series(cleaned[codes], index=inp.rows.index, dtype=object)


def _rows_distinct(inp: RuleInput, field: str) -> tuple[np.ndarray, np.ndarray]:
    """_distinct_text of the rows' field, taken from the raw form's (computed once) where it can."""
    found = inp.distinct(field, inp.rows.index) if inp.distinct is not None else None
    return found if found is not None else _distinct_text(inp.rows[field])


def _distinct_text(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, the distinct values trimmed, blank as None): `cleaned[codes]` is the column;
    the last entry (code -1) is None for null."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes, trimmed(uniques)


def _field(inp: RuleInput) -> str:
    return inp.rule.field  # presence checked when the spec is loaded


@algorithm("assign_no_ct")
def assign_no_ct(inp: RuleInput) -> pd.Series:
    values = _text(inp, _field(inp))
    pattern = inp.rule.parameter("extract")
    if pattern:
        values = extract_text(values, pattern)
    if inp.rule.parameter("number") == "text":
        values = normalise_number_text(values)
    case = (inp.rule.parameter("case") or "").lower()
    if case in ("upper", "lower"):
        values = values.map(lambda v: (v.upper() if case == "upper" else v.lower()) if isinstance(v, str) else v)
    return values


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
    mapped, outside = _codelist_terms(np.append(np.asarray(uniques, dtype=object), None), codelist)
    return pd.Series(mapped[codes], index=values.index, dtype=object), pd.Series(outside[codes], index=values.index)


def _codelist_terms(values: np.ndarray, codelist: Codelist) -> tuple[np.ndarray, np.ndarray]:
    """(the submission value of each value, or the value itself when it is not in the codelist;
    whether it is not in the codelist): a null is None and not outside."""
    lookup = _lookup(codelist)
    terms = [None if v is None else lookup.get(_normal(v)) for v in values]
    mapped = np.array([v if t is None else t for t, v in zip(terms, values, strict=False)], dtype=object)
    outside = np.array([t is None and v is not None for t, v in zip(terms, values, strict=False)], dtype=bool)
    return mapped, outside


@algorithm("assign_ct")
def assign_ct(inp: RuleInput) -> pd.Series:
    codes, cleaned = _rows_distinct(inp, _field(inp))  # every test below on the distinct values
    raw = pd.Series(cleaned[codes], index=inp.rows.index, dtype=object)
    codelist = inp.spec.codelist(inp.rule.codelist)
    terms, outside_distinct = _codelist_terms(cleaned, codelist)
    mapped = pd.Series(terms[codes], index=inp.rows.index, dtype=object)
    outside = pd.Series(outside_distinct[codes], index=inp.rows.index)
    if outside.any():
        extensible = codelist.extensible
        inp.issues.add_rows(
            inp.rows,
            outside,
            severity="warning" if extensible else "error",
            kind="value outside codelist",
            field=inp.rule.field,
            value=raw,
            dataset=inp.rule.dataset,
            variable=inp.rule.variable,
            action="kept as collected" if not extensible else "kept as a new term of the extensible codelist",
            message=f"not a term (or synonym) of codelist {codelist.id}" + (" (extensible)" if extensible else ""),
        )
    answers = inp.rule.parameter("crf_values")
    if answers:
        allowed = {a.strip() for a in answers.split("|")}
        off_distinct = np.array([v is not None and v not in allowed for v in cleaned], dtype=bool) & ~outside_distinct
        off_crf = pd.Series(off_distinct[codes], index=inp.rows.index)
        if off_crf.any():
            inp.issues.add_rows(
                inp.rows,
                off_crf,
                severity="warning",
                kind="value outside the CRF codelist",
                field=inp.rule.field,
                value=raw,
                dataset=inp.rule.dataset,
                variable=inp.rule.variable,
                action=f"mapped to the codelist {codelist.id} term it names",
                message=f"not one of the CRF answers ({' | '.join(sorted(allowed))})",
            )
    return mapped


@algorithm("hardcode_no_ct")
def hardcode_no_ct(inp: RuleInput) -> pd.Series:
    return pd.Series(inp.rule.value, index=inp.rows.index, dtype=object)


@algorithm("hardcode_ct")
def hardcode_ct(inp: RuleInput) -> pd.Series:
    return pd.Series(inp.rule.value, index=inp.rows.index, dtype=object)


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


@algorithm("assign_datetime")
def assign_datetime(inp: RuleInput) -> pd.Series:
    rule = inp.rule
    fmt = rule.parameter("format", "DD MON YYYY")
    time_field = rule.parameter("time_field")
    times = inp.rows[time_field] if time_field else None
    parsed = parse_dates_any(inp.rows[rule.field], fmt, times, rule.parameter("time_format", "HH:MI"))
    if parsed.unreadable.any():
        raw = inp.rows[rule.field].astype(str)
        if time_field:
            raw = raw + " " + inp.rows[time_field].astype(str)
        inp.issues.add_rows(
            inp.rows,
            parsed.unreadable,
            severity="error",
            kind="unreadable date",
            field=rule.field + (f"+{time_field}" if time_field else ""),
            value=raw.str.strip(),
            dataset=rule.dataset,
            variable=rule.variable,
            action="left null (time dropped where only the time was unreadable)",
            message=f"not a date in the form {fmt}"
            + (f" with time {rule.parameter('time_format', 'HH:MI')}" if time_field else ""),
        )
    if parsed.partial.any():
        inp.issues.add_rows(
            inp.rows,
            parsed.partial,
            severity="note",
            kind="partial date",
            field=rule.field,
            value=inp.rows[rule.field],
            dataset=rule.dataset,
            variable=rule.variable,
            action="kept partial (SDTM does not impute)",
            message="date with unknown parts",
        )
    return parsed.iso


def read_numbers(texts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(numbers, not a number, not finite) of texts: a finite number where the text is one,
    NaN elsewhere. 'inf', '-Infinity', 'nan' and '1e999' read as numbers but are not
    results: they are flagged `not finite` (and left NaN); other text that is no
    number is flagged `not a number`. A null is neither."""
    codes, uniques = pd.factorize(pd.Series(np.asarray(texts, dtype=object), dtype=object), use_na_sentinel=True)
    texts = np.append(np.asarray(uniques, dtype=object), None)  # each distinct text read once; null last (code -1)
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


def _report_numbers(inp: RuleInput, values: pd.Series, not_number: pd.Series, not_finite: pd.Series, field) -> None:
    """The results that are not numbers, or not finite ones, each an error naming its raw field."""
    for bad, kind, message in (
        (not_number, "not a number", "expected a number"),
        (not_finite, "not a finite number", "infinity or NaN is not a result; the value stays as collected in --ORRES"),
    ):
        if bad.any():
            inp.issues.add_rows(
                inp.rows,
                bad,
                severity="error",
                kind=kind,
                field=field,
                value=values,
                dataset=inp.rule.dataset,
                variable=inp.rule.variable,
                action="left null",
                message=message,
            )


@algorithm("assign_number")
def assign_number(inp: RuleInput) -> pd.Series:
    codes, cleaned = _rows_distinct(inp, _field(inp))  # each distinct text read once
    numbers, not_number, not_finite = read_numbers(cleaned)
    _report_numbers(
        inp,
        pd.Series(cleaned[codes], index=inp.rows.index, dtype=object),
        pd.Series(not_number[codes], index=inp.rows.index),
        pd.Series(not_finite[codes], index=inp.rows.index),
        inp.rule.field,
    )
    return pd.Series(numbers[codes], index=inp.rows.index, dtype="float64")


_TEMPLATE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")


@algorithm("concat")
def concat(inp: RuleInput) -> pd.Series:
    template = inp.rule.value or ""
    names = _TEMPLATE.findall(template)
    # each source as numbers of its distinct values; a mapped variable as it is
    sources = {name: inp.mapped[name] if name in inp.mapped.columns else _rows_distinct(inp, name) for name in names}
    keys = {name: s[0] if isinstance(s, tuple) else s for name, s in sources.items()}
    # each distinct combination of the values is written once (and shared by its rows)
    combination, first = distinct_rows(pd.DataFrame(keys, index=inp.rows.index, copy=False))
    out = np.full(len(first), "", dtype=object)
    missing = np.zeros(len(first), dtype=bool)
    pos = 0
    for match in _TEMPLATE.finditer(template):
        source = sources[match.group(1)]
        if isinstance(source, tuple):  # (codes, distinct texts): the texts of the combinations' first rows
            codes, cleaned = source
            source = pd.Series(cleaned[codes[first]], dtype=object)
        else:
            source = source.iloc[first]
        missing |= source.isna().to_numpy()
        out = out + template[pos : match.start()] + source.fillna("").astype(str).to_numpy()
        pos = match.end()
    out = out + template[pos:]
    return pd.Series(np.where(missing, None, out)[combination], index=inp.rows.index, dtype=object)


# Units the conversions know: CDISC UNIT submission values (upper case) by dimension, each as
# (factor, offset) to the dimension's base unit: base = value * factor + offset.
UNITS: dict[str, dict[str, tuple[float, float]]] = {
    "length": {
        "UM": (0.001, 0.0),
        "MM": (1.0, 0.0),
        "CM": (10.0, 0.0),
        "M": (1000.0, 0.0),
        "IN": (25.4, 0.0),
        "FT": (304.8, 0.0),
    },
    "mass": {
        "UG": (1e-6, 0.0),
        "MG": (0.001, 0.0),
        "G": (1.0, 0.0),
        "KG": (1000.0, 0.0),
        "LB": (453.59237, 0.0),
        "OZ": (28.349523125, 0.0),
    },
    "volume": {"UL": (0.001, 0.0), "ML": (1.0, 0.0), "DL": (100.0, 0.0), "L": (1000.0, 0.0)},
    "pressure": {"MMHG": (1.0, 0.0), "KPA": (7.50061683, 0.0)},
    "temperature": {"C": (1.0, 0.0), "F": (5.0 / 9.0, -32.0 * 5.0 / 9.0), "K": (1.0, -273.15)},
}
_DIMENSION = {unit: (dimension, scale) for dimension, units in UNITS.items() for unit, scale in units.items()}


def unit_conversion(source: str, target: str) -> Callable[[np.ndarray], np.ndarray] | None:
    """The function taking numbers in `source` to `target` (units as CDISC writes them, any case);
    None when the units are not of one dimension of UNITS (or either is unknown)."""
    a, b = _DIMENSION.get(source.strip().upper()), _DIMENSION.get(target.strip().upper())
    if a is None or b is None or a[0] != b[0]:
        return None
    (fa, oa), (fb, ob) = a[1], b[1]
    return lambda x: (np.asarray(x, dtype="float64") * fa + oa - ob) / fb


def convert_units(values: pd.Series, units: pd.Series, target: str, digits: int = 2) -> tuple[pd.Series, pd.Series]:
    """(numbers in `target` unit, mask of values that could not be converted).

    A value already in the target unit is kept as it is; one in another unit
    of the same dimension is converted and rounded to `digits` decimals; one
    whose unit has no conversion to the target (or no unit), or that is not a
    finite number, is missing and flagged.
    """
    number, _, _ = read_numbers(values.to_numpy(dtype=object))
    number = pd.Series(number, index=values.index, dtype="float64")
    unit = units.map(lambda u: u.strip().upper() if isinstance(u, str) and u.strip() else None)
    to = target.strip().upper()
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    same = unit == to
    out[same] = number[same]
    for source in unit[~same].dropna().unique():
        fn = unit_conversion(source, to)
        if fn is None:
            continue
        rows = unit == source
        out[rows] = np.round(fn(number[rows].to_numpy()), digits)
    failed = values.notna() & out.isna()
    return out, failed


def number_as_text(number: pd.Series) -> pd.Series:
    """Numbers as plain text (no trailing .0), missing as None."""
    return number.map(lambda v: None if pd.isna(v) else format(float(v), ".10g")).astype(object)


CONVERT_AS = ("number", "text", "unit")


@algorithm("convert_unit")
def convert_unit(inp: RuleInput) -> pd.Series:
    """The result `from` in its unit `unit` (mapped variables) in the unit of Value: as a
    number (--STRESN), as text (`as=text`, --STRESC) or the unit itself (`as=unit`,
    --STRESU: Value where the result was converted, null where it could not be).

    Every result that cannot be converted (not a finite number, no unit, a unit
    without conversion to Value) is an error naming the raw field; it is left
    null, never relabelled. Several rules converting the same result (STRESC,
    STRESN, STRESU) report it once, by the first of them.
    """
    rule = inp.rule
    values = inp.mapped[rule.parameter("from")]
    if rule.parameter("unit"):
        units = inp.mapped[rule.parameter("unit")]
    else:
        units = pd.Series(rule.value, index=values.index, dtype=object)
    out, failed = convert_units(values, units, rule.value, int(rule.parameter("digits", "2")))
    if failed.any() and _first_conversion_of(inp.spec, rule):
        _report_conversions(inp, values, units, failed)
    form = rule.parameter("as", "number")
    if form == "text":
        return number_as_text(out)
    if form == "unit":
        return pd.Series(np.where(out.notna(), rule.value, None), index=out.index, dtype=object)
    return out


def _conversion_key(rule: MappingRule) -> tuple:
    return (
        rule.dataset,
        rule.form,
        rule.parameter("record", rule.form),
        rule.condition,
        rule.parameter("from"),
        rule.parameter("unit"),
        rule.value,
    )


def _first_conversion_of(spec: Spec, rule: MappingRule) -> bool:
    """Whether `rule` is the first convert_unit rule of the Mapping sheet that converts its result."""
    key = _conversion_key(rule)
    first = next(
        (r for r in spec.mapping_for(rule.dataset) if r.algorithm == "convert_unit" and _conversion_key(r) == key), rule
    )
    return first == rule


def _source_field(inp: RuleInput, variable: str | None) -> str | None:
    """The raw field the Mapping rule of `variable` (same dataset, form and condition, else any condition) reads."""
    if not variable:
        return None
    rules = [
        r
        for r in inp.spec.mapping_for(inp.rule.dataset)
        if r.variable == variable and r.form == inp.rule.form and r.field
    ]
    same = [r for r in rules if r.condition == inp.rule.condition]
    found = (same or rules)[:1]
    return found[0].field if found else None


def _report_conversions(inp: RuleInput, values: pd.Series, units: pd.Series, failed: pd.Series) -> None:
    rule = inp.rule
    value_field = _source_field(inp, rule.parameter("from")) or rule.parameter("from")
    unit_field = _source_field(inp, rule.parameter("unit")) or rule.parameter("unit") or value_field
    numbers, not_number, not_finite = read_numbers(values.to_numpy(dtype=object))
    number_ok = pd.Series(~(not_number | not_finite), index=values.index)
    text = values.astype(object).where(values.notna(), None)
    _report_numbers(
        inp,
        text,
        failed & pd.Series(not_number, index=values.index),
        failed & pd.Series(not_finite, index=values.index),
        value_field,
    )
    no_unit = failed & number_ok & units.map(lambda u: not (isinstance(u, str) and u.strip()))
    if no_unit.any():
        inp.issues.add_rows(
            inp.rows,
            no_unit,
            severity="error",
            kind="result without unit",
            field=unit_field,
            value=text,
            dataset=rule.dataset,
            variable=rule.variable,
            action="left null",
            message=f"a result needs its unit to be given in {rule.value}",
        )
    other = failed & number_ok & ~no_unit
    if other.any():
        known = (
            sorted(u.lower() if len(u) > 1 else u for u in UNITS[_DIMENSION[rule.value.strip().upper()][0]])
            if rule.value.strip().upper() in _DIMENSION
            else []
        )
        inp.issues.add_rows(
            inp.rows,
            other,
            severity="error",
            kind="no unit conversion",
            field=unit_field,
            value=text.astype(str) + " " + units.astype(str),
            dataset=rule.dataset,
            variable=rule.variable,
            action="left null (the result stays as collected in --ORRES)",
            message=f"no conversion of this unit to {rule.value}"
            + (f" (units converted to it: {', '.join(known)})" if known else ""),
        )


@algorithm("decode_ct")
def decode_ct(inp: RuleInput) -> pd.Series:
    """The term of the rule's codelist paired with the value of `from`.

    Paired codelists (RSTESTCD / RSTEST) share NCI term codes: the value's code
    in its own codelist picks the term. Without codes (or when the rule's
    codelist is the variable's own), the decoded value is returned.
    """
    source_var = inp.rule.parameter("from")
    source = inp.mapped[source_var]
    target = inp.spec.codelist(inp.rule.codelist)
    own_id = (
        inp.spec.variable(inp.rule.dataset, source_var).codelist
        if _has_var(inp.spec, inp.rule.dataset, source_var)
        else None
    )
    if own_id and own_id != target.id and inp.spec.has_codelist(own_id):
        own = inp.spec.codelist(own_id)
        by_code = {t.nci_code: t.term for t in target.terms if t.nci_code}
        by_decode = {t.decoded_value: t.term for t in target.terms if t.decoded_value}
        table = {}
        for t in own.terms:
            table[t.term] = by_code.get(t.nci_code) or by_decode.get(t.decoded_value) or by_decode.get(t.term)
    else:
        table = {t.term: t.decoded_value for t in target.terms}
    codes, uniques = pd.factorize(source, use_na_sentinel=True)  # each distinct value decoded once
    decoded = np.array([table.get(u) if isinstance(u, str) else None for u in uniques] + [None], dtype=object)
    out = pd.Series(decoded[codes], index=source.index, dtype=object)
    missing = source.notna() & out.isna()
    if missing.any():
        inp.issues.add_rows(
            inp.rows,
            missing,
            severity="error",
            kind="no decode",
            field=None,
            value=source,
            dataset=inp.rule.dataset,
            variable=inp.rule.variable,
            action="left null",
            message=f"{source_var} value has no paired term in codelist {target.id}",
        )
    return out


def _has_var(spec: Spec, dataset: str, name: str) -> bool:
    return any(v.name == name for v in spec.variables_of(dataset))


@algorithm("condition_add")
def condition_add(inp: RuleInput) -> pd.Series:  # selects rows; see mapping.record_rows
    return pd.Series(None, index=inp.rows.index, dtype=object)


@algorithm("not_submitted")
def not_submitted(inp: RuleInput) -> pd.Series:  # accounts for rows; see mapping.not_submitted_rows
    return pd.Series(None, index=inp.rows.index, dtype=object)


# ---------------------------------------------------------------------------
# Conditions on raw fields
# ---------------------------------------------------------------------------
def condition_field(columns, cond, form: str) -> str | None:
    """The raw column a condition names (case-insensitive).

    A raw field name may hold a dot (an EDC item prefix, as in `PFX.NAME`):
    the condition reader takes `PFX` for a dataset, so `PFX.NAME` is looked up
    whole when the prefix is not the form itself.
    """
    by_upper = {str(c).upper(): c for c in columns}
    if cond.dataset and cond.dataset != form.upper():
        dotted = by_upper.get(f"{cond.dataset}.{cond.variable}")
        if dotted is not None:
            return dotted
    return by_upper.get(cond.variable)


def condition_mask(rows: pd.DataFrame, text: str | None, form: str, distinct=None) -> pd.Series:
    """Rows meeting `FIELD EQ value [AND ...]`; every row when there is no condition.

    distinct: as RuleInput.distinct, the raw fields' distinct values computed once.
    """
    if not text:
        return pd.Series(True, index=rows.index)
    conditions = parse_where_text(text, form)
    if conditions is None:
        raise ValueError(f"condition {text!r} cannot be read")
    mask = pd.Series(True, index=rows.index)
    for cond in conditions:
        field = condition_field(rows.columns, cond, form)
        if field is None:
            raise KeyError(f"form {form} has no field {cond.variable} (condition {text!r})")
        found = distinct(field, rows.index) if distinct is not None else None
        codes, cleaned = found if found is not None else _distinct_text(rows[field])  # tested on each distinct value
        holds = cond.holds(pd.Series(cleaned, dtype=object).fillna("")).to_numpy(dtype=bool)
        mask &= holds[codes]
    return mask


# ---------------------------------------------------------------------------
# What the Mapping sheet must satisfy before anything runs
# ---------------------------------------------------------------------------
NEEDS_FIELD = {"assign_no_ct", "assign_ct", "assign_datetime", "assign_number"}
NEEDS_CODELIST = {"assign_ct", "hardcode_ct", "decode_ct"}
NEEDS_VALUE = {"hardcode_no_ct", "hardcode_ct", "concat", "convert_unit"}


def check_mapping(spec: Spec) -> list[Finding]:
    """Errors in the Mapping sheet that no run could survive, all at once."""
    out: list[Finding] = []

    def error(rule: MappingRule, column: str, message: str) -> None:
        loc = rule.loc
        out.append(
            Finding("error", "bad-mapping", message, loc.sheet if loc else "Mapping", loc.row if loc else None, column)
        )

    for rule in spec.mapping:
        name = f"{rule.dataset}.{rule.variable}"
        if rule.algorithm not in ALGORITHMS:
            error(
                rule,
                "Algorithm",
                f"{name}: algorithm {rule.algorithm!r} has no implementation (known: {', '.join(sorted(ALGORITHMS))})",
            )
            continue
        if not rule.form:
            error(rule, "Form", f"{name}: no raw form")
        if rule.algorithm in NEEDS_FIELD and not rule.field:
            error(rule, "Field", f"{name}: {rule.algorithm} needs a raw field")
        if rule.algorithm in NEEDS_CODELIST and not rule.codelist:
            error(rule, "Codelist", f"{name}: {rule.algorithm} needs a codelist")
        if rule.algorithm in NEEDS_VALUE and rule.value is None:
            error(rule, "Value", f"{name}: {rule.algorithm} needs a value")
        if rule.algorithm == "decode_ct" and not rule.parameter("from"):
            error(rule, "Parameters", f"{name}: decode_ct needs from=VARIABLE")
        if rule.algorithm == "convert_unit":
            if not rule.parameter("from"):
                error(rule, "Parameters", f"{name}: convert_unit needs from=VARIABLE (and unit=VARIABLE)")
            if rule.parameter("as", "number") not in CONVERT_AS:
                error(
                    rule,
                    "Parameters",
                    f"{name}: convert_unit as={rule.parameter('as')!r} is not one of {', '.join(CONVERT_AS)}",
                )
            if not re.fullmatch(r"\d+", rule.parameter("digits", "2") or ""):
                error(
                    rule,
                    "Parameters",
                    f"{name}: convert_unit digits={rule.parameter('digits')!r} is not a whole number",
                )
        if rule.algorithm == "assign_no_ct" and rule.parameter("extract"):
            try:
                re.compile(rule.parameter("extract"))
            except re.error as exc:
                error(
                    rule,
                    "Parameters",
                    f"{name}: extract={rule.parameter('extract')!r} is not a regular expression ({exc})",
                )
        if rule.algorithm == "hardcode_ct" and rule.codelist and spec.has_codelist(rule.codelist):
            codelist = spec.codelist(rule.codelist)
            if rule.value not in codelist.submission_values and not codelist.extensible:
                error(rule, "Value", f"{name}: {rule.value!r} is not a term of codelist {rule.codelist}")
        if rule.condition and parse_where_text(rule.condition, rule.form or "") is None:
            error(
                rule,
                "Condition",
                f"{name}: condition {rule.condition!r} cannot be read "
                "(write FIELD EQ value, FIELD IN (a, b), joined by AND)",
            )
    return out
