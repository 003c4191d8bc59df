"""A stage's output folder: its datasets and report tables, written all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from dataset_io.outputs import output_folder
from specs.fileio import write_table
from specs.model import Spec, restrict_to_data

from .xpt import write_xpt


def write_dataset_folder(
    out_dir: str | os.PathLike[str],
    spec: Spec,
    frames: dict[str, pd.DataFrame],
    *,
    formats=("xpt",),
    tables: dict[str, pd.DataFrame] | None = None,
    command: str,
    inputs=(),
    force: bool = False,
) -> dict[str, Path]:
    """Write each dataset (XPT v5, and CSV when asked) and each report table into `out_dir`.

    The folder is written through dataset_io.outputs.output_folder: refused when it
    could destroy something (`command`, `inputs` and `force` say what may be
    replaced), built beside `out_dir` and put in place whole at the end, so a
    failure leaves no half-written output. Permissible variables a dataset does not carry are
    left out of its file. Returns {dataset: XPT path}.
    """
    out = Path(out_dir)
    spec = restrict_to_data(spec, {n: list(f.columns) for n, f in frames.items()})
    written: dict[str, Path] = {}
    with output_folder(out, command=command, inputs=inputs, force=force) as tmp:
        for name, frame in frames.items():
            if "xpt" in formats:
                path = tmp / spec.dataset(name).leaf_href
                write_xpt(frame, spec, name, path)
                written[name] = out / path.name
            if "csv" in formats:
                write_table(frame, tmp / f"{name.lower()}.csv")
        for file_name, table in (tables or {}).items():
            write_table(table, tmp / file_name)
    return written
