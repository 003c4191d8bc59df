"""scripts.compare_cdiscpilot_adam: per-variable agreement of two datasets matched by keys."""

import pandas as pd

from scripts.compare_cdiscpilot_adam import agreement, bds_keys, match


def test_agreement_counts_equal_cells_of_matched_records():
    reference = pd.DataFrame(
        {
            "USUBJID": ["P1", "P1", "P2", "P3"],
            "PARAMCD": ["ALB"] * 4,
            "ADT": ["2020-01-01", "2020-01-02", "2020-01-01", "2020-01-01"],
            "AVAL": [1.0, 2.0, 3.0, 4.0],
            "ABLFL": ["Y", None, "Y", None],
        }
    )
    ours = pd.DataFrame(
        {
            "USUBJID": ["P1", "P1", "P2"],
            "PARAMCD": ["ALB"] * 3,
            "ADT": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-01"]),
            "AVAL": [1.0, 2.5, 3.0],
            "ABLFL": ["Y", "", "Y"],
        }
    )
    table = agreement(ours, reference, keys=["USUBJID", "PARAMCD", "ADT"], variables=["AVAL", "ABLFL", "CHG"])
    assert table.to_dict("records") == [
        {"variable": "AVAL", "records": 3, "equal": 2, "percent": 66.667, "reference only": 1, "ours only": 0},
        {"variable": "ABLFL", "records": 3, "equal": 3, "percent": 100.0, "reference only": 1, "ours only": 0},
    ]


def test_records_sharing_a_key_pair_in_order():
    reference = pd.DataFrame({"USUBJID": ["P1", "P1"], "AVAL": [1.0, 2.0]})
    ours = pd.DataFrame({"USUBJID": ["P1"], "AVAL": [1.0]})
    both, reference_only, ours_only = match(ours, reference, ["USUBJID"])
    assert (len(both), reference_only, ours_only) == (1, 1, 0)


def test_bds_keys_take_atpt_and_dtype_when_the_reference_has_them():
    assert bds_keys(pd.DataFrame(columns=["USUBJID", "DTYPE"])) == ["USUBJID", "PARAMCD", "ADT", "DTYPE"]
