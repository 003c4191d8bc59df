"""`cdisc-build adam`: SDTM (XPT, CSV, parquet or Dataset-JSON) to the ADaM datasets."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

console = Console(soft_wrap=True)


def adam_command(
    sdtm: Path = typer.Option(..., "--sdtm", exists=True, file_okay=False,
                              help="Folder of SDTM datasets (XPT, CSV, parquet or Dataset-JSON)."),
    out: Path = typer.Option(..., "--out", help="Folder for the ADaM files and reports (replaced as a whole)."),
    spec: Optional[Path] = typer.Option(None, "--spec", exists=True, dir_okay=False,
                                        help="The ADaM spec workbook; default: the one the study settings name."),
    study: Optional[Path] = typer.Option(None, "--study", "--config", exists=True, dir_okay=False,
                                         help="The study settings (.toml) with the [recist] and [adam] tables; "
                                              "default: the built-in study."),
    csv: bool = typer.Option(False, "--csv", help="Also write each dataset as CSV."),
) -> None:
    """Derive ADSL, ADRS, ADTTE, ADTR and ADAE from SDTM, driven by the ADaM spec and the study settings."""
    if run_adam(sdtm, out, spec=spec, study=study, csv=csv) is None:
        raise typer.Exit(1)


def run_adam(sdtm: Path, out: Path, *, spec: Path | None = None, study: Path | None = None, csv: bool = False):
    """The adam stage with its terminal display; None when it could not run (the reason printed)."""
    from specs.study import StudyConfig, StudyConfigError, builtin_study
    from submission_export.readers import DatasetReadError

    from specs.findings import SpecError

    from .build import build_adam, load_adam_spec, read_sdtm, write_adam
    from .common import AdamInputError
    from .settings import AdamSettings, SettingsError

    try:
        config = StudyConfig.load(study) if study else builtin_study()
        settings = AdamSettings.from_study(config)
        spec_path = spec or config.adam_spec
        if spec_path is None:
            raise StudyConfigError(f"{config.path}: [study] adam_spec is not set and --spec was not given")
        model = load_adam_spec(spec_path)
        sdtm_spec = None
        if config.sdtm_spec and Path(config.sdtm_spec).exists():
            from specs import read_workbook

            sdtm_spec = read_workbook(config.sdtm_spec)[0]
        with console.status("ADaM: reading SDTM") as status:
            frames = read_sdtm(sdtm, sdtm_spec=sdtm_spec)
            result = build_adam(frames, spec=model, settings=settings, progress=lambda m: status.update(f"ADaM: {m}"))
            status.update("ADaM: writing")
            write_adam(result, out, formats=("xpt", "csv") if csv else ("xpt",))
    except (SpecError, AdamInputError, SettingsError, StudyConfigError, DatasetReadError, FileNotFoundError,
            KeyError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}", highlight=False)
        return None
    from cdisc_build.display import datasets_table

    console.print(datasets_table("ADaM datasets", result.datasets, result.failures))
    console.print(f"issues: {len(result.issues):,}; written to {out} (XPT per dataset, schema_failures.csv, issues.csv)")
    return result
