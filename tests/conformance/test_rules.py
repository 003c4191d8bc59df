"""Every rule of the catalogue, once passing and once failing, on literal examples."""

from __future__ import annotations

import pytest
from rule_examples import EXAMPLES, run_kwargs

from conformance import RULES, run_validation

BY_ID = {r.id: r for r in RULES}


def _run(rule_id, example):
    kwargs = run_kwargs(example)
    report = run_validation(kwargs.pop("datasets"), rules=(BY_ID[rule_id],), **kwargs)
    (result,) = report.results
    assert result.error is None, result.error
    return report, result


def test_every_rule_has_a_passing_and_a_failing_example():
    missing = sorted(set(BY_ID) - set(EXAMPLES))
    unknown = sorted(set(EXAMPLES) - set(BY_ID))
    assert not missing, f"rules without examples: {missing}"
    assert not unknown, f"examples of no rule: {unknown}"


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_rule_passes_its_passing_example(rule_id):
    report, result = _run(rule_id, EXAMPLES[rule_id][0])
    assert result.failed == 0, report.findings.to_string()
    assert result.checked > 0, f"{rule_id}: the passing example checked no record"


@pytest.mark.parametrize("rule_id", sorted(EXAMPLES))
def test_rule_fails_its_failing_example(rule_id):
    report, result = _run(rule_id, EXAMPLES[rule_id][1])
    assert result.failed > 0, f"{rule_id} found nothing in its failing example"
    assert set(report.findings["rule"]) == {rule_id}
    assert (report.findings["severity"] == BY_ID[rule_id].severity).all()
