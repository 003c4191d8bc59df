"""The report's analyses as the ADaM spec's Analysis Results Metadata (ARM) defines them.

    analyses = read_analyses(spec)            # every result the report computes, from its ARM entry
    analyses["ORR, confirmed"].population     # 'RSPEVLFL': the ADSL flag the ARM selects
    analyses.not_computed                     # ARM results the report has no table for, with why
    check_selection(applied, analysis, frame) # the selection a table applied against the ARM's

Each result the report computes (REPORT_RESULTS) is found among the Analysis Results by its
analysis dataset (the dataset of its analysis variables) and its parameter (the PARAMCD
condition of its selection criteria). From that entry come the population (the one condition
``FLAG EQ Y`` on an ADSL population flag), the other record conditions (``TRTEMFL EQ Y``), the
analysis variables and the method, named in the entry's Documentation (METHOD_WORDS).
A result the report needs that the ARM lacks, or whose entry it cannot follow, is an error;
an ARM result the report does not compute is listed in ``not_computed``, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pandas as pd

from specs.model import AnalysisResult, Spec, WhereCondition
from specs.workbook import parse_where_text

PROPORTION, FREQUENCY, KAPLAN_MEIER = "proportion", "frequency", "Kaplan-Meier"
# words of an ARM result's Documentation (any case) that name the method the report applies
METHOD_WORDS = {"clopper-pearson": PROPORTION, "frequency": FREQUENCY, "kaplan-meier": KAPLAN_MEIER}


class ReportArmError(ValueError):
    """The Analysis Results Metadata cannot drive the report, or a table's selection departs from it;
    ``problems`` holds one message per result."""

    def __init__(self, problems: list[str]):
        super().__init__("analysis results metadata: " + "; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Need:
    """A result the report computes: its analysis dataset, parameter (None: the dataset has none),
    method, and the analysis variables that method reads, in order."""

    name: str
    dataset: str
    paramcd: str | None
    method: str
    variables: tuple[str, ...]


# the analysis variables of each method, in the order the ARM lists them
_RESPONSE, _TIME_CENSOR, _AE = ("response flag",), ("time", "censor"), ("class", "term", "grade")
REPORT_RESULTS = (
    Need("ORR, confirmed", "ADRS", "CRSP", PROPORTION, _RESPONSE),
    Need("ORR, unconfirmed", "ADRS", "RSP", PROPORTION, _RESPONSE),
    Need("DCR, confirmed", "ADRS", "CDCR", PROPORTION, _RESPONSE),
    Need("DCR, unconfirmed", "ADRS", "DCR", PROPORTION, _RESPONSE),
    Need("best overall response, confirmed", "ADRS", "CBOR", FREQUENCY, ("response",)),
    Need("best overall response, unconfirmed", "ADRS", "BOR", FREQUENCY, ("response",)),
    Need("progression-free survival", "ADTTE", "PFS", KAPLAN_MEIER, _TIME_CENSOR),
    Need("overall survival", "ADTTE", "OS", KAPLAN_MEIER, _TIME_CENSOR),
    Need("duration of response", "ADTTE", "DOR", KAPLAN_MEIER, _TIME_CENSOR),
    Need("treatment-emergent adverse events", "ADAE", None, FREQUENCY, _AE),
)


@dataclass(frozen=True)
class Analysis:
    """One result as its ARM entry defines it."""

    need: Need
    result: str  # the ARM result ID
    display: str
    dataset: str
    paramcd: str | None
    population: str  # the ADSL flag whose 'Y' subjects are analysed
    population_label: str  # the flag's label less ' Flag' ("Response Evaluable Population")
    conditions: tuple[WhereCondition, ...]  # the whole selection, as the ARM states it
    variables: tuple[str, ...]  # the analysis variables (names in `dataset`), in need.variables order
    method: str

    @property
    def filters(self) -> tuple[WhereCondition, ...]:
        """The record conditions other than the parameter and the population flag."""
        return tuple(c for c in self.conditions if c.variable not in ("PARAMCD", self.population))

    def where_text(self) -> str:
        return " AND ".join(f"{c.dataset}.{c.text()}" for c in self.conditions)

    def variable(self, role: str) -> str:
        """The analysis variable that plays `role` (one of need.variables)."""
        return self.variables[self.need.variables.index(role)]


@dataclass(frozen=True)
class Analyses(Mapping[str, Analysis]):
    """The report's analyses by result name (Need.name), and the ARM results it does not compute."""

    by_name: Mapping[str, Analysis]
    not_computed: tuple[tuple[str, str], ...] = ()  # (ARM result ID, why)

    def __getitem__(self, name: str) -> Analysis:
        return self.by_name[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_name)

    def __len__(self) -> int:
        return len(self.by_name)

    def populations(self) -> list[tuple[str, str, list[str]]]:
        """(flag, label, ARM result IDs) of each population the analyses use, in order of first use."""
        out: dict[str, tuple[str, list[str]]] = {}
        for a in self.by_name.values():
            out.setdefault(a.population, (a.population_label, []))[1].append(a.result)
        return [(flag, label, results) for flag, (label, results) in out.items()]


@dataclass(frozen=True)
class Applied:
    """The selection a table actually applied: dataset, parameter, population flag and the subjects
    (USUBJID, one per record) of the analysis-dataset records it used."""

    dataset: str
    paramcd: str | None
    population: str
    records: tuple[str, ...]


def _selection(result: AnalysisResult, spec: Spec, dataset: str) -> tuple[list[WhereCondition], list[str]]:
    conditions: list[WhereCondition] = []
    problems: list[str] = []
    known = {w.id for w in spec.where_clauses}
    for part in re.split(r"[;\n]+", result.selection_criteria or ""):
        part = part.strip()
        if not part:
            continue
        parsed = spec.where_clause(part).conditions if part in known else parse_where_text(part, dataset)
        if parsed is None:
            problems.append(f"selection criterion {part!r} is neither a where clause ID nor a condition")
            continue
        conditions.extend(parsed)
    return conditions, problems


def _method(result: AnalysisResult) -> set[str]:
    text = f"{result.documentation or ''} {result.description or ''}".lower()
    return {method for word, method in METHOD_WORDS.items() if word in text}


def read_analyses(spec: Spec) -> Analyses:
    """The report's analyses from the spec's Analysis Results; ReportArmError lists every result the
    report needs that the ARM lacks or states in a way the report cannot follow."""
    adsl_flags = {v.name: v for v in spec.variables_of("ADSL") if v.name.endswith("FL")}
    problems: list[str] = []
    troubled: set[str] = set()  # the needs whose entry has a problem (not also reported as missing)
    found: dict[str, Analysis] = {}
    not_computed: list[tuple[str, str]] = []
    for r in spec.analysis_results:
        datasets = list(dict.fromkeys(v.partition(".")[0].upper() for v in r.variables if "." in v))
        dataset = datasets[0] if len(datasets) == 1 else ""
        conditions, bad = _selection(r, spec, dataset)
        dataset = dataset or next((c.dataset for c in conditions), "")
        paramcds = [c.values[0] for c in conditions if c.variable == "PARAMCD" and len(c.values) == 1]
        paramcd = paramcds[0] if len(paramcds) == 1 else None
        need = next((n for n in REPORT_RESULTS if (n.dataset, n.paramcd) == (dataset, paramcd)), None)
        what = f"{dataset} PARAMCD {paramcd}" if paramcd else f"{dataset or 'no dataset'}"
        if need is None:
            not_computed.append((r.id, f"{what}: the report has no table for it"))
            continue
        where = f"Analysis Results {r.id} ({need.name})"
        before = len(problems)
        if need.name in found:
            problems.append(f"{where}: {found[need.name].result} already defines it")
            continue
        problems.extend(f"{where}: {p}" for p in bad)
        flags = [
            c
            for c in conditions
            if c.variable in adsl_flags and c.comparator == "EQ" and c.values == ("Y",) and c.dataset == dataset
        ]
        if len(flags) != 1:
            problems.append(
                f"{where}: the selection criteria need one population flag of ADSL EQ Y on {dataset}, "
                f"found {len(flags)} ({r.selection_criteria or 'none'})"
            )
        other = [c.dataset for c in conditions if c.dataset != dataset]
        if other:
            problems.append(
                f"{where}: selection criteria on {', '.join(sorted(set(other)))}; the result analyses {dataset}"
            )
        methods = _method(r)
        if methods != {need.method}:
            problems.append(
                f"{where}: the Documentation names {' and '.join(sorted(methods)) or 'no method the report knows'}; "
                f"the report computes it as {need.method} (one of: {', '.join(METHOD_WORDS)})"
            )
        names = tuple(v.partition(".")[2].upper() for v in r.variables)
        if len(names) != len(need.variables) or len(datasets) != 1:
            problems.append(
                f"{where}: {len(names)} analysis variable(s) {', '.join(r.variables) or '(none)'}; "
                f"{need.method} reads {len(need.variables)} of {dataset} ({', '.join(need.variables)})"
            )
        if len(problems) > before:
            troubled.add(need.name)
        if len(flags) != 1 or methods != {need.method} or len(names) != len(need.variables):
            continue
        flag = flags[0].variable
        label = re.sub(r"\s+Flag$", "", adsl_flags[flag].label or flag)
        found[need.name] = Analysis(
            need, r.id, r.display, dataset, paramcd, flag, label, tuple(conditions), names, need.method
        )
    for need in REPORT_RESULTS:
        if need.name not in found and need.name not in troubled:
            where = f"{need.dataset} PARAMCD {need.paramcd}" if need.paramcd else need.dataset
            problems.append(f"no Analysis Result for {need.name} ({where}), which the report computes")
    if problems:
        raise ReportArmError(problems)
    return Analyses({n.name: found[n.name] for n in REPORT_RESULTS}, tuple(not_computed))


def _text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip()


def check_selection(applied: Applied, analysis: Analysis, frame: pd.DataFrame) -> list[str]:
    """What departs between the selection a table applied and the ARM's: the dataset, the parameter,
    the population flag, and the records the ARM's selection criteria pick from `frame` (the analysis
    dataset) against those the table used. Empty when they agree."""
    where = f"{analysis.result} ({analysis.need.name})"
    problems = []
    if applied.dataset != analysis.dataset:
        problems.append(f"{where}: computed from {applied.dataset}; the ARM analyses {analysis.dataset}")
    if applied.paramcd != analysis.paramcd:
        problems.append(f"{where}: computed from PARAMCD {applied.paramcd}; the ARM selects {analysis.paramcd}")
    if applied.population != analysis.population:
        problems.append(
            f"{where}: computed over {applied.population} = Y; the ARM selects {analysis.population} = Y "
            f"({analysis.where_text()})"
        )
    missing = [c.variable for c in analysis.conditions if c.variable not in frame.columns]
    if missing or "USUBJID" not in frame.columns:
        problems.append(f"{where}: {analysis.dataset} lacks {', '.join(missing or ['USUBJID'])} of the ARM's selection")
        return problems
    mask = pd.Series(True, index=frame.index)
    for c in analysis.conditions:
        mask &= c.holds(_text(frame[c.variable])).fillna(False).astype(bool)
    arm = sorted(frame.loc[mask, "USUBJID"].astype(str))
    used = sorted(applied.records)
    if arm != used:
        only_used = sorted(set(used) - set(arm)) or ["none"]
        only_arm = sorted(set(arm) - set(used)) or ["none"]
        problems.append(
            f"{where}: {len(used)} {analysis.dataset} records used, the ARM's selection ({analysis.where_text()}) "
            f"gives {len(arm)}; used only by the report: {', '.join(only_used[:5])}; "
            f"only in the ARM's: {', '.join(only_arm[:5])}"
        )
    return problems


__all__ = [
    "FREQUENCY",
    "KAPLAN_MEIER",
    "PROPORTION",
    "REPORT_RESULTS",
    "Analyses",
    "Analysis",
    "Applied",
    "Need",
    "ReportArmError",
    "check_selection",
    "read_analyses",
]
