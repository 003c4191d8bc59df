"""SE: each subject's path through the trial's elements, from DM and DS.

For the screening / treatment / follow-up design (the EPOCHs of TA, in order):
- screening: informed consent to first dose (or to the screen-failure date);
- treatment: first dose to the day after the last dose;
- follow-up: the day after the last dose to the end of participation, for
  subjects whose participation went on after their last dose.
No element ends after the end of participation (RFPENDTC). An element that has
not started is not written; one without an end is open. SESEQ follows the
elements' order.
"""

from __future__ import annotations

import pandas as pd

from ..context import SdtmRun
from ..dates import iso_date_part

SUPPORTED = ["SCREENING", "TREATMENT", "FOLLOW-UP"]


def build_se(run: SdtmRun) -> pd.DataFrame:
    ta = run.get("TA").sort_values(["ARMCD", "TAETORD"])
    dm = run.get("DM")
    ds = run.get("DS")
    for armcd, arm in ta.groupby("ARMCD"):
        if list(arm["EPOCH"]) != SUPPORTED:
            raise ValueError(
                f"SE: arm {armcd} has epochs {list(arm['EPOCH'])}; the SE derivation knows the "
                f"{' / '.join(SUPPORTED)} design only"
            )
    elements = ta.drop_duplicates("EPOCH").set_index("EPOCH")
    last_dose = iso_date_part(dm["RFXENDTC"])
    end_part = iso_date_part(dm["RFPENDTC"])
    day_after = last_dose + pd.Timedelta(days=1)
    followed = last_dose.notna() & end_part.notna() & (day_after <= end_part)
    fmt = lambda d: d.dt.strftime("%Y-%m-%d").where(d.notna(), None)  # noqa: E731
    treatment_end = fmt(day_after.where(followed, end_part.where(last_dose.notna())))
    failed = ds[ds["DSDECOD"] == "SCREEN FAILURE"].groupby("USUBJID")["DSSTDTC"].first()
    screen_end = dm["RFXSTDTC"].where(dm["RFXSTDTC"].notna(), dm["USUBJID"].map(failed))
    spans = {
        "SCREENING": (dm["RFICDTC"], screen_end),
        "TREATMENT": (dm["RFXSTDTC"], treatment_end),
        "FOLLOW-UP": (fmt(day_after.where(followed)), dm["RFPENDTC"].where(followed, None)),
    }
    frames = []
    for epoch, (start, end) in spans.items():
        element = elements.loc[epoch]
        frame = pd.DataFrame(
            {
                "STUDYID": dm["STUDYID"],
                "DOMAIN": "SE",
                "USUBJID": dm["USUBJID"],
                "ETCD": element["ETCD"],
                "ELEMENT": element["ELEMENT"],
                "TAETORD": float(element["TAETORD"]),
                "EPOCH": epoch,
                "SESTDTC": start,
                "SEENDTC": end,
            }
        )
        frames.append(frame[frame["SESTDTC"].notna()])
    se = pd.concat(frames, ignore_index=True)
    se["SESEQ"] = (se.sort_values(["USUBJID", "TAETORD"]).groupby("USUBJID").cumcount() + 1).astype("float64")
    return se
