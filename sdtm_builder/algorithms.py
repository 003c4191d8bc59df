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
| assign_number   | the raw field as a number                                      |
| concat          | the rule's Value as a template of {FIELD} or {VARIABLE} names  |
| convert_unit    | a mapped result (`from=VARIABLE`) in its unit (`unit=VARIABLE`)|
|                 | converted to the unit in Value (in -> cm, LB -> kg, F -> C ...);|
|                 | `as=text` gives the number as text, `digits=N` rounds (def. 2) |
| decode_ct       | the decode, in the codelist, of an already mapped variable      |
| condition_add   | no value: selects the raw rows that make the record set        |
| not_submitted   | no value: raw rows (of Form, where Condition) deliberately not |
|                 | submitted, with the reason in Comment                          |
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable

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
    mapped = np.array([v if t is None else t for t, v in zip(terms, values)], dtype=object)
    outside = np.array([t is None and v is not None for t, v in zip(terms, values)], dtype=bool)
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
            inp.rows, outside, severity="warning" if extensible else "error", kind="value outside codelist",
            field=inp.rule.field, value=raw, dataset=inp.rule.dataset, variable=inp.rule.variable,
            action="kept as collected" if not extensible else "kept as a new term of the extensible codelist",
            message=f"not a term (or synonym) of codelist {codelist.id}"
                    + (" (extensible)" if extensible else ""))
    answers = inp.rule.parameter("crf_values")
    if answers:
        allowed = {a.strip() for a in answers.split("|")}
        off_distinct = np.array([v is not None and v not in allowed for v in cleaned], dtype=bool) & ~outside_distinct
        off_crf = pd.Series(off_distinct[codes], index=inp.rows.index)
        if off_crf.any():
            inp.issues.add_rows(
                inp.rows, off_crf, severity="warning", kind="value outside the CRF codelist",
                field=inp.rule.field, value=raw, dataset=inp.rule.dataset, variable=inp.rule.variable,
                action=f"mapped to the codelist {codelist.id} term it names",
                message=f"not one of the CRF answers ({' | '.join(sorted(allowed))})")
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
        parsed = ParsedDates(parsed.iso.where(~take, other.iso), parsed.unreadable & ~take,
                             parsed.partial.where(~take, other.partial))
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
            inp.rows, parsed.unreadable, severity="error", kind="unreadable date",
            field=rule.field + (f"+{time_field}" if time_field else ""), value=raw.str.strip(),
            dataset=rule.dataset, variable=rule.variable,
            action="left null (time dropped where only the time was unreadable)",
            message=f"not a date in the form {fmt}" + (f" with time {rule.parameter('time_format', 'HH:MI')}" if time_field else ""))
    if parsed.partial.any():
        inp.issues.add_rows(
            inp.rows, parsed.partial, severity="note", kind="partial date",
            field=rule.field, value=inp.rows[rule.field], dataset=rule.dataset, variable=rule.variable,
            action="kept partial (SDTM does not impute)", message="date with unknown parts")
    return parsed.iso


@algorithm("assign_number")
def assign_number(inp: RuleInput) -> pd.Series:
    codes, cleaned = _rows_distinct(inp, _field(inp))  # each distinct text read once
    numbers = pd.to_numeric(pd.Series(cleaned, dtype=object), errors="coerce").astype("float64").to_numpy()
    bad = pd.Series((pd.notna(cleaned) & np.isnan(numbers))[codes], index=inp.rows.index)
    if bad.any():
        inp.issues.add_rows(inp.rows, bad, severity="error", kind="not a number", field=inp.rule.field,
                            value=pd.Series(cleaned[codes], index=inp.rows.index, dtype=object),
                            dataset=inp.rule.dataset, variable=inp.rule.variable,
                            action="left null", message="expected a number")
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
        out = out + template[pos:match.start()] + source.fillna("").astype(str).to_numpy()
        pos = match.end()
    out = out + template[pos:]
    return pd.Series(np.where(missing, None, out)[combination], index=inp.rows.index, dtype=object)


# Unit conversions between CDISC UNIT terms: (from, to) -> function. Keys are upper case.
UNIT_CONVERSIONS: dict[tuple[str, str], Callable[[float], float]] = {
    ("IN", "CM"): lambda x: x * 2.54,
    ("CM", "IN"): lambda x: x / 2.54,
    ("M", "CM"): lambda x: x * 100.0,
    ("CM", "M"): lambda x: x / 100.0,
    ("LB", "KG"): lambda x: x * 0.45359237,
    ("KG", "LB"): lambda x: x / 0.45359237,
    ("G", "KG"): lambda x: x / 1000.0,
    ("KG", "G"): lambda x: x * 1000.0,
    ("F", "C"): lambda x: (x - 32.0) * 5.0 / 9.0,
    ("C", "F"): lambda x: x * 9.0 / 5.0 + 32.0,
    ("KPA", "MMHG"): lambda x: x * 7.50061683,
    ("MMHG", "KPA"): lambda x: x / 7.50061683,
}


def convert_units(values: pd.Series, units: pd.Series, target: str, digits: int = 2) -> tuple[pd.Series, pd.Series]:
    """(numbers in `target` unit, mask of values that could not be converted).

    A value already in the target unit is kept; a value whose unit has no
    conversion to the target, or that is not a number, is missing and flagged.
    """
    number = pd.to_numeric(values, errors="coerce").astype("float64")
    unit = units.map(lambda u: u.strip().upper() if isinstance(u, str) else None)
    to = target.strip().upper()
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    same = unit == to
    out[same] = number[same]
    for source in unit[~same].dropna().unique():
        fn = UNIT_CONVERSIONS.get((source, to))
        if fn is None:
            continue
        rows = unit == source
        out[rows] = fn(number[rows])
    out = out.round(digits)
    failed = values.notna() & out.isna()
    return out, failed


def number_as_text(number: pd.Series) -> pd.Series:
    """Numbers as plain text (no trailing .0), missing as None."""
    return number.map(lambda v: None if pd.isna(v) else format(float(v), ".10g")).astype(object)


@algorithm("convert_unit")
def convert_unit(inp: RuleInput) -> pd.Series:
    rule = inp.rule
    values = inp.mapped[rule.parameter("from")]
    units = inp.mapped[rule.parameter("unit")] if rule.parameter("unit") else pd.Series(rule.value, index=values.index)
    out, failed = convert_units(values, units, rule.value, int(rule.parameter("digits", "2")))
    if failed.any():
        inp.issues.add_rows(inp.rows, failed, severity="error", kind="no unit conversion", field=None,
                            value=values.astype(str) + " " + units.astype(str), dataset=rule.dataset,
                            variable=rule.variable, action="left null",
                            message=f"no conversion of this value and unit to {rule.value}")
    return number_as_text(out) if rule.parameter("as") == "text" else out


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
    own_id = inp.spec.variable(inp.rule.dataset, source_var).codelist if _has_var(inp.spec, inp.rule.dataset, source_var) else None
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
        inp.issues.add_rows(inp.rows, missing, severity="error", kind="no decode", field=None, value=source,
                            dataset=inp.rule.dataset, variable=inp.rule.variable, action="left null",
                            message=f"{source_var} value has no paired term in codelist {target.id}")
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
        out.append(Finding("error", "bad-mapping", message, loc.sheet if loc else "Mapping",
                           loc.row if loc else None, column))

    for rule in spec.mapping:
        name = f"{rule.dataset}.{rule.variable}"
        if rule.algorithm not in ALGORITHMS:
            error(rule, "Algorithm", f"{name}: algorithm {rule.algorithm!r} has no implementation "
                                     f"(known: {', '.join(sorted(ALGORITHMS))})")
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
        if rule.algorithm == "convert_unit" and not rule.parameter("from"):
            error(rule, "Parameters", f"{name}: convert_unit needs from=VARIABLE (and unit=VARIABLE)")
        if rule.algorithm == "assign_no_ct" and rule.parameter("extract"):
            try:
                re.compile(rule.parameter("extract"))
            except re.error as exc:
                error(rule, "Parameters", f"{name}: extract={rule.parameter('extract')!r} is not a regular expression ({exc})")
        if rule.algorithm == "hardcode_ct" and rule.codelist and spec.has_codelist(rule.codelist):
            codelist = spec.codelist(rule.codelist)
            if rule.value not in codelist.submission_values and not codelist.extensible:
                error(rule, "Value", f"{name}: {rule.value!r} is not a term of codelist {rule.codelist}")
        if rule.condition and parse_where_text(rule.condition, rule.form or "") is None:
            error(rule, "Condition", f"{name}: condition {rule.condition!r} cannot be read "
                                     "(write FIELD EQ value, FIELD IN (a, b), joined by AND)")
    return out
