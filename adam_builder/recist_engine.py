"""RECIST 1.1 engine: every post-baseline assessment recomputed from TU and TR.

    table = derive_assessments(tu, tr, settings=RecistSettings(), evaluator="INVESTIGATOR")

gives one row per subject and post-baseline assessment with the sums of
diameters, the changes from baseline and nadir, the target, non-target,
new-lesion and overall responses, and why (REASON) and what looked wrong in the
data (ISSUES). RS is never read: the concordance check (adam_builder.concordance)
compares this table with the investigator's calls.

The steps are small admiral-style derivations, each taking a frame first and
settings by keyword, pure and vectorised:

    records  = create_lesion_records(tu, tr, settings=...)     one row per TR record used
    catalog  = create_lesion_catalog(tu, records, settings=...) one row per lesion
    visits   = create_assessments(records)                      one row per assessment (baseline flagged)
    visits   = derive_vars_target_sum(visits, records=..., catalog=..., settings=...)
    visits   = derive_vars_nadir(visits)
    visits   = derive_var_trgresp(visits, settings=...)
    visits   = derive_var_ntrgresp(visits, records=..., catalog=..., settings=...)
    visits   = derive_vars_newlprog(visits, records=..., settings=...)
    visits   = derive_var_ovrlresp(visits)

How TU/TR spell things (test codes, categories, states, nodal locations) is a
setting (RecistSettings), so the pharmaverse layout (TRTESTCD LDIAM/LPERP,
TRGRPID, TUMSTATE UNEQUIVOCAL) runs with ``short_axis_testcd="LPERP"``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.config import RecistSettings

from .common import NONE
from .recist_rules import (
    NE,
    NEW_EQUIVOCAL,
    NEW_NO,
    NEW_YES,
    PD,
    compute_lesion_size,
    compute_nadir,
    compute_nontarget_response,
    compute_overall_response,
    compute_target_response,
)

KEY = ["USUBJID", "_AKEY"]
OUTPUT_COLUMNS = [
    "USUBJID",
    "TRLNKGRP",
    "VISITNUM",
    "VISIT",
    "ADT",
    "ADTC",
    "BASESUM",
    "NADIR",
    "SUMDIAM",
    "SUMCOMPL",
    "CHGBASE",
    "PCHGBASE",
    "CHGNADIR",
    "PCHGNADIR",
    "TRGBASEN",
    "TRGASSN",
    "TRGRESP",
    "NTRGBASEN",
    "NTRGRESP",
    "NEWLPROG",
    "NEWLES",
    "OVRLPROV",
    "OVRLRESP",
    "REASON",
    "ISSUES",
]

# lesion states after reading TRORRES/TRSTAT
ST_PRESENT, ST_ABSENT, ST_PROGRESSION, ST_EQUIVOCAL, ST_NOT_DONE = (
    "PRESENT",
    "ABSENT",
    "PROGRESSION",
    "EQUIVOCAL",
    "NOT DONE",
)


class RecistInputError(ValueError):
    """TU or TR cannot be used by the RECIST engine; the message says where and why."""


# --------------------------------------------------------------------------- helpers


def _text(series: pd.Series) -> pd.Series:
    """Upper-cased, stripped text; None for missing or blank."""
    text = series.astype("string").str.strip().str.upper()
    text = text.where(text.notna() & (text != ""))
    return text.astype(object).where(text.notna(), None)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _join_ids(frame: pd.DataFrame, mask: pd.Series, keys: list[str], column: str) -> pd.Series:
    """Per group of ``keys``: the sorted, comma-separated values of ``column`` where ``mask``."""
    sub = frame.loc[mask, keys + [column]]
    if sub.empty:
        return pd.Series(dtype=object)
    return sub.groupby(keys, sort=False)[column].agg(lambda v: ", ".join(sorted(set(map(str, v)))))


def _lookup(visits: pd.DataFrame, per_key: pd.Series) -> pd.Series:
    """Values of a Series indexed by (USUBJID, _AKEY), aligned to the rows of ``visits``."""
    if per_key.empty:
        return pd.Series([None] * len(visits), index=visits.index, dtype=object)
    index = pd.MultiIndex.from_frame(visits[KEY])
    return pd.Series(per_key.reindex(index).to_numpy(), index=visits.index)


def _number_text(values: pd.Series, signed: bool) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce").astype(float).round(1) + 0.0  # + 0.0: no "-0"
    text = pd.Series(num.to_numpy(), index=values.index).astype(str).str.replace(r"\.0$", "", regex=True)
    if signed:
        text = text.where(num < 0, "+" + text)
    return text.where(num.notna())


def _fmt(values: pd.Series) -> pd.Series:
    """Numbers as short text: 50.0 -> '50', 50.25 -> '50.2'; missing -> 'missing'."""
    return _number_text(values, signed=False).fillna("missing").astype(object)


def _signed(values: pd.Series, suffix: str) -> pd.Series:
    """Signed short text with a unit: '+12.5%', '-3 mm'; missing -> 'n/a'."""
    return (_number_text(values, signed=True) + suffix).fillna("n/a").astype(object)


def _append(base: pd.Series, addition: pd.Series, mask) -> pd.Series:
    """Append '; addition' to ``base`` where ``mask`` (base None -> addition)."""
    mask = pd.Series(np.asarray(mask, dtype=bool), index=base.index)
    out = base.copy()
    add = addition.where(mask)
    both = mask & base.notna()
    out[both] = base[both] + "; " + add[both]
    only = mask & base.isna()
    out[only] = add[only]
    return out


# --------------------------------------------------------------------------- checks


def assert_tumour_data(tu: pd.DataFrame, tr: pd.DataFrame, *, settings: RecistSettings) -> None:
    """Check TU and TR have what the engine needs; raise RecistInputError naming what is wrong."""
    problems = []
    for name, frame, needed in (
        ("TU", tu, ["USUBJID", "TULNKID", "TUORRES"]),
        ("TR", tr, ["USUBJID", "TRLNKID", "TRTESTCD", "TRORRES"]),
    ):
        if not isinstance(frame, pd.DataFrame):
            raise RecistInputError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            problems.append(f"{name}: missing column(s) {', '.join(missing)} (needed by the RECIST engine)")
    if not problems and not any(c in tr.columns for c in ("TRLNKGRP", "VISITNUM", "TRDTC")):
        problems.append("TR: none of TRLNKGRP, VISITNUM, TRDTC is present: the assessments cannot be told apart")
    if problems:
        raise RecistInputError("; ".join(problems))
    categories = {settings.target_category, settings.nontarget_category, settings.new_category}
    found = set(_text(tu["TUSTRESC"] if "TUSTRESC" in tu.columns else tu["TUORRES"]).dropna())
    wrong = sorted(found - categories)
    if wrong:
        raise RecistInputError(
            f"TU: TUORRES has value(s) {', '.join(repr(v) for v in wrong)} that are not a lesion category "
            f"(expected {', '.join(sorted(categories))}; see RecistSettings target_category, "
            "nontarget_category, new_category)"
        )
    blank = tu["USUBJID"].isna() | tu["TULNKID"].isna()
    if blank.any():
        raise RecistInputError(
            f"TU: {int(blank.sum())} record(s) without USUBJID or TULNKID (rows {list(tu.index[blank][:5])})"
        )


def select_evaluator(frame: pd.DataFrame, *, domain: str, evaluator: str | None) -> pd.DataFrame:
    """Keep the records of one evaluator (--EVAL or --EVALID equal to ``evaluator``).

    Without ``evaluator`` the frame must hold a single evaluator; records from
    several are refused (they would be mixed into one response). A frame that
    names no evaluator at all is kept whole.
    """
    eval_col, id_col = f"{domain}EVAL", f"{domain}EVALID"
    evals = _text(_column(frame, eval_col))
    ids = _text(_column(frame, id_col))
    if evals.isna().all() and ids.isna().all():  # the dataset does not say who evaluated: all records count
        return frame
    if evaluator is None:
        pairs = sorted({f"{e or ''}{' / ' + i if i else ''}" for e, i in zip(evals, ids, strict=False)})
        if len(pairs) > 1:
            raise RecistInputError(
                f"{domain}: records from several evaluators ({eval_col}/{id_col}: "
                f"{', '.join(repr(p) for p in pairs)}); pass evaluator= one of them"
            )
        return frame
    wanted = evaluator.strip().upper()
    keep = (evals == wanted) | (ids == wanted)
    if not keep.any():
        values = sorted(set(evals.dropna()) | set(ids.dropna()))
        raise RecistInputError(
            f"{domain}: no record of evaluator {evaluator!r} in {eval_col}/{id_col} "
            f"(values found: {', '.join(repr(v) for v in values) or 'none'})"
        )
    kept = frame[keep.to_numpy()]
    if evaluator is not None and id_col in frame.columns:
        several = sorted(set(ids[keep].dropna()))
        if (evals[keep] == wanted).all() and len(several) > 1:
            raise RecistInputError(
                f"{domain}: evaluator {evaluator!r} has records from {', '.join(repr(v) for v in several)} "
                f"({id_col}); pass evaluator= one of them"
            )
    return kept


# --------------------------------------------------------------------------- records


def create_lesion_records(tu: pd.DataFrame, tr: pd.DataFrame, *, settings: RecistSettings) -> pd.DataFrame:
    """The TR records the engine uses, one row each, normalised.

    Columns: USUBJID, _AKEY (assessment key: TRLNKGRP, else VISITNUM, else the
    date), TRLNKGRP, VISITNUM, VISIT, TRDTC, TRLNKID, TRTESTCD, RESULT (standard
    result as text), NUM (number), NOTDONE, TRGRPID. Records of other tests
    (e.g. the investigator's SUMDIAM) are left out.
    """
    tests = {*_measure_tests(settings), settings.state_testcd}
    testcd = _text(tr["TRTESTCD"])
    keep = testcd.isin(tests).to_numpy()
    src = tr[keep]
    out = pd.DataFrame(index=src.index)
    out["USUBJID"] = src["USUBJID"].astype(object)
    out["TRLNKID"] = _text(src["TRLNKID"])
    out["TRTESTCD"] = testcd[keep]
    standard = _text(src["TRSTRESC"]) if "TRSTRESC" in src.columns else _text(src["TRORRES"])
    result = standard.where(standard.notna(), _text(src["TRORRES"]))
    out["RESULT"] = result
    # the size is the standard result: an original result left unconverted (a unit without
    # conversion) is no measurement, nor is infinity or NaN
    num = pd.to_numeric(_column(src, "TRSTRESN"), errors="coerce")
    num = num.where(num.notna(), pd.to_numeric(standard, errors="coerce")).astype(float)
    out["NUM"] = num.where(np.isfinite(num))
    out["NOTDONE"] = (_text(_column(src, "TRSTAT")) == settings.not_done_status).to_numpy()
    out["TRGRPID"] = _text(_column(src, "TRGRPID"))
    link = _column(src, "TRLNKGRP").astype("string").str.strip()
    out["TRLNKGRP"] = link.astype(object).where(link.notna() & (link != ""), None)
    out["VISITNUM"] = pd.to_numeric(_column(src, "VISITNUM"), errors="coerce").astype(float)
    out["VISIT"] = _column(src, "VISIT").astype(object).where(_column(src, "VISIT").notna(), None)
    dtc = _column(src, "TRDTC")
    if pd.api.types.is_datetime64_any_dtype(dtc):
        dtc = dtc.dt.strftime("%Y-%m-%d")
    out["TRDTC"] = dtc.astype(object).where(dtc.notna(), None)
    # the assessment: TRLNKGRP where given, else the visit and date of the records
    visit_key = ("VISITNUM " + out["VISITNUM"].astype(str).str.replace(r"\.0$", "", regex=True)).where(
        out["VISITNUM"].notna(), ""
    )
    date_key = ("TRDTC " + out["TRDTC"].astype(str)).where(out["TRDTC"].notna(), "")
    other_key = (visit_key + " " + date_key).str.strip()
    out["_AKEY"] = out["TRLNKGRP"].where(out["TRLNKGRP"].notna(), other_key.where(other_key != "", None))
    unkeyed = out["_AKEY"].isna() | out["USUBJID"].isna() | out["TRLNKID"].isna()
    if unkeyed.any():
        raise RecistInputError(
            f"TR: {int(unkeyed.sum())} record(s) of tests {', '.join(sorted(tests))} without USUBJID, TRLNKID or "
            f"an assessment (TRLNKGRP, VISITNUM, TRDTC all missing) (rows {list(out.index[unkeyed][:5])})"
        )
    return out.reset_index(drop=True)


def _measure_tests(settings: RecistSettings) -> tuple[str, ...]:
    if settings.diameter_testcd:
        return (settings.diameter_testcd,)
    return (settings.longest_diameter_testcd, settings.short_axis_testcd)


def create_lesion_catalog(tu: pd.DataFrame, records: pd.DataFrame, *, settings: RecistSettings) -> pd.DataFrame:
    """One row per lesion: USUBJID, TRLNKID, LESCAT (TARGET/NON-TARGET/NEW), NODAL, ISSUE.

    The category and the location come from TU; a TR lesion missing from TU
    takes its category from TRGRPID (and the ISSUE says so).
    """
    cat = _text(tu["TUSTRESC"]) if "TUSTRESC" in tu.columns else _text(tu["TUORRES"])
    cat = cat.where(cat.notna(), _text(tu["TUORRES"]))
    cat_frame = pd.DataFrame(
        {
            "USUBJID": tu["USUBJID"].astype(object).to_numpy(),
            "TRLNKID": _text(tu["TULNKID"]).to_numpy(),
            "LESCAT": cat.to_numpy(),
            "NODAL": _text(_column(tu, "TULOC")).isin(settings.nodal_locations).to_numpy(),
        }
    )
    dup = cat_frame.duplicated(["USUBJID", "TRLNKID"], keep=False)
    conflict = dup & ~cat_frame.duplicated(["USUBJID", "TRLNKID", "LESCAT", "NODAL"], keep=False)
    cat_frame["ISSUE"] = None
    cat_frame.loc[dup, "ISSUE"] = "lesion " + cat_frame.loc[dup, "TRLNKID"] + " identified more than once in TU"
    cat_frame.loc[conflict, "ISSUE"] = (
        "lesion "
        + cat_frame.loc[conflict, "TRLNKID"]
        + " identified in TU with conflicting category or location (first kept)"
    )
    cat_frame = cat_frame.drop_duplicates(["USUBJID", "TRLNKID"], keep="first")

    seen = records.drop_duplicates(["USUBJID", "TRLNKID"])[["USUBJID", "TRLNKID", "TRGRPID"]]
    extra = seen.merge(cat_frame[["USUBJID", "TRLNKID"]], how="left", indicator=True)
    extra = extra[extra["_merge"] == "left_only"]
    if not extra.empty:
        add = pd.DataFrame(
            {
                "USUBJID": extra["USUBJID"].to_numpy(),
                "TRLNKID": extra["TRLNKID"].to_numpy(),
                "LESCAT": extra["TRGRPID"].to_numpy(),
                "NODAL": False,
                "ISSUE": (
                    "lesion "
                    + extra["TRLNKID"]
                    + " is in TR but not in TU"
                    + extra["TRGRPID"].map(lambda g: f" (category {g} from TRGRPID)" if g else " (ignored)")
                ).to_numpy(),
            }
        )
        cat_frame = pd.concat([cat_frame, add], ignore_index=True)
    return cat_frame.reset_index(drop=True)


def _date_order(dtc: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(complete date or NaT, date for ordering: partial dates at the start of their period)."""
    text = dtc.astype(object).where(dtc.notna(), "").astype(str).str.slice(0, 10)
    complete = pd.to_datetime(
        text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}"), None), errors="coerce", format="%Y-%m-%d"
    )
    month = pd.to_datetime(
        text.str.slice(0, 7).where(text.str.fullmatch(r"\d{4}-\d{2}(-.*)?")) + "-01", errors="coerce", format="%Y-%m-%d"
    )
    year = pd.to_datetime(
        text.str.slice(0, 4).where(text.str.match(r"\d{4}")) + "-01-01", errors="coerce", format="%Y-%m-%d"
    )
    order = complete.fillna(month).fillna(year)
    return complete, order


def create_assessments(records: pd.DataFrame) -> pd.DataFrame:
    """One row per subject and assessment, in time order, the first flagged baseline (ABLFL "Y").

    ADT is the earliest complete date of the assessment's records; ADTC the
    date as collected (the earliest complete one, else the earliest partial).
    Assessments are ordered by date (partial dates at the start of their
    month or year), then VISITNUM.
    """
    frame = records[KEY + ["TRLNKGRP", "VISITNUM", "VISIT", "TRDTC"]].copy()
    complete, order = _date_order(frame["TRDTC"])
    frame["ADT"] = complete
    frame["_ORDDT"] = order
    late = "~"  # sorts after every date text
    frame["_DTCFULL"] = frame["TRDTC"].where(complete.notna() & frame["TRDTC"].notna(), late).astype(str)
    frame["_DTCANY"] = frame["TRDTC"].where(frame["TRDTC"].notna(), late).astype(str)
    grouped = frame.groupby(KEY, sort=False)
    visits = grouped.agg(
        TRLNKGRP=("TRLNKGRP", "first"),
        VISITNUM=("VISITNUM", "min"),
        VISIT=("VISIT", "first"),
        ADT=("ADT", "min"),
        _ORDDT=("_ORDDT", "min"),
    )
    # smallest date texts per assessment (sorting: a text min per group is slow in pandas)
    for col in ("_DTCFULL", "_DTCANY"):
        first = frame[KEY + [col]].sort_values(col, kind="stable").drop_duplicates(KEY).set_index(KEY)[col]
        visits[col] = first.reindex(visits.index).to_numpy()
    visits["_NDATES"] = (
        frame[KEY + ["_DTCANY"]].drop_duplicates().groupby(KEY, sort=False).size().reindex(visits.index).to_numpy()
    )
    visits = visits.reset_index()
    visits["ADTC"] = visits["_DTCFULL"].where(visits["_DTCFULL"] != late, visits["_DTCANY"])
    visits["ADTC"] = visits["ADTC"].str.slice(0, 10).where(visits["ADTC"] != late, None).astype(object)
    visits = visits.sort_values(["USUBJID", "_ORDDT", "VISITNUM", "_AKEY"], na_position="last", kind="stable")
    visits = visits.reset_index(drop=True)
    visits["_SEQ"] = visits.groupby("USUBJID", sort=False).cumcount()
    visits["ABLFL"] = np.where(visits["_SEQ"] == 0, "Y", NONE)
    issues = pd.Series([None] * len(visits), index=visits.index, dtype=object)
    issues = _append(
        issues, pd.Series("records of this assessment have different dates", index=visits.index), visits["_NDATES"] > 1
    )
    issues = _append(issues, pd.Series("no complete date (ADT missing)", index=visits.index), visits["ADT"].isna())
    visits["ISSUES"] = issues
    return visits.drop(columns=["_DTCFULL", "_DTCANY", "_NDATES"])


def _lesion_grid(visits: pd.DataFrame, catalog: pd.DataFrame, category: str) -> pd.DataFrame:
    """Every assessment x every lesion of ``category`` of its subject."""
    lesions = catalog.loc[catalog["LESCAT"] == category, ["USUBJID", "TRLNKID", "NODAL"]]
    return visits[KEY + ["_SEQ"]].merge(lesions, on="USUBJID", how="inner")


def _record_issues(records: pd.DataFrame, mask: pd.Series, text: pd.Series) -> pd.Series:
    sub = pd.DataFrame({"USUBJID": records["USUBJID"], "_AKEY": records["_AKEY"], "T": text})[mask.to_numpy()]
    if sub.empty:
        return pd.Series(dtype=object)
    return sub.groupby(KEY, sort=False)["T"].agg(lambda v: "; ".join(dict.fromkeys(v)))


def derive_vars_target_sum(
    visits: pd.DataFrame, *, records: pd.DataFrame, catalog: pd.DataFrame, settings: RecistSettings
) -> pd.DataFrame:
    """Add SUMDIAM, SUMCOMPL, TRGBASEN, TRGASSN, _GONE, _TRGNA (targets not assessed), _TRGPD_TXT.

    Each target adds its longest diameter (short axis for nodes, TULOC in
    ``settings.nodal_locations``); too small to measure counts
    ``settings.too_small_mm``; 0 means gone. A target is not assessed when its
    record says NOT DONE, has no usable value, or is absent. SUMDIAM is the sum
    of the targets assessed (SUMCOMPL "N" when some were not).
    """
    grid = _lesion_grid(visits, catalog, settings.target_category)
    tgt = records[records["TRTESTCD"].isin(_measure_tests(settings))]
    tgt = tgt.merge(catalog[["USUBJID", "TRLNKID", "LESCAT", "NODAL"]], on=["USUBJID", "TRLNKID"], how="inner")
    tgt = tgt[tgt["LESCAT"] == settings.target_category]
    wanted = (
        np.full(len(tgt), settings.diameter_testcd, dtype=object)
        if settings.diameter_testcd
        else np.where(tgt["NODAL"], settings.short_axis_testcd, settings.longest_diameter_testcd)
    )
    other = tgt[tgt["TRTESTCD"] != wanted]
    tgt = tgt[tgt["TRTESTCD"] == wanted].copy()
    too_small = tgt["RESULT"].isin(settings.too_small_results)
    tgt["SIZE"] = compute_lesion_size(tgt["NUM"], too_small, settings=settings).to_numpy()
    tgt.loc[tgt["NOTDONE"].to_numpy(), "SIZE"] = np.nan
    tgt["_TOOSMALL"] = too_small.to_numpy()
    unreadable = tgt["SIZE"].isna() & ~tgt["NOTDONE"] & tgt["RESULT"].notna()
    issue_texts = [
        _record_issues(
            tgt,
            unreadable,
            "target " + tgt["TRLNKID"] + " result '" + tgt["RESULT"].astype(str) + "' is not a measurement",
        ),
    ]
    dups = tgt.duplicated(KEY + ["TRLNKID"], keep=False)
    issue_texts.append(_record_issues(tgt, dups, "target " + tgt["TRLNKID"] + " has several records (largest kept)"))
    per_lesion = (
        tgt.groupby(KEY + ["TRLNKID"], sort=False)
        .agg(SIZE=("SIZE", "max"), _TOOSMALL=("_TOOSMALL", "any"))
        .reset_index()
    )
    # nodal target measured by the other test only
    wrong_test = other.merge(per_lesion[KEY + ["TRLNKID"]], how="left", indicator=True)
    wrong_test = wrong_test[wrong_test["_merge"] == "left_only"]
    issue_texts.append(
        _record_issues(
            wrong_test,
            pd.Series(True, index=wrong_test.index),
            "target "
            + wrong_test["TRLNKID"]
            + " has "
            + wrong_test["TRTESTCD"]
            + " but not "
            + pd.Series(
                np.where(wrong_test["NODAL"], settings.short_axis_testcd, settings.longest_diameter_testcd),
                index=wrong_test.index,
                dtype=object,
            ),
        )
    )

    grid = grid.merge(per_lesion, on=KEY + ["TRLNKID"], how="left")
    grid["_ASSESSED"] = grid["SIZE"].notna()
    grid["_GONE"] = np.where(
        grid["NODAL"], grid["SIZE"] < settings.node_normal_mm, (grid["SIZE"] == 0) & ~grid["_TOOSMALL"].eq(True)
    )
    agg = grid.groupby(KEY, sort=False).agg(
        SUMDIAM=("SIZE", "sum"),
        TRGBASEN=("TRLNKID", "size"),
        TRGASSN=("_ASSESSED", "sum"),
        _GONE=("_GONE", "all"),
    )
    agg["SUMDIAM"] = agg["SUMDIAM"].where(agg["TRGASSN"] > 0)  # nothing measured: no sum
    not_assessed = _join_ids(grid, ~grid["_ASSESSED"], KEY, "TRLNKID")

    out = visits.copy()
    index = pd.MultiIndex.from_frame(out[KEY])
    agg = agg.reindex(index)
    out["SUMDIAM"] = agg["SUMDIAM"].to_numpy(dtype=float)
    out["TRGBASEN"] = agg["TRGBASEN"].fillna(0).to_numpy(dtype=int)
    out["TRGASSN"] = agg["TRGASSN"].fillna(0).to_numpy(dtype=int)
    out["_GONE"] = agg["_GONE"].eq(True).to_numpy()
    out["_TRGNA"] = _lookup(out, not_assessed)
    out["SUMCOMPL"] = np.where(out["TRGBASEN"] == 0, NONE, np.where(out["TRGASSN"] == out["TRGBASEN"], "Y", "N"))
    for texts in issue_texts:
        if not texts.empty:
            out["ISSUES"] = _append(out["ISSUES"], _lookup(out, texts), _lookup(out, texts).notna())
    return out


def derive_vars_nadir(visits: pd.DataFrame) -> pd.DataFrame:
    """Add BASESUM, NADIR and the changes from them (CHGBASE, PCHGBASE, CHGNADIR, PCHGNADIR; percent).

    BASESUM is the baseline SUMDIAM when every target was measured at baseline.
    NADIR is the smallest complete sum before the assessment, baseline included.
    """
    out = visits.copy()
    base_rows = out[(out["ABLFL"] == "Y") & (out["SUMCOMPL"] == "Y")].set_index("USUBJID")["SUMDIAM"]
    out["BASESUM"] = out["USUBJID"].map(base_rows).astype(float)
    valid = (out["SUMCOMPL"] == "Y") & out["SUMDIAM"].notna()
    # the nadir counts from the baseline on: rows of a subject with an incomplete baseline get none
    out["NADIR"] = compute_nadir(out["SUMDIAM"], out["USUBJID"], valid=valid).to_numpy()
    out.loc[out["BASESUM"].isna(), "NADIR"] = np.nan
    out["CHGBASE"] = out["SUMDIAM"] - out["BASESUM"]
    out["CHGNADIR"] = out["SUMDIAM"] - out["NADIR"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["PCHGBASE"] = np.where(out["BASESUM"] > 0, 100 * out["CHGBASE"] / out["BASESUM"], np.nan)
        out["PCHGNADIR"] = np.where(out["NADIR"] > 0, 100 * out["CHGNADIR"] / out["NADIR"], np.nan)
    return out


def derive_var_trgresp(visits: pd.DataFrame, *, settings: RecistSettings) -> pd.DataFrame:
    """Add TRGRESP (and _TRG_TXT, its reason) from the sums (recist_rules.compute_target_response).

    A subject with targets but no complete baseline sum gets NE.
    """
    out = visits.copy()
    has_targets = out["TRGBASEN"] > 0
    not_assessed = out["TRGASSN"] < out["TRGBASEN"]
    resp = compute_target_response(
        out["BASESUM"], out["NADIR"], out["SUMDIAM"], out["_GONE"] & ~not_assessed, not_assessed, settings=settings
    )
    no_base = has_targets & out["BASESUM"].isna()
    resp = resp.where(~no_base, NE).where(has_targets, None)
    out["TRGRESP"] = resp.to_numpy()

    sod, nadir, base = _fmt(out["SUMDIAM"]), _fmt(out["NADIR"]), _fmt(out["BASESUM"])
    vs_nadir = (
        "SOD "
        + sod
        + " vs nadir "
        + nadir
        + " ("
        + _signed(out["PCHGNADIR"], "%")
        + ", "
        + _signed(out["CHGNADIR"], " mm")
        + ")"
    )
    vs_base = "SOD " + sod + " vs baseline " + base + " (" + _signed(out["PCHGBASE"], "%") + ")"
    missing = out["_TRGNA"].fillna("")
    conditions = [
        ~has_targets,
        no_base,
        (out["TRGRESP"] == PD) & not_assessed,
        out["TRGRESP"] == PD,
        out["TRGRESP"] == NE,
        out["TRGRESP"] == "CR",
        out["TRGRESP"] == "PR",
    ]
    choices = [
        pd.Series("no target lesions", index=out.index),
        "target NE: baseline sum incomplete",
        "target PD although " + missing + " not assessed: " + vs_nadir,
        "target PD: " + vs_nadir,
        "target NE: " + missing + " not assessed",
        "target CR: all targets gone (nodes < " + _fmt(pd.Series(settings.node_normal_mm, index=out.index)) + " mm)",
        "target PR: " + vs_base,
    ]
    out["_TRG_TXT"] = np.select(
        conditions,
        [c.to_numpy() if hasattr(c, "to_numpy") else c for c in choices],
        default=("target SD: " + vs_base + "; " + vs_nadir).to_numpy(),
    )
    return out


def _lesion_states(records: pd.DataFrame, settings: RecistSettings) -> pd.Series:
    state = np.select(
        [
            records["NOTDONE"].to_numpy(),
            records["RESULT"].isin(settings.progression_states).to_numpy(),
            records["RESULT"].isin(settings.equivocal_states).to_numpy(),
            records["RESULT"].isin(settings.present_states).to_numpy(),
            records["RESULT"].isin(settings.absent_states).to_numpy(),
        ],
        [ST_NOT_DONE, ST_PROGRESSION, ST_EQUIVOCAL, ST_PRESENT, ST_ABSENT],
        default=ST_NOT_DONE,
    )
    return pd.Series(state, index=records.index)


def _known_state(records: pd.DataFrame, settings: RecistSettings) -> pd.Series:
    known = (
        set(settings.progression_states)
        | set(settings.equivocal_states)
        | set(settings.present_states)
        | set(settings.absent_states)
    )
    return records["NOTDONE"] | records["RESULT"].isin(known) | records["RESULT"].isna()


def derive_var_ntrgresp(
    visits: pd.DataFrame, *, records: pd.DataFrame, catalog: pd.DataFrame, settings: RecistSettings
) -> pd.DataFrame:
    """Add NTRGBASEN, NTRGRESP (and _NTG_TXT) from the non-target lesions' states.

    Unequivocal progression of any gives PD; else any not assessed (NOT DONE,
    no record, an unknown state) NE; else all absent CR; else NON-CR/NON-PD. An
    equivocal state of a non-target counts as present. Several records of one
    lesion: the worst is kept.
    """
    out = visits.copy()
    grid = _lesion_grid(out, catalog, settings.nontarget_category)
    ntg = records[records["TRTESTCD"] == settings.state_testcd]
    ntg = ntg.merge(catalog[["USUBJID", "TRLNKID", "LESCAT"]], on=["USUBJID", "TRLNKID"], how="inner")
    ntg = ntg[ntg["LESCAT"] == settings.nontarget_category].copy()
    ntg["STATE"] = _lesion_states(ntg, settings).to_numpy()
    ntg.loc[ntg["STATE"] == ST_EQUIVOCAL, "STATE"] = ST_PRESENT
    rank = {ST_PROGRESSION: 4, ST_NOT_DONE: 3, ST_PRESENT: 2, ST_ABSENT: 1}
    ntg["_RANK"] = ntg["STATE"].map(rank)
    unknown = ~_known_state(ntg, settings)
    dups = ntg.duplicated(KEY + ["TRLNKID"], keep=False) & ~ntg.duplicated(KEY + ["TRLNKID", "STATE"], keep=False)
    issue_texts = [
        _record_issues(
            ntg,
            unknown,
            "non-target "
            + ntg["TRLNKID"]
            + " state '"
            + ntg["RESULT"].astype(str)
            + "' not recognised (taken as not assessed)",
        ),
        _record_issues(ntg, dups, "non-target " + ntg["TRLNKID"] + " has conflicting records (worst kept)"),
    ]
    worst = ntg.sort_values("_RANK", ascending=False, kind="stable").drop_duplicates(KEY + ["TRLNKID"])
    grid = grid.merge(worst[KEY + ["TRLNKID", "STATE"]], on=KEY + ["TRLNKID"], how="left")
    grid["STATE"] = grid["STATE"].fillna(ST_NOT_DONE)
    agg = (
        grid.assign(
            _PROG=grid["STATE"] == ST_PROGRESSION,
            _NE=grid["STATE"] == ST_NOT_DONE,
            _ABS=grid["STATE"] == ST_ABSENT,
        )
        .groupby(KEY, sort=False)
        .agg(NTRGBASEN=("TRLNKID", "size"), _PROG=("_PROG", "any"), _NE=("_NE", "any"), _ABS=("_ABS", "all"))
    )
    agg = agg.reindex(pd.MultiIndex.from_frame(out[KEY]))
    out["NTRGBASEN"] = agg["NTRGBASEN"].fillna(0).to_numpy(dtype=int)
    prog = agg["_PROG"].eq(True).to_numpy()
    ne = agg["_NE"].eq(True).to_numpy()
    absent = agg["_ABS"].eq(True).to_numpy()
    out["NTRGRESP"] = compute_nontarget_response(out["NTRGBASEN"] > 0, prog, ne, absent).to_numpy()
    progressed = _lookup(out, _join_ids(grid, grid["STATE"] == ST_PROGRESSION, KEY, "TRLNKID")).fillna("")
    missing = _lookup(out, _join_ids(grid, grid["STATE"] == ST_NOT_DONE, KEY, "TRLNKID")).fillna("")
    out["_NTG_TXT"] = np.select(
        [out["NTRGBASEN"] == 0, out["NTRGRESP"] == PD, out["NTRGRESP"] == NE, out["NTRGRESP"] == "CR"],
        [
            "no non-target lesions",
            ("non-target PD: " + progressed + " unequivocal progression").to_numpy(),
            ("non-target NE: " + missing + " not assessed").to_numpy(),
            "non-target CR: all absent",
        ],
        default="non-target NON-CR/NON-PD",
    )
    for texts in issue_texts:
        if not texts.empty:
            out["ISSUES"] = _append(out["ISSUES"], _lookup(out, texts), _lookup(out, texts).notna())
    return out


def derive_vars_newlprog(
    visits: pd.DataFrame, *, records: pd.DataFrame, catalog: pd.DataFrame, settings: RecistSettings
) -> pd.DataFrame:
    """Add NEWLPROG ("Y", "EQUIVOCAL", "N"), NEWLES (the new lesions seen) and _BACKDATE.

    A new lesion present (or unequivocal) makes "Y"; only equivocal ones make
    "EQUIVOCAL". An equivocal new lesion seen unequivocally at a later
    assessment confirms progression from its first sighting: _BACKDATE holds, at
    the first sighting, the text saying so.
    """
    out = visits.copy()
    new = records[records["TRTESTCD"] == settings.state_testcd]
    new = new.merge(catalog[["USUBJID", "TRLNKID", "LESCAT"]], on=["USUBJID", "TRLNKID"], how="inner")
    new = new[new["LESCAT"] == settings.new_category].copy()
    new["STATE"] = _lesion_states(new, settings).to_numpy()
    new = new.merge(out[KEY + ["_SEQ", "ABLFL"]], on=KEY, how="left")
    unknown = ~_known_state(new, settings)
    issue_texts = [
        _record_issues(
            new,
            unknown,
            "new lesion " + new["TRLNKID"] + " state '" + new["RESULT"].astype(str) + "' not recognised (ignored)",
        ),
        _record_issues(new, new["ABLFL"] == "Y", "new lesion " + new["TRLNKID"] + " recorded at baseline (ignored)"),
    ]
    new = new[new["ABLFL"] != "Y"]
    sure = new["STATE"].isin([ST_PRESENT, ST_PROGRESSION])
    equivocal = new["STATE"] == ST_EQUIVOCAL
    any_sure = _lookup(out, new[sure].groupby(KEY, sort=False).size()).notna()
    any_equivocal = _lookup(out, new[equivocal].groupby(KEY, sort=False).size()).notna()
    out["NEWLPROG"] = np.select([any_sure, any_equivocal], [NEW_YES, NEW_EQUIVOCAL], default=NEW_NO)
    out["NEWLES"] = _lookup(out, _join_ids(new, sure | equivocal, KEY, "TRLNKID")).to_numpy()
    sure_ids = _lookup(out, _join_ids(new, sure, KEY, "TRLNKID")).fillna("")
    eq_ids = _lookup(out, _join_ids(new, equivocal, KEY, "TRLNKID")).fillna("")
    out["_NEW_TXT"] = np.select(
        [any_sure, any_equivocal],
        [("new lesion " + sure_ids).to_numpy(), ("equivocal new lesion " + eq_ids).to_numpy()],
        default="no new lesion",
    )

    # equivocal at first sighting, unequivocal later: PD dates from the first sighting
    first_eq = new[equivocal].sort_values("_SEQ").drop_duplicates(["USUBJID", "TRLNKID"])
    later = new[sure][["USUBJID", "TRLNKID", "_SEQ", "_AKEY", "TRLNKGRP", "VISIT"]].rename(
        columns={"_SEQ": "_SEQ_C", "_AKEY": "_AKEY_C", "TRLNKGRP": "TRLNKGRP_C", "VISIT": "VISIT_C"}
    )
    confirmed = first_eq[["USUBJID", "TRLNKID", "_AKEY", "_SEQ"]].merge(later, on=["USUBJID", "TRLNKID"])
    confirmed = (
        confirmed[confirmed["_SEQ_C"] > confirmed["_SEQ"]].sort_values("_SEQ_C").drop_duplicates(["USUBJID", "TRLNKID"])
    )
    confirmed = confirmed.assign(
        _TXT=lambda f: (
            "equivocal new lesion "
            + f["TRLNKID"]
            + " confirmed at "
            + f["TRLNKGRP_C"].fillna(f["VISIT_C"]).fillna(f["_AKEY_C"]).astype(str)
            + ": PD dated from this assessment"
        )
    )
    out["_BACKDATE"] = _lookup(out, confirmed.groupby(KEY, sort=False)["_TXT"].agg("; ".join)).to_numpy()
    for texts in issue_texts:
        if not texts.empty:
            out["ISSUES"] = _append(out["ISSUES"], _lookup(out, texts), _lookup(out, texts).notna())
    return out


def derive_var_ovrlresp(visits: pd.DataFrame) -> pd.DataFrame:
    """Add OVRLPROV (the RECIST table at this assessment), OVRLRESP (PD back-dated to the
    first sighting of a later confirmed equivocal new lesion) and REASON."""
    out = visits.copy()
    out["OVRLPROV"] = compute_overall_response(out["TRGRESP"], out["NTRGRESP"], out["NEWLPROG"]).to_numpy()
    back = out["_BACKDATE"].notna()
    out["OVRLRESP"] = np.where(back, PD, out["OVRLPROV"])
    reason = pd.Series(out["_TRG_TXT"] + "; " + out["_NTG_TXT"] + "; " + out["_NEW_TXT"], index=out.index)
    out["REASON"] = _append(reason, out["_BACKDATE"], back)
    return out


def derive_assessments(
    tu: pd.DataFrame, tr: pd.DataFrame, *, settings: RecistSettings = RecistSettings(), evaluator: str | None = None
) -> pd.DataFrame:
    """RECIST 1.1 per subject and post-baseline assessment, from TU and TR alone.

    ``evaluator`` keeps the records whose --EVAL or --EVALID is that value
    (e.g. "INVESTIGATOR"); without it TU/TR must hold one evaluator only. The
    first assessment of each subject in time is its baseline. Columns: see
    OUTPUT_COLUMNS and docs/recist.md.
    """
    assert_tumour_data(tu, tr, settings=settings)
    tu = select_evaluator(tu, domain="TU", evaluator=evaluator)
    tr = select_evaluator(tr, domain="TR", evaluator=evaluator)
    records = create_lesion_records(tu, tr, settings=settings)
    catalog = create_lesion_catalog(tu, records, settings=settings)
    visits = create_assessments(records)
    catalog_issues = catalog.dropna(subset=["ISSUE"]).groupby("USUBJID")["ISSUE"].agg("; ".join)
    subject_issue = visits["USUBJID"].map(catalog_issues)
    visits["ISSUES"] = _append(visits["ISSUES"], subject_issue, subject_issue.notna())
    visits = (
        visits.pipe(derive_vars_target_sum, records=records, catalog=catalog, settings=settings)
        .pipe(derive_vars_nadir)
        .pipe(derive_var_trgresp, settings=settings)
        .pipe(derive_var_ntrgresp, records=records, catalog=catalog, settings=settings)
        .pipe(derive_vars_newlprog, records=records, catalog=catalog, settings=settings)
        .pipe(derive_var_ovrlresp)
    )
    # what was wrong at baseline concerns every later assessment of the subject
    base_issues = visits.loc[visits["ABLFL"] == "Y"].set_index("USUBJID")["ISSUES"].dropna()
    inherited = visits["USUBJID"].map("baseline: " + base_issues)
    visits["ISSUES"] = _append(visits["ISSUES"], inherited, inherited.notna() & (visits["ABLFL"] != "Y"))
    post = visits[visits["ABLFL"] != "Y"]
    result = post[OUTPUT_COLUMNS].reset_index(drop=True)
    result["ADT"] = pd.to_datetime(result["ADT"]).astype("datetime64[ns]")
    for col in (
        "TRGRESP",
        "NTRGRESP",
        "OVRLPROV",
        "OVRLRESP",
        "NEWLPROG",
        "SUMCOMPL",
        "TRLNKGRP",
        "VISIT",
        "NEWLES",
        "ISSUES",
    ):
        result[col] = result[col].astype(object).where(result[col].notna(), None)
    return result
