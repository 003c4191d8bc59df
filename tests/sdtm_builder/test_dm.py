"""The DM derivations: reference dates, consent, end of participation, death flag, actual arm."""

from __future__ import annotations

import pandas as pd

from sdtm_builder.recipes.dm import (
    derive_var_consent,
    derive_var_dthfl,
    derive_var_rfpendtc,
    derive_vars_actual_arm,
    derive_vars_exposure_dates,
)


def test_collected_actual_arm_is_kept_and_an_untreated_screen_failure_with_an_arm_code_is_a_screen_failure():
    dm = pd.DataFrame(
        {
            "USUBJID": ["A", "B", "C"],
            "ARMCD": ["Pbo", "Scrnfail", "Pbo"],
            "ARM": ["Placebo", "Screen Failure", "Placebo"],
            "ACTARMCD": ["Xan", "Scrnfail", "Pbo"],
            "ACTARM": ["Xanomeline", "Screen Failure", "Placebo"],
            "RFXSTDTC": ["2014-01-02", None, None],
        }
    )
    ds = pd.DataFrame({"USUBJID": ["B"], "DSDECOD": ["SCREEN FAILURE"]})
    out = derive_vars_actual_arm(dm, ds=ds)
    assert out["ACTARMCD"].tolist() == ["Xan", "Scrnfail", "Pbo"]
    assert out["ARMNRS"].where(out["ARMNRS"].notna(), None).tolist() == [
        None,
        "SCREEN FAILURE",
        "ASSIGNED, NOT TREATED",
    ]


def test_mapped_reference_end_is_kept_and_rfpendtc_keeps_its_time():
    dm = pd.DataFrame({"USUBJID": ["A", "B"], "RFENDTC": ["2014-07-02", None]})
    ex = pd.DataFrame(
        {"USUBJID": ["A", "B"], "EXSTDTC": ["2014-01-02", "2014-01-05"], "EXENDTC": ["2014-06-30", "2014-02-01"]}
    )
    out = derive_vars_exposure_dates(dm, ex=ex)
    assert out["RFENDTC"].tolist() == ["2014-07-02", "2014-02-01"]
    ds = pd.DataFrame({"USUBJID": ["A", "A"], "DSDTC": ["2014-07-02T11:45", "2014-07-01"]})
    assert derive_var_rfpendtc(out, datasets=[ds, ex])["RFPENDTC"].tolist() == ["2014-07-02T11:45", "2014-02-01"]


def test_consent_is_the_first_informed_consent_of_ds_unless_mapped():
    dm = pd.DataFrame({"USUBJID": ["A", "B", "C"], "RFICDTC": [None, "2014-01-01", None]})
    ds = pd.DataFrame(
        {
            "USUBJID": ["A", "A", "B", "C"],
            "DSDECOD": ["INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", "DEATH"],
            "DSSTDTC": ["2014-02-03", "2014-02-01", "2014-01-09", "2014-05-01"],
        }
    )
    consent = derive_var_consent(dm, ds=ds)["RFICDTC"]
    assert consent.tolist()[:2] == ["2014-02-01", "2014-01-01"] and consent.isna().tolist() == [False, False, True]


def test_death_flag_where_the_death_date_is_known():
    dm = pd.DataFrame({"DTHDTC": ["2014-05-01", None, ""]})
    assert derive_var_dthfl(dm)["DTHFL"].tolist() == ["Y", None, None]


def test_exposure_dates_are_the_first_and_last_complete_dates_of_ex():
    dm = pd.DataFrame({"USUBJID": ["A", "B"]})
    ex = pd.DataFrame(
        {
            "USUBJID": ["A", "A", "B"],
            "EXSTDTC": ["2014-01-05", "2014-01", "2014-03-01T10:00"],
            "EXENDTC": ["2014-02-01", "2014-01-20", None],
        }
    )
    out = derive_vars_exposure_dates(dm, ex=ex)
    assert out[["RFXSTDTC", "RFXENDTC", "RFSTDTC", "RFENDTC"]].values.tolist() == [
        ["2014-01-05", "2014-02-01", "2014-01-05", "2014-02-01"],
        ["2014-03-01T10:00", "2014-03-01T10:00", "2014-03-01T10:00", "2014-03-01T10:00"],
    ]


def test_participation_ends_at_death_unless_the_study_says_last_date():
    dm = pd.DataFrame({"USUBJID": ["A", "B", "C", "D"], "DTHDTC": ["2020-09-15", None, "2020-10", "2020-11-01T08:00"]})
    ss = pd.DataFrame(  # the contacts that learned of a death (A, C, D) come after it
        {"USUBJID": ["A", "B", "C", "D"], "SSDTC": ["2020-10-14", "2021-01-05", "2020-12-01", "2020-11-01"]}
    )
    at_death = derive_var_rfpendtc(dm, datasets=[ss])["RFPENDTC"].tolist()
    # A: the death date; B: alive; C: a partial death date caps nothing; D: the death, with its time,
    # is the latest record (DM's own dates count)
    assert at_death == ["2020-09-15", "2021-01-05", "2020-12-01", "2020-11-01T08:00"]
    last = derive_var_rfpendtc(dm, datasets=[ss], at_death=False)["RFPENDTC"].tolist()
    assert last == ["2020-10-14", "2021-01-05", "2020-12-01", "2020-11-01T08:00"]
