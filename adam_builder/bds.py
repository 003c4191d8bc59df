"""Derivations of any findings BASIC DATA STRUCTURE dataset (labs, vital signs, ECG ...), as admiral.

    adlb = (lb.pipe(derive_vars_param_lookup, source="LBTESTCD", lookup=PARAMS)
              .pipe(derive_vars_dt, new_prefix="A", dtc="LBDTC")
              .pipe(derive_vars_avisit, baseline_pattern="SCREEN")
              .pipe(derive_var_ontrtfl, filter_pre_timepoint={"AVISIT": "Baseline"})
              .pipe(derive_var_anrind)
              .pipe(derive_var_base_flag, by=["USUBJID", "PARAMCD"], order=["ADT", "VISITNUM", "LBSEQ"])
              .pipe(derive_var_base, by=["USUBJID", "PARAMCD"])
              .pipe(derive_var_chg, where={"AVISITN": {">": 0}})
              .pipe(derive_extreme_records, by=["USUBJID", "PARAMCD"], order=["desc(AVAL)", "ADT"],
                    where={"ONTRTFL": "Y"}, set_values={"DTYPE": "MAXIMUM", "AVISITN": 9998}))

A ``where`` filter (admiral's restrict_derivation / filter arguments) is written as literals,
every condition of it holding: ``{"AVISIT": "Baseline"}`` (equal), ``{"PARAMCD": ["SYSBP",
"DIABP"]}`` (one of), ``{"AVISITN": {">": 0}}`` (an operator: ``=``, ``!=``, ``<``, ``<=``,
``>``, ``>=``, ``in``, ``not in``, ``present``: True for a value, False for a null). A null
never satisfies a comparison. An ``order`` lists columns, ``desc(X)`` for descending; nulls
sort last.

Computed values (BMI, MAP, BSA) come from a small table of named formulas (``FORMULAS``):
nothing written in a spec is evaluated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from specs.model import Spec

from .common import NONE, AdamInputError, assert_columns, decode_map, derive_vars_param, fresh
from .registry import Derivation, columns_of, param_token, record_date

# -- filters and orders written as literals -----------------------------------------------

_OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "in", "not in", "present")


def where_columns(where: Mapping[str, Any] | None) -> list[str]:
    """The columns a ``where`` filter reads."""
    return list(where or {})


def where_required(where: Mapping[str, Any] | None) -> list[str]:
    """The columns a ``where`` filter needs to exist: those of its conditions other than
    ``{"present": ...}`` alone (a column not there yet holds no value)."""
    return [c for c, cond in (where or {}).items() if not (isinstance(cond, Mapping) and set(cond) == {"present"})]


def compute_where(frame: pd.DataFrame, where: Mapping[str, Any] | None, *, dataset: str) -> pd.Series:
    """The records of ``frame`` satisfying every condition of ``where`` (all when None)."""
    keep = pd.Series(True, index=frame.index)
    if not where:
        return keep
    if not isinstance(where, Mapping):
        raise AdamInputError(f"{dataset}: a where filter is a dict of column: condition, not {where!r}")
    # a column not there yet holds no value: {"present": False} is every record (DTYPE before any
    # derived record exists), {"present": True} none; any other condition on it is an error
    absent = {
        c
        for c, cond in where.items()
        if c not in frame.columns and isinstance(cond, Mapping) and set(cond) == {"present"}
    }
    assert_columns(frame, [c for c in where if c not in absent], dataset=dataset)
    for column, condition in where.items():
        if column in absent:
            keep &= pd.Series(not condition["present"], index=frame.index)
            continue
        values = frame[column]
        tests = (
            condition if isinstance(condition, Mapping) else {"in" if isinstance(condition, list) else "=": condition}
        )
        for op, value in tests.items():
            if op not in _OPERATORS:
                raise AdamInputError(
                    f"{dataset}: where {column}: unknown operator {op!r} (one of {', '.join(_OPERATORS)})"
                )
            present = values.notna()
            if op == "present":
                keep &= present if value else ~present
            elif op in ("in", "not in"):
                inside = values.isin(list(value if isinstance(value, (list, tuple)) else [value]))
                keep &= present & (inside if op == "in" else ~inside)
            else:
                compare = {
                    "=": values.eq,
                    "!=": values.ne,
                    "<": values.lt,
                    "<=": values.le,
                    ">": values.gt,
                    ">=": values.ge,
                }[op]
                try:
                    keep &= present & compare(value).fillna(False).astype(bool)
                except TypeError:
                    raise AdamInputError(
                        f"{dataset}: where {column} {op} {value!r}: the column's values cannot be compared with it"
                    ) from None
    return keep


_DESC = re.compile(r"^desc\((\w+)\)$")


def parse_order(order: list[str] | tuple[str, ...] | str) -> tuple[list[str], list[bool]]:
    """Columns and ascending flags of an ``order`` (``desc(X)`` descending)."""
    items = [order] if isinstance(order, str) else list(order)
    columns, ascending = [], []
    for item in items:
        match = _DESC.match(item.strip())
        columns.append(match.group(1) if match else item.strip())
        ascending.append(match is None)
    return columns, ascending


def order_columns(order: Any) -> list[str]:
    return parse_order(order)[0] if order else []


def _sorted(frame: pd.DataFrame, by: list[str], order: Any) -> pd.DataFrame:
    columns, ascending = parse_order(order or [])
    return frame.sort_values(
        [*by, *columns], ascending=[True] * len(by) + ascending, kind="mergesort", na_position="last"
    )


def _as_list(value: str | list[str] | tuple[str, ...]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_datetime(frame[column], errors="coerce")


def _numbers(frame: pd.DataFrame, column: str, *, dataset: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = frame[column].notna() & values.isna()
    if bad.any():
        shown = ", ".join(map(repr, dict.fromkeys(frame.loc[bad, column].head(3))))
        raise AdamInputError(f"{dataset}.{column}: values that are not numbers: {shown}")
    return values.astype("float64")


def _signif(values: pd.Series, digits: int) -> pd.Series:
    """``values`` rounded to ``digits`` significant digits (admiral's signif_dig)."""
    array = values.to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        magnitude = np.where(
            (array == 0) | np.isnan(array), 0, np.floor(np.log10(np.abs(np.where(array == 0, 1, array))))
        )
    decimals = (digits - 1 - magnitude).astype(int)
    # each distinct value rounded once (Python's correctly rounded round, as R's signif)
    codes, uniques = pd.factorize(pd.Series(array), use_na_sentinel=True)
    first = pd.Series(np.arange(len(codes))).groupby(codes).first()
    first = first[first.index >= 0]
    rounded = np.array([round(v, int(decimals[i])) for v, i in zip(uniques, first.to_numpy(), strict=True)] + [np.nan])
    return pd.Series(rounded[codes], index=values.index, dtype="float64")


# -- reference ranges -----------------------------------------------------------------------


def derive_var_anrind(
    frame: pd.DataFrame,
    *,
    new_var: str = "ANRIND",
    aval: str = "AVAL",
    low: str = "ANRLO",
    high: str = "ANRHI",
    use_a1hia1lo: bool = False,
    a1lo: str = "A1LO",
    a1hi: str = "A1HI",
    signif_dig: int = 15,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """The reference range indicator (admiral derive_var_anrind).

    NORMAL when ``low`` <= AVAL <= ``high``, or AVAL >= ``low`` with no ``high``, or AVAL <=
    ``high`` with no ``low``; LOW when AVAL < ``low``; HIGH when AVAL > ``high``. With
    ``use_a1hia1lo``, LOW LOW below A1LO and HIGH HIGH above A1HI. Null when AVAL is null or
    no bound applies. Values are compared at ``signif_dig`` significant digits."""
    columns = [aval, low, high, *([a1lo, a1hi] if use_a1hia1lo else [])]
    assert_columns(frame, columns, dataset=dataset)
    value, lo, hi = (_signif(_numbers(frame, c, dataset=dataset), signif_dig) for c in (aval, low, high))
    normal = ((value >= lo) & (value <= hi) | (value >= lo) & hi.isna() | (value <= hi) & lo.isna()) & value.notna()
    conditions = [normal]
    choices = ["NORMAL"]
    if use_a1hia1lo:
        lo1, hi1 = (_signif(_numbers(frame, c, dataset=dataset), signif_dig) for c in (a1lo, a1hi))
        conditions += [
            (value < lo) & (lo1.isna() | (value >= lo1)),
            (value > hi) & (hi1.isna() | (value <= hi1)),
            value < lo1,
            value > hi1,
        ]
        choices += ["LOW", "HIGH", "LOW LOW", "HIGH HIGH"]
    else:
        conditions += [value < lo, value > hi]
        choices += ["LOW", "HIGH"]
    out = frame.pipe(fresh)
    out[new_var] = np.select([c.to_numpy(dtype=bool) for c in conditions], choices, default=NONE).astype(object)
    return out


# -- baseline ------------------------------------------------------------------------------


def derive_var_base_flag(
    frame: pd.DataFrame,
    *,
    by: list[str],
    new_var: str = "ABLFL",
    date: str = "ADT",
    reference: str = "TRTSDT",
    source: str = "AVAL",
    order: list[str] | None = None,
    where: Mapping[str, Any] | None = None,
    from_flag: str | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """The baseline record flag: 'Y' on the last record per ``by`` in ``order`` (default: the
    ``date``) among the records with ``source`` present and ``date`` on or before ``reference``
    that satisfy ``where`` (admiral derive_var_extreme_flag, mode "last", as the ADaM templates
    call it). With ``from_flag`` (an SDTM flag such as LBLOBXFL or VSBLFL), 'Y' where that flag
    is 'Y' among the ``where`` records instead; more than one such record per ``by`` is an error.
    Other records are null."""
    by = _as_list(by)
    keep = compute_where(frame, where, dataset=dataset)
    out = frame.pipe(fresh)
    if from_flag is not None:
        assert_columns(frame, [*by, from_flag], dataset=dataset)
        flagged = keep & frame[from_flag].eq("Y")
        twice = frame[flagged].duplicated(subset=by, keep=False)
        if twice.any():
            groups = frame[flagged][twice][by].drop_duplicates().head(3).to_dict("records")
            raise AdamInputError(f"{dataset}: {from_flag} is 'Y' on more than one record per {', '.join(by)}: {groups}")
        out[new_var] = np.where(flagged.to_numpy(), "Y", NONE).astype(object)
        return out
    order = order or [date]
    assert_columns(frame, dict.fromkeys([*by, date, reference, source, *order_columns(order)]), dataset=dataset)
    when, ref = _dates(frame, date), _dates(frame, reference)
    keep &= frame[source].notna() & when.notna() & ref.notna() & (when <= ref)
    pick = _sorted(frame[keep], by, order).groupby(by, sort=False, dropna=False).tail(1)
    out[new_var] = np.where(out.index.isin(pick.index), "Y", NONE).astype(object)
    return out


def derive_var_base(
    frame: pd.DataFrame,
    *,
    by: list[str],
    source: str = "AVAL",
    new_var: str = "BASE",
    flag: str = "ABLFL",
    dataset: str = "dataset",
) -> pd.DataFrame:
    """``new_var``: the ``source`` value of the record flagged 'Y' by ``flag`` in each ``by``
    group, on every record of the group (BASE from AVAL, BASEC from AVALC, BNRIND from ANRIND,
    BTOXGRL from ATOXGRL ...; admiral derive_var_base). Null where the group has no flagged
    record; more than one flagged record per group is an error."""
    by = _as_list(by)
    assert_columns(frame, [*by, source, flag], dataset=dataset)
    base = frame.loc[frame[flag].eq("Y"), [*by, source]]
    twice = base.duplicated(subset=by, keep=False)
    if twice.any():
        groups = base.loc[twice, by].drop_duplicates().head(3).to_dict("records")
        raise AdamInputError(f"{dataset}: more than one {flag} = 'Y' record per {', '.join(by)}: {groups}")
    merged = frame[by].merge(base.rename(columns={source: "__base"}), on=by, how="left", validate="many_to_one")
    out = frame.pipe(fresh)
    values = merged["__base"].to_numpy()
    out[new_var] = (
        values
        if pd.api.types.is_numeric_dtype(merged["__base"])
        else np.where(pd.isna(values), NONE, values).astype(object)
    )
    return out


def derive_var_chg(
    frame: pd.DataFrame,
    *,
    new_var: str = "CHG",
    aval: str = "AVAL",
    base: str = "BASE",
    where: Mapping[str, Any] | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """Change from baseline, AVAL - BASE, where both are present (admiral derive_var_chg: the
    baseline record too, where it is 0). ``where`` restricts it (the ADaM templates:
    ``{"AVISITN": {">": 0}}``, post-baseline visits only); other records are null."""
    assert_columns(frame, [aval, base, *where_required(where)], dataset=dataset)
    keep = compute_where(frame, where, dataset=dataset)
    change = _numbers(frame, aval, dataset=dataset) - _numbers(frame, base, dataset=dataset)
    out = frame.pipe(fresh)
    out[new_var] = change.where(keep)
    return out


def derive_var_pchg(
    frame: pd.DataFrame,
    *,
    new_var: str = "PCHG",
    aval: str = "AVAL",
    base: str = "BASE",
    where: Mapping[str, Any] | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """Percent change from baseline, (AVAL - BASE) / |BASE| * 100; null where BASE is 0 or
    either is null (admiral derive_var_pchg). ``where`` as derive_var_chg."""
    assert_columns(frame, [aval, base, *where_required(where)], dataset=dataset)
    keep = compute_where(frame, where, dataset=dataset)
    value, reference = _numbers(frame, aval, dataset=dataset), _numbers(frame, base, dataset=dataset)
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = (value - reference) / reference.abs() * 100
    out = frame.pipe(fresh)
    out[new_var] = percent.where(keep & reference.ne(0))
    return out


def derive_var_analysis_ratio(
    frame: pd.DataFrame,
    *,
    numer_var: str = "AVAL",
    denom_var: str = "BASE",
    new_var: str | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """``numer_var`` / ``denom_var`` as ``new_var`` (default R2 + the denominator: R2BASE,
    R2ANRLO, R2ANRHI); null where the denominator is 0 or either is null (admiral
    derive_var_analysis_ratio)."""
    assert_columns(frame, [numer_var, denom_var], dataset=dataset)
    numer, denom = _numbers(frame, numer_var, dataset=dataset), _numbers(frame, denom_var, dataset=dataset)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = numer / denom
    out = frame.pipe(fresh)
    out[new_var or f"R2{denom_var}"] = ratio.where(denom.ne(0))
    return out


def _shift_text(value: Any, missing: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def derive_var_shift(
    frame: pd.DataFrame,
    *,
    new_var: str = "SHIFT1",
    from_var: str = "BNRIND",
    to_var: str = "ANRIND",
    missing_value: str = "NULL",
    sep_val: str = " to ",
    where: Mapping[str, Any] | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """``from_var`` ``sep_val`` ``to_var`` ('NORMAL to HIGH'; a null as ``missing_value``: 'NULL
    to LOW'); a whole number shows without decimals ('0 to 1'); ``where`` restricts it (admiral
    derive_var_shift with restrict_derivation); other records are null."""
    assert_columns(frame, [from_var, to_var, *where_required(where)], dataset=dataset)
    keep = compute_where(frame, where, dataset=dataset).to_numpy()
    texts = [
        f"{_shift_text(a, missing_value)}{sep_val}{_shift_text(b, missing_value)}" if ok else None
        for a, b, ok in zip(
            frame[from_var].to_numpy(dtype=object), frame[to_var].to_numpy(dtype=object), keep, strict=True
        )
    ]
    out = frame.pipe(fresh)
    out[new_var] = pd.Series(texts, index=frame.index, dtype=object)
    return out


# -- timing --------------------------------------------------------------------------------


def derive_var_ontrtfl(
    frame: pd.DataFrame,
    *,
    new_var: str = "ONTRTFL",
    start_date: str = "ADT",
    end_date: str | None = None,
    ref_start_date: str = "TRTSDT",
    ref_end_date: str | None = "TRTEDT",
    ref_end_window: int = 0,
    filter_pre_timepoint: Mapping[str, Any] | None = None,
    span_period: bool = False,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """The on-treatment flag (admiral derive_var_ontrtfl), 'Y' or null.

    'Y' when ``ref_start_date`` <= ``start_date`` <= ``ref_end_date`` + ``ref_end_window`` days
    (no upper bound when ``ref_end_date`` is None or null); when ``start_date`` is null and
    ``ref_start_date`` is not (and ``end_date``, if given, is null or on or after the reference
    start); with ``span_period``, also when the record starts before the reference start and ends
    on or after it (or has no end). Never when ``ref_start_date`` is null, when ``end_date`` is
    before it, or when ``start_date`` equals it on a record of ``filter_pre_timepoint`` (e.g. a
    pre-dose baseline drawn on the first dose day)."""
    columns = [start_date, ref_start_date, *([end_date] if end_date else []), *([ref_end_date] if ref_end_date else [])]
    assert_columns(frame, [*columns, *where_required(filter_pre_timepoint)], dataset=dataset)
    start, ref_start = _dates(frame, start_date), _dates(frame, ref_start_date)
    ref_end = (
        _dates(frame, ref_end_date) + pd.Timedelta(days=ref_end_window)
        if ref_end_date
        else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    )
    end = _dates(frame, end_date) if end_date else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    before_end = ref_end.isna() | (start <= ref_end)
    on = (start >= ref_start) & before_end
    on |= start.isna()
    if span_period:
        on |= (start < ref_start) & before_end & (end.isna() | (end >= ref_start))
    on &= ref_start.notna()
    on &= ~(end.notna() & (end < ref_start))
    if filter_pre_timepoint:
        on &= ~(compute_where(frame, filter_pre_timepoint, dataset=dataset) & (start == ref_start))
    out = frame.pipe(fresh)
    out[new_var] = np.where(on.to_numpy(dtype=bool), "Y", NONE).astype(object)
    return out


def derive_vars_avisit(
    frame: pd.DataFrame,
    *,
    visit: str = "VISIT",
    visitnum: str = "VISITNUM",
    baseline_pattern: str | None = None,
    baseline_label: str = "Baseline",
    baseline_number: float = 0,
    exclude_pattern: str | None = None,
    number_from: str = "visitnum",
    dataset: str = "dataset",
) -> pd.DataFrame:
    """AVISIT and AVISITN from the visit.

    AVISIT is ``visit`` in title case ('WEEK 2' -> 'Week 2'); ``baseline_label`` where ``visit``
    matches the regular expression ``baseline_pattern`` (e.g. 'SCREEN'); null where it matches
    ``exclude_pattern`` (e.g. 'UNSCHED|RETRIEVAL'). AVISITN is ``baseline_number`` on the
    baseline label, else ``visitnum`` (``number_from="visitnum"``) or the number after 'WEEK' in
    ``visit`` (``number_from="week"``: 'WEEK 12' -> 12, others null); null where AVISIT is."""
    if number_from not in ("visitnum", "week"):
        raise AdamInputError(f"{dataset}: number_from {number_from!r} is not 'visitnum' or 'week'")
    assert_columns(frame, [visit, *([visitnum] if number_from == "visitnum" else [])], dataset=dataset)
    names = frame[visit].astype(object)
    present = names.notna()
    label = names.where(present, "").astype(str).str.strip().str.title()
    if baseline_pattern:
        label = label.where(
            ~names.where(present, "").astype(str).str.contains(baseline_pattern, regex=True), baseline_label
        )
    excluded = (
        names.where(present, "").astype(str).str.contains(exclude_pattern, regex=True)
        if exclude_pattern
        else pd.Series(False, index=frame.index)
    )
    excluded &= label.ne(baseline_label)
    keep = present & ~excluded & label.ne("")
    if number_from == "visitnum":
        number = _numbers(frame, visitnum, dataset=dataset)
    else:
        number = pd.to_numeric(
            names.where(present, "").astype(str).str.extract(r"^\s*WEEK\s*(-?\d+(?:\.\d+)?)\s*$", flags=re.I)[0],
            errors="coerce",
        )
    number = number.where(label.ne(baseline_label), float(baseline_number))
    out = frame.pipe(fresh)
    out["AVISIT"] = np.where(keep.to_numpy(), label.to_numpy(dtype=object), NONE).astype(object)
    out["AVISITN"] = number.where(keep).astype("float64")
    return out


# -- flags and records -----------------------------------------------------------------------


def derive_var_anl_flag(
    frame: pd.DataFrame,
    *,
    by: list[str],
    order: list[str],
    new_var: str = "ANL01FL",
    mode: str = "last",
    where: Mapping[str, Any] | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """'Y' on the first or last (``mode``) record per ``by`` in ``order`` among the ``where``
    records, others null (admiral derive_var_extreme_flag under restrict_derivation: ANL01FL per
    subject, parameter and AVISIT; LVOTFL per subject and parameter)."""
    if mode not in ("first", "last"):
        raise AdamInputError(f"{dataset}: mode {mode!r} is not 'first' or 'last'")
    by = _as_list(by)
    assert_columns(frame, dict.fromkeys([*by, *order_columns(order), *where_required(where)]), dataset=dataset)
    keep = compute_where(frame, where, dataset=dataset)
    groups = _sorted(frame[keep], by, order).groupby(by, sort=False, dropna=False)
    pick = groups.tail(1) if mode == "last" else groups.head(1)
    out = frame.pipe(fresh)
    out[new_var] = np.where(out.index.isin(pick.index), "Y", NONE).astype(object)
    return out


def filter_records_without_value(
    frame: pd.DataFrame, *, variables: list[str] | tuple[str, ...] = ("AVAL", "AVALC"), dataset: str = "dataset"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the records with a value in any of ``variables``, those without one): a BDS record holds
    AVAL or AVALC (ADaMIG 1.3), so a result the SDTM could not standardise (an unknown unit) is
    left out; the engine lists each removed record in the issue report."""
    present = [c for c in variables if c in frame.columns]
    if not present:
        raise AdamInputError(f"{dataset}: none of {', '.join(variables)} to tell a record with a value")
    has = pd.Series(False, index=frame.index)
    for column in present:
        values = frame[column]
        has |= values.notna() & values.astype(str).str.strip().ne("")
    return frame[has], frame[~has]


def _report_without_value(removed: pd.DataFrame, kwargs: Mapping[str, Any]) -> list[tuple[str | None, str, str]]:
    names = ", ".join(kwargs.get("variables", ("AVAL", "AVALC")))
    out = []
    for row in removed.itertuples():
        when = record_date(row)
        param = getattr(row, "PARAMCD", None) or "a record"
        source = next(
            (f"{c} {getattr(row, c):g}" for c in removed.columns if c.endswith("SEQ") and pd.notna(getattr(row, c))),
            "",
        )
        out.append(
            (
                row.USUBJID,
                "no value",
                f"{param} on {when}{' (' + source + ')' if source else ''} has no analysis value ({names} null: "
                "the SDTM result was not standardised); record left out",
            )
        )
    return out


def derive_extreme_records(
    frame: pd.DataFrame,
    *,
    by: list[str],
    order: list[str],
    set_values: Mapping[str, Any],
    mode: str = "first",
    where: Mapping[str, Any] | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """``frame`` with, per ``by`` group, a copy of its first or last (``mode``) ``where`` record
    in ``order`` appended, carrying ``set_values`` (admiral derive_extreme_records: the
    post-baseline minimum with ``order=["AVAL", "ADT"]``, maximum with ``["desc(AVAL)", "ADT"]``,
    last with ``mode="last"``, each with its DTYPE, AVISIT and AVISITN)."""
    if mode not in ("first", "last"):
        raise AdamInputError(f"{dataset}: mode {mode!r} is not 'first' or 'last'")
    if not set_values:
        raise AdamInputError(f"{dataset}: derive_extreme_records needs set_values (e.g. DTYPE) to tell its records")
    by = _as_list(by)
    assert_columns(frame, dict.fromkeys([*by, *order_columns(order), *where_required(where)]), dataset=dataset)
    keep = compute_where(frame, where, dataset=dataset)
    groups = _sorted(frame[keep], by, order).groupby(by, sort=False, dropna=False)
    new = (groups.tail(1) if mode == "last" else groups.head(1)).pipe(fresh)
    for column, value in set_values.items():
        new[column] = value
    return pd.concat([frame, new], ignore_index=True)


_STATISTICS: dict[str, str] = {"mean": "mean", "median": "median", "min": "min", "max": "max", "sum": "sum"}


def derive_summary_records(
    frame: pd.DataFrame,
    *,
    by: list[str],
    set_values: Mapping[str, Any],
    source: str = "AVAL",
    statistic: str = "mean",
    where: Mapping[str, Any] | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """``frame`` with a record per ``by`` group of its ``where`` records with ``source``
    present, ``source`` being their ``statistic`` (mean, median, min, max, sum) and the record
    carrying the ``by`` values and ``set_values`` (admiral derive_summary_records: the average
    of triplicate vital signs at a visit, DTYPE AVERAGE)."""
    if statistic not in _STATISTICS:
        raise AdamInputError(f"{dataset}: statistic {statistic!r} is not one of {', '.join(_STATISTICS)}")
    if not set_values:
        raise AdamInputError(f"{dataset}: derive_summary_records needs set_values (e.g. DTYPE) to tell its records")
    by = _as_list(by)
    assert_columns(frame, dict.fromkeys([*by, source, *where_required(where)]), dataset=dataset)
    keep = compute_where(frame, where, dataset=dataset) & frame[source].notna()
    rows = frame.loc[keep, by].pipe(fresh)
    rows["__value"] = _numbers(frame.loc[keep], source, dataset=dataset)
    new = rows.groupby(by, sort=True, dropna=False)["__value"].agg(_STATISTICS[statistic]).reset_index()
    new = new.rename(columns={"__value": source})
    for column, value in set_values.items():
        new[column] = value
    return pd.concat([frame, new], ignore_index=True)


def derive_basetype_records(
    frame: pd.DataFrame,
    *,
    basetypes: Mapping[str, Mapping[str, Any]],
    new_var: str = "BASETYPE",
    dataset: str = "dataset",
) -> pd.DataFrame:
    """Each record once per basetype whose ``where`` filter it satisfies, ``new_var`` holding
    the basetype's name (admiral derive_basetype_records): ``{"LAST": {"ATPTN": {"present":
    False}}, "LAST: AFTER STANDING FOR 1 MINUTE": {"ATPTN": 816}}``. A record no filter
    selects is kept once with ``new_var`` null."""
    if not basetypes:
        raise AdamInputError(f"{dataset}: derive_basetype_records needs basetypes (name: where filter)")
    parts, matched = [], pd.Series(False, index=frame.index)
    for name, where in basetypes.items():
        keep = compute_where(frame, where, dataset=dataset)
        matched |= keep
        part = frame[keep].pipe(fresh)
        part[new_var] = name
        parts.append(part)
    rest = frame[~matched].pipe(fresh)
    rest[new_var] = None
    out = pd.concat([*parts, rest]).sort_index(kind="mergesort")
    out[new_var] = out[new_var].astype(object)
    return out.reset_index(drop=True)


# -- parameters --------------------------------------------------------------------------------

PARAM_VARIABLES = ("PARAMCD", "PARAM", "PARAMN", "PARCAT1")


def derive_vars_param_lookup(
    frame: pd.DataFrame,
    *,
    source: str = "LBTESTCD",
    lookup: Mapping[str, Any] | None = None,
    codelist: str | None = None,
    unmapped: str = "error",
    spec: Spec | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """PARAMCD, PARAM, PARAMN, PARCAT1 from ``source`` (admiral derive_vars_merged_lookup).

    ``lookup`` maps each ``source`` value to its PARAMCD (text) or to its variables
    (``{"PARAMCD": "ALB", "PARAM": "Albumin (g/L)", "PARAMN": 1, "PARCAT1": "CHEMISTRY"}``);
    ``codelist`` instead names a codelist of the spec whose terms are the ``source`` values
    and whose decoded values are the PARAMCDs (PARAM and PARAMN then come from the spec's
    PARAMCD and PARAMN codelists of the dataset). A ``source`` value the table lacks is an
    error naming them (``unmapped="error"``), or leaves the variables null (``"keep"``)."""
    if (lookup is None) == (codelist is None):
        raise AdamInputError(f"{dataset}: derive_vars_param_lookup takes one of lookup and codelist")
    if unmapped not in ("error", "keep"):
        raise AdamInputError(f"{dataset}: unmapped {unmapped!r} is not 'error' or 'keep'")
    assert_columns(frame, [source], dataset=dataset)
    if codelist is not None:
        if spec is None or not spec.has_codelist(codelist):
            raise AdamInputError(f"{dataset}: the spec has no codelist {codelist}")
        table: dict[str, dict[str, Any]] = {
            term: {"PARAMCD": code} for term, code in decode_map(spec, codelist).items()
        }
    else:
        assert lookup is not None
        table = {str(k): (dict(v) if isinstance(v, Mapping) else {"PARAMCD": v}) for k, v in lookup.items()}
    values = frame[source]
    missing = sorted({str(v) for v in values.dropna() if str(v) not in table})
    if missing and unmapped == "error":
        raise AdamInputError(
            f"{dataset}.{source}: value(s) {', '.join(missing)} not in the parameter "
            f"{'codelist ' + codelist if codelist else 'lookup'}"
        )
    names = list(dict.fromkeys(n for row in table.values() for n in row))
    out = frame.pipe(fresh)
    keys = values.map(lambda v: None if pd.isna(v) else str(v))
    for name in names:
        mapped = keys.map(lambda k, n=name: table.get(k, {}).get(n) if k is not None else None)
        numeric = all(isinstance(row.get(name), (int, float)) for row in table.values() if row.get(name) is not None)
        out[name] = mapped.astype("float64") if numeric and name != "PARAMCD" else mapped.astype(object)
    if codelist is not None and spec is not None:
        out = derive_vars_param(out, spec=spec, dataset=dataset)
    return out


@dataclass(frozen=True)
class Formula:
    """A named computation: its inputs by role and the function of their values."""

    inputs: tuple[str, ...]
    compute: Callable[..., Any]
    text: str


FORMULAS: dict[str, Formula] = {
    "bmi": Formula(
        ("weight", "height"), lambda weight, height: weight / (height / 100) ** 2, "weight / (height / 100)^2"
    ),
    "map": Formula(("sysbp", "diabp"), lambda sysbp, diabp: (sysbp + 2 * diabp) / 3, "(sysbp + 2 * diabp) / 3"),
    "bsa_mosteller": Formula(
        ("height", "weight"), lambda height, weight: np.sqrt(height * weight / 3600), "sqrt(height * weight / 3600)"
    ),
    "bsa_dubois": Formula(
        ("height", "weight"),
        lambda height, weight: 0.20247 * (height / 100) ** 0.725 * weight**0.425,
        "0.20247 * (height / 100)^0.725 * weight^0.425",
    ),
}


def _formula(name: str, *, dataset: str) -> Formula:
    if name not in FORMULAS:
        raise AdamInputError(f"{dataset}: unknown formula {name!r} (one of {', '.join(FORMULAS)})")
    return FORMULAS[name]


def derive_param_computed(
    frame: pd.DataFrame,
    *,
    by: list[str],
    formula: str,
    set_values: Mapping[str, Any],
    parameters: Mapping[str, str] | None = None,
    constant_parameters: list[str] | None = None,
    constant_by: list[str] | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """``frame`` with a record of a new parameter per ``by`` group where every input parameter
    has an AVAL (admiral derive_param_computed / derive_param_bmi / derive_param_map): AVAL is
    the named ``formula`` of the inputs' AVAL, the record carries the ``by`` values and
    ``set_values`` (PARAMCD, PARAM ...).

    ``parameters`` maps the formula's inputs to PARAMCDs (default the input in capitals:
    weight -> WEIGHT); ``constant_parameters`` are taken once per ``constant_by`` (HEIGHT per
    USUBJID, measured at screening only). More than one record of an input per group is an
    error naming the group."""
    spec_formula = _formula(formula, dataset=dataset)
    if "PARAMCD" not in set_values:
        raise AdamInputError(f"{dataset}: derive_param_computed needs set_values with the new PARAMCD")
    by = _as_list(by)
    roles = {role: (parameters or {}).get(role, role.upper()) for role in spec_formula.inputs}
    unknown = sorted(set(parameters or {}) - set(roles))
    if unknown:
        raise AdamInputError(
            f"{dataset}: formula {formula!r} has no input {', '.join(unknown)} (it takes {', '.join(spec_formula.inputs)})"
        )
    constant = set(constant_parameters or [])
    constant_by = _as_list(constant_by or ["USUBJID"])
    assert_columns(frame, dict.fromkeys(["PARAMCD", "AVAL", *by, *(constant_by if constant else [])]), dataset=dataset)
    values: dict[str, pd.DataFrame] = {}
    for role, paramcd in roles.items():
        keys = constant_by if paramcd in constant else by
        rows = frame.loc[frame["PARAMCD"].eq(paramcd) & frame["AVAL"].notna(), [*keys, "AVAL"]]
        twice = rows.duplicated(subset=keys, keep=False)
        if twice.any():
            groups = rows.loc[twice, keys].drop_duplicates().head(3).to_dict("records")
            raise AdamInputError(f"{dataset}: more than one {paramcd} record per {', '.join(keys)}: {groups}")
        values[role] = rows.rename(columns={"AVAL": f"__{role}"})
    variable = [r for r in roles if roles[r] not in constant]
    if not variable:
        raise AdamInputError(f"{dataset}: derive_param_computed needs a parameter that is not constant")
    groups = values[variable[0]]
    for role in roles:
        if role == variable[0]:
            continue
        keys = constant_by if roles[role] in constant else by
        groups = groups.merge(values[role], on=keys, how="inner")
    args = {role: pd.to_numeric(groups[f"__{role}"], errors="coerce").to_numpy(dtype="float64") for role in roles}
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.asarray(spec_formula.compute(**args), dtype="float64")
    new = groups[by].pipe(fresh)
    new["AVAL"] = np.where(np.isfinite(result), result, np.nan)
    for column, value in set_values.items():
        new[column] = value
    return pd.concat([frame, new], ignore_index=True)


# -- ADSL: baseline subject variables ---------------------------------------------------------


def derive_var_merged_param(
    adsl: pd.DataFrame,
    *,
    dataset_add: pd.DataFrame,
    param: str,
    new_var: str,
    param_var: str = "PARAMCD",
    source: str = "AVAL",
    flag: str | None = "ABLFL",
    by: str = "USUBJID",
    dataset: str = "ADSL",
) -> pd.DataFrame:
    """``new_var``: the ``source`` value of ``dataset_add``'s record of ``param`` (in
    ``param_var``: PARAMCD of ADVS, VSTESTCD of VS) flagged 'Y' by ``flag`` (ABLFL; VSBLFL or
    VSLOBXFL of VS; None: the parameter's only record) for each subject (WEIGHTBL, HEIGHTBL).
    Null for a subject without one; more than one is an error naming the subjects."""
    name = "dataset_add"
    assert_columns(adsl, [by], dataset=dataset)
    assert_columns(dataset_add, [by, param_var, source, *([flag] if flag else [])], dataset=name)
    rows = dataset_add[dataset_add[param_var].eq(param)]
    if flag:
        rows = rows[rows[flag].eq("Y")]
    rows = rows[rows[source].notna()]
    twice = rows[by].duplicated(keep=False)
    if twice.any():
        subjects = ", ".join(dict.fromkeys(rows.loc[twice, by].astype(str)))
        raise AdamInputError(
            f"{dataset}.{new_var}: more than one {param_var} = {param!r} record"
            f"{' with ' + flag + ' = Y' if flag else ''} for {subjects}"
        )
    mapped = adsl[by].map(pd.Series(rows[source].to_numpy(), index=rows[by].to_numpy()))
    out = adsl.pipe(fresh)
    out[new_var] = mapped.to_numpy()
    return out


def derive_var_computed(
    adsl: pd.DataFrame, *, new_var: str, formula: str, dataset: str = "ADSL", **inputs: str
) -> pd.DataFrame:
    """``new_var``: the named ``formula`` of the columns given for its inputs
    (``derive_var_computed(adsl, new_var="BMIBL", formula="bmi", weight="WEIGHTBL",
    height="HEIGHTBL")``); null where an input is null."""
    spec_formula = _formula(formula, dataset=dataset)
    missing = [role for role in spec_formula.inputs if role not in inputs]
    extra = [role for role in inputs if role not in spec_formula.inputs]
    if missing or extra:
        raise AdamInputError(
            f"{dataset}.{new_var}: formula {formula!r} takes the columns of {', '.join(spec_formula.inputs)}"
            f" ({'missing ' + ', '.join(missing) if missing else 'no ' + ', '.join(extra)})"
        )
    assert_columns(adsl, list(inputs.values()), dataset=dataset)
    args = {role: _numbers(adsl, column, dataset=dataset).to_numpy() for role, column in inputs.items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.asarray(spec_formula.compute(**args), dtype="float64")
    out = adsl.pipe(fresh)
    out[new_var] = np.where(np.isfinite(result), result, np.nan)
    return out


# -- durations and flags of conditions ------------------------------------------------------


def derive_vars_duration(
    frame: pd.DataFrame,
    *,
    new_var: str,
    start_date: str,
    end_date: str,
    new_var_unit: str | None = None,
    add_one: bool = True,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """``new_var``: the days from ``start_date`` to ``end_date`` (admiral derive_vars_duration,
    out_unit days), one added to a duration that is not negative when ``add_one`` (AE duration
    ADURN; LDDTHELD, last dose to death, without); ``new_var_unit`` (ADURU) 'DAYS' where the
    duration is present. Null where either date is."""
    assert_columns(frame, [start_date, end_date], dataset=dataset)
    days = (_dates(frame, end_date) - _dates(frame, start_date)).dt.days.astype("float64")
    if add_one:
        days = days.where(days < 0, days + 1)
    out = frame.pipe(fresh)
    out[new_var] = days
    if new_var_unit:
        out[new_var_unit] = np.where(days.notna().to_numpy(), "DAYS", NONE).astype(object)
    return out


def derive_var_cond_flag(
    frame: pd.DataFrame,
    *,
    new_var: str,
    where: Mapping[str, Any],
    false_value: str | None = None,
    dataset: str = "dataset",
) -> pd.DataFrame:
    """``new_var``: 'Y' on the records satisfying every condition of ``where``, ``false_value``
    (default null) on the others (the ADaM templates' ``if_else(condition, "Y", NA)``: DTH30FL
    with ``{"LDDTHELD": {"<=": 30}}``)."""
    if not where:
        raise AdamInputError(f"{dataset}.{new_var}: derive_var_cond_flag needs a where filter")
    keep = compute_where(frame, where, dataset=dataset)
    out = frame.pipe(fresh)
    other = NONE if false_value is None else false_value
    out[new_var] = np.where(keep.to_numpy(dtype=bool), "Y", other).astype(object)
    return out


# -- lab parameters computed from others -------------------------------------------------------


def derive_param_wbc_abs(
    frame: pd.DataFrame,
    *,
    by: list[str],
    set_values: Mapping[str, Any],
    diff_code: str,
    wbc_code: str = "WBC",
    diff_type: str = "fraction",
    dataset: str = "dataset",
) -> pd.DataFrame:
    """``frame`` with a record of the absolute count of a white blood cell type (``set_values``:
    its PARAMCD, e.g. LYMPH, and DTYPE) per ``by`` group that has a ``wbc_code`` and a
    ``diff_code`` record with AVAL but no record of that PARAMCD (admiral derive_param_wbc_abs):
    AVAL = WBC x the differential (``diff_type`` "fraction"), or WBC x the differential / 100
    ("percent"). The record carries the ``by`` values and ``set_values``."""
    if diff_type not in ("fraction", "percent"):
        raise AdamInputError(f"{dataset}: diff_type {diff_type!r} is not 'fraction' or 'percent'")
    if "PARAMCD" not in set_values:
        raise AdamInputError(f"{dataset}: derive_param_wbc_abs needs set_values with the new PARAMCD")
    by = _as_list(by)
    assert_columns(frame, dict.fromkeys(["PARAMCD", "AVAL", *by]), dataset=dataset)
    present = frame["AVAL"].notna()

    def values(code: str, name: str) -> pd.DataFrame:
        rows = frame.loc[frame["PARAMCD"].eq(code) & present, [*by, "AVAL"]]
        twice = rows.duplicated(subset=by, keep=False)
        if twice.any():
            groups = rows.loc[twice, by].drop_duplicates().head(3).to_dict("records")
            raise AdamInputError(f"{dataset}: more than one {code} record per {', '.join(by)}: {groups}")
        return rows.rename(columns={"AVAL": name})

    groups = values(wbc_code, "__wbc").merge(values(diff_code, "__diff"), on=by, how="inner")
    existing = frame.loc[frame["PARAMCD"].eq(set_values["PARAMCD"]), by].drop_duplicates()
    groups = groups.merge(existing, on=by, how="left", indicator=True)
    groups = groups[groups["_merge"] == "left_only"]
    wbc = pd.to_numeric(groups["__wbc"], errors="coerce")
    diff = pd.to_numeric(groups["__diff"], errors="coerce")
    new = groups[by].pipe(fresh)
    new["AVAL"] = (wbc * diff / (100 if diff_type == "percent" else 1)).to_numpy(dtype="float64")
    for column, value in set_values.items():
        new[column] = value
    return pd.concat([frame, new], ignore_index=True)


# -- the registry ------------------------------------------------------------------------------


def _dt_adds(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    prefix = kwargs.get("new_prefix", "")
    return (f"{prefix}DT", f"{prefix}DTF") if kwargs.get("flag_imputation", True) else (f"{prefix}DT",)


def _by_order_where(*names: str, **from_kwargs: Any) -> Callable[[Mapping[str, Any]], tuple[str, ...]]:
    """needs: fixed names, keyword values, and the columns of the ``order`` and ``where`` keywords."""
    base = columns_of(*names, **from_kwargs)

    def pick(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
        out = list(base(kwargs))
        out += order_columns(kwargs.get("order"))
        for key in ("where", "filter_pre_timepoint"):
            out += where_columns(kwargs.get(key))
        return tuple(dict.fromkeys(out))

    return pick


def _computed_params_needs(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    formula = FORMULAS.get(kwargs.get("formula", ""))
    roles = formula.inputs if formula else ()
    params = [(kwargs.get("parameters") or {}).get(role, role.upper()) for role in roles]
    return ("PARAMCD", "AVAL", *map(str, kwargs.get("by", []) or []), *(param_token(p) for p in params))


def _computed_params_adds(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    paramcd = (kwargs.get("set_values") or {}).get("PARAMCD")
    return (param_token(paramcd),) if paramcd else ()


def _computed_var_needs(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(v) for k, v in kwargs.items() if k not in ("new_var", "formula", "dataset"))


def _param_lookup_adds(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    lookup = kwargs.get("lookup")
    if isinstance(lookup, Mapping) and lookup:
        names = dict.fromkeys(n for v in lookup.values() for n in (v if isinstance(v, Mapping) else {"PARAMCD": v}))
        return tuple(names)
    return ("PARAMCD", "PARAM", "PARAMN")


DERIVATIONS: dict[str, Derivation] = {
    "derive_var_anrind": Derivation(
        derive_var_anrind,
        needs=lambda kw: (
            columns_of(aval="AVAL", low="ANRLO", high="ANRHI")(kw)
            + (columns_of(a1lo="A1LO", a1hi="A1HI")(kw) if kw.get("use_a1hia1lo") else ())
        ),
        adds=columns_of(new_var="ANRIND"),
    ),
    "derive_var_base_flag": Derivation(
        derive_var_base_flag,
        needs=lambda kw: (
            _by_order_where(by=None, from_flag=None)(kw)
            if kw.get("from_flag")
            else _by_order_where(by=None, date="ADT", reference="TRTSDT", source="AVAL")(kw)
        ),
        adds=columns_of(new_var="ABLFL"),
    ),
    "derive_var_base": Derivation(
        derive_var_base, needs=columns_of(by=None, source="AVAL", flag="ABLFL"), adds=columns_of(new_var="BASE")
    ),
    "derive_var_chg": Derivation(
        derive_var_chg, needs=_by_order_where(aval="AVAL", base="BASE"), adds=columns_of(new_var="CHG")
    ),
    "derive_var_pchg": Derivation(
        derive_var_pchg, needs=_by_order_where(aval="AVAL", base="BASE"), adds=columns_of(new_var="PCHG")
    ),
    "derive_var_analysis_ratio": Derivation(
        derive_var_analysis_ratio,
        needs=columns_of(numer_var="AVAL", denom_var="BASE"),
        adds=lambda kw: (kw.get("new_var") or f"R2{kw.get('denom_var', 'BASE')}",),
    ),
    "derive_var_shift": Derivation(
        derive_var_shift, needs=_by_order_where(from_var="BNRIND", to_var="ANRIND"), adds=columns_of(new_var="SHIFT1")
    ),
    "derive_var_ontrtfl": Derivation(
        derive_var_ontrtfl,
        needs=_by_order_where(start_date="ADT", end_date=None, ref_start_date="TRTSDT", ref_end_date="TRTEDT"),
        adds=columns_of(new_var="ONTRTFL"),
    ),
    "derive_vars_avisit": Derivation(
        derive_vars_avisit,
        needs=lambda kw: (
            columns_of(visit="VISIT")(kw)
            + (columns_of(visitnum="VISITNUM")(kw) if kw.get("number_from", "visitnum") == "visitnum" else ())
        ),
        adds=("AVISIT", "AVISITN"),
    ),
    "derive_var_anl_flag": Derivation(
        derive_var_anl_flag, needs=_by_order_where(by=None), adds=columns_of(new_var="ANL01FL")
    ),
    "filter_records_without_value": Derivation(
        filter_records_without_value,
        kind="filter",
        needs=columns_of(variables=("AVAL", "AVALC")),
        report=_report_without_value,
    ),
    "derive_extreme_records": Derivation(
        derive_extreme_records,
        kind="records",
        # a value set on the new records replaces the column's: the column is derived first
        needs=lambda kw: (*_by_order_where(by=None)(kw), *(k for k in (kw.get("set_values") or {}) if k != "DTYPE")),
        adds=("DTYPE",),
    ),
    "derive_summary_records": Derivation(
        derive_summary_records, kind="records", needs=_by_order_where(by=None, source="AVAL"), adds=("DTYPE",)
    ),
    "derive_basetype_records": Derivation(
        derive_basetype_records,
        kind="records",
        needs=lambda kw: tuple(
            dict.fromkeys(c for w in (kw.get("basetypes") or {}).values() for c in where_columns(w))
        ),
        adds=columns_of(new_var="BASETYPE"),
    ),
    "derive_vars_param_lookup": Derivation(
        derive_vars_param_lookup, needs=columns_of(source="LBTESTCD"), adds=_param_lookup_adds
    ),
    "derive_param_computed": Derivation(
        derive_param_computed, kind="records", needs=_computed_params_needs, adds=_computed_params_adds
    ),
    "derive_var_merged_param": Derivation(derive_var_merged_param, needs=("USUBJID",), adds=columns_of(new_var=None)),
    "derive_vars_duration": Derivation(
        derive_vars_duration,
        needs=columns_of(start_date=None, end_date=None),
        adds=columns_of(new_var=None, new_var_unit=None),
    ),
    "derive_var_cond_flag": Derivation(derive_var_cond_flag, needs=_by_order_where(), adds=columns_of(new_var=None)),
    "derive_param_wbc_abs": Derivation(
        derive_param_wbc_abs,
        kind="records",
        needs=lambda kw: (
            "PARAMCD",
            "AVAL",
            *map(str, kw.get("by", []) or []),
            param_token(str(kw.get("wbc_code", "WBC"))),
            param_token(str(kw.get("diff_code"))),
        ),
        adds=_computed_params_adds,
    ),
    "derive_var_computed": Derivation(derive_var_computed, needs=_computed_var_needs, adds=columns_of(new_var=None)),
}
