"""Integrity checks: every problem at once, each with sheet, row and column."""

from __future__ import annotations

import pytest

from specs import load_spec, study_workbook, write_workbook
from specs import model as m
from specs.findings import sort_findings


def _broken_spec() -> m.Spec:
    return m.Spec(
        study=m.Study((("StudyName", "BROKEN"),)),
        datasets=(
            m.Dataset("DM", "Demographics", keys=("STUDYID", "USUBJID", "SUBJECTID")),
            m.Dataset("DM", "Demographics again"),
            m.Dataset("AE", "Adverse Events with a label longer than forty characters", comment="C.MISSING"),
        ),
        variables=(
            m.Variable("DM", "STUDYID", 1, "Study Identifier", "text", 12),
            m.Variable("DM", "USUBJID", 2, "Unique Subject Identifier", "text", 20),
            m.Variable("DM", "SEX", 3, "Sex", "text", 1, codelist="SEXX"),
            m.Variable("DM", "RFSTDTC", 3, "Subject Reference Start Date/Time", "datetime", method="MT.NONE"),
            m.Variable("DM", "USUBJID", 4, "Unique Subject Identifier", "text", 20),
            m.Variable("DM", "RACEOTHERS", 5, "Race, Other Specify, written out in full.", "text", 200),
            m.Variable("AE", "AETERM", 1, "Reported Term", "text", 200),
        ),
        value_level=(m.ValueLevel("DM", "ARM", "WC.NONE", 1, data_type="text"),),
        codelists=(
            m.Codelist("SEX", "Sex", "C66731", "text", terms=(m.CodelistTerm("M", 1), m.CodelistTerm("M", 2))),
            m.Codelist("UNUSED", "Never used", None, "text", terms=(m.CodelistTerm("X", 1),)),
        ),
        methods=(m.Method("MT.ORPHAN", "Orphan", "Computation", "Used by nothing", document="DOC.NONE"),),
        comments=(m.Comment("C.ORPHAN", "Used by nothing"),),
        mapping=(m.MappingRule("DM", "SEX", "assign_magic", 1, "dm", "GENDER"),),
    )


def test_a_broken_workbook_yields_every_problem_in_one_report(tmp_path):
    path = write_workbook(_broken_spec(), tmp_path / "broken.xlsx")
    report = load_spec(path, algorithms={"assign_ct", "assign_no_ct"})
    assert [str(f) for f in sort_findings(report.findings)] == [
        "ERROR [duplicate-key] sheet Codelists, row 3, column Term: codelist term SEX.M is defined twice (first on Codelists row 2)",
        "ERROR [broken-reference] sheet Datasets, row 2, column Key Variables: key variable SUBJECTID is not a variable of DM",
        "ERROR [duplicate-key] sheet Datasets, row 3, column Dataset: dataset DM is defined twice (first on Datasets row 2)",
        "ERROR [broken-reference] sheet Datasets, row 4, column Comment: comment 'C.MISSING' is not defined",
        "ERROR [label-too-long] sheet Datasets, row 4, column Description: dataset label of AE has 56 characters (at most 40)",
        "ERROR [unknown-algorithm] sheet Mapping, row 2, column Algorithm: algorithm 'assign_magic' has no implementation",
        "ERROR [broken-reference] sheet Methods, row 2, column Document: document 'DOC.NONE' is not defined",
        "ERROR [broken-reference] sheet ValueLevel, row 2, column Variable: value-level metadata for DM.ARM, which is not a variable",
        "ERROR [broken-reference] sheet ValueLevel, row 2, column Where Clause: where clause 'WC.NONE' is not defined",
        "ERROR [broken-reference] sheet Variables, row 4, column Codelist: codelist 'SEXX' is not defined",
        "ERROR [duplicate-order] sheet Variables, row 4, column Order: order 3 is used by more than one variable of DM",
        "ERROR [broken-reference] sheet Variables, row 5, column Method: method 'MT.NONE' is not defined",
        "ERROR [duplicate-order] sheet Variables, row 5, column Order: order 3 is used by more than one variable of DM",
        "ERROR [duplicate-key] sheet Variables, row 6, column Variable: variable DM.USUBJID is defined twice (first on Variables row 3)",
        "ERROR [label-too-long] sheet Variables, row 7, column Label: label of DM.RACEOTHERS has 41 characters (at most 40)",
        "ERROR [name-too-long] sheet Variables, row 7, column Variable: variable name DM.RACEOTHERS has 10 characters (at most 8)",
        "WARNING [orphan] sheet Codelists, row 2, column ID: codelist SEX is defined but never used",
        "WARNING [orphan] sheet Codelists, row 4, column ID: codelist UNUSED is defined but never used",
        "WARNING [orphan] sheet Comments, row 2, column ID: comment C.ORPHAN is defined but never used",
        "WARNING [orphan] sheet Methods, row 2, column ID: method MT.ORPHAN is defined but never used",
    ]
    assert report.errors == 16 and report.warnings == 4 and not report.ok


@pytest.mark.parametrize("name", ["sdtm", "adam"])
def test_study_workbooks_have_no_integrity_errors(name):
    report = load_spec(study_workbook(name))
    assert [str(f) for f in report.findings if f.severity != "note"] == []
