"""Screening the raw export before mapping: duplicate rows and unknown subjects.

A row that repeats an earlier row of the same form in every field (the row
number and the EDC's record position aside) is rejected as a duplicate; a row
of a subject absent from the demographics form is rejected too, since SDTM
holds no record of a subject without DM; a further row of a subject in the
demographics form is rejected (DM holds one record per subject, the first row
is kept). Every rejected row is listed in the
issue log with the reason. The rows stay in the raw export, so that the
mapping still reports each of their fields' problems; the mapping drops them
from the records it makes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.config import RawSettings
from specs.limits import MAX_VALUE_BYTES
from specs.schema import per_unique

from .issues import IssueLog
from .raw import FORM, ROW, SUBJECT, FieldValues, RawData
from .suppqual import split_loses_blanks


def screen_raw(
    raw: RawData,
    *,
    demographics_form: str,
    subject_field: str,
    issues: IssueLog,
    ignore_fields: tuple[str, ...] = (RawSettings.record_position_field,),
    keep_duplicates: bool = False,
    field_values: FieldValues | None = None,
) -> pd.DataFrame:
    """The rejected rows (_FORM, _ROW): duplicates, rows of subjects not in demographics and
    further demographics rows of a subject.

    ignore_fields: the EDC's bookkeeping columns that differ between two copies
    of one record (the study's [raw] record_position_field).

    keep_duplicates: a study whose raw export lacks the field that tells two
    records apart (a sequence number the EDC did not export) keeps its repeated
    rows; each is still reported, with the action "kept" (but for the
    demographics form, which holds one row per subject).
    """
    field_values = field_values or FieldValues(raw)
    dm = raw.form(demographics_form)
    known = set(dm[SUBJECT])
    rejected: list[pd.DataFrame] = []
    for name, frame in raw.forms.items():
        content = [c for c in frame.columns if c not in (FORM, ROW) and c not in ignore_fields]
        duplicate = _duplicated(frame, content, codes=lambda col, form=name: _raw_codes(field_values, form, col))
        keep = keep_duplicates and name != demographics_form  # DM holds one record per subject
        if duplicate.any():
            first = frame.drop_duplicates(subset=content, keep="first")
            first_row = frame[content].merge(first[content + [ROW]], on=content, how="left")[ROW]
            first_row.index = frame.index
            issues.add_rows(
                frame,
                duplicate,
                severity="warning",
                kind="duplicate row",
                field=None,
                value="same as row " + first_row.astype(str),
                action="kept (the study keeps repeated rows)" if keep else "record rejected",
                message=f"duplicate of an earlier row of {name}",
            )
        if keep:
            duplicate = pd.Series(False, index=frame.index)
        codes, subjects = field_values.factorised(name, SUBJECT)  # each distinct subject looked up once
        # null (the last entry): known if DM has one; bool even for a form without rows
        in_dm = np.array([u in known for u in subjects] + [any(pd.isna(k) for k in known)], dtype=bool)
        unknown = pd.Series(~in_dm[codes], index=frame.index) & ~duplicate
        if unknown.any():
            issues.add_rows(
                frame,
                unknown,
                severity="error",
                kind="subject not in demographics",
                field=subject_field,
                value=frame[SUBJECT],
                action="record rejected",
                message=f"subject has no row in the demographics form {demographics_form}",
            )
        repeated = (
            _repeated_subject(frame, ~duplicate, issues, subject_field)
            if name == demographics_form
            else pd.Series(False, index=frame.index)
        )
        rejected.append(frame.loc[duplicate | unknown | repeated, [FORM, ROW]])
    return pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=[FORM, ROW])


def _repeated_subject(frame: pd.DataFrame, considered: pd.Series, issues: IssueLog, subject_field: str) -> pd.Series:
    """The demographics form's further rows of a subject (DM holds one record per subject),
    among the `considered` rows (those not already rejected as duplicate rows): each is
    reported with the subject's first row; the first row is the one kept."""
    repeated = frame[SUBJECT].duplicated(keep="first") & considered
    if repeated.any():
        first_row = frame.groupby(SUBJECT, sort=False)[ROW].transform("first")
        rows = frame[repeated]
        issues.add(
            severity="error",
            kind="subject repeated in demographics",
            form=rows[FORM],
            subject=rows[SUBJECT],
            row=rows[ROW],
            field=subject_field,
            value=rows[subject_field],
            action="record rejected (the subject's first row kept)",
            message=f"{rows[FORM].iloc[0]} holds one row per subject; this subject's first row is row "
            + first_row[repeated].astype(str),
        )
    return repeated


def _raw_codes(values: FieldValues, form: str, col: str) -> np.ndarray | None:
    """The column's value numbers (FieldValues.factorised) for a text column; None for others."""
    if values.raw.form(form)[col].dtype != object:
        return None
    return values.factorised(form, col)[0]


def _duplicated(frame: pd.DataFrame, columns: list[str], codes=None) -> pd.Series:
    """frame.duplicated(subset=columns, keep="first"), decided on the rows that can repeat another.

    Columns are compared one by one: a row whose values so far no other row
    shares cannot repeat one, so the next column is compared on the remaining
    rows only (most rows drop out after a few columns). codes(column): the
    column's value numbers for every row, when already known (or None).
    """
    rows = np.arange(len(frame))
    group = np.zeros(len(frame), dtype=np.int64)  # rows with the same values so far share a group
    for col in columns:
        known = codes(col) if codes is not None else None
        if known is not None:
            codes_now = known[rows]
        else:
            codes_now = pd.factorize(frame[col].to_numpy()[rows], use_na_sentinel=True)[0]
        codes_now = codes_now.astype(np.int64)
        group = pd.factorize(group * (codes_now.max(initial=0) + 2) + codes_now + 1)[0]
        shared = np.bincount(group)[group] > 1
        rows, group = rows[shared], group[shared]
    duplicate = pd.Series(False, index=frame.index)
    duplicate.iloc[rows] = frame.iloc[rows].duplicated(subset=columns, keep="first").to_numpy()
    return duplicate


def scan_text(
    raw: RawData, *, issues: IssueLog, limit: int = MAX_VALUE_BYTES, field_values: FieldValues | None = None
) -> None:
    """List every raw value with non-ASCII characters or over `limit` characters.

    This is a report of the raw export; what happens to a value that reaches
    SDTM (split into SUPP--, transliterated or refused by the transport file)
    is reported again where it happens.
    """
    field_values = field_values or FieldValues(raw)
    for name, frame in raw.forms.items():
        for col in frame.columns:
            if col in (FORM, ROW, SUBJECT) or frame[col].dtype != object:
                continue
            values = frame[col]
            codes, uniques = field_values.factorised(name, col)  # both tests look at each distinct value once
            if _plain(uniques, limit):  # the usual column: nothing to report
                continue
            distinct = pd.Series(
                pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(pd.Index(uniques, dtype=object))),
                index=values.index,
            )
            non_ascii = ~per_unique(distinct, str.isascii)
            if non_ascii.any():
                issues.add_rows(
                    frame,
                    non_ascii,
                    severity="warning",
                    kind="non-ASCII text",
                    field=col,
                    value=values,
                    action="reported",
                    message="non-ASCII characters in the raw export (SAS transport v5 holds ASCII only)",
                )
            long = ~per_unique(distinct, lambda v: len(v) <= limit)
            if long.any():
                issues.add_rows(
                    frame,
                    long,
                    severity="warning",
                    kind="text over 200 characters",
                    field=col,
                    value=values,
                    action="reported",
                    message=f"{values[long].str.len().max()} characters at most in this field; SDTM text is at most {limit}",
                )
                runs = per_unique(distinct, lambda v: len(v) <= limit or not split_loses_blanks(v.strip(), limit))
                if not runs.all():  # only a run of some 200 blanks does this
                    issues.add_rows(
                        frame,
                        ~runs,
                        severity="warning",
                        kind="blanks lost at the text split",
                        field=col,
                        value=values,
                        action="the run of blanks stands between two SUPP-- pieces",
                        message="a run of blanks too long for any 200-character piece: the pieces, "
                        "joined with one blank, lack the rest of the run",
                    )


def _plain(texts: pd.Index, limit: int) -> bool:
    """Every text ASCII and at most `limit` characters long (all tested at once)."""
    return "".join(texts).isascii() and max(map(len, texts), default=0) <= limit
