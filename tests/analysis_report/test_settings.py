"""The report settings: checked on construction, read from the study file's [report] table."""

from __future__ import annotations

import pytest

from analysis_report import ReportSettings, ReportSettingsError


def test_settings_are_checked():
    with pytest.raises(ReportSettingsError, match="confidence"):
        ReportSettings(confidence=1.5)
    with pytest.raises(ReportSettingsError, match="rate_months"):
        ReportSettings(rate_months=(6, 0))


def test_populations_are_not_settings():
    # the populations come with each result from the ADaM spec's Analysis Results
    with pytest.raises(ReportSettingsError, match="unknown setting\\(s\\) efficacy_population"):
        ReportSettings.from_table({"efficacy_population": "FASFL"})


def test_report_settings_from_the_study_file(tmp_path):
    from specs.study import StudyConfig, StudyConfigError, builtin_study

    settings = ReportSettings.from_study(builtin_study())
    assert settings.rate_months == (6, 12, 24) and settings.withdrawal_actions == ("DRUG WITHDRAWN",)
    text = builtin_study().path.read_text(encoding="utf-8")
    study = tmp_path / "study.toml"
    study.write_text(text.replace("[report]\n", '[report]\nmedian_method = "linear"\n'), encoding="utf-8")
    with pytest.raises(StudyConfigError, match=r"\[report\] median_method: unknown setting"):  # refused on load
        StudyConfig.load(study)
    with pytest.raises(ReportSettingsError, match="unknown setting\\(s\\) median_method"):
        ReportSettings.from_table({"median_method": "linear"})
