"""The report's tables, computed from the ADaM datasets as the Analysis Results Metadata defines them.

    population_table(adsl, analyses)                         subjects per analysis population
    best_response_table(adsl, adrs, confirmed, unconfirmed)  confirmed and unconfirmed best overall response
    response_rates_table(adsl, adrs, rates, confidence)      ORR and DCR with exact intervals
    fit_time_to_event(adsl, adtte, analyses, confidence)     Kaplan-Meier fits of PFS, OS and DOR
    time_to_event_tables(fits, adtte, settings)              KM summary, rates at fixed months, censoring
    ae_overview_table(adsl, adae, analysis, settings)        subjects with each kind of adverse event
    ae_by_term_table(adsl, adae, analysis, settings)         by system organ class and term, worst grade

Each analysis (analysis_report.arm.Analysis) brings its dataset, parameter, population,
record conditions and analysis variables from its ARM entry; every table function returns
its table with the selections it applied (arm.Applied), which the report checks against
the ARM. Numbers are rounded as the report shows them (percentages and months to one
decimal). Each table counts every subject of its population: a subject without a record of
a parameter is MISSING (response) and never silently left out of a denominator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from specs.config import ReportSettings

from .arm import Analyses, Analysis, Applied
from .settings import DAYS_PER_MONTH
from .stats import KaplanMeier, clopper_pearson, kaplan_meier

RESPONSE_ORDER = ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING")
# the rates of the response table: (measure, confirmation, analysis name)
RATES = (
    ("ORR", "confirmed", "ORR, confirmed"),
    ("ORR", "unconfirmed", "ORR, unconfirmed"),
    ("DCR", "confirmed", "DCR, confirmed"),
    ("DCR", "unconfirmed", "DCR, unconfirmed"),
)
TIME_TO_EVENT = ("progression-free survival", "overall survival", "duration of response")
# the analysis of the time-to-event table that may have no record (no confirmed responder)
OPTIONAL_TIME_TO_EVENT = ("duration of response",)


class ReportInputError(ValueError):
    """An ADaM dataset lacks what the report needs (named with the dataset and variable)."""


def _need(frame: pd.DataFrame | None, dataset: str, columns: list[str]) -> pd.DataFrame:
    if frame is None:
        raise ReportInputError(f"{dataset}: the dataset is missing; the report needs it")
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
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


def select(adsl: pd.DataFrame, frame: pd.DataFrame, analysis: Analysis) -> tuple[pd.Index, pd.DataFrame, Applied]:
    """(subjects, records, applied) of one analysis: the ADSL subjects of its population, the records of
    its analysis dataset with its parameter and record conditions for those subjects, and that selection."""
    subjects = population(adsl, analysis.population)
    columns = ["USUBJID", *(["PARAMCD"] if analysis.paramcd else []), *(c.variable for c in analysis.filters)]
    _need(frame, analysis.dataset, [*columns, *analysis.variables])
    mask = frame["USUBJID"].isin(subjects)
    if analysis.paramcd is not None:
        mask &= frame["PARAMCD"] == analysis.paramcd
    for condition in analysis.filters:
        mask &= condition.holds(frame[condition.variable].astype("string").fillna("")).fillna(False).astype(bool)
    records = frame[mask]
    applied = Applied(analysis.dataset, analysis.paramcd, analysis.population, tuple(records["USUBJID"].astype(str)))
    return subjects, records, applied


def population_table(adsl: pd.DataFrame, analyses: Analyses) -> pd.DataFrame:
    """Subjects in ADSL and in each population the analyses use, with the ARM results over it."""
    _need(adsl, "ADSL", ["USUBJID"])
    rows = [("All subjects in ADSL", "", len(adsl), "")]
    for flag, label, results in analyses.populations():
        rows.append((label, flag, len(population(adsl, flag)), ", ".join(results)))
    return pd.DataFrame(rows, columns=["Population", "ADSL flag", "Subjects", "Analysis results"])


def subject_values(records: pd.DataFrame, analysis: Analysis, variable: str, subjects: pd.Index) -> pd.Series:
    """`variable` of the per-subject records of one analysis for each subject (NaN where the subject has none)."""
    duplicated = records["USUBJID"].duplicated()
    if duplicated.any():
        raise ReportInputError(
            f"{analysis.dataset}: PARAMCD {analysis.paramcd} has more than one record for subject(s) "
            f"{', '.join(records.loc[duplicated, 'USUBJID'].astype(str).unique()[:5])}"
        )
    return records.set_index("USUBJID")[variable].reindex(subjects)


def best_responses(adsl: pd.DataFrame, adrs: pd.DataFrame, analysis: Analysis) -> tuple[pd.Series, Applied]:
    """Each subject of the analysis population with its best overall response (MISSING: no record)."""
    subjects, records, applied = select(adsl, adrs, analysis)
    values = subject_values(records, analysis, analysis.variable("response"), subjects).fillna("MISSING")
    return values, applied


def best_response_table(
    adsl: pd.DataFrame, adrs: pd.DataFrame, confirmed: Analysis, unconfirmed: Analysis
) -> tuple[pd.DataFrame, list[Applied]]:
    """Subjects by best overall response, confirmed and unconfirmed; no record counts as MISSING."""
    columns, applied, totals = {}, [], {}
    for label, analysis in (("Confirmed", confirmed), ("Unconfirmed", unconfirmed)):
        values, used = best_responses(adsl, adrs, analysis)
        columns[label], totals[label] = values.value_counts(), len(values)
        applied.append(used)
    categories = list(RESPONSE_ORDER) + sorted(set().union(*[c.index for c in columns.values()]) - set(RESPONSE_ORDER))
    rows = []
    for category in categories:
        row: dict[str, object] = {"Best overall response": category}
        for label, counts in columns.items():
            k = int(counts.get(category, 0))
            row[f"{label} n"] = k
            row[f"{label} %"] = pct(k, totals[label])
        rows.append(row)
    total: dict[str, object] = {"Best overall response": "Total"}
    for label, n in totals.items():
        total[f"{label} n"], total[f"{label} %"] = n, pct(n, n)
    return pd.DataFrame(rows + [total]), applied


def response_rates_table(
    adsl: pd.DataFrame, adrs: pd.DataFrame, analyses: Analyses, confidence: float
) -> tuple[pd.DataFrame, list[Applied]]:
    """ORR and DCR, confirmed and unconfirmed, with the exact (Clopper-Pearson) interval."""
    rows, applied = [], []
    for measure, confirmation, name in RATES:
        analysis = analyses[name]
        subjects, records, used = select(adsl, adrs, analysis)
        n = len(subjects)
        k = int((subject_values(records, analysis, analysis.variable("response flag"), subjects) == "Y").sum())
        low, high = clopper_pearson(k, n, confidence)
        rows.append(
            {
                "Measure": measure,
                "Confirmation": confirmation,
                "PARAMCD": analysis.paramcd,
                "Subjects": k,
                "N": n,
                "%": pct(k, n),
                "CI lower %": _pct1(low),
                "CI upper %": _pct1(high),
            }
        )
        applied.append(used)
    return pd.DataFrame(rows), applied


def _months(days) -> np.ndarray:
    return np.asarray(days, dtype="float64") / DAYS_PER_MONTH


@dataclass(frozen=True)
class Fit:
    """One time-to-event analysis: its parameter's PARAM (without the day unit), its Kaplan-Meier
    estimate in months and the records it was fitted on."""

    analysis: Analysis
    param: str
    km: KaplanMeier
    records: pd.DataFrame


def fit_time_to_event(
    adsl: pd.DataFrame, adtte: pd.DataFrame, analyses: Analyses, confidence: float
) -> tuple[dict[str, Fit], list[Applied]]:
    """{PARAMCD: Fit} of PFS, OS and DOR (DOR left out when no subject has a record), with the selections."""
    fits, applied = {}, []
    for name in TIME_TO_EVENT:
        analysis = analyses[name]
        _need(adtte, analysis.dataset, ["PARAM"])
        _, rows, used = select(adsl, adtte, analysis)
        applied.append(used)
        if rows.empty and name in OPTIONAL_TIME_TO_EVENT:
            continue
        if rows.empty:
            raise ReportInputError(
                f"{analysis.dataset}: no {analysis.paramcd} records for the {analysis.population_label.lower()}"
            )
        time, censor = (analysis.variable(role) for role in ("time", "censor"))
        bad = rows[rows[time].isna() | ~rows[censor].isin([0, 1])]
        if not bad.empty:
            first = bad.iloc[0]
            raise ReportInputError(
                f"{analysis.dataset}: {analysis.paramcd} record of {first['USUBJID']} has {time} {first[time]} and "
                f"{censor} {first[censor]}; every record needs a day count and {censor} 0 or 1"
            )
        # the analysis is in months: the day unit of PARAM is not repeated
        param = re.sub(r"\s*\((?:days|DAYS)\)$", "", str(rows["PARAM"].iloc[0]))
        km = kaplan_meier(_months(rows[time]), 1 - rows[censor].to_numpy(dtype="float64"), confidence=confidence)
        fits[str(analysis.paramcd)] = Fit(analysis, param, km, rows)
    return fits, applied


def _round1(x: float) -> float:
    return round(float(x), 1) if np.isfinite(x) else np.nan


def time_to_event_tables(
    fits: dict[str, Fit], settings: ReportSettings
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(summary, rates, censoring): events and censored counts with the median and its interval (months);
    the Kaplan-Meier rate at each of settings.rate_months; why each record ended where it did."""
    summary, rates, censoring = [], [], []
    for paramcd, fit in fits.items():
        param, km = fit.param, fit.km
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
    for paramcd, fit in fits.items():
        rows = fit.records
        if {"EVNTDESC", "CNSDTDSC"} <= set(rows.columns):
            event = rows[fit.analysis.variable("censor")] == 0
            reason = rows["EVNTDESC"].where(event, rows["CNSDTDSC"]).fillna("(not given)")
            counts = pd.DataFrame({"outcome": np.where(event, "Event", "Censored"), "reason": reason})
            for (outcome, why), n in counts.value_counts(sort=False).sort_index(ascending=[False, True]).items():
                censoring.append({"PARAMCD": paramcd, "Outcome": outcome, "Reason": why, "Subjects": int(n)})
    return (
        pd.DataFrame(summary),
        pd.DataFrame(rates),
        pd.DataFrame(censoring, columns=["PARAMCD", "Outcome", "Reason", "Subjects"]),
    )


def _emergent(
    adsl: pd.DataFrame, adae: pd.DataFrame, analysis: Analysis, settings: ReportSettings
) -> tuple[pd.DataFrame, int, Applied]:
    """The analysis's adverse event records with their class, term and grade (from its analysis variables),
    whether related, leading to withdrawal or fatal; the subjects of its population; the selection."""
    _need(adae, analysis.dataset, ["AESER", "AEREL"])
    subjects, records, applied = select(adsl, adae, analysis)
    rows = records.copy()
    rows["_class"] = rows[analysis.variable("class")]
    rows["_term"] = rows[analysis.variable("term")]
    rows["_grade"] = pd.to_numeric(rows[analysis.variable("grade")], errors="coerce")
    rows["_related"] = rows["AEREL"].isin(settings.related_terms)
    actions = [c for c in rows.columns if c.startswith("AEACN")]
    rows["_withdrawn"] = rows[actions].isin(settings.withdrawal_actions).any(axis=1) if actions else False
    fatal = rows["_grade"].eq(5)
    if "AEOUT" in rows.columns:
        fatal |= rows["AEOUT"].isin(settings.fatal_outcomes)
    rows["_fatal"] = fatal
    return rows, len(subjects), applied


def ae_overview_table(
    adsl: pd.DataFrame, adae: pd.DataFrame, analysis: Analysis, settings: ReportSettings
) -> tuple[pd.DataFrame, Applied]:
    """Subjects with at least one adverse event of the analysis (treatment-emergent) of each kind, over its
    population."""
    rows, n, applied = _emergent(adsl, adae, analysis, settings)
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
    return pd.DataFrame(out), applied


def ae_by_term_table(
    adsl: pd.DataFrame, adae: pd.DataFrame, analysis: Analysis, settings: ReportSettings
) -> tuple[pd.DataFrame, Applied]:
    """Subjects by system organ class and preferred term: any grade, worst grade 3-4 and 5, serious, related.

    A subject counts once per term (and once per class) at the worst grade of its events.
    Classes and terms by descending frequency, then alphabetically."""
    rows, n, applied = _emergent(adsl, adae, analysis, settings)
    rows["_class"] = rows["_class"].fillna("(not coded)")
    rows["_term"] = rows["_term"].fillna("(not coded)")

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
        return pd.DataFrame(columns=columns), applied
    soc = summarise(rows, ["_class"]).reset_index()
    term = summarise(rows, ["_class", "_term"]).reset_index()
    soc = soc.sort_values(["Any grade", "_class"], ascending=[False, True], kind="mergesort")
    out = []
    for _, s in soc.iterrows():
        out.append({**s.to_dict(), "_term": ""})
        terms = term[term["_class"] == s["_class"]].sort_values(
            ["Any grade", "_term"], ascending=[False, True], kind="mergesort"
        )
        out.extend(terms.to_dict("records"))
    table = pd.DataFrame(out).rename(columns={"_class": "System organ class", "_term": "Preferred term"})
    table["Any grade %"] = table["Any grade"].map(lambda k: pct(k, n))
    table["Grade 3-4 %"] = table["Grade 3-4"].map(lambda k: pct(k, n))
    table["N"] = n
    return table[columns].reset_index(drop=True), applied


__all__ = [
    "RESPONSE_ORDER",
    "Fit",
    "ReportInputError",
    "ae_by_term_table",
    "ae_overview_table",
    "best_response_table",
    "best_responses",
    "fit_time_to_event",
    "population",
    "population_table",
    "response_rates_table",
    "select",
    "subject_values",
    "time_to_event_tables",
]
