"""The `cdisc-build` command line.

Each stage of the pipeline is one command; `run` and `demo` chain them. The
commands are thin: they parse options, call the stage's Python API and print a
summary. Exit status: 0 on success, 1 when the stage found errors, 2 on bad usage.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from dataset_io.outputs import refuse_existing_file
from specs.fileio import write_table

from .outcome import FAIL_ON_HELP, FailOn, finish, guarded, print_error, print_text

console = Console(soft_wrap=True)

app = typer.Typer(
    name="cdisc-build",
    help="Spec-driven CDISC SDTM and ADaM for oncology trials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # help texts printed as written: "[study]" is text, not markup
)

spec_app = typer.Typer(help="Check a spec workbook or write an empty one.", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(spec_app, name="spec")


def main() -> None:  # console-script entry point
    app()


@spec_app.command("check")
@guarded
def spec_check(
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


@spec_app.command("template")
@guarded
def spec_template(
    path: Path = typer.Argument(..., dir_okay=False, help="Where to write the empty workbook (a new file)."),
) -> None:
    """Write an empty spec workbook in the P21 layout (every sheet and column)."""
    from specs import template_spec, write_workbook

    refuse_existing_file(path)
    write_workbook(template_spec(), path)
    print_text(console, f"empty spec workbook written to {path}")


from submission_export.cli import export_command  # noqa: E402

app.command("export")(guarded(export_command))
from study_simulator.cli import simulate_command  # noqa: E402

app.command("simulate")(guarded(simulate_command))
from conformance.cli import validate_command  # noqa: E402

app.command("validate")(guarded(validate_command))
from sdtm_builder.cli import sdtm_command  # noqa: E402

app.command("sdtm")(guarded(sdtm_command))


@app.command("run")
@guarded
def run_command(
    raw: Path = typer.Option(..., "--raw", exists=True, file_okay=False, help="The raw export: one CSV per CRF form."),
    out: Path = typer.Option(..., "--out", help="Output folder: sdtm/, adam/, submission/, validation/, report/."),
    study: Path | None = typer.Option(
        None, "--study", exists=True, dir_okay=False, help="The study settings (.toml); default: the built-in study."
    ),
    force: bool = typer.Option(
        False,
        "--force",
        help="Replace a previous output of another cdisc-build command (never files cdisc-build did not write).",
    ),
    fail_on: FailOn = typer.Option(FailOn.error, "--fail-on", help=FAIL_ON_HELP),
) -> None:
    """The main job on a raw export: SDTM, ADaM, the submission folder, the validation report, the analysis report.
    Exit 1 when a stage found errors (the stages are named); the outputs are written all the same."""
    from specs.study import StudyConfig

    from .pipeline import run_pipeline, summary

    result = run_pipeline(raw, out, console=console, study=StudyConfig.load(study) if study else None, force=force)
    summary(result, console, fail_on=fail_on)
    raise typer.Exit(finish(console, result.counts, fail_on))


@app.command("demo")
@guarded
def demo_command(
    out: Path = typer.Option(Path("build/demo"), "--out", help="Output folder."),
    subjects: int = typer.Option(300, "--subjects", min=1, help="Subjects to simulate."),
    seed: int = typer.Option(20191202, "--seed", help="Seed of the simulation."),
    messy: float = typer.Option(0.0, "--messy", min=0.0, max=1.0, help="Rate of injected raw-data problems."),
    force: bool = typer.Option(
        False,
        "--force",
        help="Replace a previous output of another cdisc-build command (never files cdisc-build did not write).",
    ),
    fail_on: FailOn = typer.Option(FailOn.error, "--fail-on", help=FAIL_ON_HELP),
) -> None:
    """The main job on the built-in simulated study (simulate, then run). Exit 1 when a stage found errors."""
    from .pipeline import run_demo

    result = run_demo(out, subjects=subjects, seed=seed, messy=messy, console=console, force=force, fail_on=fail_on)
    raise typer.Exit(finish(console, result.counts, fail_on))


from adam_builder.cli import recist_command  # noqa: E402

app.command("recist")(guarded(recist_command))
from adam_builder.adam_cli import adam_command  # noqa: E402

app.command("adam")(guarded(adam_command))
from analysis_report.cli import report_command  # noqa: E402

app.command("report")(guarded(report_command))
