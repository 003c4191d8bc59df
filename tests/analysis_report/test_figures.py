"""The figures on small literal ADaM frames and a literal ARM: drawn, reproducible, over the ARM's populations."""

from __future__ import annotations

import pandas as pd

from analysis_report.arm import read_analyses
from analysis_report.figures import km_figure, spider_figure, swimmer_figure, waterfall_figure
from analysis_report.stats import kaplan_meier
from analysis_report.tables import Fit, fit_time_to_event
from specs.config import ReportSettings

from . import literal

SETTINGS = ReportSettings()
ANALYSES = read_analyses(literal.arm_spec())
PNG = b"\x89PNG\r\n\x1a\n"


def test_the_kaplan_meier_figure_names_the_arm_population():
    fits, _ = fit_time_to_event(literal.adsl(), literal.adtte(), ANALYSES, 0.95)
    figure = km_figure(fits["DOR"], SETTINGS)
    assert figure.name == "km_dor" and figure.png.startswith(PNG)
    assert "over the response evaluable population (RSPEVLFL)" in figure.caption
    assert "over the full analysis set population (FASFL)" in km_figure(fits["PFS"], SETTINGS).caption


def test_the_waterfall_counts_the_population_of_the_confirmed_best_response():
    figure = waterfall_figure(literal.adsl(), literal.adtr(), literal.adrs(), ANALYSES, SETTINGS)
    assert figure.png.startswith(PNG)
    assert figure.png == waterfall_figure(literal.adsl(), literal.adtr(), literal.adrs(), ANALYSES, SETTINGS).png


def test_the_spider_plot_shows_the_subjects_of_the_population_with_a_change():
    figure = spider_figure(literal.adsl(), literal.adtr(), literal.adrs(), ANALYSES, SETTINGS)
    assert "2 subjects" in figure.caption  # A and B; C has only its best record, E is not response evaluable


def test_the_swimmer_plot_shows_the_confirmed_responders_of_the_population():
    figure = swimmer_figure(literal.adsl(), literal.adrs(), ANALYSES, SETTINGS)
    assert "all 1)" in figure.caption  # A; F's confirmed response is outside the population


def test_figures_are_drawn_without_responders_or_measurements():
    adrs = literal.adrs().assign(AVALC="N")
    adtr = pd.DataFrame(columns=["USUBJID", "PARAMCD", "PCHG", "DTYPE"])
    assert swimmer_figure(literal.adsl(), adrs, ANALYSES, SETTINGS).png.startswith(PNG)
    assert waterfall_figure(literal.adsl(), adtr, adrs, ANALYSES, SETTINGS).png.startswith(PNG)


def test_no_event_curve_is_drawn_flat_with_its_censoring_marks():
    """A sample without events (nobody died: OS) still gets its figure: the curve at 1 throughout."""
    km = kaplan_meier([3, 5, 8], [0, 0, 0])
    table = km.table()
    assert table.empty and all(table[c].dtype.kind == "f" for c in ("time", "survival", "lower", "upper"))
    figure = km_figure(Fit(ANALYSES["overall survival"], "Overall Survival", km, pd.DataFrame()), SETTINGS)
    assert figure.png.startswith(PNG) and figure.name == "km_os"
