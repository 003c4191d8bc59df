"""adam_builder.dates: --DTC parts, datetimes, durations and relative days, on literal values."""

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal, assert_series_equal

from adam_builder.dates import compute_dt, compute_dtc_parts, compute_duration, derive_var_ady, impute_dtc_dtm

T = pd.Timestamp
NAT = pd.NaT


def test_compute_dtc_parts_reads_partial_and_unknown_parts():
    out = compute_dtc_parts(["2021-03-05T10:20:30", "2021-03", "2021---05", "2021-03-05T10", None, "5 March 2021"])
    nan = np.nan
    expected = pd.DataFrame(
        {
            "year": [2021.0, 2021, 2021, 2021, nan, nan],
            "month": [3.0, 3, nan, 3, nan, nan],
            "day": [5.0, nan, 5, 5, nan, nan],
            "hour": [10.0, nan, nan, 10, nan, nan],
            "minute": [20.0, nan, nan, nan, nan, nan],
            "second": [30.0, nan, nan, nan, nan, nan],
        }
    )
    assert_frame_equal(out, expected)


def test_impute_dtc_dtm_time_only_and_date_too():
    dtc = pd.Series(["2021-03-05T10:20", "2021-03-05", "2021-03", None])
    dtm, dflag, tflag = impute_dtc_dtm(dtc, time_imputation="first")
    # "h": only the time is imputed; a partial date gives no datetime
    assert_series_equal(dtm, pd.Series([T("2021-03-05 10:20:00"), T("2021-03-05 00:00:00"), NAT, NAT]))
    assert tflag.tolist() == ["S", "H", None, None]
    assert dflag.tolist() == [None, None, None, None]
    dtm, dflag, tflag = impute_dtc_dtm(dtc, highest_imputation="D", date_imputation="last", time_imputation="last")
    assert_series_equal(
        dtm, pd.Series([T("2021-03-05 10:20:59"), T("2021-03-05 23:59:59"), T("2021-03-31 23:59:59"), NAT])
    )
    assert dflag.tolist() == [None, None, "D", None]
    assert tflag.tolist() == ["S", "H", "H", None]


def test_compute_dt_takes_complete_dates_only():
    out = compute_dt(pd.Series(["2021-03-05", "2021-03-05T08:00", "2021-03", "", None]))
    assert_series_equal(out, pd.Series([T("2021-03-05"), T("2021-03-05"), NAT, NAT, NAT]))


def test_compute_duration_counts_both_ends_unless_told():
    start = pd.Series([T("2021-01-01"), T("2021-01-01"), NAT])
    end = pd.Series([T("2021-01-01"), T("2021-01-31"), T("2021-01-31")])
    assert_series_equal(compute_duration(start, end), pd.Series([1.0, 31.0, np.nan]))
    assert_series_equal(compute_duration(start, end, add_one=False), pd.Series([0.0, 30.0, np.nan]))


def test_derive_var_ady_has_no_day_zero_and_missing_stays_missing():
    frame = pd.DataFrame(
        {
            "ADT": [T("2021-03-05"), T("2021-03-04"), T("2021-02-26"), NAT, T("2021-03-10")],
            "TRTSDT": [T("2021-03-05")] * 4 + [NAT],
        }
    )
    out = derive_var_ady(frame)
    assert_series_equal(out["ADY"], pd.Series([1.0, -1.0, -7.0, np.nan, np.nan], name="ADY"))
    out = derive_var_ady(frame, date="ADT", reference="TRTSDT", new_var="ASTDY")
    assert out["ASTDY"].tolist()[:3] == [1.0, -1.0, -7.0]
