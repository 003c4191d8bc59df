"""The report's tables on small literal ADaM frames and a literal ARM: denominators, worst grades, edge cases."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis_report import ReportInputError
from analysis_report.arm import Applied, read_analyses
from analysis_report.tables import (
    ae_by_term_table,
    ae_overview_table,
    best_response_table,
    fit_time_to_event,
    population_table,
    response_rates_table,
    select,
    time_to_event_tables,
)
from specs.config import ReportSettings

from . import literal

SETTINGS = ReportSettings()
ANALYSES = read_analyses(literal.arm_spec())


def test_select_keeps_the_records_of_the_parameter_and_population_and_says_so():
    subjects, records, applied = select(literal.adsl(), literal.adrs(), ANALYSES["ORR, confirmed"])
    assert list(subjects) == ["A", "B", "C", "D"]
    assert records[["USUBJID", "AVALC"]].values.tolist() == [["A", "Y"], ["B", "N"], ["C", "N"]]
    assert applied == Applied("ADRS", "CRSP", "RSPEVLFL", ("A", "B", "C"))


def test_select_applies_the_record_conditions_of_the_arm():
    _, records, applied = select(literal.adsl(), literal.adae(), ANALYSES["treatment-emergent adverse events"])
    assert applied.records == ("A", "A", "A", "B", "B", "E")  # C's event is not emergent, F is not in SAFFL


def test_the_population_table_lists_each_population_with_its_results():
    table = population_table(literal.adsl(), ANALYSES)
    assert table.values.tolist() == [
        ["All subjects in ADSL", "", 6, ""],
        ["Response Evaluable Population", "RSPEVLFL", 4, "AR.ORR, AR.RSP, AR.DCR, AR.DCRU, AR.CBOR, AR.BOR, AR.DOR"],
        ["Full Analysis Set Population", "FASFL", 5, "AR.PFS, AR.OS"],
        ["Safety Population", "SAFFL", 5, "AR.TEAE"],
    ]


def test_rates_are_over_the_arm_population_with_missing_subjects_as_non_responders():
    table, applied = response_rates_table(literal.adsl(), literal.adrs(), ANALYSES, 0.95)
    rows = table.set_index("PARAMCD")[["Subjects", "N", "%", "CI lower %", "CI upper %"]]
    assert rows.to_dict("index") == {
        "CRSP": {"Subjects": 1, "N": 4, "%": 25.0, "CI lower %": 0.6, "CI upper %": 80.6},
        "RSP": {"Subjects": 2, "N": 4, "%": 50.0, "CI lower %": 6.8, "CI upper %": 93.2},
        "CDCR": {"Subjects": 2, "N": 4, "%": 50.0, "CI lower %": 6.8, "CI upper %": 93.2},
        "DCR": {"Subjects": 2, "N": 4, "%": 50.0, "CI lower %": 6.8, "CI upper %": 93.2},
    }
    assert [a.paramcd for a in applied] == ["CRSP", "RSP", "CDCR", "DCR"]


def test_a_subject_without_a_best_response_counts_as_missing_and_stays_in_the_denominator():
    adrs = literal.adrs()
    adrs.loc[(adrs["USUBJID"] == "C") & (adrs["PARAMCD"] == "CBOR"), "AVALC"] = "CHECK"
    table, _ = best_response_table(
        literal.adsl(),
        adrs,
        ANALYSES["best overall response, confirmed"],
        ANALYSES["best overall response, unconfirmed"],
    )
    table = table.set_index("Best overall response")
    assert table.loc["MISSING", "Confirmed n"] == 1  # D has no record; E and F are outside the population
    assert table.loc["CHECK", "Confirmed n"] == 1  # a value outside the usual list keeps its own row
    assert table.loc["CR", "Confirmed n"] == 0  # F's CR is outside the population
    assert table.loc["Total", "Confirmed n"] == 4 and table.loc["PR", "Confirmed %"] == 25.0
    assert table.loc["PR", "Unconfirmed n"] == 2


def test_a_duplicated_per_subject_parameter_is_refused():
    adrs = pd.concat([literal.adrs(), literal.adrs().iloc[[0]]], ignore_index=True)
    with pytest.raises(ReportInputError, match="ADRS: PARAMCD CBOR has more than one record for subject\\(s\\) A"):
        best_response_table(
            literal.adsl(),
            adrs,
            ANALYSES["best overall response, confirmed"],
            ANALYSES["best overall response, unconfirmed"],
        )


def test_time_to_event_over_each_arm_population():
    fits, applied = fit_time_to_event(literal.adsl(), literal.adtte(), ANALYSES, 0.95)
    assert {k: (f.km.n, f.km.events) for k, f in fits.items()} == {"PFS": (5, 4), "OS": (5, 3), "DOR": (1, 1)}
    assert fits["PFS"].param == "Progression-Free Survival"  # the day unit dropped
    assert [(a.paramcd, a.population) for a in applied] == [("PFS", "FASFL"), ("OS", "FASFL"), ("DOR", "RSPEVLFL")]
    summary, rates, censoring = time_to_event_tables(fits, SETTINGS)
    assert summary.set_index("PARAMCD").loc["PFS", ["N", "Events", "Censored"]].tolist() == [5, 4, 1]
    assert censoring[censoring["PARAMCD"] == "OS"].values.tolist() == [
        ["OS", "Event", "Event", 3],
        ["OS", "Censored", "Last contact", 2],
    ]
    assert rates["Month"].tolist() == [6, 12, 24] * 3


def test_duration_of_response_without_responders_is_left_out():
    adtte = literal.adtte()
    fits, _ = fit_time_to_event(literal.adsl(), adtte[adtte["PARAMCD"] != "DOR"], ANALYSES, 0.95)
    assert list(fits) == ["PFS", "OS"]


def test_a_record_without_a_day_count_is_named():
    adtte = literal.adtte()
    adtte.loc[0, "AVAL"] = None
    with pytest.raises(ReportInputError, match="ADTTE: PFS record of A has AVAL nan and CNSR 0"):
        fit_time_to_event(literal.adsl(), adtte, ANALYSES, 0.95)


def test_ae_overview_counts_subjects_of_the_arm_population_once():
    table, applied = ae_overview_table(
        literal.adsl(), literal.adae(), ANALYSES["treatment-emergent adverse events"], SETTINGS
    )
    table = table.set_index("Treatment-emergent adverse events")
    assert table["N"].unique().tolist() == [5]
    assert table.loc["Any adverse event", "Subjects"] == 3  # C's event is not emergent, F is not in SAFFL
    assert table.loc["Grade 3 or higher", "Subjects"] == 3
    assert table.loc["Serious", "Subjects"] == 1
    assert table.loc["Treatment-related", "Subjects"] == 3
    assert table.loc["Leading to withdrawal of a study drug", "Subjects"] == 1
    assert table.loc["Fatal (grade 5 or outcome FATAL)", "Subjects"] == 1
    assert applied.population == "SAFFL"


def test_ae_by_term_counts_each_subject_once_at_the_worst_grade():
    table, _ = ae_by_term_table(literal.adsl(), literal.adae(), ANALYSES["treatment-emergent adverse events"], SETTINGS)
    rows = {(r["System organ class"], r["Preferred term"]): r for r in table.to_dict("records")}
    hypertension = rows[("Vascular disorders", "Hypertension")]
    assert (hypertension["Any grade"], hypertension["Grade 3-4"], hypertension["Related"]) == (2, 1, 1)
    vascular = rows[("Vascular disorders", "")]
    assert (vascular["Any grade"], vascular["Grade 3-4"], vascular["Grade 5"], vascular["Serious"]) == (2, 0, 1, 1)
    assert list(table["System organ class"])[0] == "Investigations"  # two subjects each: ties by name
    assert rows[("Investigations", "ALT increased")]["Any grade"] == 2  # B and E


def test_ae_terms_come_from_the_settings():
    settings = ReportSettings(withdrawal_actions=("DOSE NOT CHANGED",), fatal_outcomes=("RECOVERED/RESOLVED",))
    table, _ = ae_overview_table(
        literal.adsl(), literal.adae(), ANALYSES["treatment-emergent adverse events"], settings
    )
    table = table.set_index("Treatment-emergent adverse events")
    assert table.loc["Leading to withdrawal of a study drug", "Subjects"] == 3
    assert table.loc["Fatal (grade 5 or outcome RECOVERED/RESOLVED)", "Subjects"] == 3
