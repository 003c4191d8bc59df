"""`cdisc-build sdtm`: the raw export to SDTM transport files, with the issue
report and the reconciliation ledger."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ..display import datasets_table
from ..outcome import FAIL_ON_OPTION, FORCE_OPTION, FailOn, StageCount, count_severity, finish, print_text

console = Console(soft_wrap=True)


def sdtm_command(
    raw: Path = typer.Option(..., "--raw", exists=True, file_okay=False, help="The raw export: one CSV per CRF form."),
    out: Path = typer.Option(
        ...,
        "--out",
        help="Folder for the SDTM files and reports: new, empty, or a previous "
        "output of this command (replaced whole).",
    ),
    study: Path | None = typer.Option(
        None, "--study", exists=True, dir_okay=False, help="The study settings (.toml); default: the built-in study."
    ),
    spec: Path | None = typer.Option(
        None,
        "--spec",
        exists=True,
        dir_okay=False,
        help="The SDTM spec workbook; default: the one the study settings name.",
    ),
    transliterate: bool | None = typer.Option(
        None, "--transliterate/--no-transliterate", help="Spell non-ASCII text in ASCII instead of writing '?'."
    ),
    csv: bool = typer.Option(False, "--csv", help="Also write each dataset as CSV."),
    force: bool = FORCE_OPTION,
    fail_on: FailOn = FAIL_ON_OPTION,
) -> None:
    """Map a raw EDC export to SDTM, driven by the spec's Mapping sheet."""
    result = run_sdtm(raw, out, study=study, spec=spec, transliterate=transliterate, csv=csv, force=force)
    raise typer.Exit(finish(console, [sdtm_count(result)], fail_on))


def sdtm_count(result) -> StageCount:
    """The sdtm stage's errors and warnings: issues, schema failures, and a ledger that does not balance."""
    errors, warnings = count_severity(result.issues, result.failures)
    errors += int((~result.ledger["balanced"].astype(bool)).sum()) if len(result.ledger) else 0
    return StageCount("sdtm", errors, warnings)


def run_sdtm(
    raw: Path,
    out: Path,
    *,
    study: Path | None = None,
    spec: Path | None = None,
    transliterate: bool | None = None,
    csv: bool = False,
    force: bool = False,
):
    """The sdtm stage with its terminal display. Raises the stage's errors (the command prints them)."""
    import dataclasses

    from dataset_io.outputs import check_output_folder
    from sdtm_builder.build import build_sdtm, load_sdtm_spec, write_sdtm
    from specs.config import required_keys
    from specs.study import StudyConfig, builtin_study

    required = [key for key in required_keys() if not (spec and key == ("study", "sdtm_spec"))]
    config = StudyConfig.load(study, require=required) if study else builtin_study()
    if spec:
        config = dataclasses.replace(config, study=dataclasses.replace(config.study, sdtm_spec=spec.resolve()))
    if transliterate is not None:
        config = dataclasses.replace(config, sdtm=dataclasses.replace(config.sdtm, transliterate=transliterate))
    inputs = [raw, *(p for p in (study, config.study.sdtm_spec, config.study.trial_design) if p)]
    check_output_folder(out, command="sdtm", inputs=inputs, force=force)  # before the work, not after
    model = load_sdtm_spec(config.workbook("sdtm_spec"))
    with Progress(
        TextColumn("[bold]SDTM[/bold] {task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        steps = 3 + sum(1 for _ in model.datasets)
        task = progress.add_task("reading", total=steps)

        def step(message: str) -> None:
            progress.update(task, description=message, advance=1)

        result = build_sdtm(raw, config=config, spec=model, progress=step)
        progress.update(task, description="writing")
        write_sdtm(result, out, formats=("xpt", "csv") if csv else ("xpt",), inputs=inputs, force=force)
    summarise(result, out)
    return result


def summarise(result, out: Path) -> None:
    console.print(datasets_table("SDTM datasets", result.datasets, result.failures))
    ledger = result.ledger
    balanced = bool(ledger["balanced"].all())
    console.print(
        f"raw rows read {ledger['read'].sum():,}: mapped {ledger['mapped'].sum():,}, "
        f"not submitted {ledger['not_submitted'].sum():,}, rejected {ledger['rejected'].sum():,}, "
        f"unaccounted {ledger['unaccounted'].sum():,} -> "
        + ("[green]every form balances[/green]" if balanced else "[red]the ledger does not balance[/red]")
    )
    issues = result.issues
    if not issues.empty:
        counts = issues.groupby(["severity", "kind"]).size().reset_index(name="n")
        print_text(console, "issues: " + "; ".join(f"{r.severity} {r.kind} {r.n:,}" for r in counts.itertuples()))
    else:
        console.print("issues: none")
    print_text(
        console,
        f"written to {out} (XPT per dataset, issues.csv, ledger.csv, schema_failures.csv, lineage.csv, checksums.md5)",
    )
