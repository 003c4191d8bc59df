"""Pandera schemas built from the spec."""

from __future__ import annotations

import pandas as pd
import pytest

from specs import load_spec, study_workbook
from specs import model as m
from specs.schema import build_schema, is_iso8601_dtc, text_categorical, validate_frame, variable_checks


@pytest.fixture(scope="module")
def spec():
    return load_spec(study_workbook("sdtm")).spec


def _dm() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "STUDYID": ["ANLTOR-STS", "ANLTOR-STS"],
            "DOMAIN": ["DM", "DM"],
            "USUBJID": ["ANLTOR-STS-101-001", "ANLTOR-STS-101-002"],
            "SUBJID": ["101-001", "101-002"],
            "RFSTDTC": ["2021-03-12", None],
            "RFENDTC": ["2021-09-01", None],
            "RFXSTDTC": ["2021-03-12", None],
            "RFXENDTC": ["2021-08-20", None],
            "RFICDTC": ["2021-03-01", "2021-03-02"],
            "RFPENDTC": ["2021-09-01", "2021-03-10"],
            "DTHDTC": [None, None],
            "DTHFL": [None, None],
            "SITEID": ["101", "101"],
            "AGE": [54.0, 61.0],
            "AGEU": ["YEARS", "YEARS"],
            "SEX": ["F", "M"],
            "RACE": ["ASIAN", "ASIAN"],
            "ARMCD": ["ANLTORI", None],
            "ARM": ["Anlotinib + Toripalimab", None],
            "ACTARMCD": ["ANLTORI", None],
            "ACTARM": ["Anlotinib + Toripalimab", None],
            "ARMNRS": [None, "SCREEN FAILURE"],
            "ACTARMUD": [None, None],
            "COUNTRY": ["CHN", "CHN"],
        }
    )


def _valid_dm(spec) -> pd.DataFrame:
    dm = _dm()
    # take the arm terms from the spec, not from this test
    arm = spec.codelist(spec.variable("DM", "ARM").codelist).terms[0].term
    armcd = spec.codelist(spec.variable("DM", "ARMCD").codelist).terms[0].term
    dm.loc[0, ["ARMCD", "ACTARMCD"]] = armcd
    dm.loc[0, ["ARM", "ACTARM"]] = arm
    return dm


def test_a_valid_dm_passes(spec):
    failures = validate_frame(_valid_dm(spec), spec, "DM")
    assert failures.empty, failures.to_string()


def test_dm_schema_reports_every_failure_at_once(spec):
    dm = _valid_dm(spec).drop(columns=["SUBJID"])
    dm.loc[0, "SEX"] = "FEMALE"
    dm.loc[1, "COUNTRY"] = "CHINA"
    dm.loc[0, "RFSTDTC"] = "12/03/2021"
    failures = validate_frame(dm, spec, "DM")
    got = failures[["variable", "row", "key", "value", "check", "severity"]].sort_values(["variable", "check"])
    assert got.to_dict("records") == [
        {
            "variable": "COUNTRY",
            "row": 1,
            "key": "USUBJID=ANLTOR-STS-101-002",
            "value": "CHINA",
            "check": "codelist COUNTRY",
            "severity": "error",
        },
        {
            "variable": "COUNTRY",
            "row": 1,
            "key": "USUBJID=ANLTOR-STS-101-002",
            "value": "CHINA",
            "check": "length <= 3",
            "severity": "error",
        },
        {
            "variable": "RFSTDTC",
            "row": 0,
            "key": "USUBJID=ANLTOR-STS-101-001",
            "value": "12/03/2021",
            "check": "ISO 8601",
            "severity": "error",
        },
        {
            "variable": "SEX",
            "row": 0,
            "key": "USUBJID=ANLTOR-STS-101-001",
            "value": "FEMALE",
            "check": "codelist SEX",
            "severity": "error",
        },
        {
            "variable": "SEX",
            "row": 0,
            "key": "USUBJID=ANLTOR-STS-101-001",
            "value": "FEMALE",
            "check": "length <= 1",
            "severity": "error",
        },
        {
            "variable": "SUBJID",
            "row": None,
            "key": None,
            "value": None,
            "check": "required column",
            "severity": "error",
        },
    ]
    assert failures.loc[failures["variable"] == "SUBJID", "message"].item() == "DM.SUBJID (Req) is missing"


def test_keys_must_be_unique_and_required_values_present(spec):
    dm = _valid_dm(spec)
    dm.loc[1, "USUBJID"] = dm.loc[0, "USUBJID"]
    dm.loc[1, "SITEID"] = None
    failures = validate_frame(dm, spec, "DM")
    assert sorted(set(zip(failures["variable"], failures["check"], strict=False))) == [
        ("SITEID", "not null"),
        ("STUDYID, USUBJID", "unique keys"),
    ]


def test_extensible_codelist_accepts_new_terms_with_a_warning():
    spec = m.Spec(
        datasets=(m.Dataset("XX", "Test", keys=("ID",)),),
        variables=(
            m.Variable("XX", "ID", 1, "Id", "text", 8, core="Req"),
            m.Variable("XX", "UNIT", 2, "Unit", "text", 8, core="Perm", codelist="UNIT"),
        ),
        codelists=(m.Codelist("UNIT", "Unit", extensible=True, terms=(m.CodelistTerm("mg"),)),),
    )
    frame = pd.DataFrame({"ID": ["1", "2"], "UNIT": ["mg", "tablet"]})
    failures = validate_frame(frame, spec, "XX")
    assert failures[["variable", "value", "severity"]].to_dict("records") == [
        {"variable": "UNIT", "value": "tablet", "severity": "warning"}
    ]


def test_each_check_carries_the_severity_of_its_failures():
    spec = m.Spec(
        datasets=(m.Dataset("XX", "Test"),),
        variables=(
            m.Variable("XX", "UNIT", 1, "Unit", "text", 8, core="Perm", codelist="UNIT"),
            m.Variable("XX", "SEX", 2, "Sex", "text", 1, core="Perm", codelist="SEX"),
        ),
        codelists=(
            m.Codelist("UNIT", "Unit", extensible=True, terms=(m.CodelistTerm("mg"),)),
            m.Codelist("SEX", "Sex", extensible=False, terms=(m.CodelistTerm("F"), m.CodelistTerm("M"))),
        ),
    )
    unit, sex = spec.variable("XX", "UNIT"), spec.variable("XX", "SEX")
    assert [(c.name, c.severity) for c in variable_checks(spec, unit)] == [
        ("text type", "error"),
        ("length <= 8", "error"),
        ("codelist UNIT (extensible)", "warning"),
    ]
    assert [(c.name, c.severity) for c in variable_checks(spec, sex)][-1] == ("codelist SEX", "error")
    failures = validate_frame(pd.DataFrame({"UNIT": ["tablet"], "SEX": ["U"]}), spec, "XX")
    assert failures[["variable", "check", "severity", "message"]].to_dict("records") == [
        {
            "variable": "UNIT",
            "check": "codelist UNIT (extensible)",
            "severity": "warning",
            "message": "UNIT value not in extensible codelist UNIT: a new term, reported",
        },
        {"variable": "SEX", "check": "codelist SEX", "severity": "error", "message": "SEX is a term of codelist SEX"},
    ]


def test_a_null_key_of_a_categorical_column_is_shown_as_of_the_plain_frame():
    spec = m.Spec(
        datasets=(m.Dataset("XX", "Test", keys=("ID", "TEST")),),
        variables=(
            m.Variable("XX", "ID", 1, "Id", "text", 8, core="Req"),
            m.Variable("XX", "TEST", 2, "Test", "text", 8, core="Perm"),
            m.Variable("XX", "VAL", 3, "Value", "text", 2, core="Perm"),
        ),
    )
    frame = pd.DataFrame({"ID": ["1", "2"], "TEST": ["A", None], "VAL": ["x", "long"]})
    categorical = frame.assign(TEST=text_categorical(frame["TEST"]), ID=text_categorical(frame["ID"]))
    assert isinstance(categorical["TEST"].dtype, pd.CategoricalDtype)
    plain = validate_frame(frame, spec, "XX")
    assert plain[["row", "key", "check"]].to_dict("records") == [
        {"row": 1, "key": "ID=2, TEST=None", "check": "length <= 2"}
    ]
    pd.testing.assert_frame_equal(validate_frame(categorical, spec, "XX"), plain)


def test_numeric_checks():
    spec = m.Spec(
        datasets=(m.Dataset("XX", "Test"),),
        variables=(
            m.Variable("XX", "N", 1, "N", "integer", 8, core="Perm"),
            m.Variable("XX", "X", 2, "X", "float", 8, core="Perm"),
        ),
    )
    frame = pd.DataFrame({"N": [1.0, 1.5, None], "X": [1.5, "2", None]}, dtype=object)
    got = validate_frame(frame, spec, "XX")[["variable", "row", "check"]].to_dict("records")
    assert got == [
        {"variable": "N", "row": 1, "check": "whole number"},
        {"variable": "X", "row": 1, "check": "numeric type"},
    ]


@pytest.mark.parametrize(
    "value, ok",
    [
        ("2021", True),
        ("2021-03", True),
        ("2021-03-12", True),
        ("2021-03-12T10:30", True),
        ("2021-03-12T10:30:15.5", True),
        ("2021---12", True),
        ("--03-12", True),
        ("2021-03-12T-:30", True),
        ("2021-13-01", False),
        ("2021-03-32", False),
        ("2021-03-", False),
        ("12MAR2021", False),
        ("2021-03-12 10:30", False),
        ("2021-03-12T24:00", False),
    ],
)
def test_iso8601(value, ok):
    assert is_iso8601_dtc(value) is ok


def test_schema_has_a_column_per_variable(spec):
    schema = build_schema(spec, "AE")
    assert list(schema.columns) == [v.name for v in spec.variables_of("AE")]
    assert [c.name for c in schema.checks] == ["unique keys"]


def test_text_already_factorised_gives_the_same_failures(spec):
    """Text columns given as categoricals (the SDTM finishing passes them) report what the plain frame does."""
    from specs.schema import text_categorical

    dm = _valid_dm(spec)
    dm.loc[0, "SEX"] = "FEMALE"
    dm.loc[1, "SITEID"] = "  "  # blank: null, and SITEID is required
    dm.loc[0, "RFSTDTC"] = "2021-02-30T25"
    dm.loc[1, "COUNTRY"] = "中国"  # three characters, six bytes
    text = {c: text_categorical(dm[c]) for c in dm.columns}
    text = {c: v for c, v in text.items() if v is not None}
    assert {"SEX", "SITEID", "RFSTDTC", "COUNTRY"} <= set(text)
    plain = validate_frame(dm, spec, "DM")
    factorised = validate_frame(dm.assign(**text), spec, "DM")
    assert not plain.empty
    pd.testing.assert_frame_equal(plain, factorised)
    assert {("SITEID", "not null"), ("COUNTRY", "length <= 3")} <= set(
        zip(plain["variable"], plain["check"], strict=False)
    )


def test_text_lengths_in_characters_and_bytes():
    from specs.schema import text_lengths

    assert text_lengths(pd.Index(["", "abc", "中国"])).tolist() == [0, 3, 2]
    assert text_lengths(pd.Index(["", "abc", "中国"]), "utf-8").tolist() == [0, 3, 6]
    assert text_lengths(pd.Index(["abc"]), "utf-8").tolist() == [3]
