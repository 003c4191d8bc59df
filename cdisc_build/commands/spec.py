"""`cdisc-build spec check` and `cdisc-build spec template`: check a spec workbook, or write an empty one."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from dataset_io.outputs import refuse_existing_file
from specs.fileio import write_table

from ..outcome import print_error, print_text

console = Console(soft_wrap=True)


def check_command(
    workbook: Path = typer.Argument(..., exists=True, dir_okay=False, help="The spec workbook (.xlsx)."),
    report: Path | None = typer.Option(None, "--report", help="Also write every finding to this .csv or .xlsx file."),
    strict: bool = typer.Option(False, "--strict", help="Exit non-zero on warnings too."),
    ct: list[Path] = typer.Option(
        [],
        "--ct",
        exists=True,
        dir_okay=False,
        help="A controlled terminology CSV to check the NCI codes against (repeatable).",
    ),
    raw: Path | None = typer.Option(
        None,
        "--raw",
        exists=True,
        file_okay=False,
        help="A raw EDC export (one CSV per form): every collected field must be read "
        "by a Mapping rule or declared not submitted (the subject column comes "
        "from the study settings beside the workbook).",
    ),
) -> None:
    """Check a spec workbook: layout, broken references, orphans, duplicates, names."""
    from specs import SpecLayoutError, SpecReport, load_spec
    from specs.ct import Terminology, check_against_ct
    from specs.findings import findings_table, sort_findings

    if report is not None:
        refuse_existing_file(report)
    try:
        result = load_spec(workbook)
    except SpecLayoutError as exc:
        print_error(console, str(exc))
        raise typer.Exit(1) from None
    if ct:
        result = SpecReport(result.spec, result.findings + tuple(check_against_ct(result.spec, Terminology.read(ct))))
    if raw is not None:
        from sdtm_builder.fields import check_raw_fields

        _, raw_findings = check_raw_fields(result.spec, raw, workbook=workbook)
        result = SpecReport(result.spec, result.findings + tuple(raw_findings))
    spec = result.spec
    console.print(
        f"{workbook}: {len(spec.datasets)} datasets, {len(spec.variables)} variables, "
        f"{len(spec.value_level)} value-level rows, {len(spec.codelists)} codelists, "
        f"{len(spec.mapping)} mapping rules"
    )
    for finding in sort_findings(result.findings):
        colour = {"error": "red", "warning": "yellow"}.get(finding.severity, "dim")
        print_text(console, str(finding), style=colour)
    notes = len(result.findings) - result.errors - result.warnings
    console.print(f"{result.errors} errors, {result.warnings} warnings, {notes} notes")
    if report is not None:
        table = findings_table(result.findings)
        write_table(table, report, sheet="Findings")
        print_text(console, f"findings written to {report}")
    if result.errors or (strict and result.warnings):
        raise typer.Exit(1)


def template_command(
    path: Path = typer.Argument(..., dir_okay=False, help="Where to write the empty workbook (a new file)."),
) -> None:
    """Write an empty spec workbook in the P21 layout (every sheet and column)."""
    from specs import template_spec, write_workbook

    refuse_existing_file(path)
    write_workbook(template_spec(), path)
    print_text(console, f"empty spec workbook written to {path}")
