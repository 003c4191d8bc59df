"""`cdisc-build export`: the submission folder from SDTM (and ADaM) datasets and their specs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from ..outcome import FORCE_OPTION, print_error, print_text

if TYPE_CHECKING:
    import pandas as pd

    from specs.model import Spec

console = Console(soft_wrap=True)


def load_frames(folder: Path, spec) -> tuple[dict, list[str]]:
    """Every <dataset>.xpt or <dataset>.csv of a folder that the spec names, conformed to the spec."""
    from dataset_io.readers import DatasetReadError, conform_to_spec, read_dataset

    frames, problems = {}, []
    for ds in spec.datasets:
        candidates = [folder / f"{ds.name.lower()}{ext}" for ext in (".xpt", ".csv")]
        candidates += [folder / f"{ds.name}{ext}" for ext in (".xpt", ".csv")]
        path = next((p for p in candidates if p.is_file()), None)
        if path is None:
            continue
        try:
            frame, _ = read_dataset(path)
            frames[ds.name] = conform_to_spec(frame, spec, ds.name)
        except DatasetReadError as exc:
            problems.append(str(exc))
    return frames, problems


def raw_fields(folder: Path) -> pd.DataFrame | None:
    """The field accounting an `sdtm` run wrote beside its datasets (fields.csv), when there is one:
    the generated aCRF then lists every raw field, those no Mapping rule names too."""
    import pandas as pd

    path = folder / "fields.csv"
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def export_command(
    sdtm: Path = typer.Option(
        ..., "--sdtm", exists=True, file_okay=False, help="Folder of SDTM datasets (<dataset>.csv or .xpt)."
    ),
    sdtm_spec: Path = typer.Option(
        ..., "--sdtm-spec", exists=True, dir_okay=False, help="The SDTM spec workbook (.xlsx)."
    ),
    out: Path = typer.Option(..., "--out", file_okay=False, help="Where to write the m5 folder."),
    adam: Path | None = typer.Option(None, "--adam", exists=True, file_okay=False, help="Folder of ADaM datasets."),
    adam_spec: Path | None = typer.Option(
        None, "--adam-spec", exists=True, dir_okay=False, help="The ADaM spec workbook."
    ),
    cutoff: str | None = typer.Option(
        None,
        "--cutoff",
        help="Data cut-off (ISO 8601): define.xml's AsOfDateTime, Dataset-JSON's dbLastModifiedDateTime.",
    ),
    acrf: Path | None = typer.Option(
        None,
        "--acrf",
        exists=True,
        dir_okay=False,
        help="The study's own annotated CRF (PDF); without it one is generated from the spec's Mapping sheet.",
    ),
    document: list[Path] = typer.Option(
        [],
        "--document",
        exists=True,
        dir_okay=False,
        help="A document define.xml refers to (protocol, SAP): copied where a Documents sheet names its file. Repeatable.",
    ),
    force: bool = FORCE_OPTION,
) -> None:
    """Write the submission folder: SAS transport v5, Dataset-JSON 1.1, define.xml, define.html and the
    annotated CRF."""
    from dataset_io.outputs import check_output_folder
    from specs import load_spec
    from submission_export.package import CrfSource, ExportError, export_submission

    if (adam is None) != (adam_spec is None):
        print_error(console, "--adam and --adam-spec go together")
        raise typer.Exit(2)
    inputs = [p for p in (sdtm, sdtm_spec, adam, adam_spec, acrf, *document) if p is not None]
    check_output_folder(out, command="export", inputs=inputs, force=force)
    stages: list[tuple[Spec, dict[str, pd.DataFrame]] | None] = []
    problems: list[str] = []
    for folder, workbook in ((sdtm, sdtm_spec), (adam, adam_spec)):
        if folder is None or workbook is None:
            stages.append(None)
            continue
        report = load_spec(workbook)
        if not report.ok:
            problems += [f"{workbook}: {f}" for f in report.findings if f.severity == "error"]
        frames, read_problems = load_frames(folder, report.spec)
        problems += read_problems
        if not frames:
            problems.append(f"{folder}: no dataset file named in {workbook} (<dataset>.csv or .xpt)")
        stages.append((report.spec, frames))
    if problems:
        for p in problems:
            print_text(console, p, style="red")
        print_text(console, f"{len(problems)} problem(s); nothing was written")
        raise typer.Exit(1)
    sdtm_stage, adam_stage = stages
    assert sdtm_stage is not None  # --sdtm and --sdtm-spec are required
    crf = CrfSource(file=acrf, fields=raw_fields(sdtm))
    try:
        result = export_submission(
            out,
            sdtm=sdtm_stage,
            adam=adam_stage,
            cutoff=cutoff,
            inputs=inputs,
            force=force,
            crf=crf,
            documents=tuple(document),
        )
    except ExportError as exc:
        for p in exc.problems:
            print_text(console, p, style="red")
        print_text(console, f"{len(exc.problems)} problem(s); nothing was written")
        raise typer.Exit(1) from None
    for stage in (result.sdtm, result.adam):
        if stage is None:
            continue
        print_text(
            console,
            f"{stage.folder}: {len(stage.datasets)} datasets ({', '.join(stage.datasets)}), "
            f"define.xml valid (Define-XML 2.1 schema, OIDs), define.html"
            + (f", acrf.pdf ({stage.acrf.page_count} pages, generated)" if stage.acrf is not None else ""),
        )
        for note in stage.notes:
            print_text(console, f"note: {note}", style="yellow")
