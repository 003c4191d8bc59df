"""`cdisc-build run` and `cdisc-build demo`: the main job, on a raw export or on the built-in simulated study."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ..outcome import FAIL_ON_OPTION, FORCE_OPTION, FailOn, finish

console = Console(soft_wrap=True)


def run_command(
    raw: Path = typer.Option(..., "--raw", exists=True, file_okay=False, help="The raw export: one CSV per CRF form."),
    out: Path = typer.Option(..., "--out", help="Output folder: sdtm/, adam/, submission/, validation/, report/."),
    study: Path | None = typer.Option(
        None, "--study", exists=True, dir_okay=False, help="The study settings (.toml); default: the built-in study."
    ),
    force: bool = FORCE_OPTION,
    fail_on: FailOn = FAIL_ON_OPTION,
) -> None:
    """The main job on a raw export: SDTM, ADaM, the submission folder, the validation report, the analysis report.
    Exit 1 when a stage found errors (the stages are named); the outputs are written all the same."""
    from specs.study import StudyConfig

    from ..pipeline import run_pipeline, summary

    result = run_pipeline(raw, out, console=console, study=StudyConfig.load(study) if study else None, force=force)
    summary(result, console, fail_on=fail_on)
    raise typer.Exit(finish(console, result.counts, fail_on))


def demo_command(
    out: Path = typer.Option(Path("build/demo"), "--out", help="Output folder."),
    subjects: int = typer.Option(300, "--subjects", min=1, help="Subjects to simulate."),
    seed: int = typer.Option(20191202, "--seed", help="Seed of the simulation."),
    messy: float = typer.Option(0.0, "--messy", min=0.0, max=1.0, help="Rate of injected raw-data problems."),
    force: bool = FORCE_OPTION,
    fail_on: FailOn = FAIL_ON_OPTION,
) -> None:
    """The main job on the built-in simulated study (simulate, then run). Exit 1 when a stage found errors."""
    from ..pipeline import run_demo

    result = run_demo(out, subjects=subjects, seed=seed, messy=messy, console=console, force=force, fail_on=fail_on)
    raise typer.Exit(finish(console, result.counts, fail_on))
