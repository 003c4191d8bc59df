"""Literal ADSL frame and spec shared by the export tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from specs.model import Dataset, Spec, Study, Variable


def adsl_spec(**overrides) -> Spec:
    variables = [
        Variable("ADSL", "STUDYID", 1, "Study Identifier", "text", 12),
        Variable("ADSL", "USUBJID", 2, "Unique Subject Identifier", "text", 20),
        Variable("ADSL", "AGE", 3, "Age", "integer", 8),
        Variable("ADSL", "HEIGHT", 4, "Height (cm)", "float", 8, significant_digits=1),
        Variable("ADSL", "TRTSDT", 5, "Date of First Exposure to Treatment", "integer", 8, display_format="DATE9."),
        Variable(
            "ADSL", "TRTSDTM", 6, "Datetime of First Exposure to Treatment", "integer", 8, display_format="DATETIME20."
        ),
        Variable("ADSL", "DTHFL", 7, "Subject Death Flag", "text", 1),
    ]
    variables += overrides.pop("extra_variables", [])
    return Spec(
        study=Study((("StudyName", "TEST"),)),
        datasets=(
            Dataset("ADSL", overrides.pop("label", "Subject-Level Analysis Dataset"), keys=("STUDYID", "USUBJID")),
        ),
        variables=tuple(variables),
    )


def adsl_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "STUDYID": ["S1", "S1", "S1"],
            "USUBJID": ["S1-001", "S1-002", "S1-0003"],
            "AGE": [54.0, np.nan, 71.0],
            "HEIGHT": [170.5, 181.25, np.nan],
            "TRTSDT": pd.to_datetime(["2024-01-02", None, "1959-12-31"]),
            "TRTSDTM": pd.to_datetime(["2024-01-02T08:30:00", None, "2024-03-01T23:59:59"]),
            "DTHFL": [None, "Y", None],
        }
    )


@pytest.fixture
def make_spec():
    return adsl_spec


@pytest.fixture
def make_frame():
    return adsl_frame
