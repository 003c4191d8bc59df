"""Mapping algorithms and record sets, on literal raw rows."""

from __future__ import annotations

import pandas as pd
import pytest

from sdtm_builder.algorithms import map_to_codelist
from sdtm_builder.issues import IssueLog
from sdtm_builder.mapping import ALGORITHMS, check_mapping, condition_mask, map_dataset, not_submitted_rows
from sdtm_builder.raw import RawData, read_form
from specs import model as m

SEV = m.Codelist(
    "AESEV",
    "Severity",
    "C66769",
    "text",
    terms=(
        m.CodelistTerm("MILD", 1, "C41338", "Mild", ("Grade 1",)),
        m.CodelistTerm("MODERATE", 2, "C41339", "Moderate"),
    ),
)
NY = m.Codelist(
    "NY",
    "No Yes",
    "C66742",
    "text",
    terms=(m.CodelistTerm("N", 1, "C49487", "No"), m.CodelistTerm("Y", 2, "C49488", "Yes")),
)
UNIT = m.Codelist("UNIT", "Unit", "C71620", "text", extensible=True, terms=(m.CodelistTerm("mg", 1, "C28253"),))


def _spec(*rules: m.MappingRule) -> m.Spec:
    names = ["STUDYID", "DOMAIN", "USUBJID", "AETERM", "AESEV", "AESER", "AESTDTC", "AEDUR", "AEUNIT", "AECAT"]
    return m.Spec(
        datasets=(m.Dataset("AE", "Adverse Events"),),
        variables=tuple(m.Variable("AE", n, i + 1, n, "text") for i, n in enumerate(names)),
        codelists=(SEV, NY, UNIT),
        mapping=rules,
    )


def _raw(tmp_path) -> RawData:
    path = tmp_path / "ae.csv"
    path.write_text(
        "SUBJECT,AETERM,AESEV,AESER,AESTDAT,DUR,UNIT,AEYN\n"
        "101-001,Headache,mild,No,12 MAR 2021,3,mg,Y\n"
        "101-001,Nausea,Grade 1,Yes,UN MAR 2021,x,tablet,Y\n"
        "101-002,,,,,,,N\n"
        "101-003,Rash,Severe,Yes,31 FEB 2021,,,Y\n",
        encoding="utf-8",
    )
    return RawData(str(tmp_path), {"ae": read_form(path, "SUBJECT")})


def R(order, variable, algorithm, **kw) -> m.MappingRule:
    params = kw.pop("parameters", ())
    return m.MappingRule("AE", variable, algorithm, order, kw.pop("form", "ae"), parameters=params, **kw)


RULES = (
    R(1, "", "condition_add", condition="AEYN EQ Y"),
    R(2, "STUDYID", "hardcode_no_ct", value="S1"),
    R(3, "USUBJID", "concat", value="{STUDYID}-{SUBJECT}"),
    R(4, "AETERM", "assign_no_ct", field="AETERM"),
    R(5, "AESEV", "assign_ct", field="AESEV", codelist="AESEV"),
    R(6, "AESER", "assign_ct", field="AESER", codelist="NY"),
    R(7, "AESTDTC", "assign_datetime", field="AESTDAT", parameters=(("format", "DD MON YYYY"),)),
    R(8, "AEDUR", "assign_number", field="DUR"),
    R(9, "AEUNIT", "assign_ct", field="UNIT", codelist="UNIT"),
    R(10, "AECAT", "hardcode_no_ct", value="SERIOUS", condition="AESER EQ Yes"),
)


def test_record_set_maps_every_variable_and_keeps_lineage(tmp_path):
    issues = IssueLog()
    out = map_dataset(_raw(tmp_path), _spec(*RULES), "AE", issues)
    assert out["_ROW"].tolist() == [1, 2, 4]  # row 3 fails the condition_add
    assert out["USUBJID"].tolist() == ["S1-101-001", "S1-101-001", "S1-101-003"]
    assert out["AESEV"].tolist() == ["MILD", "MILD", "Severe"]  # decoded value and synonym; outside kept
    assert out["AESER"].tolist() == ["N", "Y", "Y"]
    assert out["AESTDTC"].tolist() == ["2021-03-12", "2021-03", None]
    assert out["AEDUR"].tolist()[0] == 3.0 and pd.isna(out["AEDUR"].iloc[1])
    assert out["AECAT"].tolist() == [None, "SERIOUS", "SERIOUS"]
    table = issues.frame()
    got = table[["severity", "kind", "subject", "row", "field", "value"]].to_dict("records")
    assert got == [
        {"severity": "error", "kind": "not a number", "subject": "101-001", "row": 2, "field": "DUR", "value": "x"},
        {
            "severity": "error",
            "kind": "value outside codelist",
            "subject": "101-003",
            "row": 4,
            "field": "AESEV",
            "value": "Severe",
        },
        {
            "severity": "error",
            "kind": "unreadable date",
            "subject": "101-003",
            "row": 4,
            "field": "AESTDAT",
            "value": "31 FEB 2021",
        },
        {
            "severity": "warning",
            "kind": "value outside codelist",
            "subject": "101-001",
            "row": 2,
            "field": "UNIT",
            "value": "tablet",
        },
        {
            "severity": "note",
            "kind": "partial date",
            "subject": "101-001",
            "row": 2,
            "field": "AESTDAT",
            "value": "UN MAR 2021",
        },
    ]
    assert set(table["form"]) == {"ae"}


def test_not_submitted_rows_are_accounted_for(tmp_path):
    spec = _spec(*RULES, R(11, "", "not_submitted", condition="AEYN EQ N", comment="no adverse event reported"))
    rows = not_submitted_rows(_raw(tmp_path), spec)
    assert rows.to_dict("records") == [{"_FORM": "ae", "_ROW": 3, "reason": "no adverse event reported"}]


def test_check_mapping_reports_every_problem():
    spec = _spec(
        R(1, "AETERM", "assign_magic", field="AETERM"),
        R(2, "AESEV", "assign_ct", field="AESEV"),
        R(3, "AESER", "hardcode_ct", codelist="NY", value="MAYBE"),
        R(4, "AETERM", "assign_no_ct"),
        R(5, "AECAT", "hardcode_no_ct", value="X", condition="AESER is yes"),
    )
    assert [(f.row, f.column, f.message) for f in check_mapping(spec)] == [
        (
            None,
            "Algorithm",
            "AE.AETERM: algorithm 'assign_magic' has no implementation (known: " + ", ".join(sorted(ALGORITHMS)) + ")",
        ),
        (None, "Codelist", "AE.AESEV: assign_ct needs a codelist"),
        (None, "Value", "AE.AESER: 'MAYBE' is not a term of codelist NY"),
        (None, "Field", "AE.AETERM: assign_no_ct needs a raw field"),
        (
            None,
            "Condition",
            "AE.AECAT: condition 'AESER is yes' cannot be read (write FIELD EQ value, FIELD IN (a, b), joined by AND)",
        ),
    ]


def test_map_to_codelist_uses_terms_decodes_and_synonyms():
    values = pd.Series(["mild", " Moderate ", "Grade 1", None, "severe"])
    mapped, outside = map_to_codelist(values, SEV)
    assert mapped.tolist() == ["MILD", "MODERATE", "MILD", None, "severe"]
    assert outside.tolist() == [False, False, False, False, True]


@pytest.mark.parametrize(
    "condition, expected",
    [
        ("AEYN EQ Y", [True, True, False, True]),
        ("AEYN NE Y", [False, False, True, False]),
        ("AESEV IN (mild, Severe)", [True, False, False, True]),
        ("AESEV NOTIN (mild, Severe)", [False, True, True, False]),
        ("DUR GT 2", [True, False, False, False]),
        ("AEYN EQ Y AND AESER EQ Yes", [False, True, False, True]),
        ("AETERM EQ ''", [False, False, True, False]),
    ],
)
def test_conditions(tmp_path, condition, expected):
    rows = _raw(tmp_path).form("ae")
    assert condition_mask(rows, condition, "ae").tolist() == expected


def test_join_by_subject_adds_values_from_another_form(tmp_path):
    (tmp_path / "dm.csv").write_text("SUBJECT,SEX\n001,Male\n002,Female\n", encoding="utf-8")
    (tmp_path / "ic.csv").write_text(
        "SUBJECT,ICDAT\n002,01 JAN 2020\n001,05 JAN 2020\n001,06 JAN 2020\n", encoding="utf-8"
    )
    raw = RawData(str(tmp_path), {f: read_form(tmp_path / f"{f}.csv", "SUBJECT") for f in ("dm", "ic")})
    spec = m.Spec(
        datasets=(m.Dataset("DM", "Demographics"),),
        variables=(m.Variable("DM", "SEX", 1, "Sex", "text"), m.Variable("DM", "RFICDTC", 2, "Consent", "datetime")),
        codelists=(),
        mapping=(
            m.MappingRule("DM", "SEX", "assign_no_ct", 1, "dm", "SEX"),
            m.MappingRule("DM", "RFICDTC", "assign_datetime", 2, "ic", "ICDAT", parameters=(("join", "subject"),)),
        ),
    )
    issues = IssueLog()
    out = map_dataset(raw, spec, "DM", issues)
    assert out[["_SUBJECT", "SEX", "RFICDTC", "_FORM", "_ROW"]].to_dict("records") == [
        {"_SUBJECT": "001", "SEX": "Male", "RFICDTC": "2020-01-05", "_FORM": "dm", "_ROW": 1},
        {"_SUBJECT": "002", "SEX": "Female", "RFICDTC": "2020-01-01", "_FORM": "dm", "_ROW": 2},
    ]
    assert issues.frame()[["kind", "form", "row", "action"]].to_dict("records") == [
        {"kind": "repeated row", "form": "ic", "row": 3, "action": "not used"}
    ]


def test_assign_ct_reports_values_outside_the_crf_answers(tmp_path):
    rules = (R(1, "AESER", "assign_ct", field="AESER", codelist="NY", parameters=(("crf_values", "Yes|No"),)),)
    path = tmp_path / "ae.csv"
    path.write_text("SUBJECT,AESER\n1,Yes\n1,Y\n1,maybe\n", encoding="utf-8")
    issues = IssueLog()
    out = map_dataset(RawData(str(tmp_path), {"ae": read_form(path, "SUBJECT")}), _spec(*rules), "AE", issues)
    assert out["AESER"].tolist() == ["Y", "Y", "maybe"]
    assert issues.frame()[["severity", "kind", "row", "value"]].to_dict("records") == [
        {"severity": "error", "kind": "value outside codelist", "row": 3, "value": "maybe"},
        {"severity": "warning", "kind": "value outside the CRF codelist", "row": 2, "value": "Y"},
    ]


def test_apply_rule_runs_an_algorithm_once_per_distinct_value_and_reports_by_raw_row():
    from sdtm_builder.mapping import apply_rule

    codelist = m.Codelist("SEV", "Severity", terms=(m.CodelistTerm("MILD"), m.CodelistTerm("MODERATE")))
    spec = m.Spec(codelists=(codelist,))
    rule = m.MappingRule("AE", "AESEV", "assign_ct", order=1, form="ae", field="SEV", codelist="SEV")
    rows = pd.DataFrame(
        {"SEV": ["mild", "Bad", "mild", "Bad"], "_FORM": "ae", "_ROW": [1, 2, 3, 4], "_SUBJECT": ["1", "1", "2", "2"]}
    )
    issues = IssueLog()
    values = apply_rule(rule, rows, spec=spec, issues=issues)
    assert values.tolist() == ["MILD", "Bad", "MILD", "Bad"]
    assert issues.frame()[["kind", "field", "subject", "row", "value", "dataset", "variable"]].values.tolist() == [
        ["value outside codelist", "SEV", "1", 2, "Bad", "AE", "AESEV"],
        ["value outside codelist", "SEV", "2", 4, "Bad", "AE", "AESEV"],
    ]
