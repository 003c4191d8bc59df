"""Comparing a built dataset with a reference one."""

from __future__ import annotations

import pandas as pd

from sdtm_builder.compare import compare_datasets


def test_compare_datasets_pairs_records_by_keys_and_counts_cells():
    ours = pd.DataFrame(
        {
            "USUBJID": ["A", "A", "B"],
            "AETERM": ["X", "X", "Y"],
            "AESEQ": [1.0, 2.0, 1.0],
            "AESEV": ["MILD", "SEVERE", "MILD"],
            "AELLTCD": ["1", "2", "3"],
            "NEW": ["n", "n", "n"],
        }
    )
    ref = pd.DataFrame(
        {
            "USUBJID": ["A", "A", "C"],
            "AETERM": ["X", "X", "Z"],
            "AESEQ": ["1", "2", "1"],
            "AESEV": ["MILD", "MILD", "MILD"],
            "AELLTCD": ["", "", ""],
            "OLD": ["o", "o", "o"],
        }
    )
    rep = compare_datasets(ours, ref, ["USUBJID", "AETERM"])
    assert (rep.records_matched, len(rep.only_ours), len(rep.only_reference)) == (2, 1, 1)
    assert rep.variables_compared == ["AESEQ", "AESEV"]
    assert (rep.variables_only_ours, rep.variables_only_reference, rep.reference_empty) == (
        ["NEW"],
        ["OLD"],
        ["AELLTCD"],
    )
    assert (rep.cells, rep.cells_equal, rep.pct_equal) == (4, 3, 75.0)
    assert rep.differences[["USUBJID", "variable", "ours", "reference"]].to_dict("records") == [
        {"USUBJID": "A", "variable": "AESEV", "ours": "SEVERE", "reference": "MILD"}
    ]
