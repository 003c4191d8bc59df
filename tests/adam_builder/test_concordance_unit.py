"""adam_builder.concordance.run_concordance: a literal TU/TR/RS through the whole check."""

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from adam_builder.concordance import run_concordance
from adam_builder.recist_rules import RecistSettings

TU = pd.DataFrame(
    {"USUBJID": ["S1"], "TULNKID": ["T01"], "TUORRES": ["TARGET"], "TULOC": ["LUNG"], "TUEVAL": ["INVESTIGATOR"]}
)
TR = pd.DataFrame(
    {
        "USUBJID": ["S1", "S1"],
        "TRLNKID": ["T01", "T01"],
        "TRLNKGRP": ["TA00", "TA01"],
        "TRTESTCD": ["LDIAM", "LDIAM"],
        "TRORRES": ["30", "20"],
        "TRSTRESN": [30.0, 20.0],
        "TREVAL": ["INVESTIGATOR"] * 2,
        "VISITNUM": [1.0, 2.0],
        "VISIT": ["BASELINE", "WEEK 6"],
        "TRDTC": ["2021-01-02", "2021-02-16"],
    }
)
RS = pd.DataFrame(
    {
        "USUBJID": ["S1"] * 3,
        "RSLNKGRP": ["TA01"] * 3,
        "RSTESTCD": ["TRGRESP", "NEWLPROG", "OVRLRESP"],
        "RSORRES": ["PR", "N", "SD"],
        "RSSTRESC": ["PR", "N", "SD"],
        "RSEVAL": ["INVESTIGATOR"] * 3,
        "VISITNUM": [2.0] * 3,
        "VISIT": ["WEEK 6"] * 3,
        "RSDTC": ["2021-02-16"] * 3,
    }
)


def test_run_concordance_pairs_lists_and_summarises():
    out = run_concordance(TU, TR, RS, settings=RecistSettings())
    assert sorted(out) == ["assessments", "investigator", "listing", "paired", "summary"]
    # 30 -> 20 mm is 33% below baseline: target PR, overall PR (no non-target, no new lesion)
    assert out["assessments"][["USUBJID", "TRGRESP", "OVRLRESP"]].to_dict("records") == [
        {"USUBJID": "S1", "TRGRESP": "PR", "OVRLRESP": "PR"}
    ]
    listing = out["listing"][["USUBJID", "TRLNKGRP", "RSLNKGRP", "PARAMCD", "KIND", "COMPUTED", "INVESTIGATOR"]]
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1"],
            "TRLNKGRP": ["TA01"],
            "RSLNKGRP": ["TA01"],
            "PARAMCD": ["OVRLRESP"],
            "KIND": ["DIFFERENT"],
            "COMPUTED": ["PR"],
            "INVESTIGATOR": ["SD"],
        }
    )
    assert_frame_equal(listing, expected, check_dtype=False)
    summary = pd.DataFrame(
        {
            "PARAMCD": ["TRGRESP", "NTRGRESP", "NEWLPROG", "OVRLRESP"],
            "N": [1, 0, 1, 1],
            "AGREE": [1, 0, 1, 0],
            "DISAGREE": [0, 0, 0, 1],
            "RATE": [100.0, np.nan, 100.0, 0.0],
            "COMPONLY": [0, 0, 0, 0],
            "INVONLY": [0, 0, 0, 0],
        }
    )
    assert_frame_equal(out["summary"], summary)
