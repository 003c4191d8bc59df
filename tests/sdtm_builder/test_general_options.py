"""General engine options added for a second study: each behaviour on a small literal table."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sdtm_builder.algorithms import UnitTable, convert_unit, convert_units, normalise_number_text, range_indicator
from sdtm_builder.issues import IssueLog
from sdtm_builder.mapping import condition_mask, map_dataset
from sdtm_builder.raw import RawData, read_form
from sdtm_builder.screen import screen_raw
from specs import model as m
from specs.config import StudyConfigError
from specs.study import StudyConfig


def _spec(dataset, names, *rules, codelists=()):
    return m.Spec(
        datasets=(m.Dataset(dataset, dataset),),
        variables=tuple(m.Variable(dataset, n, i + 1, n, "text") for i, n in enumerate(names)),
        codelists=codelists,
        mapping=rules,
    )


def _raw(tmp_path, name, text, subject="PATNUM"):
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding="utf-8")
    return read_form(path, subject)


def R(dataset, order, variable, algorithm, form, **kw):
    return m.MappingRule(dataset, variable, algorithm, order, form, parameters=kw.pop("parameters", ()), **kw)


def test_assign_no_ct_options_case_extract_and_number_text(tmp_path):
    form = _raw(tmp_path, "f", "PATNUM,TERM,RES\n701-1015,Application Site Rash,067.0\n702-2,x,098.60\n703-3,,abc\n")
    spec = _spec(
        "XX",
        ["SITEID", "SUBJID", "TERM", "RES"],
        R("XX", 1, "SITEID", "assign_no_ct", "f", field="PATNUM", parameters=(("extract", r"^([^-]+)-"),)),
        R("XX", 2, "SUBJID", "assign_no_ct", "f", field="PATNUM", parameters=(("extract", r"-([^-]+)$"),)),
        R("XX", 3, "TERM", "assign_no_ct", "f", field="TERM", parameters=(("case", "upper"),)),
        R("XX", 4, "RES", "assign_no_ct", "f", field="RES", parameters=(("number", "text"),)),
    )
    out = map_dataset(RawData(str(tmp_path), {"f": form}), spec, "XX", IssueLog())
    assert out[["SITEID", "SUBJID", "TERM", "RES"]].to_dict("records") == [
        {"SITEID": "701", "SUBJID": "1015", "TERM": "APPLICATION SITE RASH", "RES": "67"},
        {"SITEID": "702", "SUBJID": "2", "TERM": "X", "RES": "98.6"},
        {"SITEID": "703", "SUBJID": "3", "TERM": None, "RES": "abc"},
    ]


def test_normalise_number_text_keeps_whole_numbers_plain():
    assert normalise_number_text(pd.Series(["120", "0.0", "1e2", "-5.50", None])).tolist() == [
        "120",
        "0",
        "100",
        "-5.5",
        None,
    ]


TABLE = UnitTable.of(
    (
        m.UnitConversion("in", "cm", 2.54),
        m.UnitConversion("LB", "kg", 0.45359237),
        m.UnitConversion("F", "C", 5 / 9, offset=-160 / 9),
        m.UnitConversion("mg/dL", "mmol/L", 0.0555, test="GLUC"),
    )
)


def test_convert_units_by_the_spec_table_and_reports_what_it_cannot():
    values = pd.Series(["70", "100", "98.6", "120", "5"])
    units = pd.Series(["in", "LB", "F", "mmHg", "stone"])
    out, failed = convert_units(values, units, "cm", table=TABLE)
    assert out.iloc[0] == 177.8
    assert failed.tolist() == [False, True, True, True, True]
    kg, _ = convert_units(values.iloc[[1]], units.iloc[[1]], "kg", table=TABLE)
    assert kg.tolist() == [45.36]
    c, _ = convert_units(values.iloc[[2]], units.iloc[[2]], "C", table=TABLE)
    assert c.tolist() == [37.0]
    back, _ = convert_units(pd.Series(["5"]), pd.Series(["cm"]), "in", table=TABLE)  # the reverse of a row
    assert back.tolist() == [1.97]


def test_a_conversion_of_one_test_is_not_used_for_another():
    values, units = pd.Series(["90", "90"]), pd.Series(["mg/dL", "mg/dL"])
    out, failed = convert_units(values, units, "mmol/L", table=TABLE, tests=pd.Series(["GLUC", "CHOL"]))
    assert out.iloc[0] == 5.0 and failed.tolist() == [False, True]


def test_a_result_beyond_a_limit_keeps_its_sign_as_text_and_has_no_number():
    values, units = pd.Series(["<0.5", "10"]), pd.Series(["mg/dL", "mg/dL"])
    tests = pd.Series(["GLUC", "GLUC"])
    text, _ = convert_unit(values, units, target="mmol/L", form="text", table=TABLE, tests=tests, digits=3)
    number, problems = convert_unit(values, units, target="mmol/L", table=TABLE, tests=tests, digits=3)
    assert text.tolist() == ["<0.028", "0.555"]
    assert number.isna().tolist() == [True, False]
    assert [p.kind for p in problems] == ["result beyond a limit"]


def test_range_indicator_low_normal_high_limits_and_implausible():
    numbers = pd.Series([1.0, 5.0, 9.0, None, None, 5.0, -1.0, 500.0])
    texts = pd.Series(["1", "5", "9", "<2", "<4", "5", "-1", "500"])
    low = pd.Series([2.0, 2, 2, 2, 2, None, 2, 2])
    high = pd.Series([8.0, 8, 8, 8, 8, None, 8, 8])
    out, problems = range_indicator(numbers, low, high, texts=texts, implausible=10)
    assert out.tolist() == ["LOW", "NORMAL", "HIGH", "LOW", None, None, None, None]
    assert {p.kind: p.rows.tolist().count(True) for p in problems} == {
        "no reference range": 1,
        "implausible result": 2,
    }


def test_convert_unit_rule_gives_number_or_text(tmp_path):
    form = _raw(tmp_path, "vs", "PATNUM,H\n1,067.0\n2,\n")
    rules = (
        R("VS", 1, "", "condition_add", "vs", condition="H NE ''"),
        R("VS", 2, "VSORRES", "assign_no_ct", "vs", field="H", parameters=(("number", "text"),)),
        R("VS", 3, "VSORRESU", "hardcode_no_ct", "vs", value="in"),
        R(
            "VS",
            4,
            "VSSTRESC",
            "convert_unit",
            "vs",
            value="cm",
            parameters=(("from", "VSORRES"), ("unit", "VSORRESU"), ("as", "text")),
        ),
        R(
            "VS",
            5,
            "VSSTRESN",
            "convert_unit",
            "vs",
            value="cm",
            parameters=(("from", "VSORRES"), ("unit", "VSORRESU")),
        ),
    )
    spec = _spec("VS", ["VSORRES", "VSORRESU", "VSSTRESC", "VSSTRESN"], *rules)
    spec = dataclasses.replace(spec, unit_conversions=(m.UnitConversion("in", "cm", 2.54),))
    out = map_dataset(RawData(str(tmp_path), {"vs": form}), spec, "VS", IssueLog())
    assert out[["VSORRES", "VSSTRESC", "VSSTRESN"]].to_dict("records") == [
        {"VSORRES": "67", "VSSTRESC": "170.18", "VSSTRESN": 170.18}
    ]


def test_conditions_on_raw_fields_with_a_dotted_prefix(tmp_path):
    rows = _raw(tmp_path, "ds_raw", "PATNUM,IT.DSDECOD,OTHERSP\n1,Randomized,\n1,,Final Lab Visit\n")
    assert condition_mask(rows, "IT.DSDECOD EQ Randomized", "ds_raw").tolist() == [True, False]
    assert condition_mask(rows, "OTHERSP NE '' AND IT.DSDECOD EQ ''", "ds_raw").tolist() == [False, True]


def test_assign_datetime_tries_alternative_formats(tmp_path):
    form = _raw(tmp_path, "ae", "PATNUM,D\n1,01/16/2014\n1,2003\n1,13/45/2014\n")
    spec = _spec(
        "AE",
        ["AESTDTC"],
        R("AE", 1, "AESTDTC", "assign_datetime", "ae", field="D", parameters=(("format", "MM/DD/YYYY|YYYY"),)),
    )
    issues = IssueLog()
    out = map_dataset(RawData(str(tmp_path), {"ae": form}), spec, "AE", issues)
    assert out["AESTDTC"].tolist() == ["2014-01-16", "2003", None]
    table = issues.frame()
    assert table[["kind", "row"]].to_dict("records") == [
        {"kind": "unreadable date", "row": 3},
        {"kind": "partial date", "row": 2},
    ]


def test_join_by_subject_accepts_further_rows_that_repeat_the_values(tmp_path):
    dm = _raw(tmp_path, "dm", "PATNUM,SEX\n1,F\n2,M\n")
    ds = _raw(tmp_path, "ds", "PATNUM,DEATHDT\n1,01/14/2013\n1,01/14/2013\n2,\n2,\n")
    spec = _spec(
        "DM",
        ["SEX", "DTHDTC"],
        R("DM", 1, "SEX", "assign_no_ct", "dm", field="SEX"),
        R(
            "DM",
            2,
            "",
            "condition_add",
            "ds",
            condition="DEATHDT NE ''",
            parameters=(("record", "d"), ("join", "subject")),
        ),
        R(
            "DM",
            3,
            "DTHDTC",
            "assign_datetime",
            "ds",
            field="DEATHDT",
            parameters=(("format", "MM/DD/YYYY"), ("record", "d"), ("join", "subject")),
        ),
    )
    issues = IssueLog()
    out = map_dataset(RawData(str(tmp_path), {"dm": dm, "ds": ds}), spec, "DM", issues)
    assert out["SEX"].tolist() == ["F", "M"]
    assert out["DTHDTC"].iloc[0] == "2013-01-14" and pd.isna(out["DTHDTC"].iloc[1])
    assert issues.frame().empty


def test_screen_can_keep_duplicate_rows_and_still_reports_them(tmp_path):
    dm = _raw(tmp_path, "dm", "PATNUM\n1\n")
    ae = _raw(tmp_path, "ae", "PATNUM,T\n1,x\n1,x\n")
    raw = RawData(str(tmp_path), {"dm": dm, "ae": ae})
    issues = IssueLog()
    assert len(screen_raw(raw, demographics_form="dm", subject_field="PATNUM", issues=issues)) == 1
    kept = IssueLog()
    assert screen_raw(raw, demographics_form="dm", subject_field="PATNUM", issues=kept, keep_duplicates=True).empty
    assert kept.frame()[["kind", "row", "action"]].to_dict("records") == [
        {"kind": "duplicate row", "row": 2, "action": "kept (the study keeps repeated rows)"}
    ]


def test_study_settings_read_duplicate_rows(tmp_path):
    path = tmp_path / "study.toml"
    (tmp_path / "s.xlsx").touch()  # a workbook the settings name must exist
    path.write_text(
        '[study]\nid = "S"\nsdtm_spec = "s.xlsx"\n[raw]\nsubject_field = "P"\ndemographics_form = "dm"\n'
        'duplicate_rows = "keep"\n',
        encoding="utf-8",
    )
    assert StudyConfig.load(path).raw.duplicate_rows == "keep"
    path.write_text(path.read_text().replace('"keep"', '"drop"'), encoding="utf-8")
    with pytest.raises(StudyConfigError, match="duplicate_rows"):
        StudyConfig.load(path)
