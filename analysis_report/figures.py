"""The report's figures, drawn with matplotlib and returned as PNG bytes.

    km_figure(fit, settings)                                 Kaplan-Meier curve with censoring marks and numbers at risk
    waterfall_figure(adsl, adtr, adrs, analyses, settings)   best % change in the sum of diameters by best response
    spider_figure(adsl, adtr, adrs, analyses, settings)      % change in the sum of diameters over time
    swimmer_figure(adsl, adrs, analyses, settings)           time on treatment of the responders with their responses

The tumour figures show the population of the confirmed best overall response and the
confirmed responders as the Analysis Results define them (analysis_report.arm).

Each returns a Figure (bytes plus its caption). Figures are drawn on their own
matplotlib Figure (no pyplot state), so drawing is reproducible: the same data
give the same PNG bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from specs.config import ReportSettings

from .arm import Analyses
from .settings import DAYS_PER_MONTH
from .tables import RESPONSE_ORDER, Fit, _need, best_responses, select, subject_values

# one colour per best overall response (colour-blind safe)
RESPONSE_COLOURS = {
    "CR": "#1b7837",
    "PR": "#5aae61",
    "SD": "#f1a340",
    "NON-CR/NON-PD": "#998ec3",
    "PD": "#d73027",
    "NE": "#969696",
    "MISSING": "#cccccc",
}
PROGRESSION_LINE, RESPONSE_LINE = 20.0, -30.0  # RECIST 1.1 thresholds of the sum of diameters (%)
DPI = 100


@dataclass(frozen=True)
class Figure:
    name: str
    title: str
    caption: str
    png: bytes


def _png(fig: MplFigure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _colour(response: str) -> str:
    return RESPONSE_COLOURS.get(response, "#636363")


def _legend(ax, responses) -> None:
    present = [r for r in RESPONSE_ORDER if r in set(responses)] + sorted(set(responses) - set(RESPONSE_ORDER))
    ax.legend(
        handles=[Patch(color=_colour(r), label=r) for r in present],
        title="Best confirmed response",
        fontsize=8,
        title_fontsize=8,
        loc="best",
        frameon=False,
    )


def _tick_step(max_months: float) -> float:
    for step in (1, 2, 3, 6, 12):
        if max_months / step <= 12:
            return step
    return 24


def km_figure(fit: Fit, settings: ReportSettings) -> Figure:
    """The Kaplan-Meier curve (months) with its pointwise interval, censoring marks, the median and
    the numbers at risk under the axis."""
    paramcd, param, km = str(fit.analysis.paramcd), fit.param, fit.km
    fig = MplFigure(figsize=(8, 5.2), layout="constrained")
    grid = fig.add_gridspec(2, 1, height_ratios=(6, 1))
    ax, risk = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    table = km.table()
    times = np.concatenate([[0.0], table["time"].to_numpy()])
    surv = np.concatenate([[1.0], table["survival"].to_numpy()])
    end = km.max_time if np.isfinite(km.max_time) else 0.0
    ax.step(np.append(times, end), np.append(surv, surv[-1]), where="post", color="#2166ac", lw=1.6, label=paramcd)
    lower = np.concatenate([[1.0], table["lower"].fillna(0.0).to_numpy()])
    upper = np.concatenate([[1.0], table["upper"].fillna(1.0).to_numpy()])
    ax.fill_between(
        np.append(times, end),
        np.append(lower, lower[-1]),
        np.append(upper, upper[-1]),
        step="post",
        color="#2166ac",
        alpha=0.15,
        lw=0,
        label=f"{settings.level} pointwise interval (log-log)",
    )
    censored = km.time[km.event == 0]
    if censored.size:
        ax.plot(censored, [km.survival_at(t)[0] for t in censored], "|", color="#2166ac", ms=7, label="censored")
    median = km.median()
    if np.isfinite(median):
        ax.plot([0, median, median], [0.5, 0.5, 0], ls="--", color="#636363", lw=0.8)
        ax.annotate(f"median {median:.1f}", (median, 0.5), xytext=(5, 5), textcoords="offset points", fontsize=8)
    step = _tick_step(end)
    ticks = np.arange(0, end + step, step)
    for axis in (ax, risk):
        axis.set_xlim(0, ticks[-1] if ticks.size else 1)
        axis.set_xticks(ticks)
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("Probability without event")
    ax.set_xlabel("Months since first dose")
    ax.set_title(f"{param}: {km.events} events, {km.censored} censored, N = {km.n}", fontsize=10)
    ax.legend(fontsize=8, frameon=False, loc="upper right")
    ax.grid(alpha=0.3)
    risk.set_title("Number at risk", fontsize=8, loc="left")
    for t in ticks:
        risk.text(t, 0.5, str(km.at_risk(float(t))), ha="center", va="center", fontsize=8)
    risk.set_ylim(0, 1)
    risk.axis("off")
    caption = (
        f"Kaplan-Meier estimate of {param.lower()} over the {fit.analysis.population_label.lower()} "
        f"({fit.analysis.population}), months = days / {DAYS_PER_MONTH}; shaded: {settings.level} "
        f"pointwise interval on the log-log scale; ticks: censored subjects."
    )
    return Figure(f"km_{paramcd.lower()}", f"Kaplan-Meier curve: {paramcd}", caption, _png(fig))


def _best_change(adtr, responses: pd.Series, settings: ReportSettings) -> pd.DataFrame:
    _need(adtr, "ADTR", ["USUBJID", "PARAMCD", "PCHG", "DTYPE"])
    best = adtr[
        (adtr["PARAMCD"] == settings.tumour_sum_param)
        & (adtr["DTYPE"] == settings.best_change_dtype)
        & adtr["USUBJID"].isin(responses.index)
    ]
    out = best[["USUBJID", "PCHG"]].dropna().drop_duplicates("USUBJID")
    out["CBOR"] = responses.reindex(pd.Index(out["USUBJID"])).to_numpy()
    return out


def waterfall_figure(adsl, adtr, adrs, analyses: Analyses, settings: ReportSettings) -> Figure:
    """One bar per subject: the best (smallest) % change from baseline in the sum of target diameters."""
    responses, _ = best_responses(adsl, adrs, analyses["best overall response, confirmed"])
    data = _best_change(adtr, responses, settings).sort_values(
        ["PCHG", "USUBJID"], ascending=[False, True], kind="mergesort"
    )
    n = len(responses)
    fig = MplFigure(figsize=(9, 4.8), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(data))
    ax.bar(x, data["PCHG"].clip(upper=100), width=0.85, color=[_colour(r) for r in data["CBOR"]])
    ax.axhline(PROGRESSION_LINE, ls="--", lw=0.8, color="#d73027")
    ax.axhline(RESPONSE_LINE, ls="--", lw=0.8, color="#1b7837")
    ax.axhline(0, lw=0.6, color="black")
    ax.set_xticks([])
    ax.set_xlim(-1, max(len(data), 1))
    ax.set_ylim(-105, 105)
    ax.set_ylabel("Best % change from baseline\nin the sum of diameters")
    ax.set_xlabel(f"Subjects ({len(data)} of {n} with a post-baseline sum of diameters)")
    _legend(ax, data["CBOR"])
    caption = (
        "Best (smallest) percent change from baseline in the sum of target lesion diameters (ADTR "
        f"{settings.tumour_sum_param}, DTYPE {settings.best_change_dtype}), one bar per subject, coloured by best confirmed overall response (ADRS CBOR); "
        "dashed lines at +20% (progression) and -30% (partial response); bars above +100% are cut at 100%."
    )
    return Figure("waterfall", "Waterfall plot", caption, _png(fig))


def spider_figure(adsl, adtr, adrs, analyses: Analyses, settings: ReportSettings) -> Figure:
    """% change from baseline in the sum of diameters over time, one line per subject."""
    _need(adtr, "ADTR", ["USUBJID", "PARAMCD", "PCHG", "ADY", "ABLFL", "DTYPE", "ANL01FL"])
    responses, _ = best_responses(adsl, adrs, analyses["best overall response, confirmed"])
    rows = adtr[
        (adtr["PARAMCD"] == settings.tumour_sum_param)
        & adtr["USUBJID"].isin(responses.index)
        & (adtr["ANL01FL"] == "Y")
        & adtr["DTYPE"].fillna("").eq("")
        & adtr["ABLFL"].fillna("").ne("Y")
        & adtr["PCHG"].notna()
        & adtr["ADY"].notna()
    ]
    rows = rows.sort_values(["USUBJID", "ADY"], kind="mergesort")
    best = responses.reindex(pd.Index(rows["USUBJID"].unique()))
    fig = MplFigure(figsize=(9, 5), layout="constrained")
    ax = fig.add_subplot()
    for usubjid, frame in rows.groupby("USUBJID", sort=True):
        months = np.concatenate([[0.0], frame["ADY"].to_numpy(dtype="float64") / DAYS_PER_MONTH])
        change = np.concatenate([[0.0], frame["PCHG"].to_numpy(dtype="float64")])
        ax.plot(months, change, color=_colour(best[usubjid]), lw=0.8, alpha=0.7, marker="o", ms=2)
    ax.axhline(PROGRESSION_LINE, ls="--", lw=0.8, color="#d73027")
    ax.axhline(RESPONSE_LINE, ls="--", lw=0.8, color="#1b7837")
    ax.set_xlabel("Months since first dose")
    ax.set_ylabel("% change from baseline in the sum of diameters")
    ax.grid(alpha=0.3)
    _legend(ax, best)
    caption = (
        f"Percent change from baseline in the sum of target lesion diameters at each assessment up to "
        f"progression (ADTR {settings.tumour_sum_param}, ANL01FL), {best.size} subjects, coloured by best confirmed response."
    )
    return Figure("spider", "Spider plot", caption, _png(fig))


def swimmer_figure(adsl, adrs, analyses: Analyses, settings: ReportSettings) -> Figure:
    """Time on treatment of the confirmed responders, with each response, progression and death."""
    _need(adsl, "ADSL", ["USUBJID", "TRTSDT", "TRTEDT"])
    _need(adrs, "ADRS", ["USUBJID", "PARAMCD", "AVALC", "ADY"])
    orr = analyses["ORR, confirmed"]
    subjects, records, _ = select(adsl, adrs, orr)
    responders = subject_values(records, orr, orr.variable("response flag"), subjects)
    responders = responders[responders == "Y"].index
    subject = adsl[adsl["USUBJID"].isin(responders)].set_index("USUBJID")
    duration = ((subject["TRTEDT"] - subject["TRTSDT"]).dt.days + 1) / DAYS_PER_MONTH
    order = duration.sort_values(ascending=False, kind="mergesort").index[: settings.swimmer_max_subjects][::-1]
    responses, _ = best_responses(adsl, adrs, analyses["best overall response, confirmed"])
    best = responses.reindex(pd.Index(order)).fillna("MISSING")
    visits = adrs[(adrs["PARAMCD"] == "OVR") & adrs["USUBJID"].isin(order)]
    if "ANL01FL" in visits.columns:
        visits = visits[visits["ANL01FL"] == "Y"]
    height = 1.6 + 0.16 * max(len(order), 1)
    fig = MplFigure(figsize=(9, height), layout="constrained")
    ax = fig.add_subplot()
    y = {usubjid: i for i, usubjid in enumerate(order)}
    ax.barh(list(y.values()), duration.reindex(order).to_numpy(), color=[_colour(best[u]) for u in order], height=0.7)
    markers = {"CR": ("o", "#00441b"), "PR": ("^", "#00441b"), "PD": ("X", "#a50026")}
    for response, (marker, colour) in markers.items():
        hits = visits[visits["AVALC"] == response]
        ax.scatter(hits["ADY"] / DAYS_PER_MONTH, hits["USUBJID"].map(y), marker=marker, color=colour, s=14, zorder=3)
    if "DTHDT" in subject.columns:
        dead = subject.loc[list(order)].dropna(subset=["DTHDT"])
        ax.scatter(
            ((dead["DTHDT"] - dead["TRTSDT"]).dt.days + 1) / DAYS_PER_MONTH,
            dead.index.map(y),
            marker="s",
            color="black",
            s=14,
            zorder=3,
        )
    if "EOTSTT" in subject.columns:
        ongoing = [u for u in order if subject.at[u, "EOTSTT"] == "ONGOING"]
        for u in ongoing:
            ax.annotate(
                "",
                xy=(duration[u] + 1.2, y[u]),
                xytext=(duration[u], y[u]),
                arrowprops={"arrowstyle": "->", "color": "black", "lw": 0.8},
            )
    ax.set_yticks([])
    ax.set_ylim(-1, max(len(order), 1))
    ax.set_xlabel("Months since first dose")
    ax.set_ylabel(f"Confirmed responders ({len(order)} of {len(responders)})")
    handles: list[Artist] = [Line2D([], [], marker=m, color=c, ls="", label=r) for r, (m, c) in markers.items()]
    handles += [
        Line2D([], [], marker="s", color="black", ls="", label="death"),
        Line2D([], [], marker=r"$\rightarrow$", color="black", ls="", ms=10, label="on treatment"),
    ]
    handles += [Patch(color=_colour(r), label=f"bar: best {r}") for r in RESPONSE_ORDER if r in set(best)]
    ax.legend(handles=handles, fontsize=8, frameon=False, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    shown = (
        f"the {len(order)} longest on treatment of {len(responders)}"
        if len(order) < len(responders)
        else f"all {len(responders)}"
    )
    caption = (
        f"Time on treatment (first to last dose, ADSL TRTSDT-TRTEDT) of the confirmed responders "
        f"({orr.dataset} {orr.paramcd} = Y; {shown}); markers: overall response CR/PR/PD at each assessment (ADRS OVR), "
        f"death; arrow: still on treatment at the data cut-off."
    )
    return Figure("swimmer", "Swimmer plot", caption, _png(fig))


__all__ = ["Figure", "km_figure", "spider_figure", "swimmer_figure", "waterfall_figure"]
