"""The report settings (specs.config.ReportSettings): checked on construction, read from the
study file's [report] table; the populations are not among them."""

from __future__ import annotations

import pytest

from specs.config import ReportSettings, StudyConfigError, check_table


def test_settings_are_checked():
    with pytest.raises(StudyConfigError, match="confidence"):
        ReportSettings(confidence=1.5)
    with pytest.raises(StudyConfigError, match="rate_months"):
        ReportSettings(rate_months=(6, 0))


def test_populations_are_not_settings():
    # the populations come with each result from the ADaM spec's Analysis Results
    _, problems = check_table("report", {"efficacy_population": "FASFL"})
    assert [(p.key, "unknown setting" in p.what) for p in problems] == [("efficacy_population", True)]


def test_report_settings_from_the_study_file(tmp_path):
    from specs.study import StudyConfig, builtin_study

    settings = builtin_study().report
    assert settings.rate_months == (6, 12, 24) and settings.withdrawal_actions == ("DRUG WITHDRAWN",)
    text = builtin_study().path.read_text(encoding="utf-8")
    study = tmp_path / "study.toml"
    study.write_text(text.replace("[report]\n", '[report]\nmedian_method = "linear"\n'), encoding="utf-8")
    with pytest.raises(StudyConfigError, match=r"\[report\] median_method: unknown setting"):  # refused on load
        StudyConfig.load(study)
