"""ADTR derivations: target lesion diameters and their sum, with baseline, change and nadir.

adtr = create_lesion_params(tr, tu=tu, evaluator="INVESTIGATOR", settings=settings)  # LDIAMn
adtr = derive_param_sdiam(adtr)                                                      # SDIAM
adtr = derive_vars_baseline(adtr, adsl=adsl, reference_start="TRTSDT")               # AVISIT, ABLFL, BASE
adtr = derive_vars_change(adtr)                                                      # CHG, PCHG, NADIR, CHGNAD, PCHGNAD
adtr = derive_var_anl01fl_tr(adtr, adsl=adsl, first_pd=first_pd)                    # ANL01FL
adtr = derive_param_best(adtr)                                                       # DTYPE MINIMUM (best % change)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.config import AdamSettings

from .common import NONE, assert_columns, fresh, text
from .dates import impute_dtc_dt
from .recist_rules import compute_lesion_size
from .registry import Derivation, columns_of, param_token, record_date


def create_lesion_params(
    tr: pd.DataFrame, *, tu: pd.DataFrame | None, settings: AdamSettings, max_lesions: int = 5
) -> pd.DataFrame:
    """One LDIAMn record per target lesion and assessment of the evaluator.

    The n-th target lesion in TRLNKID order; AVAL: TRSTRESN of the longest
    diameter (non-nodal) or short axis (nodal) test, a lesion too small to
    measure counting as RecistSettings.too_small_mm; null when not assessed. A
    nodal lesion (TU.TULOC one of RecistSettings.nodal_locations) is measured by
    its short-axis test, any other by its longest-diameter test.
    """
    r = settings.recist
    assert_columns(tr, ["USUBJID", "TRTESTCD", "TRDTC"], dataset="TR")
    tests = {r.longest_diameter_testcd, r.short_axis_testcd} | ({r.diameter_testcd} if r.diameter_testcd else set())
    rows = tr[text(tr["TRTESTCD"]).isin(tests)]
    link = "TRLNKID" if "TRLNKID" in rows.columns else "TULNKID"
    if "TRGRPID" in rows.columns:
        rows = rows[text(rows["TRGRPID"]).fillna(r.target_category) == r.target_category]
    if "TREVAL" in rows.columns:
        rows = rows[text(rows["TREVAL"]).fillna(settings.evaluator) == settings.evaluator]
    if "TREVALID" in rows.columns and "TREVAL" not in rows.columns:
        rows = rows[text(rows["TREVALID"]).isna()]
    if r.diameter_testcd:
        rows = rows[text(rows["TRTESTCD"]) == r.diameter_testcd]
    elif tu is not None and not tu.empty and {"TULOC", "TULNKID"} <= set(tu.columns):
        # nodal lesions by their short axis, the others by their longest diameter
        nodal_ids = tu[text(tu["TULOC"]).isin(r.nodal_locations)]
        nodal = (
            pd.Series(list(zip(rows["USUBJID"], rows[link], strict=False)))
            .isin(set(zip(nodal_ids["USUBJID"], nodal_ids["TULNKID"], strict=False)))
            .to_numpy()
        )
        test = text(rows["TRTESTCD"]).to_numpy()
        rows = rows[np.where(nodal, test == r.short_axis_testcd, test == r.longest_diameter_testcd)]
    rows = rows.pipe(fresh)
    result = text(rows["TRORRES"]).fillna("") if "TRORRES" in rows.columns else pd.Series("", index=rows.index)
    small = result.str.upper().isin(r.too_small_results)
    value = compute_lesion_size(pd.to_numeric(rows["TRSTRESN"], errors="coerce"), small, settings=r)
    adt, adtf = impute_dtc_dt(rows["TRDTC"], highest_imputation="D", date_imputation=settings.response_day_imputation)
    lesions = rows[["USUBJID", link]].drop_duplicates().sort_values(["USUBJID", link], kind="mergesort")
    lesions["n"] = lesions.groupby("USUBJID").cumcount() + 1
    number = rows.merge(lesions, on=["USUBJID", link], how="left")["n"].to_numpy()
    loc = None
    if tu is not None and not tu.empty and "TULOC" in tu.columns and "TULNKID" in tu.columns:
        first = tu.drop_duplicates(["USUBJID", "TULNKID"]).set_index(["USUBJID", "TULNKID"])["TULOC"]
        loc = pd.Series(list(zip(rows["USUBJID"], rows[link], strict=False)), index=rows.index).map(first)
    out = pd.DataFrame(
        {
            "USUBJID": rows["USUBJID"].to_numpy(),
            "PARAMCD": np.array([f"LDIAM{int(n)}" for n in number], dtype=object),  # object even with no rows
            "AVAL": value.to_numpy(dtype="float64"),
            "ADT": adt.to_numpy(),
            "ADTF": adtf.to_numpy(),
            "VISIT": (text(rows["VISIT"]) if "VISIT" in rows.columns else pd.Series(None, index=rows.index)).to_numpy(),
            "VISITNUM": pd.to_numeric(rows.get("VISITNUM"), errors="coerce").to_numpy(dtype="float64")
            if "VISITNUM" in rows.columns
            else np.nan,
            "TRLNKID": text(rows[link]).to_numpy(),
            "TULOC": loc.to_numpy(dtype=object) if loc is not None else None,
            "SRCDOM": "TR",
            "SRCVAR": "TRSTRESN",
            "SRCSEQ": pd.to_numeric(rows["TRSEQ"], errors="coerce").to_numpy(dtype="float64")
            if "TRSEQ" in rows.columns
            else np.nan,
            "_n": number,
        }
    )
    return out[out["_n"] <= max_lesions].drop(columns="_n").reset_index(drop=True)


def derive_param_sdiam(adtr: pd.DataFrame, *, paramcd: str = "SDIAM") -> pd.DataFrame:
    """Add SDIAM per subject and assessment date: the sum of the lesions' AVAL; null when any
    target lesion of the subject is not assessed at that date."""
    lesions = adtr[adtr["PARAMCD"].str.startswith("LDIAM")]
    count = lesions.groupby("USUBJID")["PARAMCD"].nunique()
    by = lesions.groupby(["USUBJID", "ADT"], sort=False)
    agg = by.agg(
        AVAL=("AVAL", "sum"), assessed=("AVAL", "count"), VISIT=("VISIT", "first"), VISITNUM=("VISITNUM", "first")
    ).reset_index()
    complete = agg["assessed"] == agg["USUBJID"].map(count)
    agg["AVAL"] = agg["AVAL"].where(complete)
    agg["PARAMCD"] = paramcd
    return pd.concat([adtr, agg.drop(columns="assessed")], ignore_index=True)


def derive_vars_baseline(
    adtr: pd.DataFrame,
    *,
    adsl: pd.DataFrame,
    reference_start: str,
    baseline_visit: str = "BASELINE",
    baseline_visitn: float = 0.0,
) -> pd.DataFrame:
    """AVISIT/AVISITN, ABLFL and BASE: the baseline is the last non-missing record on or before the
    reference start per parameter (AVISIT 'BASELINE', AVISITN 0); earlier records are dropped;
    later ones keep their VISIT/VISITNUM."""
    out = adtr.pipe(fresh)
    start = out["USUBJID"].map(adsl.set_index("USUBJID")[reference_start])
    pre = start.notna() & (out["ADT"] <= start)
    cand = out[pre & out["AVAL"].notna()].sort_values(["USUBJID", "PARAMCD", "ADT"], kind="mergesort")
    base_idx = cand.drop_duplicates(["USUBJID", "PARAMCD"], keep="last").index
    out["ABLFL"] = None
    out.loc[base_idx, "ABLFL"] = "Y"
    out = out[~pre | out["ABLFL"].eq("Y")].pipe(fresh)
    post = out["ABLFL"].ne("Y")
    out["AVISIT"] = np.where(post, out["VISIT"], baseline_visit).astype(object)
    out["AVISITN"] = np.where(post, out["VISITNUM"], baseline_visitn).astype("float64")
    base = out[out["ABLFL"] == "Y"].set_index(["USUBJID", "PARAMCD"])["AVAL"]
    out["BASE"] = (
        pd.Series(list(zip(out["USUBJID"], out["PARAMCD"], strict=False)), index=out.index).map(base).astype("float64")
    )
    return out


def derive_vars_change(adtr: pd.DataFrame) -> pd.DataFrame:
    """CHG, PCHG (post-baseline), NADIR (the smallest AVAL from baseline up to the previous record),
    CHGNAD and PCHGNAD."""
    out = adtr.sort_values(["USUBJID", "PARAMCD", "ADT"], kind="mergesort").pipe(fresh)
    post = out["ABLFL"].ne("Y") & out["BASE"].notna()
    out["CHG"] = (out["AVAL"] - out["BASE"]).where(post)
    out["PCHG"] = (100 * (out["AVAL"] - out["BASE"]) / out["BASE"]).where(post & (out["BASE"] > 0))
    running = out.groupby(["USUBJID", "PARAMCD"], sort=False)["AVAL"].cummin()
    running = running.groupby([out["USUBJID"], out["PARAMCD"]], sort=False).ffill()
    out["NADIR"] = running.groupby([out["USUBJID"], out["PARAMCD"]], sort=False).shift(1).where(post)
    out["CHGNAD"] = out["AVAL"] - out["NADIR"]
    out["PCHGNAD"] = (100 * (out["AVAL"] - out["NADIR"]) / out["NADIR"]).where(out["NADIR"] > 0)
    return out


def derive_var_anl01fl_tr(
    adtr: pd.DataFrame,
    *,
    adsl: pd.DataFrame,
    adrs: pd.DataFrame,
    pd_param: str = "PD",
    new_therapy: str = "NACTDT",
) -> pd.DataFrame:
    """ANL01FL of ADTR (the spec's MT.ANL01FL_TR; ADRS's ANL01FL, the worst response of a date, is
    adrs.derive_var_anl01fl): 'Y' for baseline and post-baseline records up to the first PD
    (the ADT of ADRS ``pd_param`` records with AVALC 'Y') and before the first subsequent
    anti-cancer therapy."""
    assert_columns(adrs, ["USUBJID", "PARAMCD", "AVALC", "ADT"], dataset="ADRS")
    first_pd = adrs[(adrs["PARAMCD"] == pd_param) & (adrs["AVALC"] == "Y")].set_index("USUBJID")["ADT"]
    out = adtr.pipe(fresh)
    limit_pd = out["USUBJID"].map(first_pd)
    keep = limit_pd.isna() | (out["ADT"] <= limit_pd)
    if new_therapy in adsl.columns:
        nact = out["USUBJID"].map(adsl.set_index("USUBJID")[new_therapy])
        keep &= nact.isna() | (out["ADT"] < nact)
    keep &= out["AVISITN"].notna()
    out["ANL01FL"] = np.where(keep, "Y", NONE).astype(object)
    return out


def derive_param_best(
    adtr: pd.DataFrame,
    *,
    paramcd: str = "SDIAM",
    dtype: str = "MINIMUM",
    visit: str = "BEST RESPONSE",
    visitn: float = 999.0,
) -> pd.DataFrame:
    """Add a DTYPE ``dtype`` copy of the post-baseline ``paramcd`` ANL01FL record with the smallest
    AVAL (the best percent change) per subject."""
    rows = adtr[(adtr["PARAMCD"] == paramcd) & adtr["ABLFL"].ne("Y") & (adtr["ANL01FL"] == "Y") & adtr["PCHG"].notna()]
    best = rows.sort_values(["USUBJID", "AVAL", "ADT"], kind="mergesort").drop_duplicates("USUBJID").pipe(fresh)
    best["DTYPE"], best["AVISIT"], best["AVISITN"] = dtype, visit, visitn
    return pd.concat([adtr, best], ignore_index=True)


def split_unevaluable(adtr: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(records with a value, records without one): a lesion not assessed at a date,
    or a sum with a target missing. A BDS record holds AVAL or AVALC, so the latter
    are left out of ADTR and listed by the caller."""
    missing = adtr["AVAL"].isna()
    return adtr[~missing].reset_index(drop=True), adtr[missing].reset_index(drop=True)


def _report_unevaluable(removed: pd.DataFrame, _kwargs) -> list[tuple[str | None, str, str]]:
    out = []
    for row in removed.itertuples():
        when = record_date(row)
        out.append(
            (
                row.USUBJID,
                "not evaluable",
                f"{row.PARAMCD} on {when} has no value (a target lesion not assessed); record left out",
            )
        )
    return out


DERIVATIONS = {
    "create_lesion_params": Derivation(
        create_lesion_params,
        kind="create",
        adds=(
            "USUBJID",
            "PARAMCD",
            "AVAL",
            "ADT",
            "VISIT",
            "VISITNUM",
            "TRLNKID",
            "TULOC",
            "SRCDOM",
            "SRCVAR",
            "SRCSEQ",
        ),
        optional={"tu": "none"},
    ),
    "derive_param_sdiam": Derivation(
        derive_param_sdiam, kind="records", needs=("AVAL",), adds=lambda k: (param_token(k.get("paramcd", "SDIAM")),)
    ),
    "derive_vars_baseline": Derivation(
        derive_vars_baseline, needs=("AVAL", "ADT"), adds=("AVISIT", "AVISITN", "ABLFL", "BASE")
    ),
    "derive_vars_change": Derivation(
        derive_vars_change, needs=("BASE", "ABLFL"), adds=("CHG", "PCHG", "NADIR", "CHGNAD", "PCHGNAD")
    ),
    "derive_var_anl01fl_tr": Derivation(derive_var_anl01fl_tr, needs=("AVISITN",), adds=("ANL01FL",)),
    "derive_param_best": Derivation(
        derive_param_best, kind="records", needs=("PCHG", "ANL01FL", "ABLFL"), adds=columns_of("DTYPE")
    ),
    "split_unevaluable": Derivation(split_unevaluable, kind="filter", needs=("DTYPE",), report=_report_unevaluable),
}
