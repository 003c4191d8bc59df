"""Strictness settings: raise, lower or switch off a rule, with the reason in the report."""

from __future__ import annotations

import pytest
from rule_examples import study

from conformance import ConfigError, load_config, parse_config, run_validation

DATA = "DM: USUBJID|ARMCD|ACTARMCD|DTHDTC|DTHFL\nP-1|A|B|2020-05-01|"


def _result(report, rule_id):
    return next(r for r in report.results if r.rule.id == rule_id)


def test_a_rule_can_be_lowered_raised_and_switched_off_with_reasons(tmp_path):
    path = tmp_path / "strict.toml"
    path.write_text(
        '[rules."CB-SDTM-030"]\nseverity = "warning"\nreason = "death flag derived later"\n'
        '[rules."CB-SDTM-055"]\nseverity = "error"\nreason = "no arm changes allowed"\n'
        '[rules."CORE-000007"]\nseverity = "warning"\nreason = "by CORE id too"\n'
        '[rules."CB-SDTM-001"]\nseverity = "off"\nreason = "no sequence numbers here"\n'
    )
    report = run_validation(study(DATA), config=load_config(path))
    assert _result(report, "CB-SDTM-030").severity == "warning"
    assert _result(report, "CB-SDTM-030").strictness.reason == "by CORE id too"
    assert _result(report, "CB-SDTM-055").severity == "error"
    assert _result(report, "CB-SDTM-001").status == "off"
    findings = report.findings.set_index("rule")
    assert findings.loc["CB-SDTM-030", "severity"] == "warning"
    assert findings.loc["CB-SDTM-055", "severity"] == "error"
    table = report.rules_table().set_index("rule")
    assert table.loc["CB-SDTM-055", "strictness_reason"] == "no arm changes allowed"
    assert table.loc["CB-SDTM-055", "default_severity"] == "notice"


def test_without_config_the_defaults_hold():
    report = run_validation(study(DATA))
    assert _result(report, "CB-SDTM-055").severity == "notice"
    assert _result(report, "CB-SDTM-055").strictness is None


def test_config_errors_are_gathered():
    with pytest.raises(ConfigError) as err:
        parse_config(
            {
                "rules": {
                    "CB-NOPE-001": {"severity": "off", "reason": "x"},
                    "CB-SDTM-001": {"severity": "fatal", "reason": "x"},
                    "CB-SDTM-002": {"severity": "off"},
                }
            }
        )
    assert err.value.problems == [
        "rules.CB-NOPE-001: no rule with this id or CORE id in the catalogue",
        "rules.CB-SDTM-001: severity 'fatal' is not one of error, warning, notice, off",
        "rules.CB-SDTM-002: a reason is required (it is written into the report)",
    ]
