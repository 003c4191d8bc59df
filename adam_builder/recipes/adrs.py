"""ADRS: Tumor Response Analysis Dataset.

Inputs: RS (overall response of the evaluator), TU and TR (the RECIST engine's
recomputed response), ADSL. Assessment-level OVR and OVRC; subject-level BOR,
CBOR, RSP, CRSP, DCR, CDCR, PD, DEATH, LSTA, MDIS (derived from OVR).
"""

from __future__ import annotations

import pandas as pd

from .. import adrs as d
from ..common import derive_vars_param, single_term
from ..context import AdamRun
from ..dates import derive_var_ady
from ..recist_rules import CR, NON_CR_NON_PD, PR, SD


def build_adrs(run: AdamRun) -> pd.DataFrame:
    s = run.settings
    adsl = run.datasets["ADSL"]
    # OVR: the evaluator's overall response per assessment, ADT with a missing day imputed
    ovr = d.create_ovr_records(
        run.get("RS"), adsl=adsl, evaluator=s.evaluator, day_imputation=s.response_day_imputation
    )
    ovr["PARCAT2"] = s.evaluator
    # OVRC: the overall response recomputed per RECIST 1.1 from TU/TR by the engine
    parts = [ovr]
    if run.has("TU") and run.has("TR"):
        from ..recist_engine import derive_assessments

        ovrc = d.create_ovrc_records(
            derive_assessments(run.get("TU"), run.get("TR"), settings=s.recist, evaluator=s.evaluator), adsl=adsl
        )
        ovrc["PARCAT2"] = "COMPUTED"
        parts.append(ovrc)
    adrs = pd.concat(parts, ignore_index=True)
    adrs = (
        adrs
        # ANL01FL: the worst response per subject and date
        .pipe(d.derive_var_anl01fl)
        # ANL02FL: from the reference start, before new anti-cancer therapy, up to the first PD
        .pipe(d.derive_var_anl02fl, adsl=adsl, reference_start=s.reference_start)
    )
    for _, row in d.compute_cr_then_pr(adrs).iterrows():
        run.add_issue(
            "ADRS",
            row["USUBJID"],
            "PR after CR",
            f"overall response PR on {row['PR_DATE']:%Y-%m-%d} after CR on {row['CR_DATE']:%Y-%m-%d} "
            "without progression: check the assessments (BOR derived as recorded)",
        )
    adrs = (
        adrs
        # BOR and CBOR: best overall response, unconfirmed and confirmed (RECIST.md, study settings)
        .pipe(d.derive_param_bor, adsl=adsl, settings=s, paramcd="BOR", confirmed=False)
        .pipe(d.derive_param_bor, adsl=adsl, settings=s, paramcd="CBOR", confirmed=True)
        # RSP, CRSP: responders; DCR, CDCR: disease control
        .pipe(d.derive_param_response, source_param="BOR", paramcd="RSP", responses=(CR, PR))
        .pipe(d.derive_param_response, source_param="CBOR", paramcd="CRSP", responses=(CR, PR))
        .pipe(d.derive_param_response, source_param="BOR", paramcd="DCR", responses=(CR, PR, SD, NON_CR_NON_PD))
        .pipe(d.derive_param_response, source_param="CBOR", paramcd="CDCR", responses=(CR, PR, SD, NON_CR_NON_PD))
        # PD: first progression; DEATH; LSTA: last adequate assessment; MDIS: measurable disease
        .pipe(d.derive_param_pd, adsl=adsl)
        .pipe(d.derive_param_death, adsl=adsl)
        .pipe(d.derive_param_lsta)
        .pipe(
            d.derive_param_mdis,
            adsl=adsl,
            tu=run.get("TU"),
            evaluator=s.evaluator,
            reference_start=s.reference_start,
            target_category=s.recist.target_category,
        )
    )
    subject_level = ~adrs["PARAMCD"].isin(["OVR", "OVRC"])
    adrs.loc[subject_level & adrs["PARCAT2"].isna() & (adrs["PARAMCD"] != "DEATH"), "PARCAT2"] = s.evaluator
    adrs["PARCAT1"] = single_term(run.spec, "ADRS", "PARCAT1")
    adrs = (
        adrs
        # PARAM, PARAMN from PARAMCD; AVAL from AVALC by the value-level codelists
        .pipe(derive_vars_param, spec=run.spec, dataset="ADRS")
        .pipe(d.derive_var_aval_by_param, spec=run.spec)
        # subject-level variables from ADSL; ADY
        .pipe(run.merge_adsl, "ADRS")
        .pipe(derive_var_ady, date="ADT", reference="TRTSDT")
    )
    return run.finish(adrs, "ADRS")
