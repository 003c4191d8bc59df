"""The study context (dataset kinds, prefixes, what a rule applies to) and the vectorised
value helpers the checks are written with."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conformance.context import (
    Context,
    as_date,
    blank,
    dtc_after,
    dtc_date,
    is_numeric_text,
    number,
    study_day,
    text,
)


def _ctx() -> Context:
    return Context(
        {
            "dm": pd.DataFrame({"USUBJID": ["P-1", "P-2"], "AGE": [30.0, 41.0]}),
            "AE": pd.DataFrame({"DOMAIN": ["AE"], "USUBJID": ["P-2"], "AETERM": ["HEADACHE"]}),
            "SUPPAE": pd.DataFrame({"RDOMAIN": ["AE"], "QNAM": ["AETRTEM"]}),
            "ADSL": pd.DataFrame({"USUBJID": ["P-1"]}),
            "ADLB": pd.DataFrame({"USUBJID": ["P-1"], "PARAMCD": ["ALT"]}),
            "ADAE": pd.DataFrame({"USUBJID": ["P-1"], "AEDECOD": ["HEADACHE"]}),
        }
    )


def test_dataset_names_are_upper_case_and_sorted():
    assert _ctx().names() == ["ADAE", "ADLB", "ADSL", "AE", "DM", "SUPPAE"]


def test_classes_without_a_spec_come_from_the_name_and_the_variables():
    ctx = _ctx()
    got = {name: ctx.dataset_class(name) for name in ctx.names()}
    assert got == {
        "ADAE": "OCCDS",
        "ADLB": "BDS",
        "ADSL": "ADSL",
        "AE": "EVENTS",
        "DM": "SPECIAL PURPOSE",
        "SUPPAE": "RELATIONSHIP",
    }


def test_the_prefix_of_a_variable_is_the_domain():
    ctx = _ctx()
    assert ctx.var("AE", "--TERM") == "AETERM"
    assert ctx.var("AE", "USUBJID") == "USUBJID"
    assert ctx.domain("SUPPAE") is None and ctx.domain("ADLB") is None


def test_what_a_rule_applies_to_and_excludes():
    ctx = _ctx()
    assert ctx.matches("AE", ("EVENTS",)) and ctx.matches("AE", ("GENERAL",)) and ctx.matches("AE", ("SDTM",))
    assert not ctx.matches("AE", ("SDTM",), excludes=("AE",))
    assert ctx.matches("SUPPAE", ("SUPP--",)) and not ctx.matches("SUPPAE", ("ADAM",))
    assert ctx.matches("ADLB", ("BDS",)) and ctx.matches("ADLB", ("ADAM",)) and not ctx.matches("ADLB", ("SDTM",))


def test_dm_values_follow_the_subject():
    ctx = _ctx()
    assert list(ctx.dm_value(ctx.datasets["AE"], "AGE")) == [41.0]
    assert ctx.dm_value(ctx.datasets["AE"], "RFSTDTC") is None


def test_blank_text_and_number():
    values = pd.Series(["  a ", "", None, "  ", 2.0, 2.5], dtype=object)
    assert list(blank(values)) == [False, True, True, True, False, False]
    assert list(text(values)) == ["a", "", "", "", "2", "2.5"]
    got = number(pd.Series(["1", " 2.5 ", "x", None], dtype=object))
    assert got.iloc[:2].tolist() == [1.0, 2.5] and got.iloc[2:].isna().all()
    assert list(is_numeric_text(pd.Series(["1e3", "-.5", "1.2.3", "", "NEG"], dtype=object))) == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_dates_and_study_days():
    dates = dtc_date(pd.Series(["2020-01-09T10:00", "2020-01", "2020-02-30", "2020-01-10"], dtype=object))
    assert dates.iloc[[1, 2]].isna().all()
    reference = pd.Series(pd.to_datetime(["2020-01-10"] * 4))
    days = study_day(dates, reference)
    assert days.iloc[0] == -1 and days.iloc[3] == 1 and np.isnan(days.iloc[1])


def test_dtc_after_compares_at_the_precision_both_carry():
    first = pd.Series(["2020-03", "2020-02", "2020-02-16T10:00", "", "2020-01-01"], dtype=object)
    second = pd.Series(["2020-02-15", "2020-02-15", "2020-02-16", "2020-01-01", None], dtype=object)
    assert list(dtc_after(first, second)) == [True, False, False, False, False]


def test_adam_dates_from_numbers_and_text():
    got = as_date(pd.Series([0.0, 21915.0]))
    assert [str(d.date()) for d in got] == ["1960-01-01", "2020-01-01"]
    got = as_date(pd.Series(["2020-01-05T08:00", "2020-01"], dtype=object))
    assert str(got.iloc[0].date()) == "2020-01-05" and pd.isna(got.iloc[1])
