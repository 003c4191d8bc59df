"""Time-to-event parameters: PFS, OS and duration of response, with the FDA 2018
censoring conventions of ../shared/RECIST.md, each a setting (AdamSettings).

    adtte = create_tte_frame()
    adtte = derive_param_pfs(adtte, adsl=adsl, adrs=adrs, settings=settings, spec=spec)
    adtte = derive_param_os(adtte, adsl=adsl, settings=settings, spec=spec)
    adtte = derive_param_dor(adtte, adsl=adsl, adrs=adrs, settings=settings, spec=spec)

AVAL = ADT - STARTDT + 1 (days). Each record says why it ended where it did
(EVNTDESC, CNSDTDSC) and where ADT came from (SRCDOM, SRCVAR, SRCSEQ).
The description texts are terms of the codelists the spec gives ADTTE.EVNTDESC
and ADTTE.CNSDTDSC, each found by the key it carries as a synonym (below).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from specs.config import AdamSettings
from specs.model import Spec

from .common import NONE, AdamInputError, assert_columns, fresh
from .recist_rules import PD
from .registry import Derivation, param_token

COLUMNS = ["USUBJID", "PARAMCD", "STARTDT", "ADT", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]
ADEQUATE = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD")  # a response other than NE

# Why a record ends where it does: the synonym of the EVNTDESC term (and, for a censoring at an
# assessment or the last date known alive, of the CNSDTDSC term) that describes it. A censoring
# at the start date is described by the CNSDTDSC term whose synonym is the start variable
# (TRTSDT, RANDDT; ADT for DOR), looked up only when a record is censored there.
KEY_PD, KEY_DEATH = "PD", "DEATH"  # events
KEY_NO_ASSESSMENT, KEY_NO_ADEQUATE = "NO_ASSESSMENT", "NO_ADEQUATE_ASSESSMENT"  # censored at the start
KEY_LAST_ADEQUATE = "LAST_ADEQUATE_ASSESSMENT"  # censored at the last adequate assessment ...
KEY_NEW_THERAPY = "NEW_THERAPY"  # ... before new anti-cancer therapy
KEY_MISSED = "MISSED_ASSESSMENTS"  # ... before two or more missed assessments
KEY_ALIVE = "LSTALVDT"  # OS censored at the last date known alive


@dataclass(frozen=True)
class EventDescriptions:
    """The EVNTDESC and CNSDTDSC texts: the terms of their codelists by the key of each (its synonyms)."""

    event_codelist: str
    censor_codelist: str
    events: Mapping[str, str]
    censor_dates: Mapping[str, str]

    @classmethod
    def from_spec(cls, spec: Spec, dataset: str = "ADTTE") -> EventDescriptions:
        """From the codelists the spec gives ``dataset``.EVNTDESC and .CNSDTDSC."""
        ids, maps = [], []
        for variable in ("EVNTDESC", "CNSDTDSC"):
            codelist = spec.variable(dataset, variable).codelist
            if not codelist or not spec.has_codelist(codelist):
                raise AdamInputError(f"{dataset}.{variable}: the spec gives it no codelist of description texts")
            ids.append(codelist)
            maps.append({key: t.term for t in spec.codelist(codelist).terms for key in t.synonyms})
        return cls(ids[0], ids[1], maps[0], maps[1])

    def event(self, key: str) -> str:
        """The EVNTDESC text of ``key``; a codelist without it is an error naming the codelist."""
        return self._text(self.events, self.event_codelist, key)

    def censor_date(self, key: str) -> str:
        """The CNSDTDSC text of ``key``; a codelist without it is an error naming the codelist."""
        return self._text(self.censor_dates, self.censor_codelist, key)

    @staticmethod
    def _text(terms: Mapping[str, str], codelist: str, key: str) -> str:
        if key not in terms:
            raise AdamInputError(
                f"codelist {codelist} has no term for {key} (a term with the synonym {key}), "
                "which the time-to-event derivation needs"
            )
        return terms[key]


def create_tte_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})


def compute_assessments(adrs: pd.DataFrame, *, source_param: str = "OVR") -> pd.DataFrame:
    """The tumour assessments TTE uses: one record per subject and date (ANL01FL) of ``source_param``."""
    assert_columns(adrs, ["USUBJID", "PARAMCD", "AVALC", "ADT", "ANL01FL", "ASEQ"], dataset="ADRS")
    rows = adrs[(adrs["PARAMCD"] == source_param) & (adrs["ANL01FL"] == "Y")][["USUBJID", "ADT", "AVALC", "ASEQ"]].pipe(
        fresh
    )
    rows["ADT"] = pd.to_datetime(rows["ADT"]).astype("datetime64[ns]")
    return rows.sort_values(["USUBJID", "ADT"], kind="mergesort")


def _last_before(assess: pd.DataFrame, limit: pd.Series) -> pd.DataFrame:
    """Per subject: the last adequate assessment strictly before ``limit`` (per USUBJID; NaT: no limit)."""
    lim = assess["USUBJID"].map(limit)
    rows = assess[assess["AVALC"].isin(ADEQUATE) & (lim.isna() | (assess["ADT"] < lim))]
    return rows.drop_duplicates("USUBJID", keep="last").set_index("USUBJID")


def compute_progression_event(
    start: pd.Series,
    *,
    assess: pd.DataFrame,
    death: pd.Series,
    new_therapy: pd.Series,
    settings: AdamSettings,
    start_var: str,
    descriptions: EventDescriptions,
) -> pd.DataFrame:
    """PFS-like event or censoring per subject of ``start`` (USUBJID -> start date).

    In order: new anti-cancer therapy before an event (when the setting is on)
    -> last adequate assessment before it; event after two or more missed
    assessments (when on: the event comes more than 2 x interval + window days
    after the last adequate assessment, or the start) -> that assessment;
    event (the earlier of the first PD and death; PD on a tie); no event ->
    last adequate assessment; none -> the start date. EVNTDESC and CNSDTDSC are
    the texts of ``descriptions``.
    """
    ev_pd, ev_death = descriptions.event(KEY_PD), descriptions.event(KEY_DEATH)
    ev_no_assessment, ev_no_adequate = descriptions.event(KEY_NO_ASSESSMENT), descriptions.event(KEY_NO_ADEQUATE)
    censorings = [KEY_LAST_ADEQUATE]
    censorings += [KEY_NEW_THERAPY] if settings.new_therapy_censoring else []
    censorings += [KEY_MISSED] if settings.missed_assessment_censoring else []
    censor_texts = {k: (descriptions.event(k), descriptions.censor_date(k)) for k in censorings}
    subjects = start.dropna()
    idx = subjects.index
    a = assess[assess["USUBJID"].isin(idx)]
    a = a[a["ADT"] >= a["USUBJID"].map(subjects)]
    first_pd = a[a["AVALC"] == PD].drop_duplicates("USUBJID").set_index("USUBJID")
    pd_date = first_pd["ADT"].reindex(idx)
    death_date = death.reindex(idx)
    death_date = death_date.where(death_date >= subjects)
    event = pd.concat([pd_date, death_date], axis=1).min(axis=1)
    is_pd = pd_date.notna() & (death_date.isna() | (pd_date <= death_date))
    nact = new_therapy.reindex(idx) if new_therapy is not None else pd.Series(pd.NaT, index=idx)
    before_nact = _last_before(a, nact)
    before_event = _last_before(a, event)
    last_any = _last_before(a, pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]"))
    has_any = pd.Series(idx.isin(a["USUBJID"]), index=idx)

    out = pd.DataFrame(index=idx)
    out["STARTDT"] = subjects

    def censor_at(found: pd.DataFrame, mask: pd.Series, evntdesc: str, cnsdesc: str | None) -> None:
        """Censor the ``mask`` subjects at their record of ``found``, else at the start date."""
        dates = found["ADT"].reindex(idx)
        seq = found["ASEQ"].reindex(idx)
        known = mask & dates.notna()
        out.loc[known, "ADT"] = dates[known]
        out.loc[known, "CNSR"] = 1
        out.loc[known, "EVNTDESC"] = evntdesc
        out.loc[known, "CNSDTDSC"] = cnsdesc
        out.loc[known, "SRCDOM"] = "ADRS"
        out.loc[known, "SRCVAR"] = "ADT"
        out.loc[known, "SRCSEQ"] = seq[known]
        at_start = mask & dates.isna()
        if not at_start.any():
            return
        out.loc[at_start, "ADT"] = subjects[at_start]
        out.loc[at_start, "CNSR"] = 1
        out.loc[at_start, "EVNTDESC"] = evntdesc
        out.loc[at_start, "CNSDTDSC"] = descriptions.censor_date(start_var)
        out.loc[at_start, "SRCDOM"] = "ADSL"
        out.loc[at_start, "SRCVAR"] = start_var

    for col in ("ADT",):
        out[col] = pd.Series(pd.NaT, index=idx, dtype="datetime64[ns]")
    for col in ("CNSR", "SRCSEQ"):
        out[col] = np.nan
    for col in ("EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR"):
        out[col] = pd.Series(None, index=idx, dtype=object)

    decided = pd.Series(False, index=idx)
    if settings.new_therapy_censoring:
        new_first = nact.notna() & (event.isna() | (nact < event))
        censor_at(before_nact, new_first, *censor_texts[KEY_NEW_THERAPY])
        decided |= new_first
    if settings.missed_assessment_censoring:
        prev = before_event["ADT"].reindex(idx).fillna(subjects)
        gap = (event - prev).dt.days
        missed = ~decided & event.notna() & (gap > settings.missed_gap_days)
        censor_at(before_event, missed, *censor_texts[KEY_MISSED])
        decided |= missed
    evt = ~decided & event.notna()
    out.loc[evt, "ADT"] = event[evt]
    out.loc[evt, "CNSR"] = 0
    pd_evt, death_evt = evt & is_pd, evt & ~is_pd
    out.loc[pd_evt, "EVNTDESC"] = ev_pd
    out.loc[pd_evt, "SRCDOM"], out.loc[pd_evt, "SRCVAR"] = "ADRS", "ADT"
    out.loc[pd_evt, "SRCSEQ"] = first_pd["ASEQ"].reindex(idx)[pd_evt]
    out.loc[death_evt, "EVNTDESC"] = ev_death
    out.loc[death_evt, "SRCDOM"], out.loc[death_evt, "SRCVAR"] = "ADSL", "DTHDT"
    decided |= evt
    rest = ~decided
    censor_at(last_any, rest & has_any, *censor_texts[KEY_LAST_ADEQUATE])
    no_adequate = rest & has_any & ~pd.Series(idx.isin(last_any.index), index=idx)
    out.loc[no_adequate, "EVNTDESC"] = ev_no_adequate
    censor_at(last_any, rest & ~has_any, ev_no_assessment, None)
    return out


def _records(result: pd.DataFrame, paramcd: str) -> pd.DataFrame:
    out = result.reset_index().rename(columns={"index": "USUBJID"})
    out["PARAMCD"] = paramcd
    out["AVAL"] = (out["ADT"] - out["STARTDT"]).dt.days.astype("float64") + 1
    return out


def _append(adtte: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    return new.reset_index(drop=True) if adtte.empty else pd.concat([adtte, new], ignore_index=True)


def _cut(series: pd.Series, cutoff) -> pd.Series:
    """Dates after the cut-off do not count (NaT)."""
    return series if cutoff is None else series.where(series <= cutoff)


def derive_param_pfs(
    adtte: pd.DataFrame,
    *,
    adsl: pd.DataFrame,
    adrs: pd.DataFrame,
    settings: AdamSettings,
    spec: Spec,
    paramcd: str = "PFS",
) -> pd.DataFrame:
    """Add PFS for each subject with a reference start (settings.reference_start); the
    description texts from the spec's codelists (EventDescriptions)."""
    start_var = settings.reference_start
    assert_columns(adsl, ["USUBJID", start_var, "DTHDT"], dataset="ADSL")
    subjects = adsl.set_index("USUBJID")
    cutoff = (
        subjects["DCUTDT"].dropna().max() if "DCUTDT" in subjects.columns and subjects["DCUTDT"].notna().any() else None
    )
    assess = compute_assessments(adrs)
    if cutoff is not None:
        assess = assess[assess["ADT"] <= cutoff]
    result = compute_progression_event(
        subjects[start_var],
        assess=assess,
        death=_cut(subjects["DTHDT"], cutoff),
        new_therapy=_cut(subjects["NACTDT"], cutoff) if "NACTDT" in subjects.columns else None,
        settings=settings,
        start_var=start_var,
        descriptions=EventDescriptions.from_spec(spec),
    )
    return _append(adtte, _records(result, paramcd))


def derive_param_dor(
    adtte: pd.DataFrame,
    *,
    adsl: pd.DataFrame,
    adrs: pd.DataFrame,
    settings: AdamSettings,
    spec: Spec,
    paramcd: str = "DOR",
    responder_param: str = "CRSP",
) -> pd.DataFrame:
    """Add duration of response for the responders of ``responder_param`` (AVALC 'Y'): from its
    ADT (with the study setting response_date "first response": the first confirmed CR or PR,
    as RECIST 1.1 dates a response) to PD or death, censored as PFS."""
    subjects = adsl.set_index("USUBJID")
    responders = adrs[(adrs["PARAMCD"] == responder_param) & (adrs["AVALC"] == "Y")]
    best = responders.set_index("USUBJID")["ADT"]
    cutoff = (
        subjects["DCUTDT"].dropna().max() if "DCUTDT" in subjects.columns and subjects["DCUTDT"].notna().any() else None
    )
    assess = compute_assessments(adrs)
    if cutoff is not None:
        assess = assess[assess["ADT"] <= cutoff]
    result = compute_progression_event(
        best,
        assess=assess,
        death=_cut(subjects["DTHDT"], cutoff),
        new_therapy=_cut(subjects["NACTDT"], cutoff) if "NACTDT" in subjects.columns else None,
        settings=settings,
        start_var="ADT",
        descriptions=EventDescriptions.from_spec(spec),
    )
    at_start = result["SRCVAR"] == "ADT"
    result.loc[at_start & (result["SRCDOM"] == "ADSL"), "SRCDOM"] = "ADRS"
    return _append(adtte, _records(result, paramcd))


def derive_param_os(
    adtte: pd.DataFrame, *, adsl: pd.DataFrame, settings: AdamSettings, spec: Spec, paramcd: str = "OS"
) -> pd.DataFrame:
    """Add OS for each subject with a reference start: death (on or before the cut-off) is the
    event; otherwise censored at LSTALVDT, never after DCUTDT nor before the start date."""
    start_var = settings.reference_start
    assert_columns(adsl, ["USUBJID", start_var, "DTHDT", "LSTALVDT"], dataset="ADSL")
    descriptions = EventDescriptions.from_spec(spec)
    ev_death, ev_alive, cd_alive = (
        descriptions.event(KEY_DEATH),
        descriptions.event(KEY_ALIVE),
        descriptions.censor_date(KEY_ALIVE),
    )
    subjects = adsl.set_index("USUBJID")
    start = subjects[start_var].dropna()
    cutoff = (
        subjects["DCUTDT"].reindex(start.index)
        if "DCUTDT" in subjects.columns
        else pd.Series(pd.NaT, index=start.index)
    )
    death = subjects["DTHDT"].reindex(start.index)
    death = death.where(cutoff.isna() | (death <= cutoff))
    alive = subjects["LSTALVDT"].reindex(start.index)
    alive = alive.where(cutoff.isna() | (alive <= cutoff), cutoff)
    out = pd.DataFrame(index=start.index)
    out["STARTDT"] = start
    dead = death.notna()
    early = ~dead & (alive.isna() | (alive < start))
    out["ADT"] = death.where(dead, alive.where(~early, start))
    out["CNSR"] = np.where(dead, 0.0, 1.0)
    out["EVNTDESC"] = np.where(dead, ev_death, ev_alive).astype(object)
    cd_start = descriptions.censor_date(start_var) if early.any() else NONE
    out["CNSDTDSC"] = np.where(dead, NONE, np.where(early, cd_start, cd_alive)).astype(object)
    out["SRCDOM"] = "ADSL"
    out["SRCVAR"] = np.where(dead, "DTHDT", np.where(early, start_var, "LSTALVDT")).astype(object)
    out["SRCSEQ"] = np.nan
    return _append(adtte, _records(out, paramcd))


_TTE_VARS = (
    "USUBJID",
    "PARAMCD",
    "STARTDT",
    "ADT",
    "AVAL",
    "CNSR",
    "EVNTDESC",
    "CNSDTDSC",
    "SRCDOM",
    "SRCVAR",
    "SRCSEQ",
)


def _tte(default: str):
    return lambda k: (param_token(k.get("paramcd", default)), *_TTE_VARS)


DERIVATIONS = {
    "derive_param_pfs": Derivation(derive_param_pfs, kind="records", needs=(), adds=_tte("PFS")),
    "derive_param_os": Derivation(derive_param_os, kind="records", needs=(), adds=_tte("OS")),
    "derive_param_dor": Derivation(derive_param_dor, kind="records", needs=(), adds=_tte("DOR")),
}
