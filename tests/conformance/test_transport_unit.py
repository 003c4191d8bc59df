"""conformance.transport: each transport rule's check called directly on a tiny frame with the
file metadata it reads (SAS transport v5 and FDA TCG limits: 8-character names, 40-character
labels, 200-byte ASCII values, 5 GB files), passing and failing, and not applicable where the
metadata it needs is absent. test_rules.py runs each rule's literal example through a run."""

from __future__ import annotations

import pandas as pd
import pytest

from conformance import transport as tr
from conformance.context import Context, DatasetMeta
from specs import model as m

BY_ID = {r.id: r for r in tr.RULES}


def _run(rule_id, frame, name="AE", meta=None, spec=None):
    ctx = Context({name: frame}, spec=spec, meta={name: meta} if meta else None)
    return BY_ID[rule_id].check(ctx, name, frame)


def _found(outcome):
    """(variable, values, detail) of each hit."""
    return [(h.variable, list(h.values) if h.values is not None else None, h.detail) for h in outcome.hits]


AE = pd.DataFrame({"USUBJID": ["P-1", "P-2"], "AETERM": ["Headache", "Nausea"]})


def test_the_transport_rules_are_the_cb_xpt_rules_in_order():
    ids = [r.id for r in tr.RULES]
    assert ids[:4] == ["CB-XPT-001", "CB-XPT-002", "CB-XPT-003", "CB-XPT-004"]
    assert len(ids) == len(set(ids))
    assert BY_ID["CB-XPT-013"].core_id == "CORE-000765"
    assert BY_ID["CB-XPT-018"].applies_to == ("STUDY",)


@pytest.mark.parametrize(
    ("name", "ok"), [("AE", True), ("SUPPAE", True), ("AE_1", False), ("ADVERSEEV", False), ("1AE", False)]
)
def test_a_dataset_name_is_up_to_8_letters_or_digits_starting_with_a_letter(name, ok):
    out = _run("CB-XPT-001", AE, name=name)
    assert out.checked == 1
    assert out.failed == (0 if ok else 1)


def test_the_file_is_named_as_the_dataset_in_lower_case():
    assert _run("CB-XPT-002", AE, meta=DatasetMeta("AE", "data/ae.xpt")).failed == 0
    assert _run("CB-XPT-002", AE, meta=DatasetMeta("AE", "C:\\study\\ae.xpt")).failed == 0
    bad = _run("CB-XPT-002", AE, meta=DatasetMeta("AE", "data/AE_v2.xpt"))
    assert _found(bad) == [(None, ["AE_v2.xpt"], "expected ae.xpt")]
    none = _run("CB-XPT-002", AE)  # no file metadata: not applicable
    assert (none.checked, none.not_applicable, none.failed) == (0, 1, 0)


def test_variable_names_are_at_most_8_characters():
    frame = pd.DataFrame({"USUBJID": ["P-1"], "AETERMLONG": ["x"], "AEDECODEDX": ["y"]})
    out = _run("CB-XPT-003", frame)
    assert out.checked == 3
    assert _found(out) == [("AETERMLONG", ["AETERMLONG, AEDECODEDX"], "2 variable(s) longer than 8 characters")]
    assert _run("CB-XPT-003", AE).failed == 0


def test_variable_names_are_upper_case_letters_digits_or_underscores():
    frame = pd.DataFrame({"AE_X1": ["a"], "aeterm": ["b"], "1AE": ["c"], "AE-X": ["d"]})
    out = _run("CB-XPT-004", frame)
    assert [h.variable for h in out.hits] == ["aeterm", "1AE", "AE-X"]


def test_variable_labels_of_the_file_are_at_most_40_characters():
    meta = DatasetMeta(
        "AE", "ae.xpt", "xpt", "Adverse Events", variable_labels={"USUBJID": "U" * 41, "AETERM": "T" * 40}
    )
    out = _run("CB-XPT-005", AE, meta=meta)
    assert (out.checked, out.not_applicable) == (2, 0)
    assert _found(out) == [("USUBJID", ["U" * 41], "41 characters")]


def test_labels_come_from_the_spec_without_file_labels_and_an_unlabelled_column_is_not_applicable():
    spec = m.Spec(
        datasets=(m.Dataset("AE", "Adverse Events"),),
        variables=(m.Variable("AE", "USUBJID", 1, "Unique Subject Identifier", "text", 8),),
    )
    out = _run("CB-XPT-005", AE, spec=spec)
    assert (out.checked, out.not_applicable, out.failed) == (1, 1, 0)
    nothing = _run("CB-XPT-005", AE)  # neither file labels nor a spec
    assert (nothing.checked, nothing.not_applicable) == (0, 2)


def test_variable_labels_are_ascii_and_present():
    meta = DatasetMeta(
        "AE", "ae.xpt", "xpt", "Adverse Events", variable_labels={"USUBJID": "Sujet \u00e9", "AETERM": ""}
    )
    assert _found(_run("CB-XPT-006", AE, meta=meta)) == [("USUBJID", ["Sujet \u00e9"], "non-ASCII characters")]
    assert _found(_run("CB-XPT-007", AE, meta=meta)) == [("AETERM", [""], "no label")]


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ("Reported Term for the Adverse Event", None),
        ("Reason Arm and/or Actual Arm is Null", None),
        ("Date/Time of Collection", None),
        ("", None),
        ("unique Subject Identifier", "not in title case"),
        ("Sequence number", "not in title case"),
    ],
)
def test_labels_are_in_title_case_with_small_words_allowed(label, problem):
    assert tr._not_title_case(label) == problem


@pytest.mark.parametrize(
    ("label", "detail"),
    [
        ("Adverse Events", None),
        ("", "the dataset has no label"),
        ("A" * 41, "41 characters; at most 40"),
        ("\u00c9v\u00e9nements", "non-ASCII characters"),
    ],
)
def test_a_dataset_label_of_an_xpt_file(label, detail):
    out = _run("CB-XPT-008", AE, meta=DatasetMeta("AE", "ae.xpt", "xpt", label))
    assert out.checked == 1
    assert [h.detail for h in out.hits] == ([] if detail is None else [detail])


def test_a_csv_file_has_no_dataset_label_to_check():
    out = _run("CB-XPT-008", AE, meta=DatasetMeta("AE", "ae.csv", "csv", None))
    assert (out.checked, out.not_applicable, out.failed) == (0, 1, 0)


def test_character_values_are_at_most_200_bytes():
    frame = pd.DataFrame({"AETERM": ["x" * 200, "\u00e9" * 100, "\u00e9" * 101], "AESEQ": [1.0, 2.0, 3.0]})
    out = _run("CB-XPT-009", frame)
    assert (out.checked, out.not_applicable) == (3, 3)  # 3 text values; the numeric column is not applicable
    (h,) = out.hits
    assert (list(h.rows), h.variable, h.detail) == ([2], "AETERM", ["202 bytes; split the text as SDTMIG 4.5.3 says"])


def test_character_values_are_printable_ascii():
    frame = pd.DataFrame({"AETERM": ["plain", "caf\u00e9", "a\tb", None]})
    (h,) = _run("CB-XPT-010", frame).hits
    assert list(h.rows) == [1, 2]
    assert h.detail == ["characters '\u00e9'", "characters '\\t'"]


def test_values_are_stored_with_the_type_the_spec_declares():
    spec = m.Spec(
        datasets=(m.Dataset("AE", "Adverse Events"),),
        variables=(
            m.Variable("AE", "AESEQ", 1, "Sequence Number", "integer", 8),
            m.Variable("AE", "AETERM", 2, "Reported Term", "text", 20),
        ),
    )
    good = pd.DataFrame({"AESEQ": [1.0, 2.0], "AETERM": ["A", "B"]})
    assert _run("CB-XPT-011", good, spec=spec).failed == 0
    text_seq = pd.DataFrame({"AESEQ": ["1", None], "AETERM": ["A", "B"]}, dtype=object)
    assert _found(_run("CB-XPT-011", text_seq, spec=spec)) == [("AESEQ", ["1"], "text in a numeric variable")]
    number_term = pd.DataFrame({"AESEQ": [1.0, 2.0], "AETERM": [3.0, float("nan")]})
    assert _found(_run("CB-XPT-011", number_term, spec=spec)) == [("AETERM", [3.0], "a number in a text variable")]


def test_without_metadata_only_a_column_mixing_numbers_and_text_is_reported():
    frame = pd.DataFrame({"XVAL": pd.Series([1.5, "high", None], dtype=object), "YVAL": ["a", "b", "c"]})
    out = _run("CB-XPT-011", frame)
    assert (out.checked, out.not_applicable) == (3, 3)
    assert _found(out) == [("XVAL", ["high"], "numbers and text in one column")]


def test_a_declared_length_is_that_of_the_longest_value_and_at_most_200():
    def meta(lengths):
        return DatasetMeta("AE", "ae.xpt", "xpt", "Adverse Events", variable_lengths=lengths)

    assert _run("CB-XPT-012", AE, meta=meta({"USUBJID": 3, "AETERM": 8})).failed == 0
    padded = _run("CB-XPT-012", AE, meta=meta({"USUBJID": 20, "AETERM": 201}))
    assert _found(padded) == [
        ("USUBJID", [20], "declared length 20, longest value 3 bytes"),
        ("AETERM", [201], "declared length 201 > 200"),
    ]
    partly = _run("CB-XPT-012", AE, meta=meta({"USUBJID": 3}))
    assert (partly.checked, partly.not_applicable) == (1, 1)
    assert _run("CB-XPT-012", AE).not_applicable == 2


def test_a_file_over_5_gb_is_to_be_split():
    at_limit = _run("CB-XPT-013", AE, meta=DatasetMeta("AE", "ae.xpt", file_size=5 * 1024**3))
    assert at_limit.failed == 0
    (h,) = _run("CB-XPT-013", AE, meta=DatasetMeta("AE", "ae.xpt", file_size=6 * 1024**3)).hits
    assert h.values == [6 * 1024**3]
    assert h.detail.startswith("6.00 GB: split into at least 2 files under 5 GB")
    assert "named ae1.xpt, ae2.xpt" in h.detail


def test_a_permissible_variable_with_no_values_is_reported_but_not_a_required_one():
    frame = pd.DataFrame({"USUBJID": ["P-1", "P-2"], "AESPID": [None, " "], "AESEV": [None, None]}, dtype=object)
    assert _found(_run("CB-XPT-014", frame)) == [
        ("AESPID", [None], "no value in any record"),
        ("AESEV", [None], "no value in any record"),
    ]
    spec = m.Spec(
        datasets=(m.Dataset("AE", "Adverse Events"),),
        variables=(m.Variable("AE", "AESEV", 1, "Severity", "text", 8, core="Exp"),),
    )
    assert [h.variable for h in _run("CB-XPT-014", frame, spec=spec).hits] == ["AESPID"]
    assert _run("CB-XPT-014", frame.iloc[0:0]).failed == 0  # no records: nothing to say


def test_an_encoding_problem_the_reader_met_is_reported():
    ok = _run("CB-XPT-015", AE, meta=DatasetMeta("AE", "ae.xpt"))
    assert (ok.checked, ok.failed) == (1, 0)
    bad = _run("CB-XPT-015", AE, meta=DatasetMeta("AE", "ae.xpt", encoding_problem="not UTF-8; read as cp1252"))
    assert _found(bad) == [(None, ["ae.xpt"], "not UTF-8; read as cp1252")]
    assert _run("CB-XPT-015", AE).not_applicable == 1


@pytest.mark.parametrize(
    ("value", "lost"),
    [("Headache?", False), ("What? Why?", False), ("????", True), ("caf??", True), (" ? ", True), ("plain", False)],
)
def test_question_marks_standing_for_lost_characters(value, lost):
    assert tr._lost_characters(value) is lost


def test_a_file_that_could_not_be_read_is_an_error_of_the_study():
    meta = {
        "AE": DatasetMeta("AE", "data/ae.xpt"),
        "CM": DatasetMeta("CM", "data/cm.xpt", unreadable="the file ends inside an observation"),
    }
    out = BY_ID["CB-XPT-018"].check(Context({"AE": AE}, meta=meta), None, None)
    assert out.checked == 2
    (h,) = out.hits
    assert (h.dataset, h.values) == ("CM", ["cm.xpt"])
    assert h.detail == "the file could not be read, so CM was not validated: the file ends inside an observation"
