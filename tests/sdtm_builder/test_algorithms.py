"""The Mapping algorithms called with plain arguments: values in, values and problems out."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sdtm_builder.algorithms import (
    UnitTable,
    assign_ct,
    assign_datetime,
    assign_no_ct,
    assign_number,
    concat,
    convert_unit,
    decode_ct,
    hardcode_ct,
    hardcode_no_ct,
)
from specs import model as m

SEV = m.Codelist(
    "AESEV",
    terms=(
        m.CodelistTerm("MILD", nci_code="C41338", decoded_value="Grade 1", synonyms=("Light",)),
        m.CodelistTerm("MODERATE", nci_code="C41339", decoded_value="Grade 2"),
    ),
)
TESTCD = m.Codelist(
    "RSTESTCD", terms=(m.CodelistTerm("OVRLRESP", nci_code="C96613", decoded_value="Overall Response"),)
)
TEST = m.Codelist("RSTEST", terms=(m.CodelistTerm("Overall Response", nci_code="C96613"),))


def _problems(problems):
    return [(p.kind, p.severity, np.flatnonzero(p.rows).tolist(), p.inputs) for p in problems]


def test_assign_no_ct_trims_and_applies_its_options():
    values = pd.Series(["  Headache ", "", None, "Temp 098.60 F"])
    assert assign_no_ct(values).tolist() == ["Headache", None, None, "Temp 098.60 F"]
    assert assign_no_ct(values, case="upper").tolist() == ["HEADACHE", None, None, "TEMP 098.60 F"]
    assert assign_no_ct(values, extract=r"(\d+\.\d+)", number_text=True).tolist() == [None, None, None, "98.6"]


def test_assign_ct_maps_by_term_decode_or_synonym_and_reports_what_is_outside():
    values, problems = assign_ct(pd.Series(["mild", "Grade 2", " light ", "SEVERE", None]), SEV)
    assert values.tolist() == ["MILD", "MODERATE", "MILD", "SEVERE", None]
    assert _problems(problems) == [("value outside codelist", "error", [3], ("values",))]
    assert problems[0].value.tolist() == ["mild", "Grade 2", "light", "SEVERE", None]


def test_assign_ct_reports_a_value_outside_the_crf_answers_that_maps():
    values, problems = assign_ct(pd.Series(["Mild", "Grade 2"]), SEV, crf_values="Mild|Moderate")
    assert values.tolist() == ["MILD", "MODERATE"]
    assert _problems(problems) == [("value outside the CRF codelist", "warning", [1], ("values",))]


def test_an_extensible_codelist_makes_an_outside_value_a_warning():
    extensible = m.Codelist("AESEV", extensible=True, terms=SEV.terms)
    _, problems = assign_ct(pd.Series(["SEVERE"]), extensible)
    assert _problems(problems) == [("value outside codelist", "warning", [0], ("values",))]


def test_hardcoded_values_fill_every_row():
    index = pd.RangeIndex(3)
    assert hardcode_no_ct("AE", index).tolist() == ["AE", "AE", "AE"]
    assert hardcode_ct("MILD", index).tolist() == ["MILD", "MILD", "MILD"]


def test_assign_datetime_gives_iso_dates_and_reports_unreadable_and_partial_ones():
    dates = pd.Series(["05 MAR 2021", "UN MAR 2021", "31 FEB 2021", ""])
    times = pd.Series(["08:30", "", "", ""])
    values, problems = assign_datetime(dates, times, format="DD MON YYYY", time_format="HH:MI")
    assert values.tolist() == ["2021-03-05T08:30", "2021-03", None, None]
    assert _problems(problems) == [
        ("unreadable date", "error", [2], ("dates", "times")),
        ("partial date", "note", [1], ("dates",)),
    ]
    assert problems[0].value.tolist()[2] == "31 FEB 2021"


def test_assign_number_reads_finite_numbers_only():
    values, problems = assign_number(pd.Series([" 7.5", "abc", "inf", ""]))
    assert values.tolist()[:1] == [7.5] and values.isna().tolist() == [False, True, True, True]
    assert _problems(problems) == [
        ("not a number", "error", [1], ("values",)),
        ("not a finite number", "error", [2], ("values",)),
    ]


def test_concat_fills_the_template_and_is_null_where_a_source_is():
    sources = {"STUDYID": pd.Series(["S1", "S1", "S1"]), "SUBJID": pd.Series(["001", None, "003"])}
    assert concat("{STUDYID}-{SUBJID}", sources).tolist() == ["S1-001", None, "S1-003"]


def test_convert_unit_converts_and_reports_what_it_cannot():
    values = pd.Series(["70", "154", "80", "x"])
    units = pd.Series(["KG", "LB", "", "KG"])
    table = UnitTable.of((m.UnitConversion("LB", "kg", 0.45359237),))  # the spec's Unit Conversions
    numbers, problems = convert_unit(values, units, target="kg", table=table)
    assert numbers.tolist()[:2] == [70.0, 69.85] and numbers.isna().tolist() == [False, False, True, True]
    assert _problems(problems) == [
        ("not a number", "error", [3], ("values",)),
        ("result without unit", "error", [2], ("units",)),
    ]
    text, _ = convert_unit(values, units, target="kg", form="text", table=table)
    assert text.tolist() == ["70", "69.85", None, None]
    unit, _ = convert_unit(values, units, target="kg", form="unit", table=table)
    assert unit.tolist() == ["kg", "kg", None, None]


def test_decode_ct_by_decode_or_by_the_paired_codelist():
    values, problems = decode_ct(pd.Series(["MILD", "SEVERE", None], name="AESEV"), SEV)
    assert values.tolist() == ["Grade 1", None, None]
    assert _problems(problems) == [("no decode", "error", [1], ())]
    assert problems[0].message == "AESEV value has no paired term in codelist AESEV"
    paired, none = decode_ct(pd.Series(["OVRLRESP"], name="RSTESTCD"), TEST, paired=TESTCD)
    assert paired.tolist() == ["Overall Response"] and none == []
