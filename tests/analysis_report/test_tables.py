"""The report's tables and figures on small literal ADaM frames: denominators, worst grades, edge cases."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis_report import ReportInputError
from analysis_report.figures import swimmer_figure, waterfall_figure
from analysis_report.tables import ae_by_term_table, ae_overview_table, best_response_table, response_rates_table
from specs.config import ReportSettings, StudyConfigError

SETTINGS = ReportSettings()


def _adsl():
    return pd.DataFrame(
        {
            "USUBJID": ["A", "B", "C", "D", "E"],
            "FASFL": ["Y", "Y", "Y", "Y", "N"],
            "SAFFL": ["Y", "Y", "Y", "Y", "N"],
            "TRTSDT": pd.to_datetime(["2020-01-01"] * 5),
            "TRTEDT": pd.to_datetime(["2020-06-01"] * 5),
        }
    )


def test_a_subject_without_a_best_response_counts_as_missing_and_stays_in_the_denominator():
    adrs = pd.DataFrame({"USUBJID": ["A", "B", "C", "E"], "PARAMCD": "CBOR", "AVALC": ["PR", "SD", "CHECK", "CR"]})
    adrs = pd.concat([adrs, adrs.assign(PARAMCD="BOR")], ignore_index=True)
    table = best_response_table(_adsl(), adrs, SETTINGS).set_index("Best overall response")
    assert table.loc["MISSING", "Confirmed n"] == 1  # D has no record; E is outside the population
    assert table.loc["CHECK", "Confirmed n"] == 1  # a value outside the usual list keeps its own row
    assert table.loc["CR", "Confirmed n"] == 0
    assert table.loc["Total", "Confirmed n"] == 4 and table.loc["PR", "Confirmed %"] == 25.0


def test_a_duplicated_per_subject_parameter_is_refused():
    adrs = pd.DataFrame({"USUBJID": ["A", "A"], "PARAMCD": "CRSP", "AVALC": ["Y", "N"]})
    with pytest.raises(ReportInputError, match="CRSP has more than one record for subject"):
        response_rates_table(_adsl(), adrs, SETTINGS)


def _adae():
    return pd.DataFrame(
        {
            "USUBJID": ["A", "A", "A", "B", "B", "C", "E"],
            "AEBODSYS": ["Vascular disorders"] * 3
            + ["Vascular disorders", "Investigations", "Investigations", "Investigations"],
            "AEDECOD": [
                "Hypertension",
                "Hypertension",
                "Haemorrhage",
                "Hypertension",
                "ALT increased",
                "ALT increased",
                "ALT increased",
            ],
            "ATOXGRN": [1, 3, 5, 2, 4, 1, 3],
            "AESER": ["N", "N", "Y", "N", "N", "N", "N"],
            "AEREL": ["RELATED", "RELATED", "NOT RELATED", "NOT RELATED", "RELATED", "NOT RELATED", "RELATED"],
            "AEACN": ["DOSE NOT CHANGED"] * 4 + ["DRUG WITHDRAWN", "DOSE NOT CHANGED", "DOSE NOT CHANGED"],
            "AEOUT": ["RECOVERED/RESOLVED"] * 2 + ["FATAL"] + ["RECOVERED/RESOLVED"] * 4,
            "TRTEMFL": ["Y", "Y", "Y", "Y", "Y", "N", "Y"],
        }
    )


def test_ae_overview_counts_subjects_of_the_safety_population_once():
    table = ae_overview_table(_adsl(), _adae(), SETTINGS).set_index("Treatment-emergent adverse events")
    assert table["N"].unique().tolist() == [4]
    assert table.loc["Any adverse event", "Subjects"] == 2  # C's event is not emergent, E is not in SAFFL
    assert table.loc["Grade 3 or higher", "Subjects"] == 2
    assert table.loc["Serious", "Subjects"] == 1
    assert table.loc["Treatment-related", "Subjects"] == 2
    assert table.loc["Leading to withdrawal of a study drug", "Subjects"] == 1
    assert table.loc["Fatal (grade 5 or outcome FATAL)", "Subjects"] == 1


def test_ae_by_term_counts_each_subject_once_at_the_worst_grade():
    table = ae_by_term_table(_adsl(), _adae(), SETTINGS)
    rows = {(r["System organ class"], r["Preferred term"]): r for r in table.to_dict("records")}
    hypertension = rows[("Vascular disorders", "Hypertension")]
    assert (hypertension["Any grade"], hypertension["Grade 3-4"], hypertension["Related"]) == (2, 1, 1)
    vascular = rows[("Vascular disorders", "")]
    assert (vascular["Any grade"], vascular["Grade 3-4"], vascular["Grade 5"], vascular["Serious"]) == (2, 0, 1, 1)
    assert list(table["System organ class"])[0] == "Vascular disorders"  # the most frequent class first
    assert rows[("Investigations", "ALT increased")]["Any grade"] == 1


def test_figures_are_drawn_without_responders_or_measurements():
    adsl = _adsl()
    adrs = pd.DataFrame({"USUBJID": ["A", "B"], "PARAMCD": ["CRSP", "CRSP"], "AVALC": ["N", "N"], "ADY": [None, None]})
    adtr = pd.DataFrame(columns=["USUBJID", "PARAMCD", "PCHG", "DTYPE"])
    assert swimmer_figure(adsl, adrs, SETTINGS).png.startswith(b"\x89PNG")
    assert waterfall_figure(adsl, adtr, adrs, SETTINGS).png.startswith(b"\x89PNG")


def test_settings_are_checked():
    with pytest.raises(StudyConfigError, match="confidence"):
        ReportSettings(confidence=1.5)
    with pytest.raises(StudyConfigError, match="not an ADSL flag"):
        ReportSettings(efficacy_population="ARM")


def test_ae_terms_come_from_the_settings():
    settings = ReportSettings(withdrawal_actions=("DOSE NOT CHANGED",), fatal_outcomes=("RECOVERED/RESOLVED",))
    table = ae_overview_table(_adsl(), _adae(), settings).set_index("Treatment-emergent adverse events")
    assert table.loc["Leading to withdrawal of a study drug", "Subjects"] == 2
    assert table.loc["Fatal (grade 5 or outcome RECOVERED/RESOLVED)", "Subjects"] == 2


def test_report_settings_from_the_study_file(tmp_path):
    from specs.study import StudyConfig, builtin_study

    settings = builtin_study().report
    assert settings.rate_months == (6, 12, 24) and settings.withdrawal_actions == ("DRUG WITHDRAWN",)
    text = builtin_study().path.read_text(encoding="utf-8")
    study = tmp_path / "study.toml"
    study.write_text(text.replace("[report]\n", '[report]\nmedian_method = "linear"\n'), encoding="utf-8")
    with pytest.raises(StudyConfigError, match=r"\[report\] median_method: unknown setting"):  # refused on load
        StudyConfig.load(study)
