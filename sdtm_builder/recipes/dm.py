"""DM: one record per subject, with the reference dates and arms SDTMIG 3.4 asks for.

Mapped from the demographics form (and, joined by subject, the forms the spec
names); then, from the other domains:
- RFXSTDTC / RFXENDTC: first and last exposure (EX);
- RFSTDTC / RFENDTC: the study reference period, first to last exposure
  (unless the Mapping sheet gives them);
- RFICDTC: informed consent, where the mapping did not give it (DS milestone);
- RFPENDTC: the subject's last date in any domain (end of participation), the
  death date at the latest (a later record, such as the contact that learned of
  the death, is about the subject, not a day of participation), unless the study
  setting [sdtm] participation_end is "last date";
- DTHFL: "Y" when DTHDTC is known;
- ACTARMCD / ACTARM: the planned arm for treated subjects (unless mapped from
  the CRF);
- ARMNRS: SCREEN FAILURE (a DS screen-failure event and no exposure), NOT
  ASSIGNED (no arm), or ASSIGNED, NOT TREATED (an arm and no exposure).

Only SDTM controlled terms are used to read DS (DSDECOD INFORMED CONSENT
OBTAINED, SCREEN FAILURE), so a study's own CRF wording does not matter.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..context import SdtmRun
from ..dates import iso_date_part


def build_dm(run: SdtmRun) -> pd.DataFrame:
    dm = run.map("DM")
    ex = run.get("EX")
    ds = run.get("DS")
    dm = derive_vars_exposure_dates(dm, ex=ex)
    dm = derive_var_consent(dm, ds=ds)
    dm = derive_var_rfpendtc(
        dm, datasets=[d for name, d in run.datasets.items() if name != "DM"], at_death=run.participation_end == "death"
    )
    dm = derive_var_dthfl(dm)
    dm = derive_vars_actual_arm(dm, ds=ds)
    return dm


def first_date(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Earliest date (complete dates only) per USUBJID across columns, as ISO text."""
    return _extreme(frame["USUBJID"], [frame[c] for c in columns if c in frame.columns], last=False)


def last_date(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Latest date (complete dates only) per USUBJID across columns, as ISO text."""
    return _extreme(frame["USUBJID"], [frame[c] for c in columns if c in frame.columns], last=True)


def _extreme(usubjid: pd.Series, dates: list[pd.Series], last: bool) -> pd.Series:
    """The subject's earliest (latest) complete date among `dates` (aligned with `usubjid`), as its
    record gives it; indexed by USUBJID, subjects without a complete date left out.

    ISO 8601 text sorts as its date and time do, so the earliest (latest) date
    is the least (greatest) text among the values whose date part is complete;
    on one day a date alone sorts before the same date with a time. Each
    column's distinct values are ranked once; the subject keeps the lowest
    (highest) rank.
    """
    subject, subjects = pd.factorize(usubjid, use_na_sentinel=True)  # in order of appearance, null -1
    subjects = pd.Index(subjects, dtype=object)
    columns = []  # per column: the value codes, the distinct values and which of them are complete dates
    for values in dates:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        complete = iso_date_part(pd.Series(uniques, dtype=object)).notna().to_numpy()
        columns.append((codes, np.asarray(uniques, dtype=object), complete))
    texts = np.unique(
        np.concatenate([uniques[complete] for _, uniques, complete in columns] + [np.array([], dtype=object)])
    )
    best = np.full(len(subjects), -1 if last else len(texts), dtype=np.int64)  # rank in texts; no date: -1 (len(texts))
    for codes, uniques, complete in columns:
        rank = np.full(len(uniques) + 1, -1, dtype=np.int64)  # null (code -1) and partial dates rank -1
        rank[:-1][complete] = texts.searchsorted(uniques[complete])
        row_rank = rank[codes]
        known = (row_rank >= 0) & (subject >= 0)
        (np.maximum if last else np.minimum).at(best, subject[known], row_rank[known])
    dated = (best >= 0) & (best < len(texts))
    return pd.Series(texts[best[dated]], index=subjects[dated], dtype=object)


def derive_vars_exposure_dates(dm: pd.DataFrame, *, ex: pd.DataFrame) -> pd.DataFrame:
    out = dm.copy()
    first = first_date(ex, ["EXSTDTC"])
    last = last_date(ex, ["EXSTDTC", "EXENDTC"])
    out["RFXSTDTC"] = out["USUBJID"].map(first)
    out["RFXENDTC"] = out["USUBJID"].map(last)
    # a study may define its reference period otherwise (the Mapping sheet gives it): kept where given
    for ref, exposure in (("RFSTDTC", "RFXSTDTC"), ("RFENDTC", "RFXENDTC")):
        mapped = dm[ref] if ref in dm.columns else pd.Series(None, index=dm.index, dtype=object)
        out[ref] = mapped.where(mapped.notna(), out[exposure])
    return out


def derive_var_consent(dm: pd.DataFrame, *, ds: pd.DataFrame) -> pd.DataFrame:
    out = dm.copy()
    consent = ds[ds["DSDECOD"] == "INFORMED CONSENT OBTAINED"]
    first = first_date(consent, ["DSSTDTC"])
    mapped = out["RFICDTC"] if "RFICDTC" in out.columns else pd.Series(None, index=out.index, dtype=object)
    out["RFICDTC"] = mapped.where(mapped.notna(), out["USUBJID"].map(first))
    return out


def derive_var_rfpendtc(dm: pd.DataFrame, *, datasets: list[pd.DataFrame], at_death: bool = True) -> pd.DataFrame:
    """RFPENDTC: the latest complete date of the subject in any domain, death included,
    as that record gives it (with its time, when it has one); with `at_death`, for a subject
    whose death date (DTHDTC) is complete and earlier, the death date: participation ends at
    death (study setting [sdtm] participation_end)."""
    out = dm.copy()
    columns = []
    for frame in datasets + [dm]:
        dtc = [c for c in frame.columns if c.endswith("DTC") and c not in ("RFPENDTC",)]
        if "USUBJID" in frame.columns and dtc:
            columns.append((frame, dtc))
    lasts = [last_date(frame, dtc) for frame, dtc in columns]
    stacked = pd.concat(lasts) if lasts else pd.Series(dtype=object)
    latest = _extreme(pd.Series(stacked.index, dtype=object), [pd.Series(stacked.to_numpy(), dtype=object)], last=True)
    end = out["USUBJID"].map(latest).map(lambda v: v if isinstance(v, str) else None)
    if at_death and "DTHDTC" in out.columns:
        death = iso_date_part(out["DTHDTC"])
        later = (iso_date_part(end) > death).fillna(False)  # NaT compares False: a partial date never caps
        end = end.where(~later, out["DTHDTC"])
    out["RFPENDTC"] = end
    return out


def derive_var_dthfl(dm: pd.DataFrame) -> pd.DataFrame:
    out = dm.copy()
    out["DTHFL"] = out["DTHDTC"].map(lambda v: "Y" if isinstance(v, str) and v else None)
    return out


def derive_vars_actual_arm(dm: pd.DataFrame, *, ds: pd.DataFrame) -> pd.DataFrame:
    """ACTARMCD / ACTARM (unless the mapping gave them: a CRF may collect the
    actual arm) and ARMNRS. A subject with a DS screen-failure event who was
    never treated is a SCREEN FAILURE, whether or not an arm code was recorded."""
    out = dm.copy()
    treated = out["RFXSTDTC"].notna()
    assigned = out["ARMCD"].notna()
    for actual, planned in (("ACTARMCD", "ARMCD"), ("ACTARM", "ARM")):
        derived = out[planned].where(treated & assigned, None)
        if actual in dm.columns and dm[actual].notna().any():  # collected: kept as mapped
            derived = dm[actual]
        out[actual] = derived
    screen_failed = (
        out["USUBJID"].isin(ds.loc[ds["DSDECOD"] == "SCREEN FAILURE", "USUBJID"])
        if "DSDECOD" in ds.columns
        else pd.Series(False, index=out.index)
    )
    nrs = pd.Series(None, index=out.index, dtype=object)
    nrs[~assigned & screen_failed] = "SCREEN FAILURE"
    nrs[~assigned & ~screen_failed] = "NOT ASSIGNED"
    nrs[assigned & ~treated & ~screen_failed] = "ASSIGNED, NOT TREATED"
    nrs[assigned & ~treated & screen_failed] = "SCREEN FAILURE"
    out["ARMNRS"] = nrs
    return out
