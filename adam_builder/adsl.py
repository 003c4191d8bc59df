"""ADSL derivations: one record per subject of DM.

Each function adds variables to the ADSL frame (dataset first, the SDTM
datasets it reads by keyword) and is pure.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from specs.config import AdamSettings, RecistSettings
from specs.model import Spec

from .common import (
    NONE,
    AdamInputError,
    assert_columns,
    codelist_of,
    decode_map,
    encode_map,
    fresh,
    number,
    text,
    yes_no,
)
from .dates import compute_duration, impute_dtc_dt, impute_dtc_dtm
from .registry import Derivation, columns_of

_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _complete_day(series: pd.Series) -> pd.Series:
    """The YYYY-MM-DD part of complete --DTC text, else None (ISO dates compare as text)."""
    values = series.astype(object).where(series.notna(), "")
    values = values.astype(str)
    ok = values.str.match(r"^\d{4}-\d{2}-\d{2}")
    return values.str[:10].where(ok, None)


def create_adsl(dm: pd.DataFrame) -> pd.DataFrame:
    """The ADSL frame: the DM variables, one record per subject."""
    assert_columns(dm, ["STUDYID", "USUBJID"], dataset="DM")
    if dm["USUBJID"].duplicated().any():
        dups = dm.loc[dm["USUBJID"].duplicated(), "USUBJID"].head(5).tolist()
        raise AdamInputError(f"DM: more than one record per USUBJID, e.g. {dups}")
    out = dm.pipe(fresh).reset_index(drop=True)
    if "AGE" in out.columns:
        out["AGE"] = number(out["AGE"])
    return out


def derive_vars_trt_dates(adsl: pd.DataFrame, *, ex: pd.DataFrame) -> pd.DataFrame:
    """TRTSDTM/TRTSTMF/TRTSDT, TRTEDTM/TRTETMF/TRTEDT and TRTDURD from EX.

    Doses that count: EXDOSE > 0, or EXDOSE 0 of a placebo (EXTRT containing
    PLACEBO). First exposure: the earliest complete EXSTDTC, a missing time
    imputed 00:00:00; last exposure: the latest EXENDTC (EXSTDTC when EXENDTC
    is missing), a missing time imputed 23:59:59.
    """
    assert_columns(ex, ["USUBJID", "EXSTDTC"], dataset="EX")
    out = adsl.pipe(fresh)
    dose = number(ex["EXDOSE"]) if "EXDOSE" in ex.columns else pd.Series(1.0, index=ex.index)
    trt = text(ex["EXTRT"]).fillna("") if "EXTRT" in ex.columns else pd.Series("", index=ex.index)
    valid = (dose > 0) | ((dose == 0) & trt.str.upper().str.contains("PLACEBO"))
    doses = ex[valid]
    start, _, start_tmf = impute_dtc_dtm(doses["EXSTDTC"], time_imputation="first")
    end_text = (
        doses["EXENDTC"].where(text(doses["EXENDTC"]).notna(), doses["EXSTDTC"])
        if "EXENDTC" in doses.columns
        else doses["EXSTDTC"]
    )
    end, _, end_tmf = impute_dtc_dtm(end_text, time_imputation="last")
    frame = pd.DataFrame(
        {
            "USUBJID": doses["USUBJID"].to_numpy(),
            "start": start.to_numpy(),
            "stmf": start_tmf.to_numpy(),
            "end": end.to_numpy(),
            "etmf": end_tmf.to_numpy(),
        }
    )
    first = (
        frame.dropna(subset=["start"]).sort_values(["USUBJID", "start"], kind="mergesort").drop_duplicates("USUBJID")
    )
    last = (
        frame.dropna(subset=["end"])
        .sort_values(["USUBJID", "end"], kind="mergesort")
        .drop_duplicates("USUBJID", keep="last")
    )
    first, last = first.set_index("USUBJID"), last.set_index("USUBJID")
    out["TRTSDTM"] = out["USUBJID"].map(first["start"]).astype("datetime64[ns]")
    out["TRTSTMF"] = out["USUBJID"].map(first["stmf"]).astype(object)
    out["TRTSDT"] = out["TRTSDTM"].dt.normalize()
    out["TRTEDTM"] = out["USUBJID"].map(last["end"]).astype("datetime64[ns]")
    out["TRTETMF"] = out["USUBJID"].map(last["etmf"]).astype(object)
    out["TRTEDT"] = out["TRTEDTM"].dt.normalize()
    for col in ("TRTSTMF", "TRTETMF"):
        out[col] = out[col].where(out[col].notna(), None)
    out["TRTDURD"] = compute_duration(out["TRTSDT"], out["TRTEDT"])
    return out


def derive_var_randdt(
    adsl: pd.DataFrame, *, ds: pd.DataFrame | None, decod: str = "RANDOMIZED", new_var: str = "RANDDT"
) -> pd.DataFrame:
    """RANDDT: the date of the DS record with DSDECOD ``decod`` (null in a study without
    randomisation); as ``new_var``, the date of another DS event (SCRFDT: 'SCREEN FAILURE')."""
    out = adsl.pipe(fresh)
    if ds is None or ds.empty or "DSDECOD" not in ds.columns:
        out[new_var] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        return out
    assert_columns(ds, ["USUBJID", "DSDECOD", "DSSTDTC"], dataset="DS")
    rand = ds[text(ds["DSDECOD"]) == decod]
    dates = pd.DataFrame({"USUBJID": rand["USUBJID"], "d": impute_dtc_dt(rand["DSSTDTC"])[0]}).dropna()
    first = dates.groupby("USUBJID")["d"].min()
    out[new_var] = out["USUBJID"].map(first).astype("datetime64[ns]")
    return out


def derive_vars_trt(adsl: pd.DataFrame, *, spec: Spec, dataset: str = "ADSL") -> pd.DataFrame:
    """TRT01P/TRT01PN from ARMCD and TRT01A/TRT01AN from ACTARMCD, by the spec's codelists.

    The arm code's decode (ARMCD codelist) names the treatment; the treatment
    codelist (N) numbers it. An arm the codelist does not know keeps its ARM /
    ACTARM text (reported by the schema when outside the treatment codelist).
    """
    out = adsl.pipe(fresh)
    for suffix, code, name in (("P", "ARMCD", "ARM"), ("A", "ACTARMCD", "ACTARM")):
        target = f"TRT01{suffix}"
        if not spec.has_dataset(dataset) or target not in {v.name for v in spec.variables_of(dataset)}:
            continue
        arm_codelist = (
            spec.variable(dataset, code).codelist if code in {v.name for v in spec.variables_of(dataset)} else None
        )
        decodes = decode_map(spec, arm_codelist) if arm_codelist and spec.has_codelist(arm_codelist) else {}
        codes = text(out[code]) if code in out.columns else pd.Series(None, index=out.index, dtype=object)
        names = text(out[name]) if name in out.columns else pd.Series(None, index=out.index, dtype=object)
        treatment = codes.map(decodes)
        treatment = treatment.where(treatment.notna() | codes.isna(), names)
        out[target] = treatment.where(treatment.notna(), None)
        number_var = f"{target}N"
        variable = next((v for v in spec.variables_of(dataset) if v.name == number_var), None)
        if variable is not None and variable.codelist and spec.has_codelist(variable.codelist):
            out[number_var] = out[target].map(encode_map(spec, variable.codelist)).astype("float64")
    return out


_BOUND = re.compile(r"^\s*(<=|>=|<|>)\s*(\d+(?:\.\d+)?)\s*$")
_RANGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$")


def compute_group(values: pd.Series, terms: list[str]) -> pd.Series:
    """The term (``<65``, ``>=65``, ``18-64`` ...) each value falls in; None when none matches."""
    x = number(values).to_numpy()
    result = np.full(len(x), None, dtype=object)
    for term in terms:
        bound, span = _BOUND.match(term), _RANGE.match(term)
        if bound:
            op, limit = bound.group(1), float(bound.group(2))
            hit = {"<": x < limit, "<=": x <= limit, ">": x > limit, ">=": x >= limit}[op]
        elif span:
            hit = (x >= float(span.group(1))) & (x <= float(span.group(2)))
        else:
            raise AdamInputError(f"group term {term!r} is not of the form <N, <=N, >N, >=N or A-B")
        result = np.where((result == None) & hit, term, result)  # noqa: E711
    return pd.Series(result, index=values.index, dtype=object)


def derive_vars_age_group(
    adsl: pd.DataFrame, *, spec: Spec, dataset: str = "ADSL", group: str = "AGEGR1", source: str = "AGE"
) -> pd.DataFrame:
    """AGEGR1 (and AGEGR1N) from AGE by the terms of the spec's AGEGR1 codelist; another
    ``group`` of another numeric ``source`` likewise (LDDTHGR1 from LDDTHELD: '<= 30', '> 30')."""
    assert_columns(adsl, [source], dataset=dataset)
    out = adsl.pipe(fresh)
    codelist = codelist_of(spec, dataset, group)
    out[group] = compute_group(out[source], [t.term for t in spec.codelist(codelist).terms])
    numbered = next((v for v in spec.variables_of(dataset) if v.name == f"{group}N"), None)
    if numbered is not None and numbered.codelist:
        out[f"{group}N"] = out[group].map(encode_map(spec, numbered.codelist)).astype("float64")
    return out


def derive_var_lstalvdt(
    adsl: pd.DataFrame,
    *,
    sources: dict[str, pd.DataFrame],
    ds_no_contact: tuple[str, ...] = ("DEATH", "LOST TO FOLLOW-UP", "WITHDRAWAL BY SUBJECT"),
    visit_no_contact: tuple[str, ...] = ("DEATH", "LOST TO FOLLOW-UP"),
    ae_end_no_contact: tuple[str, ...] = ("FATAL", "NOT RECOVERED/NOT RESOLVED", "UNKNOWN"),
    cutoff: str = "DCUTDT",
    findings: tuple[str, ...] | list[str] = (),
) -> pd.DataFrame:
    """LSTALVDT: the latest complete date of contact with the subject alive.

    Contacts: SV visit dates (a visit on the date of a DS event in
    ``visit_no_contact`` records that event and is no contact), EX start and
    end, AE start, AE end unless the outcome is in ``ae_end_no_contact``,
    TU/TR/RS assessment dates, DS dates unless DSDECOD is in ``ds_no_contact``, and the
    --DTC dates of the ``findings`` domains among ``sources`` (e.g. LB: LBDTC).
    The death date for subjects who died (DTHDT, when derived); never after
    the cut-off (``cutoff`` column, when present).
    """
    out = adsl.pipe(fresh)
    parts = []

    def add(frame: pd.DataFrame, column: str, keep=None) -> None:
        if frame is None or frame.empty or column not in frame.columns:
            return
        rows = frame if keep is None else frame[keep]
        parts.append(pd.DataFrame({"USUBJID": rows["USUBJID"].to_numpy(), "d": _complete_day(rows[column]).to_numpy()}))

    ds = sources.get("DS")
    ds_dates = None
    if ds is not None and not ds.empty:
        decod = text(ds["DSDECOD"]).fillna("")
        add(ds, "DSSTDTC", ~decod.isin(ds_no_contact))
        ds_dates = pd.DataFrame({"USUBJID": ds["USUBJID"], "d": _complete_day(ds["DSSTDTC"])})[
            decod.isin(visit_no_contact)
        ]
    sv = sources.get("SV")
    if sv is not None and not sv.empty:
        day = _complete_day(sv["SVSTDTC"])
        keep = day.notna()
        if ds_dates is not None and not ds_dates.empty:
            key = sv["USUBJID"].astype(str) + "|" + day.fillna("")
            event = set((ds_dates["USUBJID"].astype(str) + "|" + ds_dates["d"].fillna("")).tolist())
            keep &= ~key.isin(event)
        add(sv, "SVSTDTC", keep)
    ex = sources.get("EX")
    add(ex, "EXSTDTC")
    add(ex, "EXENDTC")
    ae = sources.get("AE")
    if ae is not None and not ae.empty:
        add(ae, "AESTDTC")
        outcome = text(ae["AEOUT"]).fillna("") if "AEOUT" in ae.columns else pd.Series("", index=ae.index)
        add(ae, "AEENDTC", ~outcome.isin(ae_end_no_contact))
    for name, column in (("TU", "TUDTC"), ("TR", "TRDTC"), ("RS", "RSDTC")):
        add(sources.get(name), column)
    for name in findings:
        add(sources.get(name), f"{name}DTC")
    dates = pd.concat(parts, ignore_index=True).dropna() if parts else pd.DataFrame({"USUBJID": [], "d": []})
    latest = dates.groupby("USUBJID")["d"].max()
    value = pd.to_datetime(out["USUBJID"].map(latest), errors="coerce").astype("datetime64[ns]")
    if "DTHDT" in out.columns:
        value = out["DTHDT"].where(out["DTHDT"].notna(), value)
    if cutoff in out.columns:
        value = value.where(~(value > out[cutoff]), out[cutoff])
    out["LSTALVDT"] = value
    return out


def derive_vars_death(
    adsl: pd.DataFrame,
    *,
    ds: pd.DataFrame,
    ae: pd.DataFrame,
    dd: pd.DataFrame | None = None,
    min_date: str | None = "LSTALVDT",
    fatal_outcomes: tuple[str, ...] = AdamSettings.fatal_outcomes,
) -> pd.DataFrame:
    """DTHDT/DTHDTF from DM.DTHDTC (missing day: first of the month; missing month: 01 January;
    never before ``min_date``), DTHFL, and DTHCAUS: the collected primary cause of death (DD
    DDSTRESC, else DDORRES, of DDTESTCD 'PRCDTH'); for a subject without one, the AEDECOD of a
    fatal AE (AEOUT one of ``fatal_outcomes``, the study setting), else the DSTERM of the DS death record. LSTALVDT, when present, becomes DTHDT for
    subjects who died. DTHDOM: the domain DTHCAUS comes from (DD, AE or DS)."""
    assert_columns(adsl, ["USUBJID"], dataset="ADSL")
    out = adsl.pipe(fresh)
    if "DTHDTC" not in out.columns:  # Perm in DM: a study without deaths may leave it out
        out["DTHDTC"] = None
    bounds = [out[min_date]] if min_date and min_date in out.columns else None
    out["DTHDT"], out["DTHDTF"] = impute_dtc_dt(
        out["DTHDTC"], highest_imputation="M", date_imputation="first", min_dates=bounds
    )
    if "DTHFL" not in out.columns:
        out["DTHFL"] = np.where(out["DTHDT"].notna(), "Y", NONE).astype(object)
    cause = pd.Series(None, index=out.index, dtype=object)
    domain = pd.Series(None, index=out.index, dtype=object)
    if ds is not None and not ds.empty and "DSDECOD" in ds.columns:
        death = ds[text(ds["DSDECOD"]) == "DEATH"].drop_duplicates("USUBJID").set_index("USUBJID")
        cause = out["USUBJID"].map(text(death["DSTERM"]).str.upper()) if "DSTERM" in death.columns else cause
        domain = domain.where(cause.isna(), "DS")
    if ae is not None and not ae.empty and "AEOUT" in ae.columns:
        fatal = ae[text(ae["AEOUT"]).isin(list(fatal_outcomes))].drop_duplicates("USUBJID").set_index("USUBJID")
        fatal_cause = out["USUBJID"].map(fatal["AEDECOD"])
        cause = fatal_cause.where(fatal_cause.notna(), cause)
        domain = domain.where(fatal_cause.isna(), "AE")
    if dd is not None and not dd.empty and {"DDTESTCD", "DDORRES"} <= set(dd.columns):
        primary = dd[text(dd["DDTESTCD"]) == "PRCDTH"].drop_duplicates("USUBJID").set_index("USUBJID")
        result = text(primary["DDSTRESC"]) if "DDSTRESC" in primary.columns else pd.Series(None, index=primary.index)
        result = result.where(result.notna(), text(primary["DDORRES"]))
        collected = out["USUBJID"].map(result)
        cause = collected.where(collected.notna(), cause)
        domain = domain.where(collected.isna(), "DD")
    out["DTHCAUS"] = cause.where(out["DTHDT"].notna() & cause.notna(), None).astype(object)
    out["DTHDOM"] = domain.where(out["DTHCAUS"].notna(), None).astype(object)
    if "LSTALVDT" in out.columns:  # the death date is the last date known alive
        out["LSTALVDT"] = out["DTHDT"].where(out["DTHDT"].notna(), out["LSTALVDT"])
    return out


def derive_vars_disposition(
    adsl: pd.DataFrame,
    *,
    ds: pd.DataFrame,
    subcategory: str,
    status: str,
    reason: str,
    date: str | None = None,
    treated_only: bool = False,
    exclude: tuple[str, ...] | list[str] = (),
) -> pd.DataFrame:
    """End-of-treatment or end-of-study status from DS disposition events of ``subcategory``.

    ``status`` 'COMPLETED' when DSDECOD is COMPLETED, 'DISCONTINUED' for any
    other DSDECOD (``reason`` = DSDECOD: the reason for discontinuation, so null for a
    subject who completed, as ADaMIG 1.3 has DCSREAS), 'ONGOING' when there is none (for
    treated subjects only when ``treated_only``). Without DSSCAT in DS, every
    disposition event counts as end of study. Events whose DSDECOD is in ``exclude`` (e.g.
    'SCREEN FAILURE') do not count.
    """
    assert_columns(ds, ["USUBJID", "DSDECOD", "DSSTDTC"], dataset="DS")
    out = adsl.pipe(fresh)
    events = ds[text(ds["DSCAT"]) == "DISPOSITION EVENT"] if "DSCAT" in ds.columns else ds.iloc[0:0]
    if "DSSCAT" in events.columns:
        events = events[text(events["DSSCAT"]) == subcategory]
    elif subcategory != "END OF STUDY":
        events = events.iloc[0:0]
    if exclude:
        events = events[~text(events["DSDECOD"]).isin(list(exclude))]
    last = (
        events.sort_values(["USUBJID", "DSSTDTC"], kind="mergesort")
        .drop_duplicates("USUBJID", keep="last")
        .set_index("USUBJID")
    )
    decod = out["USUBJID"].map(text(last["DSDECOD"]))
    state = np.where(decod.isna(), "ONGOING", np.where(decod == "COMPLETED", "COMPLETED", "DISCONTINUED")).astype(
        object
    )
    if treated_only and "TRTSDT" in out.columns:
        state = np.where(decod.isna() & out["TRTSDT"].isna(), NONE, state)
    out[status] = state
    out[reason] = decod.where(decod.notna() & (decod != "COMPLETED"), None).astype(object)
    if date:
        out[date] = impute_dtc_dt(out["USUBJID"].map(last["DSSTDTC"]))[0].to_numpy()
    return out


def derive_vars_cutoff(adsl: pd.DataFrame, *, ts: pd.DataFrame | None, default: str | None = None) -> pd.DataFrame:
    """DCUTDT and DCUTDESC from TS (TSPARMCD DCUTDTC / DCUTDESC), else ``default`` (the study setting)."""
    out = adsl.pipe(fresh)
    value, desc = default, None
    if ts is not None and not ts.empty and "TSPARMCD" in ts.columns:
        rows = ts.set_index(text(ts["TSPARMCD"]))["TSVAL"]
        value = rows.get("DCUTDTC", value)
        desc = rows.get("DCUTDESC", None)
    out["DCUTDT"] = pd.Series(pd.to_datetime(value) if value else pd.NaT, index=out.index, dtype="datetime64[ns]")
    out["DCUTDESC"] = desc
    return out


def derive_var_nactdt(
    adsl: pd.DataFrame,
    *,
    cm: pd.DataFrame | None,
    category: str = "SUBSEQUENT ANTI-CANCER THERAPY",
    start: str = "TRTSDT",
) -> pd.DataFrame:
    """NACTDT: the earliest CMSTDTC of ``category`` records starting after ``start``
    (a missing day imputed as the first of the month, but not before ``start``)."""
    out = adsl.pipe(fresh)
    if cm is None or cm.empty or "CMCAT" not in cm.columns:
        out["NACTDT"] = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns]")
        return out
    assert_columns(cm, ["USUBJID", "CMCAT", "CMSTDTC"], dataset="CM")
    rows = cm[text(cm["CMCAT"]) == category][["USUBJID", "CMSTDTC"]]
    bound = rows["USUBJID"].map(out.set_index("USUBJID")[start])
    dates, _ = impute_dtc_dt(rows["CMSTDTC"], highest_imputation="M", date_imputation="first", min_dates=[bound])
    frame = pd.DataFrame({"USUBJID": rows["USUBJID"], "d": dates, "start": bound})
    frame = frame[frame["d"].notna() & (frame["start"].isna() | (frame["d"] > frame["start"]))]
    out["NACTDT"] = out["USUBJID"].map(frame.groupby("USUBJID")["d"].min()).astype("datetime64[ns]")
    return out


def compute_measurable_disease(
    tu: pd.DataFrame,
    *,
    reference: pd.Series,
    evaluator: str,
    target_category: str = RecistSettings.target_category,
) -> pd.Series:
    """Per USUBJID: True when a target lesion (TUSTRESC, else TUORRES, ``target_category``: the
    RECIST setting) was identified by ``evaluator`` on or before the reference date.

    ``reference`` is indexed by USUBJID. TU records without a date count as baseline.
    """
    if tu is None or tu.empty:
        return pd.Series(dtype=bool)
    assert_columns(tu, ["USUBJID", "TUORRES"], dataset="TU")
    rows = tu[text(tu["TUSTRESC"] if "TUSTRESC" in tu.columns else tu["TUORRES"]) == target_category]
    if "TUEVAL" in rows.columns:
        rows = rows[text(rows["TUEVAL"]).fillna(evaluator) == evaluator]
    if "TUDTC" in rows.columns:
        day = impute_dtc_dt(rows["TUDTC"], highest_imputation="M", date_imputation="first")[0]
        ref = rows["USUBJID"].map(reference)
        rows = rows[day.isna() | ref.isna() | (day <= ref)]
    return pd.Series(True, index=pd.Index(rows["USUBJID"].unique(), name="USUBJID"))


def derive_vars_populations(
    adsl: pd.DataFrame,
    *,
    tu: pd.DataFrame | None,
    evaluator: str,
    reference_start: str = "TRTSDT",
    target_category: str = RecistSettings.target_category,
) -> pd.DataFrame:
    """ENRLFL, SAFFL, FASFL and RSPEVLFL.

    - ENRLFL: consented (RFICDTC) and assigned an arm (ARMCD), not a screen failure;
    - SAFFL: dosed (TRTSDT);
    - FASFL: enrolled and dosed (a single-arm study: the safety population);
    - RSPEVLFL: FASFL and measurable disease at baseline (a ``target_category``
      lesion by ``evaluator`` on or before ``reference_start``).
    """
    assert_columns(adsl, ["USUBJID", "TRTSDT"], dataset="ADSL")
    out = adsl.pipe(fresh)
    consent = out["RFICDTC"].notna() if "RFICDTC" in out.columns else pd.Series(True, index=out.index)
    arm = text(out["ARMCD"]) if "ARMCD" in out.columns else pd.Series(None, index=out.index, dtype=object)
    nrs = text(out["ARMNRS"]) if "ARMNRS" in out.columns else pd.Series(None, index=out.index, dtype=object)
    enrolled = consent & arm.notna() & (nrs.fillna("") != "SCREEN FAILURE")
    dosed = out["TRTSDT"].notna()
    reference = (
        out.set_index("USUBJID")[reference_start]
        if reference_start in out.columns
        else pd.Series(dtype="datetime64[ns]")
    )
    measurable = out["USUBJID"].isin(
        compute_measurable_disease(tu, reference=reference, evaluator=evaluator, target_category=target_category).index
    )
    out["ENRLFL"] = yes_no(enrolled)
    out["SAFFL"] = yes_no(dosed)
    out["FASFL"] = yes_no(enrolled & dosed)
    out["RSPEVLFL"] = yes_no(enrolled & dosed & measurable)
    return out


def _trt_vars(kwargs) -> tuple[str, ...]:
    return ("TRT01P", "TRT01PN", "TRT01A", "TRT01AN")


DERIVATIONS = {
    "create_adsl": Derivation(create_adsl, kind="create", adds=("STUDYID", "USUBJID")),
    "derive_vars_trt_dates": Derivation(
        derive_vars_trt_dates,
        needs=(),
        adds=("TRTSDTM", "TRTSTMF", "TRTSDT", "TRTEDTM", "TRTETMF", "TRTEDT", "TRTDURD"),
        optional={"ex": "skip"},
    ),
    "derive_var_randdt": Derivation(
        derive_var_randdt, needs=(), adds=columns_of(new_var="RANDDT"), optional={"ds": "none"}
    ),
    "derive_vars_trt": Derivation(derive_vars_trt, needs=(), adds=_trt_vars),
    "derive_vars_age_group": Derivation(
        derive_vars_age_group,
        needs=columns_of(source="AGE"),
        adds=lambda k: (k.get("group", "AGEGR1"), f"{k.get('group', 'AGEGR1')}N"),
    ),
    "derive_vars_populations": Derivation(
        derive_vars_populations,
        needs=columns_of("TRTSDT", reference_start="TRTSDT"),
        adds=("ENRLFL", "SAFFL", "FASFL", "RSPEVLFL"),
        optional={"tu": "none"},
    ),
    "derive_vars_disposition": Derivation(
        derive_vars_disposition,
        needs=("TRTSDT",),
        adds=columns_of(status=None, reason=None, date=None),
        optional={"ds": "skip"},
    ),
    "derive_vars_cutoff": Derivation(
        derive_vars_cutoff, needs=(), adds=("DCUTDT", "DCUTDESC"), optional={"ts": "none"}
    ),
    "derive_var_lstalvdt": Derivation(derive_var_lstalvdt, needs=columns_of(cutoff="DCUTDT"), adds=("LSTALVDT",)),
    "derive_vars_death": Derivation(
        derive_vars_death,
        needs=columns_of(min_date="LSTALVDT"),
        adds=("DTHDT", "DTHDTF", "DTHFL", "DTHCAUS", "DTHDOM", "LSTALVDT"),
        optional={"ds": "none", "ae": "none", "dd": "none"},
    ),
    "derive_var_nactdt": Derivation(
        derive_var_nactdt, needs=columns_of(start="TRTSDT"), adds=("NACTDT",), optional={"cm": "none"}
    ),
}
