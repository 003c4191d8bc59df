"""What a conformance rule is, what it returns, and what a validation run reports.

A `Rule` is a small pure function over the study's datasets with its metadata:
our own stable id, a severity, a message, the standard it comes from, the
datasets or classes it applies to and, where one exists, the matching CDISC CORE
rule id. Its check returns an `Outcome`: how many records it checked, how many
were not applicable, and every failing record as `Hit`s (dataset, row
positions, variable, values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SEVERITIES = ("error", "warning", "notice")
SEVERITY_RANK = {"error": 0, "warning": 1, "notice": 2}

STANDARDS = ("SDTMIG 3.4", "ADaMIG 1.3", "FDA", "Transport", "Define-XML", "Spec")

# The columns of the findings table, in order.
FINDING_COLUMNS = [
    "dataset",
    "usubjid",
    "record",
    "row",
    "variable",
    "value",
    "rule",
    "core_id",
    "severity",
    "message",
    "detail",
    "explanation",
]
# The columns of the table of findings by rule and dataset, in order.
BY_DATASET_COLUMNS = [
    "rule",
    "core_id",
    "severity",
    "dataset",
    "findings",
    "explained",
    "explained_findings",
    "explanation",
    "message",
]
RULE_COLUMNS = [
    "rule",
    "core_id",
    "cdisc_rule_ids",
    "standard",
    "severity",
    "default_severity",
    "applies_to",
    "message",
    "checked",
    "failed",
    "not_applicable",
    "datasets",
    "status",
    "strictness_reason",
]


@dataclass(frozen=True)
class Hit:
    """Failing records of one dataset for one variable.

    rows: 0-based positions in the frame (None for a finding about the whole
    dataset); values: the offending values, aligned with rows (or one value);
    detail: an optional explanation per row (or one for all).
    """

    dataset: str
    rows: np.ndarray | None
    variable: str | None
    values: Sequence | None = None
    detail: Sequence | str | None = None

    def __len__(self) -> int:
        return 1 if self.rows is None else len(self.rows)


@dataclass
class Outcome:
    """What one rule found in one dataset (or in the study)."""

    checked: int = 0
    not_applicable: int = 0
    hits: list[Hit] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(len(h) for h in self.hits)

    def add(self, other: Outcome) -> Outcome:
        self.checked += other.checked
        self.not_applicable += other.not_applicable
        self.hits.extend(other.hits)
        return self


@dataclass(frozen=True)
class Rule:
    """One conformance rule.

    applies_to: domain or dataset names ("DM", "SUPP--", "ADSL"), observation
    classes ("FINDINGS", "EVENTS", "INTERVENTIONS", "SPECIAL PURPOSE",
    "TRIAL DESIGN", "RELATIONSHIP", "BDS", "OCCDS", "ADSL"), "SDTM" or "ADAM"
    (every dataset of that model), "ALL", or "STUDY" (run once, dataset None).
    check(ctx, name, frame) -> Outcome.
    """

    id: str
    severity: str
    message: str
    standard: str
    applies_to: tuple[str, ...]
    check: Callable = field(compare=False, repr=False)
    core_id: str | None = None
    cdisc_rule_ids: str | None = None
    excludes: tuple[str, ...] = ()
    description: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"rule {self.id}: severity {self.severity!r} is not one of {SEVERITIES}")
        if self.standard not in STANDARDS:
            raise ValueError(f"rule {self.id}: standard {self.standard!r} is not one of {STANDARDS}")


@dataclass(frozen=True)
class Strictness:
    """A change to one rule made by the config: new severity or 'off', and why."""

    rule: str
    severity: str  # error | warning | notice | off
    reason: str


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    severity: str  # effective severity ('off' when switched off)
    checked: int
    failed: int
    not_applicable: int
    datasets: tuple[str, ...]
    strictness: Strictness | None = None
    error: str | None = None  # the rule could not run (an exception), reported, never raised

    @property
    def status(self) -> str:
        if self.severity == "off":
            return "off"
        if self.error:
            return "crashed"
        if self.checked == 0 and self.failed == 0:
            return "not applicable"
        return "failed" if self.failed else "passed"


@dataclass(frozen=True)
class ExplanationUse:
    """One row of a study's explanations file and what it explained in a validation run.

    status: "applied" (it matches findings), "stale" (in scope of the run, it matches
    none) or "not validated here" (its dataset, or its rule, is not part of the run).
    """

    row: int
    rule: str
    dataset: str | None  # None: every dataset
    variable: str | None
    text: str
    findings: int
    status: str


@dataclass
class ValidationReport:
    """Everything a validation run found.

    The findings' `explanation` column holds the study's explanation of each finding
    (conformance.explanations), None where there is none; `explanations` lists every
    row of the explanations file and what it explained (None: no file was given).
    """

    findings: pd.DataFrame
    results: list[RuleResult]
    datasets: dict[str, int]  # name -> records
    sources: dict[str, str] = field(default_factory=dict)  # name -> file read
    notes: list[str] = field(default_factory=list)
    standards: list[str] = field(default_factory=list)  # the guides and CT versions checked against
    explanations: list[ExplanationUse] | None = None
    explanations_source: str | None = None

    def count(self, severity: str) -> int:
        if self.findings.empty:
            return 0
        return int((self.findings["severity"] == severity).sum())

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    @property
    def notices(self) -> int:
        return self.count("notice")

    def explained(self, severity: str) -> int:
        """Findings of this severity that the study's explanations explain."""
        if self.findings.empty or "explanation" not in self.findings.columns:
            return 0
        return int(((self.findings["severity"] == severity) & self.findings["explanation"].notna()).sum())

    def by_dataset(self) -> pd.DataFrame:
        """One row per rule, severity and dataset with findings: how many, how many explained
        ("yes", "no" or "partly"; the count) and the explanation (several joined by " | ")."""
        if self.findings.empty:
            return pd.DataFrame(columns=BY_DATASET_COLUMNS)
        table = self.findings.copy()
        if "explanation" not in table.columns:
            table["explanation"] = None
        table["dataset"] = table["dataset"].fillna("")
        table["core_id"] = table["core_id"].fillna("")
        rows = []
        for (rule, core, severity, dataset), group in table.groupby(
            ["rule", "core_id", "severity", "dataset"], sort=False, dropna=False
        ):
            texts = list(dict.fromkeys(t for t in group["explanation"] if isinstance(t, str) and t))
            explained = int(group["explanation"].notna().sum())
            rows.append(
                {
                    "rule": rule,
                    "core_id": core or None,
                    "severity": severity,
                    "dataset": dataset or None,
                    "findings": len(group),
                    "explained": "yes" if explained == len(group) else ("partly" if explained else "no"),
                    "explained_findings": explained,
                    "explanation": " | ".join(texts) or None,
                    "message": group["message"].iloc[0],
                }
            )
        out = pd.DataFrame(rows, columns=BY_DATASET_COLUMNS)
        out["_rank"] = out["severity"].map(SEVERITY_RANK)
        out = out.sort_values(["_rank", "rule", "dataset"], kind="stable", na_position="first")
        return out.drop(columns="_rank").reset_index(drop=True)

    def rules_table(self) -> pd.DataFrame:
        rows = []
        for r in self.results:
            rows.append(
                {
                    "rule": r.rule.id,
                    "core_id": r.rule.core_id,
                    "cdisc_rule_ids": r.rule.cdisc_rule_ids,
                    "standard": r.rule.standard,
                    "severity": r.severity,
                    "default_severity": r.rule.severity,
                    "applies_to": ", ".join(r.rule.applies_to),
                    "message": r.rule.message,
                    "checked": r.checked,
                    "failed": r.failed,
                    "not_applicable": r.not_applicable,
                    "datasets": ", ".join(r.datasets),
                    "status": r.status,
                    "strictness_reason": r.strictness.reason if r.strictness else (r.error or None),
                }
            )
        return pd.DataFrame(rows, columns=RULE_COLUMNS)

    def failing(self, fail_on: str) -> bool:
        """True when there are findings at fail_on severity or worse."""
        limit = SEVERITY_RANK[fail_on]
        return any(self.count(s) for s in SEVERITIES if SEVERITY_RANK[s] <= limit)

    def by_rule(self) -> dict[str, int]:
        if self.findings.empty:
            return {}
        return {str(k): int(v) for k, v in self.findings["rule"].value_counts().sort_index().items()}


def positions(mask: pd.Series | np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.asarray(mask, dtype=bool))


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FINDING_COLUMNS})


def as_tuple(items: Iterable[str] | str) -> tuple[str, ...]:
    return (items,) if isinstance(items, str) else tuple(items)
