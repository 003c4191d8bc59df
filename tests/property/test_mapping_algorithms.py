"""Properties of the Mapping algorithms (sdtm_builder.algorithms), run as the mapping runs them (apply_rule).

The rules are the built-in study's own Mapping rules (assign_ct with its
codelists and CRF answers, assign_number, assign_datetime, concat,
assign_no_ct); the raw values are generated: codelist terms, decodes and
synonyms in any case and spacing, values outside the codelist, Chinese text,
blanks, odd numbers, partial dates, free text (text a read form can hold: the
reader takes control characters out of every value, and reports each, so none
are generated here). Each rule runs on a read form
(text columns and lineage) the way the mapping runs it: on every row, or on
the rows its condition selects, with the raw form's distinct values.

What must hold: no exception; one value per row; every non-blank raw value
is either in the result (as the rule says it maps) or reported in the issue
log with its row, field and value, with the severity the docs give. The
expected values are computed here, from the codelist's terms and plain Python.
"""

from __future__ import annotations

import functools
import math
import re
from decimal import Decimal, InvalidOperation
from functools import partial

import numpy as np
import pandas as pd
from date_texts import date_texts, expected_date
from generated_exports import BLANKISH, CHINESE_TEXT, ODD_NUMBERS, OUTSIDE_CODELIST, examples, read_text
from hypothesis import event, given
from hypothesis import strategies as st

from sdtm_builder.issues import IssueLog
from sdtm_builder.mapping import apply_rule
from sdtm_builder.raw import FORM, ROW, SUBJECT, FieldValues, RawData


@functools.cache
def study_spec():
    from sdtm_builder.build import load_sdtm_spec
    from specs.study import builtin_study

    return load_sdtm_spec(builtin_study().study.sdtm_spec)


@functools.cache
def rules(algorithm: str) -> tuple:
    found = tuple(r for r in study_spec().mapping if r.algorithm == algorithm)
    assert found, f"the built-in Mapping sheet has no {algorithm} rule"
    return found


def _rule(algorithm: str):
    return st.integers(0, 10**6).map(lambda i: rules(algorithm)[i % len(rules(algorithm))])


def run_rule(rule, columns: dict[str, list[str]], subset: list[bool] | None):
    """The rule run as the mapping runs it: on a read form (text columns plus lineage), on all
    its rows or on those `subset` selects; (result, the rows it ran on, the issue log)."""
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})
    frame[FORM] = rule.form
    frame[ROW] = np.arange(1, n + 1, dtype=np.int64)
    frame[SUBJECT] = frame["SUBJECT"].str.strip() if "SUBJECT" in frame else ""
    raw = RawData("generated", {rule.form: frame})
    distinct = partial(FieldValues(raw).of_rows, rule.form)
    issues = IssueLog()
    if subset is None or all(subset):
        rows, where = frame, None
    else:
        where = np.array(subset, dtype=bool)
        rows = frame[where]
    record_set = pd.DataFrame(index=frame.index)
    result = apply_rule(
        rule, rows, spec=study_spec(), issues=issues, record_set=record_set, where=where, distinct=distinct
    )
    assert len(result) == len(rows) and result.index.equals(rows.index), (
        f"[algorithm-rows] {rule.algorithm} gave {len(result)} values for {len(rows)} rows"
    )
    return result, rows, issues.frame()


def issues_of(table: pd.DataFrame, row: int, field: str) -> list[dict]:
    return table[(table["row"] == row) & (table["field"] == field)].to_dict("records")


def normal(text: str) -> str:
    return " ".join(text.split()).upper()


def blank_or(text):
    return text.strip() or None


_subsets = st.one_of(st.none(), st.lists(st.booleans(), min_size=12, max_size=12))


def _varied(term: str):
    return st.tuples(
        st.sampled_from([str.upper, str.lower, str.title, lambda s: s]),
        st.sampled_from(["", " ", "  "]),
        st.sampled_from(["", " ", "\t"]),
    ).map(lambda t: t[1] + t[0](term) + t[2])


@st.composite
def coded_values(draw, rule) -> str:
    codelist = study_spec().codelist(rule.codelist)
    keys = [k for term in codelist.terms for k in (term.term, term.decoded_value, *term.synonyms) if k]
    answers = [a.strip() for a in (rule.parameter("crf_values") or "").split("|") if a.strip()]
    choices = [st.sampled_from(OUTSIDE_CODELIST + BLANKISH + CHINESE_TEXT), read_text(10)]
    if keys:
        choices.append(st.sampled_from(keys).flatmap(_varied))
    if answers:
        choices.append(st.sampled_from(answers))
    return draw(st.one_of(choices))


@examples(ci=60, long=2000)
@given(rule=_rule("assign_ct"), data=st.data(), subset=_subsets)
def test_assign_ct_maps_each_value_or_reports_it(rule, data, subset):
    """assign_ct: a value that is a term, decode or synonym (any case and spacing) is the term;
    any other non-blank value is kept as collected and reported (error for a closed codelist,
    warning for an extensible one); a mapped value outside the CRF's answers is a warning."""
    values = data.draw(st.lists(coded_values(rule), min_size=12, max_size=12))
    result, rows, table = run_rule(rule, {"SUBJECT": ["101-0001"] * 12, rule.field: values}, subset)
    codelist = study_spec().codelist(rule.codelist)
    lookup: dict[str, str] = {}
    for term in codelist.terms:
        for key in (term.term, term.decoded_value, *term.synonyms):
            if key:
                lookup.setdefault(normal(key), term.term)
    answers = {a.strip() for a in (rule.parameter("crf_values") or "").split("|") if a.strip()}
    for label, got in result.items():
        row = int(rows.at[label, ROW])
        text = blank_or(values[row - 1])
        found = issues_of(table, row, rule.field)
        if text is None:
            assert got is None or pd.isna(got), f"[assign_ct-blank] {rule.variable}: blank raw value gave {got!r}"
            assert not found, f"[assign_ct-blank] {rule.variable}: blank raw value reported {found}"
            continue
        term = lookup.get(normal(text))
        if term is None:
            assert got == text, f"[assign_ct-outside] {rule.variable}: {text!r} gave {got!r}, expected it as collected"
            severity = "warning" if codelist.extensible else "error"
            assert any(f["severity"] == severity and f["value"] == text for f in found), (
                f"[assign_ct-unreported] {rule.variable}: {text!r} outside codelist {codelist.id} not reported "
                f"as {severity}: {found}"
            )
            event("assign_ct: outside the codelist")
            continue
        assert got == term, f"[assign_ct-term] {rule.variable}: {text!r} gave {got!r}, expected the term {term!r}"
        if answers and text not in answers:
            assert any(f["severity"] == "warning" for f in found), (
                f"[assign_ct-crf-unreported] {rule.variable}: {text!r} is not a CRF answer and was not reported"
            )
            event("assign_ct: a term outside the CRF answers")
        else:
            assert not found, (
                f"[assign_ct-false-report] {rule.variable}: {text!r} maps to {term!r} yet was reported: {found}"
            )
    table_rows = set(table["row"].astype(int)) if len(table) else set()
    assert table_rows <= set(rows[ROW]), f"[assign_ct-rows] issues for rows the rule did not run on: {table_rows}"


NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_numbers = st.one_of(
    st.sampled_from(
        ODD_NUMBERS
        + BLANKISH
        + [
            "Infinity",
            "-Infinity",
            "+inf",
            "INF",
            "1e999",
            "1_000",
            "٣",
            "１２",
            "1.5.2",
            "--5",
            "5-",
            ".",
            "e5",
            "1e",
            "0.0",
            "-0.0",
            "12.50",
        ]
    ),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    read_text(6),
)


@examples(ci=60, long=2000)
@given(rule=_rule("assign_number"), values=st.lists(_numbers, min_size=12, max_size=12), subset=_subsets)
def test_assign_number_gives_finite_numbers_or_reports_the_value(rule, values, subset):
    """assign_number: a decimal number is that number; blank is null; anything else
    (inf, nan, 1e309, text) is null and reported as an error with its value."""
    result, rows, table = run_rule(rule, {"SUBJECT": ["101-0001"] * 12, rule.field: values}, subset)
    for label, got in result.items():
        row = int(rows.at[label, ROW])
        text = blank_or(values[row - 1])
        found = issues_of(table, row, rule.field)
        if text is None:
            assert math.isnan(got) and not found, f"[assign_number-blank] blank gave {got!r}, reported {found}"
            continue
        if NUMBER.fullmatch(text) and math.isfinite(float(text)):
            want = float(text)
            # within 1e-12 of the decimal written (pandas' reading of long decimals is not correctly rounded)
            assert math.isclose(got, want, rel_tol=1e-12, abs_tol=0.0) or got == want, (
                f"[assign_number-value] {text!r} gave {got!r}, expected {want!r}"
            )
            assert not found, f"[assign_number-false-report] {text!r} reported: {found}"
            continue
        assert math.isnan(got), f"[assign_number-not-finite] {text!r} gave {got!r}: not a finite decimal number"
        assert any(f["severity"] == "error" and f["value"] == text for f in found), (
            f"[assign_number-unreported] {text!r} left null without an error naming it: {found}"
        )
        event("assign_number: reported")


@examples(ci=60, long=2000)
@given(
    rule=_rule("assign_datetime"), dates=st.lists(date_texts("DD MON YYYY"), min_size=12, max_size=12), subset=_subsets
)
def test_assign_datetime_gives_iso_or_reports_the_value(rule, dates, subset):
    """assign_datetime (format DD MON YYYY, as the built-in rules): the ISO 8601 value the
    rules give; an unreadable date is null and an error naming it; a partial date is kept
    partial and noted."""
    assert rule.parameter("format") == "DD MON YYYY"
    texts = [d.text for d in dates]
    result, rows, table = run_rule(rule, {"SUBJECT": ["101-0001"] * 12, rule.field: texts}, subset)
    for label, got in result.items():
        row = int(rows.at[label, ROW])
        want = expected_date(dates[row - 1])
        found = issues_of(table, row, rule.field)
        text = texts[row - 1]
        if want.free or want.flagged:
            assert got is not None or found, f"[assign_datetime-lost] {text!r}: no value and not reported"
            continue
        assert got == want.iso, f"[assign_datetime-iso] {text!r} gave {got!r}, expected {want.iso!r}"
        if want.unreadable:
            assert any(f["severity"] == "error" and str(f["value"]).strip() == text.strip() for f in found), (
                f"[assign_datetime-unreported] {text!r} unreadable but not reported as an error: {found}"
            )
        elif want.partial:
            assert any(str(f["value"]).strip() == text.strip() for f in found), (
                f"[assign_datetime-partial-unreported] {text!r} partial but not noted: {found}"
            )
        else:
            assert not found, f"[assign_datetime-false-report] {text!r} reported: {found}"


_texts = st.one_of(
    st.sampled_from(BLANKISH + CHINESE_TEXT + ["101-0001", " 101-0002 ", "a\nb", 'say "x"']), read_text(12)
)


@examples(ci=60, long=2000)
@given(rule=_rule("concat"), data=st.data(), subset=_subsets)
def test_concat_fills_the_template_with_each_rows_values(rule, data, subset):
    """concat with raw fields ({STUDY}-{SUBJECT}, PRTX-{RECORDPOSITION}, {FOLDER}): each name
    replaced by the row's value trimmed; null when a value it needs is blank."""
    names = re.findall(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}", rule.value)
    columns = {name: data.draw(st.lists(_texts, min_size=12, max_size=12), label=name) for name in names}
    columns.setdefault("SUBJECT", ["101-0001"] * 12)
    result, rows, _ = run_rule(rule, columns, subset)
    for label, got in result.items():
        row = int(rows.at[label, ROW])
        parts = {name: blank_or(columns[name][row - 1]) for name in names}
        if any(v is None for v in parts.values()):
            assert got is None, f"[concat-blank] {rule.value} with {parts} gave {got!r}, expected null"
            continue
        want = re.sub(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}", lambda m, parts=parts: parts[m.group(1)], rule.value)
        assert got == want, f"[concat-value] {rule.value} with {parts} gave {got!r}, expected {want!r}"


def as_collected(text: str, rule) -> str | None:
    """assign_no_ct as the docs state it: the value trimmed (blank: null), then the rule's options in
    order: extract=REGEX (its first group, or the whole match; null without a match), number=text
    (numeric text written plainly: "067.0" -> "67"), case=upper|lower."""
    value = blank_or(text)
    pattern = rule.parameter("extract")
    if value is not None and pattern:
        found = re.search(pattern, value)
        value = None if not found else (found.group(1) if found.re.groups else found.group(0))
    if value is not None and rule.parameter("number") == "text":
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
        if number is not None and number.is_finite():
            value = format(number.normalize(), "f")
            value = "0" if value in ("-0", "") else value
    case = (rule.parameter("case") or "").lower()
    if value is not None and case in ("upper", "lower"):
        value = value.upper() if case == "upper" else value.lower()
    return value


@examples(ci=40, long=1500)
@given(rule=_rule("assign_no_ct"), values=st.lists(_texts, min_size=12, max_size=12), subset=_subsets)
def test_assign_no_ct_keeps_the_value_as_collected(rule, values, subset):
    """assign_no_ct: the raw value trimmed (blank: null), with the rule's options as the docs state them."""
    columns = {"SUBJECT": ["101-0001"] * 12, rule.field: values}
    result, rows, _ = run_rule(rule, columns, subset)
    for label, got in result.items():
        row = int(rows.at[label, ROW])
        want = as_collected(values[row - 1], rule)
        assert got == want, (
            f"[assign_no_ct-value] {rule.variable} {dict(rule.parameters)}: "
            f"{values[row - 1]!r} gave {got!r}, expected {want!r}"
        )
