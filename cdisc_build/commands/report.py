"""`cdisc-build report`: the analysis report from a folder of ADaM datasets."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ..outcome import FORCE_OPTION, print_text

console = Console(soft_wrap=True)


def report_command(
    adam: Path = typer.Option(
        ...,
        "--adam",
        exists=True,
        file_okay=False,
        help="Folder of ADaM datasets: adsl, adrs, adtte, adtr, adae, and adlb, advs when there (XPT, parquet, "
        "Dataset-JSON or CSV).",
    ),
    out: Path = typer.Option(
        ..., "--out", help="Folder for the report: new, empty, or a previous report (replaced whole)."
    ),
    study: Path | None = typer.Option(
        None,
        "--study",
        exists=True,
        dir_okay=False,
        help="The study settings (.toml) with the [report] table; default: the built-in study.",
    ),
    force: bool = FORCE_OPTION,
) -> None:
    """ORR, DCR, PFS, OS and DOR with their intervals, the adverse event summary and the figures:
    analysis_report.html (self-contained), analysis_tables.xlsx, tables/*.csv, figures/*.png."""
    run_report(adam, out, study=study, force=force)


def run_report(adam: Path, out: Path, *, study: Path | None = None, force: bool = False):
    """The report stage with its terminal display. Raises the stage's errors (the command prints them)."""
    from analysis_report.build import build_report, read_adam, write_report
    from dataset_io.outputs import check_output_folder
    from specs.study import StudyConfig, builtin_study

    config = StudyConfig.load(study, require=()) if study else builtin_study()
    settings = config.report
    inputs = [adam, *(p for p in (study,) if p)]
    check_output_folder(out, command="report", inputs=inputs, force=force)  # before the work, not after
    adam_spec = None
    if config.study.adam_spec and Path(config.study.adam_spec).exists():
        from specs import read_workbook

        adam_spec = read_workbook(config.study.adam_spec)[0]
    with console.status("report: reading ADaM") as status:
        frames = read_adam(adam, adam_spec=adam_spec)
        report = build_report(
            frames, spec=adam_spec, settings=settings, progress=lambda m: status.update(f"report: {m}")
        )
        status.update("report: writing")
        written = write_report(report, out, inputs=inputs, force=force)
    print_topline(report, console)
    print_text(
        console,
        f"report: {written['html']} ({len(report.tables)} tables, {len(report.figures)} figures; "
        f"tables also in {written['xlsx'].name} and {written['tables'].name}/, figures in "
        f"{written['figures'].name}/)",
    )
    return report


def print_topline(report, console: Console, *, caution: str | None = None) -> None:
    """The topline results; `caution` (data with errors) is printed above them and on each line."""
    from rich.text import Text

    if caution:
        console.print(Text(f"caution: {caution}", style="bold red"))
    for line in report.topline_lines():
        console.print(Text(line + (" [from data with errors]" if caution else ""), style="bold"))
