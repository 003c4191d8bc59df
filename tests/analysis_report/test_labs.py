"""The laboratory shift and grade tables and the hypertension summary on small literal ADLB, ADVS and ADSL
frames (tests/analysis_report/literal.py): worst grades over post-baseline on-treatment observed records,
missing grades kept in the denominator, the sections left out without their datasets."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis_report import ReportInputError, build_report
from analysis_report.html import render_html
from analysis_report.labs import (
    blood_pressure_table,
    hypertension_grades,
    hypertension_table,
    lab_grade_summary_table,
    lab_grades,
    lab_shift_table,
)
from specs.config import ReportSettings

from . import literal

GRADE_COLUMNS = [f"Worst grade {g}" for g in ("0", "1", "2", "3", "4", "missing")] + ["Total"]


def shift(adlb: pd.DataFrame, paramcd: str = "ALT") -> pd.DataFrame:
    table = lab_shift_table(lab_grades(literal.adsl(), adlb))
    return table[table["PARAMCD"] == paramcd].set_index("Baseline grade")


def worst(adlb: pd.DataFrame, paramcd: str = "ALT") -> dict[str, float]:
    grades = lab_grades(literal.adsl(), adlb)
    return grades[grades["PARAMCD"] == paramcd].set_index("USUBJID")["Worst"].to_dict()


def test_the_shift_table_counts_each_safety_subject_by_baseline_and_worst_grade():
    table = shift(literal.adlb())
    # A 0 -> 3, B 1 -> 1, C missing -> 2, D 0 -> missing, E 2 -> 4; F is outside the safety population
    assert table[GRADE_COLUMNS].to_dict("index") == {
        "0": dict(zip(GRADE_COLUMNS, [0, 0, 0, 1, 0, 1, 2], strict=True)),
        "1": dict(zip(GRADE_COLUMNS, [0, 1, 0, 0, 0, 0, 1], strict=True)),
        "2": dict(zip(GRADE_COLUMNS, [0, 0, 0, 0, 1, 0, 1], strict=True)),
        "3": dict(zip(GRADE_COLUMNS, [0, 0, 0, 0, 0, 0, 0], strict=True)),
        "4": dict(zip(GRADE_COLUMNS, [0, 0, 0, 0, 0, 0, 0], strict=True)),
        "Missing": dict(zip(GRADE_COLUMNS, [0, 0, 1, 0, 0, 0, 1], strict=True)),
        "Total": dict(zip(GRADE_COLUMNS, [0, 1, 1, 1, 1, 1, 5], strict=True)),
    }
    assert table["N"].unique().tolist() == [5]
    assert (table.loc["0", "Worst grade 3 %"], table.loc["0", "Total %"], table.loc["Total", "Total %"]) == (
        20.0,
        40.0,
        100.0,
    )


def test_the_shift_table_is_labelled_by_param_and_ctcae_term():
    table = lab_shift_table(lab_grades(literal.adsl(), literal.adlb()))
    labels = table[["PARAMCD", "Parameter", "Direction", "CTCAE term"]].drop_duplicates().values.tolist()
    assert labels == [
        ["ALT", "Alanine Aminotransferase (U/L)", "High", "Alanine aminotransferase increased"],
        ["HGB", "Hemoglobin (g/L)", "Low", "Anemia"],
    ]


def test_the_worst_grade_is_taken_over_post_baseline_on_treatment_records_only():
    # A: grade 1 and 3 on treatment, 4 after it (ONTRTFL null), 0 at baseline
    assert worst(literal.adlb())["A"] == 3
    adlb = literal.adlb()
    baseline = (adlb["USUBJID"] == "D") & (adlb["ABLFL"] == "Y")
    adlb.loc[baseline, ["ATOXGRH", "ONTRTFL"]] = ["4", "Y"]  # a baseline record inside the window is not post-baseline
    assert pd.isna(worst(adlb)["D"])


def test_a_subject_without_baseline_is_counted_under_missing():
    table = shift(literal.adlb())
    assert table.loc["Missing", "Worst grade 2"] == 1  # C: no baseline record, worst grade 2
    assert table.loc["Missing", "Total %"] == 20.0  # and stays in N


def test_a_value_not_graded_is_missing_and_stays_in_the_denominator():
    table = shift(literal.adlb(), "HGB")
    assert table.loc["1", "Worst grade missing"] == 1 and table.loc["Total", "N"] == 2  # B's value: no grade


def test_dtype_records_are_not_counted_again():
    adlb = literal.adlb()
    # a derived MAXIMUM copy with a grade no observed record has is not taken as the worst
    copy = (adlb["USUBJID"] == "B") & (adlb["DTYPE"] == "MAXIMUM")
    adlb.loc[copy, "ATOXGRH"] = "4"
    assert worst(adlb)["B"] == 1
    table = shift(literal.adlb())
    assert table.loc["Total", "Total"] == 5  # one row per subject, whatever its derived records


def test_the_grade_summary_counts_worst_grades_and_shifts_to_grade_3_4():
    table = lab_grade_summary_table(lab_grades(literal.adsl(), literal.adlb())).set_index("PARAMCD")
    assert table.loc["ALT", ["N", "Grade >= 1", "Grade >= 3", "Grade 3-4 from baseline grade 0-2"]].tolist() == [
        5,
        4,  # A, B, C, E
        2,  # A, E
        2,  # A 0 -> 3, E 2 -> 4
    ]
    assert table.loc["ALT", "Grade >= 1 %"] == 80.0 and table.loc["ALT", "Grade >= 3 %"] == 40.0
    assert table.loc["HGB", ["N", "Grade >= 1", "Grade >= 3"]].tolist() == [2, 1, 0]


def test_a_shift_from_baseline_grade_3_is_not_a_new_grade_3():
    adlb = literal.adlb()
    adlb.loc[adlb["USUBJID"] == "E", "BTOXGRH"] = "3"
    table = lab_grade_summary_table(lab_grades(literal.adsl(), adlb)).set_index("PARAMCD")
    assert table.loc["ALT", "Grade 3-4 from baseline grade 0-2"] == 1  # A only


def test_the_hypertension_grade_is_the_higher_of_sbp_and_dbp():
    grades = hypertension_grades(literal.adsl(), literal.advs())
    assert grades["Worst"].to_dict() == pytest.approx(
        {"A": 3.0, "B": 3.0, "C": 2.0, "D": float("nan"), "E": 1.0}, nan_ok=True
    )  # A: SBP 2, DBP 3; C: SBP 0, DBP 2 (its SBP 3 after treatment not counted); D: no vital signs
    assert grades["Baseline"].to_dict() == pytest.approx(
        {"A": 1.0, "B": 3.0, "C": 0.0, "D": float("nan"), "E": 0.0}, nan_ok=True
    )


def test_the_hypertension_table_counts_every_safety_subject():
    table = hypertension_table(hypertension_grades(literal.adsl(), literal.advs()))
    assert table.values.tolist() == [
        ["0", 0, 0.0, 5],
        ["1", 1, 20.0, 5],
        ["2", 1, 20.0, 5],
        ["3", 2, 40.0, 5],
        ["Missing", 1, 20.0, 5],
        ["Total", 5, 100.0, 5],
        ["Grade >= 3", 2, 40.0, 5],
        ["Grade >= 3 from baseline grade <= 2", 1, 20.0, 5],  # A (1 -> 3); B was grade 3 at baseline
    ]


def test_blood_pressure_maximum_against_baseline():
    table = blood_pressure_table(literal.adsl(), literal.advs()).set_index("PARAMCD")
    # SYSBP: A 130 -> 150, B 165 -> 170, C 119 -> 125, E 120 -> 135 (C's 185 after treatment not counted)
    # change 20, 5, 6, 15: mean 11.5, SD sqrt((8.5^2 + 6.5^2 + 5.5^2 + 3.5^2) / 3) = 7.2
    assert table.loc["SYSBP"].to_dict() == {
        "Parameter": "Systolic Blood Pressure (mmHg)",
        "N": 4,
        "Baseline mean": 133.5,
        "Baseline SD": 21.6,
        "Maximum post-baseline mean": 145.0,
        "Maximum post-baseline SD": 19.6,
        "Change mean": 11.5,
        "Change SD": 7.2,
    }
    # DIABP: A 80 -> 105, B 85 -> 88; C has no baseline; change 25, 3: SD sqrt(2 * 11^2) = 15.6
    assert table.loc["DIABP", ["N", "Change mean", "Change SD"]].tolist() == [2, 14.0, 15.6]


def test_a_missing_variable_is_named():
    with pytest.raises(ReportInputError, match="ADLB: variable\\(s\\) ONTRTFL missing"):
        lab_grades(literal.adsl(), literal.adlb().drop(columns="ONTRTFL"))


def test_the_report_carries_the_lab_and_hypertension_tables():
    report = build_report(literal.study_with_labs(), spec=literal.arm_spec(), settings=ReportSettings(study_id="S1"))
    assert {"lab_shift", "lab_grades", "hypertension", "blood_pressure"} <= set(report.tables)
    assert report.tables["lab_shift"].title == (
        "Laboratory toxicity: baseline grade by worst post-baseline grade, safety population (SAFFL = Y, N = 5)"
    )
    page = render_html(report)
    assert '<h2 id="laboratory">' in page and 'id="table-hypertension"' in page and "note-labs" not in page
    assert "From the ADaM datasets (ADSL, ADRS, ADTTE, ADTR, ADAE, ADLB, ADVS)" in page


@pytest.mark.parametrize(
    ("dropped", "note", "left"), [("ADLB", "labs", "hypertension"), ("ADVS", "vital_signs", "lab_shift")]
)
def test_a_section_is_left_out_with_a_note_without_its_dataset(dropped, note, left):
    frames = literal.study_with_labs()
    frames.pop(dropped)
    report = build_report(frames, spec=literal.arm_spec(), settings=ReportSettings(study_id="S1"))
    assert left in report.tables and set(report.tables).isdisjoint(
        {"ADLB": ("lab_shift", "lab_grades"), "ADVS": ("hypertension", "blood_pressure")}[dropped]
    )
    assert f'<p class="note" id="note-{note}">No {dropped} among the ADaM datasets' in render_html(report)


def test_the_workbook_of_tables_has_a_sheet_each(tmp_path):
    import openpyxl

    from analysis_report import write_report

    report = build_report(literal.study_with_labs(), spec=literal.arm_spec(), settings=ReportSettings(study_id="S1"))
    written = write_report(report, tmp_path / "report")
    sheets = openpyxl.load_workbook(written["xlsx"], read_only=True).sheetnames
    assert sheets[-4:] == ["lab_shift", "lab_grades", "hypertension", "blood_pressure"]
    assert (written["tables"] / "lab_shift.csv").is_file()


def test_read_adam_takes_adlb_and_advs_when_the_folder_has_them(tmp_path):
    from analysis_report.build import read_adam

    for name, frame in literal.study().items():
        frame.to_csv(tmp_path / f"{name.lower()}.csv", index=False)
    assert "ADLB" not in read_adam(tmp_path)
    literal.adlb().to_csv(tmp_path / "adlb.csv", index=False)
    assert set(read_adam(tmp_path)) == {"ADSL", "ADRS", "ADTTE", "ADTR", "ADAE", "ADLB"}
