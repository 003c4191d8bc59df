"""Reading a folder of datasets for `validate`: XPT, Dataset-JSON (.json/.ndjson),
CSV and parquet, each with what its file says (labels, lengths, size).

XPT, Dataset-JSON and parquet go through `dataset_io.readers.read_dataset`
when it is installed (a private fallback reads them otherwise); CSV is read here,
typed by the spec where it has the dataset and by the values elsewhere (ADaM
*DT/*DTM ISO dates become datetime64). Each file's metadata is kept for the
transport and define rules (labels, declared lengths, stored types, file size,
encoding).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd

from .context import DatasetMeta

FORMATS = ("xpt", "json", "ndjson", "parquet", "csv")  # preferred first when a dataset comes in several
_TEXTISH = re.compile(
    r"(ORRES|STRESC|ORNRLO|ORNRHI|VAL|VALC|VARVAL|VALCD|SPID|ID|GRPID|LNKID|LNKGRP|REFID|TOXGR|TXT|TERM|"
    r"SUBJID|SITEID|INVID|DTC|CD|FL|NRS|QVAL|TSVAL\d*)$"
)


def dataset_files(folder: str | os.PathLike[str]) -> tuple[dict[str, Path], list[str]]:
    """name -> file for every dataset in folder, and notes on files skipped."""
    found: dict[str, list[Path]] = {}
    for path in sorted(Path(folder).iterdir()):
        ext = path.suffix.lower().lstrip(".")
        if not path.is_file() or ext not in FORMATS or path.name.lower().startswith("define"):
            continue
        if path.name.startswith("."):  # hidden: the toolkit's own marker (.cdisc-build.json), never a dataset
            continue
        found.setdefault(path.stem.upper(), []).append(path)
    chosen, notes = {}, []
    for name in list(found):
        csvs = [p for p in found[name] if p.suffix.lower() == ".csv" and not _csv_is_dataset(p)]
        for p in csvs:
            notes.append(f"{p.name} not read: not a CDISC dataset (its header has no STUDYID column)")
            found[name].remove(p)
        if not found[name]:
            del found[name]
    for name, paths in sorted(found.items()):
        paths = sorted(paths, key=lambda p: FORMATS.index(p.suffix.lower().lstrip(".")))
        chosen[name] = paths[0]
        for other in paths[1:]:
            notes.append(f"{other.name} not read: {paths[0].name} holds the same dataset")
    return chosen, notes


def _csv_is_dataset(path: Path) -> bool:
    """A CSV file is an SDTM/ADaM dataset when its header names STUDYID (every one has it);
    other CSV files in the folder (the builder's issues, lineage or ledger reports) are not."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            header = handle.readline()
    except OSError:
        return True  # let the reader report it
    return "STUDYID" in {c.strip().strip('"').upper() for c in header.split(",")}


def read_folder(folder, spec=None) -> tuple[dict[str, pd.DataFrame], dict[str, DatasetMeta], list[str]]:
    files, notes = dataset_files(folder)
    datasets, meta = {}, {}
    for name, path in files.items():
        try:
            frame, info = read_file(path, spec=spec, name=name)
        except Exception as exc:  # noqa: BLE001 - one unreadable file is an error finding, the rest validated
            reason = str(exc) if isinstance(exc, (OSError, ValueError)) else f"{type(exc).__name__}: {exc}"
            notes.append(f"{path.name} could not be read: {reason}")
            size = path.stat().st_size if path.exists() else None
            meta[name] = DatasetMeta(name, str(path), path.suffix.lower().lstrip("."), None, size, unreadable=reason)
            continue
        datasets[name] = frame
        meta[name] = info
    return datasets, meta, notes


def read_file(path, spec=None, name: str | None = None) -> tuple[pd.DataFrame, DatasetMeta]:
    path = Path(path)
    name = (name or path.stem).upper()
    ext = path.suffix.lower().lstrip(".")
    size = path.stat().st_size
    shared = _shared_reader()
    if shared is not None and ext in ("xpt", "json", "ndjson", "parquet"):
        frame, m = shared(path)
        encoding = (m.encoding or "utf-8").lower()
        problem = None if encoding in ("utf-8", "utf8", "ascii") else f"not UTF-8/ASCII; read as {m.encoding}"
        types = {
            k: ("numeric" if v in ("numeric", "integer", "float", "double", "decimal") else "text")
            for k, v in m.types.items()
        }
        lengths = {k: v for k, v in m.lengths.items() if types.get(k) == "text"}
        label = m.label if m.label is not None or ext == "parquet" else ""
        return frame, DatasetMeta(name, str(path), ext, label, size, dict(m.labels), lengths, types, problem)
    _check_manifest(path)
    if ext == "xpt":
        return _read_xpt(path, name, size)
    if ext in ("json", "ndjson"):
        return _read_dataset_json(path, name, size, ndjson=ext == "ndjson")
    if ext == "parquet":
        frame = pd.read_parquet(path)
        return frame, DatasetMeta(name, str(path), "parquet", None, size)
    if ext == "csv":
        return _read_csv(path, name, size, spec)
    raise ValueError(f"{path}: not a dataset file ({', '.join(FORMATS)})")


def _check_manifest(path: Path) -> None:
    """A file the checksums.md5 of a folder above it lists with another MD5 is refused, naming it
    (the shared reader checks the files it reads itself)."""
    from dataset_io.outputs import manifest_problem

    problem = manifest_problem(path)
    if problem is not None:
        raise ValueError(problem)


def _shared_reader():
    """dataset_io.readers.read_dataset when that package is there."""
    try:
        from dataset_io.readers import read_dataset
    except ImportError:
        return None
    return read_dataset


def _read_xpt(path: Path, name: str, size: int):
    import pyreadstat

    if size % 80:
        raise ValueError(
            f"{path}: {size:,} bytes are not a whole number of 80-byte transport records: the file was cut short"
        )
    problem = None
    try:
        frame, m = pyreadstat.read_xport(str(path))
    except Exception as first:  # noqa: BLE001 - a non-UTF-8 byte: read it as cp1252 and say so
        frame, m = pyreadstat.read_xport(str(path), encoding="cp1252")
        problem = f"not UTF-8/ASCII; read as cp1252 ({type(first).__name__})"
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].map(lambda v: None if isinstance(v, str) and v == "" else v)
    lengths = dict(getattr(m, "variable_storage_width", {}) or {})
    types = {
        k: ("text" if v == "string" else "numeric")
        for k, v in (getattr(m, "readstat_variable_types", {}) or {}).items()
    }
    return frame, DatasetMeta(
        name, str(path), "xpt", m.file_label or "", size, dict(m.column_names_to_labels or {}), lengths, types, problem
    )


def _read_dataset_json(path: Path, name: str, size: int, ndjson: bool):
    raw = path.read_bytes()
    problem = None
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError:
        content = raw.decode("cp1252", errors="replace")
        problem = "not UTF-8"
    if ndjson:
        lines = [line for line in content.splitlines() if line.strip()]
        header = json.loads(lines[0])
        rows = [json.loads(line) for line in lines[1:]]
    else:
        header = json.loads(content)
        rows = header.get("rows")
        if rows is None and "clinicalData" in header:  # Dataset-JSON 1.0
            group = next(iter(header["clinicalData"]["itemGroupData"].values()))
            header = {**group, "columns": group.get("items", [])}
            rows = group.get("itemData", [])
    columns = header.get("columns", [])
    names = [c["name"] for c in columns]
    frame = pd.DataFrame(rows or [], columns=names)
    if rows and len(rows[0]) == len(names) + 1 and names and names[0] != "ITEMGROUPDATASEQ":
        frame = pd.DataFrame(rows, columns=["ITEMGROUPDATASEQ", *names]).drop(columns="ITEMGROUPDATASEQ")
    if "ITEMGROUPDATASEQ" in frame.columns:
        frame = frame.drop(columns="ITEMGROUPDATASEQ")
    types = {}
    for col in columns:
        dtype = col.get("dataType", "string")
        numeric = dtype in ("integer", "float", "double", "decimal")
        types[col["name"]] = "numeric" if numeric else "text"
        if col["name"] in frame.columns:
            if numeric:
                frame[col["name"]] = pd.to_numeric(frame[col["name"]], errors="coerce").astype("float64")
            else:
                frame[col["name"]] = (
                    frame[col["name"]]
                    .map(lambda v: None if v is None or v == "" else (v if isinstance(v, str) else str(v)))
                    .astype(object)
                )
    labels = {c["name"]: c.get("label") for c in columns}
    lengths = {c["name"]: c["length"] for c in columns if c.get("length") and types.get(c["name"]) == "text"}
    return frame, DatasetMeta(
        name, str(path), "ndjson" if ndjson else "json", header.get("label"), size, labels, lengths, types, problem
    )


def _spec_numeric(spec, name: str, column: str) -> bool | None:
    if spec is None or not spec.has_dataset(name):
        return None
    try:
        var = spec.variable(name, column)
    except KeyError:
        return None
    if var.data_type in ("integer", "float"):
        return True
    return False if var.data_type else None


def _read_csv(path: Path, name: str, size: int, spec=None):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8", encoding_errors="replace")
    for col in frame.columns:
        values = frame[col]
        present = values.str.strip() != ""
        numeric = _spec_numeric(spec, name, col)
        if numeric is None:
            parsed = pd.to_numeric(values[present], errors="coerce")
            numeric = bool(present.any()) and parsed.notna().all() and not _TEXTISH.search(col)
        if numeric:
            frame[col] = pd.to_numeric(values.where(present), errors="coerce").astype("float64")
        elif (
            name.startswith("AD")
            and col.endswith(("DT", "DTM"))
            and present.any()
            and values[present].str.match(r"^\d{4}-\d{2}-\d{2}").all()
        ):
            frame[col] = pd.to_datetime(
                values.where(present), errors="coerce", format="ISO8601"
            )  # an ADaM numeric date
        else:
            frame[col] = values.where(present, None).astype(object)
    return frame, DatasetMeta(name, str(path), "csv", None, size)


__all__ = ["FORMATS", "dataset_files", "read_file", "read_folder"]
