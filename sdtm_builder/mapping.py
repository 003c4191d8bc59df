"""Apply the spec's Mapping sheet: raw rows in, SDTM variables out, lineage kept.

Rules for a dataset are grouped into record sets: one per (form, record), where
`record` is the rule's `record=` parameter (default: the form name). A record set
whose rules say `join=subject` makes no records of its own: its values are
joined, by subject, onto the records of the dataset's other record sets (one
row per subject in the joined form; a second row of a subject is reported and
not used). A record
set's rows are the form's rows that meet every `condition_add` rule of the set;
each other rule computes its variable for those rows (only where its own
Condition holds; a later rule for the same variable overrides an earlier one
where its condition holds). The result keeps the lineage columns (_FORM, _ROW,
_SUBJECT) so every record can be traced to its raw row.

The algorithms (algorithms.py) take plain values; this engine gives each rule
its values: a value-wise algorithm (assign_no_ct, assign_ct, assign_number) runs
once per distinct value of the raw field (FieldValues finds them once per field
for every rule), concat once per distinct combination of its sources; the
problems an algorithm returns are spread back to the raw rows and written to the
issue log with the raw field each came from (`apply_rule`). The Mapping sheet's
own checks (`check_mapping`) and conditions on raw fields (`condition_mask`)
are here too.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from specs.findings import Finding
from specs.mapping_reads import condition_names, resolve
from specs.model import MappingRule, Spec
from specs.workbook import parse_where_text

from .algorithms import (
    CONVERT_AS,
    TEMPLATE,
    Problem,
    UnitTable,
    assign_ct,
    assign_datetime,
    assign_no_ct,
    assign_number,
    concat,
    convert_unit,
    decode_ct,
    hardcode_ct,
    hardcode_no_ct,
    range_indicator,
)
from .dates import distinct_rows
from .issues import IssueLog
from .raw import FORM, LINEAGE, ROW, SUBJECT, FieldValues, RawData, joined_lineage, trimmed

SELECTORS = {"condition_add", "not_submitted"}
Distinct = Callable[[str, pd.Index], tuple[np.ndarray, np.ndarray] | None]


@dataclass(frozen=True)
class _Rule:
    """One Mapping rule run on the rows of its record set that its condition selects."""

    rule: MappingRule
    rows: pd.DataFrame  # the raw rows (text, lineage kept) the rule runs on
    spec: Spec
    issues: IssueLog
    record_set: pd.DataFrame  # the variables mapped so far for every row of the record set
    where: np.ndarray | None  # the record set's rows that are `rows` (None: all of them)
    distinct: Distinct | None  # the raw fields' distinct values, found once per field

    @property
    def mapped(self) -> pd.DataFrame:
        """The variables mapped so far for these rows."""
        return self.record_set if self.where is None else self.record_set[self.where]

    def field_values(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(codes, distinct values trimmed, blank as None, None last for code -1) of a raw field."""
        found = self.distinct(name, self.rows.index) if self.distinct is not None else None
        if found is not None:
            return found
        return _distinct_text(self.rows[name])

    def report(self, problems: list[Problem], fields: dict[str, str | None], codes: np.ndarray | None = None) -> None:
        """Each problem to the issue log, one issue per raw row; `fields` names the raw field of
        each input; `codes` spreads problems found on distinct values to the rows."""
        for problem in problems:
            rows, value = problem.rows, problem.value
            if codes is not None:
                rows, value = rows[codes], pd.Series(value.to_numpy(dtype=object)[codes], dtype=object)
            named = [fields.get(name) for name in problem.inputs]
            field = "+".join(f for f in named if f) or None
            self.issues.add_rows(
                self.rows,
                pd.Series(rows, index=self.rows.index),
                severity=problem.severity,
                kind=problem.kind,
                field=field,
                value=pd.Series(value.to_numpy(dtype=object), index=self.rows.index, dtype=object),
                dataset=self.rule.dataset,
                variable=self.rule.variable,
                action=problem.action,
                message=problem.message,
            )


def given(value: str | None, what: str, rule: MappingRule) -> str:
    """A part of a rule that check_mapping makes sure is there (its field, codelist, value ...)."""
    if value is None:
        raise ValueError(f"{rule.dataset}.{rule.variable}: {rule.algorithm} needs {what}")
    return value


def _distinct_text(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(codes, the distinct values trimmed, blank as None): `cleaned[codes]` is the column;
    the last entry (code -1) is None for null."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    return codes, trimmed(uniques)


def _per_value(ctx: _Rule, fn: Callable[[pd.Series], tuple[pd.Series, list[Problem]]]) -> pd.Series:
    """A value-wise algorithm run once per distinct value of the rule's field, then spread to the rows."""
    codes, cleaned = ctx.field_values(given(ctx.rule.field, "a raw field", ctx.rule))
    values, problems = fn(pd.Series(cleaned, dtype=object))
    ctx.report(problems, {"values": ctx.rule.field}, codes)
    return pd.Series(values.to_numpy()[codes], index=ctx.rows.index, dtype=values.dtype)


def _run_assign_no_ct(ctx: _Rule) -> pd.Series:
    rule = ctx.rule
    return _per_value(
        ctx,
        lambda values: (
            assign_no_ct(
                values,
                extract=rule.parameter("extract"),
                number_text=rule.parameter("number") == "text",
                case=rule.parameter("case"),
            ),
            [],
        ),
    )


def _run_assign_ct(ctx: _Rule) -> pd.Series:
    codelist = ctx.spec.codelist(given(ctx.rule.codelist, "a codelist", ctx.rule))
    return _per_value(ctx, lambda values: assign_ct(values, codelist, crf_values=ctx.rule.parameter("crf_values")))


def _run_assign_number(ctx: _Rule) -> pd.Series:
    return _per_value(ctx, assign_number)


def _run_hardcode_no_ct(ctx: _Rule) -> pd.Series:
    return hardcode_no_ct(ctx.rule.value, ctx.rows.index)


def _run_hardcode_ct(ctx: _Rule) -> pd.Series:
    return hardcode_ct(ctx.rule.value, ctx.rows.index)


def _run_assign_datetime(ctx: _Rule) -> pd.Series:
    rule = ctx.rule
    time_field = rule.parameter("time_field")
    values, problems = assign_datetime(
        ctx.rows[rule.field],
        ctx.rows[time_field] if time_field else None,
        format=rule.parameter("format") or "DD MON YYYY",
        time_format=rule.parameter("time_format") or "HH:MI",
    )
    ctx.report(problems, {"dates": rule.field, "times": time_field})
    return values


def _run_concat(ctx: _Rule) -> pd.Series:
    """concat once per distinct combination of its sources' values (a raw field by the
    numbers of its distinct values; a mapped variable as it is)."""
    template = ctx.rule.value or ""
    names = TEMPLATE.findall(template)
    sources = {name: ctx.mapped[name] if name in ctx.mapped.columns else ctx.field_values(name) for name in names}
    keys = {name: s[0] if isinstance(s, tuple) else s for name, s in sources.items()}
    combination, first = distinct_rows(pd.DataFrame(keys, index=ctx.rows.index, copy=False))
    firsts = {}
    for name, source in sources.items():
        if isinstance(source, tuple):
            codes, cleaned = source
            firsts[name] = pd.Series(cleaned[codes[first]], dtype=object)
        else:
            firsts[name] = source.iloc[first].reset_index(drop=True)
    values = concat(template, firsts) if firsts else pd.Series([template] * len(first), dtype=object)
    return pd.Series(values.to_numpy(dtype=object)[combination], index=ctx.rows.index, dtype=object)


def _run_convert_unit(ctx: _Rule) -> pd.Series:
    rule = ctx.rule
    values = ctx.mapped[rule.parameter("from")]
    if rule.parameter("unit"):
        units = ctx.mapped[rule.parameter("unit")]
    else:
        units = pd.Series(rule.value, index=values.index, dtype=object)
    to = rule.parameter("to")
    test = rule.parameter("test")
    out, problems = convert_unit(
        values,
        units,
        target=ctx.mapped[to] if to else given(rule.value, "a value", rule),
        digits=int(rule.parameter("digits") or "2"),
        form=rule.parameter("as") or "number",
        table=UnitTable.of(ctx.spec.unit_conversions),
        tests=ctx.mapped[test] if test else None,
    )
    if problems and _first_conversion_of(ctx.spec, rule):  # STRESC, STRESN, STRESU of one result: reported once
        value_field = _source_field(ctx, rule.parameter("from")) or rule.parameter("from")
        unit_field = _source_field(ctx, rule.parameter("unit")) or rule.parameter("unit") or value_field
        ctx.report(problems, {"values": value_field, "units": unit_field})
    return out


def _run_range_indicator(ctx: _Rule) -> pd.Series:
    rule, mapped = ctx.rule, ctx.mapped
    text = rule.parameter("text")
    implausible = rule.parameter("implausible")
    out, problems = range_indicator(
        mapped[given(rule.parameter("from"), "from=VARIABLE", rule)],
        mapped[given(rule.parameter("low"), "low=VARIABLE", rule)],
        mapped[given(rule.parameter("high"), "high=VARIABLE", rule)],
        texts=mapped[text] if text else None,
        implausible=float(implausible) if implausible else None,
    )
    value_field = _source_field(ctx, text) or _source_field(ctx, rule.parameter("from"))
    low, high = (_source_field(ctx, rule.parameter(p)) or rule.parameter(p) for p in ("low", "high"))
    ctx.report(problems, {"values": value_field, "low": low, "high": high})
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


def _source_field(ctx: _Rule, variable: str | None, _seen: frozenset[str] = frozenset()) -> str | None:
    """The raw field the Mapping rule of `variable` (same dataset, form and condition, else any condition) reads;
    for a variable converted from another (convert_unit, from=VARIABLE: --STRESN from --ORRES), that one's."""
    if not variable or variable in _seen:
        return None
    of_variable = [
        r for r in ctx.spec.mapping_for(ctx.rule.dataset) if r.variable == variable and r.form == ctx.rule.form
    ]
    for rules in ([r for r in of_variable if r.condition == ctx.rule.condition], of_variable):
        if found := next((r.field for r in rules if r.field), None):
            return found
        converted = next((r.parameter("from") for r in rules if r.algorithm == "convert_unit"), None)
        if converted:
            return _source_field(ctx, converted, _seen | {variable})
    return None


def _run_decode_ct(ctx: _Rule) -> pd.Series:
    rule, spec = ctx.rule, ctx.spec
    source_var = given(rule.parameter("from"), "from=VARIABLE", rule)
    own_id = (
        spec.variable(rule.dataset, source_var).codelist
        if any(v.name == source_var for v in spec.variables_of(rule.dataset))
        else None
    )
    paired = spec.codelist(own_id) if own_id and spec.has_codelist(own_id) else None
    values, problems = decode_ct(
        ctx.mapped[source_var], spec.codelist(given(rule.codelist, "a codelist", rule)), paired=paired
    )
    ctx.report(problems, {})
    return values


def _run_selector(ctx: _Rule) -> pd.Series:
    """condition_add selects the record set's rows (record_rows); not_submitted accounts for
    rows (not_submitted_rows): neither gives a value."""
    return pd.Series(None, index=ctx.rows.index, dtype=object)


# The Mapping sheet's algorithm names and how a rule of each is run
ALGORITHMS: dict[str, Callable[[_Rule], pd.Series]] = {
    "assign_no_ct": _run_assign_no_ct,
    "assign_ct": _run_assign_ct,
    "hardcode_no_ct": _run_hardcode_no_ct,
    "hardcode_ct": _run_hardcode_ct,
    "assign_datetime": _run_assign_datetime,
    "assign_number": _run_assign_number,
    "concat": _run_concat,
    "convert_unit": _run_convert_unit,
    "decode_ct": _run_decode_ct,
    "range_indicator": _run_range_indicator,
    "condition_add": _run_selector,
    "not_submitted": _run_selector,
}


def apply_rule(
    rule: MappingRule,
    rows: pd.DataFrame,
    *,
    spec: Spec,
    issues: IssueLog,
    record_set: pd.DataFrame | None = None,
    where: np.ndarray | None = None,
    distinct: Distinct | None = None,
) -> pd.Series:
    """One Mapping rule's values for `rows` (raw text with lineage), its problems reported.

    record_set: the variables mapped so far for every row of the record set, of
    which `where` selects `rows` (None: all of them); distinct: the raw fields'
    distinct values, when already found (FieldValues.of_rows).
    """
    if record_set is None:
        record_set = pd.DataFrame(index=rows.index)
    return ALGORITHMS[rule.algorithm](_Rule(rule, rows, spec, issues, record_set, where, distinct))


def rule_fields(rule: MappingRule, columns) -> list[str]:
    """The raw fields of `columns` a rule's value is computed from (its condition aside)."""
    names = [rule.field, rule.parameter("time_field")]
    if rule.algorithm == "concat":
        names += TEMPLATE.findall(rule.value or "")
    present = set(columns)
    return [n for n in dict.fromkeys(names) if n and n in present]


# Conditions on raw fields
# ---------------------------------------------------------------------------
def condition_field(columns, cond, form: str) -> str | None:
    """The raw column a condition names (case-insensitive).

    A raw field name may hold a dot (an EDC item prefix, as in `PFX.NAME`):
    the condition reader takes `PFX` for a dataset, so `PFX.NAME` is looked up
    whole when the prefix is not the form itself (specs.mapping_reads.condition_names).
    """
    return resolve(columns, condition_names(cond, form))


def condition_mask(rows: pd.DataFrame, text: str | None, form: str, distinct=None) -> pd.Series:
    """Rows meeting `FIELD EQ value [AND ...]`; every row when there is no condition.

    distinct(field, row labels): the raw field's distinct values for those rows, when
    already found (FieldValues.of_rows), or None.
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
        codes, cleaned = found if found is not None else _distinct_text(rows[field])  # tested once per value
        holds = cond.holds(pd.Series(cleaned, dtype=object).fillna("")).to_numpy(dtype=bool)
        mask &= holds[codes]
    return mask


# ---------------------------------------------------------------------------
# What the Mapping sheet must satisfy before anything runs
# ---------------------------------------------------------------------------
NEEDS_FIELD = {"assign_no_ct", "assign_ct", "assign_datetime", "assign_number"}
NEEDS_CODELIST = {"assign_ct", "hardcode_ct", "decode_ct"}
NEEDS_VALUE = {"hardcode_no_ct", "hardcode_ct", "concat"}


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
        if rule.algorithm == "range_indicator":
            for param in ("from", "low", "high"):
                if not rule.parameter(param):
                    error(rule, "Parameters", f"{name}: range_indicator needs {param}=VARIABLE")
            implausible = rule.parameter("implausible")
            if implausible and not re.fullmatch(r"\d+(\.\d+)?", implausible):
                error(rule, "Parameters", f"{name}: range_indicator implausible={implausible!r} is not a number")
        if rule.algorithm == "convert_unit":
            if rule.value is None and not rule.parameter("to"):
                error(rule, "Value", f"{name}: convert_unit needs a value (the target unit) or to=VARIABLE")
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
        extract = rule.parameter("extract")
        if rule.algorithm == "assign_no_ct" and extract:
            try:
                re.compile(extract)
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


def record_sets(spec: Spec, dataset: str) -> OrderedDict[tuple[str, str], list[MappingRule]]:
    """The dataset's rules by record set: (form, record=) in Mapping-sheet order."""
    groups: OrderedDict[tuple[str, str], list[MappingRule]] = OrderedDict()
    for rule in spec.mapping_for(dataset):
        if rule.algorithm == "not_submitted":
            continue
        form = given(rule.form, "a raw form", rule)
        key = (form, rule.parameter("record") or form)
        groups.setdefault(key, []).append(rule)
    return groups


def record_rows(rows: pd.DataFrame, rules: list[MappingRule], form: str, distinct=None) -> pd.Series:
    """The rows of the form that make records: those meeting every condition_add rule."""
    mask = pd.Series(True, index=rows.index)
    for rule in rules:
        if rule.algorithm == "condition_add":
            mask &= condition_mask(rows, rule.condition, form, distinct)
    return mask


def _map_record_set(
    values: FieldValues, form: str, rules: list[MappingRule], spec: Spec, issues: IssueLog
) -> pd.DataFrame:
    rows = values.raw.form(form)

    def distinct(name: str, labels: pd.Index) -> tuple[np.ndarray, np.ndarray] | None:
        return values.of_rows(form, name, labels)  # each raw field's distinct values, found once for every rule

    keep = record_rows(rows, rules, form, distinct)
    selected = rows if keep.all() else rows[keep]
    mapped = pd.DataFrame(index=selected.index)
    fields: dict[str | None, list[str]] = {}  # by condition: the raw fields its rules read
    for rule in rules:
        if rule.algorithm not in SELECTORS:
            fields.setdefault(rule.condition, [c for c in LINEAGE if c in selected.columns])
            fields[rule.condition] += [
                f for f in rule_fields(rule, selected.columns) if f not in fields[rule.condition]
            ]
    subsets: dict[str | None, tuple[pd.Series, pd.DataFrame]] = {}  # rules often share a condition
    for rule in rules:
        if rule.algorithm in SELECTORS:
            continue
        if rule.condition not in subsets:
            where = condition_mask(selected, rule.condition, form, distinct)
            if where.all():
                subsets[rule.condition] = (where, selected)
            else:  # only the fields the condition's rules read are taken
                subset = pd.DataFrame({f: selected[f] for f in fields[rule.condition]}, copy=False)
                subsets[rule.condition] = (where, subset[where.to_numpy()])
        where, rows = subsets[rule.condition]
        everywhere = rows is selected
        result = apply_rule(
            rule,
            rows,
            spec=spec,
            issues=issues,
            record_set=mapped,
            where=None if everywhere else where.to_numpy(),
            distinct=distinct,
        )
        if everywhere:
            mapped[rule.variable] = (
                result
                if rule.variable in mapped.columns
                else result.astype(result.dtype if result.dtype.kind == "f" else object, copy=False)
            )
        else:
            result = _spread(result, where)
            if rule.variable in mapped.columns:
                mapped[rule.variable] = result.where(where, mapped[rule.variable])
            else:
                mapped[rule.variable] = result.where(where, None).astype(
                    result.dtype if result.dtype.kind == "f" else object
                )
    for col in LINEAGE:
        mapped[col] = selected[col]
    return mapped


def _spread(values: pd.Series, where: pd.Series) -> pd.Series:
    """Values computed for the rows `where` placed on every row (NaN elsewhere):
    values.reindex(where.index) without looking up the labels."""
    if values.dtype.kind not in "fO":
        return values.reindex(where.index)
    out = np.full(len(where), np.nan, dtype=values.dtype)
    out[where.to_numpy()] = values.to_numpy()
    return pd.Series(out, index=where.index)


def map_dataset(
    raw: RawData,
    spec: Spec,
    dataset: str,
    issues: IssueLog,
    joined: list[pd.DataFrame] | None = None,
    exclude: pd.DataFrame | None = None,
    field_values: FieldValues | None = None,
) -> pd.DataFrame:
    """Every record set of `dataset` mapped and stacked, lineage columns kept.

    joined: when given, the (_FORM, _ROW, _DATASET) of every raw row whose values
    were joined onto the records is appended to it, for the reconciliation ledger
    and the field accounting.
    exclude: raw rows (_FORM, _ROW) that are mapped (their problems reported)
    but make no record and join nothing.
    field_values: the raw fields' distinct values, shared by every rule (and
    with whoever else reads the raw fields).
    """
    field_values = field_values or FieldValues(raw)
    frames, joins = [], []
    for (form, _record), rules in record_sets(spec, dataset).items():
        mapped = _map_record_set(field_values, form, rules, spec, issues)
        if exclude is not None and len(exclude):
            drop = mapped[ROW].isin(exclude.loc[exclude[FORM] == form, ROW])
            mapped = mapped[~drop]
        if any(rule.parameter("join") == "subject" for rule in rules):
            joins.append((form, mapped))
        else:
            frames.append(mapped)
    if not frames:
        return pd.DataFrame(columns=list(LINEAGE))
    out = pd.concat(frames, ignore_index=True)
    for form, mapped in joins:
        repeat = mapped.duplicated(SUBJECT, keep="first")
        # a further row that repeats the subject's first row in every joined value says nothing new
        content = [c for c in mapped.columns if c not in (FORM, ROW)]
        agreeing = repeat & mapped[content].astype(object).where(mapped[content].notna(), "\x00").duplicated(
            keep="first"
        )
        repeat = repeat & ~agreeing
        if repeat.any():
            issues.add_rows(
                mapped,
                repeat,
                severity="error",
                kind="repeated row",
                field=None,
                value=None,
                dataset=dataset,
                action="not used",
                message=f"{dataset} takes one row per subject from form {form}; this is a further one",
            )
        if joined is not None:  # with the dataset they were joined to (for the field accounting)
            joined.append(
                mapped.loc[~repeat & mapped[SUBJECT].isin(out[SUBJECT]), [FORM, ROW]].assign(_DATASET=dataset)
            )
        first = mapped[~mapped.duplicated(SUBJECT, keep="first")].set_index(SUBJECT)
        values = first.drop(columns=[FORM, ROW])
        for col in values.columns:
            looked_up = out[SUBJECT].map(values[col])
            taken = looked_up.notna()
            out[col] = looked_up.where(taken, out[col]) if col in out.columns else looked_up
            # the raw row each joined value came from (a SUPP-- record of it points there)
            form_col, row_col = joined_lineage(col)
            out[form_col] = out[SUBJECT].map(first[FORM]).where(taken, out.get(form_col))
            out[row_col] = out[SUBJECT].map(first[ROW]).where(taken, out.get(row_col))
    return out


def not_submitted_rows(raw: RawData, spec: Spec) -> pd.DataFrame:
    """Raw rows the spec marks as deliberately not submitted: _FORM, _ROW, reason.

    A not_submitted rule naming a Field declares that field, not rows (see fields.py).
    """
    frames = []
    for rule in spec.mapping:
        if rule.algorithm != "not_submitted" or rule.field or not rule.form or not raw.has_form(rule.form):
            continue
        rows = raw.form(rule.form)
        selected = rows[condition_mask(rows, rule.condition, rule.form)]
        frames.append(
            pd.DataFrame(
                {
                    "_FORM": selected["_FORM"],
                    "_ROW": selected["_ROW"],
                    "reason": rule.comment or "not submitted per the spec",
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["_FORM", "_ROW", "reason"])
    return pd.concat(frames, ignore_index=True).drop_duplicates(["_FORM", "_ROW"])


def check_fields(raw: RawData, spec: Spec) -> list[str]:
    """Every Mapping rule whose form or field is absent from the raw export (all at once)."""
    problems = []
    for rule in spec.mapping:
        where = f"Mapping row {rule.loc.row}" if rule.loc else "Mapping"
        if not rule.form:
            continue
        if not raw.has_form(rule.form):
            problems.append(
                f"{where} ({rule.dataset}.{rule.variable or rule.algorithm}): form {rule.form!r} "
                f"({rule.form}.csv) is not in the raw export"
            )
            continue
        columns = {c.upper(): c for c in raw.form(rule.form).columns}
        time_field = rule.parameter("time_field")
        fields = [rule.field] if rule.field else []
        fields += [time_field] if time_field else []
        for text in (rule.condition,):
            for cond in (parse_where_text(text, rule.form) or ()) if text else ():
                found = condition_field(raw.form(rule.form).columns, cond, rule.form)
                fields.append(found if found is not None else cond.variable)
        if rule.algorithm == "concat" and rule.value:
            fields += [
                n
                for n in re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", rule.value)
                if n.upper() in columns or not any(r.variable == n for r in spec.mapping_for(rule.dataset))
            ]
        for name in fields:
            if name.upper() not in columns:
                problems.append(
                    f"{where} ({rule.dataset}.{rule.variable or rule.algorithm}): form {rule.form} "
                    f"has no field {name!r}"
                )
    return problems
