"""ADTR: Tumor Results Analysis Dataset.

Inputs: TR and TU (target lesions of the evaluator), ADSL, ADRS (first PD).
LDIAM1..5 per lesion, SDIAM the sum; BASE, CHG, PCHG, NADIR, CHGNAD, PCHGNAD;
a DTYPE MINIMUM record with the best percent change per subject.
"""

from __future__ import annotations

import pandas as pd

from .. import adtr as d
from ..common import derive_vars_param
from ..context import AdamRun
from ..dates import derive_var_ady


def build_adtr(run: AdamRun) -> pd.DataFrame:
    s = run.settings
    adsl, adrs = run.datasets["ADSL"], run.datasets["ADRS"]
    first_pd = adrs[(adrs["PARAMCD"] == "PD") & (adrs["AVALC"] == "Y")].set_index("USUBJID")["ADT"]
    adtr = (
        # LDIAMn: each target lesion's diameter (too small to measure: the RECIST setting)
        d.create_lesion_params(run.get("TR"), tu=run.get("TU"), settings=s)
        # SDIAM: the sum of diameters per assessment (null when a lesion is missing)
        .pipe(d.derive_param_sdiam)
        # AVISIT/AVISITN, ABLFL, BASE: baseline = last assessment on or before the reference start
        .pipe(d.derive_vars_baseline, adsl=adsl, reference_start=s.reference_start)
        # CHG, PCHG, NADIR, CHGNAD, PCHGNAD
        .pipe(d.derive_vars_change)
        # ANL01FL: baseline and post-baseline up to the first PD, before new anti-cancer therapy
        .pipe(d.derive_var_anl01fl_tr, adsl=adsl, first_pd=first_pd)
        # DTYPE MINIMUM: best percent change of the sum per subject
        .pipe(d.derive_param_best)
    )
    # records without a value (a lesion not assessed, a sum with a target missing) are
    # left out of ADTR and listed in the issue report, one line each
    adtr, unevaluable = d.split_unevaluable(adtr)
    for row in unevaluable.itertuples():
        when = row.ADT.date().isoformat() if pd.notna(row.ADT) else "an unknown date"
        run.add_issue(
            "ADTR",
            row.USUBJID,
            "not evaluable",
            f"{row.PARAMCD} on {when} has no value (a target lesion not assessed); record left out",
        )
    adtr = (
        adtr.pipe(derive_vars_param, spec=run.spec, dataset="ADTR")
        .pipe(run.merge_adsl, "ADTR")
        .pipe(derive_var_ady, date="ADT", reference="TRTSDT")
    )
    return run.finish(adtr, "ADTR")
