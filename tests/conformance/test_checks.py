"""The generic checks of conformance.checks: their registry, variable access and hits, and
every rule that uses one on its passing and failing literal example (rule_examples)."""

from __future__ import annotations

import pandas as pd
import pytest
from rule_examples import assert_fails, assert_passes, rules_of

from conformance import checks as c
from conformance.context import Context

RULES = rules_of("checks")


def test_a_check_name_is_registered_once():
    with pytest.raises(ValueError, match="check unique is registered twice"):

        @c.check_factory
        def unique():  # pragma: no cover - refused at registration
            raise AssertionError

    assert c.CHECKS["unique"] is not None


def test_a_plain_check_is_registered_as_a_factory_without_arguments():
    registered = c.CHECKS["has_records"]
    assert registered.__name__ == "has_records"
    check = registered()
    empty = pd.DataFrame({"USUBJID": []})
    assert check(Context({"AE": empty}), "AE", empty).failed == 1


def test_vars_resolve_the_prefix_and_dm_values():
    dm = pd.DataFrame({"USUBJID": ["P-1", "P-2"], "RFSTDTC": ["2020-01-10", "2020-02-01"]})
    ae = pd.DataFrame({"USUBJID": ["P-2", "P-1", "P-3"], "AESEQ": [1.0, 2.0, 3.0]})
    v = c.Vars(Context({"DM": dm, "AE": ae}), "AE", ae)
    assert v.column("--SEQ") == "AESEQ"
    assert v.present("--SEQ") and v.present("DM.RFSTDTC") and not v.present("--STDTC")
    assert list(v["DM.RFSTDTC"].fillna("")) == ["2020-02-01", "2020-01-10", ""]
    assert v.get("--ENDTC") is None


def test_a_hit_shows_the_variables_asked_for():
    ae = pd.DataFrame(
        {"USUBJID": ["P-1", "P-2"], "AESTDTC": ["2020-01-02", "2020-03-01"], "AEENDTC": ["2020-01-01", ""]}
    )
    v = c.Vars(Context({"AE": ae}), "AE", ae)
    got = c.hit(v, pd.Series([True, False]), "--STDTC", show=("--STDTC", "--ENDTC"), detail="ends first")
    assert (got.dataset, list(got.rows), got.variable) == ("AE", [0], "AESTDTC")
    assert list(got.values) == ["AESTDTC=2020-01-02; AEENDTC=2020-01-01"]
    assert got.detail == "ends first"


def test_unique_reports_every_record_of_a_repeated_key():
    ae = pd.DataFrame({"USUBJID": ["P-1", "P-1", "P-1", "P-2"], "AESEQ": [1.0, 1.0, 2.0, 1.0]})
    outcome = c.unique(("--SEQ",))(Context({"AE": ae}), "AE", ae)
    assert (outcome.checked, outcome.failed) == (4, 2)
    assert list(outcome.hits[0].rows) == [0, 1]


def test_a_record_check_is_not_applicable_to_a_dataset_without_its_variables():
    ae = pd.DataFrame({"USUBJID": ["P-1", "P-2"]})
    outcome = c.not_after("--STDTC", "--ENDTC")(Context({"AE": ae}), "AE", ae)
    assert (outcome.checked, outcome.not_applicable, outcome.failed) == (0, 2, 0)


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_passes_its_passing_example(rule_id):
    assert_passes(rule_id)


@pytest.mark.parametrize("rule_id", RULES)
def test_rule_fails_its_failing_example(rule_id):
    assert_fails(rule_id)
