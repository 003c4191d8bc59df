"""The report's analyses read from a literal ARM, and the check of an applied selection against it."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis_report.arm import Applied, ReportArmError, check_selection, read_analyses
from specs.model import AnalysisResult

from .literal import RESULTS, arm_spec, with_result, without


def test_each_result_takes_its_dataset_parameter_population_variables_and_method_from_the_arm():
    analyses = read_analyses(arm_spec())
    orr = analyses["ORR, confirmed"]
    assert (orr.result, orr.dataset, orr.paramcd, orr.population, orr.variables, orr.method) == (
        "AR.ORR",
        "ADRS",
        "CRSP",
        "RSPEVLFL",
        ("AVALC",),
        "proportion",
    )
    assert orr.population_label == "Response Evaluable Population"
    assert orr.where_text() == "ADRS.PARAMCD EQ CRSP AND ADRS.RSPEVLFL EQ Y"  # from the where clause WC.AR.ORR
    pfs = analyses["progression-free survival"]
    assert (pfs.population, pfs.variable("time"), pfs.variable("censor"), pfs.method) == (
        "FASFL",
        "AVAL",
        "CNSR",
        "Kaplan-Meier",
    )
    teae = analyses["treatment-emergent adverse events"]
    assert (teae.paramcd, teae.population, [c.text() for c in teae.filters]) == (None, "SAFFL", ["TRTEMFL EQ Y"])
    assert teae.variable("grade") == "ATOXGRN"
    assert analyses.not_computed == ()


def test_the_populations_in_order_of_first_use_with_their_results():
    assert read_analyses(arm_spec()).populations() == [
        (
            "RSPEVLFL",
            "Response Evaluable Population",
            ["AR.ORR", "AR.RSP", "AR.DCR", "AR.DCRU", "AR.CBOR", "AR.BOR", "AR.DOR"],
        ),
        ("FASFL", "Full Analysis Set Population", ["AR.PFS", "AR.OS"]),
        ("SAFFL", "Safety Population", ["AR.TEAE"]),
    ]


def test_a_result_the_report_needs_that_the_arm_lacks_is_an_error_naming_it():
    with pytest.raises(ReportArmError) as error:
        read_analyses(without("AR.DOR"))
    assert error.value.problems == [
        "no Analysis Result for duration of response (ADTTE PARAMCD DOR), which the report computes"
    ]


def test_an_arm_result_the_report_cannot_compute_is_listed():
    extra = AnalysisResult(
        "T9", "AR.MDIS", variables=("ADRS.AVALC",), selection_criteria="PARAMCD EQ MDIS AND FASFL EQ Y"
    )
    analyses = read_analyses(arm_spec(*RESULTS, extra))
    assert analyses.not_computed == (("AR.MDIS", "ADRS PARAMCD MDIS: the report has no table for it"),)
    assert len(analyses) == len(RESULTS)


@pytest.mark.parametrize(
    "rid, changes, message",
    [
        (
            "AR.OS",
            {"selection_criteria": "PARAMCD EQ OS"},
            "Analysis Results AR.OS (overall survival): the selection criteria need one population flag of ADSL "
            "EQ Y on ADTTE, found 0 (PARAMCD EQ OS)",
        ),
        (
            "AR.ORR",
            {"documentation": "Kaplan-Meier estimate."},
            "Analysis Results AR.ORR (ORR, confirmed): the Documentation names Kaplan-Meier; the report computes it "
            "as proportion (one of: clopper-pearson, frequency, kaplan-meier)",
        ),
        (
            "AR.PFS",
            {"variables": ("ADTTE.AVAL",)},
            "Analysis Results AR.PFS (progression-free survival): 1 analysis variable(s) ADTTE.AVAL; Kaplan-Meier "
            "reads 2 of ADTTE (time, censor)",
        ),
        (
            "AR.DCR",
            {"selection_criteria": "PARAMCD EQ CDCR AND RSPEVLFL EQ Y; ADSL.AGE GE 18"},
            "Analysis Results AR.DCR (DCR, confirmed): selection criteria on ADSL; the result analyses ADRS",
        ),
    ],
)
def test_an_arm_entry_the_report_cannot_follow_is_an_error(rid, changes, message):
    with pytest.raises(ReportArmError) as error:
        read_analyses(with_result(rid, **changes))
    assert error.value.problems == [message]


def test_two_results_of_one_parameter_are_refused():
    twice = AnalysisResult(
        "T9", "AR.ORR2", variables=("ADRS.AVALC",), selection_criteria="WC.AR.ORR", documentation="Clopper-Pearson"
    )
    with pytest.raises(ReportArmError, match="AR.ORR2 \\(ORR, confirmed\\): AR.ORR already defines it"):
        read_analyses(arm_spec(*RESULTS, twice))


ADRS = pd.DataFrame(
    {
        "USUBJID": ["A", "B", "E", "A", "B", "E"],
        "PARAMCD": ["CRSP"] * 3 + ["RSP"] * 3,
        "AVALC": ["Y", "N", "N", "Y", "Y", "N"],
        "FASFL": ["Y", "Y", "Y"] * 2,
        "RSPEVLFL": ["Y", "Y", "N"] * 2,
    }
)


def test_the_selection_the_arm_states_agrees():
    orr = read_analyses(arm_spec())["ORR, confirmed"]
    assert check_selection(Applied("ADRS", "CRSP", "RSPEVLFL", ("A", "B")), orr, ADRS) == []


def test_a_result_computed_over_another_population_fails_the_check():
    orr = read_analyses(arm_spec())["ORR, confirmed"]
    assert check_selection(Applied("ADRS", "CRSP", "FASFL", ("A", "B", "E")), orr, ADRS) == [
        "AR.ORR (ORR, confirmed): computed over FASFL = Y; the ARM selects RSPEVLFL = Y "
        "(ADRS.PARAMCD EQ CRSP AND ADRS.RSPEVLFL EQ Y)",
        "AR.ORR (ORR, confirmed): 3 ADRS records used, the ARM's selection (ADRS.PARAMCD EQ CRSP AND "
        "ADRS.RSPEVLFL EQ Y) gives 2; used only by the report: E; only in the ARM's: none",
    ]


def test_another_parameter_or_dataset_fails_the_check():
    orr = read_analyses(arm_spec())["ORR, confirmed"]
    problems = check_selection(Applied("ADTTE", "RSP", "RSPEVLFL", ("A", "B")), orr, ADRS)
    assert problems == [
        "AR.ORR (ORR, confirmed): computed from ADTTE; the ARM analyses ADRS",
        "AR.ORR (ORR, confirmed): computed from PARAMCD RSP; the ARM selects CRSP",
    ]


def test_a_selection_variable_the_dataset_lacks_is_named():
    orr = read_analyses(arm_spec())["ORR, confirmed"]
    problems = check_selection(Applied("ADRS", "CRSP", "RSPEVLFL", ("A",)), orr, ADRS.drop(columns=["RSPEVLFL"]))
    assert problems == ["AR.ORR (ORR, confirmed): ADRS lacks RSPEVLFL of the ARM's selection"]
