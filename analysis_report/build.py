"""The analysis report from the ADaM datasets: tables, figures, the HTML page and the topline.

report = build_report(adam_frames, settings=ReportSettings.from_study(config))
write_report(report, "out/report")      # analysis_report.html, analysis_tables.xlsx,
                                        # tables/*.csv, figures/*.png (all or nothing)
report.topline_lines()                  # ORR, DCR and the medians, as printed on the terminal
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dataset_io.outputs import output_folder
from specs.fileio import atomic_write_bytes, write_table, write_tables

from .figures import Figure, km_figure, spider_figure, swimmer_figure, waterfall_figure
from .html import render_html
from .settings import ReportSettings
from .tables import (
    ReportInputError,
    ae_by_term_table,
    ae_overview_table,
    best_response_table,
    fit_time_to_event,
    population_table,
    response_rates_table,
    time_to_event_tables,
)

HTML_NAME = "analysis_report.html"
XLSX_NAME = "analysis_tables.xlsx"
ADAM_INPUTS = ("ADSL", "ADRS", "ADTTE", "ADTR", "ADAE")


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    caption: str
    frame: pd.DataFrame
    group_column: str | None = None  # rows with this column blank are group rows (AE system organ classes)


@dataclass
class AnalysisReport:
    settings: ReportSettings
    tables: dict[str, Table] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    fits: dict = field(default_factory=dict)  # PARAMCD -> (PARAM, KaplanMeier)

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


def build_report(adam: dict[str, pd.DataFrame], *, settings: ReportSettings, progress=None) -> AnalysisReport:
    """Every table and figure of the report from the ADaM datasets (by name: ADSL, ADRS, ADTTE, ADTR, ADAE)."""
    say = progress or (lambda message: None)
    frames = {name.upper(): frame for name, frame in adam.items()}
    missing = [name for name in ADAM_INPUTS if name not in frames]
    if missing:
        raise ReportInputError(f"the report needs the ADaM dataset(s) {', '.join(missing)}")
    adsl, adrs, adtte, adtr, adae = (frames[n] for n in ADAM_INPUTS)
    report = AnalysisReport(settings)
    level = settings.level
    eff, saf = settings.efficacy_population, settings.safety_population

    def add(name, title, caption, frame, group_column=None):
        report.tables[name] = Table(name, title, caption, frame, group_column)

    say("tables")
    add(
        "populations",
        "Analysis populations",
        "Subjects in ADSL and in each analysis population.",
        population_table(adsl, settings),
    )
    add(
        "response_rates",
        "Objective response rate and disease control rate",
        f"Subjects with a response over the efficacy population ({eff} = Y) with the exact (Clopper-Pearson) "
        f"{level} interval. ORR: best overall response CR or PR (confirmed: ADRS CRSP; unconfirmed: RSP); "
        "DCR: CR, PR, SD or NON-CR/NON-PD (CDCR; DCR). Subjects without an assessment count as non-responders.",
        response_rates_table(adsl, adrs, settings),
    )
    add(
        "best_response",
        "Best overall response",
        f"Subjects by best overall response per RECIST 1.1, confirmed (ADRS CBOR) and without confirmation (BOR), "
        f"over the efficacy population ({eff} = Y); no post-baseline assessment: MISSING.",
        best_response_table(adsl, adrs, settings),
    )
    report.fits = fit_time_to_event(adsl, adtte, settings)
    summary, rates, censoring = time_to_event_tables(report.fits, adtte, settings)
    add(
        "time_to_event",
        "Time to event: Kaplan-Meier medians (months)",
        f"Events and censored subjects (ADTTE CNSR) over the efficacy population; DOR over the confirmed responders. "
        f"Median with the Brookmeyer-Crowley {level} interval on the log-log scale; NE: not estimable.",
        summary,
    )
    add(
        "km_rates",
        "Time to event: Kaplan-Meier rates at fixed times",
        f"Probability of being without the event at each month with its {level} log-log pointwise interval and "
        "the subjects still at risk; NE beyond the longest follow-up.",
        rates,
    )
    add(
        "censoring",
        "Time to event: events and censoring by reason",
        "Why each record ended where it did (ADTTE EVNTDESC for events, CNSDTDSC for censored records).",
        censoring,
    )
    add(
        "ae_overview",
        "Treatment-emergent adverse events: overview",
        f"Subjects with at least one treatment-emergent adverse event (ADAE TRTEMFL = Y) of each kind over the safety "
        f"population ({saf} = Y); grade: CTCAE (ATOXGRN); related: AEREL one of {', '.join(settings.related_terms)}.",
        ae_overview_table(adsl, adae, settings),
    )
    add(
        "ae_by_term",
        "Treatment-emergent adverse events by system organ class and preferred term",
        "Each subject counted once per class and per term at its worst grade; classes and terms by descending "
        "frequency; rows with a blank preferred term are the class totals.",
        ae_by_term_table(adsl, adae, settings),
        group_column="Preferred term",
    )
    say("figures")
    for paramcd, (param, km) in report.fits.items():
        figure = km_figure(paramcd, param, km, settings)
        report.figures[figure.name] = figure
    for figure in (
        waterfall_figure(adsl, adtr, adrs, settings),
        spider_figure(adsl, adtr, adrs, settings),
        swimmer_figure(adsl, adrs, settings),
    ):
        report.figures[figure.name] = figure
    return report


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
    """The ADaM datasets the report needs from a folder (XPT, parquet, Dataset-JSON or CSV, one file each);
    CSV text is given the ADaM spec's types when a spec is given."""
    from dataset_io.readers import conform_to_spec, read_datasets

    out = {}
    for name, (frame, metadata) in read_datasets(folder, ADAM_INPUTS).items():
        if metadata.format == "csv" and adam_spec is not None and adam_spec.has_dataset(name):
            frame = conform_to_spec(frame, adam_spec, name)
        out[name] = frame
    missing = [n for n in ADAM_INPUTS if n not in out]
    if missing:
        raise FileNotFoundError(
            f"{folder}: no {', '.join(m.lower() + '.xpt' for m in missing)} (or .parquet, .json, .ndjson, .csv)"
        )
    return out


__all__ = ["AnalysisReport", "HTML_NAME", "Table", "XLSX_NAME", "build_report", "read_adam", "write_report"]
