"""The collected datasets: mapped by the spec's rules; AE and SV then get the few
derivations SDTMIG asks for beyond a one-to-one mapping."""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.integrity import supplemental_qualifiers

from ..context import SdtmRun
from ..raw import NULL
from .trial_design import codelist_id


def build_mapped(run: SdtmRun, dataset: str) -> pd.DataFrame:
    """A dataset that the Mapping sheet describes completely."""
    return run.map(dataset)


def build_sv(run: SdtmRun) -> pd.DataFrame:
    """SV: every visit of the visit form, SVPRESP / SVOCCUR for the planned ones (SDTMIG 3.4).

    SVPRESP is 'Y' for a visit of the trial design (TV) and null for an
    unscheduled one; SVOCCUR, mapped from the form ('visit done?'), is kept for
    planned visits only (null for unscheduled ones, which took place by
    definition).
    """
    sv = run.map("SV").copy()
    if "VISIT" not in sv.columns:
        return sv
    planned = (
        sv["VISIT"].isin(set(run.get("TV")["VISIT"].dropna()))
        if "TV" in run.datasets
        else pd.Series(False, index=sv.index)
    )
    if any(v.name == "SVPRESP" for v in run.spec.variables_of("SV")):
        sv["SVPRESP"] = np.where(planned, "Y", NULL)
    if "SVOCCUR" in sv.columns:
        sv["SVOCCUR"] = sv["SVOCCUR"].where(planned, None)
    return sv


def build_ae(run: SdtmRun) -> pd.DataFrame:
    ae = run.map("AE")
    # AEREL: related to any study treatment (the per-drug causality goes to SUPPAE)
    rel = [q for q in supplemental_qualifiers(run.spec).get("AE", ()) if q.startswith("AEREL")]
    acn = [q for q in supplemental_qualifiers(run.spec).get("AE", ()) if q.startswith("AEACN")]
    ae = derive_var_any_related(ae, per_drug=rel, codelist=run.spec.codelist(codelist_id(run.spec, "AE", "AEREL")))
    ae = derive_var_single_action(ae, per_drug=acn)
    return ae


def derive_var_any_related(ae: pd.DataFrame, *, per_drug: list[str], codelist) -> pd.DataFrame:
    """AEREL: the strongest relationship to any of the study treatments.

    The codelist's term order is the scale (first = least related).
    """
    out = ae.copy()
    present = [c for c in per_drug if c in ae.columns]
    if not present:
        return out
    rank = {t.term: i for i, t in enumerate(codelist.terms)}
    ranks = np.column_stack([ae[c].map(rank).astype("float64").to_numpy() for c in present])
    best = np.nanmax(np.where(np.isnan(ranks), -1, ranks), axis=1)
    terms = [t.term for t in codelist.terms]
    out["AEREL"] = [terms[int(b)] if b >= 0 else None for b in best]
    return out


def derive_var_single_action(ae: pd.DataFrame, *, per_drug: list[str]) -> pd.DataFrame:
    """AEACN: the action when it is the same for every study treatment (ignoring
    NOT APPLICABLE); "MULTIPLE" when the actions differ, each in SUPPAE (SDTMIG 3.4's
    convention for several study treatments)."""
    out = ae.copy()
    present = [c for c in per_drug if c in ae.columns]
    if not present:
        return out
    raw = ae[present]
    values = raw.where(raw != "NOT APPLICABLE")
    first = values.bfill(axis=1).iloc[:, 0]
    same = (values.eq(first, axis=0) | values.isna()).all(axis=1)
    action = first.where(same | first.isna(), "MULTIPLE").where(lambda a: a.notna(), None)
    only_na = values.isna().all(axis=1) & raw.notna().any(axis=1)
    out["AEACN"] = action.where(~only_na, "NOT APPLICABLE").astype(object).where(lambda a: a.notna(), None)
    return out
