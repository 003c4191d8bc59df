"""conformance.report on a hand-made ValidationReport (no validation run): the summary counts
and verdict, the JSON-ready dict, the workbook's Summary sheet and cell cleaning, the terminal
summary, and an output folder that is refused. test_report.py covers reports of real runs."""

from __future__ import annotations

import io
import json

import numpy as np
import openpyxl
import pandas as pd
import pytest
from rich.console import Console

from conformance import report as rp
from conformance.model import FINDING_COLUMNS, Outcome, Rule, RuleResult, Strictness, ValidationReport
from dataset_io.outputs import OutputFolderError


def _check(ctx, name, frame):
    return Outcome(1, 0)


def _rule(rule_id, severity, message, applies_to=("AE",), core=None):
    return Rule(rule_id, severity, message, "SDTMIG 3.4", applies_to, _check, core_id=core)


R1 = _rule("CB-T-001", "error", "first message", core="CORE-000001")
R2 = _rule("CB-T-002", "warning", "second message")
R3 = _rule("CB-T-003", "notice", "third message", ("DM",))
R4 = _rule("CB-T-004", "error", "fourth message", ("DM",))
R5 = _rule("CB-T-005", "warning", "fifth message", ("DM",))
R6 = _rule("CB-T-006", "error", "sixth message", ("DM",))


def _finding(rule, severity, row, value, dataset="AE"):
    return {
        "dataset": dataset,
        "usubjid": "P-1",
        "record": None,
        "row": row,
        "variable": "AETERM",
        "value": value,
        "rule": rule.id,
        "core_id": rule.core_id,
        "severity": severity,
        "message": rule.message,
        "detail": None,
    }


def _report(findings=None, results=None, notes=()):
    if findings is None:
        findings = [
            _finding(R1, "error", np.int64(1), "A"),
            _finding(R1, "error", np.int64(3), "C"),
            _finding(R2, "notice", None, None),
        ]
    if results is None:
        results = [
            RuleResult(R1, "error", 3, 2, 0, ("AE",)),  # failed
            RuleResult(R2, "notice", 3, 1, 0, ("AE",), Strictness("CB-T-002", "notice", "lowered for review")),
            RuleResult(R3, "notice", 0, 0, 2, ("DM",)),  # not applicable
            RuleResult(R4, "off", 0, 0, 0, (), Strictness("CB-T-004", "off", "not in this study")),
            RuleResult(R5, "warning", 0, 0, 0, ("DM",), error="RuntimeError: boom"),  # crashed
            RuleResult(R6, "error", 2, 0, 0, ("DM",)),  # passed
        ]
    table = pd.DataFrame(findings, columns=FINDING_COLUMNS, dtype=object)
    return ValidationReport(table, results, {"AE": 3, "DM": 2}, {"AE": "data/ae.xpt"}, list(notes))


def test_summary_counts_findings_rules_by_status_datasets_and_changes():
    assert rp.summary(_report()) == {
        "findings": 3,
        "errors": 2,
        "warnings": 0,
        "notices": 1,
        "rules": 6,
        "rules_passed": 1,
        "rules_failed": 2,
        "rules_not_applicable": 1,
        "rules_off": 1,
        "rules_crashed": 1,
        "datasets": 2,
        "records": 5,
        "strictness_changes": 2,
    }


def test_summary_gives_a_verdict_only_when_asked_for_one():
    only_notices = _report(findings=[_finding(R2, "notice", 1, "A")])
    assert "result" not in rp.summary(only_notices)
    assert rp.summary(only_notices, "warning")["result"] == "PASS"
    assert rp.summary(only_notices, "notice")["result"] == "FAIL"
    assert rp.summary(only_notices, "notice")["fail_on"] == "notice"
    assert rp.summary(_report(), "error")["result"] == "FAIL"


def test_an_empty_report_passes_with_zero_counts():
    empty = _report(findings=[], results=[])
    got = rp.summary(empty, "notice")
    assert (got["findings"], got["errors"], got["rules"], got["result"]) == (0, 0, 0, "PASS")


def test_report_dict_holds_plain_values_and_none_for_missing_ones():
    data = rp.report_dict(_report(notes=["a note"]), fail_on="error")
    assert data["datasets"] == [
        {"dataset": "AE", "records": 3, "file": "data/ae.xpt"},
        {"dataset": "DM", "records": 2, "file": None},
    ]
    rows = [f["row"] for f in data["findings"]]
    assert rows == [1, 3, None]
    assert all(type(r) is int for r in rows[:2])  # numpy integers made plain
    assert data["findings"][2]["value"] is None and data["findings"][2]["core_id"] is None
    by_rule = {r["rule"]: r for r in data["rules"]}
    assert by_rule["CB-T-002"]["strictness_reason"] == "lowered for review"
    assert by_rule["CB-T-005"]["strictness_reason"] == "RuntimeError: boom"
    assert by_rule["CB-T-003"]["strictness_reason"] is None
    assert (by_rule["CB-T-004"]["status"], by_rule["CB-T-004"]["default_severity"]) == ("off", "error")
    assert data["notes"] == ["a note"]
    assert data["summary"]["result"] == "FAIL"
    json.dumps(data)  # nothing numpy or NaN is left


def test_a_cell_escapes_control_characters_and_is_cut_at_the_excel_limit():
    assert rp._cell("a\x01b") == "a\\x01b"
    assert rp._cell("tab\tand\nline") == "tab\tand\nline"  # allowed in a cell
    assert rp._cell(None) is None
    assert rp._cell(7) == 7 and rp._cell(2.5) == 2.5 and rp._cell(True) is True
    assert rp._cell("x" * 40000) == "x" * 32767
    assert rp._cell(("A", 1)) == "('A', 1)"


def test_the_summary_sheet_lists_datasets_strictness_changes_and_notes(tmp_path):
    paths = rp.write_report(_report(notes=["rule CB-T-005 could not run on DM: RuntimeError: boom"]), tmp_path / "out")
    assert paths == {"xlsx": tmp_path / "out" / rp.XLSX_NAME, "json": tmp_path / "out" / rp.JSON_NAME}
    ws = openpyxl.load_workbook(paths["xlsx"])["Summary"]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows()]
    assert rows[0][:2] == ("item", "value")
    assert ("strictness changes", 2, None, None) in rows
    assert ("dataset", "records", "file", None) in rows
    assert ("AE", 3, "data/ae.xpt", None) in rows
    assert ("DM", 2, None, None) in rows
    assert ("strictness change", "severity", "default", "reason") in rows
    assert ("CB-T-002", "notice", "warning", "lowered for review") in rows
    assert ("CB-T-004", "off", "error", "not in this study") in rows
    assert rows[-2:] == [
        ("note", None, None, None),
        ("rule CB-T-005 could not run on DM: RuntimeError: boom",) + (None,) * 3,
    ]


def test_findings_beyond_the_sheet_limit_stay_in_the_json_with_a_note(tmp_path, monkeypatch):
    monkeypatch.setattr(rp, "MAX_XLSX_ROWS", 2)
    paths = rp.write_report(_report(), tmp_path / "out")
    wb = openpyxl.load_workbook(paths["xlsx"])
    assert wb["Findings"].max_row == 3  # header and 2 of the 3 findings
    last = [c.value for c in list(wb["Summary"].iter_rows())[-1]]
    assert last[0] == "the Findings sheet holds the first 2 of 3 findings; the JSON holds all"
    assert len(json.loads(paths["json"].read_text())["findings"]) == 3


def test_a_folder_holding_other_files_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    with pytest.raises(OutputFolderError, match="was not written by"):
        rp.write_report(_report(), out)
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    assert (out / "mine.txt").read_text() == "keep me"


def test_print_summary_writes_counts_rules_with_findings_changes_notes_and_verdict():
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, force_terminal=False)
    rp.print_summary(_report(notes=["a note"]), console=console, fail_on="error", top=1)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    assert lines[0] == "2 datasets, 5 records; 6 rules: 1 passed, 2 failed, 1 not applicable, 1 off, 1 crashed"
    table = "\n".join(lines)
    assert "CB-T-001" in table and "CORE-000001" in table and "first message" in table
    assert "second message" not in table  # top=1: only the error rule is listed
    assert "... and 1 more rules with findings (see the report)" in lines
    assert "CB-T-002: warning -> notice (lowered for review)" in lines
    assert "CB-T-004: error -> off (not in this study)" in lines
    assert "note: a note" in lines
    assert lines[-1] == "2 errors, 0 warnings, 1 notices -> FAIL (--fail-on error)"


def test_print_summary_without_findings_prints_no_table_and_no_verdict():
    buffer = io.StringIO()
    clean = _report(findings=[], results=[RuleResult(R6, "error", 2, 0, 0, ("DM",))])
    rp.print_summary(clean, console=Console(file=buffer, width=200, color_system=None))
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    assert lines == [
        "2 datasets, 5 records; 1 rules: 1 passed, 0 failed, 0 not applicable, 0 off, 0 crashed",
        "0 errors, 0 warnings, 0 notices",
    ]
