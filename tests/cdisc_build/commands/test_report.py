"""The topline the report command (and run/demo) prints."""

from __future__ import annotations

from types import SimpleNamespace

from rich.console import Console

from cdisc_build.commands.report import print_topline


def console() -> Console:
    return Console(record=True, width=200, file=open("/dev/null", "w"))  # noqa: SIM115


def test_the_topline_lines_as_the_report_gives_them():
    report = SimpleNamespace(topline_lines=lambda: ["ORR 31.0% (95% CI 25.9-36.5)", "median PFS 5.6 months"])
    out = console()
    print_topline(report, out)
    assert out.export_text().splitlines() == ["ORR 31.0% (95% CI 25.9-36.5)", "median PFS 5.6 months"]


def test_results_from_data_with_errors_are_marked():
    report = SimpleNamespace(topline_lines=lambda: ["ORR 31.0%"])
    out = console()
    print_topline(report, out, caution="sdtm: 2 errors")
    assert out.export_text().splitlines() == ["caution: sdtm: 2 errors", "ORR 31.0% [from data with errors]"]
