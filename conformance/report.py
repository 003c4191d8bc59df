"""The validation report: an xlsx workbook (Summary, By rule and dataset, Findings,
Rules and, with a study's explanations file, Explanations), the same as JSON, and a
terminal summary. Files are written atomically and carry no
clock time, so the same data give byte-identical reports."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from specs.fileio import atomic_write_bytes, save_workbook

from .model import BY_DATASET_COLUMNS, FINDING_COLUMNS, RULE_COLUMNS, SEVERITIES, ValidationReport

EXPLANATION_COLUMNS = ["row", "rule", "dataset", "variable", "findings", "status", "explanation"]
XLSX_NAME = "conformance_report.xlsx"
JSON_NAME = "conformance_report.json"
MAX_XLSX_ROWS = 1_048_575  # a sheet's limit, less its header


def summary(report: ValidationReport, fail_on: str | None = None) -> dict:
    results = report.results
    status_counts: dict[str, int] = {}
    for r in results:
        status_counts[r.status] = status_counts.get(r.status, 0) + 1
    out: dict[str, object] = {
        "findings": int(len(report.findings)),
        "errors": report.errors,
        "warnings": report.warnings,
        "notices": report.notices,
    }
    if report.explanations is not None:
        for severity in SEVERITIES:
            explained = report.explained(severity)
            out[f"{severity}s_explained"] = explained
            out[f"{severity}s_unexplained"] = report.count(severity) - explained
        out["explanations"] = report.explanations_source
        out["explanations_stale"] = sum(1 for e in report.explanations if e.status == "stale")
    out |= {
        "rules": len(results),
        "rules_passed": status_counts.get("passed", 0),
        "rules_failed": status_counts.get("failed", 0),
        "rules_not_applicable": status_counts.get("not applicable", 0),
        "rules_off": status_counts.get("off", 0),
        "rules_crashed": status_counts.get("crashed", 0),
        "datasets": len(report.datasets),
        "records": int(sum(report.datasets.values())),
        "strictness_changes": sum(1 for r in results if r.strictness),
    }
    if fail_on:
        out["fail_on"] = fail_on
        out["result"] = "FAIL" if report.failing(fail_on) else "PASS"
    return out


def _records(table: pd.DataFrame) -> list[dict]:
    rows = []
    for rec in table.to_dict("records"):
        rows.append({k: (None if _missing(v) else _plain(v)) for k, v in rec.items()})
    return rows


def _missing(v) -> bool:
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _plain(v):
    if hasattr(v, "item"):
        return v.item()
    return v


def explanations_table(report: ValidationReport) -> pd.DataFrame:
    """Every row of the study's explanations file: what it explains and how many findings it matched."""
    rows = [
        {
            "row": e.row,
            "rule": e.rule,
            "dataset": e.dataset or "*",
            "variable": e.variable,
            "findings": e.findings,
            "status": e.status,
            "explanation": e.text,
        }
        for e in report.explanations or ()
    ]
    return pd.DataFrame(rows, columns=EXPLANATION_COLUMNS)


def report_dict(report: ValidationReport, fail_on: str | None = None) -> dict:
    explanations = None
    if report.explanations is not None:
        explanations = {"file": report.explanations_source, "rows": _records(explanations_table(report))}
    findings = report.findings.reindex(columns=FINDING_COLUMNS)
    return {
        "summary": summary(report, fail_on),
        "datasets": [{"dataset": n, "records": r, "file": report.sources.get(n)} for n, r in report.datasets.items()],
        "by_dataset": _records(report.by_dataset()),
        "rules": _records(report.rules_table()),
        "findings": _records(findings),
        "explanations": explanations,
        "notes": list(report.notes),
        "standards": list(report.standards),
    }


def write_report(
    report: ValidationReport,
    out_dir: str | os.PathLike[str],
    fail_on: str | None = None,
    *,
    inputs=(),
    force: bool = False,
) -> dict[str, Path]:
    """Write conformance_report.xlsx and conformance_report.json into out_dir, through
    dataset_io.outputs.output_folder (`inputs`: the paths it must not touch)."""
    from dataset_io.outputs import output_folder

    out = Path(out_dir)
    data = report_dict(report, fail_on)
    with output_folder(out, command="validate", inputs=inputs, force=force) as tmp:
        atomic_write_bytes(
            tmp / JSON_NAME, (json.dumps(data, indent=1, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        )
        save_workbook(_workbook(report, data), tmp / XLSX_NAME)
    return {"xlsx": out / XLSX_NAME, "json": out / JSON_NAME}


def _workbook(report: ValidationReport, data: dict):
    import openpyxl
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    bold = Font(bold=True)
    ws = wb.worksheets[0]
    ws.title = "Summary"
    ws.append(["item", "value"])
    for key, value in data["summary"].items():
        ws.append([key.replace("_", " "), value])
    ws.append([])
    ws.append(["standard checked against"])
    for line in report.standards or ["none: no standards library package (see the notes)"]:
        ws.append([line])
    ws.append([])
    ws.append(["dataset", "records", "file"])
    for d in data["datasets"]:
        ws.append([d["dataset"], d["records"], d["file"]])
    changes = [r for r in report.results if r.strictness]
    if changes:
        ws.append([])
        ws.append(["strictness change", "severity", "default", "reason"])
        for r in changes:
            ws.append([r.rule.id, r.severity, r.rule.severity, r.strictness.reason if r.strictness else None])
    truncated = len(report.findings) > MAX_XLSX_ROWS
    if report.notes or truncated:
        ws.append([])
        ws.append(["note"])
        for note in report.notes:
            ws.append([note])
        if truncated:
            ws.append(
                [
                    f"the Findings sheet holds the first {MAX_XLSX_ROWS} of {len(report.findings)} findings; the JSON holds all"
                ]
            )
    for cell in ws[1]:
        cell.font = bold

    by_dataset = wb.create_sheet("By rule and dataset")
    by_dataset.append(BY_DATASET_COLUMNS)
    for rec in data["by_dataset"]:
        by_dataset.append([_cell(rec[c]) for c in BY_DATASET_COLUMNS])
    findings = wb.create_sheet("Findings")
    findings.append(FINDING_COLUMNS)
    for rec in data["findings"][:MAX_XLSX_ROWS]:
        findings.append([_cell(rec[c]) for c in FINDING_COLUMNS])
    rules = wb.create_sheet("Rules")
    rules.append(RULE_COLUMNS)
    for rec in data["rules"]:
        rules.append([_cell(rec[c]) for c in RULE_COLUMNS])
    sheets = [by_dataset, findings, rules]
    if data["explanations"] is not None:
        explained = wb.create_sheet("Explanations")
        explained.append(EXPLANATION_COLUMNS)
        for rec in data["explanations"]["rows"]:
            explained.append([_cell(rec[c]) for c in EXPLANATION_COLUMNS])
        sheets.append(explained)
    for sheet in sheets:
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    return wb


def _cell(value):
    if value is None or isinstance(value, (int, float, bool)):
        return value
    text = str(value)
    # openpyxl refuses control characters; show them as escapes
    if any(ord(ch) < 32 and ch not in "\t\n\r" for ch in text):
        text = text.encode("unicode_escape").decode("ascii")
    return text[:32767]


def print_summary(report: ValidationReport, console=None, fail_on: str | None = None, top: int = 40) -> None:
    """The terminal summary: counts per severity, then findings per rule."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    s = summary(report, fail_on)
    console.print(
        f"{s['datasets']} datasets, {s['records']} records; {s['rules']} rules: "
        f"{s['rules_passed']} passed, {s['rules_failed']} failed, {s['rules_not_applicable']} not applicable, "
        f"{s['rules_off']} off, {s['rules_crashed']} crashed"
    )
    table = Table(title="Findings by rule", show_lines=False)
    columns = ["rule", "CORE id", "severity", "datasets", "failed", "checked", "message"]
    if report.explanations is not None:
        columns.insert(5, "explained")
    for col in columns:
        table.add_column(col, overflow="fold")
    explained = (
        report.findings.loc[report.findings["explanation"].notna(), "rule"].value_counts()
        if report.explanations is not None and not report.findings.empty
        else pd.Series(dtype=int)
    )
    failed = sorted((r for r in report.results if r.failed), key=lambda r: (SEVERITIES.index(r.severity), r.rule.id))
    for r in failed[:top]:
        colour = {"error": "red", "warning": "yellow"}.get(r.severity, "cyan")
        cells = [
            r.rule.id,
            r.rule.core_id or "",
            f"[{colour}]{r.severity}[/{colour}]",
            ", ".join(r.datasets),
            str(r.failed),
            str(r.checked),
            r.rule.message,
        ]
        if report.explanations is not None:
            cells.insert(5, str(int(explained.get(r.rule.id, 0))))
        table.add_row(*cells)
    if failed:
        console.print(table)
        if len(failed) > top:
            console.print(f"... and {len(failed) - top} more rules with findings (see the report)")
    for r in report.results:
        if r.strictness:
            console.print(f"[dim]{r.rule.id}: {r.rule.severity} -> {r.severity} ({r.strictness.reason})[/dim]")
    for note in report.notes:
        console.print(f"[yellow]note:[/yellow] {note}")
    if report.standards:
        console.print("checked against: " + "; ".join(report.standards))
    if report.explanations is not None:
        uses = report.explanations
        applied = sum(1 for e in uses if e.status == "applied")
        stale = sum(1 for e in uses if e.status == "stale")
        elsewhere = len(uses) - applied - stale
        console.print(
            f"explanations ({report.explanations_source}): {len(uses)} rows, {applied} applied, {stale} stale"
            + (f", {elsewhere} for datasets or rules not validated here" if elsewhere else "")
        )
    line = ", ".join(_count(s, severity) for severity in SEVERITIES)
    if fail_on:
        colour = "red" if s["result"] == "FAIL" else "green"
        line += f" -> [{colour}]{s['result']}[/{colour}] (--fail-on {fail_on})"
    console.print(line)


def _count(summary_: dict, severity: str) -> str:
    """'1,761 warnings' or, with explanations, '1,761 warnings (1,219 explained, 542 unexplained)'."""
    text = f"{summary_[severity + 's']:,} {severity}s"
    explained = summary_.get(f"{severity}s_explained")
    if explained:
        text += f" ({explained:,} explained, {summary_[severity + 's_unexplained']:,} unexplained)"
    return text
