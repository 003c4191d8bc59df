"""The spec's pandera schemas (specs.schema.validate_frame) as the check of the CB-SPEC rules.

validate_frame runs once per dataset; each rule (a row of conformance/rules.toml
naming spec_rule with its kind) reports one kind of its failures (a missing
required variable, a null, a type, a codelist term ...), so the spec part of the
report reads like the rest of the catalogue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .checks import check, check_factory, not_applicable
from .model import Hit, Outcome


def _failures(ctx, name, frame) -> pd.DataFrame | None:
    if ctx.spec is None or not ctx.spec.has_dataset(name):
        return None
    key = ("spec-failures", name)
    if key not in ctx._cache:
        from specs.schema import validate_frame

        ctx._cache[key] = validate_frame(frame, ctx.spec, name)
    return ctx._cache[key]


def _kind(spec, dataset: str, row) -> str:
    """The rule a failure of validate_frame belongs to."""
    check = str(row["check"])
    if check == "required column":
        return "required" if spec.variable(dataset, row["variable"]).effective_core == "Req" else "expected"
    if check == "not null":
        return "null"
    if check == "unique keys":
        return "keys"
    if check in ("text type", "numeric type", "whole number", "date or number"):
        return "type"
    if check.startswith("length"):
        return "length"
    if check == "ISO 8601":
        return "iso"
    if check.startswith("codelist"):
        return "codelist-ext" if row["severity"] == "warning" else "codelist"
    return "other"


@check_factory
def spec_rule(kind: str):
    def check(ctx, name, frame):
        failures = _failures(ctx, name, frame)
        if failures is None:
            return not_applicable(frame)
        out = Outcome(len(frame), 0)
        if failures.empty:
            return out
        kinds = failures.apply(lambda row: _kind(ctx.spec, name, row), axis=1)
        mine = failures[kinds == kind]
        if mine.empty:
            return out
        for variable, group in mine.groupby(mine["variable"].astype(str), sort=True):
            rows = group["row"]
            if rows.isna().all():
                out.hits.append(Hit(name, None, variable, [None], str(group["message"].iloc[0])))
                continue
            pos = frame.index.get_indexer(rows.to_numpy())
            keep = pos >= 0
            out.hits.append(
                Hit(
                    name,
                    pos[keep],
                    None if kind == "keys" else variable,
                    group["value"].to_numpy()[keep],
                    list(group["check"].to_numpy()[keep]),
                )
            )
        return out

    return check


@check
def in_spec(ctx, name, frame):
    if ctx.spec is None:
        return not_applicable(frame)
    out = Outcome(1, 0)
    if not ctx.spec.has_dataset(name):
        out.hits.append(Hit(name, None, None, [name], "the dataset is not in the spec"))
    return out


@check
def variables_in_spec(ctx, name, frame):
    if ctx.spec is None or not ctx.spec.has_dataset(name):
        return Outcome(0, len(frame.columns))
    known = {v.name for v in ctx.spec.variables_of(name)}
    out = Outcome(len(frame.columns), 0)
    for col in frame.columns:
        if col not in known:
            out.hits.append(Hit(name, None, str(col), [str(col)], "the variable is not in the spec"))
    return out


@check
def order(ctx, name, frame):
    if ctx.spec is None or not ctx.spec.has_dataset(name):
        return Outcome(0, 1)
    order = [v.name for v in ctx.spec.variables_of(name) if v.name in frame.columns]
    actual = [str(c) for c in frame.columns if c in set(order)]
    out = Outcome(1, 0)
    if actual != order:
        first = next(i for i, (a, b) in enumerate(zip(actual, order, strict=False)) if a != b)
        out.hits.append(Hit(name, None, actual[first], [", ".join(actual)], f"the spec's order is {', '.join(order)}"))
    return out


# ---------------------------------------------------------------------------
# Value-level metadata: a codelist that applies to the records a where clause selects
# ---------------------------------------------------------------------------
_COMPARATORS = {"EQ", "NE", "IN", "NOTIN", "LT", "LE", "GT", "GE"}


def _where_mask(ctx, name, frame, clause) -> np.ndarray | None:
    """Rows the where clause selects (None when it names a variable not in the data or a
    comparator we do not evaluate: the value-level entry is then not applicable)."""
    from .context import text

    mask = np.ones(len(frame), dtype=bool)
    for cond in clause.conditions:
        if (
            (cond.dataset and cond.dataset != name)
            or cond.variable not in frame.columns
            or cond.comparator not in _COMPARATORS
        ):
            return None
        values = text(frame[cond.variable])
        if cond.comparator in ("EQ", "IN"):
            mask &= values.isin(cond.values).to_numpy()
        elif cond.comparator in ("NE", "NOTIN"):
            mask &= ~values.isin(cond.values).to_numpy()
        else:
            from .context import number

            left = number(frame[cond.variable]).to_numpy()
            try:
                right = float(cond.values[0])
            except (IndexError, ValueError):
                return None
            op = {"LT": np.less, "LE": np.less_equal, "GT": np.greater, "GE": np.greater_equal}[cond.comparator]
            with np.errstate(invalid="ignore"):
                mask &= op(left, right)
    return mask


@check_factory
def value_level_codelist(extensible: bool):
    def check(ctx, name, frame):
        spec = ctx.spec
        if spec is None or not spec.has_dataset(name):
            return not_applicable(frame)
        entries = [
            r
            for r in spec.value_level
            if r.dataset == name
            and r.codelist
            and r.variable in frame.columns
            and spec.has_codelist(r.codelist)
            and spec.codelist(r.codelist).extensible == extensible
        ]
        if not entries:
            return not_applicable(frame)
        out = Outcome(0, 0)
        for entry in entries:
            try:
                clause = spec.where_clause(entry.where_clause)
            except KeyError:
                continue
            mask = _where_mask(ctx, name, frame, clause)
            if mask is None:
                continue
            out.checked += int(mask.sum())
            profile_key = ("vl-values", name, entry.variable)
            if profile_key not in ctx._cache:
                from .context import text

                ctx._cache[profile_key] = text(frame[entry.variable]).to_numpy(dtype=object)
            values = ctx._cache[profile_key]
            terms = spec.codelist(entry.codelist).submission_values
            bad = mask & (values != "") & ~pd.Series(values).isin(terms).to_numpy()
            if bad.any():
                rows = np.flatnonzero(bad)
                out.hits.append(
                    Hit(
                        name,
                        rows,
                        entry.variable,
                        values[rows],
                        f"not a term of codelist {entry.codelist} ({'extensible' if extensible else 'closed'}), "
                        f"which applies where {clause.text()}",
                    )
                )
        return out

    return check
