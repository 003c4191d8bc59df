"""Raw dates to ISO 8601 and study days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdtm_builder.dates import compute_study_day, distinct_rows, iso_date_part, parse_dates


@pytest.mark.parametrize(
    "fmt, raw, iso, unreadable, partial",
    [
        ("DD MON YYYY", "12 MAR 2021", "2021-03-12", False, False),
        ("DD MON YYYY", "12 mar 2021", "2021-03-12", False, False),
        ("DD MON YYYY", "UN MAR 2021", "2021-03", False, True),
        ("DD MON YYYY", "UNK MAR 2021", "2021-03", False, True),
        ("DD MON YYYY", "UN UNK 2021", "2021", False, True),
        ("DD MON YYYY", "12 UNK 2021", "2021---12", False, True),
        ("DD MON YYYY", "UN UNK UNKN", None, False, True),
        ("DD MON YYYY", "31 FEB 2021", None, True, False),
        ("DD MON YYYY", "12 XYZ 2021", None, True, False),
        ("DD MON YYYY", "2021-03-12", None, True, False),
        ("DD MON YYYY", "", None, False, False),
        ("MM/DD/YYYY", "03/12/2021", "2021-03-12", False, False),
        ("MM/DD/YYYY", "13/12/2021", None, True, False),
        ("DD-MON-YYYY", "02-Jan-2014", "2014-01-02", False, False),
        ("YYYY-MM-DD", "2014-01-02", "2014-01-02", False, False),
    ],
)
def test_parse_dates(fmt, raw, iso, unreadable, partial):
    got = parse_dates(pd.Series([raw]), fmt)
    assert got.iso.tolist() == [iso]
    assert got.unreadable.tolist() == [unreadable]
    assert got.partial.tolist() == [partial]


def test_dates_with_times():
    got = parse_dates(
        pd.Series(["12 MAR 2021", "12 MAR 2021", "UN MAR 2021", "12 MAR 2021"]),
        "DD MON YYYY",
        times=pd.Series(["10:30", "", "10:30", "25:00"]),
        time_fmt="HH:MI",
    )
    # an unknown day with a known time keeps the time; an unreadable time is dropped and flagged
    assert got.iso.tolist() == ["2021-03-12T10:30", "2021-03-12", "2021-03--T10:30", "2021-03-12"]
    assert got.unreadable.tolist() == [False, False, False, True]


def test_unknown_parts_of_date_and_time_combine_per_row():
    values = pd.Series(
        ["UN UNK 2021", "12 UNK 2021", "12 MAR 2021", "12 MAR 2021", "UN MAR 2021", "", "31 FEB 2021", "12 MAR 2021"],
        index=[5, 9, 100, 3, 4, 8, 2, 1],
    )
    times = pd.Series(["10:30", "10:30", "UN:30", "10:UN", "garbage", "10:30", "10:30", None], index=values.index)
    got = parse_dates(values, "DD MON YYYY", times, "HH:MI")
    assert got.iso.index.tolist() == [5, 9, 100, 3, 4, 8, 2, 1]
    assert got.iso.tolist() == [
        "2021----T10:30",
        "2021---12T10:30",
        "2021-03-12T-:30",
        "2021-03-12T10",
        "2021-03",
        None,
        None,
        "2021-03-12",
    ]
    # a time without its date (row 8) is flagged, not dropped unseen
    assert got.unreadable.tolist() == [False, False, False, False, True, True, True, False]
    assert got.partial.tolist() == [True, True, True, False, True, False, False, False]


def test_no_rows():
    for times in (None, pd.Series([], dtype=object)):
        got = parse_dates(pd.Series([], dtype=object), "DD MON YYYY", times)
        assert len(got.iso) == 0 and got.iso.dtype == object
        assert got.unreadable.dtype == bool and got.partial.dtype == bool


def test_distinct_rows_numbers_combinations_as_they_appear():
    codes, first = distinct_rows(pd.DataFrame({"a": ["x", None, "x", "y", None], "b": [1.0, 2.0, 1.0, 1.0, 2.0]}))
    assert codes.tolist() == [0, 1, 0, 2, 1] and first.tolist() == [0, 1, 3]
    codes, first = distinct_rows(pd.DataFrame({"a": [0.0, -0.0, 0.0]}))
    assert codes.tolist() == [0, 1, 0] and first.tolist() == [0, 1]


def test_missing_values_and_index_are_kept():
    values = pd.Series([None, np.nan, "01 JAN 2020"], index=[10, 11, 12])
    got = parse_dates(values, "DD MON YYYY")
    assert got.iso.index.tolist() == [10, 11, 12]
    assert got.iso.tolist() == [None, None, "2020-01-01"]


def test_study_day_has_no_day_zero():
    ref = pd.Series(["2021-03-11"] * 5)
    dtc = pd.Series(["2021-03-11", "2021-03-12", "2021-03-10", "2021-03", "2021-03-11T08:00"])
    assert compute_study_day(dtc, ref).tolist()[:3] == [1.0, 2.0, -1.0]
    assert np.isnan(compute_study_day(dtc, ref).iloc[3])
    assert compute_study_day(dtc, ref).iloc[4] == 1.0


def test_iso_date_part_is_nat_for_partial_dates():
    got = iso_date_part(pd.Series(["2021-03-11T10:00", "2021-03", None]))
    assert got.iloc[0] == pd.Timestamp("2021-03-11") and got.iloc[1:].isna().all()
