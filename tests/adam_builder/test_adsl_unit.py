"""adam_builder.adsl: the subject-level derivations, each on a literal table of a few subjects.

Expected values are written from ADaMIG 1.3 (ADSL variables), ../shared/RECIST.md and
../shared/STUDY.md (first dose, last known alive, new anti-cancer therapy), and the admiral
derivation of the same name (derive_vars_dtm for the exposure dates, derive_vars_extreme_event
for LSTALVDT, derive_vars_dt for the death date, format_reason_default for DCSREAS).
"""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from adam_builder.adsl import (
    compute_group,
    compute_measurable_disease,
    create_adsl,
    derive_var_lstalvdt,
    derive_var_nactdt,
    derive_var_randdt,
    derive_vars_age_group,
    derive_vars_cutoff,
    derive_vars_death,
    derive_vars_disposition,
    derive_vars_populations,
    derive_vars_trt,
    derive_vars_trt_dates,
)
from adam_builder.common import AdamInputError, derive_vars_supp
from specs.model import Codelist, CodelistTerm, Dataset, Spec, Variable

T = pd.Timestamp
NAT = pd.NaT
DT = "datetime64[ns]"


def dates(*values) -> pd.Series:
    return pd.Series([T(v) if v else NAT for v in values], dtype=DT)


def test_create_adsl_one_record_per_dm_subject_age_numeric():
    dm = pd.DataFrame({"STUDYID": ["X", "X"], "USUBJID": ["S1", "S2"], "AGE": ["65", None]}, index=[5, 9])
    expected = pd.DataFrame({"STUDYID": ["X", "X"], "USUBJID": ["S1", "S2"], "AGE": [65.0, np.nan]})
    assert_frame_equal(create_adsl(dm), expected)
    with pytest.raises(AdamInputError, match=r"DM: more than one record per USUBJID, e.g. \['S1'\]"):
        create_adsl(pd.DataFrame({"STUDYID": ["X", "X"], "USUBJID": ["S1", "S1"]}))


def test_derive_vars_trt_dates_first_and_last_valid_dose_with_time_imputation():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"]})
    ex = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S1", "S2"],
            "EXTRT": ["ANLOTINIB", "TORIPALIMAB", "ANLOTINIB", "ANLOTINIB", "PLACEBO"],
            "EXDOSE": [12, 240, 0, 10, 0],
            "EXSTDTC": ["2021-01-05T09:30", "2021-01-05", "2021-01-26", "2021-01", "2021-02-01T10:00:00"],
            "EXENDTC": ["2021-01-18", "", "2021-02-08", "2021-01-20T08:00", "2021-02-01T10:00:00"],
        }
    )
    out = derive_vars_trt_dates(adsl, ex=ex)
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3"],
            # S1: the dateless-time start imputes 00:00:00 (flag H) and is the earliest; a partial
            # EXSTDTC is no first dose; EXDOSE 0 of an active drug is no dose; placebo 0 is one
            "TRTSDTM": dates("2021-01-05 00:00:00", "2021-02-01 10:00:00", None),
            "TRTSTMF": pd.Series(["H", None, None], dtype=object),
            "TRTSDT": dates("2021-01-05", "2021-02-01", None),
            # last: the latest EXENDTC (EXSTDTC when blank), seconds imputed 59 (flag S)
            "TRTEDTM": dates("2021-01-20 08:00:59", "2021-02-01 10:00:00", None),
            "TRTETMF": pd.Series(["S", None, None], dtype=object),
            "TRTEDT": dates("2021-01-20", "2021-02-01", None),
            "TRTDURD": [16.0, 1.0, np.nan],
        }
    )
    assert_frame_equal(out, expected)


def test_derive_var_randdt_earliest_complete_randomisation_date():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"]})
    ds = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2", "S3"],
            "DSDECOD": ["RANDOMIZED", "RANDOMIZED", "RANDOMIZED", "INFORMED CONSENT OBTAINED"],
            "DSSTDTC": ["2021-01-03", "2021-01-02", "2021-01", "2020-12-20"],
        }
    )
    assert_series_equal(derive_var_randdt(adsl, ds=ds)["RANDDT"], dates("2021-01-02", None, None).rename("RANDDT"))
    no_ds = derive_var_randdt(adsl, ds=pd.DataFrame(columns=["USUBJID"]))
    assert_series_equal(no_ds["RANDDT"], dates(None, None, None).rename("RANDDT"))


def trt_spec() -> Spec:
    return Spec(
        datasets=(Dataset("ADSL"),),
        variables=tuple(
            Variable("ADSL", name, order=i, codelist=codelist)
            for i, (name, codelist) in enumerate(
                [
                    ("ARMCD", "ARMCD"),
                    ("ACTARMCD", "ARMCD"),
                    ("TRT01P", None),
                    ("TRT01PN", "TRTN"),
                    ("TRT01A", None),
                    ("TRT01AN", "TRTN"),
                    ("AGE", None),
                    ("AGEGR1", "AGEGR1"),
                    ("AGEGR1N", "AGEGR1N"),
                ]
            )
        ),
        codelists=(
            Codelist("ARMCD", terms=(CodelistTerm("A", decoded_value="ANLOTINIB + TORIPALIMAB"),)),
            Codelist("TRTN", terms=(CodelistTerm("1", decoded_value="ANLOTINIB + TORIPALIMAB"),)),
            Codelist("AGEGR1", terms=(CodelistTerm("18-64"), CodelistTerm(">=65"))),
            Codelist(
                "AGEGR1N", terms=(CodelistTerm("1", decoded_value="18-64"), CodelistTerm("2", decoded_value=">=65"))
            ),
        ),
    )


def test_derive_vars_trt_planned_and_actual_from_the_arm_codes():
    adsl = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3"],
            "ARMCD": ["A", "SCRNFAIL", "A"],
            "ARM": ["Anlotinib + Toripalimab", "Screen Failure", "Anlotinib + Toripalimab"],
            "ACTARMCD": ["A", None, "NOTTRT"],
            "ACTARM": ["Anlotinib + Toripalimab", None, "Not Treated"],
        }
    )
    out = derive_vars_trt(adsl, spec=trt_spec())
    trt = "ANLOTINIB + TORIPALIMAB"
    expected = adsl.assign(
        TRT01P=pd.Series([trt, "Screen Failure", trt], dtype=object),
        TRT01PN=[1.0, np.nan, 1.0],
        TRT01A=pd.Series([trt, None, "Not Treated"], dtype=object),
        TRT01AN=[1.0, np.nan, np.nan],
    )
    assert_frame_equal(out, expected)


def test_compute_group_bounds_ranges_and_first_matching_term():
    values = pd.Series([17, 18, 64, 64.5, 65, None, "70"])
    out = compute_group(values, ["18-64", ">=65", "<18"])
    assert_series_equal(out, pd.Series(["<18", "18-64", "18-64", None, ">=65", None, ">=65"], dtype=object))
    overlap = compute_group(pd.Series([50]), ["<=50", ">=50"])  # the first term listed wins
    assert overlap.tolist() == ["<=50"]
    with pytest.raises(AdamInputError, match="group term 'old' is not of the form"):
        compute_group(values, ["old"])


def test_derive_vars_age_group_by_the_codelist_terms():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4", "S5"], "AGE": [17.0, 18.0, 64.0, 65.0, np.nan]})
    out = derive_vars_age_group(adsl, spec=trt_spec())
    expected = adsl.assign(
        AGEGR1=pd.Series([None, "18-64", "18-64", ">=65", None], dtype=object), AGEGR1N=[np.nan, 1.0, 1.0, 2.0, np.nan]
    )
    assert_frame_equal(out, expected)


def test_derive_vars_supp_suppdm_qualifiers_as_variables():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"]})
    supp = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2"],
            "QNAM": ["HISTOL", "ECOGBL", "HISTOL"],
            "QVAL": ["LEIOMYOSARCOMA", "1", "LIPOSARCOMA"],
        }
    )
    out = derive_vars_supp(adsl, supp=supp, names=["HISTOL", "ECOGBL", "OTHER"])
    expected = adsl.assign(
        HISTOL=pd.Series(["LEIOMYOSARCOMA", "LIPOSARCOMA", None], dtype=object),
        ECOGBL=pd.Series(["1", None, None], dtype=object),
    )
    assert_frame_equal(out, expected)
    assert_frame_equal(derive_vars_supp(adsl, supp=pd.DataFrame(), names=["HISTOL"]), adsl)


def lstalvdt_sources() -> dict[str, pd.DataFrame]:
    return {
        "SV": pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "SVSTDTC": ["2021-01-05", "2021-03-01", "2021-05-20"]}),
        "EX": pd.DataFrame(
            {"USUBJID": ["S1", "S3"], "EXSTDTC": ["2021-01-05", "2022-02-01"], "EXENDTC": ["2021-02-20", None]}
        ),
        "AE": pd.DataFrame(
            {
                "USUBJID": ["S1", "S2"],
                "AESTDTC": ["2021-03-05", "2021-05-02"],
                "AEENDTC": ["2021-04-01", "2021-05-20"],
                "AEOUT": ["RECOVERED/RESOLVED", "FATAL"],
            }
        ),
        "RS": pd.DataFrame({"USUBJID": ["S1", "S2"], "RSDTC": ["2021-03-20", "2021-05"]}),
        "TR": pd.DataFrame({"USUBJID": ["S2"], "TRDTC": ["2021-05-01"]}),
        "DS": pd.DataFrame(
            {
                "USUBJID": ["S1", "S2", "S4"],
                "DSDECOD": ["COMPLETED", "DEATH", "WITHDRAWAL BY SUBJECT"],
                "DSSTDTC": ["2021-04-10", "2021-05-20", "2021-06-01"],
            }
        ),
    }


def test_derive_var_lstalvdt_latest_contact_alive_capped_at_the_cutoff():
    adsl = pd.DataFrame(
        {"USUBJID": ["S1", "S2", "S3", "S4"], "DCUTDT": dates("2021-12-31", "2021-12-31", "2021-12-31", "2021-12-31")}
    )
    out = derive_var_lstalvdt(adsl, sources=lstalvdt_sources())
    # S1: the completion record (2021-04-10) is a contact; S2: the death record, the visit recording
    # it, the fatal AE's end and a partial RS date are not (AE start 2021-05-02 is the latest);
    # S3: a dose after the cut-off gives the cut-off; S4: withdrawal is no contact, nothing else
    assert_series_equal(out["LSTALVDT"], dates("2021-04-10", "2021-05-02", "2021-12-31", None).rename("LSTALVDT"))


def test_derive_var_lstalvdt_is_the_death_date_for_subjects_who_died():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2"], "DTHDT": dates(None, "2021-05-20")})
    out = derive_var_lstalvdt(adsl, sources=lstalvdt_sources())
    assert_series_equal(out["LSTALVDT"], dates("2021-04-10", "2021-05-20").rename("LSTALVDT"))


@pytest.mark.xfail(
    strict=True,
    reason="RECIST.md (OS): the last date known alive is the latest dated contact, survival follow-up "
    "contacts included; SDTM holds them in SS (SSSTRESC ALIVE, SSDTC), which derive_var_lstalvdt does "
    "not read (the built-in study also records them as SV visits, so its output is not affected)",
)
def test_derive_var_lstalvdt_counts_a_survival_follow_up_contact():
    adsl = pd.DataFrame({"USUBJID": ["S1"], "DCUTDT": dates("2021-12-31")})
    sources = {
        "SV": pd.DataFrame({"USUBJID": ["S1"], "SVSTDTC": ["2021-06-10"]}),
        "SS": pd.DataFrame(
            {"USUBJID": ["S1"], "SSTESTCD": ["SURVSTAT"], "SSSTRESC": ["ALIVE"], "SSDTC": ["2021-08-01"]}
        ),
    }
    out = derive_var_lstalvdt(adsl, sources=sources)
    assert_series_equal(out["LSTALVDT"], dates("2021-08-01").rename("LSTALVDT"))


def test_derive_vars_death_date_imputed_not_before_last_alive_and_the_cause():
    adsl = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3", "S4"],
            "DTHDTC": ["2021-05-20", "2021-06", "2021", None],
            "LSTALVDT": dates("2021-05-01", "2021-06-10", "2021-03-01", "2021-07-01"),
        }
    )
    ds = pd.DataFrame(
        {
            "USUBJID": ["S2", "S3", "S4"],
            "DSDECOD": ["DEATH", "DEATH", "COMPLETED"],
            "DSTERM": ["Death", "Unknown cause", "Completed"],
        }
    )
    ae = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S4"],
            "AEDECOD": ["SEPSIS", "PNEUMONITIS", "RASH"],
            "AEOUT": ["FATAL", "FATAL", "RECOVERED/RESOLVED"],
        }
    )
    dd = pd.DataFrame(
        {
            "USUBJID": ["S1"],
            "DDTESTCD": ["PRCDTH"],
            "DDORRES": ["Disease progression"],
            "DDSTRESC": ["DISEASE PROGRESSION"],
        }
    )
    out = derive_vars_death(adsl, ds=ds, ae=ae, dd=dd)
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3", "S4"],
            "DTHDTC": ["2021-05-20", "2021-06", "2021", None],
            # the death date is the last date known alive
            "LSTALVDT": dates("2021-05-20", "2021-06-10", "2021-03-01", "2021-07-01"),
            # a partial death date: first of the period, moved up to the last date known alive
            "DTHDT": dates("2021-05-20", "2021-06-10", "2021-03-01", None),
            "DTHDTF": pd.Series([None, "D", "M", None], dtype=object),
            "DTHFL": pd.Series(["Y", "Y", "Y", None], dtype=object),
            # the collected cause (DD) first, then a fatal AE, then the DS death record's term
            "DTHCAUS": pd.Series(["DISEASE PROGRESSION", "PNEUMONITIS", "UNKNOWN CAUSE", None], dtype=object),
            # the domain the cause came from
            "DTHDOM": pd.Series(["DD", "AE", "DS", None], dtype=object),
        }
    )
    assert_frame_equal(out, expected)


DISPOSITION = pd.DataFrame(
    {
        "USUBJID": ["S1", "S1", "S2", "S2", "S3"],
        "DSCAT": ["DISPOSITION EVENT"] * 4 + ["PROTOCOL MILESTONE"],
        "DSSCAT": ["END OF TREATMENT", "END OF STUDY", "END OF TREATMENT", "END OF STUDY", None],
        "DSDECOD": ["ADVERSE EVENT", "COMPLETED", "PROGRESSIVE DISEASE", "DEATH", "RANDOMIZED"],
        "DSSTDTC": ["2021-03-01", "2021-09-01", "2021-02-01", "2021-04-02", "2021-01-02"],
    }
)
SUBJECTS = pd.DataFrame(
    {"USUBJID": ["S1", "S2", "S3", "S4"], "TRTSDT": dates("2021-01-05", "2021-01-06", "2021-01-07", None)}
)


def test_derive_vars_disposition_end_of_treatment_status_treated_subjects_only():
    out = derive_vars_disposition(
        SUBJECTS, ds=DISPOSITION, subcategory="END OF TREATMENT", status="EOTSTT", reason="DCTREAS", treated_only=True
    )
    assert out["EOTSTT"].tolist() == ["DISCONTINUED", "DISCONTINUED", "ONGOING", None]
    assert out["DCTREAS"].tolist() == ["ADVERSE EVENT", "PROGRESSIVE DISEASE", None, None]


def test_derive_vars_disposition_end_of_study_status_and_date():
    out = derive_vars_disposition(
        SUBJECTS, ds=DISPOSITION, subcategory="END OF STUDY", status="EOSSTT", reason="DCSREAS", date="EOSDT"
    )
    assert out["EOSSTT"].tolist() == ["COMPLETED", "DISCONTINUED", "ONGOING", "ONGOING"]
    assert_series_equal(out["EOSDT"], dates("2021-09-01", "2021-04-02", None, None).rename("EOSDT"))
    assert out["DCSREAS"].tolist()[1:] == ["DEATH", None, None]


def test_derive_vars_disposition_no_discontinuation_reason_for_a_completer():
    out = derive_vars_disposition(
        SUBJECTS, ds=DISPOSITION, subcategory="END OF STUDY", status="EOSSTT", reason="DCSREAS", date="EOSDT"
    )
    assert out["DCSREAS"].tolist() == [None, "DEATH", None, None]


def test_derive_vars_disposition_without_dsscat_every_event_ends_the_study():
    ds = DISPOSITION.drop(columns="DSSCAT").iloc[[1, 3]]
    eos = derive_vars_disposition(SUBJECTS, ds=ds, subcategory="END OF STUDY", status="EOSSTT", reason="DCSREAS")
    assert eos["EOSSTT"].tolist() == ["COMPLETED", "DISCONTINUED", "ONGOING", "ONGOING"]
    eot = derive_vars_disposition(SUBJECTS, ds=ds, subcategory="END OF TREATMENT", status="EOTSTT", reason="DCTREAS")
    assert eot["EOTSTT"].tolist() == ["ONGOING"] * 4


def test_derive_vars_cutoff_from_ts_else_the_setting():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2"]})
    ts = pd.DataFrame({"TSPARMCD": ["DCUTDTC", "DCUTDESC", "TITLE"], "TSVAL": ["2021-12-31", "PRIMARY ANALYSIS", "x"]})
    out = derive_vars_cutoff(adsl, ts=ts, default="2022-06-30")
    expected = adsl.assign(DCUTDT=dates("2021-12-31", "2021-12-31"), DCUTDESC="PRIMARY ANALYSIS")
    assert_frame_equal(out, expected)
    out = derive_vars_cutoff(adsl, ts=None, default="2022-06-30")
    assert_frame_equal(out, adsl.assign(DCUTDT=dates("2022-06-30", "2022-06-30"), DCUTDESC=None))
    assert derive_vars_cutoff(adsl, ts=pd.DataFrame(), default=None)["DCUTDT"].isna().all()


def test_derive_var_nactdt_first_subsequent_therapy_after_first_dose():
    adsl = pd.DataFrame(
        {"USUBJID": ["S1", "S2", "S3", "S4"], "TRTSDT": dates("2021-01-05", "2021-01-10", "2021-01-05", "2021-01-05")}
    )
    cm = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2", "S3", "S3"],
            "CMCAT": ["SUBSEQUENT ANTI-CANCER THERAPY"] * 3
            + ["PRIOR ANTI-CANCER THERAPY", "SUBSEQUENT ANTI-CANCER THERAPY"],
            "CMSTDTC": ["2021-05", "2021-04-20", "2021-01", "2021-03-01", "2020-12-01"],
        }
    )
    out = derive_var_nactdt(adsl, cm=cm)
    # S2: a therapy in the month of first dose is imputed to the first dose, not after it: none;
    # S3: a prior therapy and one before first dose do not count; S4: no CM
    assert_series_equal(out["NACTDT"], dates("2021-04-20", None, None, None).rename("NACTDT"))
    assert derive_var_nactdt(adsl, cm=None)["NACTDT"].isna().all()


TU = pd.DataFrame(
    {
        "USUBJID": ["S1", "S2", "S3", "S4", "S5"],
        "TUORRES": ["TARGET", "TARGET", "TARGET", "NON-TARGET", "TARGET"],
        "TUEVAL": ["INVESTIGATOR", "INVESTIGATOR", "INDEPENDENT ASSESSOR", "INVESTIGATOR", None],
        "TUDTC": ["2021-01-01", "2021-03-01", "2021-01-01", "2021-01-01", None],
    }
)


def test_compute_measurable_disease_target_at_baseline_of_the_evaluator():
    reference = pd.Series(
        dates("2021-01-05", "2021-01-05", "2021-01-05", "2021-01-05", "2021-01-05").to_numpy(),
        index=["S1", "S2", "S3", "S4", "S5"],
    )
    out = compute_measurable_disease(TU, reference=reference, evaluator="INVESTIGATOR")
    # S2's target came after the reference; S3's is another evaluator's; S4 has none; S5 undated counts
    assert_series_equal(out, pd.Series(True, index=pd.Index(["S1", "S5"], name="USUBJID")))
    assert compute_measurable_disease(None, reference=reference, evaluator="INVESTIGATOR").empty


def test_derive_vars_populations():
    adsl = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3", "S4", "S5"],
            "RFICDTC": ["2020-12-20", "2020-12-21", "2020-12-22", "2020-12-23", None],
            "ARMCD": ["A", None, "A", "A", "A"],
            "ARMNRS": [None, "SCREEN FAILURE", None, None, None],
            "TRTSDT": dates("2021-01-05", None, None, "2021-01-05", "2021-01-05"),
        }
    )
    out = derive_vars_populations(adsl, tu=TU.assign(USUBJID=["S1", "S2", "S3", "S2", "S5"]), evaluator="INVESTIGATOR")
    expected = adsl.assign(
        ENRLFL=pd.Series(["Y", "N", "Y", "Y", "N"], dtype=object),
        SAFFL=pd.Series(["Y", "N", "N", "Y", "Y"], dtype=object),
        FASFL=pd.Series(["Y", "N", "N", "Y", "N"], dtype=object),
        RSPEVLFL=pd.Series(["Y", "N", "N", "N", "N"], dtype=object),
    )
    assert_frame_equal(out, expected)
