"""`cdisc-build recist`: recompute every tumour assessment from TU/TR and compare
it with the investigator's responses in RS."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..outcome import FAIL_ON_HELP, FORCE_OPTION, FailOn, StageCount, finish, print_error

console = Console(soft_wrap=True)

OUTPUTS = {
    "assessments": "recist_assessments",
    "listing": "recist_disagreements",
    "summary": "recist_agreement",
}


def recist_command(
    sdtm: Path = typer.Option(
        ...,
        "--sdtm",
        exists=True,
        file_okay=False,
        help="Folder holding TU, TR and RS (XPT, CSV, Dataset-JSON or parquet).",
    ),
    out: Path = typer.Option(
        ..., "--out", help="Folder for the per-assessment table, the disagreement listing and the agreement summary."
    ),
    study: Path | None = typer.Option(
        None,
        "--study",
        exists=True,
        dir_okay=False,
        help="The study settings (.toml): its [recist] table sets the RECIST parameters, its [adam] evaluator "
        "whose records are used; default: the built-in study.",
    ),
    evaluator: str | None = typer.Option(
        None,
        "--evaluator",
        help="Whose records to use (--EVAL or --EVALID); default: the study's [adam] evaluator (INVESTIGATOR).",
    ),
    setting: list[str] = typer.Option(
        [], "--set", help="Override one RECIST setting, KEY=VALUE (repeatable), e.g. --set short_axis_testcd=LPERP."
    ),
    tu: str | None = typer.Option(
        None, "--tu", help="TU file name inside --sdtm when it is not tu.<format> (e.g. tu_onco.csv)."
    ),
    tr: str | None = typer.Option(None, "--tr", help="TR file name inside --sdtm when it is not tr.<format>."),
    rs: str | None = typer.Option(None, "--rs", help="RS file name inside --sdtm when it is not rs.<format>."),
    force: bool = FORCE_OPTION,
    fail_on: FailOn = typer.Option(
        FailOn.error,
        "--fail-on",
        help=FAIL_ON_HELP + " The data issues noted at "
        "assessments count as warnings; disagreements with the investigator are results.",
    ),
) -> None:
    """Recompute RECIST 1.1 from TU/TR and compare it with the investigator's RS."""
    from adam_builder.concordance import run_concordance
    from adam_builder.recist_engine import RecistInputError
    from dataset_io.outputs import check_output_folder
    from dataset_io.readers import DatasetReadError
    from specs.config import StudyConfigError, with_values
    from specs.study import StudyConfig, builtin_study

    inputs = [p for p in (sdtm, study) if p is not None]
    check_output_folder(out, command="recist", inputs=inputs, force=force)  # before the work, not after
    try:
        config = StudyConfig.load(study, require=()) if study else builtin_study()
        settings = with_values(config.adam.recist, "recist", parse_settings(setting))
        evaluator = evaluator or config.adam.evaluator
        frames = {name: read_domain(sdtm, name, given) for name, given in (("tu", tu), ("tr", tr), ("rs", rs))}
        result = run_concordance(frames["tu"], frames["tr"], frames["rs"], settings=settings, evaluator=evaluator)
        written = write_outputs(result, out, inputs=inputs, force=force)
    except (StudyConfigError, RecistInputError, DatasetReadError, FileNotFoundError) as exc:
        print_error(console, str(exc))
        raise typer.Exit(1) from None
    show_summary(result)
    console.print(f"written to {escape(str(out))}: {', '.join(p.name for p in written)}")
    noted = int(result["assessments"]["ISSUES"].notna().sum() + result["investigator"]["INV_ISSUES"].notna().sum())
    raise typer.Exit(finish(console, [StageCount("recist", 0, noted)], fail_on))


def parse_settings(items: list[str]) -> dict:
    """KEY=VALUE pairs; VALUE read as TOML (numbers, lists) or else as text."""
    values = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"--set {item!r}: expected KEY=VALUE")
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            value = raw
        values[key.strip()] = value
    return values


def read_domain(folder: Path, name: str, given: str | None) -> pd.DataFrame:
    """DIR/<given>, or DIR/<name>.<xpt|csv|json|ndjson|parquet> (the first found)."""
    from dataset_io.readers import FORMATS, read_dataset

    if given:
        path = folder / given
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
        return read_dataset(path)[0]
    for suffix in FORMATS:
        for stem in (name, name.upper()):
            path = folder / f"{stem}{suffix}"
            if path.is_file():
                return read_dataset(path)[0]
    raise FileNotFoundError(f"{folder}: no {name.upper()} dataset ({', '.join(name + s for s in FORMATS)})")


def write_outputs(result: dict[str, pd.DataFrame], out: Path, *, inputs=(), force: bool = False) -> list[Path]:
    from dataset_io.outputs import output_folder
    from specs.fileio import write_table

    written = []
    with output_folder(out, command="recist", inputs=inputs, force=force) as tmp:
        for path in _write_outputs(result, tmp, write_table):
            written.append(out / path.relative_to(tmp))
    return written


def _write_outputs(result: dict[str, pd.DataFrame], out: Path, write_table) -> list[Path]:
    written = []
    for key, stem in OUTPUTS.items():
        table = result[key].copy()
        for col in table.columns:
            if pd.api.types.is_datetime64_any_dtype(table[col]):
                table[col] = table[col].dt.strftime("%Y-%m-%d").where(table[col].notna(), None)
        for suffix in (".csv", ".xlsx"):
            written.append(write_table(table, out / f"{stem}{suffix}", sheet=stem.replace("recist_", "").capitalize()))
    return written


def show_summary(result: dict[str, pd.DataFrame]) -> None:
    paired = result["paired"]
    counts = paired["MATCHBY"].value_counts()
    console.print(
        f"{len(result['assessments']):,} computed assessments, {len(result['investigator']):,} investigator assessments; "
        + ", ".join(f"{k.lower()} {v:,}" for k, v in counts.items())
    )
    table = Table(title="Agreement with the investigator")
    for col in ("test", "compared", "agree", "disagree", "rate %", "computed only", "investigator only"):
        table.add_column(col, justify="left" if col == "test" else "right")
    for row in result["summary"].itertuples(index=False):
        rate = "-" if pd.isna(row.RATE) else f"{row.RATE:.2f}"
        table.add_row(
            row.PARAMCD,
            f"{row.N:,}",
            f"{row.AGREE:,}",
            f"{row.DISAGREE:,}",
            rate,
            f"{row.COMPONLY:,}",
            f"{row.INVONLY:,}",
        )
    console.print(table)
    issues = result["assessments"]["ISSUES"].notna().sum()
    inv_issues = result["investigator"]["INV_ISSUES"].notna().sum()
    console.print(
        f"{len(result['listing']):,} disagreements listed; data issues noted at {issues:,} computed and "
        f"{inv_issues:,} investigator assessments (columns ISSUES, INV_ISSUES)"
    )
