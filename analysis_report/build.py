"""The analysis report from the ADaM datasets: tables, figures, the HTML page and the topline.

report = build_report(adam_frames, spec=adam_spec, settings=config.report)
write_report(report, "out/report")      # analysis_report.html, analysis_tables.xlsx,
                                        # tables/*.csv, figures/*.png (all or nothing)
report.topline_lines()                  # ORR, DCR and the medians, as printed on the terminal
report.not_computed                     # the spec's Analysis Results the report has no table for
report.notes                            # why a section was left out (no ADLB: no laboratory tables)

Every result comes from the ADaM spec's Analysis Results Metadata (analysis_report.arm): its
dataset, parameter, population, record conditions, analysis variables and method. After the
tables are computed, the selection each applied is checked against its ARM entry
(arm.check_selection); any departure is a ReportArmError.

ADLB and ADVS are optional (studies without laboratory data exist): with them come the laboratory
shift and grade tables and the hypertension summary over the safety population (analysis_report.labs);
without them the section says it was left out.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dataset_io.outputs import output_folder
from specs.config import ReportSettings
from specs.fileio import atomic_write_bytes, write_table, write_tables
from specs.model import Spec

from .arm import Analyses, Applied, ReportArmError, check_selection, read_analyses
from .figures import Figure, km_figure, spider_figure, swimmer_figure, waterfall_figure
from .html import render_html
from .labs import (
    blood_pressure_table,
    hypertension_grades,
    hypertension_table,
    lab_grade_summary_table,
    lab_grades,
    lab_shift_table,
)
from .tables import (
    RATES,
    TIME_TO_EVENT,
    Fit,
    ReportInputError,
    ae_by_term_table,
    ae_overview_table,
    best_response_table,
    fit_time_to_event,
    population,
    population_table,
    response_rates_table,
    time_to_event_tables,
)

HTML_NAME = "analysis_report.html"
XLSX_NAME = "analysis_tables.xlsx"
ADAM_INPUTS = ("ADSL", "ADRS", "ADTTE", "ADTR", "ADAE")
# the datasets whose sections are left out, with a note, when the study has none
OPTIONAL_INPUTS = ("ADLB", "ADVS")
LAB_TABLES = ("lab_shift", "lab_grades")
VITAL_SIGN_TABLES = ("hypertension", "blood_pressure")


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    caption: str
    frame: pd.DataFrame
    group_column: str | None = None  # rows with this column blank are group rows (AE system organ classes)


@dataclass(frozen=True)
class Note:
    """A section's text in place of its tables (the dataset they need is not among the inputs)."""

    name: str
    text: str


@dataclass
class AnalysisReport:
    settings: ReportSettings
    tables: dict[str, Table] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    analyses: Analyses | None = None
    fits: dict[str, Fit] = field(default_factory=dict)  # by PARAMCD
    not_computed: tuple[tuple[str, str], ...] = ()  # ARM results without a table here: (result ID, why)
    notes: dict[str, Note] = field(default_factory=dict)  # "labs", "vital_signs": why the section was left out
    inputs: tuple[str, ...] = ADAM_INPUTS  # the ADaM datasets the report was built from

    def _tables_or_note(self, names: tuple[str, ...], note: str) -> list:
        found = [self.tables[n] for n in names if n in self.tables]
        return found or ([self.notes[note]] if note in self.notes else [])

    def layout(self) -> list[tuple[str, list]]:
        """The report's sections in order, each with its tables and figures."""
        t, f = self.tables, self.figures
        km = [f[name] for name in f if name.startswith("km_")]
        return [
            ("Populations", [t["populations"]]),
            ("Tumour response", [t["response_rates"], t["best_response"]]),
            ("Time to event", [t["time_to_event"], t["km_rates"], t["censoring"], *km]),
            ("Tumour burden", [f["waterfall"], f["spider"]]),
            ("Treatment and response", [f["swimmer"]]),
            ("Adverse events", [t["ae_overview"], t["ae_by_term"]]),
            ("Laboratory", self._tables_or_note(LAB_TABLES, "labs")),
            ("Vital signs: hypertension", self._tables_or_note(VITAL_SIGN_TABLES, "vital_signs")),
        ]

    def rate(self, paramcd: str) -> pd.Series:
        rates = self.tables["response_rates"].frame
        return rates[rates["PARAMCD"] == paramcd].iloc[0]

    def median(self, paramcd: str) -> pd.Series | None:
        summary = self.tables["time_to_event"].frame
        rows = summary[summary["PARAMCD"] == paramcd]
        return rows.iloc[0] if len(rows) else None

    def topline_lines(self) -> list[str]:
        """ORR and DCR (confirmed) with their intervals, and the median PFS, OS and DOR."""
        level = self.settings.level

        def num(x) -> str:
            return "NE" if pd.isna(x) else f"{x:.1f}"

        lines = []
        for label, paramcd in (("ORR (confirmed)", "CRSP"), ("DCR (confirmed)", "CDCR")):
            r = self.rate(paramcd)
            lines.append(
                f"{label}: {r['Subjects']}/{r['N']} = {num(r['%'])}% ({level} CI {num(r['CI lower %'])}"
                f"-{num(r['CI upper %'])})"
            )
        for label, paramcd in (("median PFS", "PFS"), ("median OS", "OS"), ("median DOR", "DOR")):
            m = self.median(paramcd)
            if m is not None:
                lines.append(
                    f"{label}: {num(m['Median (months)'])} months ({level} CI {num(m['CI lower'])}"
                    f"-{num(m['CI upper'])}); {m['Events']} events, {m['Censored']} censored of {m['N']}"
                )
        return lines


def check_selections(applied: list[tuple[Applied, str]], analyses: Analyses, frames: dict[str, pd.DataFrame]) -> None:
    """ReportArmError when a selection a table applied (with the name of its analysis) departs from the ARM's."""
    problems = []
    for used, name in applied:
        analysis = analyses[name]
        problems.extend(check_selection(used, analysis, frames[analysis.dataset]))
    if problems:
        raise ReportArmError(problems)


def build_report(
    adam: dict[str, pd.DataFrame], *, spec: Spec | None, settings: ReportSettings, progress=None
) -> AnalysisReport:
    """Every table and figure of the report from the ADaM datasets (by name: ADSL, ADRS, ADTTE, ADTR, ADAE;
    ADLB and ADVS when there), each result as the ADaM spec's Analysis Results define it."""
    say = progress or (lambda message: None)
    if spec is None or not spec.analysis_results:
        raise ReportInputError(
            "the report needs the ADaM spec's Analysis Results (the populations, parameters and methods of its "
            "results); the study has no ADaM spec or the spec has none"
        )
    analyses = read_analyses(spec)
    frames = {name.upper(): frame for name, frame in adam.items()}
    missing = [name for name in ADAM_INPUTS if name not in frames]
    if missing:
        raise ReportInputError(f"the report needs the ADaM dataset(s) {', '.join(missing)}")
    adsl, adrs, adtte, adtr, adae = (frames[n] for n in ADAM_INPUTS)
    inputs = ADAM_INPUTS + tuple(name for name in OPTIONAL_INPUTS if name in frames)
    report = AnalysisReport(settings, analyses=analyses, not_computed=analyses.not_computed, inputs=inputs)
    level = settings.level
    applied: list[tuple[Applied, str]] = []
    orr, cbor = analyses["ORR, confirmed"], analyses["best overall response, confirmed"]
    teae = analyses["treatment-emergent adverse events"]

    def over(analysis) -> str:
        return f"the {analysis.population_label.lower()} ({analysis.population} = Y)"

    def add(name, title, caption, frame, group_column=None):
        report.tables[name] = Table(name, title, caption, frame, group_column)

    say("tables")
    add(
        "populations",
        "Analysis populations",
        "Subjects in ADSL and in each analysis population, with the analysis results (Analysis Results Metadata) "
        "over it.",
        population_table(adsl, analyses),
    )
    rates, used = response_rates_table(adsl, adrs, analyses, settings.confidence)
    applied += zip(used, (name for _, _, name in RATES), strict=True)
    add(
        "response_rates",
        "Objective response rate and disease control rate",
        f"Subjects with a response over {over(orr)} with the exact (Clopper-Pearson) "
        f"{level} interval. ORR: best overall response CR or PR (confirmed: ADRS CRSP; unconfirmed: RSP); "
        "DCR: CR, PR, SD or NON-CR/NON-PD (CDCR; DCR). Subjects without an assessment count as non-responders.",
        rates,
    )
    unconfirmed = analyses["best overall response, unconfirmed"]
    best, used = best_response_table(adsl, adrs, cbor, unconfirmed)
    applied += zip(used, (cbor.need.name, unconfirmed.need.name), strict=True)
    add(
        "best_response",
        "Best overall response",
        f"Subjects by best overall response per RECIST 1.1, confirmed (ADRS CBOR) and without confirmation (BOR), "
        f"over {over(cbor)}; no post-baseline assessment: MISSING.",
        best,
    )
    report.fits, used = fit_time_to_event(adsl, adtte, analyses, settings.confidence)
    applied += zip(used, TIME_TO_EVENT, strict=True)
    summary, km_rates, censoring = time_to_event_tables(report.fits, settings)
    populations = "; ".join(f"{fit.analysis.paramcd} over {over(fit.analysis)}" for fit in report.fits.values())
    add(
        "time_to_event",
        "Time to event: Kaplan-Meier medians (months)",
        f"Events and censored subjects (ADTTE CNSR): {populations}; DOR: the confirmed responders. "
        f"Median with the Brookmeyer-Crowley {level} interval on the log-log scale; NE: not estimable.",
        summary,
    )
    add(
        "km_rates",
        "Time to event: Kaplan-Meier rates at fixed times",
        f"Probability of being without the event at each month with its {level} log-log pointwise interval and "
        "the subjects still at risk; NE beyond the longest follow-up.",
        km_rates,
    )
    add(
        "censoring",
        "Time to event: events and censoring by reason",
        "Why each record ended where it did (ADTTE EVNTDESC for events, CNSDTDSC for censored records).",
        censoring,
    )
    conditions = " AND ".join(
        f"{c.dataset} {c.variable} = {c.values[0]}" if c.comparator == "EQ" else f"{c.dataset} {c.text()}"
        for c in teae.filters
    )
    overview, ae_used = ae_overview_table(adsl, adae, teae, settings)
    applied.append((ae_used, teae.need.name))
    add(
        "ae_overview",
        "Treatment-emergent adverse events: overview",
        f"Subjects with at least one treatment-emergent adverse event ({conditions}) of each kind over {over(teae)}; "
        f"grade: CTCAE ({teae.variable('grade')}); related: AEREL one of {', '.join(settings.related_terms)}.",
        overview,
    )
    by_term, ae_used = ae_by_term_table(adsl, adae, teae, settings)
    applied.append((ae_used, teae.need.name))
    add(
        "ae_by_term",
        "Treatment-emergent adverse events by system organ class and preferred term",
        "Each subject counted once per class and per term at its worst grade; classes and terms by descending "
        "frequency; rows with a blank preferred term are the class totals.",
        by_term,
        group_column="Preferred term",
    )
    add_safety_findings(report, adsl, frames.get("ADLB"), frames.get("ADVS"))
    check_selections(applied, analyses, frames)
    say("figures")
    for fit in report.fits.values():
        figure = km_figure(fit, settings)
        report.figures[figure.name] = figure
    for figure in (
        waterfall_figure(adsl, adtr, adrs, analyses, settings),
        spider_figure(adsl, adtr, adrs, analyses, settings),
        swimmer_figure(adsl, adrs, analyses, settings),
    ):
        report.figures[figure.name] = figure
    return report


def add_safety_findings(
    report: AnalysisReport, adsl: pd.DataFrame, adlb: pd.DataFrame | None, advs: pd.DataFrame | None
) -> None:
    """The laboratory tables (with ADLB) and the hypertension tables (with ADVS) over the safety population;
    a note in their place for a dataset that is not among the inputs."""
    n = len(population(adsl, "SAFFL"))
    over = f"safety population (SAFFL = Y, N = {n})"
    graded = (
        "NCI-CTCAE v5.0 grades; worst post-baseline grade: the highest over the subject's post-baseline "
        "on-treatment observed records (ONTRTFL = Y, ABLFL not Y, DTYPE null: the MAXIMUM / MINIMUM records are "
        "not counted again)"
    )

    def add(name, title, caption, frame):
        report.tables[name] = Table(name, title, caption, frame)

    if adlb is None:
        report.notes["labs"] = Note("labs", "No ADLB among the ADaM datasets: the laboratory tables are left out.")
    else:
        grades = lab_grades(adsl, adlb)
        add(
            "lab_shift",
            f"Laboratory toxicity: baseline grade by worst post-baseline grade, {over}",
            f"Per parameter (ADLB PARAM) and direction with a CTCAE term (ATOXDSCL low, ATOXDSCH high): the safety "
            f"subjects with a record of the parameter (N) by baseline grade (BTOXGRL / BTOXGRH) and worst "
            f"post-baseline grade (ATOXGRL / ATOXGRH); {graded}. Missing: no baseline or post-baseline record, or a "
            "value not graded. Percentages of N.",
            lab_shift_table(grades),
        )
        add(
            "lab_grades",
            f"Laboratory toxicity: subjects by worst post-baseline grade, {over}",
            f"Per parameter and direction: subjects with a worst post-baseline grade of 1 or higher, of 3 or higher, "
            f"and of 3-4 from a baseline grade of 0-2; {graded}. Percentages of N (the safety subjects with a "
            "record of the parameter).",
            lab_grade_summary_table(grades),
        )
    if advs is None:
        report.notes["vital_signs"] = Note(
            "vital_signs", "No ADVS among the ADaM datasets: the hypertension tables are left out."
        )
    else:
        add(
            "hypertension",
            f"Hypertension: subjects by worst post-baseline grade, {over}",
            f"Worst grade of hypertension per subject: the higher of the systolic (SYSBP) and diastolic (DIABP) "
            f"ADVS ATOXGRH; baseline: the higher of their BTOXGRH; {graded}. Missing: no post-baseline "
            "on-treatment blood pressure, or one not graded. Percentages of N.",
            hypertension_table(hypertension_grades(adsl, advs)),
        )
        add(
            "blood_pressure",
            f"Blood pressure: maximum post-baseline value against baseline (mmHg), {over}",
            "Mean and standard deviation over the safety subjects with a baseline (ABLFL = Y) and a post-baseline "
            "on-treatment value (N) of the baseline, of the subject's maximum post-baseline on-treatment value "
            "(observed records) and of its change from baseline.",
            blood_pressure_table(adsl, advs),
        )


def write_report(
    report: AnalysisReport, out_dir: str | os.PathLike[str], *, inputs=(), force: bool = False
) -> dict[str, Path]:
    """Write the report folder whole or not at all: the HTML page, the tables (one xlsx, one CSV each)
    and the figures (PNG). Returns {"html": ..., "xlsx": ..., "tables": folder, "figures": folder}.
    The folder is written through dataset_io.outputs.output_folder (`inputs`: the paths it must not touch)."""
    out = Path(out_dir)
    with output_folder(out, command="report", inputs=inputs, force=force) as tmp:
        atomic_write_bytes(tmp / HTML_NAME, render_html(report).encode("utf-8"))
        write_tables({t.name: t.frame for t in report.tables.values()}, tmp / XLSX_NAME)
        for table in report.tables.values():
            write_table(table.frame, tmp / "tables" / f"{table.name}.csv")
        for figure in report.figures.values():
            atomic_write_bytes(tmp / "figures" / f"{figure.name}.png", figure.png)
    return {"html": out / HTML_NAME, "xlsx": out / XLSX_NAME, "tables": out / "tables", "figures": out / "figures"}


def read_adam(folder: str | os.PathLike[str], *, adam_spec=None) -> dict[str, pd.DataFrame]:
    """The ADaM datasets the report needs from a folder (XPT, parquet, Dataset-JSON or CSV, one file each),
    and ADLB and ADVS when the folder has them;
    CSV text is given the ADaM spec's types when a spec is given."""
    from dataset_io.readers import conform_to_spec, read_datasets

    out = {}
    for name, (frame, metadata) in read_datasets(folder, ADAM_INPUTS + OPTIONAL_INPUTS).items():
        if metadata.format == "csv" and adam_spec is not None and adam_spec.has_dataset(name):
            frame = conform_to_spec(frame, adam_spec, name)
        out[name] = frame
    missing = [n for n in ADAM_INPUTS if n not in out]
    if missing:
        raise FileNotFoundError(
            f"{folder}: no {', '.join(m.lower() + '.xpt' for m in missing)} (or .parquet, .json, .ndjson, .csv)"
        )
    return out


__all__ = [
    "AnalysisReport",
    "HTML_NAME",
    "Note",
    "OPTIONAL_INPUTS",
    "Table",
    "XLSX_NAME",
    "add_safety_findings",
    "build_report",
    "check_selections",
    "read_adam",
    "write_report",
]
