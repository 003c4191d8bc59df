"""Supplemental qualifiers, long text and non-ASCII text.

- `create_supp` builds a SUPP-- dataset from parent columns, with QLABEL, QORIG
  and QEVAL taken from the spec's value-level metadata for SUPP--.QVAL.
- `split_long_text` keeps the first 200 characters of a text variable in the
  parent and puts the rest in SUPP-- as QNAM <VAR>1, <VAR>2 ... (SDTMIG 3.4
  section 4.5.3.2), splitting between words where it can: no piece begins or
  ends in a blank, and the pieces joined with a blank where the text was split
  between words give the text back.
- `check_ascii` lists every non-ASCII value by record; transliteration happens
  only when the caller asks for it.
- `derive_vars_supp` gives a dataset its SUPP--: the spec's qualifiers and the
  text over 200 characters, each long text reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.limits import MAX_NAME, MAX_VALUE_BYTES
from specs.model import Spec
from specs.schema import as_categorical, per_unique

from .issues import IssueLog
from .raw import FORM, ROW, SUBJECT, joined_lineage


def split_pieces(text: str, limit: int = MAX_VALUE_BYTES) -> list[tuple[str, str]]:
    """The text in pieces of at most `limit` characters, each with what stood before it
    in the text: "" (the first piece, or a cut inside a word) or " " (a split between
    words: the blank is in neither piece).

    A piece never begins or ends in a blank (any whitespace: a transport file
    does not keep a trailing one; the first piece begins as the text does) and
    no character is lost: the pieces joined
    with what stood before them give the text back. Each split is at the last
    single blank between two words that leaves a piece of at most `limit`
    characters (SDTMIG 3.4 section 4.5.3.2: split between words), else, inside
    a word longer than a piece, after the `limit`-th character that is not a
    blank followed by another. Only a text holding a run of blanks so long that
    no piece can hold it with its neighbours (some 200 blanks in a row) cannot
    be split so: there the run stands between two pieces whole (`separator` is
    the run) and a reader joining the pieces with one blank loses the rest of
    it (a run at the very end is dropped); see `split_loses_blanks`.
    """
    pieces: list[tuple[str, str]] = []
    rest, before = text, ""
    while len(rest) > limit:
        cut, skip = _cut(rest, limit)
        pieces.append((rest[:cut], before))
        before, rest = rest[cut:skip], rest[skip:]
    if rest or not pieces:
        pieces.append((rest, before))
    return pieces


def _cut(rest: str, limit: int) -> tuple[int, int]:
    """(end of the next piece, start of the one after) in `rest` (longer than `limit`)."""
    blank = str.isspace
    for i in range(limit, 0, -1):  # between words: a single blank with a word on each side
        if rest[i] == " " and not blank(rest[i - 1]) and i + 1 < len(rest) and not blank(rest[i + 1]):
            return i, i + 1
    for i in range(limit, 0, -1):  # inside a word: two characters that are not blanks
        if not blank(rest[i - 1]) and not blank(rest[i]):
            return i, i
    # a run of blanks no piece can hold: the run between two pieces (before the first,
    # empty one when the text itself begins with it)
    end = len(rest[:limit].rstrip())
    return end, len(rest) - len(rest[end:].lstrip())


def split_text(text: str, limit: int = MAX_VALUE_BYTES) -> list[str]:
    """The pieces of `split_pieces` (at most `limit` characters, none beginning or ending
    in a blank, split between words where a blank allows)."""
    return [piece for piece, _ in split_pieces(text, limit)]


def split_loses_blanks(text: str, limit: int = MAX_VALUE_BYTES) -> bool:
    """Whether joining the pieces of `text` with a blank where it was split between words
    misses blanks: a run of blanks too long for any piece (see split_pieces)."""
    return "".join(("" if before == "" else " ") + piece for piece, before in split_pieces(text, limit)) != text


def split_long_text(
    frame: pd.DataFrame, *, variable: str, limit: int = MAX_VALUE_BYTES
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """(frame with `variable` cut to its first piece, {QNAM: overflow pieces}) for SUPP--."""
    values = frame[variable].astype(object)  # a text categorical (finish.text_columns) as plain text
    long = values.map(lambda v: isinstance(v, str) and len(v) > limit)
    out = frame.copy()
    extra: dict[str, pd.Series] = {}
    if not long.any():
        return out, extra
    out[variable] = values
    pieces = values[long].map(lambda v: split_text(v, limit))
    out.loc[long, variable] = pieces.map(lambda p: p[0])
    most = int(pieces.map(len).max())
    for k in range(1, most):
        qnam = f"{variable[: MAX_NAME - 1]}{k}" if len(variable) >= MAX_NAME else f"{variable}{k}"
        column = pd.Series([None] * len(frame), index=frame.index, dtype=object)
        column[long] = pieces.map(lambda p, k=k: p[k] if len(p) > k else None)
        extra[qnam] = column
    return out, extra


def supp_metadata(spec: Spec, supp: str) -> dict[str, dict]:
    """{QNAM: {label, origin, evaluator}} from the value-level metadata of SUPP--.QVAL."""
    meta: dict[str, dict] = {}
    for row in spec.value_list(supp, "QVAL"):
        clause = spec.where_clause(row.where_clause)
        for cond in clause.conditions:
            if cond.variable == "QNAM" and cond.comparator == "EQ":
                meta[cond.values[0]] = {
                    "label": row.label,
                    "origin": row.origin,
                    "evaluator": "INVESTIGATOR" if (row.source or "").lower() == "investigator" else None,
                }
    return meta


def create_supp(
    parent: pd.DataFrame,
    *,
    spec: Spec,
    supp: str,
    rdomain: str,
    idvar: str | None,
    qualifiers: dict[str, pd.Series],
    labels: dict[str, str] | None = None,
) -> pd.DataFrame:
    """A SUPP-- dataset: one record per parent record and non-null qualifier value.

    qualifiers: {QNAM: values aligned with `parent`}. Every QNAM must have
    value-level metadata in the spec (its label, origin and evaluator), unless a
    label is given in `labels` (the overflow QNAMs of split text).
    """
    meta = supp_metadata(spec, supp)
    frames = []
    for qnam, values in qualifiers.items():
        info = meta.get(qnam)
        if info is None:
            label = (labels or {}).get(qnam)
            if label is None:
                raise KeyError(
                    f"{supp}: QNAM {qnam} has no value-level metadata (ValueLevel {supp}.QVAL where QNAM EQ {qnam})"
                )
            info = {"label": label, "origin": "Collected", "evaluator": None}
        present = per_unique(values, lambda v: str(v).strip() != "") & values.notna()  # each distinct value once
        if not present.any():
            continue
        rows = parent[present]
        frame = pd.DataFrame(
            {
                "STUDYID": rows["STUDYID"].to_numpy(),
                "RDOMAIN": rdomain,
                "USUBJID": rows["USUBJID"].to_numpy(),
                "IDVAR": idvar,
                "IDVARVAL": _per_distinct(rows[idvar], _idvarval) if idvar else None,
                "QNAM": qnam,
                "QLABEL": info["label"],
                "QVAL": values[present].astype(str).to_numpy(),
                "QORIG": info["origin"],
                "QEVAL": info["evaluator"],
            }
        )
        for col in (FORM, ROW, SUBJECT):
            if col in rows.columns:
                frame[col] = rows[col].to_numpy()
        form_col, row_col = joined_lineage(qnam)  # a value joined from another form points to its own row
        if form_col in rows.columns:
            own = rows[form_col].notna().to_numpy()
            frame.loc[own, FORM] = rows[form_col].to_numpy()[own]
            frame.loc[own, ROW] = rows[row_col].to_numpy()[own]
        frames.append(frame)
    if not frames:
        columns = ["STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM", "QLABEL", "QVAL", "QORIG", "QEVAL"]
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)


def _per_distinct(values: pd.Series, fn) -> np.ndarray:
    """fn of each value, computed once per distinct number (other values: one by one,
    since 1, 1.0 and True are one value to factorize)."""
    if values.dtype.kind not in "fiu":
        return values.map(fn).to_numpy()
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.array([fn(u) for u in uniques], dtype=object)[codes]


def _idvarval(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def non_ascii_mask(values: pd.Series) -> pd.Series:
    """True where a text value has a non-ASCII character; each distinct value is tested once."""
    distinct = as_categorical(values)
    if "".join(map(str, distinct.cat.categories)).isascii():  # the usual column: every distinct value tested at once
        return pd.Series(False, index=values.index)
    return ~per_unique(
        distinct, lambda v: not isinstance(v, str) or v.isascii()
    )  # nulls pass per_unique: never flagged


def long_text_mask(values: pd.Series, limit: int = MAX_VALUE_BYTES) -> pd.Series:
    """True where a text value is over `limit` characters; each distinct value is tested once."""
    distinct = as_categorical(values)
    if max(map(len, map(str, distinct.cat.categories)), default=0) <= limit:  # the usual column: tested at once
        return pd.Series(False, index=values.index)
    return ~per_unique(distinct, lambda v: not isinstance(v, str) or len(v) <= limit)  # nulls pass: never long


def check_ascii(frame: pd.DataFrame, *, dataset: str, issues: IssueLog, transliterate: bool = False) -> pd.DataFrame:
    """Report every non-ASCII text value by record; transliterate only when asked.

    A transport file holds ASCII only. With `transliterate` the characters are
    spelled in ASCII (Chinese as pinyin); without it each non-ASCII character
    is replaced by '?', so the record and the rest of its text still reach the
    file. Either way every value is listed with its record.
    """
    out = frame.copy(deep=False)  # a changed column is replaced whole
    for col in frame.columns:
        if col.startswith("_") or not (frame[col].dtype == object or isinstance(frame[col].dtype, pd.CategoricalDtype)):
            continue
        mask = non_ascii_mask(frame[col])
        if not mask.any():
            continue
        values = frame[col].astype(object)  # a text categorical (finish.text_columns) as plain text
        if transliterate:
            from anyascii import anyascii

            out[col] = values.mask(mask, values[mask].map(lambda v: anyascii(v).strip()))
        else:
            out[col] = values.mask(mask, values[mask].map(lambda v: "".join(c if c.isascii() else "?" for c in v)))
        lineage = all(c in frame.columns for c in (FORM, ROW, SUBJECT))
        kwargs = dict(
            severity="warning" if transliterate else "error",
            kind="non-ASCII text",
            field=col,
            dataset=dataset,
            variable=col,
            action="transliterated to ASCII" if transliterate else "non-ASCII characters written as '?'",
            message="SAS transport v5 holds ASCII only; correct the source or ask for transliteration",
        )
        if lineage:
            issues.add_rows(frame, mask, value=frame[col], **kwargs)
        else:
            issues.add(
                form=None,
                subject=frame.loc[mask, "USUBJID"] if "USUBJID" in frame else None,
                row=np.flatnonzero(mask.to_numpy()) + 1,
                value=frame.loc[mask, col],
                **kwargs,
            )
    return out


def split_text_variables(
    frame: pd.DataFrame, *, spec: Spec, dataset: str, issues: IssueLog
) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Text over 200 characters: the first 200 stay, the rest goes to SUPP--, each reported.

    A dataset whose spec has the continuation variables (CO: COVAL1, COVAL2 ...)
    keeps the rest in them instead (SDTMIG 3.4 CO assumption).
    """
    overflow: dict[str, pd.Series] = {}
    for var in spec.variables_of(dataset):
        if var.data_type != "text" or var.name not in frame.columns:
            continue
        long = long_text_mask(frame[var.name])
        if not long.any():
            continue
        own = _declares(spec, dataset, f"{var.name[: MAX_NAME - 1] if len(var.name) >= MAX_NAME else var.name}1")
        issues.add_rows(
            frame,
            long,
            severity="warning",
            kind="text over 200 characters",
            field=None,
            value=frame[var.name],
            dataset=dataset,
            variable=var.name,
            action=f"first 200 characters kept; the rest in {f'{var.name}1, ...' if own else f'SUPP{dataset}'}",
            message="SDTMIG 3.4 section 4.5.3.2",
        )
        frame, extra = split_long_text(frame, variable=var.name)
        overflow.update(extra)
    return frame, overflow


def derive_vars_supp(
    frame: pd.DataFrame, *, spec: Spec, dataset: str, qualifiers: tuple[str, ...], issues: IssueLog
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(the parent dataset, its SUPP-- dataset or None): the supplemental qualifiers
    `qualifiers` (QNAMs, columns of the parent) and the text the parent cannot hold.

    A text variable over 200 characters keeps its first 200 in the parent and the
    rest goes to QNAMs <VAR>1, <VAR>2 ... (or to the parent's own continuation
    variables: CO's COVAL1 ...); a qualifier over 200 characters continues in the
    QNAMs that follow it the same way. Each is reported. Without SUPP-- in the spec
    the text cut off is an error. IDVAR is --SEQ when the parent has it.
    """
    frame, overflow = split_text_variables(frame, spec=spec, dataset=dataset, issues=issues)
    for qnam in [q for q in overflow if _declares(spec, dataset, q)]:  # CO's COVAL1..n: in the dataset
        frame[qnam] = overflow.pop(qnam)
    quals = {q: frame[q] for q in qualifiers if q in frame.columns}
    for q in list(quals):  # a qualifier's value over 200 characters continues in QNAM1, QNAM2 ...
        long = long_text_mask(quals[q])
        if long.any():
            issues.add_rows(
                frame,
                long,
                severity="warning",
                kind="text over 200 characters",
                field=None,
                value=quals[q],
                dataset=f"SUPP{dataset}",
                variable=q,
                action=f"first 200 characters in QNAM {q}; the rest in the QNAMs that follow",
                message="SDTMIG 3.4 section 4.5.3.2",
            )
            split, extra = split_long_text(pd.DataFrame({q: quals[q]}), variable=q)
            quals[q] = split[q]
            overflow.update(extra)
    quals.update(overflow)
    supp_name = f"SUPP{dataset}"
    if quals and spec.has_dataset(supp_name):
        seq = f"{dataset}SEQ"
        labels = {q: f"{q[:-1]} (continued)" for q in overflow}
        supp = create_supp(
            frame,
            spec=spec,
            supp=supp_name,
            rdomain=dataset,
            idvar=seq if seq in frame.columns else None,
            qualifiers=quals,
            labels=labels,
        )
        return frame, supp
    if overflow:
        cut = pd.concat(list(overflow.values()), axis=1).notna().any(axis=1)
        issues.add_rows(
            frame,
            cut,
            severity="error",
            kind="text over 200 characters",
            field=None,
            dataset=dataset,
            action="cut to 200 characters",
            message=f"{supp_name} is not in the spec to hold the rest of the text",
        )
    return frame, None


def _declares(spec: Spec, dataset: str, name: str) -> bool:
    return any(v.name == name for v in spec.variables_of(dataset))
