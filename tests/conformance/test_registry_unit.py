"""conformance.registry: a Catalogue builds rules in order, makes tuples of its names and
refuses an id used twice (and a rule the model refuses)."""

from __future__ import annotations

import pytest

from conformance.model import Outcome, Rule
from conformance.registry import Catalogue


def _check(ctx, name, frame):
    return Outcome(1, 0)


def test_add_builds_the_rule_appends_it_and_returns_it():
    cat = Catalogue()
    rule = cat.add(
        "CB-T-001",
        "warning",
        "A message",
        "Transport",
        "ALL",
        _check,
        core="CORE-000001",
        ids="CG0001",
        excludes="TS",
        description="more",
    )
    assert list(cat) == [rule]
    assert rule == Rule(
        id="CB-T-001",
        severity="warning",
        message="A message",
        standard="Transport",
        applies_to=("ALL",),
        check=_check,
        core_id="CORE-000001",
        cdisc_rule_ids="CG0001",
        excludes=("TS",),
        description="more",
    )
    assert rule.check is _check


def test_a_list_of_names_becomes_a_tuple_and_defaults_are_empty():
    cat = Catalogue()
    rule = cat.add("CB-T-002", "error", "m", "SDTMIG 3.4", ["AE", "CM"], _check)
    assert rule.applies_to == ("AE", "CM")
    assert (rule.excludes, rule.core_id, rule.cdisc_rule_ids, rule.description) == ((), None, None, None)


def test_rules_keep_the_order_they_were_added_in():
    cat = Catalogue()
    for rule_id in ("CB-T-003", "CB-T-001", "CB-T-002"):
        cat.add(rule_id, "notice", "m", "FDA", ("STUDY",), _check)
    assert [r.id for r in cat] == ["CB-T-003", "CB-T-001", "CB-T-002"]


def test_an_id_used_twice_is_refused_and_the_first_rule_kept():
    cat = Catalogue()
    cat.add("CB-T-001", "error", "first", "Transport", ("ALL",), _check)
    with pytest.raises(ValueError, match="^rule id CB-T-001 is used twice$"):
        cat.add("CB-T-001", "warning", "second", "Transport", ("ALL",), _check)
    assert [(r.id, r.message) for r in cat] == [("CB-T-001", "first")]


def test_a_rule_with_an_unknown_severity_or_standard_is_not_added():
    cat = Catalogue()
    with pytest.raises(ValueError, match="severity 'fatal' is not one of"):
        cat.add("CB-T-001", "fatal", "m", "Transport", ("ALL",), _check)
    with pytest.raises(ValueError, match="standard 'SEND' is not one of"):
        cat.add("CB-T-002", "error", "m", "SEND", ("ALL",), _check)
    assert list(cat) == []
