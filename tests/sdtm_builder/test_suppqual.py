"""SUPPQUAL, long text and non-ASCII text."""

from __future__ import annotations

import pandas as pd
import pytest

from sdtm_builder.issues import IssueLog
from sdtm_builder.suppqual import check_ascii, create_supp, derive_vars_supp, split_long_text, split_text
from specs import model as m


def test_split_text_breaks_between_words():
    text = ("word " * 50).strip()  # 249 characters: 40 words fill 199
    pieces = split_text(text, 200)
    assert pieces == [("word " * 40).strip(), ("word " * 10).strip()]  # the blank between them in neither
    assert split_text("x" * 450, 200) == ["x" * 200, "x" * 200, "x" * 50]


def test_split_long_text_moves_the_rest_to_supp():
    ae = pd.DataFrame({"AETERM": ["short", ("a " * 150).strip()]})
    out, extra = split_long_text(ae, variable="AETERM")
    assert out["AETERM"].iloc[0] == "short"
    assert out["AETERM"].iloc[1] == ("a " * 100).strip()  # 199 characters, no trailing blank
    assert list(extra) == ["AETERM1"]
    assert out["AETERM"].iloc[1] + " " + extra["AETERM1"].iloc[1] == ("a " * 150).strip()
    assert extra["AETERM1"].iloc[0] is None


SPEC = m.Spec(
    datasets=(m.Dataset("SUPPAE", "Supplemental Qualifiers for AE"),),
    variables=(
        m.Variable("SUPPAE", "QNAM", 1, "Qualifier Variable Name", "text"),
        m.Variable("SUPPAE", "QVAL", 2, "Data Value", "text"),
    ),
    value_level=(
        m.ValueLevel(
            "SUPPAE", "QVAL", "WC.REL", 1, "Relationship to Drug A", "text", origin="Collected", source="Investigator"
        ),
    ),
    where_clauses=(m.WhereClause("WC.REL", (m.WhereCondition("SUPPAE", "QNAM", "EQ", ("AERELA",)),)),),
)


def test_create_supp_takes_labels_and_origins_from_the_spec():
    ae = pd.DataFrame({"STUDYID": ["S"] * 3, "USUBJID": ["S-1", "S-1", "S-2"], "AESEQ": [1.0, 2.0, 1.0]})
    supp = create_supp(
        ae,
        spec=SPEC,
        supp="SUPPAE",
        rdomain="AE",
        idvar="AESEQ",
        qualifiers={"AERELA": pd.Series(["RELATED", None, "NOT RELATED"])},
    )
    assert supp[["USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"]].to_dict("records") == [
        {
            "USUBJID": "S-1",
            "IDVAR": "AESEQ",
            "IDVARVAL": "1",
            "QNAM": "AERELA",
            "QLABEL": "Relationship to Drug A",
            "QVAL": "RELATED",
            "QORIG": "Collected",
            "QEVAL": "INVESTIGATOR",
        },
        {
            "USUBJID": "S-2",
            "IDVAR": "AESEQ",
            "IDVARVAL": "1",
            "QNAM": "AERELA",
            "QLABEL": "Relationship to Drug A",
            "QVAL": "NOT RELATED",
            "QORIG": "Collected",
            "QEVAL": "INVESTIGATOR",
        },
    ]


def test_a_qnam_without_metadata_is_an_error():
    ae = pd.DataFrame({"STUDYID": ["S"], "USUBJID": ["S-1"], "AESEQ": [1.0]})
    with pytest.raises(KeyError, match="SUPPAE: QNAM AEXX has no value-level metadata"):
        create_supp(ae, spec=SPEC, supp="SUPPAE", rdomain="AE", idvar="AESEQ", qualifiers={"AEXX": pd.Series(["x"])})


def _ae():
    return pd.DataFrame(
        {
            "USUBJID": ["S-1", "S-2"],
            "AETERM": ["头痛", "Rash"],
            "_FORM": ["ae", "ae"],
            "_ROW": [3, 4],
            "_SUBJECT": ["1", "2"],
        }
    )


def test_non_ascii_is_reported_by_record_and_replaced():
    issues = IssueLog()
    out = check_ascii(_ae(), dataset="AE", issues=issues)
    assert out["AETERM"].tolist() == ["??", "Rash"]
    assert issues.frame()[["severity", "form", "subject", "row", "field", "value"]].to_dict("records") == [
        {"severity": "error", "form": "ae", "subject": "1", "row": 3, "field": "AETERM", "value": "头痛"}
    ]


def test_non_ascii_is_transliterated_only_when_asked():
    issues = IssueLog()
    out = check_ascii(_ae(), dataset="AE", issues=issues, transliterate=True)
    assert out["AETERM"].tolist() == ["TouTong", "Rash"]
    assert issues.frame()["action"].tolist() == ["transliterated to ASCII"]


def test_derive_vars_supp_makes_supp_from_the_qualifiers_and_long_text():
    spec = m.Spec(
        datasets=(*SPEC.datasets, m.Dataset("AE", "Adverse Events")),
        variables=(*SPEC.variables, m.Variable("AE", "AETERM", 1, "Reported Term", "text")),
        value_level=SPEC.value_level,
        where_clauses=SPEC.where_clauses,
    )
    ae = pd.DataFrame(
        {
            "STUDYID": ["S", "S"],
            "USUBJID": ["S-1", "S-2"],
            "AESEQ": [1.0, 1.0],
            "AETERM": ["Rash", ("a " * 150).strip()],
            "AERELA": ["RELATED", None],
            "_FORM": ["ae", "ae"],
            "_ROW": [1, 2],
            "_SUBJECT": ["1", "2"],
        }
    )
    issues = IssueLog()
    out, supp = derive_vars_supp(ae, spec=spec, dataset="AE", qualifiers=("AERELA",), issues=issues)
    assert out["AETERM"].tolist() == ["Rash", ("a " * 100).strip()]
    assert supp is not None
    assert supp[["USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL"]].values.tolist() == [
        ["S-1", "AESEQ", "1", "AERELA", "Relationship to Drug A", "RELATED"],
        ["S-2", "AESEQ", "1", "AETERM1", "AETERM (continued)", ("a " * 50).strip()],
    ]
    assert issues.frame()[["kind", "row", "variable"]].values.tolist() == [["text over 200 characters", 2, "AETERM"]]


def test_long_text_without_supp_in_the_spec_is_cut_and_an_error():
    spec = m.Spec(
        datasets=(m.Dataset("AE", "Adverse Events"),),
        variables=(m.Variable("AE", "AETERM", 1, "Reported Term", "text"),),
    )
    ae = pd.DataFrame({"USUBJID": ["S-1"], "AETERM": ["x" * 250], "_FORM": ["ae"], "_ROW": [1], "_SUBJECT": ["1"]})
    issues = IssueLog()
    out, supp = derive_vars_supp(ae, spec=spec, dataset="AE", qualifiers=(), issues=issues)
    assert supp is None and out["AETERM"].tolist() == ["x" * 200]
    assert issues.frame()[["severity", "action"]].values.tolist() == [
        ["error", "cut to 200 characters"],
        ["warning", "first 200 characters kept; the rest in SUPPAE"],
    ]
