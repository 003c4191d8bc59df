"""conformance.explanations: the study's explanations file read with every problem named by
file, row and column; findings matched by rule, dataset and variable; stale explanations noted;
severities and the verdict unchanged; the report's files carrying the explanations."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from conformance import report as rp
from conformance.catalogue import rule
from conformance.explanations import ExplanationsError, apply_explanations, parse_explanations, read_explanations
from conformance.model import FINDING_COLUMNS, RuleResult, ValidationReport

EPOCH, DTHFL, AEDS = rule("CB-SDTM-133"), rule("CB-SDTM-036"), rule("CB-SDTM-027")


def _finding(r, dataset, variable, row, severity="warning"):
    return {
        "dataset": dataset,
        "usubjid": f"P-{row}",
        "record": None,
        "row": row,
        "variable": variable,
        "value": None,
        "rule": r.id,
        "core_id": r.core_id,
        "severity": severity,
        "message": r.message,
        "detail": None,
        "explanation": None,
    }


def _report(findings, results=None, datasets=("AE", "CM", "DM", "PR", "TU")):
    if results is None:
        results = [
            RuleResult(EPOCH, "warning", 10, 3, 0, ("CM", "PR", "TU")),
            RuleResult(DTHFL, "warning", 2, 1, 0, ("DM",)),
            RuleResult(AEDS, "warning", 4, 0, 0, ("AE",)),  # ran, found nothing
        ]
    table = pd.DataFrame(findings, columns=FINDING_COLUMNS, dtype=object)
    return ValidationReport(table, results, {d: 5 for d in datasets})


FINDINGS = [
    _finding(EPOCH, "CM", "EPOCH", 1),
    _finding(EPOCH, "CM", "EPOCH", 2),
    _finding(EPOCH, "PR", "EPOCH", 1),
    _finding(EPOCH, "TU", "EPOCH", 4),
    _finding(DTHFL, "DM", "DTHFL", 3),
]


def _explained(text: str, findings=FINDINGS, **kwargs):
    report = apply_explanations(_report(findings, **kwargs), parse_explanations(text, source="expl.csv"))
    got = report.findings
    return report, list(zip(got["dataset"], got["row"], got["explanation"], strict=True))


# --- matching ----------------------------------------------------------------------------


def test_a_rule_and_dataset_explain_only_that_datasets_findings():
    _, got = _explained("rule,dataset,explanation\nCB-SDTM-133,CM,before consent\n")
    assert got == [
        ("CM", 1, "before consent"),
        ("CM", 2, "before consent"),
        ("PR", 1, None),
        ("TU", 4, None),
        ("DM", 3, None),
    ]


def test_an_empty_or_star_dataset_explains_the_rule_in_every_dataset():
    for dataset in ("", "*"):
        _, got = _explained(f"rule,dataset,explanation\nCB-SDTM-133,{dataset},all\n")
        assert got == [("CM", 1, "all"), ("CM", 2, "all"), ("PR", 1, "all"), ("TU", 4, "all"), ("DM", 3, None)]


def test_a_variable_narrows_the_match():
    findings = [_finding(EPOCH, "CM", "EPOCH", 1), _finding(EPOCH, "CM", "CMSTDTC", 2)]
    _, got = _explained("rule,dataset,variable,explanation\nCB-SDTM-133,CM,epoch,only EPOCH\n", findings)
    assert got == [("CM", 1, "only EPOCH"), ("CM", 2, None)]


def test_a_core_id_names_the_rules_that_carry_it():
    _, got = _explained("rule,dataset,explanation\nCORE-001078,DM,progression deaths\n")
    assert got[-1] == ("DM", 3, "progression deaths")


def test_the_most_specific_explanation_gives_the_text():
    text = "rule,dataset,explanation\nCB-SDTM-133,*,general\nCB-SDTM-133,PR,prior procedures\n"
    _, got = _explained(text)
    assert got[:4] == [("CM", 1, "general"), ("CM", 2, "general"), ("PR", 1, "prior procedures"), ("TU", 4, "general")]


def test_explanations_change_no_severity_and_no_verdict():
    findings = [_finding(EPOCH, "CM", "EPOCH", 1, severity="error")]
    report, _ = _explained("rule,dataset,explanation\nCB-SDTM-133,CM,explained\n", findings)
    assert report.findings["severity"].tolist() == ["error"]
    assert report.errors == 1 and report.failing("error")
    assert rp.summary(report, "error")["result"] == "FAIL"


# --- what each explanation did ----------------------------------------------------------


def test_every_row_is_listed_with_its_count_and_status_and_a_stale_one_is_noted():
    text = (
        "rule,dataset,explanation\n"
        "CB-SDTM-133,CM,before consent\n"  # applied
        "CB-SDTM-027,AE,follow-up\n"  # AE validated, nothing found: stale
        "CB-SDTM-027,*,anywhere\n"  # the rule ran, nothing found: stale
        "CB-SDTM-133,SV,not here\n"  # SV not in this validation
        "CB-SDTM-036,,deaths\n"  # applied
    )
    report, _ = _explained(text)
    assert [(e.row, e.findings, e.status) for e in report.explanations] == [
        (2, 2, "applied"),
        (3, 0, "stale"),
        (4, 0, "stale"),
        (5, 0, "not validated here"),
        (6, 1, "applied"),
    ]
    assert report.notes == [
        "stale explanation: expl.csv row 3 (CB-SDTM-027, dataset AE) matches no finding of this validation; "
        "remove it, or correct its rule, dataset or variable",
        "stale explanation: expl.csv row 4 (CB-SDTM-027, every dataset) matches no finding of this validation; "
        "remove it, or correct its rule, dataset or variable",
    ]


def test_an_explanation_for_every_dataset_of_a_rule_that_did_not_run_is_not_stale():
    results = [RuleResult(AEDS, "warning", 0, 0, 0, ())]  # not applicable: no AE here
    report, _ = _explained("rule,explanation\nCB-SDTM-027,follow-up\n", findings=[], results=results)
    assert [e.status for e in report.explanations] == ["not validated here"]
    assert report.notes == []


# --- the report's files -------------------------------------------------------------------


def test_the_summary_counts_explained_and_unexplained_findings_by_severity():
    findings = [*FINDINGS, _finding(EPOCH, "CM", "EPOCH", 9, severity="error")]
    report, _ = _explained("rule,dataset,explanation\nCB-SDTM-133,CM,before consent\n", findings)
    summary = rp.summary(report)
    assert {k: v for k, v in summary.items() if "explained" in k} == {
        "errors_explained": 1,
        "errors_unexplained": 0,
        "warnings_explained": 2,
        "warnings_unexplained": 3,
        "notices_explained": 0,
        "notices_unexplained": 0,
    }
    assert (summary["explanations"], summary["explanations_stale"]) == ("expl.csv", 0)


def test_no_explanations_file_no_explained_counts():
    assert not [k for k in rp.summary(_report(FINDINGS)) if "explained" in k]


def test_the_table_by_rule_and_dataset_says_what_is_explained():
    findings = [*FINDINGS, _finding(EPOCH, "CM", "CMSTDTC", 7)]
    text = "rule,dataset,variable,explanation\nCB-SDTM-133,CM,EPOCH,before consent\nCB-SDTM-036,DM,,deaths\n"
    report, _ = _explained(text, findings)
    table = report.by_dataset()[["rule", "dataset", "findings", "explained", "explained_findings", "explanation"]]
    assert list(table.itertuples(index=False, name=None)) == [
        ("CB-SDTM-036", "DM", 1, "yes", 1, "deaths"),
        ("CB-SDTM-133", "CM", 3, "partly", 2, "before consent"),
        ("CB-SDTM-133", "PR", 1, "no", 0, None),
        ("CB-SDTM-133", "TU", 1, "no", 0, None),
    ]


def test_the_workbook_and_the_json_carry_the_explanations(tmp_path):
    text = "rule,dataset,explanation\nCB-SDTM-133,CM,before consent\nCB-SDTM-027,AE,follow-up\n"
    report, _ = _explained(text)
    paths = rp.write_report(report, tmp_path / "out")
    wb = openpyxl.load_workbook(paths["xlsx"])
    assert wb.sheetnames == ["Summary", "By rule and dataset", "Findings", "Rules", "Explanations"]
    findings = [tuple(c.value for c in row) for row in wb["Findings"].iter_rows()]
    assert findings[0][-1] == "explanation"
    assert [r[-1] for r in findings[1:]] == ["before consent", "before consent", None, None, None]
    by_dataset = [tuple(c.value for c in row) for row in wb["By rule and dataset"].iter_rows()]
    assert ("CB-SDTM-133", "CORE-000701", "warning", "CM", 2, "yes", 2, "before consent") in [r[:8] for r in by_dataset]
    assert [tuple(c.value for c in row) for row in wb["Explanations"].iter_rows()] == [
        ("row", "rule", "dataset", "variable", "findings", "status", "explanation"),
        (2, "CB-SDTM-133", "CM", None, 2, "applied", "before consent"),
        (3, "CB-SDTM-027", "AE", None, 0, "stale", "follow-up"),
    ]
    summary = [tuple(c.value for c in row)[:2] for row in wb["Summary"].iter_rows()]
    assert ("warnings explained", 2) in summary and ("warnings unexplained", 3) in summary
    assert any(str(r[0]).startswith("stale explanation: expl.csv row 3") for r in summary)
    data = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert [f["explanation"] for f in data["findings"]] == ["before consent", "before consent", None, None, None]
    assert data["explanations"] == {
        "file": "expl.csv",
        "rows": [
            {
                "row": 2,
                "rule": "CB-SDTM-133",
                "dataset": "CM",
                "variable": None,
                "findings": 2,
                "status": "applied",
                "explanation": "before consent",
            },
            {
                "row": 3,
                "rule": "CB-SDTM-027",
                "dataset": "AE",
                "variable": None,
                "findings": 0,
                "status": "stale",
                "explanation": "follow-up",
            },
        ],
    }


# --- the file's problems ------------------------------------------------------------------


def _problems(text: str) -> list[str]:
    with pytest.raises(ExplanationsError) as caught:
        parse_explanations(text, source="expl.csv")
    return caught.value.problems


def test_every_problem_of_the_file_is_named_by_row_and_column_at_once():
    text = (
        "rule,dataset,variable,explanation\n"
        "CB-STDM-133,CM,EPOCH,a rule that is not there\n"
        "CB-SDTM-133,CM,EPOCH,  \n"
        ",CM,EPOCH,no rule\n"
        "CB-SDTM-133,C M,,not a dataset name\n"
        "CB-SDTM-133,CM,EPOCH,first\n"
        "CB-SDTM-133,cm,epoch,the same again\n"
        "CORE-000701,CM,EPOCH,the same rule by its CORE id\n"
        "CB-SDTM-133,CM,EPOCH,x,an extra cell\n"
    )
    assert _problems(text) == [
        "row 2, column rule: no rule 'CB-STDM-133' in the catalogue (did you mean CB-SDTM-133?)",
        "row 3, column explanation: empty; every row explains its findings",
        "row 4, column rule: empty; a rule id (CB-...) or a CORE id is required",
        "row 5, column dataset: 'C M' is not a dataset name (up to 8 letters and digits, a letter first; "
        "empty or * for every dataset)",
        "row 7: repeats row 6 (rule CB-SDTM-133, dataset CM, variable EPOCH)",
        "row 8: repeats row 6 (rule CB-SDTM-133, dataset CM, variable EPOCH)",
        "row 9: 5 cells, the header names 4 columns",
    ]


def test_the_header_must_name_known_columns_and_the_required_ones():
    assert _problems("rule,datset,text\n") == [
        "row 1, column 2 ('datset'): unknown column (did you mean dataset?) "
        "(the columns: rule, dataset, variable, explanation)",
        "row 1, column 3 ('text'): unknown column (the columns: rule, dataset, variable, explanation)",
        "row 1: no explanation column (the columns: rule, dataset, variable, explanation; "
        "rule and explanation are required)",
    ]
    assert _problems("") == ["row 1: no header; the first row names the columns rule, dataset, variable, explanation"]


def test_the_error_names_the_file_on_every_line(tmp_path):
    path = tmp_path / "expl.csv"
    path.write_text("rule,explanation\nCB-SDTM-133,\n", encoding="utf-8")
    with pytest.raises(ExplanationsError) as caught:
        read_explanations(path)
    assert str(caught.value) == f"{path}: row 2, column explanation: empty; every row explains its findings"


def test_a_dataset_the_study_does_not_have_is_refused_when_the_datasets_are_known(tmp_path):
    path = tmp_path / "expl.csv"
    path.write_text("rule,dataset,explanation\nCB-SDTM-133,CMM,x\nCB-SDTM-133,PR,y\n", encoding="utf-8-sig")
    assert len(read_explanations(path).entries) == 2  # the datasets unknown: the names are not checked
    with pytest.raises(ExplanationsError) as caught:
        read_explanations(path, datasets=["CM", "PR"])
    assert caught.value.problems == [
        "row 2, column dataset: no dataset CMM in the study (did you mean CM?) (the study's datasets: CM, PR)"
    ]


def test_a_file_that_is_not_utf8_or_not_there_is_refused(tmp_path):
    path = tmp_path / "expl.csv"
    path.write_bytes(b"rule,explanation\nCB-SDTM-133,caf\xe9\n")
    with pytest.raises(ExplanationsError, match=r"expl.csv: not UTF-8 text \(byte 32\)"):
        read_explanations(path)
    with pytest.raises(ExplanationsError, match="no such file"):
        read_explanations(tmp_path / "none.csv")


def test_the_built_in_studys_explanations_name_rules_of_the_catalogue_and_datasets_of_the_study():
    from specs import load_spec
    from specs.study import builtin_study

    config = builtin_study()
    datasets = {d.name for key in ("sdtm_spec", "adam_spec") for d in load_spec(config.workbook(key)).spec.datasets}
    explanations = read_explanations(config.validation.explanations, datasets=datasets)
    assert [(e.rules, e.dataset, e.variable) for e in explanations.entries] == [
        (("CB-SDTM-133",), "CM", "EPOCH"),
        (("CB-SDTM-133",), "PR", "EPOCH"),
        (("CB-SDTM-036",), "DM", "DTHFL"),
        (("CB-SDTM-025",), "SS", "SSDTC"),
        (("CB-SDTM-133",), "SS", "EPOCH"),
        (("CB-SDTM-027",), "AE", "AESTDTC"),
    ]
