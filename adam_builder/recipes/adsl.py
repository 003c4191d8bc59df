"""ADSL: Subject-Level Analysis Dataset.

Inputs: DM, SUPPDM, EX, DS, DD, AE, CM, SV, TU, TR, RS, TS. One record per subject in DM.
"""

from __future__ import annotations

import pandas as pd

from .. import adsl as d
from ..common import derive_vars_supp
from ..context import AdamRun


def build_adsl(run: AdamRun) -> pd.DataFrame:
    s = run.settings
    adsl = (
        # DM variables, one record per subject
        d.create_adsl(run.get("DM"))
        # TRTSDTM/TRTSTMF/TRTSDT, TRTEDTM/TRTETMF/TRTEDT, TRTDURD: exposure from EX
        .pipe(d.derive_vars_trt_dates, ex=run.get("EX"))
        # RANDDT: the randomisation date (null in a single-arm study)
        .pipe(d.derive_var_randdt, ds=run.get("DS"))
        # TRT01P(N), TRT01A(N): from the arm codes by the spec's codelists
        .pipe(d.derive_vars_trt, spec=run.spec)
        # AGEGR1(N): by the terms of the AGEGR1 codelist
        .pipe(d.derive_vars_age_group, spec=run.spec)
        # HISTOL, ECOGBL ...: ADSL variables that are SUPPDM qualifiers
        .pipe(derive_vars_supp, supp=run.get("SUPPDM"), names=run.spec_names("ADSL"))
        # ENRLFL, SAFFL, FASFL, RSPEVLFL
        .pipe(
            d.derive_vars_populations,
            tu=run.get("TU"),
            evaluator=s.evaluator,
            reference_start=s.reference_start,
            target_category=s.recist.target_category,
        )
        # EOTSTT/DCTREAS and EOSSTT/DCSREAS/EOSDT from DS disposition events
        .pipe(
            d.derive_vars_disposition,
            ds=run.get("DS"),
            subcategory="END OF TREATMENT",
            status="EOTSTT",
            reason="DCTREAS",
            treated_only=True,
        )
        .pipe(
            d.derive_vars_disposition,
            ds=run.get("DS"),
            subcategory="END OF STUDY",
            status="EOSSTT",
            reason="DCSREAS",
            date="EOSDT",
        )
        # DCUTDT, DCUTDESC: the data cut-off (TS, else the study settings)
        .pipe(d.derive_vars_cutoff, ts=run.get("TS"), default=s.data_cutoff)
        # LSTALVDT from every dated contact, never after the cut-off
        .pipe(d.derive_var_lstalvdt, sources=run.sdtm)
        # DTHDT/DTHDTF (never before LSTALVDT), DTHFL, DTHCAUS (the collected cause, DD); LSTALVDT = DTHDT for deaths
        .pipe(
            d.derive_vars_death, ds=run.get("DS"), ae=run.get("AE"), dd=run.get("DD"), fatal_outcomes=s.fatal_outcomes
        )
        # RFICDT: informed consent date
        .assign(RFICDT=lambda f: d.impute_dtc_dt(f["RFICDTC"])[0] if "RFICDTC" in f.columns else pd.NaT)
        # NACTDT: first subsequent anti-cancer therapy
        .pipe(d.derive_var_nactdt, cm=run.get("CM"), start="TRTSDT")
    )
    return run.finish(adsl, "ADSL")
