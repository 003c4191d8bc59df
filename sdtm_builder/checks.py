"""Checks of mapped records that are reported, never acted on silently:
an end date before its start date, a findings record without a result."""

from __future__ import annotations

import pandas as pd

from .dates import iso_date_part
from .issues import IssueLog
from .mapping import condition_mask
from .raw import FORM, ROW, SUBJECT


def source_field(run, frame: pd.DataFrame, dataset: str, variable: str) -> pd.Series:
    """For each record, the raw field its `variable` came from (by the Mapping rule that set it)."""
    out = pd.Series(None, index=frame.index, dtype=object)
    if FORM not in frame.columns:
        return out
    for form, records in frame.groupby(FORM, sort=False):
        rules = [r for r in run.spec.mapping_for(dataset) if r.variable == variable and r.form == form and r.field]
        if not rules or not run.raw.has_form(form):
            continue
        raw = run.raw.form(form).set_index(ROW).reindex(records[ROW].to_numpy())
        raw.index = records.index
        for rule in rules:
            holds = condition_mask(raw.fillna(""), rule.condition, form)
            out[holds[holds].index] = rule.field
    return out


def check_dates(frame: pd.DataFrame, *, dataset: str, issues: IssueLog, fields=None) -> None:
    """An end date before its start date is listed (the record is kept as collected)."""
    start, end = f"{dataset}STDTC", f"{dataset}ENDTC"
    if start not in frame.columns or end not in frame.columns:
        return
    s, e = iso_date_part(frame[start]), iso_date_part(frame[end])
    bad = s.notna() & e.notna() & (e < s)
    if bad.any() and all(c in frame.columns for c in (FORM, ROW, SUBJECT)):
        field = fields(end)[bad] if fields else None
        issues.add_rows(
            frame,
            bad,
            severity="error",
            kind="end before start",
            field=field,
            value=frame[start].astype(str) + " > " + frame[end].astype(str),
            dataset=dataset,
            variable=end,
            action="kept as collected",
            message=f"{end} is before {start}",
        )


def check_results(frame: pd.DataFrame, *, dataset: str, issues: IssueLog, fields=None) -> None:
    """A findings record with neither a result nor a not-done status is listed."""
    orres, stat = f"{dataset}ORRES", f"{dataset}STAT"
    if orres not in frame.columns or not all(c in frame.columns for c in (FORM, ROW, SUBJECT)):
        return
    status = frame[stat] if stat in frame.columns else pd.Series(None, index=frame.index)
    missing = frame[orres].isna() & status.isna()
    if missing.any():
        field = fields(orres)[missing] if fields else None
        issues.add_rows(
            frame,
            missing,
            severity="warning",
            kind="missing result",
            field=field,
            value=None,
            dataset=dataset,
            variable=orres,
            action="kept without a result",
            message=f"{orres} is empty and {stat} does not say NOT DONE",
        )
