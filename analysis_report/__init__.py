"""The analysis a statistician reads, from the ADaM datasets.

ORR and DCR with exact intervals, the best-response table, Kaplan-Meier
summaries of PFS, OS and duration of response (medians with the
Brookmeyer-Crowley interval, rates at fixed months), an adverse event summary,
and the figures (Kaplan-Meier curves with numbers at risk, waterfall, spider,
swimmer), written as one self-contained HTML page with the tables as CSV and xlsx.

    from analysis_report import ReportSettings, build_report, write_report
    report = build_report(adam_frames, settings=ReportSettings.from_study(config))
    write_report(report, "out/report")
"""
from .build import AnalysisReport, build_report, read_adam, write_report
from .settings import ReportSettings, ReportSettingsError
from .tables import ReportInputError

__all__ = ["AnalysisReport", "ReportInputError", "ReportSettings", "ReportSettingsError", "build_report",
           "read_adam", "write_report"]
