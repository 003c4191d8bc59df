"""The report on a simulated study: every table and figure, the files, reproducibility, the command line."""

from __future__ import annotations

import base64
import re

import pandas as pd
import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from analysis_report import ReportInputError, build_report, write_report
from analysis_report.build import HTML_NAME, XLSX_NAME
from specs.config import ReportSettings

TABLES = {
    "lab_shift",
    "lab_grades",
    "hypertension",
    "blood_pressure",
    "populations",
    "response_rates",
    "best_response",
    "time_to_event",
    "km_rates",
    "censoring",
    "ae_overview",
    "ae_by_term",
}
FIGURES = {"km_pfs", "km_os", "km_dor", "waterfall", "spider", "swimmer"}


@pytest.fixture(scope="module")
def report(simulated_adam):
    return build_report(
        simulated_adam.adam,
        spec=simulated_adam.adam_result.spec,
        settings=simulated_adam.config.report,
    )


@pytest.fixture(scope="module")
def written(report, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report"
    return out, write_report(report, out)


def test_every_table_and_figure_is_built(report, simulated_adam):
    assert {"ADLB", "ADVS"} <= set(simulated_adam.adam)  # the simulated study has safety labs and vitals
    assert set(report.tables) == TABLES
    assert set(report.figures) == FIGURES
    for figure in report.figures.values():
        assert figure.png.startswith(b"\x89PNG\r\n\x1a\n") and len(figure.png) > 5000, figure.name


def test_rates_count_every_response_evaluable_subject(report, simulated_adam):
    adsl = simulated_adam.adam["ADSL"]
    n = int((adsl["RSPEVLFL"] == "Y").sum())
    rates = report.tables["response_rates"].frame
    assert (rates["N"] == n).all()
    best = report.tables["best_response"].frame.set_index("Best overall response")
    assert best.loc["Total", "Confirmed n"] == n
    assert best.drop(index="Total")["Confirmed n"].sum() == n
    confirmed = best.loc[["CR", "PR"], "Confirmed n"].sum()
    assert rates.set_index("PARAMCD").loc["CRSP", "Subjects"] == confirmed


def test_time_to_event_counts_agree_with_adtte(report, simulated_adam):
    adtte = simulated_adam.adam["ADTTE"]
    summary = report.tables["time_to_event"].frame.set_index("PARAMCD")
    for paramcd in ("PFS", "OS", "DOR"):
        rows = adtte[adtte["PARAMCD"] == paramcd]
        assert summary.loc[paramcd, "N"] == len(rows)
        assert summary.loc[paramcd, "Events"] == int((rows["CNSR"] == 0).sum())
        assert summary.loc[paramcd, "Censored"] == int((rows["CNSR"] == 1).sum())
    censoring = report.tables["censoring"].frame
    assert censoring.groupby("PARAMCD")["Subjects"].sum().to_dict() == summary["N"].to_dict()


def test_ae_overview_counts_subjects_once(report, simulated_adam):
    adae = simulated_adam.adam["ADAE"]
    overview = report.tables["ae_overview"].frame.set_index("Treatment-emergent adverse events")
    emergent = adae[adae["TRTEMFL"] == "Y"]
    assert overview.loc["Any adverse event", "Subjects"] == emergent["USUBJID"].nunique()
    assert overview.loc["Serious", "Subjects"] == emergent.loc[emergent["AESER"] == "Y", "USUBJID"].nunique()
    by_term = report.tables["ae_by_term"].frame
    soc_rows = by_term[by_term["Preferred term"] == ""]
    assert soc_rows["System organ class"].is_unique


def test_files_are_written_and_tables_agree(written, report):
    out, paths = written
    assert paths["html"] == out / HTML_NAME and paths["html"].stat().st_size > 10_000
    sheets = pd.read_excel(out / XLSX_NAME, sheet_name=None)
    assert set(sheets) == TABLES
    for name, table in report.tables.items():
        csv = pd.read_csv(out / "tables" / f"{name}.csv", keep_default_na=False, na_values=[""])
        assert list(csv.columns) == list(table.frame.columns), name
        assert len(csv) == len(table.frame) == len(sheets[name]), name
    assert {p.stem for p in (out / "figures").glob("*.png")} == FIGURES
    assert not list(out.parent.glob(".report.*")), "a temporary folder was left behind"


def test_html_is_self_contained_with_every_table_and_figure(written):
    out, _ = written
    page = (out / HTML_NAME).read_text(encoding="utf-8")
    dom = lxml_html.fromstring(page)
    assert {t.get("id").removeprefix("table-") for t in dom.xpath("//table")} == TABLES
    figures = dom.xpath("//figure")
    assert {f.get("id").removeprefix("figure-") for f in figures} == FIGURES
    for src in dom.xpath("//img/@src"):
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")
    # nothing fetched from elsewhere: no external links, scripts or stylesheets
    assert not dom.xpath("//script[@src] | //link[@href] | //img[not(starts-with(@src, 'data:'))]")
    assert not re.search(r"https?://", page)


def test_the_same_adam_gives_byte_identical_files(report, written, tmp_path):
    out, _ = written
    again = tmp_path / "again"
    write_report(report, again)
    first = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert first == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for rel in first:
        assert (out / rel).read_bytes() == (again / rel).read_bytes(), rel


def test_a_failure_leaves_the_previous_report_whole(report, tmp_path, monkeypatch):
    out = tmp_path / "report"
    write_report(report, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    import analysis_report.build as build

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(build, "write_tables", broken)
    with pytest.raises(OSError, match="disk full"):
        write_report(report, out)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["report"]


def test_a_missing_dataset_or_variable_is_named(simulated_adam):
    settings = ReportSettings()
    frames = dict(simulated_adam.adam)
    frames.pop("ADTR")
    with pytest.raises(ReportInputError, match="ADTR"):
        build_report(frames, spec=simulated_adam.adam_result.spec, settings=settings)
    frames = dict(simulated_adam.adam)
    frames["ADTTE"] = frames["ADTTE"].drop(columns=["CNSR"])
    with pytest.raises(ReportInputError, match=r"ADTTE: variable\(s\) CNSR missing"):
        build_report(frames, spec=simulated_adam.adam_result.spec, settings=settings)


def test_command_line_reads_the_adam_folder(simulated_adam, tmp_path):
    from adam_builder.build import write_adam
    from cdisc_build.cli import app

    write_adam(simulated_adam.adam_result, tmp_path / "adam")
    done = CliRunner().invoke(app, ["report", "--adam", str(tmp_path / "adam"), "--out", str(tmp_path / "report")])
    assert done.exit_code == 0, done.output
    assert "ORR (confirmed):" in done.output and "median PFS:" in done.output
    assert (tmp_path / "report" / HTML_NAME).is_file()
    missing = CliRunner().invoke(app, ["report", "--adam", str(tmp_path / "report"), "--out", str(tmp_path / "r2")])
    assert missing.exit_code == 1 and "adsl.xpt" in missing.output
