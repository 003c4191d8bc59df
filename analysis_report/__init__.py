"""The analysis a statistician reads, from the ADaM datasets.

ORR and DCR with exact intervals, the best-response table, Kaplan-Meier
summaries of PFS, OS and duration of response (medians with the
Brookmeyer-Crowley interval, rates at fixed months), an adverse event summary,
and the figures (Kaplan-Meier curves with numbers at risk, waterfall, spider,
swimmer), written as one self-contained HTML page with the tables as CSV and xlsx. Each result's
dataset, parameter, population and method come from the ADaM spec's Analysis Results
Metadata (analysis_report.arm).

    from analysis_report import build_report, write_report
    report = build_report(adam_frames, spec=adam_spec, settings=config.report)
    write_report(report, "out/report")
"""

__all__ = [
    "AnalysisReport",
    "ReportInputError",
    "build_report",
    "read_adam",
    "write_report",
]

# The tables and figures (scipy, matplotlib) load on first use.
_LAZY = {
    "AnalysisReport": "build",
    "build_report": "build",
    "read_adam": "build",
    "write_report": "build",
    "ReportInputError": "tables",
}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        value = getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
