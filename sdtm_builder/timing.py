"""Identifiers and timing: --SEQ, --DY, VISIT/VISITNUM, VISITDY, EPOCH, TAETORD, --LOBXFL.

Derivations take the dataset first and the rest by keyword, return a new frame
and never change their input. The new frame shares the input's columns (a
shallow copy): a derivation sets whole columns, never writes into one.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from specs.schema import is_text

from .dates import iso_date_part, study_day
from .raw import FORM, ROW

_FIRST_DAY = np.datetime64("1677-09-21", "D").astype(np.int64)  # before the earliest date a datetime64[ns] holds


def assert_columns(frame: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise KeyError(
            f"{what}: the dataset lacks the column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}"
        )


def derive_var_seq(frame: pd.DataFrame, *, seq_var: str, keys: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """--SEQ: 1, 2, ... within USUBJID, in the order of the spec's keys.

    Ties (records equal on every key) keep the raw order (form, row), so the
    numbering is the same on every run.
    """
    sort_keys = [k for k in keys if k not in (seq_var,) and k in frame.columns]
    if "USUBJID" not in sort_keys:
        sort_keys = ["USUBJID"] + sort_keys
    tie = [c for c in (FORM, ROW) if c in frame.columns]
    assert_columns(frame, ["USUBJID"], f"derive_var_seq({seq_var})")
    order = key_order(frame, sort_keys + tie)
    subject = subject_codes(frame["USUBJID"])[order]
    seq = np.empty(len(frame), dtype="float64")
    seq[order] = pd.Series(subject).groupby(subject, sort=False).cumcount().to_numpy() + 1.0
    seq[subject_codes(frame["USUBJID"]) < 0] = np.nan  # no subject, no number
    out = frame.copy(deep=False)
    out[seq_var] = seq
    return out


def subject_codes(usubjid: pd.Series) -> np.ndarray:
    """A number per distinct USUBJID (-1 for null); a categorical's own codes."""
    if isinstance(usubjid.dtype, pd.CategoricalDtype):
        return usubjid.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(usubjid.to_numpy(), use_na_sentinel=True)[0]


def subject_positions(usubjid: pd.Series, subjects: pd.Index) -> np.ndarray:
    """Each record's position in `subjects` (-1 where absent); for a categorical,
    each distinct USUBJID is looked up once."""
    if isinstance(usubjid.dtype, pd.CategoricalDtype):
        found = subjects.get_indexer(usubjid.cat.categories)
        return np.append(found, -1)[usubjid.cat.codes.to_numpy()]
    return subjects.get_indexer(usubjid)


def key_order(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The row positions in the order of frame.sort_values(columns, kind="stable", na_position="first").

    Each column's values are ranked (nulls first; whole numbers rank as
    themselves) and the ranks are the digits of one key, sorted once.
    """
    key = np.zeros(len(frame), dtype=np.int64)  # the columns' ranks as the digits of one number
    for c in columns:
        values = frame[c].array
        if isinstance(values, pd.Categorical) and is_text(values.categories):  # the distinct texts ranked once
            texts = values.categories.to_numpy()
            ranks = np.empty(len(texts) + 1, dtype=np.int64)
            ranks[np.argsort(texts, kind="stable")] = np.arange(1, len(texts) + 1)
            ranks[-1] = 0  # null (code -1) first
            rank = ranks[values.codes]
        elif (
            (values := np.asarray(values)).dtype.kind in "iub"
            and len(values)
            and int(values.max()) - int(values.min()) < 2**32
        ):
            rank = values.astype(np.int64) - int(values.min())  # whole numbers rank as themselves
        else:
            rank = pd.factorize(values, sort=True)[0] + 1  # null (-1) first
        size = int(rank.max(initial=0)) + 1
        if int(key.max(initial=0)) >= 2**62 // size:  # no room for another digit: the key renumbered, order kept
            key = pd.factorize(key, sort=True)[0]
        key = key * size + rank
    return np.argsort(key, kind="stable")


def derive_var_dy(frame: pd.DataFrame, *, dm: pd.DataFrame, dtc: str, dy: str) -> pd.DataFrame:
    """--DY from --DTC and DM.RFSTDTC (no day 0; null unless both dates are complete)."""
    assert_columns(frame, ["USUBJID", dtc], f"derive_var_dy({dy})")
    position = subject_positions(frame["USUBJID"], pd.Index(dm["USUBJID"]))
    reference = np.append(iso_date_part(dm["RFSTDTC"]).to_numpy(), np.datetime64("NaT", "ns"))[position]
    out = frame.copy(deep=False)
    out[dy] = study_day(iso_date_part(frame[dtc]).to_numpy(), reference)
    return out


# the longest prefix of an ISO 8601 date/time that is a whole date or time component
_ISO_PREFIX = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2}(?:T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)?)?)?")
_FULL_DATE = len("YYYY-MM-DD")


def derive_var_lobxfl(
    frame: pd.DataFrame,
    *,
    dm: pd.DataFrame,
    flag: str,
    by: tuple[str, ...] | list[str],
    dtc: str,
    results: tuple[str, ...] | list[str],
    stat: str | None = None,
    seq: str | None = None,
) -> pd.DataFrame:
    """--LOBXFL: "Y" on the last record with a result on or before the subject's first
    exposure (DM.RFXSTDTC), per USUBJID and the variables `by` (--TESTCD and what else
    tells a test, or a lesion, apart); null on every other record.

    - A record takes part when each of `results` (--ORRES, --STRESC) has a value and `stat`
      (--STAT) is null: a test not done, or done without a result, is never flagged.
    - On or before exposure is decided at the precision both dates carry: a date-only
      --DTC on the day of a dated-and-timed RFXSTDTC counts (pre-dose on the day of the
      first dose), as does a time up to the time of the first dose. A partial --DTC
      (year, or year and month) counts only when it is earlier than the exposure at its
      precision: 2023-05 is not surely before 2023-05-10.
    - The last is the latest --DTC (a partial date sorts before the complete dates it may
      stand for), then the highest `seq`, then the later record.
    - A subject without RFXSTDTC (never exposed) has no flag; nor has a record without --DTC.
    """
    assert_columns(frame, ["USUBJID", dtc, *results, *by], f"derive_var_lobxfl({flag})")
    position = subject_positions(frame["USUBJID"], pd.Index(dm["USUBJID"]))
    exposure = np.append(_iso_prefixes(dm["RFXSTDTC"]), "")[position]
    date = _iso_prefixes(frame[dtc])
    has_result = np.ones(len(frame), dtype=bool)
    for result in results:
        values = frame[result]
        has_result &= values.notna().to_numpy() & (values.astype(object).astype(str).str.strip() != "").to_numpy()
    if stat is not None and stat in frame.columns:
        has_result &= frame[stat].isna().to_numpy()
    eligible = has_result & _on_or_before(date, exposure)
    out = frame.copy(deep=False)
    flags = np.full(len(frame), None, dtype=object)
    rows = np.flatnonzero(eligible)
    if len(rows):
        candidates = pd.DataFrame(
            {
                "_subject": frame["USUBJID"].to_numpy()[rows],
                **{f"_by{i}": frame[c].astype(object).to_numpy()[rows] for i, c in enumerate(by)},
                "_date": date[rows],
                "_seq": frame[seq].to_numpy(dtype="float64")[rows] if seq and seq in frame.columns else 0.0,
                "_row": rows,
            }
        )
        keys = ["_subject", *(f"_by{i}" for i in range(len(by)))]
        candidates = candidates.sort_values(["_date", "_seq", "_row"], kind="stable")
        last = candidates.drop_duplicates(keys, keep="last")["_row"].to_numpy()
        flags[last] = "Y"
    out[flag] = flags
    return out


def _iso_prefixes(dtc: pd.Series) -> np.ndarray:
    """Each value's longest well-formed ISO 8601 prefix ("" for none); each distinct value read once."""
    codes, uniques = pd.factorize(dtc, use_na_sentinel=True)
    found = [_ISO_PREFIX.match(u.strip()) if isinstance(u, str) else None for u in uniques]
    texts = np.array([m.group(0) if m else "" for m in found] + [""], dtype=object)
    return texts[codes]


def _on_or_before(date: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """`date` is on or before `reference` at the precision both carry (ISO 8601 prefixes);
    equal counts when that precision is a whole date or finer, never when coarser."""
    out = np.zeros(len(date), dtype=bool)
    for i, (a, b) in enumerate(zip(date, reference, strict=True)):
        if not a or not b:
            continue
        n = min(len(a), len(b))
        if a[:n] < b[:n]:
            out[i] = True
        elif a[:n] == b[:n]:
            out[i] = n >= _FULL_DATE
    return out


def derive_vars_visit(
    frame: pd.DataFrame, *, tv: pd.DataFrame, visit_source: str, dtc: str, unscheduled: str = "UNSCHEDULED"
) -> pd.DataFrame:
    """VISIT and VISITNUM from the trial visits (TV).

    A raw visit that names a TV visit gets its VISITNUM. An unscheduled visit
    (raw visit equal to `unscheduled`, case-insensitive) is numbered after the
    last scheduled visit the subject had on or before its date: VISITNUM of that
    visit plus 0.01 for the first unscheduled one, 0.02 for the next, and VISIT
    "UNSCHEDULED <VISITNUM>". Anything else is left null (the caller reports it).
    """
    assert_columns(frame, ["USUBJID", visit_source, dtc], "derive_vars_visit")
    tv_num = dict(zip(tv["VISIT"].str.upper(), tv["VISITNUM"].astype(float), strict=False))
    # each distinct raw visit looked up once; null reads as ""
    subject = subject_codes(frame["USUBJID"])  # subjects as numbers: each is matched with itself only
    codes, uniques = pd.factorize(frame[visit_source], use_na_sentinel=True)
    names = np.array([str(u).strip().upper() for u in uniques] + [""], dtype=object)
    numbers = np.array([tv_num.get(name, np.nan) for name in names], dtype="float64")
    upper = names[codes]
    visitnum = pd.Series(numbers[codes], index=frame.index)
    out = frame.copy(deep=False)
    out["VISITNUM"] = visitnum
    out["VISIT"] = np.where(visitnum.notna(), upper, None)
    is_unsched = pd.Series(upper == unscheduled.upper(), index=frame.index)
    if is_unsched.any():
        date = iso_date_part(frame[dtc])
        # only the scheduled visits of subjects with a dated unscheduled one can place it
        placed = np.zeros(subject.max(initial=-1) + 2, dtype=bool)
        placed[subject[is_unsched.to_numpy() & date.notna().to_numpy()] + 1] = True  # null subject (-1) at 0
        relevant = placed[subject + 1]
        sched = pd.DataFrame({"USUBJID": subject, "date": date, "num": visitnum})[
            visitnum.notna() & date.notna() & relevant
        ]
        sched = sched.sort_values(["USUBJID", "date", "num"]).drop_duplicates(["USUBJID", "date"], keep="last")
        uns = pd.DataFrame({"USUBJID": subject, "date": date, "i": np.arange(len(frame))}, index=frame.index)[
            is_unsched.to_numpy()
        ]
        uns_known = uns[uns["date"].notna()].sort_values(["date", "i"])
        if not sched.empty and not uns_known.empty:
            merged = pd.merge_asof(uns_known, sched.sort_values("date"), on="date", by="USUBJID", direction="backward")
        else:
            merged = uns_known.assign(num=np.nan)
        merged["num"] = merged["num"].fillna(0.0)
        merged = merged.sort_values(["USUBJID", "num", "date", "i"])
        merged["k"] = merged.groupby(["USUBJID", "num"]).cumcount() + 1
        merged["visitnum"] = (merged["num"] + 0.01 * merged["k"]).round(2)
        positions = merged["i"].to_numpy()
        vn = out["VISITNUM"].to_numpy(copy=True)
        vn[positions] = merged["visitnum"].to_numpy()
        out["VISITNUM"] = vn
        labels = out["VISIT"].to_numpy(dtype=object, copy=True)
        labels[positions] = [f"UNSCHEDULED {v:.2f}" for v in merged["visitnum"]]
        out["VISIT"] = labels
    return out


def derive_var_visitdy(frame: pd.DataFrame, *, tv: pd.DataFrame) -> pd.DataFrame:
    """VISITDY: the planned study day of the record's visit (TV.VISITDY by VISITNUM); null
    for an unscheduled visit or one TV does not plan a day for."""
    assert_columns(frame, ["VISITNUM"], "derive_var_visitdy")
    out = frame.copy(deep=False)
    out["VISITDY"] = frame["VISITNUM"].map(tv.set_index("VISITNUM")["VISITDY"]).astype("float64")
    return out


def derive_var_epoch(frame: pd.DataFrame, *, se: pd.DataFrame, dtc: str) -> pd.DataFrame:
    """EPOCH: the subject element (SE) whose start <= the record's date < its end.

    A date on the last element's end date belongs to that element. Partial or
    missing dates give a null EPOCH. A record whose EPOCH the Mapping sheet
    gives keeps it: a disposition event is associated with the epoch it
    concludes (an end of treatment with TREATMENT), whatever element its date
    falls in.
    """
    assert_columns(frame, ["USUBJID", dtc], "derive_var_epoch")
    out = frame.copy(deep=False)
    derived = _element_attr(frame, se, dtc, "EPOCH")
    if "EPOCH" in frame.columns:
        given = frame["EPOCH"].astype(object)
        kept = (given.notna() & (given.astype(str).str.strip() != "")).to_numpy()
        derived = np.where(kept, given.to_numpy(), derived)
    out["EPOCH"] = derived
    return out


def derive_var_taetord(frame: pd.DataFrame, *, se: pd.DataFrame, dtc: str) -> pd.DataFrame:
    """TAETORD: the order of the subject's element at the record's date."""
    out = frame.copy(deep=False)
    out["TAETORD"] = pd.to_numeric(_element_attr(frame, se, dtc, "TAETORD"), errors="coerce").astype("float64")
    return out


def _element_attr(frame: pd.DataFrame, se: pd.DataFrame, dtc: str, attr: str) -> np.ndarray:
    """`attr` of the subject's element at each record's date (None where there is none).

    Elements and records are placed on one key, the subject's number then the
    day, so the latest element starting on or before a record's date is found
    by one binary search in the elements sorted by that key (of two starting
    on the same day, the later in SE).
    """
    result = np.full(len(frame), None, dtype=object)
    if se.empty:
        return result
    subjects = pd.Index(se["USUBJID"].unique())
    start, end = _days(se["SESTDTC"]), _days(se["SEENDTC"])
    element_subject = subjects.get_indexer(se["USUBJID"])
    date, subject = _days(frame[dtc]), subject_positions(frame["USUBJID"], subjects)
    elements = np.flatnonzero(start >= 0)
    rows = np.flatnonzero((date >= 0) & (subject >= 0))
    span = int(max(start.max(initial=0), date.max(initial=0))) + 1
    element_key = element_subject[elements] * span + start[elements]
    order = np.argsort(element_key, kind="stable")
    elements, element_key = elements[order], element_key[order]
    position = element_key.searchsorted(subject[rows] * span + date[rows], side="right") - 1
    found = position >= 0
    found[found] = element_subject[elements[position[found]]] == subject[rows[found]]
    rows, position = rows[found], position[found]
    element = elements[position]
    # the element must still be open at the date (or it is the subject's last element, open-ended)
    subject_last = element_key[element_key.searchsorted((subject[rows] + 1) * span, side="left") - 1]
    is_last = element_key[position] == subject_last
    at = date[rows]
    open_at = (end[element] < 0) | (at < end[element]) | ((at == end[element]) & is_last)
    result[rows[open_at]] = se[attr].to_numpy()[element[open_at]]
    return result


def _days(dtc: pd.Series) -> np.ndarray:
    """The complete date of each ISO 8601 value as days from the earliest possible date (-1 where partial or missing)."""
    dates = iso_date_part(dtc).to_numpy().astype("datetime64[D]")
    return np.where(np.isnat(dates), -1, dates.astype(np.int64) - _FIRST_DAY)


def derive_vars_visit_from_sv(frame: pd.DataFrame, *, sv: pd.DataFrame, dtc: str) -> pd.DataFrame:
    """Unscheduled visits numbered as SV numbers them (same subject, same date).

    SV holds every visit done, so an unscheduled assessment takes the VISITNUM
    and VISIT of the subject's unscheduled SV visit on its date; one without
    such a visit keeps the number derived from its own dataset.
    """
    assert_columns(frame, ["USUBJID", "VISIT", "VISITNUM", dtc], "derive_vars_visit_from_sv")
    out = frame.copy(deep=False)
    unscheduled = _is_unscheduled(out["VISIT"])
    if not unscheduled.any() or sv.empty:
        return out
    sv_uns = sv[_is_unscheduled(sv["VISIT"])]
    lookup = pd.DataFrame(
        {
            "USUBJID": sv_uns["USUBJID"].to_numpy(),
            "date": iso_date_part(sv_uns["SVSTDTC"]).to_numpy(),
            "VISITNUM": sv_uns["VISITNUM"].to_numpy(),
            "VISIT": sv_uns["VISIT"].to_numpy(),
        }
    )
    lookup = lookup.dropna(subset=["date"]).drop_duplicates(["USUBJID", "date"])
    keys = pd.DataFrame(
        {
            "USUBJID": out.loc[unscheduled, "USUBJID"].to_numpy(),
            "date": iso_date_part(out.loc[unscheduled, dtc]).to_numpy(),
        }
    )
    found = keys.merge(lookup, on=["USUBJID", "date"], how="left")
    hit = found["VISITNUM"].notna().to_numpy()
    positions = np.flatnonzero(unscheduled)[hit]
    visitnum = out["VISITNUM"].to_numpy(dtype="float64", copy=True)
    visitnum[positions] = found.loc[hit, "VISITNUM"].to_numpy(dtype="float64")
    visit = out["VISIT"].to_numpy(copy=True)
    visit[positions] = found.loc[hit, "VISIT"].to_numpy()
    out["VISITNUM"] = visitnum
    out["VISIT"] = visit
    return out


def _is_unscheduled(visit: pd.Series) -> np.ndarray:
    """VISIT starts with UNSCHEDULED (each distinct value tested once)."""
    codes, uniques = pd.factorize(visit, use_na_sentinel=True)
    starts = np.array([str(u).startswith("UNSCHEDULED") for u in uniques] + [False])
    return starts[codes]
