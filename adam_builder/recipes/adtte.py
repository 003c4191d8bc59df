"""ADTTE: Time-to-Event Analysis Dataset.

Inputs: ADSL (start, death, last known alive, new therapy, cut-off), ADRS (OVR
ANL01FL assessments, CBOR/CRSP). PFS, OS and DOR in days, FDA 2018 censoring.
"""

from __future__ import annotations

import pandas as pd

from .. import tte as d
from ..common import derive_vars_param, single_term
from ..context import AdamRun


def build_adtte(run: AdamRun) -> pd.DataFrame:
    s = run.settings
    adsl, adrs = run.datasets["ADSL"], run.datasets["ADRS"]
    adtte = (
        d.create_tte_frame()
        # PFS: first PD or death; censoring by the study's conventions
        .pipe(d.derive_param_pfs, adsl=adsl, adrs=adrs, settings=s, spec=run.spec)
        # OS: death; censored at the last date known alive, never after the cut-off
        .pipe(d.derive_param_os, adsl=adsl, settings=s, spec=run.spec)
        # DOR: confirmed responders, from the first CR/PR later confirmed
        .pipe(d.derive_param_dor, adsl=adsl, adrs=adrs, settings=s, spec=run.spec)
    )
    adtte["AVALU"] = single_term(run.spec, "ADTTE", "AVALU")
    adtte = (
        adtte
        # PARAM, PARAMN from PARAMCD
        .pipe(derive_vars_param, spec=run.spec, dataset="ADTTE")
        # subject-level variables from ADSL
        .pipe(run.merge_adsl, "ADTTE")
    )
    return run.finish(adtte, "ADTTE")
