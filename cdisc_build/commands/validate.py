"""`cdisc-build validate DIR`: check a folder of SDTM or ADaM datasets and write the report.

Exit status: 0 when nothing at the --fail-on severity (or worse) was found,
1 when something was, 2 on bad usage (no datasets, a broken spec, config or
explanations file). An explained finding counts as any other: explanations
change no severity and no exit status.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ..outcome import FORCE_OPTION, FailOn, print_error, print_text

console = Console(soft_wrap=True)


def validate_command(
    folder: Path = typer.Argument(
        ...,
        exists=True,
        file_okay=False,
        dir_okay=True,
        help="Folder of datasets: .xpt, Dataset-JSON (.json/.ndjson), .csv or .parquet.",
    ),
    spec: Path | None = typer.Option(
        None, "--spec", exists=True, dir_okay=False, help="Spec workbook: also run its pandera schemas."
    ),
    define: Path | None = typer.Option(
        None, "--define", exists=True, dir_okay=False, help="define.xml: also check data against it."
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        exists=True,
        dir_okay=False,
        help="TOML strictness settings (raise, lower or switch off rules, with reasons).",
    ),
    explanations: Path | None = typer.Option(
        None,
        "--explanations",
        exists=True,
        dir_okay=False,
        help="The study's explanations of its findings (CSV: rule, dataset, variable, explanation): "
        "each finding one matches is marked explained in the report; severities and the exit status are unchanged.",
    ),
    ct: list[str] = typer.Option(
        [],
        "--ct",
        help="Controlled terminology version from the standards library when define.xml declares none: "
        "2025-03-28 (SDTM CT) or a package such as adamct-2026-03-27 (repeatable). Default: the newest installed.",
    ),
    fail_on: FailOn = typer.Option(FailOn.error, "--fail-on", help="Exit 1 on findings of this severity or worse."),
    out: Path = typer.Option(
        Path("conformance-report"),
        "--out",
        file_okay=False,
        help="Folder for conformance_report.xlsx and .json: new, empty, or a previous "
        "validation report (replaced whole).",
    ),
    force: bool = FORCE_OPTION,
) -> None:
    """Validate SDTM/ADaM datasets: the implementation guides and controlled terminology of the
    standards library, transport rules, the rule catalogue, and the spec's schemas and define.xml when given."""
    from conformance.config import ConfigError, load_config
    from conformance.define import read_define_metadata
    from conformance.engine import run_validation
    from conformance.explanations import ExplanationsError, read_explanations
    from conformance.ig import standards_for
    from conformance.reader import read_folder
    from conformance.report import print_summary, write_report
    from dataset_io.outputs import check_output_folder
    from specs.standards import StandardsError

    inputs = [p for p in (folder, spec, define, config, explanations) if p is not None]
    check_output_folder(out, command="validate", inputs=inputs, force=force)  # before the work, not after
    spec_model = None
    if spec is not None:
        from specs import SpecLayoutError, load_spec

        try:
            loaded = load_spec(spec)
        except SpecLayoutError as exc:
            print_error(console, str(exc))
            raise typer.Exit(2) from None
        if loaded.errors:
            print_text(
                console,
                f"warning: the spec {spec} has {loaded.errors} errors "
                f"(see `cdisc-build spec check`); its schemas are used as they are",
                style="yellow",
            )
        spec_model = loaded.spec
    try:
        cfg = load_config(config) if config is not None else None
        explained = read_explanations(explanations) if explanations is not None else None
    except (ConfigError, ExplanationsError) as exc:
        print_error(console, str(exc))
        raise typer.Exit(2) from None
    try:
        define_meta = read_define_metadata(define) if define is not None else None
        standards = standards_for(define_meta, tuple(ct))
    except (StandardsError, ValueError) as exc:
        print_error(console, str(exc))
        raise typer.Exit(2) from None
    datasets, meta, notes = read_folder(folder, spec=spec_model)
    if not datasets:  # otherwise the notes are printed with the summary
        for note in notes:
            print_text(console, f"note: {note}", style="yellow")
        if notes:
            print_error(console, f"no dataset in {folder} could be read (see the notes above)")
            raise typer.Exit(1)
        print_error(console, f"no dataset files (.xpt, .json, .ndjson, .csv, .parquet) in {folder}")
        raise typer.Exit(2)
    try:
        report = run_validation(
            datasets,
            spec=spec_model,
            define=define_meta,
            config=cfg,
            meta=meta,
            standards=standards,
            explanations=explained,
        )
    except (OSError, ValueError) as exc:
        print_error(console, str(exc))
        raise typer.Exit(2) from None
    report.notes[:0] = notes
    paths = write_report(report, out, fail_on=fail_on.value, inputs=inputs, force=force)
    print_summary(report, console, fail_on=fail_on.value)
    print_text(console, f"report written to {paths['xlsx']} and {paths['json']}")
    if report.failing(fail_on.value):
        raise typer.Exit(1)
