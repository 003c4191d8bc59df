"""The finishing step every ADaM recipe ends with.

`finish_adam(frame, spec=spec, dataset="ADRS")`:
1. sort by the dataset's keys (missing values last);
2. ASEQ, where the spec has it: 1, 2, ... per subject in key order;
3. keep the spec's variables only, in spec order (a Req/Exp variable the
   recipe did not derive is reported by the schema, not invented);
4. each variable in the toolkit's frame convention: text as str or None,
   numbers float64, numeric dates datetime64;
5. validate with the pandera schema built from the spec.
Returns the finished frame and the table of schema failures.
"""

from __future__ import annotations

import pandas as pd

from specs.model import Spec
from specs.schema import NUMERIC_TYPES, validate_frame

from .common import fresh, text


def _is_date_variable(var) -> bool:
    return (
        bool(var.display_format)
        and var.data_type in NUMERIC_TYPES
        and any(var.display_format.upper().startswith(p) for p in ("DATE", "DATETIME", "E8601", "IS8601", "YYMMDD"))
    )


def finish_adam(frame: pd.DataFrame, *, spec: Spec, dataset: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    variables = spec.variables_of(dataset)
    names = [v.name for v in variables]
    keys = [k for k in spec.dataset(dataset).keys if k in frame.columns]
    out = frame.sort_values(keys, kind="mergesort", na_position="last") if keys else frame.pipe(fresh)
    out = out.reset_index(drop=True)
    if "ASEQ" in names and "USUBJID" in out.columns:
        out["ASEQ"] = (out.groupby("USUBJID", sort=False).cumcount() + 1).astype("float64")
    out = out[[n for n in names if n in out.columns]].pipe(fresh)
    for var in variables:
        if var.name not in out.columns:
            continue
        column = out[var.name]
        if _is_date_variable(var):
            if not pd.api.types.is_datetime64_any_dtype(column):
                out[var.name] = pd.to_datetime(column, errors="coerce")
        elif var.data_type in NUMERIC_TYPES:
            if pd.api.types.is_datetime64_any_dtype(column):
                continue  # reported by the schema: a date without a date format
            out[var.name] = pd.to_numeric(column, errors="coerce").astype("float64")
        elif column.dtype != object or column.isna().any():
            out[var.name] = text(column) if column.dtype != object else column.where(column.notna(), None)
    failures = validate_frame(out, spec, dataset)
    return out, failures


def empty_failures() -> pd.DataFrame:
    from specs.schema import FAILURE_COLUMNS

    return pd.DataFrame(columns=FAILURE_COLUMNS)


def concat_failures(tables: list[pd.DataFrame]) -> pd.DataFrame:
    tables = [t for t in tables if t is not None and not t.empty]
    return pd.concat(tables, ignore_index=True) if tables else empty_failures()
