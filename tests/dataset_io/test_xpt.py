"""SAS transport v5: every value and attribute round trips; every rule breach is listed at once."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest

from dataset_io.readers import read_dataset
from dataset_io.xpt import XptRuleError, write_xpt
from specs.model import Variable


def test_round_trip_keeps_every_value_and_attribute(tmp_path, make_spec, make_frame):
    path = tmp_path / "adsl.xpt"
    lengths = write_xpt(make_frame(), make_spec(), "ADSL", path)
    assert lengths == {"STUDYID": 2, "USUBJID": 7, "AGE": 8, "HEIGHT": 8, "TRTSDT": 8, "TRTSDTM": 8, "DTHFL": 1}

    raw, meta = pyreadstat.read_xport(str(path), disable_datetime_conversion=True)
    assert meta.table_name == "ADSL"
    assert meta.file_label == "Subject-Level Analysis Dataset"
    assert meta.column_names == ["STUDYID", "USUBJID", "AGE", "HEIGHT", "TRTSDT", "TRTSDTM", "DTHFL"]
    assert meta.column_labels[4] == "Date of First Exposure to Treatment"
    assert meta.original_variable_types["TRTSDT"] == "DATE9"
    assert meta.original_variable_types["TRTSDTM"] == "DATETIME20"
    assert raw["TRTSDT"].iloc[0] == 23377.0  # days from 1960-01-01 to 2024-01-02
    assert raw["TRTSDT"].iloc[2] == -1.0

    frame, info = read_dataset(path)
    pd.testing.assert_frame_equal(frame, make_frame(), check_dtype=False)
    assert str(frame["TRTSDT"].dtype).startswith("datetime64")
    assert info.lengths["USUBJID"] == 7


def test_every_breach_is_listed_at_once_and_nothing_is_written(tmp_path, make_spec, make_frame):
    spec = make_spec(
        label="A dataset label that is far longer than forty characters",
        extra_variables=[
            Variable("ADSL", "LONGNAME9", 8, "Too long a name", "text", 10),
            Variable("ADSL", "MISSING", 9, "In the spec only", "text", 10),
        ],
    )
    frame = make_frame()
    frame["USUBJID"] = ["S1-001", "受试者-002", "S1-003"]
    frame["DTHFL"] = [None, "Y" * 201, None]
    frame["LONGNAME9"] = ["a", "b", "c"]
    frame["EXTRA"] = [1, 2, 3]
    path = tmp_path / "adsl.xpt"
    with pytest.raises(XptRuleError) as caught:
        write_xpt(frame, spec, "ADSL", path)
    found = {(b.rule, b.variable, b.row) for b in caught.value.breaches}
    assert found == {
        ("dataset-label-length", None, None),
        ("variable-not-in-spec", "EXTRA", None),
        ("variable-not-in-data", "MISSING", None),
        ("variable-name", "LONGNAME9", None),
        ("non-ascii", "USUBJID", 2),
        ("value-length", "DTHFL", 2),
    }
    message = str(caught.value)
    assert "ADSL.USUBJID row 2: value '受试者-002' is not ASCII" in message
    assert "ADSL.DTHFL row 2: value of 201 bytes" in message
    assert "6 transport-file rule breach(es)" in message
    assert list(tmp_path.iterdir()) == []


def test_text_in_a_numeric_variable_and_fractions_in_an_integer_are_breaches(tmp_path, make_spec, make_frame):
    frame = make_frame()
    frame["AGE"] = [54.5, None, 71.0]
    frame["HEIGHT"] = ["tall", None, "170"]
    with pytest.raises(XptRuleError) as caught:
        write_xpt(frame, make_spec(), "ADSL", tmp_path / "adsl.xpt")
    assert {(b.rule, b.variable, b.row) for b in caught.value.breaches} == {
        ("integer-value", "AGE", 1),
        ("numeric-type", "HEIGHT", 1),
    }


def test_same_input_gives_the_same_bytes_whatever_the_clock(tmp_path, make_spec, make_frame):
    write_xpt(make_frame(), make_spec(), "ADSL", tmp_path / "a.xpt", timestamp="2024-06-30T00:00:00")
    first = (tmp_path / "a.xpt").read_bytes()
    assert b"30JUN24:00:00:00" in first[:400]  # the header stamp is the given one, not the clock's
    write_xpt(make_frame(), make_spec(), "ADSL", tmp_path / "b.xpt", timestamp="2024-06-30T00:00:00")
    assert (tmp_path / "b.xpt").read_bytes() == first
