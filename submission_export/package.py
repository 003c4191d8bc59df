"""The submission folder, laid out as eCTD module 5 expects.

    export_submission("out", sdtm=(sdtm_spec, sdtm_frames), adam=(adam_spec, adam_frames),
                      cutoff="2025-06-30")

writes

    out/m5/datasets/<study>/tabulations/sdtm/   *.xpt  define.xml  define.html  define2-1.xsl  dataset-json/*.json *.ndjson
    out/m5/datasets/<study>/analysis/adam/      the same for ADaM (define.xml with Analysis Results Metadata)

All or nothing: everything is built in a temporary folder beside the target and
moved into place only when every file is written, read back, and every
define.xml passes the Define-XML 2.1 schema and the OID check.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dataset_io.dataset_json import JsonSettings, write_dataset_json
from dataset_io.xpt import XptRuleError, write_xpt
from define_xml.build import BuildNotes, DefineSettings, build_define, numeric_storage, write_define
from define_xml.check import DefineCheckError, check_define
from define_xml.html import copy_stylesheet, write_html
from specs.clock import creation_datetime, iso_datetime
from specs.model import Spec, restrict_to_data


@dataclass
class StageResult:
    """What was written for one standard (SDTM or ADaM)."""

    folder: Path
    datasets: list[str] = field(default_factory=list)
    lengths: dict[str, dict[str, int]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class ExportResult:
    root: Path
    sdtm: StageResult | None = None
    adam: StageResult | None = None


class ExportError(ValueError):
    """The export stopped; nothing was moved into place. Every problem is listed."""

    def __init__(self, problems: list[str]):
        self.problems = tuple(problems)
        super().__init__("the submission was not written:\n" + "\n".join(f"  - {p}" for p in problems))


def study_folder_name(spec: Spec) -> str:
    name = (spec.study.study_name or "study").strip().lower()
    return re.sub(r"[^a-z0-9-]+", "-", name).strip("-") or "study"


def significant_digits(frame: pd.DataFrame, spec: Spec, dataset: str, limit: int = 8) -> dict[str, int]:
    """Decimal places each float variable needs (0..limit)."""
    out = {}
    for v in spec.variables_of(dataset):
        if v.data_type != "float" or v.name not in frame.columns:
            continue
        arr = pd.to_numeric(frame[v.name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        arr = arr[np.isfinite(arr)]
        digits = 0
        for d in range(limit + 1):
            digits = d
            if np.allclose(arr, np.round(arr, d), rtol=0, atol=10.0 ** -(limit + 2)):
                break
        out[v.name] = max(digits, 1) if len(arr) else 1
    return out


def _mask(frame: pd.DataFrame, clause) -> pd.Series | None:
    mask = pd.Series(True, index=frame.index)
    for cond in clause.conditions:
        if cond.variable not in frame.columns:
            return None
        col = (
            frame[cond.variable]
            .astype(object)
            .map(
                lambda x: (
                    None
                    if x is None or (isinstance(x, float) and np.isnan(x))
                    else (str(int(x)) if isinstance(x, float) and x.is_integer() else str(x))
                )
            )
        )
        if cond.comparator not in ("EQ", "NE", "IN", "NOTIN"):
            return None
        mask &= cond.holds(col.fillna(""))
    return mask


def value_level_lengths(frame: pd.DataFrame, spec: Spec, dataset: str) -> dict[tuple[str, str, str], int]:
    """The longest value of each text value-level item, measured on the rows its where clause selects."""
    out = {}
    for row in spec.value_level:
        if row.dataset != dataset or row.variable not in frame.columns or numeric_storage(row):
            continue
        try:
            clause = spec.where_clause(row.where_clause)
        except KeyError:
            continue
        if any(c.dataset != dataset for c in clause.conditions):
            continue
        mask = _mask(frame, clause)
        if mask is None:
            continue
        values = frame.loc[mask, row.variable].dropna()
        if len(values):
            out[(dataset, row.variable, row.where_clause)] = max(
                int(values.map(lambda s: len(str(s).encode("utf-8"))).max()), 1
            )
    return out


def _write_stage(
    folder: Path,
    spec: Spec,
    frames: dict[str, pd.DataFrame],
    stage: str,
    when: str,
    as_of: str | None,
    json_formats: tuple[str, ...],
    problems: list[str],
) -> StageResult:
    result = StageResult(folder)
    folder.mkdir(parents=True, exist_ok=True)
    json_dir = folder / "dataset-json"
    names = [d.name for d in spec.datasets if d.name in frames]
    for extra in frames:
        if not spec.has_dataset(extra):
            problems.append(f"{stage}: dataset {extra} is not in the spec")
    sig: dict[str, dict[str, int]] = {}
    vl_lengths: dict = {}
    settings = JsonSettings(
        creation_datetime=when,
        db_last_modified=as_of,
        metadata_ref="../define.xml",
        study_oid=f"STDY.{spec.study.study_name or 'STUDY'}",
    )
    for name in names:
        frame = frames[name]
        leaf = spec.dataset(name).leaf_href
        try:
            lengths = write_xpt(frame, spec, name, folder / leaf, timestamp=when)
        except XptRuleError as exc:
            problems.extend(f"{stage}: {b}" for b in exc.breaches)
            continue
        except ValueError as exc:
            problems.append(f"{stage}: {exc}")
            continue
        result.datasets.append(name)
        result.lengths[name] = lengths
        result.files.append(folder / leaf)
        sig[name] = significant_digits(frame, spec, name)
        vl_lengths.update(value_level_lengths(frame, spec, name))
        text_lengths = {k: v for k, v in lengths.items()}
        for fmt in json_formats:
            path = json_dir / f"{name.lower()}.{fmt}"
            write_dataset_json(
                frame, spec, name, path, ndjson=(fmt == "ndjson"), settings=settings, lengths=text_lengths
            )
            result.files.append(path)
    if problems:
        return result
    notes = BuildNotes()
    root = build_define(
        spec,
        datasets=result.datasets,
        lengths=result.lengths,
        significant_digits=sig,
        value_lengths=vl_lengths,
        settings=DefineSettings(creation_datetime=when, as_of_datetime=as_of),
        notes=notes,
    )
    define_path = write_define(root, folder / "define.xml")
    issues = check_define(define_path)
    if issues:
        problems.extend(f"{stage} define.xml: {i}" for i in issues)
        return result
    write_html(define_path, folder / "define.html")
    copy_stylesheet(folder)
    result.files += [define_path, folder / "define.html", folder / "define2-1.xsl"]
    result.notes = notes.notes
    return result


def export_submission(
    out_dir: str | os.PathLike[str],
    sdtm: tuple[Spec, dict[str, pd.DataFrame]],
    adam: tuple[Spec, dict[str, pd.DataFrame]] | None = None,
    *,
    cutoff: str | None = None,
    json_formats: tuple[str, ...] = ("json", "ndjson"),
    inputs=(),
    force: bool = False,
) -> ExportResult:
    """Write the eCTD module 5 folder under out_dir (out_dir/m5/...).

    cutoff: the data cut-off (ISO 8601 date or date-time): define.xml's AsOfDateTime
    and Dataset-JSON's dbLastModifiedDateTime. The creation date-time of every file
    (define.xml, Dataset-JSON, the transport headers) is the clock, or
    SOURCE_DATE_EPOCH when set (dataset_io.clock), so a build with it set is
    byte-identical when repeated. out_dir is written through
    dataset_io.outputs.output_folder (refused when that could destroy something;
    `inputs`: the paths it must not touch) and put in place whole. Raises
    ExportError listing every problem; then nothing under out_dir changes.
    """
    from dataset_io.outputs import check_output_folder, output_folder

    # permissible variables a dataset does not carry are left out of the files and define.xml
    sdtm = (restrict_to_data(sdtm[0], {n: list(f.columns) for n, f in sdtm[1].items()}), sdtm[1])
    if adam is not None:
        adam = (restrict_to_data(adam[0], {n: list(f.columns) for n, f in adam[1].items()}), adam[1])
    out = Path(out_dir)
    check_output_folder(out, command="export", inputs=inputs, force=force)
    when = creation_datetime()
    as_of = iso_datetime(cutoff) if cutoff else None
    study = study_folder_name(sdtm[0])
    problems: list[str] = []
    result = ExportResult(out / "m5" / "datasets" / study)
    with output_folder(out, command="export", inputs=inputs, force=force) as staging:
        base = staging / "m5" / "datasets" / study
        sdtm_result = _write_stage(
            base / "tabulations" / "sdtm", sdtm[0], sdtm[1], "SDTM", when, as_of, json_formats, problems
        )
        adam_result = None
        if adam is not None:
            adam_result = _write_stage(
                base / "analysis" / "adam", adam[0], adam[1], "ADaM", when, as_of, json_formats, problems
            )
        if problems:
            raise ExportError(problems)

    def moved(stage: StageResult | None, sub: str) -> StageResult | None:
        if stage is None:
            return None
        folder = result.root / sub
        stage.files = [folder / p.relative_to(stage.folder) for p in stage.files]
        stage.folder = folder
        return stage

    result.sdtm = moved(sdtm_result, "tabulations/sdtm")
    result.adam = moved(adam_result, "analysis/adam")
    return result


__all__ = ["DefineCheckError", "ExportError", "ExportResult", "StageResult", "export_submission"]
