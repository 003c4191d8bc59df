"""The raw export as read (RawData) and the distinct values of its fields (FieldValues)."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sdtm_builder.raw import FieldValues, RawData


def test_raw_data_cannot_be_changed():
    raw = RawData("x", {"ae": pd.DataFrame({"SUBJECT": ["1"]})})
    with pytest.raises(dataclasses.FrozenInstanceError):
        raw.folder = "y"  # type: ignore[misc]
    with pytest.raises(TypeError):
        raw.forms["cm"] = pd.DataFrame()  # type: ignore[index]
    assert list(raw.forms) == ["ae"]


def test_a_raw_fields_distinct_values_are_found_once_and_serve_any_rows():
    form = pd.DataFrame({"SUBJECT": ["1", "2", "3", "4"], "AESEV": [" Mild", "", "Moderate", "Mild"]})
    found = FieldValues(RawData("x", {"ae": form}))
    codes, values = found.distinct_text("ae", "AESEV")
    assert found.distinct_text("ae", "AESEV")[0] is codes  # kept, not found again
    assert values[codes].tolist() == ["Mild", None, "Moderate", "Mild"]
    rows = form.index[[3, 1]]
    sub_codes, sub_values = found.of_rows("ae", "AESEV", rows)
    assert sub_values[sub_codes].tolist() == ["Mild", None]
    assert found.of_rows("ae", "NOFIELD", rows) is None
    shuffled = FieldValues(RawData("x", {"ae": form.set_axis([9, 8, 7, 6])}))  # labels not positions: not used
    assert shuffled.of_rows("ae", "AESEV", pd.Index([6, 8])) is None
