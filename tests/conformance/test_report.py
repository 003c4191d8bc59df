"""The report files: xlsx sheets and columns, the same as JSON, byte-reproducible."""
from __future__ import annotations

import json

import openpyxl

from conformance import run_validation, write_report
from conformance.model import FINDING_COLUMNS, RULE_COLUMNS
from rule_examples import study

DATA = ("DM: STUDYID|DOMAIN|USUBJID|DTHDTC|DTHFL\nS1|DM|P-1|2020-05-01|\n"
        "AE: STUDYID|DOMAIN|USUBJID|AESEQ:n\nS1|AE|P-1|1\nS1|AE|P-1|1")


def _report():
    return run_validation(study(DATA))


def test_findings_name_dataset_subject_record_variable_value_rule_and_core_id():
    findings = _report().findings
    seq = findings[findings["rule"] == "CB-SDTM-001"]
    assert list(seq[["dataset", "usubjid", "record", "row", "variable", "value", "core_id", "severity"]].itertuples(index=False)) == [
        ("AE", "P-1", "AESEQ=1", 1, "AESEQ", "USUBJID=P-1; AESEQ=1", "CORE-000544", "error"),
        ("AE", "P-1", "AESEQ=1", 2, "AESEQ", "USUBJID=P-1; AESEQ=1", "CORE-000544", "error"),
    ]
    dth = findings[findings["rule"] == "CB-SDTM-030"].iloc[0]
    assert (dth["dataset"], dth["usubjid"], dth["variable"], dth["value"]) == ("DM", "P-1", "DTHFL", "DTHDTC=2020-05-01; DTHFL=")


def test_xlsx_has_summary_findings_and_rules_sheets(tmp_path):
    report = _report()
    paths = write_report(report, tmp_path, fail_on="error")
    wb = openpyxl.load_workbook(paths["xlsx"])
    assert wb.sheetnames == ["Summary", "Findings", "Rules"]
    assert [c.value for c in wb["Findings"][1]] == FINDING_COLUMNS
    assert [c.value for c in wb["Rules"][1]] == RULE_COLUMNS
    assert wb["Findings"].max_row == len(report.findings) + 1
    assert wb["Rules"].max_row == len(report.results) + 1
    summary = {r[0].value: r[1].value for r in wb["Summary"].iter_rows() if r[0].value}
    assert summary["errors"] == report.errors and summary["result"] == "FAIL"


def test_json_holds_the_same_as_the_workbook(tmp_path):
    report = _report()
    paths = write_report(report, tmp_path)
    data = json.loads(paths["json"].read_text())
    assert set(data) == {"summary", "datasets", "rules", "findings", "notes"}
    assert len(data["findings"]) == len(report.findings)
    assert {r["rule"] for r in data["rules"]} == {r.rule.id for r in report.results}
    seq = next(r for r in data["rules"] if r["rule"] == "CB-SDTM-001")
    assert (seq["checked"], seq["failed"], seq["not_applicable"], seq["status"]) == (2, 2, 1, "failed")  # DM has no --SEQ: its record is not applicable


def test_the_same_data_give_byte_identical_reports(tmp_path):
    first = write_report(_report(), tmp_path / "a")
    second = write_report(_report(), tmp_path / "b")
    assert first["xlsx"].read_bytes() == second["xlsx"].read_bytes()
    assert first["json"].read_bytes() == second["json"].read_bytes()


def test_a_rule_that_raises_is_reported_not_raised():
    from conformance.model import Rule

    def broken(ctx, name, frame):
        raise RuntimeError("boom")

    rule = Rule("CB-TEST-001", "error", "always breaks", "SDTMIG 3.4", ("ALL",), broken)
    report = run_validation(study(DATA), rules=(rule,))
    assert report.results[0].status == "crashed"
    assert report.notes == ["rule CB-TEST-001 could not run: RuntimeError: boom"]
