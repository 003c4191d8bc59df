"""ADAE: Adverse Events Analysis Dataset.

Inputs: AE, SUPPAE (causality and action per drug), ADSL.
"""

from __future__ import annotations

import pandas as pd

from .. import adae as d
from ..common import assert_columns, derive_vars_supp
from ..context import AdamRun


def build_adae(run: AdamRun) -> pd.DataFrame:
    s = run.settings
    ae = run.get("AE")
    assert_columns(ae, ["USUBJID", "AESEQ", "AESTDTC", "AEENDTC"], dataset="AE")
    adae = (
        ae
        # AERELAN, AERELTR, AEACNAN, AEACNTR: per-drug qualifiers from SUPPAE
        .pipe(derive_vars_supp, supp=run.get("SUPPAE"), names=run.spec_names("ADAE"))
        # the ADSL variables of the spec, and the death and cut-off dates the analysis dates are bounded by
        .pipe(run.merge_adsl, "ADAE", needs=("DTHDT", "DCUTDT"))
        .assign(TRTA=lambda f: f["TRT01A"])
        # ASTDT/ASTDTF, AENDT/AENDTF with imputation bounded by first dose, death and cut-off; ASTDY, AENDY
        .pipe(d.derive_vars_analysis_dates)
        # TRTEMFL: from first dose to the last dose + the study's window
        .pipe(d.derive_var_trtemfl, emergent_days=s.ae_emergent_days)
        # ATOXGRN; RELANFL, RELTRFL: related to each drug
        .pipe(d.derive_vars_grade_relation, relations={"RELANFL": "AERELAN", "RELTRFL": "AERELTR"})
        # AOCC01FL..03FL: worst grade per subject, per SOC, per PT
        .pipe(d.derive_vars_worst)
    )
    return run.finish(adae, "ADAE")
