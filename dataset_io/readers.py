"""Read one dataset file, whatever its format, into the toolkit's frame convention.

    frame, meta = read_dataset("dm.xpt")      # .xpt .json .ndjson .csv .parquet

The frame: text columns object dtype holding str, missing None; numeric columns
float64 with NaN; SAS dates/datetimes (a date/time format) as datetime64, SAS
times as float seconds. `meta` (DatasetMetadata) carries what the file says:
name, label, per-variable labels, types, lengths and formats. The conformance
stage reuses this reader.

`conform_to_spec(frame, spec, dataset)` turns a frame read from CSV (where every
column is text or a guessed number) into the convention by the spec's types.

Nothing damaged is read in part: a file that cannot be read whole is a
DatasetReadError naming it (and the column and row where there is one) - a
transport file whose length does not fit its layout (which pyreadstat reads
without a word), a file that differs from the MD5 the checksums.md5 of a folder
above it lists (cut short on an observation boundary, or changed, after the
toolkit wrote it), a Dataset-JSON file whose rows do not fit its columns, a CSV
or parquet file its parser refuses.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from specs.model import Spec

from .xpt import is_numeric_variable, temporal_kind
from .xpt_native import XptFormatError, check_complete

FORMATS = (".xpt", ".json", ".ndjson", ".csv", ".parquet")


class DatasetReadError(ValueError):
    pass


@dataclass(frozen=True)
class DatasetMetadata:
    """What a dataset file says about itself."""

    path: str
    format: str  # xpt | json | ndjson | csv | parquet
    name: str
    label: str | None = None
    labels: dict[str, str | None] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)  # variable -> 'text' | 'numeric' (or Dataset-JSON dataType)
    lengths: dict[str, int] = field(default_factory=dict)
    formats: dict[str, str | None] = field(default_factory=dict)
    encoding: str | None = None
    records: int = 0
    extra: dict = field(default_factory=dict)


def _text_column(series: pd.Series) -> pd.Series:
    out = series.astype(object)
    return out.where(out.notna() & (out != ""), None)


def _sas_to_datetime(values: pd.Series, kind: str) -> pd.Series:
    arr = values.to_numpy(dtype="float64")
    origin = np.datetime64("1960-01-01T00:00:00", "ns")
    missing = np.isnan(arr)
    safe = np.where(missing, 0, arr)
    if kind == "date":
        out = origin + (safe * 86400e9).round().astype("int64").astype("timedelta64[ns]")
    else:
        out = origin + (safe * 1e9).round().astype("int64").astype("timedelta64[ns]")
    out = out.astype("datetime64[ns]")
    out[missing] = np.datetime64("NaT")
    return pd.Series(out, index=values.index)


def check_xpt_complete(path: str | os.PathLike[str]) -> None:
    """Raise DatasetReadError when the transport file's length does not fit its layout (cut
    inside a record, the headers or an observation): pyreadstat reads such a file without a
    word, as its whole observations."""
    try:
        check_complete(path)
    except XptFormatError as exc:
        raise DatasetReadError(f"{path}: {exc}") from None
    except OSError as exc:
        raise DatasetReadError(f"{path}: cannot be read: {exc.strerror or exc}") from None


def read_xpt(path: str | os.PathLike[str], encoding: str | None = None) -> tuple[pd.DataFrame, DatasetMetadata]:
    """A SAS transport file (v5 or v8). Text that is not UTF-8 is read as Windows-1252.
    A file whose length does not fit its layout is a DatasetReadError naming it."""
    check_xpt_complete(path)
    return _read_xpt(path, encoding)


def _read_xpt(path: str | os.PathLike[str], encoding: str | None) -> tuple[pd.DataFrame, DatasetMetadata]:
    import pyreadstat

    used = encoding
    try:
        raw, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True, encoding=encoding)
    except Exception as exc:  # text that is not UTF-8 (UnicodeDecodeError or a ReadstatError)
        if encoding is not None:
            raise DatasetReadError(f"{path}: cannot be read as a transport file: {exc}") from exc
        used = "WINDOWS-1252"
        try:
            raw, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True, encoding=used)
        except Exception:
            raise DatasetReadError(f"{path}: cannot be read as a transport file: {exc}") from exc
    formats = {k: (v or None) for k, v in meta.original_variable_types.items()}
    types = {k: ("text" if v == "string" else "numeric") for k, v in meta.readstat_variable_types.items()}
    data = {}
    for col in raw.columns:
        if types[col] == "text":
            data[col] = _text_column(raw[col])
        else:
            kind = temporal_kind(formats.get(col))
            series = raw[col].astype("float64")
            data[col] = _sas_to_datetime(series, kind) if kind in ("date", "datetime") else series
    frame = pd.DataFrame(data, columns=list(raw.columns))
    return frame, DatasetMetadata(
        path=str(path),
        format="xpt",
        name=meta.table_name or Path(path).stem.upper(),
        label=meta.file_label or None,
        labels=dict(zip(meta.column_names, meta.column_labels, strict=False)),
        types=types,
        lengths={k: int(v) for k, v in meta.variable_storage_width.items()},
        formats=formats,
        encoding=used,
        records=len(frame),
    )


def read_json(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, DatasetMetadata]:
    from .dataset_json import read_dataset_json

    frame, meta = read_dataset_json(path)
    cols = meta.get("columns", [])
    return frame, DatasetMetadata(
        path=str(path),
        format="ndjson" if str(path).lower().endswith(".ndjson") else "json",
        name=meta.get("name") or Path(path).stem.upper(),
        label=meta.get("label"),
        labels={c["name"]: c.get("label") for c in cols},
        types={c["name"]: c.get("dataType") for c in cols},
        lengths={c["name"]: c["length"] for c in cols if "length" in c},
        formats={c["name"]: c.get("displayFormat") for c in cols},
        encoding="utf-8",
        records=int(meta.get("records", len(frame))),
        extra={k: v for k, v in meta.items() if k != "columns"},
    )


def read_csv(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, DatasetMetadata]:
    """A CSV file: every column as text (None for blank); use conform_to_spec for types."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DatasetReadError(f"{path}: cannot be read as a CSV dataset: {exc}") from None
    frame = frame.apply(_text_column)
    return frame, DatasetMetadata(
        path=str(path),
        format="csv",
        name=Path(path).stem.upper(),
        types={c: "text" for c in frame.columns},
        encoding="utf-8",
        records=len(frame),
    )


def read_parquet(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, DatasetMetadata]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise DatasetReadError(
            f"{path}: reading parquet needs the pyarrow package, which is not installed (pip install pyarrow)"
        ) from None
    try:
        table = pq.read_table(str(path))
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DatasetReadError(f"{path}: cannot be read as a parquet file: {exc}") from None
    frame = table.to_pandas()
    for col in frame.columns:
        if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
            frame[col] = _text_column(frame[col])
        elif pd.api.types.is_integer_dtype(frame[col]) or pd.api.types.is_float_dtype(frame[col]):
            frame[col] = frame[col].astype("float64")
    md = table.schema.metadata or {}
    return frame, DatasetMetadata(
        path=str(path),
        format="parquet",
        name=Path(path).stem.upper(),
        types={c: ("text" if frame[c].dtype == object else str(frame[c].dtype)) for c in frame.columns},
        records=len(frame),
        extra={k.decode(): v.decode(errors="replace") for k, v in md.items()},
    )


def check_manifest(path: str | os.PathLike[str]) -> None:
    """Raise DatasetReadError when the file differs from what the toolkit wrote: the
    checksums.md5 of a folder above it lists another MD5 (dataset_io.outputs.manifest_problem).
    A file no checksums.md5 lists passes."""
    from dataset_io.outputs import manifest_problem

    problem = manifest_problem(path)
    if problem is not None:
        raise DatasetReadError(problem)


def read_dataset(path: str | os.PathLike[str], encoding: str | None = None) -> tuple[pd.DataFrame, DatasetMetadata]:
    """Read .xpt, .json, .ndjson, .csv or .parquet into (frame, metadata).

    Raises DatasetReadError naming the file when it cannot be read whole: a transport
    file whose length does not fit its layout, a file that differs from the MD5 the
    checksums.md5 of a folder above it lists (cut short or changed after it was written),
    a Dataset-JSON file whose values do not fit its columns."""
    suffix = Path(path).suffix.lower()
    if not Path(path).is_file():
        raise DatasetReadError(f"{path}: no such file")
    if suffix == ".xpt":
        check_xpt_complete(path)  # what is wrong, before the checksum says that something is
    check_manifest(path)
    if suffix == ".xpt":
        return _read_xpt(path, encoding)
    if suffix in (".json", ".ndjson"):
        return read_json(path)
    if suffix == ".csv":
        return read_csv(path)
    if suffix == ".parquet":
        return read_parquet(path)
    raise DatasetReadError(f"{path}: unknown dataset format {suffix!r}; expected one of {', '.join(FORMATS)}")


def read_datasets(folder: str | os.PathLike[str], names) -> dict[str, tuple[pd.DataFrame, DatasetMetadata]]:
    """The datasets of ``folder`` by name as (frame, metadata), one file each (dm.xpt, dm.parquet,
    dm.json, dm.ndjson or dm.csv, preferred in that order); a name with no file is left out (the
    caller says which it needs)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    out: dict[str, tuple[pd.DataFrame, DatasetMetadata]] = {}
    for name in names:
        for suffix in (".xpt", ".parquet", ".json", ".ndjson", ".csv"):
            path = files.get(f"{name.lower()}{suffix}")
            if path is not None:
                out[name] = read_dataset(path)
                break
    return out


def spec_from_metadata(metadata: dict[str, DatasetMetadata] | list[DatasetMetadata]) -> Spec:
    """A spec model built from what transport files say about themselves (names, order,
    labels, types, lengths, formats): to write a sponsor's files back when no usable
    define.xml goes with them (a Define-XML 1.0 document, as the CDISC pilot's).

    Text variables are 'text' with the file's length; numeric variables with a SAS
    date/time format are 'date', 'datetime' or 'time' with that format; other numeric
    variables 'float'.
    """
    from specs.model import Dataset, Study, Variable

    items = list(metadata.values()) if isinstance(metadata, dict) else list(metadata)
    datasets, variables = [], []
    for meta in items:
        name = meta.name.upper()
        datasets.append(Dataset(name, meta.label, leaf=Path(meta.path).name if meta.path else None))
        for order, (column, label) in enumerate(meta.labels.items(), start=1):
            fmt = meta.formats.get(column) or None
            if meta.types.get(column) == "text":
                variables.append(Variable(name, column, order, label, "text", meta.lengths.get(column)))
            else:
                kind = temporal_kind(fmt)
                variables.append(Variable(name, column, order, label, kind or "float", 8, display_format=fmt))
    return Spec(
        study=Study((("StudyName", items[0].name if items else ""),)),
        datasets=tuple(datasets),
        variables=tuple(variables),
    )


def conform_to_spec(frame: pd.DataFrame, spec: Spec, dataset: str) -> pd.DataFrame:
    """Give each spec variable its conventional dtype: numbers float64, SAS dates datetime64, text str/None.

    Columns not in the spec are kept as they are (the transport-file check reports them).
    Raises DatasetReadError naming every column and value that cannot be converted.
    """
    out = frame.copy()
    problems = []
    for v in spec.variables_of(dataset):
        if v.name not in out.columns:
            continue
        series = out[v.name]
        if is_numeric_variable(v):
            kind = temporal_kind(v.display_format)
            if kind in ("date", "datetime") and not pd.api.types.is_numeric_dtype(series):
                if pd.api.types.is_datetime64_any_dtype(series):
                    continue
                text = _text_column(series)
                converted = pd.to_datetime(text, errors="coerce", format="ISO8601")
                bad = text.notna() & converted.isna()
                if bad.any():
                    problems.append(
                        f"{dataset}.{v.name}: {int(bad.sum())} value(s) are not ISO 8601 dates, e.g. {text[bad].iloc[0]!r}"
                    )
                out[v.name] = converted.astype("datetime64[ns]")
            elif kind == "time" and not pd.api.types.is_numeric_dtype(series):
                text = _text_column(series)
                td = pd.to_timedelta(text, errors="coerce")
                out[v.name] = td.dt.total_seconds().astype("float64")
            else:
                converted = pd.to_numeric(series, errors="coerce")
                bad = series.notna() & converted.isna() & (series.astype(str).str.strip() != "")
                if bad.any():
                    problems.append(
                        f"{dataset}.{v.name}: {int(bad.sum())} value(s) are not numbers, e.g. {series[bad].iloc[0]!r}"
                    )
                out[v.name] = converted.astype("float64")
        else:
            if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
                out[v.name] = series.map(
                    lambda x: None if pd.isna(x) else (str(int(x)) if float(x).is_integer() else repr(float(x)))
                )
            else:
                out[v.name] = _text_column(series).map(lambda x: x if x is None or isinstance(x, str) else str(x))
    if problems:
        raise DatasetReadError("values do not match the spec's types:\n" + "\n".join(f"  - {p}" for p in problems))
    return out
