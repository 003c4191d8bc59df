"""`cdisc-build report`: the analysis report from a folder of ADaM datasets."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

console = Console(soft_wrap=True)


def report_command(
    adam: Path = typer.Option(..., "--adam", exists=True, file_okay=False,
                              help="Folder of ADaM datasets: adsl, adrs, adtte, adtr, adae (XPT, parquet, "
                                   "Dataset-JSON or CSV)."),
    out: Path = typer.Option(..., "--out", help="Folder for the report (replaced as a whole)."),
    study: Optional[Path] = typer.Option(None, "--study", exists=True, dir_okay=False,
                                         help="The study settings (.toml) with the [report] table; "
                                              "default: the built-in study."),
) -> None:
    """ORR, DCR, PFS, OS and DOR with their intervals, the adverse event summary and the figures:
    analysis_report.html (self-contained), analysis_tables.xlsx, tables/*.csv, figures/*.png."""
    if run_report(adam, out, study=study) is None:
        raise typer.Exit(1)


def run_report(adam: Path, out: Path, *, study: Path | None = None):
    """The report stage with its terminal display; None when it could not run (the reason printed)."""
    from specs.findings import SpecError
    from specs.study import StudyConfig, StudyConfigError, builtin_study
    from submission_export.readers import DatasetReadError

    from .build import build_report, read_adam, write_report
    from .settings import ReportSettings, ReportSettingsError
    from .tables import ReportInputError

    try:
        config = StudyConfig.load(study) if study else builtin_study()
        settings = ReportSettings.from_study(config)
        adam_spec = None
        if config.adam_spec and Path(config.adam_spec).exists():
            from specs import read_workbook

            adam_spec = read_workbook(config.adam_spec)[0]
        with console.status("report: reading ADaM") as status:
            frames = read_adam(adam, adam_spec=adam_spec)
            report = build_report(frames, settings=settings, progress=lambda m: status.update(f"report: {m}"))
            status.update("report: writing")
            written = write_report(report, out)
    except (SpecError, StudyConfigError, ReportSettingsError, ReportInputError, DatasetReadError,
            FileNotFoundError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return None
    print_topline(report, console)
    console.print(f"report: {written['html']} ({len(report.tables)} tables, {len(report.figures)} figures; "
                  f"tables also in {written['xlsx'].name} and {written['tables'].name}/, figures in "
                  f"{written['figures'].name}/)", highlight=False)
    return report


def print_topline(report, console: Console) -> None:
    for line in report.topline_lines():
        console.print(f"[bold]{line}[/bold]", highlight=False)
