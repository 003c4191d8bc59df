"""The report files: xlsx sheets and columns, the same as JSON, byte-reproducible."""

from __future__ import annotations

import json

import openpyxl
from rule_examples import study

from conformance import run_validation, write_report
from conformance.model import BY_DATASET_COLUMNS, FINDING_COLUMNS, RULE_COLUMNS

DATA = (
    "DM: STUDYID|DOMAIN|USUBJID|DTHDTC|DTHFL\nS1|DM|P-1|2020-05-01|\n"
    "AE: STUDYID|DOMAIN|USUBJID|AESEQ:n\nS1|AE|P-1|1\nS1|AE|P-1|1"
)


def _report():
    return run_validation(study(DATA))


def test_findings_name_dataset_subject_record_variable_value_rule_and_core_id():
    findings = _report().findings
    seq = findings[findings["rule"] == "CB-SDTM-001"]
    assert list(
        seq[["dataset", "usubjid", "record", "row", "variable", "value", "core_id", "severity"]].itertuples(index=False)
    ) == [
        ("AE", "P-1", "AESEQ=1", 1, "AESEQ", "USUBJID=P-1; AESEQ=1", "CORE-000544", "error"),
        ("AE", "P-1", "AESEQ=1", 2, "AESEQ", "USUBJID=P-1; AESEQ=1", "CORE-000544", "error"),
    ]
    dth = findings[findings["rule"] == "CB-SDTM-030"].iloc[0]
    assert (dth["dataset"], dth["usubjid"], dth["variable"], dth["value"]) == (
        "DM",
        "P-1",
        "DTHFL",
        "DTHDTC=2020-05-01; DTHFL=",
    )


def test_xlsx_has_summary_by_dataset_findings_and_rules_sheets(tmp_path):
    report = _report()
    paths = write_report(report, tmp_path, fail_on="error")
    wb = openpyxl.load_workbook(paths["xlsx"])
    assert wb.sheetnames == ["Summary", "By rule and dataset", "Findings", "Rules"]
    assert [c.value for c in wb["By rule and dataset"][1]] == BY_DATASET_COLUMNS
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
    assert set(data) == {
        "summary",
        "datasets",
        "by_dataset",
        "rules",
        "findings",
        "explanations",
        "notes",
        "standards",
    }
    assert data["explanations"] is None  # no explanations file
    assert len(data["findings"]) == len(report.findings)
    assert {r["rule"] for r in data["rules"]} == {r.rule.id for r in report.results}
    seq = next(r for r in data["rules"] if r["rule"] == "CB-SDTM-001")
    assert (seq["checked"], seq["failed"], seq["not_applicable"], seq["status"]) == (
        2,
        2,
        1,
        "failed",
    )  # DM has no --SEQ: its record is not applicable


def test_the_same_data_give_byte_identical_reports(tmp_path):
    first = write_report(_report(), tmp_path / "a")
    second = write_report(_report(), tmp_path / "b")
    assert first["xlsx"].read_bytes() == second["xlsx"].read_bytes()
    assert first["json"].read_bytes() == second["json"].read_bytes()


def test_a_rule_that_raises_is_reported_not_raised():
    from conformance.model import Rule

    def broken(ctx, name, frame):
        raise RuntimeError("boom")

    rule = Rule("CB-TEST-001", "warning", "always breaks", "SDTMIG 3.4", ("ALL",), broken)
    report = run_validation(study(DATA), rules=(rule,))
    assert report.results[0].status == "crashed"
    assert report.notes == [
        "rule CB-TEST-001 could not run on AE: RuntimeError: boom",
        "rule CB-TEST-001 could not run on DM: RuntimeError: boom",
    ]
    # validation that could not run is an error finding on each dataset, whatever the rule's severity
    found = report.findings[["dataset", "rule", "severity", "detail"]].values.tolist()
    assert found == [
        ["AE", "CB-TEST-001", "error", "the rule could not run: RuntimeError: boom"],
        ["DM", "CB-TEST-001", "error", "the rule could not run: RuntimeError: boom"],
    ]
    assert report.failing("error")


def test_a_rule_that_reads_an_absent_variable_is_an_error_naming_dataset_and_variable():
    from conformance.model import Outcome, Rule

    def reads_usubjid(ctx, name, frame):
        frame["USUBJID"]  # what a rule does that expects a Required variable
        return Outcome(len(frame), 0)

    rule = Rule("CB-TEST-002", "notice", "reads USUBJID", "SDTMIG 3.4", ("ALL",), reads_usubjid)
    data = "DM: STUDYID|DOMAIN|USUBJID\nS1|DM|P-1\nAE: STUDYID|DOMAIN|AESEQ:n\nS1|AE|1"  # AE has no USUBJID
    report = run_validation(study(data), rules=(rule,))
    assert report.notes == ["rule CB-TEST-002 could not run on AE: AE has no USUBJID"]
    (row,) = report.findings.to_dict("records")
    assert (row["dataset"], row["variable"], row["severity"]) == ("AE", "USUBJID", "error")
    assert "USUBJID, which AE lacks" in row["detail"]
    assert report.results[0].datasets == ("AE", "DM")


def test_a_csv_dataset_without_usubjid_fails_validation(tmp_path):
    """A CSV AE without USUBJID: an error of the Required-variable rule naming AE and USUBJID (it
    was a PASS with a note that a rule could not run)."""
    from conformance.reader import read_folder

    (tmp_path / "dm.csv").write_text("STUDYID,DOMAIN,USUBJID,SUBJID,SITEID,SEX,COUNTRY\nS1,DM,P-1,1,01,F,CHN\n")
    (tmp_path / "ae.csv").write_text(
        "STUDYID,DOMAIN,AESEQ,AETERM,AEDECOD,AESTDTC\nS1,AE,1,Head ache,Headache,2020-01-02\n"
    )
    datasets, meta, _ = read_folder(tmp_path)
    report = run_validation(datasets, meta=meta)
    required = report.findings[report.findings["rule"] == "CB-SDTM-265"]
    assert required[["dataset", "variable", "severity"]].values.tolist() == [["AE", "USUBJID", "error"]]
    assert report.failing("error")
    # the same AE with USUBJID: no Required-variable finding
    (tmp_path / "ae.csv").write_text(
        "STUDYID,DOMAIN,USUBJID,AESEQ,AETERM,AEDECOD,AESTDTC\nS1,AE,P-1,1,Head ache,Headache,2020-01-02\n"
    )
    datasets, meta, _ = read_folder(tmp_path)
    report = run_validation(datasets, meta=meta)
    assert "CB-SDTM-265" not in set(report.findings["rule"])
