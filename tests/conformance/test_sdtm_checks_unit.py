"""conformance.sdtm_checks: representative SDTMIG 3.4 checks called directly on tiny frames:
record-level ones (death flag, study days, seriousness, results, TS durations, partial dates),
cross-dataset ones (DM, DS, EX, SE, TV/SV, SUPP--) with the subject's records, and study-level
ones; each passing, failing, and not applicable when the dataset it needs is absent.
test_sdtm_checks.py runs every rule's literal example through a validation run."""

from __future__ import annotations

import numpy as np
import pytest
from check_literals import NAN, counts, df, rows, run

from conformance import sdtm_checks as sd
from conformance.context import Context


# -- record-level -------------------------------------------------------------------------------
def test_dthfl_is_y_when_dthdtc_is_populated():
    dm = df(USUBJID=["P-1", "P-2", "P-3"], DTHDTC=["2020-05-01", "2020-06-01", None], DTHFL=["Y", None, None])
    out = run(sd.dthfl_y_when_dthdtc_populated(), "DM", {"DM": dm})
    assert counts(out) == (2, 1, 1)  # P-3 has no death date: not applicable
    (h,) = out.hits
    assert (list(h.rows), h.variable, h.values) == ([1], "DTHFL", ["DTHDTC=2020-06-01; DTHFL="])


def test_dthfl_rule_is_not_applicable_to_a_dm_without_dthdtc():
    dm = df(USUBJID=["P-1"], DTHFL=["Y"])
    assert counts(run(sd.dthfl_y_when_dthdtc_populated(), "DM", {"DM": dm})) == (0, 1, 0)


def test_there_is_no_study_day_0():
    ae = df(USUBJID=["P-1", "P-1", "P-1"], AESTDY=[-1.0, 0.0, NAN])
    out = run(sd.day_not_zero("--STDY"), "AE", {"AE": ae})
    assert counts(out) == (2, 1, 1)
    assert (rows(out), out.hits[0].variable) == ([1], "AESTDY")


def test_study_day_is_counted_from_dm_rfstdtc_without_a_day_0():
    dm = df(USUBJID=["P-1"], RFSTDTC=["2020-01-10"])
    vs = df(
        USUBJID=["P-1"] * 4,
        VSDTC=["2020-01-09", "2020-01-10", "2020-01-12T08:00", "2020-02"],
        VSDY=[-1.0, 1.0, 2.0, NAN],
    )
    out = run(sd.study_day_rule("--DY", "--DTC"), "VS", {"DM": dm, "VS": vs})
    assert counts(out) == (3, 1, 1)  # the partial date has no study day: not applicable
    (h,) = out.hits
    assert (list(h.rows), list(h.detail)) == ([2], ["expected 3"])
    assert list(h.values) == ["VSDY=2; VSDTC=2020-01-12T08:00; DM.RFSTDTC=2020-01-10"]


def test_study_day_is_not_applicable_without_dm():
    vs = df(USUBJID=["P-1"], VSDTC=["2020-01-09"], VSDY=[5.0])
    assert counts(run(sd.study_day_rule("--DY", "--DTC"), "VS", {"VS": vs})) == (0, 1, 0)


def test_aeser_and_the_seriousness_criteria_agree():
    ae = df(
        USUBJID=["P-1"] * 4,
        AESER=["Y", "N", "Y", "N"],
        AESDTH=["Y", "N", "N", "N"],
        AESHOSP=["N", "Y", "N", "N"],
    )
    criterion_but_not_serious = run(sd.aeser_y_when_seriousness_criterion_aescan_aesmie(), "AE", {"AE": ae})
    assert (counts(criterion_but_not_serious), rows(criterion_but_not_serious)) == ((2, 2, 1), [1])
    serious_without_criterion = run(sd.when_aeser_y_least_one_seriousness_criterion(), "AE", {"AE": ae})
    assert (counts(serious_without_criterion), rows(serious_without_criterion)) == ((2, 2, 1), [2])


def test_a_serious_event_without_the_criteria_variables_is_found():
    # the criteria not collected at all is the finding, not a reason to stay silent
    ae = df(USUBJID=["P-1", "P-1"], AESER=["N", "Y"])
    out = run(sd.when_aeser_y_least_one_seriousness_criterion(), "AE", {"AE": ae})
    assert (counts(out), rows(out)) == ((1, 1, 1), [1])  # the second record (rows count from 0)


def test_stresn_is_null_when_stresc_is_not_a_number():
    lb = df(
        USUBJID=["P-1"] * 4,
        LBSTRESC=["POSITIVE", "NEGATIVE", "5.2", "<5"],
        LBSTRESN=[NAN, 0.0, 5.2, NAN],
    )
    out = run(sd.stresn_null_when_stresc_not_number(), "LB", {"LB": lb})
    assert counts(out) == (3, 1, 1)
    assert (rows(out), out.hits[0].variable) == ([1], "LBSTRESN")


@pytest.mark.parametrize(
    ("value", "ok"), [("P70Y", True), ("P18Y6M", True), ("P2W", True), ("70 years", False), ("P", False), ("PT", False)]
)
def test_tsval_of_agemax_is_an_iso_8601_duration(value, ok):
    ts = df(TSPARMCD=["AGEMAX", "AGEMIN"], TSVAL=[value, "18 years"])
    out = run(sd.tsval_agemax_iso_8601_duration(), "TS", {"TS": ts})
    assert counts(out) == (1, 1, 0 if ok else 1)  # only AGEMAX is checked


def test_incomplete_dates_are_listed_for_review():
    ae = df(
        USUBJID=["P-1"] * 3,
        AESTDTC=["2020-01-05T10:00", "2020-01", None],
        AEENDTC=["2020", "2020-02-01", ""],
    )
    out = run(sd.partial_dates, "AE", {"AE": ae})
    assert counts(out) == (4, 2, 2)
    assert [(h.variable, list(h.rows), list(h.values)) for h in out.hits] == [
        ("AESTDTC", [1], ["2020-01"]),
        ("AEENDTC", [0], ["2020"]),
    ]
    assert counts(run(sd.partial_dates, "AE", {"AE": df(USUBJID=["P-1"])})) == (0, 1, 0)


# -- cross-dataset --------------------------------------------------------------------------------
def test_studyid_equals_dm_studyid():
    dm = df(USUBJID=["P-1"], STUDYID=["S1"])
    ae = df(USUBJID=["P-1", "P-1"], STUDYID=["S1", "S2"])
    out = run(sd.studyid_is_dm, "AE", {"DM": dm, "AE": ae})
    assert counts(out) == (2, 0, 1)
    assert (rows(out), out.hits[0].detail) == ([1], "DM.STUDYID is S1")
    assert counts(run(sd.studyid_is_dm, "AE", {"AE": ae})) == (0, 2, 0)  # no DM
    assert counts(run(sd.studyid_is_dm, "DM", {"DM": dm})) == (0, 1, 0)  # DM itself


def test_an_adverse_event_starts_no_later_than_the_subjects_last_disposition():
    ds = df(USUBJID=["P-1", "P-1"], DSSTDTC=["2020-03-01", "2020-06-01"])
    ae = df(
        USUBJID=["P-1", "P-1", "P-1", "P-2", "P-1"],
        AESTDTC=["2020-05-01", "2020-07-01", "2020-06", "2020-09-01", None],
    )
    out = run(sd.ae_before_last_ds, "AE", {"DS": ds, "AE": ae})
    assert counts(out) == (3, 2, 1)  # P-2 has no DS record; a null start is not checked
    (h,) = out.hits
    assert (list(h.rows), list(h.detail)) == ([1], ["latest DSSTDTC 2020-06-01"])
    assert counts(run(sd.ae_before_last_ds, "AE", {"AE": ae})) == (0, 5, 0)  # no DS


def test_rfxstdtc_and_rfxendtc_are_the_first_and_last_exposure_dates():
    dm = df(
        USUBJID=["P-1", "P-2", "P-3"],
        RFXSTDTC=["2020-01-05", "2020-01-07", None],
        RFXENDTC=["2020-03-01T10:00", "2020-01-06", None],
    )
    ex = df(
        USUBJID=["P-1", "P-1", "P-2"],
        EXSTDTC=["2020-02-01", "2020-01-05", "2020-01-06"],
        EXENDTC=["2020-03-01", "2020-01-31", "2020-01-20"],
    )
    first = run(sd.ex_bound("RFXSTDTC", True), "DM", {"DM": dm, "EX": ex})
    assert (counts(first), rows(first), list(first.hits[0].detail)) == ((2, 1, 1), [1], ["EX gives 2020-01-06"])
    # RFXENDTC is the latest EXSTDTC or EXENDTC; a datetime equals a date on its day
    last = run(sd.ex_bound("RFXENDTC", False), "DM", {"DM": dm, "EX": ex})
    assert (counts(last), rows(last), list(last.hits[0].detail)) == ((2, 1, 1), [1], ["EX gives 2020-01-20"])
    assert counts(run(sd.ex_bound("RFXSTDTC", True), "DM", {"DM": dm})) == (0, 3, 0)  # no EX


def test_rficdtc_is_the_earliest_informed_consent():
    dm = df(USUBJID=["P-1", "P-2", "P-3"], RFICDTC=["2020-01-03", "2020-01-02", "2020-01-01"])
    ds = df(
        USUBJID=["P-1", "P-1", "P-1", "P-2"],
        DSDECOD=["RANDOMIZED", "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED"],
        DSSTDTC=["2020-01-01", "2020-02-01", "2020-01-03", "2020-01-01"],
    )
    out = run(sd.rficdtc_is_first_consent, "DM", {"DM": dm, "DS": ds})
    assert counts(out) == (2, 1, 1)  # P-3 has no consent record
    assert (rows(out), list(out.hits[0].detail)) == ([1], ["earliest consent DSSTDTC 2020-01-01"])


def test_a_visit_is_planned_in_tv_or_done_in_the_subjects_sv():
    tv = df(VISITNUM=[1.0, 2.0])
    sv = df(USUBJID=["P-1", "P-1", "P-1"], VISITNUM=[1.0, 2.0, 2.01])
    vs = df(USUBJID=["P-1", "P-2", "P-1", "P-1", "P-2"], VISITNUM=[2.01, 2.01, 3.0, NAN, 1.0])
    out = run(sd.visit_known, "VS", {"TV": tv, "SV": sv, "VS": vs})
    assert counts(out) == (4, 1, 2)
    assert rows(out) == [1, 2]  # P-2's unscheduled visit is not in its SV; visit 3 is nowhere
    assert counts(run(sd.visit_known, "VS", {"VS": vs})) == (0, 5, 0)  # neither TV nor SV


def test_epoch_is_that_of_the_subjects_element_on_the_record_date():
    se = df(
        USUBJID=["P-1", "P-1"],
        SESTDTC=["2020-01-01", "2020-01-10"],
        SEENDTC=["2020-01-10", "2020-02-01"],
        EPOCH=["SCREENING", "TREATMENT"],
    )
    ae = df(
        USUBJID=["P-1", "P-1", "P-1", "P-1", "P-2", "P-1"],
        AESTDTC=["2020-01-05", "2020-01-05", "2020-01-10", "2020-03-01", "2020-01-05", "2020-01"],
        EPOCH=["SCREENING", "TREATMENT", "TREATMENT", "FOLLOW-UP", "SCREENING", "SCREENING"],
    )
    out = run(sd.epoch_matches_se(), "AE", {"SE": se, "AE": ae})
    # the day one element ends and the next starts belongs to both; a date no element holds
    # (or a subject without SE) is not reported; a partial date is not applicable
    assert counts(out) == (5, 1, 1)
    (h,) = out.hits
    assert (list(h.rows), list(h.detail)) == ([1], ["SE gives SCREENING"])
    assert counts(run(sd.epoch_matches_se(), "AE", {"AE": ae})) == (0, 6, 0)  # no SE


def test_seendtc_is_the_next_elements_sestdtc():
    se = df(
        USUBJID=["P-1", "P-1", "P-1"],
        SESTDTC=["2020-01-10", "2020-01-01", "2020-02-02"],
        SEENDTC=["2020-02-01", "2020-01-10", None],
    )
    out = run(sd.se_next_start, "SE", {"SE": se})
    assert counts(out) == (2, 1, 1)  # the last element has no next one
    (h,) = out.hits
    assert (list(h.rows), list(h.detail)) == ([0], ["next SESTDTC 2020-02-02"])


def test_a_supplemental_qualifier_points_at_a_record_of_the_subject():
    ae = df(USUBJID=["P-1", "P-1"], AESEQ=[1.0, 2.0])
    supp = df(
        USUBJID=["P-1", "P-1", "P-2", "P-1"],
        RDOMAIN=["AE", "AE", "AE", "DM"],
        IDVAR=["AESEQ", "AESEQ", "AESEQ", None],
        IDVARVAL=["1", "3", "1", None],
    )
    out = run(sd.parent_record, "SUPPAE", {"AE": ae, "SUPPAE": supp})
    assert counts(out) == (3, 1, 2)  # the DM record names no IDVAR: not applicable
    assert rows(out) == [1, 2]  # no AESEQ 3 for P-1; P-2 has no AE record
    assert out.hits[0].variable == "IDVARVAL"


def test_medical_history_starts_before_the_reference_start():
    dm = df(USUBJID=["P-1"], RFSTDTC=["2012-09-07"])
    mh = df(USUBJID=["P-1"] * 5, MHSTDTC=["2012", "2012-09-07", "2012-10", "2011-05-01", None])
    out = run(sd.mhstdtc_before_dm_rfstdtc_medical_history_starts(), "MH", {"DM": dm, "MH": mh})
    # '2012' may be before or after 2012-09-07: not reported; the same day is not before
    assert (counts(out), rows(out)) == ((4, 1, 2), [1, 2])


# -- study-level ----------------------------------------------------------------------------------
def test_dm_is_present_when_there_are_sdtm_datasets():
    ae = df(USUBJID=["P-1"])
    missing = sd.dm_present(Context({"AE": ae}), None, None)
    assert counts(missing) == (1, 0, 1)
    (h,) = missing.hits
    assert (h.dataset, h.detail) == ("DM", "the study has SDTM datasets but no DM")
    assert counts(sd.dm_present(Context({"AE": ae, "DM": df(USUBJID=["P-1"])}), None, None)) == (1, 0, 0)
    assert counts(sd.dm_present(Context({"ADSL": df(USUBJID=["P-1"])}), None, None)) == (0, 0, 0)


def test_ex_is_present_when_a_subject_has_an_actual_arm():
    treated = df(USUBJID=["P-1", "P-2"], ACTARMCD=[None, "A"])
    (h,) = sd.ex_present(Context({"DM": treated}), None, None).hits
    assert (h.dataset, h.detail) == ("EX", "DM has subjects with an actual arm but there is no EX dataset")
    with_ex = Context({"DM": treated, "EX": df(USUBJID=["P-2"])})
    assert counts(sd.ex_present(with_ex, None, None)) == (1, 0, 0)
    untreated = df(USUBJID=["P-1"], ACTARMCD=[None])
    assert counts(sd.ex_present(Context({"DM": untreated}), None, None)) == (1, 0, 0)
    assert counts(sd.ex_present(Context({"AE": df(USUBJID=["P-1"])}), None, None)) == (0, 0, 0)


def test_hits_give_0_based_positions():
    dm = df(USUBJID=["P-1", "P-2"], DTHDTC=["2020-05-01", "2020-06-01"], DTHFL=[None, None])
    out = run(sd.dthfl_y_when_dthdtc_populated(), "DM", {"DM": dm})
    assert isinstance(out.hits[0].rows, np.ndarray)
    assert rows(out) == [0, 1]


# -- order of --SEQ -----------------------------------------------------------------------------
def test_seq_follows_the_order_of_the_start_dates():
    se = df(USUBJID=["P-1", "P-1", "P-2", "P-2"], SESEQ=[1.0, 2.0, 1.0, 2.0])
    se["SESTDTC"] = ["2020-01-01", "2020-01-10", "2020-02-01", "2020-01-20"]
    out = run(sd.seq_chronological, "SE", {"SE": se})
    assert (counts(out), rows(out)) == ((4, 0, 1), [3])  # P-2's second element starts first
    assert counts(run(sd.seq_chronological, "SE", {"SE": se.drop(columns="SESEQ")})) == (0, 4, 0)


@pytest.mark.parametrize(("first", "second"), [("2020-02-15T10:00", "2020-02-15"), ("2020-02-15", "2020-02")])
def test_seq_order_compares_start_dates_at_the_precision_both_carry(first, second):
    se = df(USUBJID=["P-1", "P-1"], SESEQ=[1.0, 2.0], SESTDTC=[first, second])
    assert run(sd.seq_chronological, "SE", {"SE": se}).failed == 0


def test_a_disposition_event_may_carry_the_epoch_it_concludes():
    se = df(
        USUBJID=["P-1", "P-1"],
        SESTDTC=["2020-01-01", "2020-03-02"],
        SEENDTC=["2020-03-02", "2020-06-01"],
        EPOCH=["TREATMENT", "FOLLOW-UP"],
    )
    ds = df(
        USUBJID=["P-1"] * 3,
        DSCAT=["DISPOSITION EVENT", "PROTOCOL MILESTONE", "DISPOSITION EVENT"],
        DSSTDTC=["2020-03-10", "2020-03-10", "2020-01-15"],
        EPOCH=["TREATMENT", "TREATMENT", "FOLLOW-UP"],
    )
    out = run(sd.epoch_matches_se(concluding_category="DISPOSITION EVENT"), "DS", {"DS": ds, "SE": se})
    # the end of treatment after the last dose concludes TREATMENT; a milestone is dated; an epoch
    # not yet entered on the event's date is never the one it concludes
    assert (counts(out), rows(out)) == ((3, 0, 2), [1, 2])
