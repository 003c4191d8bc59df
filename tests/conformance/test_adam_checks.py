"""The ADaMIG 1.3 checks of conformance.adam_checks, each on its passing and its failing literal example (rule_examples)."""

from __future__ import annotations

import pytest
from rule_examples import assert_fails, assert_passes, rules_of

RULES = rules_of("adam_checks")


def test_the_module_checks_rules():
    assert RULES


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_passes_its_passing_example(rule_id):
    assert_passes(rule_id)


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_fails_its_failing_example(rule_id):
    assert_fails(rule_id)
