"""Rules, outcomes, results and the validation report's counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conformance.model import (
    FINDING_COLUMNS,
    Hit,
    Outcome,
    Rule,
    RuleResult,
    Strictness,
    ValidationReport,
    as_tuple,
    empty_findings,
    positions,
)


def _check(ctx, name, frame):
    return Outcome()


def _rule(severity: str = "error") -> Rule:
    return Rule("CB-T-001", severity, "a message", "SDTMIG 3.4", ("DM",), _check)


def test_a_rule_refuses_an_unknown_severity_or_standard():
    with pytest.raises(ValueError, match="severity 'fatal'"):
        _rule("fatal")
    with pytest.raises(ValueError, match="standard 'SDTMIG 9'"):
        Rule("CB-T-002", "error", "m", "SDTMIG 9", ("DM",), _check)


def test_outcomes_add_up_and_count_failing_records():
    one = Outcome(3, 1, [Hit("DM", np.array([0, 2]), "AGE")])
    two = Outcome(2, 0, [Hit("DM", None, None)])
    one.add(two)
    assert (one.checked, one.not_applicable, one.failed) == (5, 1, 3)


def test_the_status_of_a_result():
    rule = _rule()
    assert RuleResult(rule, "off", 0, 0, 0, (), Strictness("CB-T-001", "off", "why")).status == "off"
    assert RuleResult(rule, "error", 0, 0, 0, (), error="KeyError: 'X'").status == "crashed"
    assert RuleResult(rule, "error", 0, 0, 4, ()).status == "not applicable"
    assert RuleResult(rule, "error", 4, 1, 0, ("DM",)).status == "failed"
    assert RuleResult(rule, "error", 4, 0, 0, ()).status == "passed"


def test_a_report_counts_by_severity_and_fails_at_its_limit():
    findings = empty_findings()
    assert list(findings.columns) == FINDING_COLUMNS
    findings = pd.DataFrame({"rule": ["CB-T-001", "CB-T-002", "CB-T-002"], "severity": ["warning", "notice", "notice"]})
    report = ValidationReport(findings, [], {"DM": 2})
    assert (report.errors, report.warnings, report.notices) == (0, 1, 2)
    assert not report.failing("error") and report.failing("warning")
    assert report.by_rule() == {"CB-T-001": 1, "CB-T-002": 2}


def test_the_rules_table_has_a_row_per_result():
    rule = _rule("warning")
    result = RuleResult(rule, "error", 4, 1, 0, ("DM",), Strictness("CB-T-001", "error", "stricter here"))
    table = ValidationReport(empty_findings(), [result], {"DM": 4}).rules_table()
    assert table.to_dict("records") == [
        {
            "rule": "CB-T-001",
            "core_id": None,
            "cdisc_rule_ids": None,
            "standard": "SDTMIG 3.4",
            "severity": "error",
            "default_severity": "warning",
            "applies_to": "DM",
            "message": "a message",
            "checked": 4,
            "failed": 1,
            "not_applicable": 0,
            "datasets": "DM",
            "status": "failed",
            "strictness_reason": "stricter here",
        }
    ]


def test_helpers():
    assert list(positions(pd.Series([False, True, True]))) == [1, 2]
    assert as_tuple("DM") == ("DM",) and as_tuple(["DM", "AE"]) == ("DM", "AE")
