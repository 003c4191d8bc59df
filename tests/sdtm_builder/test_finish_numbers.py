"""A value of a numeric variable that is not a number is reported, never set to null unseen."""

from __future__ import annotations

import pandas as pd

from sdtm_builder.finish import finish_dataset
from specs import load_spec, study_workbook


def test_text_in_a_numeric_variable_is_a_schema_failure_naming_the_record():
    spec = load_spec(study_workbook("sdtm")).spec
    frame = pd.DataFrame(
        {
            "STUDYID": ["S", "S", "S"],
            "DOMAIN": ["TR"] * 3,
            "USUBJID": ["S-3", "S-1", "S-2"],
            "TRSEQ": [1.0, 1.0, 1.0],
            "TRTESTCD": ["DIAMETER"] * 3,
            "TRTEST": ["Diameter"] * 3,
            "TRSTRESN": ["12.5", "twelve", ""],
        }
    )
    out, failures = finish_dataset(frame, spec=spec, dataset="TR")
    lost = failures[failures["check"] == "number"]
    assert len(lost) == 1
    row = lost.iloc[0]
    assert row["variable"] == "TRSTRESN" and row["value"] == "twelve" and row["severity"] == "error"
    assert out.loc[row["row"], "USUBJID"] == "S-1"  # the row named is the record that held it
    assert "USUBJID=S-1" in row["key"]
    assert out.set_index("USUBJID").loc["S-3", "TRSTRESN"] == 12.5
