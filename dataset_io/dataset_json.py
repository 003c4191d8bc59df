"""Dataset-JSON 1.1 (JSON and NDJSON) from the spec, its reader and schema check.

    write_dataset_json(frame, spec, "DM", "dm.json", settings=JsonSettings(...))
    write_dataset_json(frame, spec, "DM", "dm.ndjson", ndjson=True)
    frame, meta = read_dataset_json("dm.json")

Column metadata comes from the spec; itemGroupOID and itemOID are the OIDs of
define.xml (IG.DM, IT.DM.USUBJID). Text lengths are the actual ones (as in the
transport file and define.xml). datasetJSONCreationDateTime is a setting, by
default specs.clock (SOURCE_DATE_EPOCH when set, else the clock); the export
passes the data cut-off as dbLastModifiedDateTime.

Types: text -> string; integer -> integer; float -> double; ISO 8601 text dates
(date/datetime/time) -> date/datetime/time; other ISO 8601 text (partial dates,
durations) -> string. Numeric SAS dates (a date/time display format) are written
as ISO 8601 strings with dataType date/datetime/time and targetDataType integer,
and read back as datetime64 (time as seconds). Missing values are null.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dataset_io import oids
from specs.clock import creation_datetime
from specs.fileio import atomic_write_bytes
from specs.model import Spec

from .readers import DatasetReadError
from .xpt import character_lengths, is_numeric_variable, temporal_kind, to_sas_numbers

VERSION = "1.1.0"
_ISO_TEXT = {"date": "date", "datetime": "datetime", "time": "time"}


@dataclass(frozen=True)
class JsonSettings:
    creation_datetime: str = field(default_factory=creation_datetime)
    db_last_modified: str | None = None
    originator: str | None = "cdisc-build"
    source_system: str | None = "cdisc-build"
    source_system_version: str | None = "0.1.0"
    study_oid: str | None = None
    metadata_version_oid: str | None = None
    metadata_ref: str | None = "../define.xml"


def column_types(spec: Spec, dataset: str) -> list[dict]:
    """The Dataset-JSON column metadata of a dataset (without lengths)."""
    out = []
    for v in spec.variables_of(dataset):
        col: dict[str, Any] = {"itemOID": oids.item_oid(dataset, v.name), "name": v.name, "label": v.label or v.name}
        kind = temporal_kind(v.display_format) if is_numeric_variable(v) else None
        if kind:
            col["dataType"] = kind
            col["targetDataType"] = "integer"
        elif v.data_type == "integer":
            col["dataType"] = "integer"
        elif v.data_type == "float":
            col["dataType"] = "double"
        elif v.data_type == "boolean":
            col["dataType"] = "boolean"
        else:
            col["dataType"] = _ISO_TEXT.get(v.data_type or "", "string")
        if v.display_format:
            col["displayFormat"] = v.display_format
        key = spec.key_sequence(dataset, v.name)
        if key:
            col["keySequence"] = key
        out.append(col)
    return out


def _iso(values: np.ndarray, kind: str) -> list:
    """SAS day or second counts as ISO 8601 text."""
    out: list = []
    for x in values:
        if x is None or (isinstance(x, float) and math.isnan(x)):
            out.append(None)
            continue
        if kind == "date":
            out.append(str(np.datetime64("1960-01-01") + np.timedelta64(int(x), "D")))
        elif kind == "datetime":
            stamp = np.datetime64("1960-01-01T00:00:00") + np.timedelta64(int(round(x * 1000)), "ms")
            text = str(stamp)
            out.append(text[:-4] if text.endswith(".000") else text)
        else:
            secs = int(round(x))
            out.append(f"{secs // 3600:02d}:{secs % 3600 // 60:02d}:{secs % 60:02d}")
    return out


def _rows(frame: pd.DataFrame, spec: Spec, dataset: str, columns: list[dict]) -> list[list]:
    data = []
    for col, v in zip(columns, spec.variables_of(dataset), strict=False):
        series = frame[v.name].reset_index(drop=True)
        if col.get("targetDataType") == "integer":
            data.append(_iso(to_sas_numbers(series, col["dataType"]), col["dataType"]))
        elif col["dataType"] == "integer":
            arr = pd.to_numeric(series).to_numpy(dtype="float64", na_value=np.nan)
            data.append([None if math.isnan(x) else int(x) for x in arr])
        elif col["dataType"] == "double":
            arr = pd.to_numeric(series).to_numpy(dtype="float64", na_value=np.nan)
            data.append([None if math.isnan(x) else float(x) for x in arr])
        else:
            data.append(
                [
                    x
                    if isinstance(x, str) and x != ""
                    else (None if x is None or x == "" or (isinstance(x, float) and math.isnan(x)) else str(x))
                    for x in series.astype(object)
                ]
            )
    return [list(r) for r in zip(*data, strict=False)] if data else []


def dataset_metadata(
    frame: pd.DataFrame,
    spec: Spec,
    dataset: str,
    settings: JsonSettings = JsonSettings(),
    lengths: dict[str, int] | None = None,
) -> dict:
    ds = spec.dataset(dataset)
    columns = column_types(spec, dataset)
    actual = lengths if lengths is not None else character_lengths(frame, spec, dataset)
    for col in columns:
        if col["name"] in actual and col["dataType"] not in ("integer", "double") and "targetDataType" not in col:
            col["length"] = int(actual[col["name"]])
    meta: dict[str, Any] = {
        "datasetJSONCreationDateTime": settings.creation_datetime,
        "datasetJSONVersion": VERSION,
        "fileOID": f"{spec.study.study_name or 'STUDY'}.{dataset}",
    }
    if settings.db_last_modified:
        meta["dbLastModifiedDateTime"] = settings.db_last_modified
    if settings.originator:
        meta["originator"] = settings.originator
    if settings.source_system:
        meta["sourceSystem"] = {"name": settings.source_system, "version": settings.source_system_version or ""}
    if settings.study_oid or spec.study.study_name:
        meta["studyOID"] = settings.study_oid or f"STDY.{spec.study.study_name}"
    if settings.metadata_version_oid:
        meta["metaDataVersionOID"] = settings.metadata_version_oid
    if settings.metadata_ref:
        meta["metaDataRef"] = settings.metadata_ref
    meta.update(
        {
            "itemGroupOID": oids.itemgroup_oid(dataset),
            "records": int(len(frame)),
            "name": dataset,
            "label": ds.label or dataset,
            "columns": columns,
        }
    )
    return meta


def dataset_json_bytes(
    frame: pd.DataFrame,
    spec: Spec,
    dataset: str,
    *,
    ndjson: bool = False,
    settings: JsonSettings = JsonSettings(),
    lengths: dict[str, int] | None = None,
) -> bytes:
    meta = dataset_metadata(frame, spec, dataset, settings, lengths)
    rows = _rows(frame, spec, dataset, meta["columns"])
    dump = lambda obj: json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)  # noqa: E731
    if ndjson:
        lines = [dump(meta)] + [dump(r) for r in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    return dump({**meta, "rows": rows}).encode("utf-8")


def write_dataset_json(
    frame: pd.DataFrame,
    spec: Spec,
    dataset: str,
    path: str | os.PathLike[str],
    *,
    ndjson: bool | None = None,
    settings: JsonSettings = JsonSettings(),
    lengths: dict[str, int] | None = None,
) -> Path:
    """Write one dataset as Dataset-JSON 1.1 (.json) or NDJSON (.ndjson), atomically."""
    if ndjson is None:
        ndjson = str(path).lower().endswith(".ndjson")
    return atomic_write_bytes(
        path, dataset_json_bytes(frame, spec, dataset, ndjson=ndjson, settings=settings, lengths=lengths)
    )


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
def _json_error(path, exc: json.JSONDecodeError, line: int | None = None) -> DatasetReadError:
    where = f"line {line}" if line is not None else f"line {exc.lineno} column {exc.colno}"
    return DatasetReadError(f"{path}: not valid JSON at {where}: {exc.msg} (the file is damaged or cut short)")


def load_dataset_json(path: str | os.PathLike[str]) -> tuple[dict, list[list]]:
    """(metadata, rows) of a .json or .ndjson file; DatasetReadError naming the file (and the
    line) when it is not JSON, or not UTF-8."""
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DatasetReadError(f"{path}: not UTF-8 text (byte {exc.start}): not a Dataset-JSON file") from None
    if str(path).lower().endswith(".ndjson"):
        numbered = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
        if not numbered:
            raise DatasetReadError(f"{path}: empty: an NDJSON Dataset-JSON file starts with a metadata line")
        parsed = []
        for n, line in numbered:
            try:
                parsed.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise _json_error(path, exc, n) from None
        if not isinstance(parsed[0], dict):
            raise DatasetReadError(f"{path}: line {numbered[0][0]} is not the metadata object of a Dataset-JSON file")
        return parsed[0], parsed[1:]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _json_error(path, exc) from None
    if not isinstance(doc, dict):
        raise DatasetReadError(f"{path}: the document is a JSON {type(doc).__name__}, not a Dataset-JSON object")
    rows = doc.pop("rows", [])
    return doc, rows


def _bad_value(source, col: dict, row: int, value, expected: str, ndjson: bool = False) -> DatasetReadError:
    where = f"row {row}" + (f" (line {row + 1})" if ndjson else "")
    return DatasetReadError(
        f"{source}: column {col['name']} ({col.get('dataType')}), {where}: "
        f"{json.dumps(value, ensure_ascii=False)[:80]} is not {expected}"
    )


def _number(x) -> float:
    if x is None or x == "":
        return np.nan
    if isinstance(x, bool) or not isinstance(x, (int, float, str)):
        raise ValueError(x)
    return float(x)


def _seconds(x) -> float:
    if x in (None, ""):
        return np.nan
    h, mnt, s = (x.split(":") + ["0", "0"])[:3]
    return int(h) * 3600 + int(mnt) * 60 + float(s)


def _from_iso(values: list, kind: str, fail) -> pd.Series:
    """ISO 8601 text as datetime64 (date, datetime) or seconds (time); `fail(row, value)` builds the error."""
    if kind == "time":
        out = []
        for row, x in enumerate(values, start=1):
            try:
                out.append(_seconds(x))
            except (ValueError, AttributeError, TypeError):
                raise fail(row, x) from None
        return pd.Series(out, dtype="float64")
    text = [None if x in (None, "") else x for x in values]
    try:
        return pd.to_datetime(pd.Series(text, dtype=object), format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        for row, x in enumerate(text, start=1):
            if x is None:
                continue
            try:
                pd.to_datetime(pd.Series([x], dtype=object), format="ISO8601")
            except (ValueError, TypeError, OverflowError):
                raise fail(row, x) from None
        raise


def frame_from_rows(
    meta: dict, rows: list[list], source: str | os.PathLike[str] = "Dataset-JSON", ndjson: bool = False
) -> pd.DataFrame:
    """The frame of a Dataset-JSON file's metadata and rows. Raises DatasetReadError naming the
    file (`source`), the column and the row of the first value that does not fit: no column
    list, a column without a name, a row that is not an array of one value per column, a
    number, date or boolean column holding something else."""
    columns = meta.get("columns") if isinstance(meta, dict) else None
    if not isinstance(columns, list) or not all(isinstance(c, dict) for c in columns):
        raise DatasetReadError(f"{source}: no list of columns in the metadata: not a Dataset-JSON file")
    for n, col in enumerate(columns, start=1):
        if not isinstance(col.get("name"), str) or not col["name"]:
            raise DatasetReadError(f"{source}: column {n} of the metadata has no name")
    if not isinstance(rows, list):
        raise DatasetReadError(f"{source}: 'rows' is a JSON {type(rows).__name__}, not an array of rows")
    width = len(columns)
    for n, r in enumerate(rows, start=1):
        if not isinstance(r, list) or len(r) != width:
            where = f"row {n}" + (f" (line {n + 1})" if ndjson else "")
            held = f"{len(r)} values" if isinstance(r, list) else f"a JSON {type(r).__name__}"
            raise DatasetReadError(
                f"{source}: {where} holds {held}; the metadata declares {width} columns "
                f"({', '.join(c['name'] for c in columns[:8])}{' ...' if width > 8 else ''})"
            )
    declared = meta.get("records")
    if isinstance(declared, int) and not isinstance(declared, bool) and declared != len(rows):
        raise DatasetReadError(
            f"{source}: the metadata declares {declared:,} records, the file holds {len(rows):,} "
            f"rows: it was cut short or changed"
        )
    data = {}
    for i, col in enumerate(columns):
        values = [r[i] for r in rows]
        dtype = col.get("dataType")

        def fail(row, value, expected="an ISO 8601 " + str(dtype), col=col):
            return _bad_value(source, col, row, value, expected, ndjson)

        if col.get("targetDataType") == "integer" and dtype in ("date", "datetime", "time"):
            data[col["name"]] = _from_iso(values, dtype, fail)
        elif dtype in ("integer", "double", "float", "decimal") or col.get("targetDataType") == "decimal":
            try:
                numbers = [_number(x) for x in values]
            except (ValueError, TypeError):
                row = next(n for n, x in enumerate(values, start=1) if not _is_number(x))
                raise fail(row, values[row - 1], "a number") from None
            data[col["name"]] = pd.Series(numbers, dtype="float64")
        elif dtype == "boolean":
            bad = next((n for n, x in enumerate(values, start=1) if x is not None and not isinstance(x, bool)), None)
            if bad is not None:
                raise fail(bad, values[bad - 1], "true, false or null")
            data[col["name"]] = pd.Series(values, dtype=object)
        else:
            bad = next((n for n, x in enumerate(values, start=1) if isinstance(x, (list, dict))), None)
            if bad is not None:
                raise fail(bad, values[bad - 1], "a single value")
            data[col["name"]] = pd.Series([None if x in (None, "") else str(x) for x in values], dtype=object)
    return pd.DataFrame(data, columns=[c["name"] for c in columns])


def _is_number(x) -> bool:
    try:
        _number(x)
    except (ValueError, TypeError):
        return False
    return True


def read_dataset_json(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, dict]:
    """A Dataset-JSON file as (frame, metadata without rows); DatasetReadError naming the file,
    the column and the row when it cannot be read whole."""
    meta, rows = load_dataset_json(path)
    return frame_from_rows(meta, rows, path, ndjson=str(path).lower().endswith(".ndjson")), meta


# ---------------------------------------------------------------------------
# Schema validation
# ---------------------------------------------------------------------------
def _schema_dir() -> Path:
    """Where the official schemas are: $DATASET_JSON_SCHEMAS, else ../shared/standards/dataset-json-1.1."""
    env = os.environ.get("DATASET_JSON_SCHEMAS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "standards" / "dataset-json-1.1"


@lru_cache(maxsize=4)
def _load_schema(path: str) -> dict:
    raw = Path(path).read_bytes()
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        return json.loads(raw.decode("utf-16"))
    return json.loads(raw.decode("utf-8-sig"))


def _errors(validator, instance, where: str) -> list[str]:
    return [
        f"{where}{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}"
        for e in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


def validate_dataset_json(path: str | os.PathLike[str], schema_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Every error of a .json file against dataset.schema.json, or of an .ndjson file
    against dataset-ndjson-schema.json (metadata line) and its RowData definition (rows).

    The published NDJSON schema refers to #/$defs/Column and #/$defs/SourceSystem,
    which it defines one level deeper; the references are pointed at those same
    definitions in memory (the file is not changed).
    """
    from jsonschema import Draft201909Validator

    folder = Path(schema_dir) if schema_dir else _schema_dir()
    if str(path).lower().endswith(".ndjson"):
        schema = json.loads(json.dumps(_load_schema(str(folder / "dataset-ndjson-schema.json"))))
        defs = schema["$defs"]
        meta_props = defs["DatasetMetadata"]["properties"]
        defs.setdefault("Column", meta_props["columns"]["items"]["Column"])
        defs.setdefault("DataTypesEnum", meta_props["columns"]["items"]["DataTypesEnum"])
        defs.setdefault("SourceSystem", meta_props["sourceSystem"]["SourceSystem"])
        meta, rows = load_dataset_json(path)
        errors = _errors(Draft201909Validator(schema), meta, "line 1: ")
        row_validator = Draft201909Validator({"$schema": schema["$schema"], "$defs": defs, "$ref": "#/$defs/RowData"})
        errors += _errors(row_validator, {"rows": rows}, "rows: ")
        for n, row in enumerate(rows, start=2):
            if not isinstance(row, list) or len(row) != len(meta.get("columns", [])):
                errors.append(f"line {n}: a row must be an array of {len(meta.get('columns', []))} values")
        return errors
    schema = _load_schema(str(folder / "dataset.schema.json"))
    doc = json.loads(Path(path).read_bytes().decode("utf-8"))
    errors = _errors(Draft201909Validator(schema), doc, "")
    for n, row in enumerate(doc.get("rows", []), start=1):
        if not isinstance(row, list) or len(row) != len(doc.get("columns", [])):
            errors.append(f"rows/{n - 1}: a row must be an array of {len(doc.get('columns', []))} values")
    return errors
