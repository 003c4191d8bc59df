"""conformance.adam_checks: representative ADaMIG 1.3 checks called directly on tiny frames:
record-level (CNSR, CHG, PCHG, flags, imputation flags, TRTSDT/TRTEDT as SAS dates), group
ones (baseline once, BASE), cross-dataset ones against ADSL, DM and SDTM (subjects, ADY,
copied variables, SRCDOM traceability); each passing, failing, and not applicable when the
dataset or variable it needs is absent. test_adam_checks.py runs every rule's literal example
through a validation run."""

from __future__ import annotations

import pandas as pd
from check_literals import NAN, counts, df, rows, run

from conformance import adam_checks as ad


# -- subjects against ADSL and DM ---------------------------------------------------------------
def test_every_subject_of_an_adam_dataset_is_in_adsl():
    adsl = df(USUBJID=["P-1", "P-2"])
    adae = df(USUBJID=["P-1", "P-9", "P-2"])
    out = run(ad.in_adsl, "ADAE", {"ADSL": adsl, "ADAE": adae})
    assert (counts(out), rows(out)) == ((3, 0, 1), [1])
    assert out.hits[0].detail == "not in ADSL.USUBJID"
    assert counts(run(ad.in_adsl, "ADAE", {"ADAE": adae})) == (0, 3, 0)  # no ADSL
    assert counts(run(ad.in_adsl, "ADSL", {"ADSL": adsl})) == (0, 2, 0)  # ADSL itself


def test_adsl_has_every_subject_of_dm():
    dm = df(USUBJID=["P-1", "P-2", "P-3"])
    adsl = df(USUBJID=["P-1"])
    out = run(ad.dm_in_adsl, "ADSL", {"DM": dm, "ADSL": adsl})
    assert out.checked == 3
    assert [(h.values, h.detail) for h in out.hits] == [
        (["P-2"], "in DM but not in ADSL"),
        (["P-3"], "in DM but not in ADSL"),
    ]
    assert counts(run(ad.dm_in_adsl, "ADSL", {"ADSL": adsl})) == (0, 1, 0)  # no DM


# -- time to event ----------------------------------------------------------------------------
def test_cnsr_is_0_or_a_positive_integer():
    adtte = df(USUBJID=["P-1"] * 6, PARAMCD=["OS"] * 6, CNSR=[0.0, 1.0, 2.0, -1.0, 1.5, NAN])
    out = run(ad.cnsr_0_event_positive_integer_censored(), "ADTTE", {"ADTTE": adtte})
    assert (counts(out), rows(out)) == ((5, 1, 2), [3, 4])


def test_time_to_event_rules_are_not_applicable_to_a_dataset_without_cnsr():
    adlb = df(USUBJID=["P-1"], PARAMCD=["ALT"], AVAL=[5.0])
    assert counts(run(ad.cnsr_0_event_positive_integer_censored(), "ADLB", {"ADLB": adlb})) == (0, 1, 0)


# -- baseline and change ----------------------------------------------------------------------
def test_one_baseline_record_per_subject_parameter_and_basetype():
    adlb = df(
        USUBJID=["P-1", "P-1", "P-1", "P-2", "P-2"],
        PARAMCD=["ALT", "ALT", "AST", "ALT", "ALT"],
        ABLFL=["Y", "Y", "Y", "Y", None],
    )
    out = run(ad.baseline_once, "ADLB", {"ADLB": adlb})
    assert (counts(out), rows(out)) == ((4, 1, 2), [0, 1])
    by_basetype = adlb.iloc[:2].assign(BASETYPE=["LAST", "FIRST"])
    assert run(ad.baseline_once, "ADLB", {"ADLB": by_basetype}).failed == 0
    assert counts(run(ad.baseline_once, "ADLB", {"ADLB": adlb.drop(columns="ABLFL")})) == (0, 5, 0)


def test_base_is_the_aval_of_the_baseline_record():
    adlb = df(
        USUBJID=["P-1", "P-1", "P-1", "P-2"],
        PARAMCD=["ALT"] * 4,
        ABLFL=["Y", None, None, None],
        AVAL=[10.0, 12.0, 15.0, 7.0],
        BASE=[10.0, 10.0, 12.0, NAN],
    )
    out = run(ad.base_is_baseline_aval, "ADLB", {"ADLB": adlb})
    # P-2 has neither a baseline record nor BASE: not applicable
    assert (counts(out), rows(out)) == ((3, 1, 1), [2])
    assert list(out.hits[0].detail) == ["baseline AVAL 10.0"]


def test_chg_is_aval_minus_base_within_float_rounding():
    adlb = df(AVAL=[0.3, 15.0, 15.0, NAN], BASE=[0.1, 10.0, 10.0, 10.0], CHG=[0.2, 5.0, 4.0, NAN])
    out = run(ad.chg_aval_base(), "ADLB", {"ADLB": adlb})
    assert (counts(out), rows(out)) == ((3, 1, 1), [2])
    assert list(out.hits[0].values) == ["AVAL=15; BASE=10; CHG=4"]


def test_pchg_is_the_change_in_percent_of_base_and_base_0_is_not_applicable():
    adlb = df(AVAL=[15.0, 15.0, 5.0, 3.0], BASE=[10.0, 10.0, 0.0, 9.0], PCHG=[50.0, 5.0, 100.0, -66.67])
    out = run(ad.pchg_aval_base_base_x_100(), "ADLB", {"ADLB": adlb})
    # -66.67 is -66.666... to 0.01
    assert (counts(out), rows(out)) == ((3, 1, 1), [1])


# -- flags and dates ----------------------------------------------------------------------------
def test_population_flags_are_y_or_n_never_null():
    adsl = df(USUBJID=["P-1", "P-2", "P-3"], SAFFL=["Y", "N", None], ITTFL=["Y", "Y", "y"])
    out = run(ad.flag_values(True), "ADSL", {"ADSL": adsl})
    assert out.checked == 6
    assert [(h.variable, list(h.rows)) for h in out.hits] == [("SAFFL", [2]), ("ITTFL", [2])]


def test_record_flags_are_y_or_null_and_flags_copied_from_adsl_are_left_to_adsl():
    adsl = df(USUBJID=["P-1"], TRTFL=["N"])
    adlb = df(USUBJID=["P-1"] * 3, ABLFL=["Y", None, "N"], ANL01FL=["Y", "", "Y"], TRTFL=["N", "N", "N"])
    out = run(ad.flag_values(False), "ADLB", {"ADSL": adsl, "ADLB": adlb})
    assert [(h.variable, list(h.rows)) for h in out.hits] == [("ABLFL", [2])]
    assert out.checked == 6  # ABLFL and ANL01FL; TRTFL is ADSL's
    assert counts(run(ad.flag_values(False), "ADLB", {"ADLB": df(USUBJID=["P-1"])})) == (0, 1, 0)


def test_trtsdt_is_not_after_trtedt_as_sas_dates_or_datetimes():
    # SAS dates count days from 1960-01-01: 21915 is 2020-01-01
    numbers = df(USUBJID=["P-1", "P-2", "P-3"], TRTSDT=[21915.0, 21915.0, 21915.0], TRTEDT=[21915.0, 21914.0, NAN])
    out = run(ad.trtsdt_not_after_trtedt(), "ADSL", {"ADSL": numbers})
    assert (counts(out), rows(out)) == ((2, 1, 1), [1])
    dates = pd.DataFrame(
        {"TRTSDT": pd.to_datetime(["2020-01-02", "2020-01-01"]), "TRTEDT": pd.to_datetime(["2020-01-01", "2020-01-01"])}
    )
    assert rows(run(ad.trtsdt_not_after_trtedt(), "ADSL", {"ADSL": dates})) == [0]


def test_ady_counts_from_trtsdt_of_adsl_without_a_day_0():
    adsl = pd.DataFrame({"USUBJID": ["P-1"], "TRTSDT": pd.to_datetime(["2020-01-10"])})
    adlb = pd.DataFrame(
        {
            "USUBJID": ["P-1"] * 4,
            "ADT": pd.to_datetime(["2020-01-09", "2020-01-10", "2020-01-12", None]),
            "ADY": [-1.0, 1.0, 2.0, NAN],
        }
    )
    out = run(ad.ady, "ADLB", {"ADSL": adsl, "ADLB": adlb})
    assert (counts(out), rows(out)) == ((3, 1, 1), [2])
    assert list(out.hits[0].detail) == ["expected 3"]
    assert counts(run(ad.ady, "ADLB", {"ADLB": adlb})) == (0, 4, 0)  # no TRTSDT anywhere


def test_date_imputation_flags_are_y_m_or_d():
    adae = df(ASTDTF=["D", "M", "Y", "X", None], AENDTF=[None, None, None, None, "H"])
    out = run(ad.date_imputation_flags_dtf_y_m_d(), "ADAE", {"ADAE": adae})
    assert counts(out) == (5, 5, 2)
    assert [(h.variable, list(h.rows)) for h in out.hits] == [("ASTDTF", [3]), ("AENDTF", [4])]
    assert counts(run(ad.date_imputation_flags_dtf_y_m_d(), "ADAE", {"ADAE": df(AETERM=["x"])})) == (0, 1, 0)


def test_numeric_dates_hold_numbers_not_text():
    adae = pd.DataFrame({"ASTDT": pd.Series([21915.0, NAN]), "AENDT": pd.Series(["2020-01-05", None], dtype=object)})
    out = run(ad.numeric_dates_dt_datetimes_dtm_numbers_dates(), "ADAE", {"ADAE": adae})
    assert [(h.variable, list(h.rows), h.detail) for h in out.hits] == [
        ("AENDT", [0], "text where a SAS date number is expected")
    ]


# -- traceability and copied variables ----------------------------------------------------------
def test_srcdom_srcvar_and_srcseq_point_at_a_record_and_variable_that_exist():
    ae = df(USUBJID=["P-1", "P-1"], AESEQ=[1.0, 2.0], AETERM=["Headache", "Nausea"])
    adae = df(
        USUBJID=["P-1", "P-1", "P-1", "P-1", "P-1"],
        SRCDOM=["AE", "AE", "AE", "CM", None],
        SRCVAR=["AETERM", "AEXYZ", "AETERM", "CMTRT", None],
        SRCSEQ=[2.0, 1.0, 9.0, 1.0, NAN],
    )
    out = run(ad.srcdom_trace, "ADAE", {"AE": ae, "ADAE": adae})
    # CM is not in the study and the last record names no source: neither is checked
    assert (counts(out), rows(out)) == ((3, 2, 2), [1, 2])
    assert list(out.hits[0].detail) == ["SRCVAR is not a variable of AE", "no AE record with AESEQ = SRCSEQ"]


def test_adsl_variables_copied_from_dm_keep_dms_values():
    dm = df(USUBJID=["P-1", "P-2"], SEX=["F", "M"], AGE=[54.0, 61.0])
    adsl = df(USUBJID=["P-1", "P-2", "P-3"], SEX=["F", "F", "M"], AGE=[54.0, 61.0, 40.0], SAFFL=["Y", "Y", "N"])
    out = run(ad.adsl_variables_copied_from_dm_keep_dm(), "ADSL", {"DM": dm, "ADSL": adsl})
    assert counts(out) == (2, 1, 1)  # P-3 is not in DM; SAFFL is not a DM variable
    (h,) = out.hits
    assert (h.variable, list(h.rows), list(h.detail)) == ("SEX", [1], ["DM has 'M'"])
    assert counts(run(ad.adsl_variables_copied_from_dm_keep_dm(), "ADSL", {"ADSL": adsl})) == (0, 3, 0)
