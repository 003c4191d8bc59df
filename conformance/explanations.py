"""A study's explanations of its validation findings, read from a CSV file and matched to a run.

A sponsor explains the findings that remain in a submission (the reviewer's guide's
"Data Conformance Summary", cSDRG / ADRG). The study keeps those explanations in one
file that travels with it:

    rule,dataset,variable,explanation
    CB-SDTM-133,CM,EPOCH,"Medications started before informed consent: ..."
    CORE-001078,DM,,"Deaths from disease progression are not adverse events: ..."
    CB-FDA-002,*,,"..."

- rule: a rule id of the catalogue (CB-SDTM-133) or a CDISC CORE id one of its rules
  carries (CORE-000701: every rule naming it); required.
- dataset: one dataset, or empty or `*` for every dataset.
- variable: optional; when given, only findings on that variable.
- explanation: the text the report shows beside each finding it explains; required.

Only rule and explanation must be columns; the columns are named in the first row, in
any order, in any case. Every problem of the file is reported at once, each with the
file, the row (the header is row 1, as a spreadsheet counts) and the column.

An explanation marks the findings it matches; it changes no severity and no exit
status (an explained error is still an error). When several explanations match a
finding, the most specific one gives its text (dataset and variable, then dataset,
then variable, then neither). An explanation that matches no finding of a run whose
scope it is in (its dataset was validated, or for every dataset, its rule ran) is
stale: the report says so in a note.
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from specs.limits import MAX_NAME

from .catalogue import RULES, core_ids
from .model import ExplanationUse, ValidationReport

COLUMNS = ("rule", "dataset", "variable", "explanation")
REQUIRED_COLUMNS = ("rule", "explanation")
EVERY_DATASET = "*"

_DATASET = re.compile(rf"[A-Z][A-Z0-9]{{0,{MAX_NAME - 1}}}")
_VARIABLE = re.compile(rf"[A-Z][A-Z0-9_]{{0,{MAX_NAME - 1}}}")


class ExplanationsError(ValueError):
    """An explanations file that cannot be used; ``problems`` holds every one of them, one line each."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


@dataclass(frozen=True)
class Explanation:
    """One row of an explanations file."""

    row: int  # the row of the file (the header is row 1)
    rule: str  # as written: a rule id or a CORE id
    rules: tuple[str, ...]  # the catalogue rules it names
    dataset: str | None  # None: every dataset
    variable: str | None  # None: every variable
    text: str

    @property
    def specificity(self) -> int:
        return (2 if self.dataset else 0) + (1 if self.variable else 0)

    def where(self) -> str:
        """'CB-SDTM-133, dataset CM, variable EPOCH' as the notes name it."""
        place = f"dataset {self.dataset}" if self.dataset else "every dataset"
        return f"{self.rule}, {place}" + (f", variable {self.variable}" if self.variable else "")


@dataclass(frozen=True)
class Explanations:
    """The explanations of one study: the file and its rows."""

    source: str
    entries: tuple[Explanation, ...]

    def datasets(self) -> set[str]:
        return {e.dataset for e in self.entries if e.dataset}

    def check_datasets(self, known: Iterable[str]) -> None:
        """ExplanationsError naming every row whose dataset is not one of ``known`` (the study's datasets)."""
        names = {str(n).upper() for n in known}
        problems = [
            f"row {e.row}, column dataset: no dataset {e.dataset} in the study"
            + _suggestion(e.dataset, names)
            + f" (the study's datasets: {', '.join(sorted(names)) or 'none'})"
            for e in self.entries
            if e.dataset and e.dataset not in names
        ]
        if problems:
            raise ExplanationsError(self.source, problems)


def read_explanations(path: str | os.PathLike[str], *, datasets: Iterable[str] | None = None) -> Explanations:
    """The explanations of a CSV file (UTF-8, a byte-order mark allowed), every problem reported at once.

    datasets: the study's datasets, when they are known: a row naming another is a problem.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise ExplanationsError(str(path), ["no such file"]) from None
    except IsADirectoryError:
        raise ExplanationsError(str(path), ["is a folder, not an explanations file"]) from None
    except UnicodeDecodeError as exc:
        raise ExplanationsError(str(path), [f"not UTF-8 text (byte {exc.start})"]) from None
    explanations = parse_explanations(text, source=str(path))
    if datasets is not None:
        explanations.check_datasets(datasets)
    return explanations


def parse_explanations(text: str, *, source: str = "explanations") -> Explanations:
    """The explanations of CSV text (see the module text for the columns)."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ExplanationsError(source, [f"not a CSV file ({exc})"]) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ExplanationsError(source, [f"row 1: no header; the first row names the columns {', '.join(COLUMNS)}"])
    header = [cell.strip().lower() for cell in rows[0]]
    problems: list[str] = []
    for number, name in enumerate(header, start=1):
        if name not in COLUMNS:
            problems.append(
                f"row 1, column {number} ({rows[0][number - 1]!r}): unknown column"
                + _suggestion(name, COLUMNS)
                + f" (the columns: {', '.join(COLUMNS)})"
            )
        elif header.index(name) != number - 1:
            problems.append(f"row 1, column {number} ({name}): a second {name} column")
    for name in REQUIRED_COLUMNS:
        if name not in header:
            problems.append(
                f"row 1: no {name} column (the columns: {', '.join(COLUMNS)}; rule and explanation are required)"
            )
    if problems:
        raise ExplanationsError(source, problems)
    by_rule, by_core = _catalogue()
    entries: list[Explanation] = []
    seen: dict[tuple[str, str | None, str | None], int] = {}
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank row
        if len(cells) > len(header):
            problems.append(f"row {number}: {len(cells)} cells, the header names {len(header)} columns")
            continue
        values = {name: cells[i].strip() if i < len(cells) else "" for i, name in enumerate(header)}
        found: list[str] = []
        rule = values["rule"].upper()
        rules: tuple[str, ...] = ()
        if not rule:
            found.append(f"row {number}, column rule: empty; a rule id (CB-...) or a CORE id is required")
        elif rule in by_rule:
            rules = (rule,)
        elif rule in by_core:
            rules = tuple(by_core[rule])
        else:
            found.append(
                f"row {number}, column rule: no rule {values['rule']!r} in the catalogue"
                + _suggestion(rule, [*by_rule, *by_core])
            )
        dataset = values.get("dataset", "").upper() or None
        if dataset == EVERY_DATASET:
            dataset = None
        if dataset and not _DATASET.fullmatch(dataset):
            found.append(
                f"row {number}, column dataset: {values['dataset']!r} is not a dataset name "
                f"(up to 8 letters and digits, a letter first; empty or {EVERY_DATASET} for every dataset)"
            )
        variable = values.get("variable", "").upper() or None
        if variable and not _VARIABLE.fullmatch(variable):
            found.append(
                f"row {number}, column variable: {values['variable']!r} is not a variable name "
                "(up to 8 letters, digits or underscores, a letter first)"
            )
        explanation = values["explanation"]
        if not explanation:
            found.append(f"row {number}, column explanation: empty; every row explains its findings")
        if not found:
            for r in rules:
                key = (r, dataset, variable)
                if key in seen:
                    found.append(
                        f"row {number}: repeats row {seen[key]} (rule {r}, "
                        f"{'dataset ' + dataset if dataset else 'every dataset'}"
                        f"{', variable ' + variable if variable else ''})"
                    )
                    break
                seen[key] = number
        if found:
            problems += found
            continue
        entries.append(Explanation(number, values["rule"].upper(), rules, dataset, variable, explanation))
    if problems:
        raise ExplanationsError(source, problems)
    return Explanations(source, tuple(entries))


def _catalogue() -> tuple[set[str], dict[str, list[str]]]:
    by_core: dict[str, list[str]] = {}
    for r in RULES:
        for c in core_ids(r):
            by_core.setdefault(c.upper(), []).append(r.id)
    return {r.id.upper() for r in RULES}, by_core


def _suggestion(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def apply_explanations(report: ValidationReport, explanations: Explanations) -> ValidationReport:
    """The report with each finding an explanation matches marked with its text (the findings'
    `explanation` column), every explanation's use listed, and a note for each stale one.
    Severities, and so the exit status, are unchanged."""
    findings = report.findings.copy()
    texts = np.full(len(findings), None, dtype=object)
    rule_col = findings["rule"].astype(object).to_numpy() if len(findings) else np.array([], dtype=object)
    dataset_col = findings["dataset"].astype(object).to_numpy() if len(findings) else rule_col
    variable_col = findings["variable"].astype(object).to_numpy() if len(findings) else rule_col
    ran = {r.rule.id for r in report.results if r.status in ("passed", "failed", "crashed")}
    validated = set(report.datasets)
    uses: dict[int, ExplanationUse] = {}
    for entry in sorted(explanations.entries, key=lambda e: -e.specificity):
        mask = np.isin(rule_col, entry.rules)
        if entry.dataset:
            mask &= dataset_col == entry.dataset
        if entry.variable:
            mask &= variable_col == entry.variable
        matched = int(mask.sum())
        texts[mask & pd.isna(texts)] = entry.text  # the most specific explanation first
        if matched:
            status = "applied"
        elif (entry.dataset in validated) if entry.dataset else bool(ran.intersection(entry.rules)):
            status = "stale"
        else:
            status = "not validated here"
        uses[entry.row] = ExplanationUse(
            entry.row, entry.rule, entry.dataset, entry.variable, entry.text, matched, status
        )
    findings["explanation"] = texts
    listed = [uses[e.row] for e in explanations.entries]
    notes = list(report.notes) + [
        f"stale explanation: {explanations.source} row {e.row} ({e.where()}) matches no finding of this "
        "validation; remove it, or correct its rule, dataset or variable"
        for e, use in zip(explanations.entries, listed, strict=True)
        if use.status == "stale"
    ]
    return dataclasses.replace(
        report, findings=findings, notes=notes, explanations=listed, explanations_source=explanations.source
    )
