"""adam_builder.adtr: lesion diameters, their sum, baseline, changes, nadir and the best change.

Expected tables follow ADaMIG 1.3 BDS (ABLFL, BASE, CHG, PCHG) and ../shared/RECIST.md (target
lesions by longest diameter, nodes by short axis, too small to measure = 5 mm, nadir the smallest
sum so far, baseline included), written by hand.
"""

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from adam_builder.adtr import (
    create_lesion_params,
    derive_param_best,
    derive_param_sdiam,
    derive_var_anl01fl_tr,
    derive_vars_baseline,
    derive_vars_change,
    split_unevaluable,
)
from specs.config import AdamSettings

DT = "datetime64[ns]"


def dates(*values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values, dtype=object)).to_numpy(dtype=DT)


TU = pd.DataFrame(
    {
        "USUBJID": ["S1", "S1", "S1"],
        "TULNKID": ["T01", "T02", "NT01"],
        "TUORRES": ["TARGET", "TARGET", "NON-TARGET"],
        "TULOC": ["LIVER", "LYMPH NODE", "BONE"],
    }
)
TR = pd.DataFrame(
    {
        "USUBJID": ["S1"] * 7,
        "TRSEQ": [1, 2, 3, 4, 5, 6, 7],
        "TRLNKID": ["T01", "T02", "T02", "T01", "T02", "NT01", "T01"],
        "TRTESTCD": ["LDIAM", "SAXIS", "LDIAM", "LDIAM", "SAXIS", "TUMSTATE", "LDIAM"],
        "TRORRES": ["30", "20", "25", "TOO SMALL TO MEASURE", None, "PRESENT", "31"],
        "TRSTRESN": [30.0, 20.0, 25.0, np.nan, np.nan, np.nan, 31.0],
        "TREVAL": ["INVESTIGATOR"] * 6 + ["INDEPENDENT ASSESSOR"],
        "TRDTC": ["2021-01-02", "2021-01-02", "2021-01-02", "2021-02", "2021-02", "2021-02", "2021-01-02"],
        "VISIT": ["SCREENING", "SCREENING", "SCREENING", "WEEK 6", "WEEK 6", "WEEK 6", "SCREENING"],
        "VISITNUM": [1, 1, 1, 2, 2, 2, 1],
    }
)


def test_create_lesion_params_one_ldiam_per_target_and_assessment():
    out = create_lesion_params(TR, tu=TU, settings=AdamSettings())
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1"] * 4,
            "PARAMCD": ["LDIAM1", "LDIAM2", "LDIAM1", "LDIAM2"],
            # the node by its short axis (its LDIAM record left out); too small to measure: 5 mm;
            # a lesion without a result: null; another evaluator's records left out
            "AVAL": [30.0, 20.0, 5.0, np.nan],
            "ADT": dates("2021-01-02", "2021-01-02", "2021-02-28", "2021-02-28"),  # missing day: the last
            "ADTF": pd.Series([None, None, "D", "D"], dtype=object),
            "VISIT": ["SCREENING", "SCREENING", "WEEK 6", "WEEK 6"],
            "VISITNUM": [1.0, 1.0, 2.0, 2.0],
            "TRLNKID": ["T01", "T02", "T01", "T02"],
            "TULOC": ["LIVER", "LYMPH NODE", "LIVER", "LYMPH NODE"],
            "SRCDOM": "TR",
            "SRCVAR": "TRSTRESN",
            "SRCSEQ": [1.0, 2.0, 4.0, 5.0],
        }
    )
    assert_frame_equal(out, expected)
    first_only = create_lesion_params(TR, tu=TU, settings=AdamSettings(), max_lesions=1)
    assert first_only["PARAMCD"].tolist() == ["LDIAM1", "LDIAM1"]


LESIONS = pd.DataFrame(
    {
        "USUBJID": ["S1", "S1", "S1", "S1", "S1", "S2"],
        "PARAMCD": ["LDIAM1", "LDIAM2", "LDIAM1", "LDIAM2", "LDIAM1", "LDIAM1"],
        "AVAL": [30.0, 20.0, 5.0, np.nan, 10.0, 40.0],
        "ADT": dates("2021-01-02", "2021-01-02", "2021-02-16", "2021-02-16", "2021-03-30", "2021-01-03"),
        "VISIT": ["SCREENING", "SCREENING", "WEEK 6", "WEEK 6", "WEEK 12", "SCREENING"],
        "VISITNUM": [1.0, 1.0, 2.0, 2.0, 3.0, 1.0],
    }
)


def test_derive_param_sdiam_sum_null_when_a_target_is_missing():
    out = derive_param_sdiam(LESIONS)
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S2"],
            "ADT": dates("2021-01-02", "2021-02-16", "2021-03-30", "2021-01-03"),
            # 30 + 20; one target without a value; one target without a record
            "AVAL": [50.0, np.nan, np.nan, 40.0],
            "VISIT": ["SCREENING", "WEEK 6", "WEEK 12", "SCREENING"],
            "VISITNUM": [1.0, 2.0, 3.0, 1.0],
            "PARAMCD": "SDIAM",
        }
    )
    assert_frame_equal(out.iloc[6:][expected.columns].reset_index(drop=True), expected)
    assert_frame_equal(out.iloc[:6], LESIONS)


def test_derive_vars_baseline_last_valued_record_on_or_before_the_start():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "TRTSDT": dates("2021-01-05", "2021-01-05", None)})
    adtr = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S1", "S2", "S3"],
            "PARAMCD": "SDIAM",
            "AVAL": [52.0, 50.0, np.nan, 40.0, 30.0, 20.0],
            "ADT": dates("2020-12-20", "2021-01-02", "2021-01-05", "2021-02-16", "2021-02-16", "2021-02-16"),
            "VISIT": ["SCREENING", "SCREENING", "DAY 1", "WEEK 6", "WEEK 6", "WEEK 6"],
            "VISITNUM": [1.0, 1.0, 1.5, 2.0, 2.0, 2.0],
        }
    )
    out = derive_vars_baseline(adtr, adsl=adsl, reference_start="TRTSDT")
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2", "S3"],
            "AVAL": [50.0, 40.0, 30.0, 20.0],
            # S1: the earlier and the unvalued pre-start records are dropped; S2 has no baseline;
            # S3 has no reference start
            "ABLFL": ["Y", None, None, None],
            "AVISIT": ["BASELINE", "WEEK 6", "WEEK 6", "WEEK 6"],
            "AVISITN": [0.0, 2.0, 2.0, 2.0],
            "BASE": [50.0, 50.0, np.nan, np.nan],
        },
        index=[1, 3, 4, 5],
    )
    assert_frame_equal(out[expected.columns], expected)


def test_derive_vars_change_from_baseline_and_from_the_nadir():
    adtr = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S1", "S2", "S2", "S2"],
            "PARAMCD": "SDIAM",
            "ADT": dates(
                "2021-01-02", "2021-02-16", "2021-03-30", "2021-05-11", "2021-01-02", "2021-02-16", "2021-03-30"
            ),
            "AVAL": [50.0, 40.0, 30.0, 36.0, 20.0, np.nan, 25.0],
            "ABLFL": ["Y", None, None, None, "Y", None, None],
            "BASE": [50.0, 50.0, 50.0, 50.0, 20.0, 20.0, 20.0],
        }
    )
    out = derive_vars_change(adtr)
    nan = np.nan
    expected = adtr.assign(
        CHG=[nan, -10.0, -20.0, -14.0, nan, nan, 5.0],
        PCHG=[nan, -20.0, -40.0, -28.0, nan, nan, 25.0],
        # the smallest value from baseline up to the previous record (a missing one skipped)
        NADIR=[nan, 50.0, 40.0, 30.0, nan, 20.0, 20.0],
        CHGNAD=[nan, -10.0, -10.0, 6.0, nan, nan, 5.0],
        PCHGNAD=[nan, -20.0, -25.0, 20.0, nan, nan, 25.0],
    )
    assert_frame_equal(out, expected)


def test_derive_var_anl01fl_up_to_first_pd_and_before_new_therapy():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "NACTDT": dates("2021-06-01", "2021-03-01", None)})
    adtr = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S1", "S2", "S2", "S3"],
            "ADT": dates(
                "2021-01-02", "2021-02-16", "2021-05-11", "2021-06-20", "2021-02-16", "2021-03-01", "2021-02-16"
            ),
            "AVISITN": [0.0, 2.0, 4.0, 5.0, 2.0, 3.0, np.nan],
        }
    )
    adrs = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3"],
            "PARAMCD": ["PD", "PD", "PD"],
            "AVALC": ["Y", "N", "N"],
            "ADT": dates("2021-05-11", None, None),
        }
    )
    out = derive_var_anl01fl_tr(adtr, adsl=adsl, adrs=adrs)
    assert out["ANL01FL"].tolist() == ["Y", "Y", "Y", None, "Y", None, None]


def test_derive_param_best_smallest_post_baseline_sum_earliest_on_a_tie():
    adtr = pd.DataFrame(
        {
            "USUBJID": ["S1"] * 6,
            "PARAMCD": ["SDIAM", "SDIAM", "SDIAM", "SDIAM", "SDIAM", "LDIAM1"],
            "ADT": dates("2021-01-02", "2021-02-16", "2021-03-30", "2021-05-11", "2021-06-20", "2021-03-30"),
            "AVAL": [50.0, 40.0, 30.0, 30.0, 10.0, 5.0],
            "PCHG": [np.nan, -20.0, -40.0, -40.0, -80.0, -50.0],
            "ABLFL": ["Y", None, None, None, None, None],
            "ANL01FL": ["Y", "Y", "Y", "Y", None, "Y"],
            "AVISIT": ["BASELINE", "WEEK 6", "WEEK 12", "WEEK 18", "WEEK 24", "WEEK 12"],
            "AVISITN": [0.0, 2.0, 3.0, 4.0, 5.0, 3.0],
        }
    )
    out = derive_param_best(adtr)
    best = out.iloc[6:].reset_index(drop=True)
    expected = adtr.iloc[[2]].reset_index(drop=True).assign(DTYPE="MINIMUM", AVISIT="BEST RESPONSE", AVISITN=999.0)
    assert_frame_equal(best, expected)
    assert len(out) == 7


def test_split_unevaluable():
    frame = pd.DataFrame({"PARAMCD": ["SDIAM", "SDIAM", "LDIAM1"], "AVAL": [50.0, np.nan, 5.0]})
    kept, left_out = split_unevaluable(frame)
    assert_frame_equal(kept, pd.DataFrame({"PARAMCD": ["SDIAM", "LDIAM1"], "AVAL": [50.0, 5.0]}))
    assert_frame_equal(left_out, pd.DataFrame({"PARAMCD": ["SDIAM"], "AVAL": [np.nan]}))
