"""Concordance: the RECIST engine's responses against the investigator's (RS).

    computed = derive_assessments(tu, tr, settings=settings, evaluator="INVESTIGATOR")
    investigator = create_investigator_responses(rs, evaluator="INVESTIGATOR")
    paired = compare_responses(computed, investigator)
    listing = create_disagreement_listing(paired)      one row per disagreeing test
    summary = summarise_agreement(paired)              one row per test

Assessments are paired by RSLNKGRP = TRLNKGRP where both sides have one, then
by visit and date, then by visit, then by date. The overall response compared
is the one callable at the assessment (OVRLPROV): a PD back-dated later to the
first sighting of an equivocal new lesion is shown, not counted against the
investigator.

What looks wrong on the investigator side (values outside the response
codelist such as "CHECK", NOT DONE records, several records of one test, a
response after an earlier PD) is reported in INV_ISSUES, never fatal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import NONE
from .recist_engine import RecistInputError, _text, select_evaluator
from .recist_rules import CR, NE, NEW_EQUIVOCAL, NEW_NO, NEW_YES, NON_CR_NON_PD, PD, PR, SD

TESTS = ("TRGRESP", "NTRGRESP", "NEWLPROG", "OVRLRESP")
# the computed column compared with each investigator test
COMPUTED_FOR = {"TRGRESP": "TRGRESP", "NTRGRESP": "NTRGRESP", "NEWLPROG": "NEWLPROG", "OVRLRESP": "OVRLPROV"}
RESPONSES = {CR, PR, SD, PD, NE, NON_CR_NON_PD}
NOT_APPLICABLE = {"NOT APPLICABLE", "NA", "N/A", "NOT APPLICABLE (NA)"}
NEW_LESION_CODES = {
    "UNEQUIVOCAL": NEW_YES,
    "Y": NEW_YES,
    "YES": NEW_YES,
    "EQUIVOCAL": NEW_EQUIVOCAL,
    "N": NEW_NO,
    "NO": NEW_NO,
}

LISTING_COLUMNS = [
    "USUBJID",
    "VISITNUM",
    "VISIT",
    "TRLNKGRP",
    "RSLNKGRP",
    "ADT",
    "RSDTC",
    "MATCHBY",
    "PARAMCD",
    "KIND",
    "COMPUTED",
    "INVESTIGATOR",
    "BASESUM",
    "NADIR",
    "SUMDIAM",
    "SUMCOMPL",
    "PCHGBASE",
    "PCHGNADIR",
    "TRGRESP",
    "NTRGRESP",
    "NEWLPROG",
    "NEWLES",
    "OVRLRESP",
    "REASON",
    "ISSUES",
    "INV_ISSUES",
]


def create_investigator_responses(
    rs: pd.DataFrame, *, evaluator: str | None = "INVESTIGATOR", category: str | None = "RECIST 1.1"
) -> pd.DataFrame:
    """RS as one row per subject and assessment: INV_TRGRESP, INV_NTRGRESP, INV_NEWLPROG, INV_OVRLRESP.

    Records are kept for ``evaluator`` (RSEVAL or RSEVALID) and ``category``
    (RSCAT, when present). An assessment is RSLNKGRP where given, else the
    visit and date. NEWLPROG is coded "Y" (UNEQUIVOCAL), "EQUIVOCAL" or "N"
    (no record: no new lesion). "Not applicable" becomes missing.
    """
    missing = [c for c in ("USUBJID", "RSTESTCD", "RSORRES") if c not in rs.columns]
    if missing:
        raise RecistInputError(f"RS: missing column(s) {', '.join(missing)} (needed by the concordance check)")
    if not any(c in rs.columns for c in ("RSLNKGRP", "VISITNUM", "RSDTC")):
        raise RecistInputError("RS: none of RSLNKGRP, VISITNUM, RSDTC is present: the assessments cannot be told apart")
    frame = select_evaluator(rs, domain="RS", evaluator=evaluator)
    if category is not None and "RSCAT" in frame.columns:
        frame = frame[_text(frame["RSCAT"]) == category.upper()]
    testcd = _text(frame["RSTESTCD"])
    frame = frame[testcd.isin(TESTS).to_numpy()]
    recs = pd.DataFrame(
        {
            "USUBJID": frame["USUBJID"].astype(object).to_numpy(),
            "TEST": _text(frame["RSTESTCD"]).to_numpy(),
            "VALUE": (
                _text(frame["RSSTRESC"]).fillna(_text(frame["RSORRES"]))
                if "RSSTRESC" in frame.columns
                else _text(frame["RSORRES"])
            ).to_numpy(),
            "STAT": _text(frame["RSSTAT"]).to_numpy() if "RSSTAT" in frame.columns else None,
            "RSLNKGRP": _text(frame["RSLNKGRP"]).to_numpy() if "RSLNKGRP" in frame.columns else None,
            "VISITNUM": pd.to_numeric(frame["VISITNUM"], errors="coerce").to_numpy(dtype=float)
            if "VISITNUM" in frame.columns
            else np.nan,
            "VISIT": frame["VISIT"].to_numpy() if "VISIT" in frame.columns else None,
            "RSDTC": frame["RSDTC"]
            .astype(object)
            .where(frame["RSDTC"].notna(), None)
            .map(lambda v: None if v is None else str(v)[:10])
            .to_numpy()
            if "RSDTC" in frame.columns
            else None,
        }
    )
    recs["RSLNKGRP"] = recs["RSLNKGRP"].astype(object)
    recs["RSDTC"] = recs["RSDTC"].astype(object)
    # the assessment: visit and date; RSLNKGRP (often on the overall response only) spread to its siblings
    visitnum = recs["VISITNUM"].astype(str).str.replace(r"\.0$", "", regex=True).where(recs["VISITNUM"].notna(), "")
    recs["_GRP"] = visitnum + "|" + recs["RSDTC"].fillna("")
    link = (
        recs.dropna(subset=["RSLNKGRP"]).drop_duplicates(["USUBJID", "_GRP"]).set_index(["USUBJID", "_GRP"])["RSLNKGRP"]
    )
    spread = link.reindex(pd.MultiIndex.from_frame(recs[["USUBJID", "_GRP"]])).to_numpy()
    recs["RSLNKGRP"] = pd.Series(spread, index=recs.index, dtype=object).where(pd.notna(spread), None)
    recs["_GRP"] = recs["RSLNKGRP"].where(recs["RSLNKGRP"].notna(), recs["_GRP"])

    issues = []
    value = recs["VALUE"]
    not_done = (recs["STAT"] == "NOT DONE") if recs["STAT"] is not None else pd.Series(False, index=recs.index)
    issues.append(("RS " + recs["TEST"] + " NOT DONE (" + value.fillna("no result") + ")").where(not_done))
    recs.loc[not_done & value.isna(), "VALUE"] = NE
    is_new = recs["TEST"] == "NEWLPROG"
    coded = recs["VALUE"].where(~is_new, recs["VALUE"].map(lambda v: NEW_LESION_CODES.get(v, v)))
    coded = coded.where(~coded.isin(NOT_APPLICABLE), None)
    valid = np.where(is_new, coded.isin({NEW_YES, NEW_EQUIVOCAL, NEW_NO}), coded.isin(RESPONSES)) | coded.isna()
    issues.append(
        ("RS " + recs["TEST"] + " value '" + recs["VALUE"].astype(str) + "' is not a RECIST response").where(~valid)
    )
    recs["VALUE"] = coded
    dup = recs.duplicated(["USUBJID", "_GRP", "TEST"], keep=False)
    issues.append(("RS " + recs["TEST"] + " recorded more than once (first kept)").where(dup))
    stacked = pd.concat([i.dropna() for i in issues])
    recs["_ISSUE"] = stacked.groupby(level=0).agg("; ".join).reindex(recs.index) if len(stacked) else None

    keys = ["USUBJID", "_GRP"]
    wide = recs.drop_duplicates(keys + ["TEST"]).pivot(index=keys, columns="TEST", values="VALUE")
    wide = wide.reindex(columns=list(TESTS)).add_prefix("INV_")
    info = recs.groupby(keys, sort=False).agg(
        RSLNKGRP=("RSLNKGRP", "first"),
        VISITNUM=("VISITNUM", "first"),
        VISIT=("VISIT", "first"),
        RSDTC=("RSDTC", "min"),
    )
    noted = recs.dropna(subset=["_ISSUE"])
    info["INV_ISSUES"] = (
        noted.groupby(keys, sort=False)["_ISSUE"].agg(lambda v: "; ".join(dict.fromkeys(v))).reindex(info.index)
        if len(noted)
        else None
    )
    out = info.join(wide).reset_index().drop(columns="_GRP")
    if out["INV_NEWLPROG"].notna().any():  # RS records new lesions: an assessment without a record has none
        out["INV_NEWLPROG"] = out["INV_NEWLPROG"].where(out["INV_NEWLPROG"].notna(), NEW_NO)
    out = _flag_after_pd(out)
    return out[["USUBJID", "RSLNKGRP", "VISITNUM", "VISIT", "RSDTC", *[f"INV_{t}" for t in TESTS], "INV_ISSUES"]]


def _flag_after_pd(inv: pd.DataFrame) -> pd.DataFrame:
    """Note investigator responses other than PD after an earlier PD (RECIST stops at the first PD)."""
    inv = inv.copy()
    order = pd.to_datetime(inv["RSDTC"].astype(str).str.slice(0, 10), errors="coerce", format="%Y-%m-%d")
    inv["_ORD"] = order
    inv = inv.sort_values(["USUBJID", "_ORD", "VISITNUM"], kind="stable", na_position="last")
    is_pd = inv["INV_OVRLRESP"] == PD
    label = inv["RSLNKGRP"].where(inv["RSLNKGRP"].notna(), inv["VISIT"]).fillna(inv["RSDTC"]).astype(str)
    seen_pd = (
        is_pd.groupby(inv["USUBJID"], sort=False).cumsum().groupby(inv["USUBJID"], sort=False).shift(1).fillna(0) > 0
    )
    first_label = label.where(is_pd).groupby(inv["USUBJID"], sort=False).transform("first")
    after = seen_pd & inv["INV_OVRLRESP"].notna() & ~is_pd
    text = "RS OVRLRESP " + inv["INV_OVRLRESP"].astype(str) + " after PD at " + first_label.astype(str)
    inv.loc[after, "INV_ISSUES"] = np.where(
        inv.loc[after, "INV_ISSUES"].notna(), inv.loc[after, "INV_ISSUES"].astype(str) + "; " + text[after], text[after]
    )
    return inv.drop(columns="_ORD").sort_index()


def _stage_merge(left: pd.DataFrame, right: pd.DataFrame, keys: list[str], label: str):
    """Pair rows of ``left`` and ``right`` on ``keys`` where the keys are non-missing and unique on both sides."""
    lk = left.dropna(subset=keys)
    rk = right.dropna(subset=keys)
    lk = lk[~lk.duplicated(keys, keep=False)]
    rk = rk[~rk.duplicated(keys, keep=False)]
    pairs = lk.reset_index().merge(rk.reset_index(), on=keys, suffixes=("_L", "_R"))
    return pairs["index_L"].to_numpy(), pairs["index_R"].to_numpy(), label


def compare_responses(computed: pd.DataFrame, investigator: pd.DataFrame) -> pd.DataFrame:
    """Pair computed and investigator assessments; one row per assessment on either side.

    Columns: the computed table, the investigator's INV_* columns, RSLNKGRP,
    RSDTC, MATCHBY (RSLNKGRP, VISIT AND DATE, VISIT, DATE, COMPUTED ONLY,
    INVESTIGATOR ONLY) and per test <TEST>_AGREE ("Y", "N", or missing when
    neither side has a value).
    """
    comp = computed.reset_index(drop=True).copy()
    inv = investigator.reset_index(drop=True).copy()
    comp["_LNK"] = comp["TRLNKGRP"].map(lambda v: None if v is None or pd.isna(v) else str(v).strip().upper())
    comp["_DT"] = comp["ADT"].dt.strftime("%Y-%m-%d").where(comp["ADT"].notna(), comp.get("ADTC"))
    inv["_LNK"] = inv["RSLNKGRP"]
    inv["_DT"] = inv["RSDTC"]
    comp["_VN"] = comp["VISITNUM"].round(6)
    inv["_VN"] = pd.to_numeric(inv["VISITNUM"], errors="coerce").round(6)

    pairs = []
    left_free, right_free = comp.index, inv.index
    for keys, label in (
        (["USUBJID", "_LNK"], "RSLNKGRP"),
        (["USUBJID", "_VN", "_DT"], "VISIT AND DATE"),
        (["USUBJID", "_VN"], "VISIT"),
        (["USUBJID", "_DT"], "DATE"),
    ):
        li, ri, _ = _stage_merge(comp.loc[left_free], inv.loc[right_free], keys, label)
        pairs.append(pd.DataFrame({"_L": li, "_R": ri, "MATCHBY": label}))
        left_free = left_free.difference(li)
        right_free = right_free.difference(ri)
    pairs.append(pd.DataFrame({"_L": left_free, "_R": np.nan, "MATCHBY": "COMPUTED ONLY"}))
    pairs.append(pd.DataFrame({"_L": np.nan, "_R": right_free, "MATCHBY": "INVESTIGATOR ONLY"}))
    pairs = pd.concat(pairs, ignore_index=True)

    left = comp.drop(columns=["_LNK", "_DT", "_VN"]).reindex(pairs["_L"].to_numpy()).reset_index(drop=True)
    right = inv.drop(columns=["_LNK", "_DT", "_VN"]).reindex(pairs["_R"].to_numpy()).reset_index(drop=True)
    out = left.copy()
    out["USUBJID"] = left["USUBJID"].where(left["USUBJID"].notna(), right["USUBJID"])
    out["VISITNUM"] = left["VISITNUM"].where(left["VISITNUM"].notna(), right["VISITNUM"])
    out["VISIT"] = left["VISIT"].where(left["VISIT"].notna(), right["VISIT"])
    for col in ("RSLNKGRP", "RSDTC", *[f"INV_{t}" for t in TESTS], "INV_ISSUES"):
        out[col] = right[col].to_numpy()
    out["MATCHBY"] = pairs["MATCHBY"].to_numpy()
    for test in TESTS:
        c = out[COMPUTED_FOR[test]].astype(object).where(out[COMPUTED_FOR[test]].notna(), None)
        i = out[f"INV_{test}"].astype(object).where(out[f"INV_{test}"].notna(), None)
        if test == "NEWLPROG":  # a side that has no assessment has no new-lesion call either
            c = c.where(out["MATCHBY"] != "INVESTIGATOR ONLY", None)
            i = i.where(out["MATCHBY"] != "COMPUTED ONLY", None)
        if i.isna().all():  # RS does not hold this test at all: nothing to compare
            out[f"{test}_AGREE"] = None
            continue
        both_missing = c.isna() & i.isna()
        agree = c.fillna("\0") == i.fillna("\0")
        out[f"{test}_AGREE"] = np.where(both_missing, NONE, np.where(agree, "Y", "N"))
    out = out.sort_values(["USUBJID", "VISITNUM"], kind="stable", na_position="last").reset_index(drop=True)
    for col in out.columns:
        if out[col].dtype == object:
            out[col] = out[col].where(out[col].notna(), None)
    return out


def create_disagreement_listing(paired: pd.DataFrame) -> pd.DataFrame:
    """One row per assessment and test where the computed and investigator values differ.

    KIND says whether both sides have a value ("DIFFERENT") or only one
    ("COMPUTED ONLY", "INVESTIGATOR ONLY"). The numbers behind the computed
    response (sums, nadir, percent changes, new lesions, non-target response)
    and its REASON come along.
    """
    rows = []
    for test in TESTS:
        sub = paired[paired[f"{test}_AGREE"] == "N"].copy()
        if sub.empty:
            continue
        sub["PARAMCD"] = test
        sub["COMPUTED"] = sub[COMPUTED_FOR[test]]
        sub["INVESTIGATOR"] = sub[f"INV_{test}"]
        sub["KIND"] = np.select(
            [sub["COMPUTED"].isna(), sub["INVESTIGATOR"].isna()],
            ["INVESTIGATOR ONLY", "COMPUTED ONLY"],
            default="DIFFERENT",
        )
        rows.append(sub)
    if not rows:
        return pd.DataFrame(columns=LISTING_COLUMNS)
    listing = pd.concat(rows, ignore_index=True)
    order = {t: n for n, t in enumerate(TESTS)}
    listing["_T"] = listing["PARAMCD"].map(order)
    listing = listing.sort_values(["USUBJID", "VISITNUM", "_T"], kind="stable", na_position="last")
    return listing.reindex(columns=LISTING_COLUMNS).reset_index(drop=True)


def summarise_agreement(paired: pd.DataFrame) -> pd.DataFrame:
    """Per test: assessments compared (both sides have a value), agreeing, the rate in percent,
    and the assessments with a value on one side only."""
    rows = []
    for test in TESTS:
        i = paired[f"INV_{test}"].notna()
        c = paired[COMPUTED_FOR[test]].notna() & (i.any() or paired[COMPUTED_FOR[test]].isna().all())
        both = c & i
        agree = both & (paired[f"{test}_AGREE"] == "Y")
        n = int(both.sum())
        rows.append(
            {
                "PARAMCD": test,
                "N": n,
                "AGREE": int(agree.sum()),
                "DISAGREE": n - int(agree.sum()),
                "RATE": round(100.0 * agree.sum() / n, 2) if n else np.nan,
                "COMPONLY": int((c & ~i & (paired["MATCHBY"] != "INVESTIGATOR ONLY")).sum()),
                "INVONLY": int((i & ~c & (paired["MATCHBY"] != "COMPUTED ONLY")).sum()),
            }
        )
    summary = pd.DataFrame(rows)
    summary.attrs = {}
    return summary


def run_concordance(
    tu: pd.DataFrame, tr: pd.DataFrame, rs: pd.DataFrame, *, settings, evaluator: str | None = "INVESTIGATOR"
) -> dict[str, pd.DataFrame]:
    """The whole check: {"assessments", "paired", "listing", "summary", "investigator"}."""
    from .recist_engine import derive_assessments

    computed = derive_assessments(tu, tr, settings=settings, evaluator=evaluator)
    investigator = create_investigator_responses(rs, evaluator=evaluator)
    paired = compare_responses(computed, investigator)
    return {
        "assessments": computed,
        "investigator": investigator,
        "paired": paired,
        "listing": create_disagreement_listing(paired),
        "summary": summarise_agreement(paired),
    }
