"""`cdisc-build simulate`: write the simulated EDC export of the study."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from dataset_io.outputs import OutputFolderError
from specs.config import StudyConfigError
from study_simulator.api import EDC_DIR, TRUTH_DIR, simulate

from ..outcome import FORCE_OPTION, print_error


def simulate_command(
    subjects: int = typer.Option(200, "--subjects", min=1, help="Number of subjects screened."),
    seed: int = typer.Option(20191125, "--seed", help="Random seed; the same seed gives byte-identical files."),
    messy: float = typer.Option(
        0.0, "--messy", min=0.0, max=1.0, help="Rate of injected data problems (listed in truth/messy_manifest.csv)."
    ),
    disagreement: float = typer.Option(
        0.0, "--disagreement", min=0.0, max=1.0, help="Rate of investigator responses that differ from RECIST 1.1."
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        help="Output folder (edc/ and truth/ are written in it): new, empty, or "
        "a previous simulation (replaced whole).",
    ),
    study: Path | None = typer.Option(
        None,
        "--study",
        exists=True,
        dir_okay=False,
        help="The study settings (.toml): its identifier, data cut-off and RECIST parameters; "
        "default: the built-in study.",
    ),
    force: bool = FORCE_OPTION,
) -> None:
    """Simulate the anlotinib + toripalimab sarcoma study's raw EDC export."""
    console = Console()
    try:
        result = simulate(
            subjects, seed, out, study=study, messy_rate=messy, disagreement_rate=disagreement, force=force
        )
    except (OutputFolderError, StudyConfigError):
        raise
    except ValueError as error:
        print_error(console, str(error))
        raise typer.Exit(2) from error
    table = Table(title="Simulated EDC export")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in result.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"{result.n_subjects:,} subjects screened, {result.n_treated:,} treated")
    console.print(f"{len(result.rows)} forms, {sum(result.rows.values()):,} rows in {result.out / EDC_DIR}")
    console.print(
        f"truth: {result.out / TRUTH_DIR} (subjects.csv, assessments.csv, messy_manifest.csv with {result.manifest_rows:,} entries)"
    )
