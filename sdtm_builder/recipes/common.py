"""The steps every collected dataset takes once all recipes have run.

A dataset's own recipe maps it and makes its domain's derivations (AE: AEREL;
DM: the reference dates). Its timing and identifiers need datasets built after
it (--DY counts from DM.RFSTDTC, EPOCH is read from SE, and DM itself needs
every other dataset), so they come here, in this order:

1. VISIT / VISITNUM from the trial visits (TV), unscheduled visits numbered as
   SV numbers them, then VISITDY;
2. the study days --DY, --STDY, --ENDY (derive_var_dy);
3. EPOCH and TAETORD from the subject's elements (SE);
4. --SEQ, unless the recipe numbered its records itself;
5. --STRESN from --STRESC where no rule gave it;
6. --LOBXFL, the last observation before exposure (DM.RFXSTDTC), in a findings
   dataset that declares it (derive_var_lobxfl);
7. the non-ASCII check, then SUPP-- (derive_vars_supp).

Which of these a dataset gets is read from its variables in the spec
(`derivation_plan`): each step names the variables, and their role, that call
for it. The trial design datasets (TA, TE, TV, TI, TS) are the protocol's and
take none of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from specs.integrity import supplemental_qualifiers
from specs.model import Spec, Variable

from ..context import SdtmRun
from ..finish import derive_var_stresn, text_columns
from ..suppqual import check_ascii, derive_vars_supp
from ..timing import (
    derive_var_dy,
    derive_var_epoch,
    derive_var_lobxfl,
    derive_var_seq,
    derive_var_taetord,
    derive_var_visitdy,
    derive_vars_visit,
    derive_vars_visit_from_sv,
)

DESIGN_DATASETS = ("TA", "TE", "TV", "TI", "TS")
# the qualifiers (without the domain prefix) that tell one test of a findings dataset from
# another beside --TESTCD, when declared: --LOBXFL is one record per subject and test
TEST_QUALIFIERS = ("CAT", "SCAT", "TSTDTL", "SPEC", "LOC", "LAT", "DIR", "METHOD", "EVAL", "EVALID")
LESION_DATASETS = ("TU", "TR")  # --LNKID names the lesion: --LOBXFL is per lesion too


@dataclass(frozen=True)
class LobxflPlan:
    """What derive_var_lobxfl needs: the flag, the variables that tell a test apart, the date,
    the results (--ORRES, --STRESC as declared), --STAT and --SEQ where declared."""

    flag: str
    by: tuple[str, ...]
    dtc: str
    results: tuple[str, ...]
    stat: str | None = None
    seq: str | None = None


@dataclass(frozen=True)
class DerivationPlan:
    """The derivations a dataset gets, as its variables in the spec call for them."""

    dataset: str
    dates: tuple[str, ...] = ()  # the dates that place a record in time, first choice first: --STDTC, --DTC
    visit: bool = False  # VISITNUM declared: VISIT / VISITNUM from TV
    visitdy: bool = False  # VISITDY declared: from TV
    study_days: tuple[tuple[str, str], ...] = ()  # (--DTC, --DY) for each study day declared as a Timing variable
    epoch: bool = False  # EPOCH declared as a Timing variable
    taetord: bool = False  # TAETORD declared as a Timing variable
    seq: str | None = None  # --SEQ declared as an Identifier
    stresn: tuple[str, str] | None = None  # (--STRESC, --STRESN) both declared
    qualifiers: tuple[str, ...] = ()  # the QNAMs of SUPP-- (its value-level metadata)
    lobxfl: LobxflPlan | None = None  # --LOBXFL declared in a findings dataset with --TESTCD, --DTC and a result


def derivation_plan(spec: Spec, dataset: str) -> DerivationPlan:
    """What `dataset` gets of the common steps, from its variables (names and roles) in the spec.

    - the record's date: --STDTC, else --DTC, as declared;
    - VISIT / VISITNUM: VISITNUM declared; VISITDY: VISITDY declared;
    - study days: each Timing variable --DY, --STDY, --ENDY ... (the SDTMIG name
      of the study day of --DTC, --STDTC, --ENDTC ...) whose date is declared;
    - EPOCH, TAETORD: declared as Timing variables (SE derives its own);
    - --SEQ: declared as the Identifier --SEQ;
    - --STRESN: declared with its --STRESC;
    - --LOBXFL: declared in a Findings (or Findings About) dataset that declares --TESTCD,
      --DTC and --ORRES or --STRESC (a result is both, as declared); a test is --TESTCD with the declared qualifiers of
      TEST_QUALIFIERS, and the lesion (--LNKID) in TU and TR;
    - SUPP--: the QNAMs of the spec's SUPP-- (derive_vars_supp makes SUPP-- when
      the spec has it).
    Trial design datasets get an empty plan.
    """
    if dataset in DESIGN_DATASETS:
        return DerivationPlan(dataset)
    variables = {v.name: v for v in spec.variables_of(dataset)}
    timing = {name for name, v in variables.items() if v.role == "Timing"}
    # a --DY whose --DTC no rule fills is null, and written when the --DTC is (Req or Exp: always)
    study_days = tuple(
        (f"{name[:-2]}DTC", name)
        for name in variables
        if name in timing
        and name.startswith(dataset)
        and name.endswith("DY")
        and name != "VISITDY"
        and f"{name[:-2]}DTC" in variables
    )
    seq = f"{dataset}SEQ"
    stresc, stresn = f"{dataset}STRESC", f"{dataset}STRESN"
    return DerivationPlan(
        dataset=dataset,
        dates=tuple(d for d in (f"{dataset}STDTC", f"{dataset}DTC") if d in variables),
        visit="VISITNUM" in variables,
        visitdy="VISITDY" in variables,
        study_days=study_days,
        epoch=dataset != "SE" and "EPOCH" in timing,
        taetord=dataset != "SE" and "TAETORD" in timing,
        seq=seq if seq in variables and variables[seq].role == "Identifier" else None,
        stresn=(stresc, stresn) if stresc in variables and stresn in variables else None,
        qualifiers=supplemental_qualifiers(spec).get(dataset, ()),
        lobxfl=lobxfl_plan(spec, dataset, variables),
    )


def lobxfl_plan(spec: Spec, dataset: str, variables: dict[str, Variable]) -> LobxflPlan | None:
    """--LOBXFL's plan, or None when the dataset is not a findings one or lacks what it needs."""
    flag, testcd, dtc = f"{dataset}LOBXFL", f"{dataset}TESTCD", f"{dataset}DTC"
    results = tuple(r for r in (f"{dataset}ORRES", f"{dataset}STRESC") if r in variables)
    findings = "FINDINGS" in (spec.dataset(dataset).dataset_class or "").upper()
    if not findings or flag not in variables or testcd not in variables or dtc not in variables or not results:
        return None
    qualifiers = [f"{dataset}{q}" for q in TEST_QUALIFIERS]
    if dataset in LESION_DATASETS:
        qualifiers.append(f"{dataset}LNKID")
    return LobxflPlan(
        flag=flag,
        by=(testcd, *(q for q in qualifiers if q in variables)),
        dtc=dtc,
        results=results,
        stat=f"{dataset}STAT" if f"{dataset}STAT" in variables else None,
        seq=f"{dataset}SEQ" if f"{dataset}SEQ" in variables else None,
    )


def derive_common(
    run: SdtmRun, frame: pd.DataFrame, plan: DerivationPlan, *, sv: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(the dataset with the steps of its plan made, its SUPP-- or None), in the module's order.

    sv: SV, finished, once built: unscheduled visits take its numbers.
    """
    dm, se, tv = run.datasets.get("DM"), run.datasets.get("SE"), run.datasets.get("TV")
    frame = text_columns(frame)  # each text column factorised once for the steps below
    date = next((d for d in plan.dates if d in frame.columns), None)
    if plan.visit and "VISIT" in frame.columns and tv is not None and date:
        frame = derive_vars_visit(frame, tv=tv, visit_source="VISIT", dtc=date)
        if sv is not None:
            frame = derive_vars_visit_from_sv(frame, sv=sv, dtc=date)
        if plan.visitdy:
            frame = derive_var_visitdy(frame, tv=tv)
    if dm is not None:  # DM's own DMDY counts from its RFSTDTC too
        for dtc, dy in plan.study_days:
            if dtc in frame.columns:
                frame = derive_var_dy(frame, dm=dm, dtc=dtc, dy=dy)
            elif run.spec.variable(plan.dataset, dtc).effective_core in ("Req", "Exp"):
                frame[dy] = np.nan
    if se is not None and date:
        if plan.epoch:
            frame = derive_var_epoch(frame, se=se, dtc=date)
        if plan.taetord:
            frame = derive_var_taetord(frame, se=se, dtc=date)
    if plan.seq and plan.seq not in frame.columns:  # a recipe may number its own (SE)
        frame = derive_var_seq(frame, seq_var=plan.seq, keys=run.spec.dataset(plan.dataset).keys)
    if plan.stresn and plan.stresn[0] in frame.columns:
        frame = derive_var_stresn(frame, stresc=plan.stresn[0], stresn=plan.stresn[1])
    if plan.lobxfl and dm is not None:
        lob = plan.lobxfl
        present = [c for c in lob.by if c in frame.columns]  # a declared qualifier no rule filled is null alike
        results = tuple(r for r in lob.results if r in frame.columns)
        if lob.dtc in frame.columns and results and lob.by[0] in frame.columns:
            frame = derive_var_lobxfl(
                frame,
                dm=dm,
                flag=lob.flag,
                by=present,
                dtc=lob.dtc,
                results=results,
                stat=lob.stat,
                seq=lob.seq,
            )
    frame = text_columns(frame)  # and the text columns derived above
    frame = check_ascii(frame, dataset=plan.dataset, issues=run.issues, transliterate=run.transliterate)
    return derive_vars_supp(frame, spec=run.spec, dataset=plan.dataset, qualifiers=plan.qualifiers, issues=run.issues)
