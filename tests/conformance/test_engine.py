"""The validation run: which datasets a rule runs on, the findings it makes, a rule that
cannot run, and the order of the findings."""

from __future__ import annotations

import numpy as np
import pandas as pd

from conformance.engine import run_validation
from conformance.model import Hit, Outcome, Rule

AE = pd.DataFrame({"USUBJID": ["P-1", "P-2", "P-2"], "AESEQ": [1.0, 1.0, 2.0], "AETERM": ["A", "B", "C"]})
CM = pd.DataFrame({"USUBJID": ["P-1"], "CMSEQ": [1.0]})


def _rule(rule_id: str, check, applies_to=("SDTM",), excludes=(), severity="error") -> Rule:
    return Rule(rule_id, severity, f"message of {rule_id}", "SDTMIG 3.4", applies_to, check, excludes=excludes)


def test_a_rule_runs_on_each_dataset_it_applies_to_but_those_it_excludes():
    seen = []

    def check(ctx, name, frame):
        seen.append((name, len(frame)))
        return Outcome(len(frame), 0)

    report = run_validation({"ae": AE, "CM": CM}, rules=(_rule("CB-T-001", check, excludes=("CM",)),))
    assert seen == [("AE", 3)]
    (result,) = report.results
    assert (result.checked, result.status) == (3, "passed")


def test_a_study_rule_runs_once_without_a_dataset():
    seen = []

    def check(ctx, name, frame):
        seen.append((name, frame))
        return Outcome(1, 0)

    run_validation({"AE": AE, "CM": CM}, rules=(_rule("CB-T-001", check, applies_to=("STUDY",)),))
    assert seen == [(None, None)]


def test_findings_carry_the_subject_and_the_1_based_row_in_severity_order():
    def last_records(ctx, name, frame):
        return Outcome(len(frame), 0, [Hit(name, np.array([len(frame) - 1]), "USUBJID", ["x"], "the last")])

    report = run_validation(
        {"AE": AE, "CM": CM},
        rules=(
            _rule("CB-T-002", last_records, severity="warning"),
            _rule("CB-T-001", last_records, applies_to=("AE",)),
        ),
    )
    got = report.findings[["dataset", "usubjid", "row", "rule", "severity", "message", "detail"]]
    assert got.to_dict("records") == [
        {
            "dataset": "AE",
            "usubjid": "P-2",
            "row": 3,
            "rule": "CB-T-001",
            "severity": "error",
            "message": "message of CB-T-001",
            "detail": "the last",
        },
        {
            "dataset": "AE",
            "usubjid": "P-2",
            "row": 3,
            "rule": "CB-T-002",
            "severity": "warning",
            "message": "message of CB-T-002",
            "detail": "the last",
        },
        {
            "dataset": "CM",
            "usubjid": "P-1",
            "row": 1,
            "rule": "CB-T-002",
            "severity": "warning",
            "message": "message of CB-T-002",
            "detail": "the last",
        },
    ]
    assert [r.datasets for r in report.results] == [("AE", "CM"), ("AE",)]


def test_a_rule_that_raises_is_reported_and_the_run_goes_on():
    def reads_a_missing_variable(ctx, name, frame):
        return Outcome(len(frame), 0) if name == "AE" else frame["AETERM"]

    def passes(ctx, name, frame):
        return Outcome(len(frame), 0)

    report = run_validation(
        {"AE": AE, "CM": CM}, rules=(_rule("CB-T-001", reads_a_missing_variable), _rule("CB-T-002", passes))
    )
    crashed, passed = report.results
    assert (crashed.status, crashed.error) == ("crashed", "CM has no AETERM")
    assert passed.status == "passed"
    (finding,) = report.findings.to_dict("records")
    assert (finding["dataset"], finding["variable"], finding["severity"]) == ("CM", "AETERM", "error")
    assert finding["detail"].startswith("the rule could not run: it reads AETERM, which CM lacks")
    assert report.notes == ["rule CB-T-001 could not run on CM: CM has no AETERM"]
