"""SE: each subject's path through the elements of the trial design, from TA, TE, DM, DS and EX.

The subject follows the element sequence of its arm in TA (TAETORD order):
the actual arm (ACTARMCD), else the planned one (ARMCD); a subject with neither
(a screen failure) follows the elements every arm begins with. Each element
starts at the event its start rule in TE (TESTRL) names; the rule is read by
its words, one of:

- "Informed consent ...": DM.RFICDTC;
- "Randomization ...": the subject's DS RANDOMIZED record (DSSTDTC);
- "First dose of <treatment> ...": the first exposure (EXSTDTC) to that
  treatment (EXTRT, any case); of any study treatment (DM.RFXSTDTC) when the
  words after "of" name no treatment of EX;
- "Day after the last dose of <treatment> ...": the day after the last
  exposure (EXSTDTC, EXENDTC) to that treatment, or to any (DM.RFXENDTC).

A subject enters an element when its start is known and, but for the first
element, not after the end of participation (DM.RFPENDTC). An element ends
where the next element the subject entered starts. The last one ends at the
end of participation, unless it is the first element: a subject who never left
it ends it at the screen failure (the DS SCREEN FAILURE record), or it is open.
SESEQ follows the elements' order.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

from ..context import SdtmRun
from ..dates import iso_date_part
from .dm import first_date, last_date

START_RULES = ("Informed consent", "Randomization", "First dose", "Day after the last dose")


def build_se(run: SdtmRun) -> pd.DataFrame:
    return derive_se(run.get("TA"), run.get("TE"), dm=run.get("DM"), ds=run.get("DS"), ex=run.datasets.get("EX"))


def derive_se(
    ta: pd.DataFrame, te: pd.DataFrame, *, dm: pd.DataFrame, ds: pd.DataFrame, ex: pd.DataFrame | None
) -> pd.DataFrame:
    """SE (STUDYID, DOMAIN, USUBJID, ETCD, ELEMENT, TAETORD, EPOCH, SESTDTC, SEENDTC, SESEQ)
    for every subject of DM, by the rules of the module docstring."""
    ta = ta.assign(TAETORD=pd.to_numeric(ta["TAETORD"]).astype("float64")).sort_values(["ARMCD", "TAETORD"])
    start_rule = dict(zip(te["ETCD"], te["TESTRL"], strict=False))
    event = _events(dm=dm, ds=ds, ex=ex)
    starts = {etcd: _start_of(etcd, start_rule.get(etcd), event) for etcd in ta["ETCD"].unique()}
    paths = _paths(ta)  # per arm: its elements (rows of TA) by TAETORD
    arm = _arm(dm, paths)
    end_part = iso_date_part(dm["RFPENDTC"])
    failed = ds[ds["DSDECOD"] == "SCREEN FAILURE"].groupby("USUBJID")["DSSTDTC"].first()
    failure = dm["USUBJID"].map(failed)
    orders = sorted(ta["TAETORD"].unique())

    def attribute(k: float, name: str) -> pd.Series:
        """`name` of each subject's element at position k (NaN where its arm has none)."""
        return arm.map({a: path[k][name] for a, path in paths.items() if k in path})

    # per element position: the subject's element there, its start and whether the subject entered it
    element = {k: attribute(k, "ETCD") for k in orders}
    start = {k: _at(element[k], starts, dm.index) for k in orders}
    entered = {
        k: start[k].notna() & (True if n == 0 else iso_date_part(start[k]) <= end_part) for n, k in enumerate(orders)
    }
    frames = []
    for n, k in enumerate(orders):
        end = pd.Series(None, index=dm.index, dtype=object)
        open_ = entered[k].copy()
        for later in orders[n + 1 :]:  # the next element entered
            take = open_ & entered[later]
            end = end.where(~take, start[later])
            open_ &= ~take
        end = end.where(~open_, dm["RFPENDTC"] if n > 0 else failure)
        rows = entered[k]
        frames.append(
            pd.DataFrame(
                {
                    "STUDYID": dm["STUDYID"][rows],
                    "DOMAIN": "SE",
                    "USUBJID": dm["USUBJID"][rows],
                    "ETCD": element[k][rows],
                    "ELEMENT": attribute(k, "ELEMENT")[rows],
                    "TAETORD": k,
                    "EPOCH": attribute(k, "EPOCH")[rows],
                    "SESTDTC": start[k][rows],
                    "SEENDTC": end[rows].where(end[rows].notna(), None),
                }
            )
        )
    se = pd.concat(frames, ignore_index=True)
    se["SESEQ"] = (se.sort_values(["USUBJID", "TAETORD"]).groupby("USUBJID").cumcount() + 1).astype("float64")
    return se


SHARED = "\x00shared"  # the arm of a subject without one: the elements every arm begins with


def _paths(ta: pd.DataFrame) -> dict[str, dict[float, dict]]:
    """Each arm's elements as {TAETORD: TA row}; under SHARED, the elements every arm of TA
    begins with."""
    paths: dict[str, dict[float, dict]] = {}
    for row in ta.to_dict("records"):
        paths.setdefault(row["ARMCD"], {})[row["TAETORD"]] = row
    shared: dict[float, dict] = {}
    for order in sorted(ta["TAETORD"].unique()):
        found = [path[order] for path in paths.values() if order in path]
        if len(found) < len(paths) or len({e["ETCD"] for e in found}) != 1:
            break
        shared[order] = found[0]
    paths[SHARED] = shared
    return paths


def _arm(dm: pd.DataFrame, paths: dict[str, dict[float, dict]]) -> pd.Series:
    """Each subject's arm in `paths`: the actual arm, else the planned one, else SHARED."""
    none = pd.Series(None, index=dm.index, dtype=object)
    actual, planned = (dm[c] if c in dm.columns else none for c in ("ACTARMCD", "ARMCD"))
    known = [a for a in paths if a != SHARED]
    return actual.where(actual.isin(known), planned.where(planned.isin(known), SHARED))


def _at(etcd: pd.Series, starts: dict[str, pd.Series], index: pd.Index) -> pd.Series:
    """The start date of each subject's element (None where it has none)."""
    out = pd.Series(None, index=index, dtype=object)
    for code, dates in starts.items():
        here = etcd == code
        out = out.where(~here, dates)
    return out.where(out.notna(), None)


def _events(*, dm: pd.DataFrame, ds: pd.DataFrame, ex: pd.DataFrame | None) -> Callable[[str, str | None], pd.Series]:
    """event(kind, treatment): the subject's date (aligned with DM) of an event a start rule names."""
    subjects = dm["USUBJID"]

    def exposure(treatment: str | None) -> pd.DataFrame | None:
        if ex is None or not treatment or "EXTRT" not in ex.columns:
            return None
        spelled = [t for t in ex["EXTRT"].dropna().unique() if str(t).strip().upper() == treatment.strip().upper()]
        return ex[ex["EXTRT"].isin(spelled)] if spelled else None  # each distinct EXTRT compared once

    def event(kind: str, treatment: str | None) -> pd.Series:
        if kind == "Informed consent":
            return dm["RFICDTC"]
        if kind == "Randomization":
            randomized = ds[ds["DSDECOD"] == "RANDOMIZED"].groupby("USUBJID")["DSSTDTC"].first()
            return subjects.map(randomized)
        treated = exposure(treatment)
        if kind == "First dose":
            return dm["RFXSTDTC"] if treated is None else subjects.map(first_date(treated, ["EXSTDTC"]))
        last = dm["RFXENDTC"] if treated is None else subjects.map(last_date(treated, ["EXSTDTC", "EXENDTC"]))
        day_after = iso_date_part(last) + pd.Timedelta(days=1)
        return day_after.dt.strftime("%Y-%m-%d").where(day_after.notna(), None)

    return event


def _start_of(etcd: str, rule: str | None, event: Callable[[str, str | None], pd.Series]) -> pd.Series:
    """The start dates of element `etcd` by its TE start rule."""
    text = re.sub(r"\s+", " ", str(rule or "")).strip()
    for kind in START_RULES:
        if text.lower().startswith(kind.lower()):
            named = re.match(r"of (.+?)(?:,| or |$)", text[len(kind) :].strip(), flags=re.IGNORECASE)
            return event(kind, named.group(1) if named else None)
    raise ValueError(
        f"SE: element {etcd} starts at {rule!r} (TE.TESTRL); the SE derivation reads start rules "
        f"beginning {', '.join(repr(k) for k in START_RULES)}"
    )
