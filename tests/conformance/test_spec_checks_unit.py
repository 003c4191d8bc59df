"""conformance.spec_checks: the CB-SPEC checks called directly on a tiny Events dataset and a
small Spec (validate_frame's failures sorted by kind; datasets, variables and order against the
spec; value-level codelists under where clauses). test_spec_checks.py runs each rule's literal
example through a validation run."""

from __future__ import annotations

import pandas as pd
import pytest

from conformance import spec_checks as sc
from conformance.context import Context
from specs import model as m


def _spec() -> m.Spec:
    return m.Spec(
        datasets=(m.Dataset("XX", "Test Events", dataset_class="EVENTS", keys=("STUDYID", "USUBJID", "XXSEQ")),),
        variables=(
            m.Variable("XX", "STUDYID", 1, "Study Identifier", "text", 8, core="Req"),
            m.Variable("XX", "USUBJID", 2, "Unique Subject Identifier", "text", 8, core="Req"),
            m.Variable("XX", "XXSEQ", 3, "Sequence Number", "integer", 8, core="Req"),
            m.Variable("XX", "XXSEV", 4, "Severity", "text", 8, core="Exp", codelist="SEV"),
            m.Variable("XX", "XXOUT", 5, "Outcome", "text", 20, core="Perm", codelist="OUT"),
        ),
        codelists=(
            m.Codelist("SEV", terms=(m.CodelistTerm("MILD"), m.CodelistTerm("SEVERE"))),
            m.Codelist("OUT", extensible=True, terms=(m.CodelistTerm("FATAL"), m.CodelistTerm("RECOVERED"))),
        ),
    )


def _frame(**columns) -> pd.DataFrame:
    data = {"STUDYID": ["S1", "S1"], "USUBJID": ["P-1", "P-1"], "XXSEQ": [1.0, 2.0], "XXSEV": ["MILD", "SEVERE"]}
    data.update(columns)
    return pd.DataFrame({k: v for k, v in data.items() if v is not None})


def _run(check, frame, spec=None, name="XX"):
    return check(Context({name: frame}, spec=_spec() if spec is None else spec), name, frame)


def _found(outcome):
    return [(h.variable, None if h.rows is None else list(h.rows), list(h.values), h.detail) for h in outcome.hits]


KINDS = ("required", "expected", "null", "type", "codelist", "codelist-ext", "length", "iso", "keys")


@pytest.mark.parametrize("kind", KINDS)
def test_a_dataset_that_meets_its_spec_fails_no_kind(kind):
    out = _run(sc.spec_rule(kind), _frame(XXOUT=["FATAL", None]))
    assert (out.checked, out.not_applicable, out.failed) == (2, 0, 0)


def test_spec_rules_are_not_applicable_without_a_spec_or_to_a_dataset_not_in_it():
    frame = _frame()
    no_spec = sc.spec_rule("required")(Context({"XX": frame}), "XX", frame)
    assert (no_spec.checked, no_spec.not_applicable) == (0, 2)
    other = _run(sc.spec_rule("required"), frame, name="YY")
    assert (other.checked, other.not_applicable) == (0, 2)


def test_a_missing_required_variable_is_a_required_failure_and_an_expected_one_an_expected_failure():
    frame = _frame(STUDYID=None, XXSEV=None)
    assert _found(_run(sc.spec_rule("required"), frame)) == [("STUDYID", None, [None], "XX.STUDYID (Req) is missing")]
    assert _found(_run(sc.spec_rule("expected"), frame)) == [("XXSEV", None, [None], "XX.XXSEV (Exp) is missing")]
    assert _run(sc.spec_rule("null"), frame).failed == 0  # each failure counts under one kind only


def test_a_null_in_a_required_variable():
    out = _run(sc.spec_rule("null"), _frame(USUBJID=["P-1", None]))
    assert [(h.variable, list(h.rows), h.detail) for h in out.hits] == [("USUBJID", [1], ["not null"])]


def test_a_term_outside_a_closed_codelist_is_a_codelist_failure_and_outside_an_extensible_one_a_new_term():
    frame = _frame(XXSEV=["MILD", "MODERATE"], XXOUT=["UNKNOWN", "FATAL"])
    assert _found(_run(sc.spec_rule("codelist"), frame)) == [("XXSEV", [1], ["MODERATE"], ["codelist SEV"])]
    assert _found(_run(sc.spec_rule("codelist-ext"), frame)) == [
        ("XXOUT", [0], ["UNKNOWN"], ["codelist OUT (extensible)"])
    ]


def test_text_in_an_integer_variable_is_a_type_failure():
    out = _run(sc.spec_rule("type"), _frame(XXSEQ=pd.Series([1.0, "two"], dtype=object)))
    assert _found(out) == [("XXSEQ", [1], ["two"], ["numeric type"])]


def test_a_value_longer_than_the_spec_length_is_a_length_failure():
    out = _run(sc.spec_rule("length"), _frame(USUBJID=["P-1", "P-1-LONGER"], XXSEQ=[1.0, 2.0]))
    assert _found(out) == [("USUBJID", [1], ["P-1-LONGER"], ["length <= 8"])]


def test_records_with_the_same_keys_fail_the_keys_kind_on_each_record():
    out = _run(sc.spec_rule("keys"), _frame(XXSEQ=[1.0, 1.0]))
    (h,) = out.hits
    assert (h.variable, sorted(h.rows)) == (None, [0, 1])


@pytest.mark.parametrize(
    ("check", "severity", "kind"),
    [
        ("not null", "error", "null"),
        ("unique keys", "error", "keys"),
        ("text type", "error", "type"),
        ("whole number", "error", "type"),
        ("date or number", "error", "type"),
        ("length <= 8", "error", "length"),
        ("ISO 8601", "error", "iso"),
        ("codelist SEV", "error", "codelist"),
        ("codelist OUT (extensible)", "warning", "codelist-ext"),
        ("something new", "error", "other"),
    ],
)
def test_each_failure_of_validate_frame_belongs_to_one_kind(check, severity, kind):
    assert sc._kind(_spec(), "XX", {"check": check, "severity": severity, "variable": "XXSEV"}) == kind


def test_a_missing_column_is_required_or_expected_by_the_variable_core():
    row = {"check": "required column", "severity": "error"}
    assert sc._kind(_spec(), "XX", {**row, "variable": "XXSEQ"}) == "required"
    assert sc._kind(_spec(), "XX", {**row, "variable": "XXSEV"}) == "expected"


def test_in_spec():
    frame = _frame()
    assert _found(_run(sc.in_spec, frame, name="YY")) == [(None, None, ["YY"], "the dataset is not in the spec")]
    assert _run(sc.in_spec, frame).failed == 0
    none = sc.in_spec(Context({"XX": frame}), "XX", frame)
    assert (none.checked, none.not_applicable) == (0, 2)


def test_variables_in_spec():
    out = _run(sc.variables_in_spec, _frame(XXNEW=["a", "b"], XXNEW2=["c", "d"]))
    assert out.checked == 6
    assert _found(out) == [
        ("XXNEW", None, ["XXNEW"], "the variable is not in the spec"),
        ("XXNEW2", None, ["XXNEW2"], "the variable is not in the spec"),
    ]
    assert _run(sc.variables_in_spec, _frame(), name="YY").not_applicable == 4


def test_order_follows_the_spec_among_the_variables_present():
    # XXOUT is in the spec but not in the data: the order of the others still holds
    assert _run(sc.order, _frame()).failed == 0
    swapped = _frame()[["USUBJID", "STUDYID", "XXSEQ", "XXSEV"]]
    assert _found(_run(sc.order, swapped)) == [
        ("USUBJID", None, ["USUBJID, STUDYID, XXSEQ, XXSEV"], "the spec's order is STUDYID, USUBJID, XXSEQ, XXSEV")
    ]
    assert _run(sc.order, _frame(), name="YY").not_applicable == 1


def _vl_spec(where_conditions) -> m.Spec:
    return m.Spec(
        datasets=(m.Dataset("XX", "Test Findings", dataset_class="FINDINGS"),),
        variables=(
            m.Variable("XX", "USUBJID", 1, "Unique Subject Identifier", "text", 8),
            m.Variable("XX", "XXTESTCD", 2, "Test Code", "text", 8),
            m.Variable("XX", "XXORRES", 3, "Result", "text", 20),
            m.Variable("XX", "XXORNRHI", 4, "Upper Limit", "text", 8),
        ),
        value_level=(
            m.ValueLevel("XX", "XXORRES", "WC.1", 1, codelist="STATE"),
            m.ValueLevel("XX", "XXORRES", "WC.2", 2, codelist="RESP"),
        ),
        where_clauses=(
            m.WhereClause("WC.1", where_conditions),
            m.WhereClause("WC.2", (m.WhereCondition("XX", "XXTESTCD", "EQ", ("RESP",)),)),
        ),
        codelists=(
            m.Codelist("STATE", terms=(m.CodelistTerm("PRESENT"), m.CodelistTerm("ABSENT"))),
            m.Codelist("RESP", extensible=True, terms=(m.CodelistTerm("CR"), m.CodelistTerm("PD"))),
        ),
    )


VL = pd.DataFrame(
    {
        "USUBJID": ["P-1"] * 5,
        "XXTESTCD": ["STATE", "STATE", "STATE", "RESP", "DIAM"],
        "XXORRES": ["PRESENT", "Present (stable)", None, "Progression", "12"],
        "XXORNRHI": ["3", "9", "9", "1", "1"],
    }
)
STATE = (m.WhereCondition("XX", "XXTESTCD", "EQ", ("STATE",)),)


def test_value_level_closed_codelist_applies_to_the_records_its_where_clause_selects():
    out = _run(sc.value_level_codelist(False), VL, spec=_vl_spec(STATE))
    assert out.checked == 3  # the three STATE records; a null result is not reported
    assert _found(out) == [
        (
            "XXORRES",
            [1],
            ["Present (stable)"],
            "not a term of codelist STATE (closed), which applies where XXTESTCD EQ STATE",
        )
    ]


def test_value_level_extensible_codelist_reports_a_new_term():
    out = _run(sc.value_level_codelist(True), VL, spec=_vl_spec(STATE))
    assert out.checked == 1
    assert _found(out) == [
        (
            "XXORRES",
            [3],
            ["Progression"],
            "not a term of codelist RESP (extensible), which applies where XXTESTCD EQ RESP",
        )
    ]


def test_where_clause_conditions_are_joined_by_and_and_compare_numbers():
    both = STATE + (m.WhereCondition("XX", "XXORNRHI", "GT", ("5",)),)
    out = _run(sc.value_level_codelist(False), VL, spec=_vl_spec(both))
    assert out.checked == 2  # STATE records with XXORNRHI > 5
    assert [list(h.rows) for h in out.hits] == [[1]]


def test_a_where_clause_on_a_variable_not_in_the_data_checks_nothing():
    absent = (m.WhereCondition("XX", "XXCAT", "EQ", ("A",)),)
    out = _run(sc.value_level_codelist(False), VL, spec=_vl_spec(absent))
    assert (out.checked, out.failed) == (0, 0)


def test_value_level_is_not_applicable_without_entries_of_its_kind():
    frame = _frame()
    out = _run(sc.value_level_codelist(True), frame)  # _spec has no value-level metadata
    assert (out.checked, out.not_applicable) == (0, 2)
