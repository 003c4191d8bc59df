"""`cdisc-build spec check` and `cdisc-build spec template`: check a spec workbook, or write a new one.

With --standard (sdtmig-3.4, adamig-1.3, or the name alone for the newest installed), `template`
pre-fills the workbook from the implementation guide and a controlled terminology release of the
standards library, and `check` also reports every difference from them (specs.igtemplate,
specs.igcheck). A package the library lacks is an error naming it (exit 1).
"""

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
    ct: list[str] = typer.Option(
        [],
        "--ct",
        help="A controlled terminology CSV to check the NCI codes against, or a release of the standards "
        "library: 2025-03-28 (of the standard's CT) or sdtmct-2025-03-28 (repeatable).",
    ),
    standard: str | None = typer.Option(
        None,
        "--standard",
        help="Also compare with an implementation guide of the standards library (sdtmig-3.4, adamig-1.3; "
        "the name alone: the newest installed) and check the codelists against its CT: the release --ct "
        "names, else the one the Study sheet cites (SDTM CT, ADaM CT) when installed, else the newest.",
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
    from specs.igcheck import check_against_guide, cited_releases
    from specs.standards import StandardsLibrary

    if report is not None:
        refuse_existing_file(report)
    ct_files, releases = _ct_sources(ct)
    try:
        result = load_spec(workbook)
    except SpecLayoutError as exc:
        print_error(console, str(exc))
        raise typer.Exit(1) from None
    terminology = Terminology.read(ct_files) if ct_files else None
    if standard is not None or releases:
        library = StandardsLibrary()
        guide = library.guide_named(standard) if standard is not None else None
        if releases or terminology is None:  # CSV files stand instead of the library's default releases
            in_library = library.terminology_for(
                guide.name if guide is not None else None, releases, cited_releases(result.spec)
            )
            terminology = in_library if terminology is None else Terminology.combine(terminology, in_library)
        if guide is not None:
            result = SpecReport(result.spec, result.findings + tuple(check_against_guide(result.spec, guide)))
            print_text(console, f"compared with {guide.title}")
    if terminology is not None:
        print_text(console, f"controlled terminology: {', '.join(terminology.packages)}")
        result = SpecReport(result.spec, result.findings + tuple(check_against_ct(result.spec, terminology)))
    if _is_adam(result.spec):
        from adam_builder.build import plan_adam
        from specs.findings import SpecError

        try:
            plan_adam(result.spec)
        except SpecError as exc:  # what the ADaM engine cannot follow: no method, an unknown derivation ...
            result = SpecReport(result.spec, result.findings + tuple(exc.findings))
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


def _ct_sources(values: list[str]) -> tuple[list[Path], list[str]]:
    """The --ct values as CSV files and library releases; anything else is bad usage."""
    from specs.standards import parse_ct_release

    files, releases = [], []
    for value in values:
        if Path(value).is_file():
            files.append(Path(value))
        elif parse_ct_release(value) is not None:
            releases.append(value)
        else:
            raise typer.BadParameter(
                f"{value!r} is neither a file nor a terminology release (2025-03-28, sdtmct-2025-03-28)",
                param_hint="--ct",
            )
    return files, releases


def _is_adam(spec) -> bool:
    """A spec the ADaM engine runs: a method with cdisc-build Expression Code (an ADaM spec written
    for define.xml alone is not checked for what the engine would need)."""
    from adam_builder.expression import CONTEXT

    return any((m.expression_context or "") == CONTEXT for m in spec.methods)


def template_command(
    path: Path = typer.Argument(..., dir_okay=False, help="Where to write the workbook (a new file)."),
    standard: str | None = typer.Option(
        None,
        "--standard",
        help="Pre-fill from an implementation guide of the standards library: sdtmig-3.4, adamig-1.3 "
        "(the name alone: the newest installed).",
    ),
    domains: str | None = typer.Option(
        None,
        "--domains",
        help="With --standard: the datasets, comma-separated. SDTMIG: domains (DM,AE,TU), a split dataset "
        "with its domain (QSPH:QS). ADaMIG: ADSL, and analysis datasets with their structure "
        "(ADRS:BDS, ADTTE:TTE).",
    ),
    ct: str | None = typer.Option(
        None,
        "--ct",
        help="With --standard: the terminology release for the codelists, 2025-03-28 (of the standard's "
        "CT) or sdtmct-2025-03-28 (default: the newest installed).",
    ),
) -> None:
    """Write a spec workbook in the P21 layout (every sheet and column): empty, or pre-filled from a standard."""
    from specs import template_spec, write_workbook

    if standard is None:
        if domains is not None or ct is not None:
            raise typer.BadParameter("--domains and --ct need --standard", param_hint="--standard")
        refuse_existing_file(path)
        write_workbook(template_spec(), path)
        print_text(console, f"empty spec workbook written to {path}")
        return
    if not domains:
        raise typer.BadParameter("name the datasets to pre-fill (DM,AE,...)", param_hint="--domains")
    from specs.igtemplate import TemplateError, guide_template, parse_domains
    from specs.standards import StandardsLibrary

    refuse_existing_file(path)
    library = StandardsLibrary()
    guide = library.guide_named(standard)
    try:
        datasets = parse_domains(guide, domains)
    except TemplateError as exc:
        raise typer.BadParameter(str(exc), param_hint="--domains") from None
    terminology = library.terminology_for(guide.name, [ct] if ct else [])
    spec, notes = guide_template(guide, terminology, datasets)
    write_workbook(spec, path)
    for note in notes:
        print_text(console, f"note: {note}", style="dim")
    terms = sum(len(c.terms) for c in spec.codelists)
    print_text(
        console,
        f"spec workbook written to {path}: {len(spec.datasets)} datasets, {len(spec.variables)} variables, "
        f"{len(spec.codelists)} codelists ({terms:,} terms) from {guide.title} and {', '.join(terminology.packages)}",
    )
