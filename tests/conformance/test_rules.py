"""Every rule of the catalogue has a passing and a failing literal example; the examples
of the rules checked in each module run in that module's tests (test_sdtm_checks ...)."""

from __future__ import annotations

import pytest
from rule_examples import BY_ID, EXAMPLES, assert_fails, assert_passes, rules_of

MODULES = ("checks", "sdtm_checks", "adam_checks", "spec_checks", "define", "required", "transport", "ig_checks")


def test_every_rule_has_a_passing_and_a_failing_example():
    missing = sorted(set(BY_ID) - set(EXAMPLES))
    unknown = sorted(set(EXAMPLES) - set(BY_ID))
    assert not missing, f"rules without examples: {missing}"
    assert not unknown, f"examples of no rule: {unknown}"


def test_every_rule_is_checked_in_a_module_whose_tests_run_its_examples():
    covered = {rule_id for module in MODULES for rule_id in rules_of(module)}
    assert covered == set(BY_ID), sorted(set(BY_ID) - covered)


@pytest.mark.parametrize("rule_id", rules_of("transport"))
def test_transport_rule_passes_its_passing_example(rule_id):
    assert_passes(rule_id)


@pytest.mark.parametrize("rule_id", rules_of("transport"))
def test_transport_rule_fails_its_failing_example(rule_id):
    assert_fails(rule_id)
