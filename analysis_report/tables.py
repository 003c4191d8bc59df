"""The report's tables, computed from the ADaM datasets.

    population_table(adsl, settings)                     subjects per analysis population
    best_response_table(adsl, adrs, settings)            confirmed and unconfirmed best overall response
    response_rates_table(adsl, adrs, settings)           ORR and DCR with exact intervals
    time_to_event_tables(adsl, adtte, settings)          KM summary, rates at fixed months, censoring
    ae_overview_table(adsl, adae, settings)              subjects with each kind of adverse event
    ae_by_term_table(adsl, adae, settings)               by system organ class and term, worst grade

Every table is a DataFrame whose numbers are rounded as the report shows them
(percentages and months to one decimal). Each counts every subject of its
population: a subject without a record of a parameter is MISSING (response) and
never silently left out of a denominator.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from specs.config import ReportSettings

from .settings import DAYS_PER_MONTH
from .stats import KaplanMeier, clopper_pearson, kaplan_meier

RESPONSE_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")
# ADRS parameters of the rates: (measure, confirmation, PARAMCD)
RATE_PARAMS = (
    ("ORR", "confirmed", "CRSP"),
    ("ORR", "unconfirmed", "RSP"),
    ("DCR", "confirmed", "CDCR"),
    ("DCR", "unconfirmed", "DCR"),
)
TTE_PARAMS = ("PFS", "OS", "DOR")


class ReportInputError(ValueError):
    """An ADaM dataset lacks what the report needs (named with the dataset and variable)."""


def _need(frame: pd.DataFrame | None, dataset: str, columns: list[str]) -> pd.DataFrame:
    if frame is None:
        raise ReportInputError(f"{dataset}: the dataset is missing; the report needs it")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReportInputError(f"{dataset}: variable(s) {', '.join(missing)} missing; the report needs them")
    return frame


def pct(n: float, d: float) -> float:
    """n / d as a percentage to one decimal; NaN when d is 0."""
    return round(100.0 * n / d, 1) if d else np.nan


def _pct1(p: float) -> float:
    return round(100.0 * p, 1) if np.isfinite(p) else np.nan


def population(adsl: pd.DataFrame, flag: str) -> pd.Index:
    """USUBJID of the subjects whose ADSL ``flag`` is 'Y', in ADSL order."""
    _need(adsl, "ADSL", ["USUBJID", flag])
    return pd.Index(adsl.loc[adsl[flag] == "Y", "USUBJID"], name="USUBJID")


def population_table(adsl: pd.DataFrame, settings: ReportSettings) -> pd.DataFrame:
    _need(adsl, "ADSL", ["USUBJID"])
    rows = [("All subjects in ADSL", "", len(adsl))]
    for role, flag in (("Efficacy", settings.efficacy_population), ("Safety", settings.safety_population)):
        rows.append((f"{role} population", flag, len(population(adsl, flag))))
    return pd.DataFrame(rows, columns=["Population", "ADSL flag", "Subjects"])


def subject_values(adrs: pd.DataFrame, paramcd: str, subjects: pd.Index) -> pd.Series:
    """AVALC of one per-subject ADRS parameter for each subject (NaN where the subject has none)."""
    _need(adrs, "ADRS", ["USUBJID", "PARAMCD", "AVALC"])
    rows = adrs[adrs["PARAMCD"] == paramcd]
    duplicated = rows["USUBJID"].duplicated()
    if duplicated.any():
        raise ReportInputError(
            f"ADRS: PARAMCD {paramcd} has more than one record for subject(s) "
            f"{', '.join(rows.loc[duplicated, 'USUBJID'].astype(str).unique()[:5])}"
        )
    return rows.set_index("USUBJID")["AVALC"].reindex(subjects)


def best_response_table(adsl: pd.DataFrame, adrs: pd.DataFrame, settings: ReportSettings) -> pd.DataFrame:
    """Subjects by best overall response, confirmed (CBOR) and unconfirmed (BOR); no record counts as MISSING."""
    subjects = population(adsl, settings.efficacy_population)
    n = len(subjects)
    columns = {}
    for label, paramcd in (("Confirmed", "CBOR"), ("Unconfirmed", "BOR")):
        columns[label] = subject_values(adrs, paramcd, subjects).fillna("MISSING").value_counts()
    categories = list(RESPONSE_ORDER) + sorted(set().union(*[c.index for c in columns.values()]) - set(RESPONSE_ORDER))
    rows = []
    for category in categories:
        row = {"Best overall response": category}
        for label, counts in columns.items():
            k = int(counts.get(category, 0))
            row[f"{label} n"] = k
            row[f"{label} %"] = pct(k, n)
        rows.append(row)
    total = {"Best overall response": "Total"}
    for label in columns:
        total[f"{label} n"], total[f"{label} %"] = n, pct(n, n)
    return pd.DataFrame(rows + [total])


def response_rates_table(adsl: pd.DataFrame, adrs: pd.DataFrame, settings: ReportSettings) -> pd.DataFrame:
    """ORR and DCR, confirmed and unconfirmed, with the exact (Clopper-Pearson) interval."""
    subjects = population(adsl, settings.efficacy_population)
    n = len(subjects)
    rows = []
    for measure, confirmation, paramcd in RATE_PARAMS:
        k = int((subject_values(adrs, paramcd, subjects) == "Y").sum())
        low, high = clopper_pearson(k, n, settings.confidence)
        rows.append(
            {
                "Measure": measure,
                "Confirmation": confirmation,
                "PARAMCD": paramcd,
                "Subjects": k,
                "N": n,
                "%": pct(k, n),
                "CI lower %": _pct1(low),
                "CI upper %": _pct1(high),
            }
        )
    return pd.DataFrame(rows)


def _months(days) -> np.ndarray:
    return np.asarray(days, dtype="float64") / DAYS_PER_MONTH


def fit_time_to_event(
    adsl: pd.DataFrame, adtte: pd.DataFrame, settings: ReportSettings
) -> dict[str, tuple[str, KaplanMeier]]:
    """{PARAMCD: (PARAM, Kaplan-Meier in months)} for PFS, OS and DOR over the efficacy population."""
    _need(adtte, "ADTTE", ["USUBJID", "PARAMCD", "PARAM", "AVAL", "CNSR"])
    subjects = population(adsl, settings.efficacy_population)
    fits = {}
    for paramcd in TTE_PARAMS:
        rows = adtte[(adtte["PARAMCD"] == paramcd) & adtte["USUBJID"].isin(subjects)]
        if rows.empty and paramcd == "DOR":
            continue
        if rows.empty:
            raise ReportInputError(f"ADTTE: no {paramcd} records for the efficacy population")
        bad = rows[rows["AVAL"].isna() | ~rows["CNSR"].isin([0, 1])]
        if not bad.empty:
            first = bad.iloc[0]
            raise ReportInputError(
                f"ADTTE: {paramcd} record of {first['USUBJID']} has AVAL {first['AVAL']} and "
                f"CNSR {first['CNSR']}; every record needs a day count and CNSR 0 or 1"
            )
        # the analysis is in months: the day unit of PARAM is not repeated
        param = re.sub(r"\s*\((?:days|DAYS)\)$", "", str(rows["PARAM"].iloc[0]))
        fits[paramcd] = (
            param,
            kaplan_meier(
                _months(rows["AVAL"]), 1 - rows["CNSR"].to_numpy(dtype="float64"), confidence=settings.confidence
            ),
        )
    return fits


def _round1(x: float) -> float:
    return round(float(x), 1) if np.isfinite(x) else np.nan


def time_to_event_tables(
    fits: dict[str, tuple[str, KaplanMeier]], adtte: pd.DataFrame, settings: ReportSettings
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(summary, rates, censoring): events and censored counts with the median and its interval (months);
    the Kaplan-Meier rate at each of settings.rate_months; why each record ended where it did."""
    summary, rates, censoring = [], [], []
    for paramcd, (param, km) in fits.items():
        low, high = km.median_ci()
        summary.append(
            {
                "PARAMCD": paramcd,
                "Parameter": param,
                "N": km.n,
                "Events": km.events,
                "Events %": pct(km.events, km.n),
                "Censored": km.censored,
                "Censored %": pct(km.censored, km.n),
                "Median (months)": _round1(km.median()),
                "CI lower": _round1(low),
                "CI upper": _round1(high),
            }
        )
        for month in settings.rate_months:
            rate = km.rate(float(month))
            rates.append(
                {
                    "PARAMCD": paramcd,
                    "Month": month,
                    "At risk": rate.at_risk,
                    "Rate %": _pct1(rate.survival),
                    "CI lower %": _pct1(rate.lower),
                    "CI upper %": _pct1(rate.upper),
                }
            )
    records = adtte[adtte["PARAMCD"].isin(list(fits))]
    if {"EVNTDESC", "CNSDTDSC"} <= set(records.columns):
        for paramcd in fits:
            rows = records[records["PARAMCD"] == paramcd]
            event = rows["CNSR"] == 0
            reason = rows["EVNTDESC"].where(event, rows["CNSDTDSC"]).fillna("(not given)")
            counts = pd.DataFrame({"outcome": np.where(event, "Event", "Censored"), "reason": reason})
            for (outcome, why), n in counts.value_counts(sort=False).sort_index(ascending=[False, True]).items():
                censoring.append({"PARAMCD": paramcd, "Outcome": outcome, "Reason": why, "Subjects": int(n)})
    return (
        pd.DataFrame(summary),
        pd.DataFrame(rates),
        pd.DataFrame(censoring, columns=["PARAMCD", "Outcome", "Reason", "Subjects"]),
    )


def _emergent(adsl: pd.DataFrame, adae: pd.DataFrame, settings: ReportSettings) -> tuple[pd.DataFrame, int]:
    _need(adae, "ADAE", ["USUBJID", "AEDECOD", "AEBODSYS", "ATOXGRN", "AESER", "AEREL", "TRTEMFL"])
    subjects = population(adsl, settings.safety_population)
    rows = adae[(adae["TRTEMFL"] == "Y") & adae["USUBJID"].isin(subjects)].copy()
    rows["_grade"] = pd.to_numeric(rows["ATOXGRN"], errors="coerce")
    rows["_related"] = rows["AEREL"].isin(settings.related_terms)
    actions = [c for c in rows.columns if c.startswith("AEACN")]
    rows["_withdrawn"] = rows[actions].isin(settings.withdrawal_actions).any(axis=1) if actions else False
    fatal = rows["_grade"].eq(5)
    if "AEOUT" in rows.columns:
        fatal |= rows["AEOUT"].isin(settings.fatal_outcomes)
    rows["_fatal"] = fatal
    return rows, len(subjects)


def ae_overview_table(adsl: pd.DataFrame, adae: pd.DataFrame, settings: ReportSettings) -> pd.DataFrame:
    """Subjects with at least one treatment-emergent adverse event of each kind, over the safety population."""
    rows, n = _emergent(adsl, adae, settings)
    kinds = [
        ("Any adverse event", pd.Series(True, index=rows.index)),
        ("Grade 3 or higher", rows["_grade"] >= 3),
        ("Serious", rows["AESER"] == "Y"),
        ("Treatment-related", rows["_related"]),
        ("Treatment-related, grade 3 or higher", rows["_related"] & (rows["_grade"] >= 3)),
        ("Leading to withdrawal of a study drug", rows["_withdrawn"]),
        (f"Fatal (grade 5 or outcome {' or '.join(settings.fatal_outcomes)})", rows["_fatal"]),
    ]
    out = []
    for label, mask in kinds:
        k = rows.loc[mask.astype(bool), "USUBJID"].nunique()
        out.append({"Treatment-emergent adverse events": label, "Subjects": k, "%": pct(k, n), "N": n})
    return pd.DataFrame(out)


def ae_by_term_table(adsl: pd.DataFrame, adae: pd.DataFrame, settings: ReportSettings) -> pd.DataFrame:
    """Subjects by system organ class and preferred term: any grade, worst grade 3-4 and 5, serious, related.

    A subject counts once per term (and once per class) at the worst grade of its events.
    Classes and terms by descending frequency, then alphabetically."""
    rows, n = _emergent(adsl, adae, settings)
    rows["AEBODSYS"] = rows["AEBODSYS"].fillna("(not coded)")
    rows["AEDECOD"] = rows["AEDECOD"].fillna("(not coded)")

    def summarise(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        per_subject = frame.groupby(keys + ["USUBJID"], sort=False).agg(
            grade=("_grade", "max"), serious=("AESER", lambda s: (s == "Y").any()), related=("_related", "any")
        )
        g = per_subject.groupby(level=keys, sort=False)
        return pd.DataFrame(
            {
                "Any grade": g.size(),
                "Grade 3-4": g["grade"].apply(lambda s: int(s.between(3, 4).sum())),
                "Grade 5": g["grade"].apply(lambda s: int((s == 5).sum())),
                "Serious": g["serious"].sum().astype(int),
                "Related": g["related"].sum().astype(int),
            }
        )

    columns = [
        "System organ class",
        "Preferred term",
        "Any grade",
        "Any grade %",
        "Grade 3-4",
        "Grade 3-4 %",
        "Grade 5",
        "Serious",
        "Related",
        "N",
    ]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    soc = summarise(rows, ["AEBODSYS"]).reset_index()
    term = summarise(rows, ["AEBODSYS", "AEDECOD"]).reset_index()
    soc = soc.sort_values(["Any grade", "AEBODSYS"], ascending=[False, True], kind="mergesort")
    out = []
    for _, s in soc.iterrows():
        out.append({**s.to_dict(), "AEDECOD": ""})
        terms = term[term["AEBODSYS"] == s["AEBODSYS"]].sort_values(
            ["Any grade", "AEDECOD"], ascending=[False, True], kind="mergesort"
        )
        out.extend(terms.to_dict("records"))
    table = pd.DataFrame(out).rename(columns={"AEBODSYS": "System organ class", "AEDECOD": "Preferred term"})
    table["Any grade %"] = table["Any grade"].map(lambda k: pct(k, n))
    table["Grade 3-4 %"] = table["Grade 3-4"].map(lambda k: pct(k, n))
    table["N"] = n
    return table[columns].reset_index(drop=True)


__all__ = [
    "RESPONSE_ORDER",
    "ReportInputError",
    "ae_by_term_table",
    "ae_overview_table",
    "best_response_table",
    "fit_time_to_event",
    "population",
    "population_table",
    "response_rates_table",
    "time_to_event_tables",
]
