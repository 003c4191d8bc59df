"""SE from a trial design: a hand-written design of two arms, a run-in epoch on one of them."""

from __future__ import annotations

import pandas as pd
import pytest

from sdtm_builder.recipes.se import derive_se

TA = pd.DataFrame(
    [
        ("A", "Drug A", 1, "SCRN", "Screening", "SCREENING"),
        ("A", "Drug A", 2, "RUNIN", "Placebo run-in", "RUN-IN"),
        ("A", "Drug A", 3, "DRUGA", "Drug A", "TREATMENT"),
        ("A", "Drug A", 4, "FU", "Follow-up", "FOLLOW-UP"),
        ("B", "Drug B", 1, "SCRN", "Screening", "SCREENING"),
        ("B", "Drug B", 2, "DRUGB", "Drug B", "TREATMENT"),
        ("B", "Drug B", 3, "FU", "Follow-up", "FOLLOW-UP"),
    ],
    columns=["ARMCD", "ARM", "TAETORD", "ETCD", "ELEMENT", "EPOCH"],
)
TE = pd.DataFrame(
    [
        ("SCRN", "Screening", "Informed consent"),
        ("RUNIN", "Placebo run-in", "First dose of Placebo run-in"),
        ("DRUGA", "Drug A", "Randomization"),
        ("DRUGB", "Drug B", "First dose of Drug B"),
        ("FU", "Follow-up", "Day after the last dose of study treatment"),
    ],
    columns=["ETCD", "ELEMENT", "TESTRL"],
)
DM = pd.DataFrame(
    [
        ("S", "S1", "A", "A", "2021-01-01", "2021-01-10", "2021-03-01", "2021-04-01"),
        ("S", "S2", "B", "B", "2021-02-01", "2021-02-05", "2021-02-20", "2021-02-20"),
        ("S", "S3", None, None, "2021-03-01", None, None, "2021-03-10"),
        ("S", "S4", "A", "A", "2021-05-01", "2021-05-05", "2021-05-05", "2021-05-05"),
    ],
    columns=["STUDYID", "USUBJID", "ARMCD", "ACTARMCD", "RFICDTC", "RFXSTDTC", "RFXENDTC", "RFPENDTC"],
)
DS = pd.DataFrame(
    [("S1", "RANDOMIZED", "2021-01-21"), ("S3", "SCREEN FAILURE", "2021-03-10")],
    columns=["USUBJID", "DSDECOD", "DSSTDTC"],
)
EX = pd.DataFrame(
    [
        ("S1", "PLACEBO RUN-IN", "2021-01-10", "2021-01-20"),
        ("S1", "DRUG A", "2021-01-21", "2021-03-01"),
        ("S2", "DRUG B", "2021-02-05", "2021-02-20"),
        ("S4", "PLACEBO RUN-IN", "2021-05-05", None),
    ],
    columns=["USUBJID", "EXTRT", "EXSTDTC", "EXENDTC"],
)


def test_each_subject_follows_the_elements_of_its_arm():
    se = derive_se(TA, TE, dm=DM, ds=DS, ex=EX)
    expected = pd.DataFrame(
        [
            ("S1", "SCRN", "Screening", 1.0, "SCREENING", "2021-01-01", "2021-01-10", 1.0),
            ("S2", "SCRN", "Screening", 1.0, "SCREENING", "2021-02-01", "2021-02-05", 1.0),
            ("S3", "SCRN", "Screening", 1.0, "SCREENING", "2021-03-01", "2021-03-10", 1.0),
            ("S4", "SCRN", "Screening", 1.0, "SCREENING", "2021-05-01", "2021-05-05", 1.0),
            ("S1", "RUNIN", "Placebo run-in", 2.0, "RUN-IN", "2021-01-10", "2021-01-21", 2.0),
            ("S2", "DRUGB", "Drug B", 2.0, "TREATMENT", "2021-02-05", "2021-02-20", 2.0),
            ("S4", "RUNIN", "Placebo run-in", 2.0, "RUN-IN", "2021-05-05", "2021-05-05", 2.0),
            ("S1", "DRUGA", "Drug A", 3.0, "TREATMENT", "2021-01-21", "2021-03-02", 3.0),
            ("S1", "FU", "Follow-up", 4.0, "FOLLOW-UP", "2021-03-02", "2021-04-01", 4.0),
        ],
        columns=["USUBJID", "ETCD", "ELEMENT", "TAETORD", "EPOCH", "SESTDTC", "SEENDTC", "SESEQ"],
    )
    assert (se["STUDYID"] == "S").all() and (se["DOMAIN"] == "SE").all()
    pd.testing.assert_frame_equal(se[expected.columns].astype(object), expected.astype(object))


def test_a_subject_who_never_left_the_first_element_ends_it_at_a_screen_failure_or_leaves_it_open():
    ta = TA[TA["ARMCD"] == "B"]
    dm = DM[DM["USUBJID"].isin(["S3"])].assign(RFPENDTC=None)
    ds = pd.DataFrame(columns=["USUBJID", "DSDECOD", "DSSTDTC"])
    se = derive_se(ta, TE, dm=dm, ds=ds, ex=EX)
    assert se[["USUBJID", "ETCD", "SESTDTC", "SEENDTC"]].values.tolist() == [["S3", "SCRN", "2021-03-01", None]]


def test_a_start_rule_the_derivation_cannot_read_is_an_error_naming_the_element():
    te = TE.assign(TESTRL=TE["TESTRL"].where(TE["ETCD"] != "FU", "Week 24 visit"))
    with pytest.raises(ValueError, match="element FU starts at 'Week 24 visit'"):
        derive_se(TA, te, dm=DM, ds=DS, ex=EX)
