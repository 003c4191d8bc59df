"""Building blocks for rule checks: each factory returns a pure function
check(ctx, name, frame) -> Outcome. The registry CHECKS holds every check a row of
the rule table may name (`check_factory`, `check`); the generic ones are here.

Variables are named as SDTMIG names them: "--SEQ" is resolved to the dataset's
prefix, and "DM.RFSTDTC" is DM's value for the record's subject. A record rule
applies to the records where its `applicable` mask is true (and to none of a
dataset that lacks a variable it needs); it fails on the records where `failing`
is also true.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from .context import Context, blank, dtc_after, dtc_date, filled, number, text
from .model import Hit, Outcome, positions

Check = Callable[[Context, str, pd.DataFrame], Outcome]

# Every check a rule of the table (conformance/rules.toml) may name: name -> a
# factory that takes the row's arguments and returns the check.
CHECKS: dict[str, Callable[..., Check]] = {}


def check_factory(factory: Callable[..., Check]) -> Callable[..., Check]:
    """Register a factory under its name: a rule names it and gives its arguments."""
    if factory.__name__ in CHECKS:
        raise ValueError(f"check {factory.__name__} is registered twice")
    CHECKS[factory.__name__] = factory
    return factory


def check(fn: Check) -> Check:
    """Register a check that takes no arguments under its name."""

    def factory() -> Check:
        return fn

    factory.__name__ = fn.__name__
    check_factory(factory)
    return fn


class Vars:
    """Column access for one dataset: v["--SEQ"], v["DM.RFSTDTC"], v.get(...)."""

    def __init__(self, ctx: Context, name: str, frame: pd.DataFrame):
        self.ctx, self.name, self.frame = ctx, name, frame

    def column(self, variable: str) -> str:
        return self.ctx.var(self.name, variable)

    def present(self, variable: str) -> bool:
        if variable.startswith("DM."):
            dm = self.ctx.dm
            return dm is not None and variable[3:] in dm.columns and "USUBJID" in self.frame.columns
        return self.column(variable) in self.frame.columns

    def __getitem__(self, variable: str) -> pd.Series:
        if variable.startswith("DM."):
            key = ("dm-value", self.name, variable, len(self.frame))
            if key not in self.ctx._cache:
                self.ctx._cache[key] = self.ctx.dm_value(self.frame, variable[3:])
            series = self.ctx._cache[key]
            if series is None:
                raise KeyError(variable)
            return series
        return self.frame[self.column(variable)]

    def date(self, variable: str) -> pd.Series:
        """dtc_date of a variable, computed once per dataset and run."""
        key = ("dtc-date", self.name, variable, len(self.frame))
        if key not in self.ctx._cache:
            self.ctx._cache[key] = dtc_date(self[variable])
        return self.ctx._cache[key]

    def get(self, variable: str) -> pd.Series | None:
        return self[variable] if self.present(variable) else None

    def __len__(self) -> int:
        return len(self.frame)


Mask = Callable[[Vars], pd.Series]


def not_applicable(frame: pd.DataFrame | None) -> Outcome:
    return Outcome(0, 0 if frame is None else len(frame))


def hit(v: Vars, mask, variable: str | None, show: Sequence[str] | None = None, detail=None) -> Hit:
    """A Hit for the records of mask, showing the value of `variable` (or of
    several variables joined, 'A=x; B=y')."""
    rows = positions(mask)
    column = v.column(variable) if variable else None
    if show:
        parts = []
        for s in show:
            series = v.get(s)
            label = s if s.startswith("DM.") else v.column(s)
            vals = text(series).to_numpy()[rows] if series is not None else np.array([""] * len(rows), dtype=object)
            parts.append([f"{label}={x}" for x in vals])
        values = ["; ".join(p) for p in zip(*parts, strict=False)] if parts else None
    elif column is not None and column in v.frame.columns:
        values = v.frame[column].to_numpy()[rows]
    else:
        values = None
    if detail is not None and not isinstance(detail, str):
        detail = np.asarray(detail, dtype=object)[rows] if len(detail) == len(v.frame) else detail
    return Hit(v.name, rows, column, values, detail)


def record_rule(
    needs: Iterable[str],
    failing: Mask,
    variable: str,
    applicable: Mask | None = None,
    show: Sequence[str] | None = None,
    detail: Callable[[Vars], Sequence] | None = None,
):
    """A rule over single records."""
    needs = tuple(needs)

    def check(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
        v = Vars(ctx, name, frame)
        if not all(v.present(n) for n in needs):
            return not_applicable(frame)
        app = applicable(v).fillna(False).astype(bool) if applicable else pd.Series(True, index=frame.index)
        bad = app & failing(v).fillna(False).astype(bool)
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        if bad.any():
            out.hits.append(hit(v, bad, variable, show, detail(v) if detail else None))
        return out

    return check


# ---------------------------------------------------------------------------
# Dataset-level checks (the dataset's variables, not its values)
# ---------------------------------------------------------------------------
@check_factory
def variable_absent(variable: str):
    """Fails when the variable is in the dataset."""

    def check(ctx, name, frame):
        column = ctx.var(name, variable)
        out = Outcome(len(frame), 0)
        if column in frame.columns:
            out.hits.append(Hit(name, None, column, [column]))
        return out

    return check


@check_factory
def variable_requires(if_present: str, then_present: str | Sequence[str], any_of: bool = False):
    """When `if_present` is in the dataset, `then_present` (all, or any_of) must be too."""
    required = (then_present,) if isinstance(then_present, str) else tuple(then_present)

    def check(ctx, name, frame):
        if ctx.var(name, if_present) not in frame.columns:
            return not_applicable(frame)
        columns = [ctx.var(name, r) for r in required]
        have = [c in frame.columns for c in columns]
        ok = any(have) if any_of else all(have)
        out = Outcome(len(frame), 0)
        if not ok:
            missing = [c for c, h in zip(columns, have, strict=False) if not h]
            out.hits.append(
                Hit(name, None, missing[0], [", ".join(missing)], f"{ctx.var(name, if_present)} is present")
            )
        return out

    return check


# ---------------------------------------------------------------------------
# Record-level sugar
# ---------------------------------------------------------------------------
@check_factory
def if_filled_then_filled(if_filled: str, then_filled: str):
    return record_rule(
        (if_filled, then_filled),
        lambda v: blank(v[then_filled]),
        then_filled,
        applicable=lambda v: filled(v[if_filled]),
        show=(if_filled, then_filled),
    )


@check_factory
def if_blank_then_filled(if_blank: str, then_filled: str):
    return record_rule(
        (if_blank, then_filled),
        lambda v: blank(v[then_filled]),
        then_filled,
        applicable=lambda v: blank(v[if_blank]),
        show=(if_blank, then_filled),
    )


@check_factory
def not_both_filled(if_filled: str, then_blank: str):
    return record_rule(
        (if_filled, then_blank),
        lambda v: filled(v[then_blank]),
        then_blank,
        applicable=lambda v: filled(v[if_filled]),
        show=(if_filled, then_blank),
    )


@check_factory
def required_filled(variable: str):
    return record_rule((variable,), lambda v: blank(v[variable]), variable)


@check_factory
def value_in(variable: str, allowed: Iterable[str]):
    allowed = frozenset(allowed)
    return record_rule(
        (variable,), lambda v: ~text(v[variable]).isin(allowed), variable, applicable=lambda v: filled(v[variable])
    )


@check_factory
def value_not_in(variable: str, forbidden: Iterable[str]):
    """The value, in upper case, is none of `forbidden`."""
    forbidden = frozenset(forbidden)
    return record_rule(
        (variable,),
        lambda v: text(v[variable]).str.upper().isin(forbidden),
        variable,
        applicable=lambda v: filled(v[variable]),
    )


@check_factory
def when_value(when: str, values: Iterable[str], then: str, must: str, expected: Iterable[str] = ()):
    """For records where `when` is one of `values`: `then` must be 'filled', 'blank', or one of `expected`."""
    values = frozenset(values)
    expected = frozenset(expected)

    def failing(v):
        if must == "filled":
            return blank(v[then])
        if must == "blank":
            return filled(v[then])
        return ~text(v[then]).isin(expected)

    return record_rule((when, then), failing, then, applicable=lambda v: text(v[when]).isin(values), show=(when, then))


@check_factory
def max_length(variable: str, length: int):
    return record_rule(
        (variable,), lambda v: text(v[variable]).str.len() > length, variable, applicable=lambda v: filled(v[variable])
    )


@check_factory
def pattern(variable: str, regex: str):
    compiled = re.compile(regex)
    return record_rule(
        (variable,),
        lambda v: ~text(v[variable]).map(lambda s: bool(compiled.match(s))),
        variable,
        applicable=lambda v: filled(v[variable]),
    )


@check_factory
def not_negative(variable: str):
    return record_rule(
        (variable,), lambda v: number(v[variable]) < 0, variable, applicable=lambda v: number(v[variable]).notna()
    )


@check_factory
def not_after(earlier: str, later: str):
    """ISO 8601 `earlier` is not later than `later` (compared at the precision both carry)."""
    return record_rule(
        (earlier, later),
        lambda v: dtc_after(v[earlier], v[later]),
        earlier,
        applicable=lambda v: filled(v[earlier]) & filled(v[later]),
        show=(earlier, later),
    )


@check_factory
def equal_values(first: str, second: str):
    """first equals second where both are populated."""
    return record_rule(
        (first, second),
        lambda v: text(v[first]) != text(v[second]),
        first,
        applicable=lambda v: filled(v[first]) & filled(v[second]),
        show=(first, second),
    )


@check_factory
def different_values(first: str, second: str):
    """first differs from second (ignoring case) where both are populated."""
    return record_rule(
        (first, second),
        lambda v: text(v[first]).str.upper() == text(v[second]).str.upper(),
        first,
        applicable=lambda v: filled(v[first]) & filled(v[second]),
        show=(first, second),
    )


# ---------------------------------------------------------------------------
# Group checks
# ---------------------------------------------------------------------------
@check_factory
def one_to_one(first: str, second: str, within: Sequence[str] = ()):
    """Each value of `first` has one value of `second` and the reverse (within groups)."""
    within = tuple(within)

    def check(ctx, name, frame):
        v = Vars(ctx, name, frame)
        if not all(v.present(x) for x in (first, second, *within)):
            return not_applicable(frame)
        app = filled(v[first]) & filled(v[second])
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        if not app.any():
            return out
        data = pd.DataFrame({"a": text(v[first]), "b": text(v[second])})
        for i, w in enumerate(within):
            data[f"w{i}"] = text(v[w])
        data = data[app]
        groups = [f"w{i}" for i in range(len(within))]
        n_b = data.groupby(groups + ["a"])["b"].transform("nunique")
        n_a = data.groupby(groups + ["b"])["a"].transform("nunique")
        bad = pd.Series(False, index=frame.index)
        bad[data.index] = ((n_b > 1) | (n_a > 1)).to_numpy()
        if bad.any():
            out.hits.append(hit(v, bad, first, show=(first, second, *within)))
        return out

    return check


@check_factory
def unique(columns: Sequence[str], by: Sequence[str] = ("USUBJID",), variable: str | None = None):
    """The combination of `columns` is unique within `by` (rows where all are populated)."""
    columns, by = tuple(columns), tuple(by)

    def check(ctx, name, frame):
        v = Vars(ctx, name, frame)
        everything = by + columns
        if not all(v.present(x) for x in everything):
            return not_applicable(frame)
        app = pd.Series(True, index=frame.index)
        for c in columns:
            app &= filled(v[c])
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        data = pd.DataFrame({c: text(v[c]) for c in everything})
        dup = data.duplicated(keep=False) & app
        if dup.any():
            out.hits.append(hit(v, dup, variable or columns[-1], show=everything))
        return out

    return check


@check_factory
def in_reference(
    variable: str,
    reference: str,
    ref_variable: str | None = None,
    applicable: Mask | None = None,
    ref_filter: Callable[[pd.DataFrame], pd.Series] | None = None,
    by_subject: bool = False,
):
    """Each populated value of `variable` is among reference dataset's `ref_variable`
    (by subject too when by_subject). Not applicable when the reference is absent."""
    ref_variable = ref_variable or variable

    def check(ctx, name, frame):
        v = Vars(ctx, name, frame)
        ref = ctx.frame(reference)
        if ref is None or not v.present(variable) or ref_variable not in ref.columns or name == reference:
            return not_applicable(frame)
        if by_subject and ("USUBJID" not in ref.columns or "USUBJID" not in frame.columns):
            return not_applicable(frame)
        app = filled(v[variable])
        if applicable is not None:
            app &= applicable(v).fillna(False).astype(bool)
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        if ref_filter is not None:
            ref = ref[ref_filter(ref).fillna(False).astype(bool)]
        if by_subject:
            known = set(zip(text(ref["USUBJID"]), text(ref[ref_variable]), strict=False))
            keys = pd.Series(list(zip(text(frame["USUBJID"]), text(v[variable]), strict=False)), index=frame.index)
            bad = app & ~keys.isin(known)
        else:
            known = set(text(ref[ref_variable]))
            bad = app & ~text(v[variable]).isin(known)
        if bad.any():
            out.hits.append(hit(v, bad, variable, detail=f"not in {reference}.{ref_variable}"))
        return out

    return check


def subject_has_record(
    reference: str, ref_filter: Callable[[pd.DataFrame], pd.Series] | None, applicable: Mask, variable: str, what: str
):
    """For the records where `applicable`, the subject has a record in `reference`
    (matching ref_filter)."""

    def check(ctx, name, frame):
        v = Vars(ctx, name, frame)
        ref = ctx.frame(reference)
        if ref is None or "USUBJID" not in frame.columns or "USUBJID" not in ref.columns:
            return not_applicable(frame)
        try:
            app = applicable(v).fillna(False).astype(bool)
        except KeyError:
            return not_applicable(frame)
        if ref_filter is not None:
            try:
                ref = ref[ref_filter(ref).fillna(False).astype(bool)]
            except KeyError:
                return not_applicable(frame)
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        bad = app & ~text(frame["USUBJID"]).isin(set(text(ref["USUBJID"])))
        if bad.any():
            out.hits.append(hit(v, bad, variable, detail=f"no {what}"))
        return out

    return check
