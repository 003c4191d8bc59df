"""AE, CM, DS and EX: mapped by the spec's rules, then the few derivations SDTMIG
asks for beyond a one-to-one mapping."""
from __future__ import annotations

import numpy as np
import pandas as pd

from specs.integrity import supplemental_qualifiers

from ..context import SdtmRun


def build_mapped(run: SdtmRun, dataset: str) -> pd.DataFrame:
    """A dataset that the Mapping sheet describes completely."""
    return run.map(dataset)


def build_ae(run: SdtmRun) -> pd.DataFrame:
    ae = run.map("AE")
    # AEREL: related to any study treatment (the per-drug causality goes to SUPPAE)
    rel = [q for q in supplemental_qualifiers(run.spec).get("AE", ()) if q.startswith("AEREL")]
    acn = [q for q in supplemental_qualifiers(run.spec).get("AE", ()) if q.startswith("AEACN")]
    ae = derive_var_any_related(ae, per_drug=rel, codelist=run.spec.codelist(run.spec.variable("AE", "AEREL").codelist))
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
    NOT APPLICABLE); null when the actions differ (each is in SUPPAE)."""
    out = ae.copy()
    present = [c for c in per_drug if c in ae.columns]
    if not present:
        return out
    values = ae[present].where(ae[present] != "NOT APPLICABLE")

    def one(row) -> str | None:
        actions = {v for v in row if isinstance(v, str)}
        if len(actions) == 1:
            return actions.pop()
        if not actions and row.notna().any():
            return "NOT APPLICABLE"
        return None

    raw_all = ae[present]
    out["AEACN"] = [one(values.iloc[i]) if values.iloc[i].notna().any() else
                    ("NOT APPLICABLE" if raw_all.iloc[i].notna().any() else None) for i in range(len(ae))]
    return out
