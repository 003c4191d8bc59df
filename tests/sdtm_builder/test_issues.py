"""The issue log: one row per problem, taken from the raw rows' lineage, in a stable order."""

from __future__ import annotations

import pandas as pd

from sdtm_builder.issues import IssueLog


def test_issues_of_flagged_rows_carry_their_form_subject_row_and_value():
    rows = pd.DataFrame(
        {"AESEV": ["Mild", "Sever", "Worse"], "_FORM": "ae", "_ROW": [1, 2, 3], "_SUBJECT": ["1", "1", "2"]}
    )
    log = IssueLog()
    log.add_rows(
        rows,
        pd.Series([False, True, True]),
        severity="warning",
        kind="value outside codelist",
        field="AESEV",
        action="kept as collected",
        message="not a term",
    )
    log.add(severity="error", kind="empty dataset", form=None, action="not written", message="no record")
    assert log.frame()[["severity", "kind", "form", "subject", "row", "value"]].values.tolist() == [
        ["error", "empty dataset", None, None, None, None],
        ["warning", "value outside codelist", "ae", "1", 2, "Sever"],
        ["warning", "value outside codelist", "ae", "2", 3, "Worse"],
    ]
    assert (log.count(), log.count("error")) == (3, 1)


def test_an_empty_log_has_the_issue_columns():
    assert IssueLog().frame().empty and "message" in IssueLog().frame().columns
