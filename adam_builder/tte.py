"""Time-to-event parameters: PFS, OS and duration of response, with the FDA 2018
censoring conventions of ../shared/RECIST.md, each a setting (AdamSettings).

    adtte = create_tte_frame()
    adtte = derive_param_pfs(adtte, adsl=adsl, adrs=adrs, settings=settings)
    adtte = derive_param_os(adtte, adsl=adsl, settings=settings)
    adtte = derive_param_dor(adtte, adsl=adsl, adrs=adrs, settings=settings)

AVAL = ADT - STARTDT + 1 (days). Each record says why it ended where it did
(EVNTDESC, CNSDTDSC) and where ADT came from (SRCDOM, SRCVAR, SRCSEQ).
The description texts are terms of the spec's EVNTDESC / CNSDTDSC codelists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.config import AdamSettings

from .common import assert_columns
from .recist_rules import PD

COLUMNS = ["USUBJID", "PARAMCD", "STARTDT", "ADT", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCVAR", "SRCSEQ"]
ADEQUATE = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD")  # a response other than NE

EV_PD, EV_DEATH = "Disease progression", "Death"
EV_NO_ASSESSMENT, EV_NO_ADEQUATE = "No post-baseline assessment", "No adequate post-baseline assessment"
EV_LAST, EV_NEW_THERAPY, EV_MISSED = (
    "Last adequate assessment",
    "Last adequate assessment before new anti-cancer therapy",
    "Last adequate assessment before missed assessments",
)
EV_ALIVE = "Last known alive"
CD_LAST, CD_NEW_THERAPY, CD_MISSED = (
    "Last adequate tumor assessment",
    "Last adequate tumor assessment before new anti-cancer therapy",
    "Last adequate tumor assessment before missed assessments",
)
CD_ALIVE = "Last known alive date"
START_DESCRIPTION = {"TRTSDT": "Treatment start", "RANDDT": "Randomization"}


def create_tte_frame() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})


def compute_assessments(adrs: pd.DataFrame, *, source_param: str = "OVR") -> pd.DataFrame:
    """The tumour assessments TTE uses: one record per subject and date (ANL01FL) of ``source_param``."""
    assert_columns(adrs, ["USUBJID", "PARAMCD", "AVALC", "ADT", "ANL01FL", "ASEQ"], dataset="ADRS")
    rows = adrs[(adrs["PARAMCD"] == source_param) & (adrs["ANL01FL"] == "Y")][
        ["USUBJID", "ADT", "AVALC", "ASEQ"]
    ].copy()
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
) -> pd.DataFrame:
    """PFS-like event or censoring per subject of ``start`` (USUBJID -> start date).

    In order: new anti-cancer therapy before an event (when the setting is on)
    -> last adequate assessment before it; event after two or more missed
    assessments (when on: the event comes more than 2 x interval + window days
    after the last adequate assessment, or the start) -> that assessment;
    event (the earlier of the first PD and death; PD on a tie); no event ->
    last adequate assessment; none -> the start date.
    """
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
    start_desc = START_DESCRIPTION.get(start_var, start_var)

    def censor_at(found: pd.DataFrame, mask: pd.Series, evntdesc: str, cnsdesc: str) -> None:
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
        out.loc[at_start, "ADT"] = subjects[at_start]
        out.loc[at_start, "CNSR"] = 1
        out.loc[at_start, "EVNTDESC"] = evntdesc
        out.loc[at_start, "CNSDTDSC"] = start_desc
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
        censor_at(before_nact, new_first, EV_NEW_THERAPY, CD_NEW_THERAPY)
        decided |= new_first
    if settings.missed_assessment_censoring:
        prev = before_event["ADT"].reindex(idx).fillna(subjects)
        gap = (event - prev).dt.days
        missed = ~decided & event.notna() & (gap > settings.missed_gap_days)
        censor_at(before_event, missed, EV_MISSED, CD_MISSED)
        decided |= missed
    evt = ~decided & event.notna()
    out.loc[evt, "ADT"] = event[evt]
    out.loc[evt, "CNSR"] = 0
    pd_evt, death_evt = evt & is_pd, evt & ~is_pd
    out.loc[pd_evt, "EVNTDESC"] = EV_PD
    out.loc[pd_evt, "SRCDOM"], out.loc[pd_evt, "SRCVAR"] = "ADRS", "ADT"
    out.loc[pd_evt, "SRCSEQ"] = first_pd["ASEQ"].reindex(idx)[pd_evt]
    out.loc[death_evt, "EVNTDESC"] = EV_DEATH
    out.loc[death_evt, "SRCDOM"], out.loc[death_evt, "SRCVAR"] = "ADSL", "DTHDT"
    decided |= evt
    rest = ~decided
    censor_at(last_any, rest & has_any, EV_LAST, CD_LAST)
    no_adequate = rest & has_any & ~pd.Series(idx.isin(last_any.index), index=idx)
    out.loc[no_adequate, "EVNTDESC"] = EV_NO_ADEQUATE
    censor_at(last_any, rest & ~has_any, EV_NO_ASSESSMENT, start_desc)
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
    adtte: pd.DataFrame, *, adsl: pd.DataFrame, adrs: pd.DataFrame, settings: AdamSettings, paramcd: str = "PFS"
) -> pd.DataFrame:
    """Add PFS for each subject with a reference start (settings.reference_start)."""
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
    )
    return _append(adtte, _records(result, paramcd))


def derive_param_dor(
    adtte: pd.DataFrame,
    *,
    adsl: pd.DataFrame,
    adrs: pd.DataFrame,
    settings: AdamSettings,
    paramcd: str = "DOR",
    response_param: str = "CBOR",
    responder_param: str = "CRSP",
) -> pd.DataFrame:
    """Add duration of response for confirmed responders: from the first CR/PR later confirmed
    (the ADT of ``response_param``) to PD or death, censored as PFS."""
    subjects = adsl.set_index("USUBJID")
    responders = adrs[(adrs["PARAMCD"] == responder_param) & (adrs["AVALC"] == "Y")]["USUBJID"]
    best = adrs[(adrs["PARAMCD"] == response_param) & adrs["USUBJID"].isin(responders)].set_index("USUBJID")["ADT"]
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
    )
    at_start = result["SRCVAR"] == "ADT"
    result.loc[at_start & (result["SRCDOM"] == "ADSL"), "SRCDOM"] = "ADRS"
    return _append(adtte, _records(result, paramcd))


def derive_param_os(
    adtte: pd.DataFrame, *, adsl: pd.DataFrame, settings: AdamSettings, paramcd: str = "OS"
) -> pd.DataFrame:
    """Add OS for each subject with a reference start: death (on or before the cut-off) is the
    event; otherwise censored at LSTALVDT, never after DCUTDT nor before the start date."""
    start_var = settings.reference_start
    assert_columns(adsl, ["USUBJID", start_var, "DTHDT", "LSTALVDT"], dataset="ADSL")
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
    out["EVNTDESC"] = np.where(dead, EV_DEATH, EV_ALIVE).astype(object)
    out["CNSDTDSC"] = np.where(
        dead, None, np.where(early, START_DESCRIPTION.get(start_var, start_var), CD_ALIVE)
    ).astype(object)
    out["SRCDOM"] = "ADSL"
    out["SRCVAR"] = np.where(dead, "DTHDT", np.where(early, start_var, "LSTALVDT")).astype(object)
    out["SRCSEQ"] = np.nan
    return _append(adtte, _records(out, paramcd))
