"""Dates as the EDC exports them ("12 MAR 2021"), vectorised.

Internally every date is an integer day number (days since 1970-01-01). The
EDC text of a date is looked up in a table built once for the range of days in
use, so formatting millions of dates costs one numpy take.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def day_number(iso_date: str) -> int:
    """Day number of an ISO 8601 date."""
    return int(np.datetime64(iso_date, "D").astype(np.int64))


def _table(lo: int, hi: int, style: str) -> np.ndarray:
    days = np.arange(lo, hi + 1, dtype=np.int64).astype("datetime64[D]")
    years = days.astype("datetime64[Y]").astype(int) + 1970
    months = days.astype("datetime64[M]").astype(int) % 12
    dom = (days - days.astype("datetime64[M]")).astype(int) + 1
    if style == "edc":
        return np.array([f"{d:02d} {MONTHS[m]} {y}" for d, m, y in zip(dom, months, years, strict=False)], dtype=object)
    return np.array([f"{y:04d}-{m + 1:02d}-{d:02d}" for d, m, y in zip(dom, months, years, strict=False)], dtype=object)


def _format(days, style: str) -> np.ndarray:
    values = np.asarray(days, dtype=float)
    out = np.full(values.shape, "", dtype=object)
    ok = ~np.isnan(values)
    if ok.any():
        ints = values[ok].astype(np.int64)
        lo, hi = int(ints.min()), int(ints.max())
        out[ok] = _table(lo, hi, style)[ints - lo]
    return out


def format_edc_date(days) -> np.ndarray:
    """EDC text ("05 MAR 2021") of day numbers; missing (NaN) gives ""."""
    return _format(days, "edc")


def format_iso_date(days) -> np.ndarray:
    """ISO 8601 text ("2021-03-05") of day numbers; missing gives ""."""
    return _format(days, "iso")


def parse_edc_date(text) -> pd.Series:
    """Day numbers of complete EDC dates; partial, empty or bad text gives NaN."""
    series = pd.Series(text, dtype=object).fillna("")
    parsed = pd.to_datetime(series, format="%d %b %Y", errors="coerce")
    out = (parsed - pd.Timestamp("1970-01-01")).dt.days
    return out.astype(float)
