"""The spec's codelists checked against controlled terminology packages."""

from __future__ import annotations

import pandas as pd
import pytest
from shared_data import shared_path

from specs import load_spec, study_workbook
from specs import model as m
from specs.ct import CT_COLUMNS, Terminology, check_against_ct


def _ct(tmp_path) -> Terminology:
    rows = [
        ["C66731", "SEX", "Sex", "False", "C20197", "M", "Male", "Male", ""],
        ["C66731", "SEX", "Sex", "False", "C16576", "F", "Female", "Female", ""],
        ["C74457", "RACE", "Race", "True", "C41260", "ASIAN", "Asian", "", ""],
    ]
    path = tmp_path / "ct.csv"
    pd.DataFrame(rows, columns=CT_COLUMNS).to_csv(path, index=False)
    return Terminology.read([path])


def test_codes_are_checked(tmp_path):
    spec = m.Spec(
        codelists=(
            m.Codelist(
                "SEX",
                "Sex",
                "C66731",
                "text",
                terms=(m.CodelistTerm("M", 1, "C20197"), m.CodelistTerm("F", 2, "C20197"), m.CodelistTerm("U", 3)),
            ),
            m.Codelist(
                "RACE",
                "Race",
                "C74457",
                "text",
                extensible=True,
                terms=(m.CodelistTerm("ASIAN", 1, "C41260"), m.CodelistTerm("HAN CHINESE", 2)),
            ),
            m.Codelist("XX", "Made up", "C99999999", "text", terms=(m.CodelistTerm("A"),)),
        )
    )
    assert [str(f) for f in check_against_ct(spec, _ct(tmp_path))] == [
        "ERROR [nci-code-mismatch] column Term: codelist SEX: NCI code C20197 is 'M' in the terminology, not 'F'",
        "ERROR [term-not-in-closed-codelist] column NCI Term Code: codelist SEX (C66731) is not extensible, "
        "and term 'U' is not one of its terms: a sponsor may not extend it",
        "ERROR [unknown-nci-code] column NCI Codelist Code: codelist XX: NCI codelist code C99999999 is in no terminology package",
    ]


def test_a_codelist_uniting_several_is_checked_term_by_term(tmp_path):
    """A codelist without an NCI code (the terms of several CDISC codelists): each term code must be
    that term's code in some codelist of the terminology."""
    spec = m.Spec(
        codelists=(
            m.Codelist(
                "MIX",
                "Sex and race",
                None,
                "text",
                terms=(
                    m.CodelistTerm("M", 1, "C20197"),
                    m.CodelistTerm("ASIAN", 2, "C41260"),
                    m.CodelistTerm("WHITE", 3, "C41260"),
                    m.CodelistTerm("OTHER", 4),
                ),
            ),
        )
    )
    assert [str(f) for f in check_against_ct(spec, _ct(tmp_path))] == [
        "ERROR [unknown-nci-code] column NCI Term Code: codelist MIX: term 'WHITE' has NCI code C41260, which no "
        "codelist of the terminology has for 'WHITE'",
    ]


@pytest.mark.parametrize("name", ["sdtm", "adam"])
def test_study_workbook_codes_are_real(name):
    """The built-in study cites SDTM CT 2025-03-28 (and ADaM CT 2026-03-27 for its ADaM codelists):
    every code of its workbooks is checked against those packages only, extensible flags included."""
    ct_dir = shared_path("standards", "ct")
    ct = Terminology.read([ct_dir / "sdtmct-2025-03-28.csv.gz", ct_dir / "adamct-2026-03-27.csv"])
    findings = check_against_ct(load_spec(study_workbook(name)).spec, ct)
    assert [str(f) for f in findings] == []
