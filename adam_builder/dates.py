"""ISO 8601 --DTC text to numeric analysis dates and datetimes, with imputation.

    derive_vars_dt(ae, new_prefix="AST", dtc="AESTDTC", highest_imputation="M",
                   date_imputation="first", min_dates=["TRTSDT"], max_dates=["DTHDT"])
    # -> ASTDT (datetime64, day precision) and ASTDTF ('D' day, 'M' month and day imputed)

    derive_vars_dtm(ex, new_prefix="TRTS", dtc="EXSTDTC", time_imputation="first")
    # -> TRTSDTM, TRTSTMF ('H', 'M', 'S': hours, minutes or seconds imputed)

Imputation (as admiral): ``highest_imputation`` is the largest part that may
be imputed: "n" none, "D" the day, "M" month and day, "Y" year too (with a
bound). ``date_imputation`` "first", "mid" (June 30 / the 15th) or "last".
An imputed date is moved to a bound when it falls on the wrong side of it and
the bound lies within the range of dates the partial value allows:
``min_dates`` (e.g. first dose: an AE of an unknown day in the month of first
dose starts on that day) and ``max_dates`` (e.g. the death date, the cut-off).
Complete dates are never changed. Dates are pandas datetime64[ns] at midnight;
a missing date is NaT.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .common import NONE, fresh
from .registry import Derivation, columns_of

_DTC = re.compile(r"^(\d{4}|-)?(?:-(\d{2}|-))?(?:-(\d{2}|-))?(?:T(\d{2}|-)?(?::(\d{2}|-))?(?::(\d{2})(?:\.\d+)?)?)?$")
_LEVELS = {"n": 0, "D": 1, "M": 2, "Y": 3}
DATE_IMPUTATIONS = ("first", "mid", "last")


class DateError(ValueError):
    pass


def _parts_of_unique(values: np.ndarray) -> np.ndarray:
    """(n, 6) float array: year, month, day, hour, minute, second (NaN where unknown)."""
    out = np.full((len(values), 6), np.nan)
    for i, text in enumerate(values):
        if not isinstance(text, str):
            continue
        match = _DTC.match(text.strip())
        if not match:
            continue
        for k, part in enumerate(match.groups()):
            if part and part != "-":
                out[i, k] = float(part)
    return out


def compute_dtc_parts(dtc) -> pd.DataFrame:
    """The parts of each ISO 8601 value: year, month, day, hour, minute, second (NaN: unknown).

    A value that is not ISO 8601 gives all parts unknown.
    """
    series = pd.Series(dtc, dtype=object) if not isinstance(dtc, pd.Series) else dtc.astype(object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    parts = _parts_of_unique(np.asarray(uniques, dtype=object))
    full = np.full((len(series), 6), np.nan)
    present = codes >= 0
    full[present] = parts[codes[present]]
    return pd.DataFrame(full, index=series.index, columns=["year", "month", "day", "hour", "minute", "second"])


def _days_in_month(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    y = np.nan_to_num(year, nan=2000).astype(int)
    m = np.nan_to_num(month, nan=1).astype(int)
    first = pd.to_datetime(pd.DataFrame({"year": y, "month": m, "day": 1}))
    return first.dt.days_in_month.to_numpy()


def _to_dates(year, month, day) -> pd.Series:
    ok = ~(np.isnan(year) | np.isnan(month) | np.isnan(day))
    out = pd.Series(pd.NaT, index=range(len(year)), dtype="datetime64[ns]")
    if ok.any():
        frame = pd.DataFrame({"year": year[ok].astype(int), "month": month[ok].astype(int), "day": day[ok].astype(int)})
        out[ok] = pd.to_datetime(frame, errors="coerce").to_numpy()
    return out


def _bounds(bounds, n: int, index) -> list[np.ndarray]:
    arrays = []
    for bound in bounds or []:
        values = pd.to_datetime(pd.Series(bound, index=index) if not isinstance(bound, pd.Series) else bound)
        arrays.append(values.to_numpy(dtype="datetime64[ns]"))
    return arrays


def impute_dtc_dt(
    dtc, *, highest_imputation: str = "n", date_imputation: str = "first", min_dates=None, max_dates=None
) -> tuple[pd.Series, pd.Series]:
    """Dates from --DTC text with imputation: (dates, flags 'Y'/'M'/'D' or None)."""
    if highest_imputation not in _LEVELS:
        raise DateError(f"highest_imputation {highest_imputation!r} is not one of {', '.join(_LEVELS)}")
    if date_imputation not in DATE_IMPUTATIONS:
        raise DateError(f"date_imputation {date_imputation!r} is not one of {', '.join(DATE_IMPUTATIONS)}")
    if highest_imputation == "Y" and not (min_dates if date_imputation == "first" else max_dates):
        raise DateError("imputing a missing year needs a bound: min_dates for 'first', max_dates for 'last'")
    series = dtc if isinstance(dtc, pd.Series) else pd.Series(dtc, dtype=object)
    index = series.index
    parts = compute_dtc_parts(series)
    year, month, day = (parts[c].to_numpy() for c in ("year", "month", "day"))
    n = len(series)
    level = _LEVELS[highest_imputation]
    miss_y, miss_m, miss_d = np.isnan(year), np.isnan(month), np.isnan(day)
    present = series.notna().to_numpy() & series.astype(str).str.strip().ne("").to_numpy()
    flag = np.select([miss_y, miss_m, miss_d], ["Y", "M", "D"], default=NONE).astype(object)
    flag[~present] = None
    allowed = present & (np.select([miss_y, miss_m, miss_d], [3, 2, 1], default=0) <= level)

    # earliest and latest date the partial value allows
    y_lo = np.where(miss_y, 1900, year)
    y_hi = np.where(miss_y, 2100, year)
    m_lo = np.where(miss_m, 1, month)
    m_hi = np.where(miss_m, 12, month)
    d_lo = np.where(miss_d, 1, day)
    d_hi = np.where(miss_d, _days_in_month(y_hi, m_hi), day)
    low = _to_dates(y_lo, m_lo, d_lo).to_numpy(dtype="datetime64[ns]")
    high = _to_dates(y_hi, m_hi, d_hi).to_numpy(dtype="datetime64[ns]")
    if date_imputation == "first":
        imputed = low.copy()
    elif date_imputation == "last":
        imputed = high.copy()
    else:
        m_mid = np.where(miss_m, 6, month)
        d_mid = np.where(miss_d, np.where(miss_m, 30, 15), day)
        imputed = _to_dates(np.where(miss_y, 2000, year), m_mid, d_mid).to_numpy(dtype="datetime64[ns]")
    partial = flag != None  # noqa: E711 (object array)
    for bound in _bounds(min_dates, n, index):
        move = partial & ~np.isnat(bound) & (bound >= low) & (bound <= high) & (imputed < bound)
        imputed = np.where(move, bound, imputed)
    for bound in _bounds(max_dates, n, index):
        move = partial & ~np.isnat(bound) & (bound >= low) & (bound <= high) & (imputed > bound)
        imputed = np.where(move, bound, imputed)
    dates = np.where(allowed, imputed, np.datetime64("NaT"))
    out_flag = np.where(allowed & partial, flag, NONE).astype(object)
    return (pd.Series(dates, index=index, dtype="datetime64[ns]"), pd.Series(out_flag, index=index, dtype=object))


def impute_dtc_dtm(
    dtc,
    *,
    highest_imputation: str = "h",
    date_imputation: str = "first",
    time_imputation: str = "first",
    min_dates=None,
    max_dates=None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Datetimes from --DTC: (datetimes, date flags, time flags 'H'/'M'/'S' or None).

    ``highest_imputation`` "h" imputes the time only (the date must be
    complete); "D", "M", "Y" impute the date as impute_dtc_dt as well.
    """
    if time_imputation not in ("first", "last"):
        raise DateError(f"time_imputation {time_imputation!r} is not 'first' or 'last'")
    series = dtc if isinstance(dtc, pd.Series) else pd.Series(dtc, dtype=object)
    date_level = "n" if highest_imputation in ("h", "m", "s") else highest_imputation
    dates, dflag = impute_dtc_dt(
        series, highest_imputation=date_level, date_imputation=date_imputation, min_dates=min_dates, max_dates=max_dates
    )
    parts = compute_dtc_parts(series)
    hour, minute, second = (parts[c].to_numpy() for c in ("hour", "minute", "second"))
    fill = (0.0, 0.0, 0.0) if time_imputation == "first" else (23.0, 59.0, 59.0)
    tflag = np.select([np.isnan(hour), np.isnan(minute), np.isnan(second)], ["H", "M", "S"], default=NONE).astype(
        object
    )
    # a date imputed by a bound keeps the bound's time of day (midnight)
    seconds = (
        np.where(np.isnan(hour), fill[0], hour) * 3600
        + np.where(np.isnan(minute), fill[1], minute) * 60
        + np.where(np.isnan(second), fill[2], second)
    )
    dtm = dates + pd.to_timedelta(seconds, unit="s")
    tflag = np.where(dates.notna().to_numpy(), tflag, NONE).astype(object)
    return dtm, dflag, pd.Series(tflag, index=series.index, dtype=object)


def _assert_columns(frame: pd.DataFrame, columns, name: str = "dataset") -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(f"{name}: missing column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}")


def derive_vars_dt(
    frame: pd.DataFrame,
    *,
    new_prefix: str,
    dtc: str,
    highest_imputation: str = "n",
    date_imputation: str = "first",
    flag_imputation: bool = True,
    min_dates: list[str] | None = None,
    max_dates: list[str] | None = None,
) -> pd.DataFrame:
    """Add ``<new_prefix>DT`` (and ``<new_prefix>DTF`` when flag_imputation) from ``dtc``.

    ``min_dates`` / ``max_dates`` name date columns of ``frame`` used as bounds.
    """
    _assert_columns(frame, [dtc, *(min_dates or []), *(max_dates or [])])
    out = frame.pipe(fresh)
    dates, flag = impute_dtc_dt(
        out[dtc],
        highest_imputation=highest_imputation,
        date_imputation=date_imputation,
        min_dates=[out[c] for c in min_dates or []],
        max_dates=[out[c] for c in max_dates or []],
    )
    out[f"{new_prefix}DT"] = dates
    if flag_imputation:
        out[f"{new_prefix}DTF"] = flag
    return out


def derive_vars_dtm(
    frame: pd.DataFrame,
    *,
    new_prefix: str,
    dtc: str,
    highest_imputation: str = "h",
    date_imputation: str = "first",
    time_imputation: str = "first",
    min_dates: list[str] | None = None,
    max_dates: list[str] | None = None,
) -> pd.DataFrame:
    """Add ``<new_prefix>DTM``, ``<new_prefix>TMF`` and, when the date may be imputed, ``<new_prefix>DTF``."""
    _assert_columns(frame, [dtc, *(min_dates or []), *(max_dates or [])])
    out = frame.pipe(fresh)
    dtm, dflag, tflag = impute_dtc_dtm(
        out[dtc],
        highest_imputation=highest_imputation,
        date_imputation=date_imputation,
        time_imputation=time_imputation,
        min_dates=[out[c] for c in min_dates or []],
        max_dates=[out[c] for c in max_dates or []],
    )
    out[f"{new_prefix}DTM"] = dtm
    out[f"{new_prefix}TMF"] = tflag
    if highest_imputation not in ("h", "m", "s"):
        out[f"{new_prefix}DTF"] = dflag
    return out


def compute_dt(dtc) -> pd.Series:
    """The date part of complete --DTC values (no imputation); NaT otherwise."""
    return impute_dtc_dt(dtc)[0]


def compute_duration(start, end, *, add_one: bool = True) -> pd.Series:
    """Days from ``start`` to ``end`` (+1 when add_one: the study-day convention)."""
    start = pd.to_datetime(pd.Series(start)) if not isinstance(start, pd.Series) else pd.to_datetime(start)
    end = pd.to_datetime(pd.Series(end, index=start.index)) if not isinstance(end, pd.Series) else pd.to_datetime(end)
    days = (end - start).dt.days.astype("float64")
    return days + (1 if add_one else 0)


def compute_ady(date, reference) -> pd.Series:
    """Analysis relative day: date - reference + 1 on or after the reference, date - reference before it."""
    days = compute_duration(reference, date, add_one=False)
    return days.where(days < 0, days + 1)


def derive_var_ady(
    frame: pd.DataFrame, *, date: str = "ADT", reference: str = "TRTSDT", new_var: str = "ADY"
) -> pd.DataFrame:
    """Add the relative day of ``date`` to ``reference`` (no day 0)."""
    _assert_columns(frame, [date, reference])
    out = frame.pipe(fresh)
    out[new_var] = compute_ady(out[date], out[reference])
    return out


def _dt_adds(kwargs) -> tuple[str, ...]:
    prefix = kwargs.get("new_prefix", "")
    return (f"{prefix}DT", f"{prefix}DTF") if kwargs.get("flag_imputation", True) else (f"{prefix}DT",)


def _dtm_adds(kwargs) -> tuple[str, ...]:
    prefix = kwargs.get("new_prefix", "")
    return (f"{prefix}DTM", f"{prefix}TMF", f"{prefix}DTF")


DERIVATIONS = {
    "derive_vars_dt": Derivation(
        derive_vars_dt, needs=columns_of(dtc=None, min_dates=None, max_dates=None), adds=_dt_adds
    ),
    "derive_vars_dtm": Derivation(
        derive_vars_dtm, needs=columns_of(dtc=None, min_dates=None, max_dates=None), adds=_dtm_adds
    ),
    "derive_var_ady": Derivation(
        derive_var_ady, needs=columns_of(date="ADT", reference="TRTSDT"), adds=columns_of(new_var="ADY")
    ),
}
