"""The last step of every recipe, and the reconciliation ledger.

`finish_dataset` keeps the spec's variables in spec order (lineage columns stay
until the write step), sorts by the spec's keys and validates with the schema
built from the spec. `reconcile` counts, for each raw form, the rows read,
mapped into SDTM, deliberately not submitted and rejected (with reason): a form
balances when every row read is one of those.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.model import Spec
from specs.schema import FAILURE_COLUMNS, is_text, text_categorical, validate_frame

from .issues import IssueLog
from .raw import FORM, LINEAGE, NULL, ROW, SUBJECT, RawData, is_lineage
from .timing import key_order

NUMERIC = {"integer", "float"}


def finish_dataset(frame: pd.DataFrame, *, spec: Spec, dataset: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the dataset in spec order and key order, its schema failures)."""
    columns = {}
    not_numbers: dict[str, np.ndarray] = {}  # variable -> the values that are not numbers (None where they are)
    for var in spec.variables_of(dataset):
        if var.name in frame.columns:
            column = frame[var.name]
            if var.data_type in NUMERIC:
                numbers = pd.to_numeric(column, errors="coerce").astype("float64").to_numpy()
                given = column.to_numpy(dtype=object)
                lost = np.isnan(numbers) & ~pd.isna(given)
                if lost.any():
                    lost &= np.array([not (isinstance(v, str) and not v.strip()) for v in given], dtype=bool)
                if lost.any():  # reported below as schema failures, never set to null unseen
                    not_numbers[var.name] = np.where(lost, given, NULL)
                columns[var.name] = numbers
            elif isinstance(column.dtype, pd.CategoricalDtype) and is_text(column.cat.categories):
                columns[var.name] = column.array  # text_columns: sorted and validated as it is
            else:
                values = column.to_numpy(dtype=object)
                null = pd.isna(values)
                columns[var.name] = np.where(null, None, values) if null.any() else values
        elif var.effective_core != "Perm":
            columns[var.name] = np.full(
                len(frame),
                np.nan if var.data_type in NUMERIC else None,
                dtype="float64" if var.data_type in NUMERIC else object,
            )
    for col in LINEAGE:
        if col in frame.columns:
            columns[col] = frame[col].to_numpy()
    out = pd.DataFrame(columns, index=frame.index, copy=False)
    keys = [k for k in spec.dataset(dataset).keys if k in out.columns]
    tie = [c for c in (FORM, ROW) if c in out.columns]
    order = key_order(out, keys + tie)
    columns = {name: values[order] for name, values in columns.items()}
    out = pd.DataFrame(
        {
            name: _text_values(values) if isinstance(values, pd.Categorical) else values
            for name, values in columns.items()
        },
        copy=False,
    )
    # validated with its text categoricals (the lineage columns are not the spec's: not validated)
    failures = validate_frame(pd.DataFrame(columns, copy=False), spec, dataset)
    if not_numbers:
        failures = pd.concat([failures, _not_numbers(out, spec, dataset, not_numbers, order)], ignore_index=True)
    return out, failures


def _not_numbers(
    out: pd.DataFrame, spec: Spec, dataset: str, values: dict[str, np.ndarray], order: np.ndarray
) -> pd.DataFrame:
    """A schema failure for each value of a numeric variable that is not a number (written as null)."""
    keys = [k for k in spec.dataset(dataset).keys if k in out.columns and k != "STUDYID"]
    rows = []
    for name, given in values.items():
        placed = given[order]  # in the dataset's final order
        for row in np.flatnonzero(pd.notna(placed)):
            key = ", ".join(f"{k}={out[k].iat[row]}" for k in keys) or None
            rows.append(
                {
                    "dataset": dataset,
                    "variable": name,
                    "row": int(row),
                    "key": key,
                    "value": placed[row],
                    "check": "number",
                    "severity": "error",
                    "message": f"{dataset}.{name} is numeric and {placed[row]!r} is not a number: written as null",
                }
            )
    return pd.DataFrame(rows, columns=FAILURE_COLUMNS, dtype=object)


def text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each column of strings and nulls as a categorical of its distinct strings.

    The finishing steps then look at each distinct text once (non-ASCII, long
    text, sort order, the schema's checks) instead of hashing every row again;
    finish_dataset turns them back into plain text columns (nulls None).
    """
    out = frame.copy(deep=False)
    for col in frame.columns:
        if frame[col].dtype == object and not col.startswith("_"):
            categorical = text_categorical(frame[col])
            if categorical is not None:
                out[col] = categorical
    return out


def derive_var_stresn(frame: pd.DataFrame, *, stresc: str, stresn: str) -> pd.DataFrame:
    """--STRESN: --STRESC as a number where it is one (a finite number written plainly) and no
    rule gave --STRESN; elsewhere as mapped (null when nothing gave it)."""
    codes, uniques = pd.factorize(frame[stresc].astype(object).to_numpy(), use_na_sentinel=True)
    numbers = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").astype("float64").to_numpy()
    numbers = np.append(np.where(np.isfinite(numbers), numbers, np.nan), np.nan)[codes]  # null (code -1): NaN
    out = frame.copy(deep=False)
    given = (
        pd.to_numeric(frame[stresn], errors="coerce").astype("float64").to_numpy()
        if stresn in frame.columns
        else np.full(len(frame), np.nan)
    )
    out[stresn] = np.where(np.isnan(given), numbers, given)
    return out


def _text_values(values: pd.Categorical) -> np.ndarray:
    """A text categorical as an object array of its strings, None for null."""
    return np.append(values.categories.to_numpy(dtype=object), NULL)[values.codes]


def drop_lineage(frame: pd.DataFrame, *, copy: bool = True) -> pd.DataFrame:
    """The frame without its lineage columns (copy=False: the columns are shared, for reading only)."""
    if copy:
        return frame.drop(columns=[c for c in frame.columns if is_lineage(c)])
    return pd.DataFrame({c: frame[c] for c in frame.columns if not is_lineage(c)}, index=frame.index, copy=False)


LEDGER_COLUMNS = ["form", "read", "mapped", "not_submitted", "rejected", "unaccounted", "balanced"]


def reconcile(
    raw: RawData,
    datasets: dict[str, pd.DataFrame],
    not_submitted: pd.DataFrame,
    issues: IssueLog,
    joined: list[pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """One row per raw form: read = mapped + not submitted + rejected (+ unaccounted, which must be 0).

    A row counts as mapped when at least one SDTM record traces back to it; a
    row both mapped and rejected elsewhere counts as mapped. Rows no rule took
    are logged as issues ("not mapped") so that none goes unseen.
    """
    parts = [d[[FORM, ROW]] for d in datasets.values() if FORM in d.columns and ROW in d.columns] + list(joined or [])
    mapped: dict[str, list[np.ndarray]] = {}  # form: the rows of it that SDTM records trace back to
    for part in parts:
        forms, form_names = pd.factorize(part[FORM].to_numpy())
        row_numbers = part[ROW].to_numpy()
        for k, form in enumerate(form_names):
            mapped.setdefault(form, []).append(row_numbers[forms == k])
    table = issues.frame()
    rejected = table[table["action"].astype(str).str.startswith("record rejected")][["form", "row"]]
    rejected = rejected.rename(columns={"form": FORM, "row": ROW}).drop_duplicates()
    rows = []
    for name, frame in sorted(raw.forms.items()):
        ids = frame[ROW]
        in_mapped = pd.Series(_marked(ids.to_numpy(), mapped.get(name, [])), index=ids.index)
        in_ns = ids.isin(not_submitted.loc[not_submitted["_FORM"] == name, "_ROW"]) & ~in_mapped
        in_rej = ids.isin(rejected.loc[rejected[FORM] == name, ROW]) & ~in_mapped & ~in_ns
        unaccounted = ~(in_mapped | in_ns | in_rej)
        if unaccounted.any():
            issues.add_rows(
                frame,
                unaccounted,
                severity="error",
                kind="not mapped",
                field=None,
                value=None,
                action="not in SDTM",
                message=f"no mapping rule of the spec took this row of form {name}",
            )
        rows.append(
            {
                "form": name,
                "read": len(frame),
                "mapped": int(in_mapped.sum()),
                "not_submitted": int(in_ns.sum()),
                "rejected": int(in_rej.sum()),
                "unaccounted": int(unaccounted.sum()),
                "balanced": bool(not unaccounted.any()),
            }
        )
    return pd.DataFrame(rows, columns=LEDGER_COLUMNS)


def _marked(ids: np.ndarray, found: list[np.ndarray]) -> np.ndarray:
    """For each row number in `ids`, whether it is among the `found` row numbers."""
    numbers = np.concatenate(found) if found else np.array([], dtype=np.int64)
    if (
        len(ids)
        and ids.dtype.kind in "iu"
        and numbers.dtype.kind in "iu"
        and ids.min() >= 0
        and ids.max() <= 2 * len(ids)
    ):
        marks = np.zeros(int(ids.max()) + 1, dtype=bool)  # row numbers 1..n: a table of marks, no hashing
        marks[numbers[(numbers >= 0) & (numbers < len(marks))]] = True
        return marks[ids]
    return pd.Series(ids).isin(numbers).to_numpy()


def reject_rows(
    frame: pd.DataFrame,
    mask: pd.Series,
    *,
    issues: IssueLog,
    dataset: str,
    kind: str,
    reason: str,
    field: str | None = None,
    severity: str = "error",
) -> pd.DataFrame:
    """Drop the records where `mask`, each listed in the issue log as rejected with the reason."""
    mask = mask.reindex(frame.index, fill_value=False).astype(bool)
    if mask.any():
        issues.add_rows(
            frame,
            mask,
            severity=severity,
            kind=kind,
            field=field,
            value=frame[field] if field and field in frame.columns else None,
            dataset=dataset,
            action="record rejected",
            message=reason,
        )
    return frame[~mask]


__all__ = [
    "finish_dataset",
    "derive_var_stresn",
    "text_columns",
    "drop_lineage",
    "reconcile",
    "reject_rows",
    "LEDGER_COLUMNS",
    "SUBJECT",
]
