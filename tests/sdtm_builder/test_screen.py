"""Duplicate rows and subjects missing from demographics are rejected and listed."""

from __future__ import annotations

from sdtm_builder.issues import IssueLog
from sdtm_builder.raw import read_raw
from sdtm_builder.screen import screen_raw


def test_duplicates_and_unknown_subjects(tmp_path):
    (tmp_path / "dm.csv").write_text("SUBJECT,SEX\n001,Male\n002,Female\n", encoding="utf-8")
    (tmp_path / "ae.csv").write_text(
        "SUBJECT,RECORDPOSITION,AETERM\n001,1,Rash\n001,2,Rash\n001,3,Cough\n009,1,Fever\n", encoding="utf-8"
    )
    issues = IssueLog()
    rejected = screen_raw(read_raw(tmp_path, "SUBJECT"), demographics_form="dm", subject_field="SUBJECT", issues=issues)
    assert rejected.to_dict("records") == [{"_FORM": "ae", "_ROW": 2}, {"_FORM": "ae", "_ROW": 4}]
    got = issues.frame()[["severity", "kind", "form", "subject", "row", "field", "value", "action"]].to_dict("records")
    assert got == [
        {
            "severity": "error",
            "kind": "subject not in demographics",
            "form": "ae",
            "subject": "009",
            "row": 4,
            "field": "SUBJECT",
            "value": "009",
            "action": "record rejected",
        },
        {
            "severity": "warning",
            "kind": "duplicate row",
            "form": "ae",
            "subject": "001",
            "row": 2,
            "field": None,
            "value": "same as row 1",
            "action": "record rejected",
        },
    ]


def test_scan_text_reports_non_ascii_and_long_values(tmp_path):
    from sdtm_builder.screen import scan_text

    (tmp_path / "ae.csv").write_text("SUBJECT,AETERM,AECOMM\n001,头痛,\n001,Rash," + "x" * 201 + "\n", encoding="utf-8")
    issues = IssueLog()
    scan_text(read_raw(tmp_path, "SUBJECT"), issues=issues)
    got = issues.frame()[["kind", "row", "field"]].to_dict("records")
    assert got == [
        {"kind": "non-ASCII text", "row": 1, "field": "AETERM"},
        {"kind": "text over 200 characters", "row": 2, "field": "AECOMM"},
    ]


def test_the_record_position_column_is_the_study_setting(tmp_path):
    # two copies of one record differing only in the EDC's record position column: duplicates when
    # the column is the study's [raw] record_position_field, two records otherwise
    (tmp_path / "dm.csv").write_text("SUBJECT,SEX\n001,Male\n", encoding="utf-8")
    (tmp_path / "ae.csv").write_text("SUBJECT,RECPOS,AETERM\n001,1,Rash\n001,2,Rash\n", encoding="utf-8")
    raw = read_raw(tmp_path, "SUBJECT")
    kept = screen_raw(raw, demographics_form="dm", subject_field="SUBJECT", issues=IssueLog())
    assert kept.empty  # the default column, RECORDPOSITION, is not in this export
    rejected = screen_raw(
        raw, demographics_form="dm", subject_field="SUBJECT", issues=IssueLog(), ignore_fields=("RECPOS",)
    )
    assert rejected.to_dict("records") == [{"_FORM": "ae", "_ROW": 2}]
