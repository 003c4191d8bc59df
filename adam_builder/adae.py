"""ADAE derivations: analysis dates with imputation flags, treatment emergence, grades, causality."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import NONE, assert_columns, derive_var_extreme_flag, fresh, number, text
from .dates import compute_ady, impute_dtc_dt
from .registry import Derivation

RELATED = ("POSSIBLY RELATED", "PROBABLY RELATED", "RELATED")


def derive_vars_analysis_dates(ae: pd.DataFrame) -> pd.DataFrame:
    """ASTDT/ASTDTF and AENDT/AENDTF (ADSL TRTSDT, DTHDT and DCUTDT merged beforehand).

    End: a missing day imputed as the last of the month, a missing month as
    December, never after the death date or the cut-off; null when ongoing.
    Start: a missing day as the first of the month, a missing month as January,
    not before TRTSDT when the partial date could fall on or after it, and never
    after the end or the death date.
    """
    assert_columns(ae, ["AESTDTC", "AEENDTC", "TRTSDT", "DTHDT", "DCUTDT"], dataset="ADAE")
    out = ae.pipe(fresh)
    out["AENDT"], out["AENDTF"] = impute_dtc_dt(
        out["AEENDTC"], highest_imputation="M", date_imputation="last", max_dates=[out["DTHDT"], out["DCUTDT"]]
    )
    out["ASTDT"], out["ASTDTF"] = impute_dtc_dt(
        out["AESTDTC"],
        highest_imputation="M",
        date_imputation="first",
        min_dates=[out["TRTSDT"]],
        max_dates=[out["AENDT"], out["DTHDT"]],
    )
    out["ASTDY"] = compute_ady(out["ASTDT"], out["TRTSDT"])
    out["AENDY"] = compute_ady(out["AENDT"], out["TRTSDT"])
    return out


def derive_var_trtemfl(ae: pd.DataFrame, *, emergent_days: int) -> pd.DataFrame:
    """TRTEMFL 'Y' when TRTSDT <= ASTDT <= TRTEDT + ``emergent_days``, or ASTDT is missing and the
    event did not end before TRTSDT."""
    assert_columns(ae, ["ASTDT", "AENDT", "TRTSDT", "TRTEDT"], dataset="ADAE")
    out = ae.pipe(fresh)
    end = out["TRTEDT"] + pd.to_timedelta(emergent_days, unit="D")
    dosed = out["TRTSDT"].notna()
    within = dosed & (out["ASTDT"] >= out["TRTSDT"]) & (end.isna() | (out["ASTDT"] <= end))
    unknown = dosed & out["ASTDT"].isna() & (out["AENDT"].isna() | (out["AENDT"] >= out["TRTSDT"]))
    out["TRTEMFL"] = np.where(within | unknown, "Y", NONE).astype(object)
    return out


def derive_vars_grade_relation(
    ae: pd.DataFrame, *, relations: dict[str, str], related: tuple[str, ...] = RELATED
) -> pd.DataFrame:
    """ATOXGRN from AETOXGR; each flag of ``relations`` (flag -> causality variable) 'Y' when related."""
    out = ae.pipe(fresh)
    out["ATOXGRN"] = number(out["AETOXGR"]) if "AETOXGR" in out.columns else np.nan
    for flag, source in relations.items():
        values = text(out[source]) if source in out.columns else pd.Series(None, index=out.index, dtype=object)
        out[flag] = np.where(values.isin(related), "Y", NONE).astype(object)
    return out


def derive_vars_worst(ae: pd.DataFrame) -> pd.DataFrame:
    """AOCC01FL / AOCC02FL / AOCC03FL: among TRTEMFL records, sorted by ATOXGRN descending, then
    ASTDT and AESEQ, the first per subject / subject and AEBODSYS / subject and AEDECOD."""
    out = ae.pipe(fresh)
    out["_GR"] = -out["ATOXGRN"].fillna(-1)
    out["_SEQ"] = number(out["AESEQ"])
    emergent = out["TRTEMFL"] == "Y"
    order = ["_GR", "ASTDT", "_SEQ"]
    for flag, by in (
        ("AOCC01FL", ["USUBJID"]),
        ("AOCC02FL", ["USUBJID", "AEBODSYS"]),
        ("AOCC03FL", ["USUBJID", "AEDECOD"]),
    ):
        out = derive_var_extreme_flag(out, by=by, order=order, new_var=flag, filter=emergent)
    return out.drop(columns=["_GR", "_SEQ"])


DERIVATIONS = {
    "derive_vars_analysis_dates": Derivation(
        derive_vars_analysis_dates,
        needs=("TRTSDT", "DTHDT", "DCUTDT"),
        adds=("ASTDT", "ASTDTF", "AENDT", "AENDTF", "ASTDY", "AENDY"),
    ),
    "derive_var_trtemfl": Derivation(
        derive_var_trtemfl, needs=("ASTDT", "AENDT", "TRTSDT", "TRTEDT"), adds=("TRTEMFL",)
    ),
    "derive_vars_grade_relation": Derivation(
        derive_vars_grade_relation,
        needs=lambda k: ("AETOXGR", *k.get("relations", {}).values()),
        adds=lambda k: ("ATOXGRN", *k.get("relations", {})),
    ),
    "derive_vars_worst": Derivation(
        derive_vars_worst, needs=("TRTEMFL", "ATOXGRN", "ASTDT"), adds=("AOCC01FL", "AOCC02FL", "AOCC03FL")
    ),
}
