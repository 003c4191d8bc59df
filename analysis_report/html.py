"""The report as one self-contained HTML page: tables inline, figures embedded as PNG data.

Every table is a <table id="table-NAME"> with a caption, every figure a
<figure id="figure-NAME"> holding one <img>; the page needs no other file and
no network. Estimates that cannot be computed print as NE.
"""

from __future__ import annotations

import base64
import html
import math
from importlib import metadata

import numpy as np
import pandas as pd

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #bbb; padding-top: 0.5em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
caption { text-align: left; font-weight: bold; padding-bottom: 0.3em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; }
th { background: #eef; } td.num { text-align: right; }
tr.group td { background: #f5f5f5; font-weight: bold; }
figure { margin: 0.5em 0 2em; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #444; max-width: 900px; }
.topline { background: #f0f7f0; border: 1px solid #9c9; padding: 0.5em 1em; }
.note { font-size: 0.85em; color: #444; }
"""


def _cell(value) -> tuple[str, bool]:
    """(text, numeric) of one table cell: counts as integers, estimates to one decimal, NaN as NE."""
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return "NE", True
    if isinstance(value, (bool, np.bool_)):
        return ("Y" if value else "N"), False
    if isinstance(value, (int, np.integer)):
        return str(int(value)), True
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.1f}", True
    return html.escape(str(value)), False


def table_html(name: str, title: str, caption: str, frame: pd.DataFrame, group_column: str | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for row in frame.astype(object).itertuples(index=False):
        cells = []
        for value in row:
            text, numeric = _cell(value)
            cells.append(f'<td class="num">{text}</td>' if numeric else f"<td>{text}</td>")
        group = group_column is not None and row[list(frame.columns).index(group_column)] == ""
        body.append(f'<tr class="group">{"".join(cells)}</tr>' if group else f"<tr>{''.join(cells)}</tr>")
    return (
        f'<table id="table-{name}"><caption>{html.escape(title)}</caption><thead><tr>{head}</tr></thead>'
        f'<tbody>{"".join(body)}</tbody></table>\n<p class="note">{html.escape(caption)}</p>\n'
    )


def figure_html(figure) -> str:
    data = base64.b64encode(figure.png).decode("ascii")
    return (
        f'<figure id="figure-{figure.name}"><img alt="{html.escape(figure.title)}" '
        f'src="data:image/png;base64,{data}"><figcaption><b>{html.escape(figure.title)}.</b> '
        f"{html.escape(figure.caption)}</figcaption></figure>\n"
    )


def _versions() -> str:
    names = ("pandas", "scipy", "statsmodels", "matplotlib")
    found = []
    for name in names:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def render_html(report) -> str:
    """The whole report page (a str)."""
    s = report.settings
    sections = []
    contents = []
    for section, items in report.layout():
        anchor = section.lower().replace(" ", "-")
        contents.append(f'<li><a href="#{anchor}">{html.escape(section)}</a></li>')
        parts = [f'<h2 id="{anchor}">{html.escape(section)}</h2>\n']
        for item in items:
            if hasattr(item, "png"):
                parts.append(figure_html(item))
            elif not hasattr(item, "frame"):  # a note in place of the section's tables
                parts.append(f'<p class="note" id="note-{item.name}">{html.escape(item.text)}</p>\n')
            else:
                parts.append(table_html(item.name, item.title, item.caption, item.frame, item.group_column))
        sections.append("".join(parts))
    topline = "".join(f"<li>{html.escape(line)}</li>" for line in report.topline_lines())
    cutoff = f", data cut-off {html.escape(s.data_cutoff)}" if s.data_cutoff else ""
    populations = "; ".join(
        f"{label.lower()}: ADSL {flag} = Y ({', '.join(results)})"
        for flag, label, results in report.analyses.populations()
    )
    not_computed = ""
    if report.not_computed:
        listed = "; ".join(f"{result}: {why}" for result, why in report.not_computed)
        not_computed = (
            f'\n<p class="note" id="not-computed">Analysis Results not computed here: {html.escape(listed)}.</p>'
        )
    methods = (
        f"Rates: exact (Clopper-Pearson) {s.level} intervals (scipy.stats.binomtest). Time to event: Kaplan-Meier "
        f"estimates with Greenwood standard errors (statsmodels SurvfuncRight); the median's {s.level} interval is "
        "that of Brookmeyer and Crowley on the log-log scale (as SAS PROC LIFETEST, CONFTYPE=LOGLOG); rates at "
        f"fixed times carry the log-log pointwise interval. Months = days / 30.4375. NE: not estimable. "
        f"Software: {_versions()}."
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(s.study_id)}: analysis report</title>
<style>{STYLE}</style></head>
<body>
<h1>{html.escape(s.study_id)}: efficacy and safety analysis</h1>
<p>From the ADaM datasets ({", ".join(report.inputs)}){cutoff}, as the Analysis Results Metadata of the ADaM spec
define them. Populations: {html.escape(populations)}; responses per RECIST 1.1 by the investigator.</p>{not_computed}
<div class="topline" id="topline"><b>Topline</b><ul>{topline}</ul></div>
<nav><ul>{"".join(contents)}</ul></nav>
{"".join(sections)}
<h2 id="methods">Methods</h2><p class="note">{html.escape(methods)}</p>
</body></html>
"""
