"""adam_builder.adrs: assessment records, analysis flags and the subject-level response parameters.

Expected tables are written by hand from ../shared/RECIST.md (worst response per date, the
records that count for BOR, confirmation, precedence, SD minimum) and the admiralonco
derivations of the same name (derive_param_bor / derive_param_confirmed_bor /
derive_param_response / derive_param_lasta).
"""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from adam_builder.adrs import (
    compute_bor,
    compute_confirmation,
    compute_cr_then_pr,
    create_ovr_records,
    create_ovrc_records,
    derive_param_bor,
    derive_param_death,
    derive_param_lsta,
    derive_param_mdis,
    derive_param_pd,
    derive_param_response,
    derive_var_anl01fl,
    derive_var_anl02fl,
    derive_var_aval_by_param,
)
from adam_builder.common import AdamInputError
from specs.config import AdamSettings
from specs.model import Codelist, CodelistTerm, Dataset, Spec, ValueLevel, Variable, WhereClause, WhereCondition

T = pd.Timestamp
NAT = pd.NaT
DT = "datetime64[ns]"


def dates(*values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values, dtype=object)).to_numpy(dtype=DT)


def obj(*values) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def test_create_ovr_records_of_the_evaluator_with_the_day_imputed_before_death():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2"], "DTHDT": dates(None, "2021-03-10")})
    rs = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S2", "S1", "S3"],
            "RSSEQ": [1, 2, 3, 1, 4, 1],
            "RSTESTCD": ["OVRLRESP", "OVRLRESP", "TRGRESP", "OVRLRESP", "OVRLRESP", "OVRLRESP"],
            "RSEVAL": [
                "INVESTIGATOR",
                "INDEPENDENT ASSESSOR",
                "INVESTIGATOR",
                "INVESTIGATOR",
                "INVESTIGATOR",
                "INVESTIGATOR",
            ],
            "RSSTRESC": ["PR", "SD", "PR", "PD", "SD", "CR"],
            "RSDTC": ["2021-02-15", "2021-02-15", "2021-02-15", "2021-03", "2021-04", "2021-02-01"],
            "VISIT": ["WEEK 6", "WEEK 6", "WEEK 6", "WEEK 12", "WEEK 18", "WEEK 6"],
            "VISITNUM": [2, 2, 2, 3, 4, 2],
        }
    )
    out = create_ovr_records(rs, adsl=adsl, evaluator="INVESTIGATOR")
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S1"],
            "PARAMCD": "OVR",
            "AVALC": ["PR", "PD", "SD"],
            # a missing day: the last of the month, but never after death
            "ADT": dates("2021-02-15", "2021-03-10", "2021-04-30"),
            "ADTF": obj(None, "D", "D"),
            "AVISIT": ["WEEK 6", "WEEK 12", "WEEK 18"],
            "AVISITN": [2.0, 3.0, 4.0],
            "SRCDOM": "RS",
            "SRCVAR": "RSSTRESC",
            "SRCSEQ": [1.0, 1.0, 4.0],
            "RSSEQ": [1.0, 1.0, 4.0],
            "RSEVAL": ["INVESTIGATOR"] * 3,
            "VISITNUM": [2.0, 3.0, 4.0],
            "VISIT": ["WEEK 6", "WEEK 12", "WEEK 18"],
            "RSDTC": ["2021-02-15", "2021-03", "2021-04"],
        }
    )
    assert_frame_equal(out, expected)


def test_create_ovrc_records_from_the_engine_assessments_of_adsl_subjects():
    assessments = pd.DataFrame(
        {
            "USUBJID": ["S1", "S9"],
            "ADT": dates("2021-02-15", "2021-02-16"),
            "OVRLRESP": ["PR", "SD"],
            "VISIT": ["WEEK 6", "WEEK 6"],
            "VISITNUM": [2, 2],
        }
    )
    out = create_ovrc_records(assessments, adsl=pd.DataFrame({"USUBJID": ["S1", "S2"]}))
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1"],
            "PARAMCD": "OVRC",
            "AVALC": obj("PR"),
            "ADT": dates("2021-02-15"),
            "AVISIT": obj("WEEK 6"),
            "AVISITN": [2.0],
            "VISITNUM": [2.0],
            "VISIT": obj("WEEK 6"),
        }
    )
    assert_frame_equal(out, expected)


def test_derive_var_anl01fl_worst_response_per_subject_parameter_and_date():
    adrs = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S1", "S1", "S1", "S2", "S2"],
            "PARAMCD": ["OVR", "OVR", "OVR", "OVR", "OVRC", "BOR", "OVR", "OVR"],
            "AVALC": ["PR", "SD", "CHECK", "PR", "PR", "PR", "NE", "NE"],
            "ADT": dates(
                "2021-02-15", "2021-02-15", "2021-03-01", None, "2021-02-15", "2021-02-15", "2021-02-01", "2021-02-01"
            ),
            "SRCSEQ": [1.0, 2.0, 3.0, 4.0, np.nan, np.nan, 3.0, 1.0],
        }
    )
    out = derive_var_anl01fl(adrs)
    # SD is worse than PR on the same date; a value outside RECIST or no date is never flagged;
    # each parameter on its own; a tie of equal responses: the lower SRCSEQ
    assert out["ANL01FL"].tolist() == [None, "Y", None, None, "Y", None, None, "Y"]


def test_derive_var_anl02fl_from_start_before_new_therapy_up_to_first_pd():
    adsl = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3"],
            "TRTSDT": dates("2021-01-05", "2021-01-10", None),
            "NACTDT": dates("2021-06-01", None, None),
        }
    )
    adrs = pd.DataFrame(
        {
            "USUBJID": ["S1"] * 5 + ["S2"] * 4 + ["S3"],
            "PARAMCD": "OVR",
            "AVALC": ["SD", "SD", "SD", "SD", "PD", "PR", "SD", "PD", "CR", "SD"],
            "ADT": dates(
                "2021-01-01",
                "2021-02-15",
                "2021-05-10",
                "2021-06-01",
                "2021-07-01",
                "2021-02-20",
                "2021-02-20",
                "2021-04-01",
                "2021-05-01",
                "2021-02-01",
            ),
            "ANL01FL": ["Y", "Y", "Y", "Y", "Y", "Y", None, "Y", "Y", "Y"],
        }
    )
    out = derive_var_anl02fl(adrs, adsl=adsl, reference_start="TRTSDT")
    assert out["ANL02FL"].tolist() == [
        None,
        "Y",
        "Y",
        None,
        None,  # S1: before first dose; on or after the new therapy
        "Y",
        None,
        "Y",
        None,  # S2: not ANL01FL; after the first PD
        None,  # S3: no reference start
    ]


def test_compute_confirmation_cr_and_pr_rules():
    subject = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6, 6, 7, 8])
    days = np.array([42, 63, 84, 42, 56, 84, 42, 63, 84, 42, 49, 56, 84, 42, 63, 84, 42, 70, 42, 84, 42, 100])
    resp = np.array(
        [
            "PR",
            "NE",
            "PR",
            "CR",
            "CR",
            "CR",
            "PR",
            "SD",
            "PR",
            "PR",
            "NE",
            "NE",
            "PR",
            "PR",
            "CR",
            "PR",
            "PR",
            "CR",
            "CR",
            "PR",
            "PR",
            "PR",
        ],
        dtype=object,
    )
    cr, pr = compute_confirmation(subject, days, resp, confirmation_days=28, max_ne_between=1)
    # CR: a CR >= 28 days later with only CR/NE between (subject 1: 42 by 84, 56 by 84 exactly 28 days)
    assert np.flatnonzero(cr).tolist() == [3, 4]
    # PR: subject 0 (one NE between), subject 5 (confirmed by CR); not subject 2 (SD between),
    # 3 (two NE), 4 (PR after CR), 7 (the next PR is another subject's)
    assert np.flatnonzero(pr).tolist() == [0, 16]
    _, pr_sd = compute_confirmation(subject, days, resp, confirmation_days=28, max_ne_between=1, accepts_sd=True)
    assert np.flatnonzero(pr_sd).tolist() == [0, 6, 16]


BOR_RECORDS = pd.DataFrame(
    {
        "USUBJID": ["A", "A", "B", "B", "C", "C", "D", "E", "E", "F", "G"],
        "ADT": dates(
            "2021-02-12",
            "2021-03-26",
            "2021-02-12",
            "2021-03-26",
            "2021-01-29",
            "2021-02-26",
            "2021-02-12",
            "2021-02-12",
            "2021-03-12",
            "2021-02-12",
            "2021-01-21",
        ),
        "AVALC": ["PR", "PR", "PR", "PD", "SD", "PD", "NE", "CR", "CR", "NON-CR/NON-PD", "SD"],
        "SRCSEQ": [1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 1.0],
    }
)
BOR_START = pd.Series(pd.to_datetime(["2021-01-01"] * 7), index=list("ABCDEFG"))  # day 42 = 2021-02-12


def test_compute_bor_confirmed_precedence_and_sd_minimum():
    out = compute_bor(BOR_RECORDS, start=BOR_START, settings=AdamSettings(), confirmed=True).sort_index()
    expected = pd.DataFrame(
        {
            # A confirmed PR; B unconfirmed PR past the SD minimum is SD; C SD before day 35 does not
            # count, PD; D NE; E confirmed CR; F NON-CR/NON-PD; G only an early SD: NE
            "AVALC": ["PR", "SD", "PD", "NE", "CR", "NON-CR/NON-PD", "NE"],
            "ADT": dates(
                "2021-02-12", "2021-02-12", "2021-02-26", "2021-02-12", "2021-02-12", "2021-02-12", "2021-01-21"
            ),
            "SRCSEQ": [1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0],
            # the first confirmed CR or PR of a responder (A, E)
            "RSPDT": dates("2021-02-12", None, None, None, "2021-02-12", None, None),
            "RSPSEQ": [1.0, np.nan, np.nan, np.nan, 1.0, np.nan, np.nan],
        },
        index=pd.Index(list("ABCDEFG"), name="USUBJID"),
    )
    assert_frame_equal(out, expected)


PR_THEN_CR = pd.DataFrame(
    {
        "USUBJID": ["A"] * 4,
        "ADT": dates("2021-02-12", "2021-03-26", "2021-05-07", "2021-06-18"),
        "AVALC": ["PR", "CR", "CR", "PD"],
        "SRCSEQ": [1.0, 2.0, 3.0, 4.0],
    }
)


def test_a_pr_then_a_cr_is_a_response_dated_at_the_pr():
    """RECIST 1.1: a response is dated from the first documented CR or PR; the best response is
    CR (dated at the first CR, confirmed 42 days later), the response itself starts at the PR
    (confirmed by the CR 42 days later)."""
    start = pd.Series(pd.to_datetime(["2021-01-01"]), index=["A"])
    for confirmed in (True, False):
        out = compute_bor(PR_THEN_CR, start=start, settings=AdamSettings(), confirmed=confirmed)
        assert out.loc["A", "AVALC"] == "CR" and out.loc["A", "ADT"] == pd.Timestamp("2021-03-26")
        assert out.loc["A", "RSPDT"] == pd.Timestamp("2021-02-12") and out.loc["A", "RSPSEQ"] == 1.0


def test_the_responder_flag_carries_the_first_response_date_or_the_best_one_as_the_study_says():
    adrs = PR_THEN_CR.assign(PARAMCD="OVR", ANL02FL="Y")
    adsl = pd.DataFrame({"USUBJID": ["A", "B"], "TRTSDT": dates("2021-01-01", "2021-01-01")})
    adrs = derive_param_bor(adrs, adsl=adsl, settings=AdamSettings(), paramcd="CBOR", confirmed=True)
    first = derive_param_response(
        adrs, source_param="CBOR", paramcd="CRSP", responses=("CR", "PR"), date="first response"
    )
    crsp = first[first["PARAMCD"] == "CRSP"].set_index("USUBJID")
    assert crsp["AVALC"].to_dict() == {"A": "Y", "B": "N"}
    assert crsp.loc["A", "ADT"] == pd.Timestamp("2021-02-12") and crsp.loc["A", "SRCSEQ"] == 1.0
    assert pd.isna(crsp.loc["B", "ADT"])
    best = derive_param_response(adrs, source_param="CBOR", paramcd="CRSP", responses=("CR", "PR"))
    assert best[best["PARAMCD"] == "CRSP"].set_index("USUBJID").loc["A", "ADT"] == pd.Timestamp("2021-03-26")
    with pytest.raises(
        AdamInputError, match=r"ADRS: CDCR: the first response dates a responder \(CR, PR\), not CR, PR, SD"
    ):
        derive_param_response(
            adrs, source_param="CBOR", paramcd="CDCR", responses=("CR", "PR", "SD"), date="first response"
        )
    with pytest.raises(AdamInputError, match=r"ADRS: CRSP: date 'last' is not 'best response' or 'first response'"):
        derive_param_response(adrs, source_param="CBOR", paramcd="CRSP", responses=("CR", "PR"), date="last")


def test_compute_bor_unconfirmed_takes_a_single_response():
    out = compute_bor(BOR_RECORDS, start=BOR_START, settings=AdamSettings(), confirmed=False).sort_index()
    assert out["AVALC"].tolist() == ["PR", "PR", "PD", "NE", "CR", "NON-CR/NON-PD", "NE"]


def test_derive_param_bor_one_record_per_adsl_subject_missing_without_assessments():
    adsl = pd.DataFrame({"USUBJID": ["A", "B", "Z"], "TRTSDT": dates("2021-01-01", "2021-01-01", "2021-01-01")})
    adrs = BOR_RECORDS[BOR_RECORDS["USUBJID"].isin(["A", "B"])].assign(PARAMCD="OVR", ANL02FL="Y")
    adrs = pd.concat(
        [
            adrs,
            pd.DataFrame(
                {"USUBJID": ["A"], "PARAMCD": ["OVR"], "AVALC": ["PD"], "ADT": dates("2021-01-15"), "ANL02FL": [None]}
            ),
        ],
        ignore_index=True,
    )
    out = derive_param_bor(adrs, adsl=adsl, settings=AdamSettings(), paramcd="CBOR", confirmed=True)
    new = out[out["PARAMCD"] == "CBOR"].reset_index(drop=True)
    expected = pd.DataFrame(
        {
            "USUBJID": ["A", "B", "Z"],
            "PARAMCD": "CBOR",
            "AVALC": ["PR", "SD", "MISSING"],  # the PD without ANL02FL does not count
            "ADT": dates("2021-02-12", "2021-02-12", None),
            "SRCSEQ": [1.0, 1.0, np.nan],
            "SRCDOM": obj("RS", "RS", None),
            "SRCVAR": obj("RSSTRESC", "RSSTRESC", None),
            "ANL02FL": np.nan,
        }
    )
    assert_frame_equal(new[expected.columns], expected, check_dtype=False)
    assert new["ADT"].dtype == DT
    assert len(out) == len(adrs) + 3


BOR = pd.DataFrame(
    {
        "USUBJID": ["S1", "S2", "S3", "S4"],
        "PARAMCD": "BOR",
        "AVALC": ["PR", "SD", "MISSING", "NON-CR/NON-PD"],
        "ADT": dates("2021-02-12", "2021-02-26", None, "2021-03-01"),
        "SRCDOM": obj("RS", "RS", None, "RS"),
        "SRCVAR": obj("RSSTRESC", "RSSTRESC", None, "RSSTRESC"),
        "SRCSEQ": [3.0, 4.0, np.nan, 2.0],
    }
)


def test_derive_param_response_y_with_the_date_of_the_response_n_otherwise():
    out = derive_param_response(BOR, source_param="BOR", paramcd="RSP", responses=("CR", "PR"))
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3", "S4"],
            "PARAMCD": "RSP",
            "AVALC": obj("Y", "N", "N", "N"),
            "ADT": dates("2021-02-12", None, None, None),
            "SRCDOM": obj("RS", None, None, None),
            "SRCVAR": obj("RSSTRESC", None, None, None),
            "SRCSEQ": [3.0, np.nan, np.nan, np.nan],
        }
    )
    assert_frame_equal(out.iloc[4:].reset_index(drop=True), expected)
    dcr = derive_param_response(BOR, source_param="BOR", paramcd="DCR", responses=("CR", "PR", "SD", "NON-CR/NON-PD"))
    assert dcr["AVALC"].tolist()[4:] == ["Y", "Y", "N", "Y"]
    with pytest.raises(ValueError, match="no CBOR records to derive CRSP"):
        derive_param_response(BOR, source_param="CBOR", paramcd="CRSP", responses=("CR", "PR"))


OVR = pd.DataFrame(
    {
        "USUBJID": ["S1", "S1", "S1", "S1", "S2", "S2", "S3", "S3"],
        "PARAMCD": "OVR",
        "AVALC": ["SD", "PR", "PD", "NE", "NE", "PD", "CR", "PR"],
        "ADT": dates(
            "2021-02-15",
            "2021-03-30",
            "2021-05-10",
            "2021-06-20",
            "2021-02-20",
            "2021-04-01",
            "2021-02-20",
            "2021-04-01",
        ),
        "ANL02FL": ["Y", "Y", "Y", None, "Y", None, "Y", "Y"],
        "AVISIT": ["WEEK 6", "WEEK 12", "WEEK 18", "WEEK 24", "WEEK 6", "WEEK 12", "WEEK 6", "WEEK 12"],
        "AVISITN": [2.0, 3.0, 4.0, 5.0, 2.0, 3.0, 2.0, 3.0],
        "SRCDOM": "RS",
        "SRCVAR": "RSSTRESC",
        "SRCSEQ": [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 1.0, 2.0],
    }
)
ADSL = pd.DataFrame(
    {
        "USUBJID": ["S1", "S2", "S3", "S4"],
        "DTHDT": dates(None, "2021-05-01", None, None),
        "TRTSDT": dates("2021-01-05", "2021-01-05", "2021-01-05", "2021-01-05"),
    }
)


def test_derive_param_pd_first_counted_progression():
    out = derive_param_pd(OVR, adsl=ADSL)
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3", "S4"],
            "PARAMCD": "PD",
            "AVALC": obj("Y", "N", "N", "N"),  # S2's PD is not ANL02FL
            "ADT": dates("2021-05-10", None, None, None),
            "SRCDOM": obj("RS", None, None, None),
            "SRCVAR": obj("RSSTRESC", None, None, None),
            "SRCSEQ": [3.0, np.nan, np.nan, np.nan],
        }
    )
    assert_frame_equal(out.iloc[8:][expected.columns].reset_index(drop=True), expected, check_dtype=False)


def test_derive_param_death_from_adsl():
    out = derive_param_death(OVR.iloc[:0], adsl=ADSL)
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3", "S4"],
            "PARAMCD": "DEATH",
            "AVALC": obj("N", "Y", "N", "N"),
            "ADT": dates(None, "2021-05-01", None, None),
            "SRCDOM": obj(None, "ADSL", None, None),
            "SRCVAR": obj(None, "DTHDT", None, None),
            "SRCSEQ": np.nan,
        }
    )
    assert_frame_equal(out[expected.columns], expected, check_dtype=False)


def test_derive_param_lsta_last_counted_response_other_than_ne():
    out = derive_param_lsta(OVR)
    new = out.iloc[8:].reset_index(drop=True)
    # S1: PD on 2021-05-10 (the NE after it is not ANL02FL anyway); S2: only NE counts: no record;
    # S3: PR on 2021-04-01
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S3"],
            "AVALC": ["PD", "PR"],
            "ADT": dates("2021-05-10", "2021-04-01"),
            "AVISIT": obj(None, None),
            "AVISITN": [np.nan, np.nan],
            "SRCDOM": "RS",
            "SRCVAR": "RSSTRESC",
            "SRCSEQ": [3.0, 2.0],
            "PARAMCD": "LSTA",
        }
    )
    assert_frame_equal(new[expected.columns], expected, check_dtype=False)


def test_derive_param_mdis_measurable_disease_at_baseline():
    tu = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3"],
            "TUORRES": ["TARGET", "NON-TARGET", "TARGET"],
            "TUEVAL": ["INVESTIGATOR"] * 3,
            "TUDTC": ["2021-01-02", "2021-01-02", "2021-02-20"],
        }
    )
    out = derive_param_mdis(OVR.iloc[:0], adsl=ADSL, tu=tu, evaluator="INVESTIGATOR", reference_start="TRTSDT")
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3", "S4"],
            "PARAMCD": "MDIS",
            "AVALC": obj("Y", "N", "N", "N"),  # S3's target came after first dose
            "SRCDOM": obj("TU", None, None, None),
            "SRCVAR": obj("TUORRES", None, None, None),
        }
    )
    assert_frame_equal(out[expected.columns], expected, check_dtype=False)
    assert out["ADT"].isna().all()


def test_compute_cr_then_pr_lists_a_pr_after_a_cr():
    adrs = pd.concat([OVR, OVR.iloc[6:].assign(USUBJID="S5", ANL02FL=[None, "Y"])], ignore_index=True)
    out = compute_cr_then_pr(adrs)
    # S3: CR then PR, both counted; S5: the CR is not counted; S1: PR without a CR before it
    expected = pd.DataFrame({"USUBJID": ["S3"], "CR_DATE": dates("2021-02-20"), "PR_DATE": dates("2021-04-01")})
    assert_frame_equal(out, expected)


def test_derive_var_aval_by_param_codes_avalc_by_the_value_level_codelist():
    spec = Spec(
        datasets=(Dataset("ADRS"),),
        variables=(Variable("ADRS", "AVAL"), Variable("ADRS", "AVALC"), Variable("ADRS", "PARAMCD")),
        value_level=(
            ValueLevel("ADRS", "AVAL", "WC.BOR", order=1, codelist="RSPN"),
            ValueLevel("ADRS", "AVAL", "WC.RSP", order=2, codelist="NYN"),
        ),
        where_clauses=(
            WhereClause("WC.BOR", (WhereCondition("ADRS", "PARAMCD", "IN", ("BOR", "CBOR")),)),
            WhereClause("WC.RSP", (WhereCondition("ADRS", "PARAMCD", "EQ", ("RSP",)),)),
        ),
        codelists=(
            Codelist(
                "RSPN",
                terms=tuple(
                    CodelistTerm(str(i), decoded_value=v)
                    for i, v in enumerate(["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING"], start=1)
                ),
            ),
            Codelist("NYN", terms=(CodelistTerm("0", decoded_value="N"), CodelistTerm("1", decoded_value="Y"))),
        ),
    )
    adrs = pd.DataFrame(
        {"PARAMCD": ["BOR", "CBOR", "CBOR", "RSP", "RSP", "LSTA"], "AVALC": ["PR", "MISSING", "PD", "Y", "N", "SD"]}
    )
    out = derive_var_aval_by_param(adrs, spec=spec)
    assert_frame_equal(out, adrs.assign(AVAL=[2.0, 7.0, 5.0, 1.0, 0.0, np.nan]))


def test_a_response_recist_does_not_know_is_listed_never_silent():
    from adam_builder.adrs import compute_unknown_responses
    from adam_builder.library import library

    adrs = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2", "S2"],
            "PARAMCD": ["OVR", "OVR", "OVR", "BOR"],
            "AVALC": ["Progression", "PR", None, "MISSING"],
            "ADT": dates("2021-02-12", "2021-03-26", "2021-02-12", None),
        }
    )
    found = compute_unknown_responses(adrs)
    assert found.to_dict("records") == [
        {"USUBJID": "S1", "PARAMCD": "OVR", "ADT": pd.Timestamp("2021-02-12"), "AVALC": "Progression"}
    ]
    report = library()["compute_unknown_responses"].report
    assert report is not None
    assert list(report(found, {})) == [
        (
            "S1",
            "not a RECIST response",
            "OVR on 2021-02-12 is 'Progression', not a RECIST 1.1 response (CR, PR, SD, NON-CR/NON-PD, PD, NE): "
            "not counted for the best response, progression or censoring; standardise RSSTRESC",
        )
    ]
