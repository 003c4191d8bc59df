"""The main job: the stages chained, with one progress display and a summary.

    run_pipeline(raw_dir, out_dir)       # sdtm -> export -> validate
    run_demo(out_dir)                    # simulate the built-in study first

Output folder:
    raw/            the simulated EDC export (demo only): edc/*.csv, truth/
    sdtm/           one XPT per SDTM dataset, issues.csv, ledger.csv, lineage.csv, schema_failures.csv
    submission/m5/  the eCTD module 5 folder: XPT, Dataset-JSON, define.xml, define.html
    validation/     conformance_report.xlsx and .json
Each stage writes its folder whole or not at all.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.table import Table

DEMO_SUBJECTS = 300
DEMO_SEED = 20191202


@dataclass
class PipelineResult:
    out: Path
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    outputs: dict[str, Path] = field(default_factory=dict)
    sdtm: object = None
    validation: object = None


def run_pipeline(raw: Path, out: Path, *, console: Console | None = None, result: PipelineResult | None = None,
                 study=None) -> PipelineResult:
    """SDTM from the raw export, then the submission folder and its validation report."""
    from conformance import run_validation, write_report
    from sdtm_builder.build import build_sdtm, load_sdtm_spec, write_sdtm
    from specs.study import builtin_study
    from submission_export.package import export_submission

    console = console or Console(soft_wrap=True)
    result = result or PipelineResult(Path(out))
    config = study or builtin_study()
    out = Path(out)

    start = time.perf_counter()
    with console.status("SDTM: mapping the raw export") as status:
        spec = load_sdtm_spec(config.sdtm_spec)
        sdtm = build_sdtm(raw, config=config, spec=spec, progress=lambda m: status.update(f"SDTM: {m}"))
        write_sdtm(sdtm, out / "sdtm")
    result.stages["sdtm"] = time.perf_counter() - start
    result.outputs["sdtm"] = out / "sdtm"
    result.sdtm = sdtm
    console.print(f"[green]SDTM[/green] {len(sdtm.datasets)} datasets, "
                  f"{sum(len(f) for f in sdtm.datasets.values()):,} records, "
                  f"{len(sdtm.issues):,} issues, ledger {'balances' if sdtm.ledger['balanced'].all() else 'DOES NOT balance'}")

    start = time.perf_counter()
    frames = {name: sdtm.final(name) for name in sdtm.datasets}
    with console.status("export: transport files, Dataset-JSON, define.xml"):
        exported = export_submission(out / "submission", (sdtm.spec, frames), cutoff=config.data_cutoff)
    result.stages["export"] = time.perf_counter() - start
    result.outputs["submission"] = exported.root
    console.print(f"[green]export[/green] {exported.root}")

    start = time.perf_counter()
    with console.status("validate: schemas from the spec and the conformance rules"):
        define = exported.root / "tabulations" / "sdtm" / "define.xml"
        report = run_validation(frames, spec=sdtm.spec, define=define if define.exists() else None)
        write_report(report, out / "validation")
    result.stages["validate"] = time.perf_counter() - start
    result.outputs["validation"] = out / "validation"
    result.validation = report
    console.print(f"[green]validate[/green] {report.errors:,} errors, {report.warnings:,} warnings, "
                  f"{report.notices:,} notices")
    return result


def run_demo(out: Path, *, subjects: int = DEMO_SUBJECTS, seed: int = DEMO_SEED, messy: float = 0.0,
             console: Console | None = None) -> PipelineResult:
    """The main job on the built-in simulated study."""
    from study_simulator.api import simulate

    console = console or Console(soft_wrap=True)
    out = Path(out)
    result = PipelineResult(out)
    start = time.perf_counter()
    with console.status(f"simulate: {subjects} subjects, seed {seed}"):
        simulate(subjects, seed, out / "raw", messy_rate=messy)
    result.stages["simulate"] = time.perf_counter() - start
    result.outputs["raw"] = out / "raw"
    console.print(f"[green]simulate[/green] {subjects} subjects (seed {seed}) -> {out / 'raw' / 'edc'}")
    run_pipeline(out / "raw" / "edc", out, console=console, result=result)
    summary(result, console)
    return result


def summary(result: PipelineResult, console: Console) -> None:
    table = Table(title="where everything is")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("output")
    for stage, seconds in result.stages.items():
        key = {"simulate": "raw", "export": "submission", "validate": "validation"}.get(stage, stage)
        table.add_row(stage, f"{seconds:.1f}", str(result.outputs.get(key, "")))
    console.print(table)
