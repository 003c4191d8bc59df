"""The HTML page's pieces on literal tables: cell text, group rows, the populations line from the ARM."""

from __future__ import annotations

import math

import pandas as pd

from analysis_report import build_report
from analysis_report.html import render_html, table_html
from specs.config import ReportSettings

from . import literal


def test_cells_print_counts_estimates_and_ne():
    frame = pd.DataFrame({"Term": ["Rash", "<b>"], "n": [3, 12], "%": [12.345, math.nan]})
    text = table_html("t", "Title", "Caption & more", frame)
    assert '<td>Rash</td><td class="num">3</td><td class="num">12.3</td>' in text
    assert '<td>&lt;b&gt;</td><td class="num">12</td><td class="num">NE</td>' in text
    assert '<p class="note">Caption &amp; more</p>' in text


def test_rows_with_a_blank_group_column_are_group_rows():
    frame = pd.DataFrame({"Class": ["Investigations", "Investigations"], "Term": ["", "ALT increased"], "n": [2, 2]})
    text = table_html("t", "T", "C", frame, group_column="Term")
    assert text.count('<tr class="group">') == 1 and "<tr><td>Investigations</td><td>ALT increased</td>" in text


def test_the_page_names_each_population_with_its_arm_results():
    report = build_report(literal.study(), spec=literal.arm_spec(), settings=ReportSettings(study_id="S1"))
    page = render_html(report)
    assert (
        "Populations: response evaluable population: ADSL RSPEVLFL = Y (AR.ORR, AR.RSP, AR.DCR, AR.DCRU, AR.CBOR, "
        "AR.BOR, AR.DOR); full analysis set population: ADSL FASFL = Y (AR.PFS, AR.OS); safety population: ADSL "
        "SAFFL = Y (AR.TEAE);"
    ) in page
    assert 'id="not-computed"' not in page
