"""The report built from literal ADaM frames and a literal ARM: every result over the ARM's population,
the applied selections checked against the ARM, the ARM results without a table reported."""

from __future__ import annotations

import pytest

from analysis_report import ReportInputError, build_report
from analysis_report.arm import Applied, ReportArmError
from analysis_report.build import check_selections
from analysis_report.html import render_html
from specs.config import ReportSettings
from specs.model import AnalysisResult, Spec

from . import literal

SETTINGS = ReportSettings(study_id="S1")


def test_each_result_is_computed_over_its_arm_population():
    report = build_report(literal.study(), spec=literal.arm_spec(), settings=SETTINGS)
    orr = report.rate("CRSP")
    assert (orr["Subjects"], orr["N"]) == (1, 4)  # RSPEVLFL: A-D; E (FAS, not evaluable) is not counted
    assert report.median("PFS")["N"] == 5 and report.median("OS")["N"] == 5  # FASFL: A-E
    assert report.median("DOR")["N"] == 1  # F's DOR record is outside RSPEVLFL
    assert report.tables["ae_overview"].frame["N"].unique().tolist() == [5]  # SAFFL
    assert report.not_computed == ()


def test_an_arm_result_without_a_table_is_reported_on_the_page():
    extra = AnalysisResult(
        "T9", "AR.MDIS", variables=("ADRS.AVALC",), selection_criteria="PARAMCD EQ MDIS AND FASFL EQ Y"
    )
    report = build_report(literal.study(), spec=literal.arm_spec(*literal.RESULTS, extra), settings=SETTINGS)
    assert report.not_computed == (("AR.MDIS", "ADRS PARAMCD MDIS: the report has no table for it"),)
    assert "Analysis Results not computed here: AR.MDIS: ADRS PARAMCD MDIS: the report has no table for it." in (
        render_html(report)
    )


def test_a_population_flag_the_analysis_dataset_states_otherwise_fails_the_build():
    frames = literal.study()
    adrs = frames["ADRS"]
    adrs.loc[adrs["USUBJID"] == "E", "RSPEVLFL"] = "Y"  # ADSL says E is not response evaluable
    with pytest.raises(ReportArmError) as error:
        build_report(frames, spec=literal.arm_spec(), settings=SETTINGS)
    assert error.value.problems[0] == (
        "AR.ORR (ORR, confirmed): 3 ADRS records used, the ARM's selection (ADRS.PARAMCD EQ CRSP AND "
        "ADRS.RSPEVLFL EQ Y) gives 4; used only by the report: none; only in the ARM's: E"
    )
    assert len(error.value.problems) == 6  # the four rates and the two best response tables


def test_a_selection_over_another_population_fails_the_check():
    report = build_report(literal.study(), spec=literal.arm_spec(), settings=SETTINGS)
    assert report.analyses is not None
    frames = literal.study()
    applied = [(Applied("ADRS", "CRSP", "FASFL", ("A", "B", "C", "E")), "ORR, confirmed")]
    with pytest.raises(ReportArmError, match="computed over FASFL = Y; the ARM selects RSPEVLFL = Y"):
        check_selections(applied, report.analyses, frames)


def test_the_report_needs_the_analysis_results():
    with pytest.raises(ReportInputError, match="needs the ADaM spec's Analysis Results"):
        build_report(literal.study(), spec=Spec(), settings=SETTINGS)
    with pytest.raises(ReportArmError, match="no Analysis Result for overall survival"):
        build_report(literal.study(), spec=literal.without("AR.OS"), settings=SETTINGS)


def test_a_missing_dataset_is_named():
    frames = literal.study()
    frames.pop("ADTR")
    with pytest.raises(ReportInputError, match="needs the ADaM dataset\\(s\\) ADTR"):
        build_report(frames, spec=literal.arm_spec(), settings=SETTINGS)
