"""Checks of mapped records that are reported and never acted on."""

from __future__ import annotations

import pandas as pd

from sdtm_builder.checks import check_dates, check_results
from sdtm_builder.issues import IssueLog

LINEAGE = {"_FORM": ["f", "f", "f"], "_ROW": [1, 2, 3], "_SUBJECT": ["1", "2", "3"]}


def test_an_end_before_its_start_is_listed_and_kept():
    ae = pd.DataFrame(
        {"AESTDTC": ["2021-01-05", "2021-01-05", "2021-01"], "AEENDTC": ["2021-01-04", "2021-01-05", "2020-12"]}
        | LINEAGE
    )
    issues = IssueLog()
    check_dates(ae, dataset="AE", issues=issues)
    assert issues.frame()[["kind", "row", "value"]].values.tolist() == [
        ["end before start", 1, "2021-01-05 > 2021-01-04"]
    ]


def test_a_finding_without_result_or_not_done_status_is_listed():
    vs = pd.DataFrame({"VSORRES": ["70", None, None], "VSSTAT": [None, "NOT DONE", None]} | LINEAGE)
    issues = IssueLog()
    check_results(vs, dataset="VS", issues=issues)
    assert issues.frame()[["severity", "kind", "row"]].values.tolist() == [["warning", "missing result", 3]]
