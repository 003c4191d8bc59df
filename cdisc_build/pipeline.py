"""The main job: the stages chained, with one progress display and a summary.

    run_pipeline(raw_dir, out_dir)       # sdtm -> adam -> export -> validate -> report
    run_demo(out_dir)                    # simulate the built-in study first

Output folder:
    raw/            the simulated EDC export (demo only): edc/*.csv, truth/
    sdtm/           one XPT per SDTM dataset, issues.csv, ledger.csv, lineage.csv, schema_failures.csv
    adam/           one XPT per ADaM dataset, issues.csv, schema_failures.csv
    submission/m5/  the eCTD module 5 folder: XPT, Dataset-JSON, define.xml, define.html
                    (tabulations/sdtm, with the annotated CRF acrf.pdf, and analysis/adam)
    validation/     sdtm/ and adam/: conformance_report.xlsx and .json (each finding the study's
                    [validation] explanations file explains marked with its text)
    report/         analysis_report.html (self-contained), analysis_tables.xlsx, tables/*.csv, figures/*.png
    checksums.md5   the MD5 of every file (each stage folder has its own too); .cdisc-build.json says what made it

A run is one generation: every stage is built in a folder beside the output
(dataset_io.outputs.output_folder) and the whole output is put in place in one step
at the end, so the datasets, the submission, the validation and the report
always come from one run; a run that stops (an error, a kill) leaves the
previous output whole.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from .commands.adam import adam_count
from .commands.report import print_topline
from .commands.sdtm import sdtm_count
from .outcome import FailOn, StageCount, print_text

DEMO_SUBJECTS = 300
DEMO_SEED = 20191202


@dataclass
class PipelineResult:
    out: Path
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    outputs: dict[str, Path] = field(default_factory=dict)
    sdtm: object = None
    adam: object = None
    validation: dict = field(default_factory=dict)
    report: object = None
    counts: list[StageCount] = field(default_factory=list)  # what each stage found

    def failing(self, fail_on: str | FailOn = FailOn.error) -> list[StageCount]:
        return [c for c in self.counts if c.failing(fail_on)]


class Display:
    """One progress display for the whole job: a bar over its stages, the current step, the time so far."""

    def __init__(self, console: Console, stages: list[str], result: PipelineResult) -> None:
        self.console, self.result = console, result
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description:<48.48}"),
            BarColumn(bar_width=16),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("", total=len(stages))

    def __enter__(self) -> Display:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    @contextmanager
    def stage(self, name: str, what: str):
        """Time one stage; yields a function that shows the stage's current step."""

        def say(message: str) -> None:
            self.progress.update(self.task, description=f"{name}: {message}")

        say(what)
        start = time.perf_counter()
        yield say
        self.result.stages[name] = time.perf_counter() - start
        self.progress.advance(self.task)

    def done(self, message: str) -> None:
        self.console.print(message, highlight=False)


def _stages(config) -> list[str]:
    later = ["adam", "export", "validate", "report"] if config.study.adam_spec else ["export", "validate"]
    return ["sdtm", *later]


def run_pipeline(
    raw: Path, out: Path, *, console: Console | None = None, study=None, force: bool = False
) -> PipelineResult:
    """SDTM and ADaM from the raw export, then the submission folder, its validation report and the
    analysis report, put in place as one generation (see the module text)."""
    from dataset_io.outputs import output_folder
    from specs.study import builtin_study

    console = console or Console(soft_wrap=True)
    out = Path(out)
    result = PipelineResult(out)
    config = study or builtin_study()
    inputs = [
        raw,
        *(
            p
            for p in (
                config.path,
                config.study.sdtm_spec,
                config.study.adam_spec,
                config.study.trial_design,
                config.validation.explanations,
            )
            if p
        ),
        *(p for p in (config.study.acrf, *config.study.documents) if p),
    ]
    with output_folder(out, command="run", inputs=inputs, force=force) as staging:
        with Display(console, _stages(config), result) as display:
            _run(Path(raw), staging, config, result, display)
    _moved(result, staging, out)
    return result


def _moved(result: PipelineResult, staging: Path, out: Path) -> None:
    """The outputs' paths where they are now that the run is in place."""
    result.outputs = {key: out / path.relative_to(staging) for key, path in result.outputs.items()}


def _run(raw: Path, out: Path, config, result: PipelineResult, display: Display) -> PipelineResult:
    from conformance import run_validation, write_report
    from conformance.define import read_define_metadata
    from conformance.explanations import read_explanations
    from conformance.ig import standards_for
    from sdtm_builder.build import build_sdtm, load_sdtm_spec, write_sdtm
    from sdtm_builder.finish import drop_lineage
    from submission_export.package import CrfSource, export_submission

    # the study's explanations of its findings: a broken file stops the run before the first stage
    explanations = read_explanations(config.validation.explanations) if config.validation.explanations else None
    with display.stage("sdtm", "mapping the raw export") as say:
        spec = load_sdtm_spec(config.workbook("sdtm_spec"))
        sdtm = build_sdtm(raw, config=config, spec=spec, progress=say)
        say("writing")
        write_sdtm(sdtm, out / "sdtm")
    result.outputs["sdtm"] = out / "sdtm"
    result.sdtm = sdtm
    result.counts.append(sdtm_count(sdtm))
    display.done(
        f"[green]SDTM[/green] {len(sdtm.datasets)} datasets, "
        f"{sum(len(f) for f in sdtm.datasets.values()):,} records, {len(sdtm.issues):,} issues, "
        f"ledger {'balances' if sdtm.ledger['balanced'].all() else 'DOES NOT balance'}"
    )

    frames = {name: sdtm.final(name) for name in sdtm.datasets}
    adam = None
    if config.study.adam_spec:
        from adam_builder.build import build_adam, load_adam_spec, write_adam

        with display.stage("adam", "deriving the analysis datasets") as say:
            adam_spec = load_adam_spec(config.workbook("adam_spec"))
            # a collected dataset without a record (a study with no adverse event) is not written, yet it is
            # the ADaM's input all the same: no records, not a missing dataset
            inputs = {**{name: drop_lineage(frame) for name, frame in sdtm.empty.items()}, **frames}
            adam = build_adam(inputs, spec=adam_spec, settings=config.adam, progress=say)
            say("writing")
            write_adam(adam, out / "adam")
        result.outputs["adam"] = out / "adam"
        result.adam = adam
        result.counts.append(adam_count(adam))
        display.done(
            f"[green]ADaM[/green] {len(adam.datasets)} datasets, "
            f"{sum(len(f) for f in adam.datasets.values()):,} records, "
            f"{len(adam.failures):,} schema failures"
        )

    with display.stage("export", "transport files, Dataset-JSON, define.xml"):
        exported = export_submission(
            out / "submission",
            (sdtm.spec, frames),
            adam=(adam.spec, adam.datasets) if adam is not None else None,
            cutoff=config.study.data_cutoff,
            # the study's own aCRF, else one generated from the raw fields found and the Mapping sheet
            crf=CrfSource(file=config.study.acrf, fields=sdtm.fields, subject_field=config.raw.subject_field),
            documents=config.study.documents,
        )
    result.outputs["submission"] = exported.root
    acrf = exported.sdtm.acrf if exported.sdtm is not None else None
    display.done(
        f"[green]export[/green] {escape(exported.root.relative_to(out).as_posix())}"
        + (f", annotated CRF {acrf.page_count} pages" if acrf is not None else "")
    )

    reports = {}
    with display.stage("validate", "schemas from the spec and the conformance rules") as say:
        stages = [("sdtm", frames, sdtm.spec, exported.root / "tabulations" / "sdtm" / "define.xml")]
        if adam is not None:
            stages.append(("adam", adam.datasets, adam.spec, exported.root / "analysis" / "adam" / "define.xml"))
        if explanations is not None:  # one file for the study: its datasets are those of both specs
            explanations.check_datasets(
                {d.name for _, data, spec_, _ in stages for d in spec_.datasets}
                | {n for _, data, _, _ in stages for n in data}
            )
        for name, data, spec_, define in stages:
            say(f"{name}: conformance rules")
            defined = read_define_metadata(define) if define.exists() else None
            reports[name] = run_validation(
                data, spec=spec_, define=defined, standards=standards_for(defined), explanations=explanations
            )
            write_report(reports[name], out / "validation" / name)
    result.outputs["validation"] = out / "validation"
    result.validation = reports
    for name, report in reports.items():
        result.counts.append(StageCount(f"validate {name}", report.errors, report.warnings))
        display.done(f"[green]validate {name}[/green] {_validation_counts(report)}")

    if adam is not None:
        from analysis_report import build_report
        from analysis_report import write_report as write_analysis

        with display.stage("report", "tables and figures") as say:
            analysis = build_report(adam.datasets, spec=adam.spec, settings=config.report, progress=say)
            say("writing")
            written = write_analysis(analysis, out / "report")
        result.outputs["report"] = written["html"]
        result.report = analysis
        display.done(f"[green]report[/green] {len(analysis.tables)} tables, {len(analysis.figures)} figures")
    return result


def _validation_counts(report) -> str:
    """'0 errors, 1,761 warnings (1,219 explained), 6 notices'."""
    parts = []
    for severity, count in (("error", report.errors), ("warning", report.warnings), ("notice", report.notices)):
        explained = report.explained(severity)
        parts.append(f"{count:,} {severity}s" + (f" ({explained:,} explained)" if explained else ""))
    stale = sum(1 for e in report.explanations or () if e.status == "stale")
    return ", ".join(parts) + (f"; {stale} stale explanations (see the report's notes)" if stale else "")


def run_demo(
    out: Path,
    *,
    subjects: int = DEMO_SUBJECTS,
    seed: int = DEMO_SEED,
    messy: float = 0.0,
    console: Console | None = None,
    force: bool = False,
    fail_on: str | FailOn = FailOn.error,
) -> PipelineResult:
    """The main job on the built-in simulated study, put in place as one generation."""
    from dataset_io.outputs import output_folder
    from specs.study import builtin_study
    from study_simulator.api import simulate

    console = console or Console(soft_wrap=True)
    out = Path(out)
    result = PipelineResult(out)
    config = builtin_study()
    with output_folder(out, command="demo", force=force) as staging:
        with Display(console, ["simulate", *_stages(config)], result) as display:
            with display.stage("simulate", f"{subjects} subjects, seed {seed}"):
                simulate(subjects, seed, staging / "raw", messy_rate=messy)
            result.outputs["raw"] = staging / "raw"
            display.done(f"[green]simulate[/green] {subjects} subjects (seed {seed}) -> {out / 'raw' / 'edc'}")
            _run(staging / "raw" / "edc", staging, config, result, display)
    _moved(result, staging, out)
    summary(result, console, fail_on=fail_on)
    return result


def summary(result: PipelineResult, console: Console, *, fail_on: str | FailOn = FailOn.error) -> None:
    """The time of each stage, where each output is, then the topline results (marked when a stage
    found errors)."""
    table = Table(title="stages")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for stage, seconds in result.stages.items():
        table.add_row(stage, f"{seconds:.1f}")
    table.add_row("total", f"{sum(result.stages.values()):.1f}")
    console.print(table)
    labels = {
        "raw": "raw export",
        "sdtm": "SDTM",
        "adam": "ADaM",
        "submission": "submission folder",
        "validation": "validation reports",
        "report": "analysis report",
    }
    console.print("[bold]where everything is[/bold]")
    for key, label in labels.items():
        if key in result.outputs:
            print_text(console, f"  {label:<19} {result.outputs[key]}")
    failing = result.failing(fail_on)
    if result.report is not None:
        caution = None
        if failing:
            caution = (
                "these results come from data with errors ("
                + "; ".join(c.describe() for c in failing)
                + "): read the issue and validation reports before using them"
            )
        print_topline(result.report, console, caution=caution)
