"""SE: each subject's path through the trial's elements, from DM and DS.

For the screening / treatment / follow-up design (the EPOCHs of TA, in order):
- screening: informed consent to first dose (or to the screen-failure date);
- treatment: first dose to the day after the last dose;
- follow-up: the day after the last dose to the end of participation.
An element that has not started is not written; one without an end is open.
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
            raise ValueError(f"SE: arm {armcd} has epochs {list(arm['EPOCH'])}; the SE derivation knows the "
                             f"{' / '.join(SUPPORTED)} design only")
    elements = ta.drop_duplicates("EPOCH").set_index("EPOCH")
    day_after = (iso_date_part(dm["RFXENDTC"]) + pd.Timedelta(days=1)).dt.strftime("%Y-%m-%d")
    failed = ds[ds["DSDECOD"] == "SCREEN FAILURE"].groupby("USUBJID")["DSSTDTC"].first()
    screen_end = dm["RFXSTDTC"].where(dm["RFXSTDTC"].notna(), dm["USUBJID"].map(failed))
    spans = {
        "SCREENING": (dm["RFICDTC"], screen_end),
        "TREATMENT": (dm["RFXSTDTC"], day_after.where(dm["RFXENDTC"].notna(), None)),
        "FOLLOW-UP": (day_after.where(dm["RFXENDTC"].notna(), None), dm["RFPENDTC"].where(dm["RFXENDTC"].notna(), None)),
    }
    frames = []
    for epoch, (start, end) in spans.items():
        element = elements.loc[epoch]
        frame = pd.DataFrame({
            "STUDYID": dm["STUDYID"], "DOMAIN": "SE", "USUBJID": dm["USUBJID"],
            "ETCD": element["ETCD"], "ELEMENT": element["ELEMENT"], "TAETORD": float(element["TAETORD"]),
            "EPOCH": epoch, "SESTDTC": start, "SEENDTC": end,
        })
        frames.append(frame[frame["SESTDTC"].notna()])
    se = pd.concat(frames, ignore_index=True)
    se["SESEQ"] = (se.sort_values(["USUBJID", "TAETORD"]).groupby("USUBJID").cumcount() + 1).astype("float64")
    return se
