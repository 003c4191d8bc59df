"""--SEQ, --DY, VISIT/VISITNUM, EPOCH and TAETORD on literal frames."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdtm_builder.timing import (
    derive_var_dy,
    derive_var_epoch,
    derive_var_seq,
    derive_var_taetord,
    derive_var_visitdy,
    derive_vars_visit,
)


def test_seq_follows_the_keys_and_is_stable():
    ae = pd.DataFrame(
        {
            "USUBJID": ["B", "A", "A", "A"],
            "AETERM": ["X", "Rash", "Cough", "Cough"],
            "AESTDTC": ["2021-01-01", "2021-02-01", "2021-01-05", "2021-01-05"],
            "_FORM": ["ae"] * 4,
            "_ROW": [1, 2, 4, 3],
        }
    )
    out = derive_var_seq(ae, seq_var="AESEQ", keys=("STUDYID", "USUBJID", "AETERM", "AESTDTC", "AESEQ"))
    assert out["AESEQ"].tolist() == [1.0, 3.0, 2.0, 1.0]
    assert "AESEQ" not in ae.columns


def test_study_day():
    dm = pd.DataFrame({"USUBJID": ["A", "B"], "RFSTDTC": ["2021-01-10", None]})
    ae = pd.DataFrame(
        {"USUBJID": ["A", "A", "A", "B"], "AESTDTC": ["2021-01-10", "2021-01-09", "2021-01", "2021-01-10"]}
    )
    out = derive_var_dy(ae, dm=dm, dtc="AESTDTC", dy="AESTDY")
    assert out["AESTDY"].tolist()[:2] == [1.0, -1.0]
    assert out["AESTDY"].iloc[2:].isna().all()


TV = pd.DataFrame(
    {"VISITNUM": [1.0, 2.0, 3.0, 4.0], "VISIT": ["SCREENING", "CYCLE 1 DAY 1", "CYCLE 2 DAY 1", "CYCLE 3 DAY 1"]}
)


def test_visits_from_tv_and_unscheduled_in_between():
    sv = pd.DataFrame(
        {
            "USUBJID": ["A"] * 6 + ["B"],
            "FOLDER": [
                "Screening",
                "Cycle 1 Day 1",
                "Unscheduled",
                "Unscheduled",
                "Cycle 2 Day 1",
                "Week 99",
                "Unscheduled",
            ],
            "SVSTDTC": [
                "2021-01-01",
                "2021-01-10",
                "2021-01-15",
                "2021-01-20",
                "2021-01-31",
                "2021-02-01",
                "2020-12-01",
            ],
        }
    )
    out = derive_vars_visit(sv, tv=TV, visit_source="FOLDER", dtc="SVSTDTC")
    assert out["VISITNUM"].tolist()[:5] == [1.0, 2.0, 2.01, 2.02, 3.0]
    assert out["VISIT"].tolist()[:5] == [
        "SCREENING",
        "CYCLE 1 DAY 1",
        "UNSCHEDULED 2.01",
        "UNSCHEDULED 2.02",
        "CYCLE 2 DAY 1",
    ]
    assert (
        np.isnan(out["VISITNUM"].iloc[5]) and out["VISIT"].iloc[5] is None
    )  # not a TV visit: left for the caller to report
    assert out["VISITNUM"].iloc[6] == 0.01  # before any scheduled visit


SE = pd.DataFrame(
    {
        "USUBJID": ["A", "A", "A"],
        "SESEQ": [1.0, 2.0, 3.0],
        "TAETORD": [1.0, 2.0, 3.0],
        "EPOCH": ["SCREENING", "TREATMENT", "FOLLOW-UP"],
        "SESTDTC": ["2021-01-01", "2021-01-10", "2021-06-01"],
        "SEENDTC": ["2021-01-10", "2021-06-01", "2021-12-01"],
    }
)


def test_epoch_and_taetord_from_se():
    ae = pd.DataFrame(
        {
            "USUBJID": ["A"] * 6 + ["Z"],
            "AESTDTC": [
                "2021-01-05",
                "2021-01-10",
                "2021-05-31T10:00",
                "2021-12-01",
                "2022-01-01",
                "2021-02",
                "2021-02-01",
            ],
        }
    )
    out = derive_var_epoch(ae, se=SE, dtc="AESTDTC").pipe(derive_var_taetord, se=SE, dtc="AESTDTC")
    assert out["EPOCH"].tolist() == ["SCREENING", "TREATMENT", "TREATMENT", "FOLLOW-UP", None, None, None]
    assert out["TAETORD"].tolist()[:4] == [1.0, 2.0, 2.0, 3.0]


def test_unscheduled_visits_take_the_sv_number():
    from sdtm_builder.timing import derive_vars_visit_from_sv

    sv = pd.DataFrame(
        {
            "USUBJID": ["A", "A"],
            "VISIT": ["CYCLE 2 DAY 1", "UNSCHEDULED 2.01"],
            "VISITNUM": [3.0, 2.01],
            "SVSTDTC": ["2021-01-31", "2021-01-15"],
        }
    )
    tr = pd.DataFrame(
        {
            "USUBJID": ["A", "A"],
            "VISIT": ["UNSCHEDULED 1.01", "UNSCHEDULED 1.02"],
            "VISITNUM": [1.01, 1.02],
            "TRDTC": ["2021-01-15", "2021-02-20"],
        }
    )
    out = derive_vars_visit_from_sv(tr, sv=sv, dtc="TRDTC")
    assert out["VISITNUM"].tolist() == [2.01, 1.02]
    assert out["VISIT"].tolist() == ["UNSCHEDULED 2.01", "UNSCHEDULED 1.02"]


def _factorised(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the SDTM finishing holds it: text columns as categoricals."""
    from sdtm_builder.finish import text_columns

    out = text_columns(frame)
    assert any(isinstance(out[c].dtype, pd.CategoricalDtype) for c in out.columns)
    return out


def test_derivations_on_factorised_text_equal_those_on_plain_text():
    dm = pd.DataFrame({"USUBJID": ["A", "B"], "RFSTDTC": ["2021-01-10", None]})
    ae = pd.DataFrame(
        {
            "USUBJID": ["Z", "A", "A", "A", None, "B", "A"],
            "AETERM": ["X", "Rash", "Cough", "Cough", "Pain", "Fever", None],
            "AESTDTC": [
                "2021-02-01",
                "2021-01-09",
                "2021-01-05",
                "2021-01-05",
                "2021-01-11",
                "2021-01-10",
                "2021-05-31T10:00",
            ],
            "_FORM": ["ae"] * 7,
            "_ROW": [1, 2, 4, 3, 5, 6, 7],
        },
        index=[10, 3, 5, 7, 8, 2, 1],
    )
    for plain, factorised in (
        (
            derive_var_seq(ae, seq_var="AESEQ", keys=("USUBJID", "AETERM", "AESTDTC")),
            derive_var_seq(_factorised(ae), seq_var="AESEQ", keys=("USUBJID", "AETERM", "AESTDTC")),
        ),
        (
            derive_var_dy(ae, dm=dm, dtc="AESTDTC", dy="AESTDY"),
            derive_var_dy(_factorised(ae), dm=dm, dtc="AESTDTC", dy="AESTDY"),
        ),
        (derive_var_epoch(ae, se=SE, dtc="AESTDTC"), derive_var_epoch(_factorised(ae), se=SE, dtc="AESTDTC")),
        (derive_var_taetord(ae, se=SE, dtc="AESTDTC"), derive_var_taetord(_factorised(ae), se=SE, dtc="AESTDTC")),
    ):
        new = [c for c in plain.columns if c not in ae.columns]
        pd.testing.assert_frame_equal(plain[new], factorised[new])
    seq = derive_var_seq(ae, seq_var="AESEQ", keys=("USUBJID", "AETERM", "AESTDTC"))["AESEQ"]
    assert seq.tolist()[:4] == [1.0, 4.0, 3.0, 2.0] and np.isnan(
        seq.loc[8]
    )  # null AETERM first, ties by row; no subject, no number


def test_key_order_of_factorised_text_is_the_stable_sort():
    from sdtm_builder.timing import key_order

    frame = pd.DataFrame({"A": ["b", None, "a", "", "b", "a", None], "B": [3.0, 1.0, np.nan, 2.0, 1.0, 1.0, 0.0]})
    expected = frame.sort_values(["A", "B"], kind="stable", na_position="first").index.to_numpy()
    assert key_order(frame, ["A", "B"]).tolist() == expected.tolist()
    assert key_order(_factorised(frame), ["A", "B"]).tolist() == expected.tolist()


def test_visitdy_is_the_planned_day_of_the_visit():
    tv = pd.DataFrame({"VISITNUM": [1.0, 2.0], "VISIT": ["SCREENING", "WEEK 2"], "VISITDY": [None, 15.0]})
    frame = pd.DataFrame({"VISITNUM": [2.0, 1.0, 2.01]})
    assert derive_var_visitdy(frame, tv=tv)["VISITDY"].fillna(-1).tolist() == [15.0, -1, -1]
