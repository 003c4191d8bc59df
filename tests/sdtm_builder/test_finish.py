"""Finishing: spec order and schema (a value of a numeric variable that is not a number is
reported, never set to null unseen), --STRESN, text columns, lineage and the ledger."""

from __future__ import annotations

import pandas as pd

from sdtm_builder.finish import derive_var_stresn, drop_lineage, finish_dataset, reconcile, text_columns
from sdtm_builder.issues import IssueLog
from sdtm_builder.raw import RawData
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


def test_stresn_is_stresc_as_a_number_where_no_rule_gave_it():
    frame = pd.DataFrame({"TRSTRESC": ["12.5", "PRESENT", "inf", None], "TRSTRESN": [None, None, None, 3.0]})
    out = derive_var_stresn(frame, stresc="TRSTRESC", stresn="TRSTRESN")
    assert out["TRSTRESN"].fillna(-1).tolist() == [12.5, -1, -1, 3.0]
    alone = derive_var_stresn(frame[["TRSTRESC"]], stresc="TRSTRESC", stresn="TRSTRESN")
    assert alone["TRSTRESN"].fillna(-1).tolist() == [12.5, -1, -1, -1]


def test_text_columns_are_categoricals_and_lineage_can_be_dropped():
    frame = pd.DataFrame({"AETERM": ["B", "A", None], "AESEQ": [1.0, 2.0, 3.0], "_FORM": ["ae", "ae", "ae"]})
    out = text_columns(frame)
    assert isinstance(out["AETERM"].dtype, pd.CategoricalDtype) and out["_FORM"].dtype == object
    assert list(drop_lineage(frame).columns) == ["AETERM", "AESEQ"]


def test_the_ledger_balances_rows_mapped_not_submitted_and_rejected():
    raw = RawData("raw", {"ae": pd.DataFrame({"_FORM": "ae", "_ROW": [1, 2, 3, 4], "_SUBJECT": ["1", "1", "2", "3"]})})
    issues = IssueLog()
    issues.add(
        severity="error", kind="duplicate row", form="ae", row=[2], action="record rejected", message="duplicate"
    )
    ae = pd.DataFrame({"_FORM": ["ae"], "_ROW": [1]})
    not_submitted = pd.DataFrame({"_FORM": ["ae"], "_ROW": [3], "reason": ["screening only"]})
    ledger = reconcile(raw, {"AE": ae}, not_submitted, issues)
    assert ledger.to_dict("records") == [
        {
            "form": "ae",
            "read": 4,
            "mapped": 1,
            "not_submitted": 1,
            "rejected": 1,
            "unaccounted": 1,
            "balanced": False,
        }
    ]
    assert issues.frame()["kind"].tolist() == ["duplicate row", "not mapped"]
