"""The rule table: rows bound to their checks, and the rows a load refuses."""

from __future__ import annotations

import tomllib

import pandas as pd
import pytest

from conformance.checks import CHECKS
from conformance.context import Context
from conformance.table import TABLE, RuleTableError, load_rules

ROW = """
[[rule]]
id = "CB-T-001"
standard = "SDTMIG 3.4"
severity = "error"
applies_to = ["DM"]
excludes = ["SUPP--"]
core_id = "CORE-000001"
cdisc_rule_ids = "CG0001"
message = "AGEU is populated when AGE is"
check = "if_filled_then_filled"
args = { if_filled = "AGE", then_filled = "AGEU" }
"""


def test_a_row_is_bound_to_its_check_with_its_arguments():
    (rule,) = load_rules(ROW)
    assert (rule.id, rule.severity, rule.standard) == ("CB-T-001", "error", "SDTMIG 3.4")
    assert (rule.applies_to, rule.excludes) == (("DM",), ("SUPP--",))
    assert (rule.core_id, rule.cdisc_rule_ids, rule.description) == ("CORE-000001", "CG0001", None)
    dm = pd.DataFrame({"USUBJID": ["1", "2", "3"], "AGE": [30, None, 41], "AGEU": ["YEARS", "", ""]})
    outcome = rule.check(Context({"DM": dm}), "DM", dm)
    assert (outcome.checked, outcome.not_applicable, outcome.failed) == (2, 1, 1)
    assert list(outcome.hits[0].rows) == [2]


def test_list_arguments_reach_the_check_and_a_check_without_arguments_binds():
    table = """
[[rule]]
id = "CB-T-002"
standard = "FDA"
severity = "warning"
applies_to = ["DM"]
message = "SEX is M or F"
check = "value_in"
args = { variable = "SEX", allowed = ["M", "F"] }

[[rule]]
id = "CB-T-003"
standard = "SDTMIG 3.4"
severity = "notice"
applies_to = ["SDTM"]
message = "A dataset has records"
check = "has_records"
"""
    sex, records = load_rules(table)
    dm = pd.DataFrame({"SEX": ["M", "U", "F", ""]})
    outcome = sex.check(Context({"DM": dm}), "DM", dm)
    assert (outcome.checked, outcome.failed) == (3, 1)
    assert list(outcome.hits[0].values) == ["U"]
    empty = pd.DataFrame({"SEX": []})
    assert records.check(Context({"DM": empty}), "DM", empty).failed == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('check = "if_filled_then_filled"', 'check = "no_such_check"'), "no check named 'no_such_check'"),
        (('then_filled = "AGEU"', 'then_filled = "AGEU", c = "X"'), "check if_filled_then_filled takes no argument c"),
        ((', then_filled = "AGEU"', ""), "check if_filled_then_filled needs the argument then_filled"),
        (('severity = "error"', 'severity = "fatal"'), "severity 'fatal' is not one of error, warning, notice"),
        (('standard = "SDTMIG 3.4"', 'standard = "SDTMIG 3.3"'), "standard 'SDTMIG 3.3' is not one of"),
        (('message = "AGEU is populated when AGE is"\n', ""), "rule CB-T-001: no message"),
        (('core_id = "CORE-000001"', 'core = "CORE-000001"'), "rule CB-T-001: unknown field core"),
    ],
)
def test_a_bad_row_is_refused_at_load(change, message):
    old, new = change
    assert old in ROW
    with pytest.raises(RuleTableError, match=message.replace("(", r"\(")):
        load_rules(ROW.replace(old, new))


def test_an_id_used_twice_is_refused():
    with pytest.raises(RuleTableError, match="rule id CB-T-001 is used twice"):
        load_rules(ROW + ROW)


def test_a_table_that_is_not_toml_or_has_other_tables_is_refused():
    with pytest.raises(RuleTableError, match="not valid TOML"):
        load_rules("[[rule]\nid = 1")
    with pytest.raises(RuleTableError, match="only \\[\\[rule\\]\\] rows are read"):
        load_rules(ROW + "\n[other]\nx = 1\n")


def test_the_shipped_table_loads_and_names_every_registered_check():
    rules = load_rules()
    assert len(rules) > 300
    named = {row["check"] for row in tomllib.loads(TABLE.read_text(encoding="utf-8"))["rule"]}
    unused = sorted(set(CHECKS) - named)
    assert not unused, f"registered checks no rule names: {unused}"
