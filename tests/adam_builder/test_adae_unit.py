"""adam_builder.adae: SUPPAE qualifiers, analysis dates, treatment emergence, grades and worst-grade flags.

Expected values follow ADaMIG 1.3 (OCCDS) and admiral's derive_vars_dt / derive_var_trtemfl /
derive_var_extreme_flag semantics, written out by hand.
"""

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from adam_builder.adae import (
    derive_var_trtemfl,
    derive_vars_analysis_dates,
    derive_vars_grade_relation,
    derive_vars_worst,
)
from adam_builder.common import derive_vars_supp

T = pd.Timestamp
NAT = pd.NaT


def test_derive_vars_supp_joins_suppae_by_subject_and_sequence():
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S3"], "AESEQ": [1, 2, 1, 1]})
    supp = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2", "S2"],
            "IDVAR": ["AESEQ"] * 4,
            "IDVARVAL": ["1", "2", "1", "1"],
            "QNAM": ["AERELAN", "AERELTR", "AERELAN", "AEOTHER"],
            "QVAL": ["RELATED", "NOT RELATED", "POSSIBLY RELATED", "x"],
        }
    )
    out = derive_vars_supp(ae, supp=supp, names=["AERELAN", "AERELTR"])
    expected = ae.assign(
        AERELAN=pd.Series(["RELATED", None, "POSSIBLY RELATED", None], dtype=object),
        AERELTR=pd.Series([None, "NOT RELATED", None, None], dtype=object),
    )
    assert_frame_equal(out, expected)
    assert_frame_equal(derive_vars_supp(ae, supp=None, names=["AERELAN"]), ae)


def test_derive_vars_analysis_dates_imputes_within_first_dose_death_and_cutoff():
    ae = pd.DataFrame(
        {
            "AESTDTC": ["2021-03", "2021", "2021-06", None, "2021-02", "2021-07", "2021-07"],
            "AEENDTC": ["2021-04", "2021-05-10", "2021-06", None, "2021-02-10", "2021-07", "2021-07-03"],
            "TRTSDT": [T("2021-03-12")] * 5 + [T("2021-07-01"), T("2021-07-05")],
            "DTHDT": [NAT, NAT, T("2021-06-15"), NAT, NAT, NAT, NAT],
            "DCUTDT": [T("2021-12-31")] * 5 + [T("2021-07-20"), T("2021-12-31")],
        }
    )
    out = derive_vars_analysis_dates(ae)
    expected = pd.DataFrame(
        {
            # end: last day of the month / December, never after death or cut-off; null when ongoing
            "AENDT": [
                T("2021-04-30"),
                T("2021-05-10"),
                T("2021-06-15"),
                NAT,
                T("2021-02-10"),
                T("2021-07-20"),
                T("2021-07-03"),
            ],
            "AENDTF": ["D", None, "D", None, None, "D", None],
            # start: first of the month / January, moved to first dose in its period, never after the end
            "ASTDT": [
                T("2021-03-12"),
                T("2021-03-12"),
                T("2021-06-01"),
                NAT,
                T("2021-02-01"),
                T("2021-07-01"),
                T("2021-07-03"),
            ],
            "ASTDTF": ["D", "M", "D", None, "D", "D", "D"],
            "ASTDY": [1.0, 1.0, 82.0, np.nan, -39.0, 1.0, -2.0],
            "AENDY": [50.0, 60.0, 96.0, np.nan, -30.0, 20.0, -2.0],
        }
    )
    assert_frame_equal(out[expected.columns], expected)


def test_derive_var_trtemfl_window_after_last_dose_and_unknown_start():
    ae = pd.DataFrame(
        {
            "ASTDT": [
                T("2021-01-09"),
                T("2021-01-10"),
                T("2021-03-12"),
                T("2021-03-13"),
                NAT,
                NAT,
                T("2021-01-10"),
                T("2021-06-01"),
            ],
            "AENDT": [NAT, NAT, NAT, NAT, NAT, T("2021-01-05"), NAT, NAT],
            "TRTSDT": [T("2021-01-10")] * 6 + [NAT, T("2021-01-10")],
            "TRTEDT": [T("2021-02-10")] * 6 + [NAT, NAT],
        }
    )
    out = derive_var_trtemfl(ae, emergent_days=30)
    # last dose 2021-02-10 + 30 days = 2021-03-12; an undated AE that did not end before first dose counts;
    # an undosed subject has none; treatment still ongoing (no TRTEDT): no upper bound
    assert out["TRTEMFL"].tolist() == [None, "Y", "Y", None, "Y", None, None, "Y"]


def test_derive_vars_grade_relation():
    ae = pd.DataFrame({"AETOXGR": ["3", "", None], "AERELAN": ["RELATED", " NOT RELATED", "POSSIBLY RELATED "]})
    out = derive_vars_grade_relation(ae, relations={"RELANFL": "AERELAN", "RELTRFL": "AERELTR"})
    expected = ae.assign(
        ATOXGRN=[3.0, np.nan, np.nan],
        RELANFL=pd.Series(["Y", None, "Y"], dtype=object),
        RELTRFL=pd.Series([None, None, None], dtype=object),  # no AERELTR: never related
    )
    assert_frame_equal(out, expected)


def test_derive_vars_worst_first_of_the_worst_grade_per_subject_soc_and_term():
    ae = pd.DataFrame(
        {
            "USUBJID": ["S1"] * 5 + ["S2"] * 2,
            "AESEQ": [1, 2, 3, 4, 5, 1, 2],
            "AEBODSYS": ["A", "A", "B", "B", "A", "A", "A"],
            "AEDECOD": ["a1", "a2", "b1", "b1", "a1", "a1", "a1"],
            "ATOXGRN": [2.0, 3.0, 3.0, 5.0, np.nan, 1.0, 1.0],
            "ASTDT": [
                T("2021-01-05"),
                T("2021-01-10"),
                T("2021-01-03"),
                T("2021-01-01"),
                T("2021-01-02"),
                T("2021-02-01"),
                T("2021-02-01"),
            ],
            "TRTEMFL": ["Y", "Y", "Y", None, "Y", "Y", "Y"],
        }
    )
    out = derive_vars_worst(ae)
    # grade 3 tie in S1: the earlier start (AESEQ 3); the grade 5 AE is not emergent; S2 tie on grade
    # and date: the lower AESEQ; a missing grade is the lowest
    assert out["AOCC01FL"].tolist() == [None, None, "Y", None, None, "Y", None]
    assert out["AOCC02FL"].tolist() == [None, "Y", "Y", None, None, "Y", None]
    assert out["AOCC03FL"].tolist() == ["Y", "Y", "Y", None, None, "Y", None]
    assert list(out.columns) == [*ae.columns, "AOCC01FL", "AOCC02FL", "AOCC03FL"]
