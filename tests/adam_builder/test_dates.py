"""--DTC to analysis dates: imputation, bounds and flags."""

import pandas as pd
import pytest

from adam_builder.dates import DateError, compute_ady, derive_vars_dt, derive_vars_dtm, impute_dtc_dt


def d(text):
    return pd.Timestamp(text) if text else pd.NaT


def test_complete_dates_are_kept_without_flag():
    dates, flags = impute_dtc_dt(pd.Series(["2021-03-05", "2021-03-05T10:20"]), highest_imputation="M")
    assert list(dates) == [d("2021-03-05")] * 2
    assert list(flags) == [None, None]


@pytest.mark.parametrize(
    "how, expected",
    [
        ("first", ["2021-03-01", "2021-01-01"]),
        ("last", ["2021-03-31", "2021-12-31"]),
        ("mid", ["2021-03-15", "2021-06-30"]),
    ],
)
def test_partial_dates_are_imputed_and_flagged(how, expected):
    dates, flags = impute_dtc_dt(pd.Series(["2021-03", "2021"]), highest_imputation="M", date_imputation=how)
    assert list(dates) == [d(e) for e in expected]
    assert list(flags) == ["D", "M"]


def test_no_imputation_beyond_the_highest_level():
    dates, flags = impute_dtc_dt(pd.Series(["2021-03", "2021", None]), highest_imputation="D")
    assert list(dates.isna()) == [False, True, True]
    assert list(flags) == ["D", None, None]


def test_imputed_date_never_past_the_bounds():
    frame = pd.DataFrame(
        {"DTC": ["2021-03", "2021-03", "2021-03-31"], "DTHDT": [d("2021-03-10"), d("2021-04-10"), d("2021-03-10")]}
    )
    out = derive_vars_dt(
        frame, new_prefix="A", dtc="DTC", highest_imputation="D", date_imputation="last", max_dates=["DTHDT"]
    )
    assert list(out["ADT"]) == [d("2021-03-10"), d("2021-03-31"), d("2021-03-31")]  # a complete date is never moved
    assert list(out["ADTF"]) == ["D", "D", None]


def test_first_imputation_not_before_first_dose_in_the_same_month():
    frame = pd.DataFrame({"DTC": ["2021-03", "2021-02"], "TRTSDT": [d("2021-03-12"), d("2021-03-12")]})
    out = derive_vars_dt(frame, new_prefix="AST", dtc="DTC", highest_imputation="M", min_dates=["TRTSDT"])
    assert list(out["ASTDT"]) == [d("2021-03-12"), d("2021-02-01")]


def test_datetime_time_imputation_flags():
    frame = pd.DataFrame({"DTC": ["2021-03-05", "2021-03-05T10", "2021-03-05T10:20:30"]})
    out = derive_vars_dtm(frame, new_prefix="TRTS", dtc="DTC", time_imputation="last")
    assert list(out["TRTSDTM"]) == [d("2021-03-05 23:59:59"), d("2021-03-05 10:59:59"), d("2021-03-05 10:20:30")]
    assert list(out["TRTSTMF"]) == ["H", "M", None]


def test_relative_day_has_no_day_zero():
    ady = compute_ady(pd.Series([d("2021-03-05"), d("2021-03-04"), d("2021-03-10")]), pd.Series([d("2021-03-05")] * 3))
    assert list(ady) == [1, -1, 6]


def test_bad_settings_are_named():
    with pytest.raises(DateError, match="date_imputation 'middle'"):
        impute_dtc_dt(pd.Series(["2021"]), date_imputation="middle")
    with pytest.raises(KeyError, match="missing column"):
        derive_vars_dt(pd.DataFrame({"X": []}), new_prefix="A", dtc="DTC")
