"""ADTTE: Time-to-Event Analysis Dataset.

Inputs: ADSL (start, death, last known alive, new therapy, cut-off), ADRS (OVR
ANL01FL assessments, CBOR/CRSP). PFS, OS and DOR in days, FDA 2018 censoring.
"""

from __future__ import annotations

import pandas as pd

from .. import tte as d
from ..common import derive_vars_merged, derive_vars_param
from ..context import AdamRun

ADSL_VARS = ["STUDYID", "SUBJID", "SITEID", "TRT01P", "TRT01A", "TRTSDT", "SAFFL", "FASFL", "RSPEVLFL", "AGE", "SEX"]


def build_adtte(run: AdamRun) -> pd.DataFrame:
    s = run.settings
    adsl, adrs = run.datasets["ADSL"], run.datasets["ADRS"]
    adtte = (
        d.create_tte_frame()
        # PFS: first PD or death; censoring by the study's conventions
        .pipe(d.derive_param_pfs, adsl=adsl, adrs=adrs, settings=s)
        # OS: death; censored at the last date known alive, never after the cut-off
        .pipe(d.derive_param_os, adsl=adsl, settings=s)
        # DOR: confirmed responders, from the first CR/PR later confirmed
        .pipe(d.derive_param_dor, adsl=adsl, adrs=adrs, settings=s)
    )
    adtte["AVALU"] = _single_term(run, "AVALU")
    adtte = (
        adtte
        # PARAM, PARAMN from PARAMCD
        .pipe(derive_vars_param, spec=run.spec, dataset="ADTTE")
        # subject-level variables from ADSL
        .pipe(derive_vars_merged, dataset_add=adsl, by=["USUBJID"], new_vars=ADSL_VARS, dataset="ADSL")
    )
    return run.finish(adtte, "ADTTE")


def _single_term(run: AdamRun, variable: str):
    codelist = run.spec.variable("ADTTE", variable).codelist
    terms = run.spec.codelist(codelist).terms if codelist and run.spec.has_codelist(codelist) else ()
    return terms[0].term if len(terms) == 1 else None
