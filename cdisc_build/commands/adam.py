"""`cdisc-build adam`: SDTM (XPT, CSV, parquet or Dataset-JSON) to the ADaM datasets."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ..display import datasets_table
from ..outcome import FAIL_ON_OPTION, FORCE_OPTION, FailOn, StageCount, count_severity, finish, print_text

console = Console(soft_wrap=True)


def adam_command(
    sdtm: Path = typer.Option(
        ..., "--sdtm", exists=True, file_okay=False, help="Folder of SDTM datasets (XPT, CSV, parquet or Dataset-JSON)."
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        help="Folder for the ADaM files and reports: new, empty, or a previous "
        "output of this command (replaced whole).",
    ),
    spec: Path | None = typer.Option(
        None,
        "--spec",
        exists=True,
        dir_okay=False,
        help="The ADaM spec workbook; default: the one the study settings name.",
    ),
    study: Path | None = typer.Option(
        None,
        "--study",
        "--config",
        exists=True,
        dir_okay=False,
        help="The study settings (.toml) with the [recist] and [adam] tables; default: the built-in study.",
    ),
    csv: bool = typer.Option(False, "--csv", help="Also write each dataset as CSV."),
    force: bool = FORCE_OPTION,
    fail_on: FailOn = FAIL_ON_OPTION,
) -> None:
    """Derive ADSL, ADRS, ADTTE, ADTR and ADAE from SDTM, driven by the ADaM spec and the study settings."""
    result = run_adam(sdtm, out, spec=spec, study=study, csv=csv, force=force)
    raise typer.Exit(finish(console, [adam_count(result)], fail_on))


def adam_count(result) -> StageCount:
    return StageCount("adam", *count_severity(result.issues, result.failures))


def run_adam(
    sdtm: Path,
    out: Path,
    *,
    spec: Path | None = None,
    study: Path | None = None,
    csv: bool = False,
    force: bool = False,
):
    """The adam stage with its terminal display. Raises the stage's errors (the command prints them)."""
    from adam_builder.build import SDTM_INPUTS, adam_inputs, build_adam, load_adam_spec, read_sdtm, write_adam
    from dataset_io.outputs import check_output_folder
    from specs.config import Problem, StudyConfigError
    from specs.study import StudyConfig, builtin_study

    config = StudyConfig.load(study, require=()) if study else builtin_study()
    settings = config.adam
    spec_path = spec or config.study.adam_spec
    if spec_path is None:
        raise StudyConfigError([Problem("not set and --spec was not given", "study", "adam_spec", file=config.path)])
    inputs = [sdtm, spec_path, *(p for p in (study,) if p)]
    check_output_folder(out, command="adam", inputs=inputs, force=force)  # before the work, not after
    model = load_adam_spec(spec_path)
    sdtm_spec = None
    if config.study.sdtm_spec and Path(config.study.sdtm_spec).exists():
        from specs import read_workbook

        sdtm_spec = read_workbook(config.study.sdtm_spec)[0]
    with console.status("ADaM: reading SDTM") as status:
        names = tuple(dict.fromkeys((*SDTM_INPUTS, *adam_inputs(model))))  # LB, VS ... when the spec reads them
        frames = read_sdtm(sdtm, sdtm_spec=sdtm_spec, names=names)
        result = build_adam(frames, spec=model, settings=settings, progress=lambda m: status.update(f"ADaM: {m}"))
        status.update("ADaM: writing")
        write_adam(result, out, formats=("xpt", "csv") if csv else ("xpt",), inputs=inputs, force=force)
    console.print(datasets_table("ADaM datasets", result.datasets, result.failures))
    print_text(
        console,
        f"issues: {len(result.issues):,}; written to {out} (XPT per dataset, schema_failures.csv, "
        f"issues.csv, checksums.md5)",
    )
    return result
