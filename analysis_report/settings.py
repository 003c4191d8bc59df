"""Constants of the analysis report (its settings are specs.config.ReportSettings, the [report] table)."""

from __future__ import annotations

DAYS_PER_MONTH = 30.4375  # 365.25 / 12
