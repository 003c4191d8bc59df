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
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

import numpy as np
import pandas as pd

from specs.model import MappingRule, Spec

from .algorithms import ALGORITHMS, RuleInput, condition_field, condition_mask, rule_fields
from .issues import IssueLog
from .raw import FORM, LINEAGE, ROW, SUBJECT, RawData

SELECTORS = {"condition_add", "not_submitted"}


def record_sets(spec: Spec, dataset: str) -> OrderedDict[tuple[str, str], list[MappingRule]]:
    groups: OrderedDict[tuple[str, str], list[MappingRule]] = OrderedDict()
    for rule in spec.mapping_for(dataset):
        if rule.algorithm == "not_submitted":
            continue
        key = (rule.form, rule.parameter("record", rule.form))
        groups.setdefault(key, []).append(rule)
    return groups


def record_rows(rows: pd.DataFrame, rules: list[MappingRule], form: str, distinct=None) -> pd.Series:
    """The rows of the form that make records: those meeting every condition_add rule."""
    mask = pd.Series(True, index=rows.index)
    for rule in rules:
        if rule.algorithm == "condition_add":
            mask &= condition_mask(rows, rule.condition, form, distinct)
    return mask


def _map_record_set(raw: RawData, form: str, rules: list[MappingRule], spec: Spec, issues: IssueLog) -> pd.DataFrame:
    rows = raw.form(form)
    distinct = partial(raw.distinct_of_rows, form)  # each raw field's distinct values, found once for every rule
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
        values = ALGORITHMS[rule.algorithm](
            RuleInput(rows, rule, spec, issues, mapped, None if everywhere else where.to_numpy(), distinct)
        )
        if everywhere:
            mapped[rule.variable] = (
                values
                if rule.variable in mapped.columns
                else values.astype(values.dtype if values.dtype.kind == "f" else object, copy=False)
            )
        else:
            values = _spread(values, where)
            if rule.variable in mapped.columns:
                mapped[rule.variable] = values.where(where, mapped[rule.variable])
            else:
                mapped[rule.variable] = values.where(where, None).astype(
                    values.dtype if values.dtype.kind == "f" else object
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
) -> pd.DataFrame:
    """Every record set of `dataset` mapped and stacked, lineage columns kept.

    joined: when given, the (_FORM, _ROW, _DATASET) of every raw row whose values
    were joined onto the records is appended to it, for the reconciliation ledger
    and the field accounting.
    exclude: raw rows (_FORM, _ROW) that are mapped (their problems reported)
    but make no record and join nothing.
    """
    frames, joins = [], []
    for (form, _record), rules in record_sets(spec, dataset).items():
        mapped = _map_record_set(raw, form, rules, spec, issues)
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
        values = mapped[~mapped.duplicated(SUBJECT, keep="first")].drop(columns=[FORM, ROW]).set_index(SUBJECT)
        for col in values.columns:
            looked_up = out[SUBJECT].map(values[col])
            out[col] = looked_up.where(looked_up.notna(), out[col]) if col in out.columns else looked_up
    return out


def not_submitted_rows(raw: RawData, spec: Spec) -> pd.DataFrame:
    """Raw rows the spec marks as deliberately not submitted: _FORM, _ROW, reason.

    A not_submitted rule naming a Field declares that field, not rows (see fields.py).
    """
    frames = []
    for rule in spec.mapping:
        if rule.algorithm != "not_submitted" or rule.field or not raw.has_form(rule.form):
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
    from specs.workbook import parse_where_text

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
        fields = [rule.field] if rule.field else []
        fields += [rule.parameter("time_field")] if rule.parameter("time_field") else []
        for text in (rule.condition,):
            for cond in (parse_where_text(text, rule.form) or ()) if text else ():
                found = condition_field(raw.form(rule.form).columns, cond, rule.form)
                fields.append(found if found is not None else cond.variable)
        if rule.algorithm == "concat" and rule.value:
            import re

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
