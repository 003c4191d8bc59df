"""Screening the raw export before mapping: duplicate rows and unknown subjects.

A row that repeats an earlier row of the same form in every field (the row
number and the EDC's record position aside) is rejected as a duplicate; a row
of a subject absent from the demographics form is rejected too, since SDTM
holds no record of a subject without DM. Every rejected row is listed in the
issue log with the reason; the forms returned hold only the rows kept.
"""
from __future__ import annotations

import pandas as pd

from .issues import IssueLog
from .raw import FORM, ROW, SUBJECT, RawData

# EDC bookkeeping columns that differ between two copies of the same record
POSITION_FIELDS = ("RECORDPOSITION",)


def screen_raw(raw: RawData, *, demographics_form: str, subject_field: str, issues: IssueLog,
               ignore_fields: tuple[str, ...] = POSITION_FIELDS) -> RawData:
    """The raw export less duplicate rows and rows of subjects not in demographics."""
    dm = raw.form(demographics_form)
    known = set(dm[SUBJECT])
    kept: dict[str, pd.DataFrame] = {}
    for name, frame in raw.forms.items():
        content = [c for c in frame.columns if c not in (FORM, ROW) and c not in ignore_fields]
        duplicate = frame.duplicated(subset=content, keep="first")
        if duplicate.any():
            first = frame.drop_duplicates(subset=content, keep="first")
            first_row = frame[content].merge(first[content + [ROW]], on=content, how="left")[ROW]
            first_row.index = frame.index
            issues.add_rows(frame, duplicate, severity="warning", kind="duplicate row", field=None,
                            value="same as row " + first_row.astype(str),
                            action="record rejected", message=f"duplicate of an earlier row of {name}")
        unknown = ~frame[SUBJECT].isin(known) & ~duplicate
        if unknown.any():
            issues.add_rows(frame, unknown, severity="error", kind="subject not in demographics", field=subject_field,
                            value=frame[SUBJECT], action="record rejected",
                            message=f"subject has no row in the demographics form {demographics_form}")
        kept[name] = frame[~duplicate & ~unknown]
    return RawData(raw.folder, kept)
