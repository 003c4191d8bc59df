"""adam_builder.finish: sort by the keys, ASEQ, the spec's variables in order, types, validation."""

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from adam_builder.finish import concat_failures, empty_failures, finish_adam
from specs.model import Dataset, Spec, Variable
from specs.schema import FAILURE_COLUMNS

DT = "datetime64[ns]"


def spec(*extra: Variable) -> Spec:
    variables = (
        Variable("ADX", "STUDYID", order=1, data_type="text", core="Req"),
        Variable("ADX", "USUBJID", order=2, data_type="text", core="Req"),
        Variable("ADX", "ASEQ", order=3, data_type="integer"),
        Variable("ADX", "PARAMCD", order=4, data_type="text", core="Req"),
        Variable("ADX", "AVAL", order=5, data_type="float"),
        Variable("ADX", "AVALC", order=6, data_type="text"),
        Variable("ADX", "ADT", order=7, data_type="integer", display_format="DATE9."),
    )
    return Spec(datasets=(Dataset("ADX", keys=("STUDYID", "USUBJID", "PARAMCD", "ADT")),), variables=variables + extra)


FRAME = pd.DataFrame(
    {
        "_WORK": [1, 2, 3, 4],
        "ADT": ["2021-02-01", "2021-03-01", "2021-01-01", None],
        "AVALC": ["Y", np.nan, None, "N"],
        "AVAL": ["1", "40", "50", "0"],
        "PARAMCD": ["PD", "SDIAM", "SDIAM", "PD"],
        "USUBJID": ["S2", "S1", "S1", "S1"],
        "STUDYID": ["X"] * 4,
    }
)


def test_finish_adam_sorts_numbers_keeps_and_types_the_spec_variables():
    out, failures = finish_adam(FRAME, spec=spec(), dataset="ADX")
    expected = pd.DataFrame(
        {
            "STUDYID": ["X"] * 4,
            "USUBJID": ["S1", "S1", "S1", "S2"],
            "ASEQ": [1.0, 2.0, 3.0, 1.0],  # per subject in key order
            "PARAMCD": ["PD", "SDIAM", "SDIAM", "PD"],
            "AVAL": [0.0, 50.0, 40.0, 1.0],
            "AVALC": ["N", None, None, "Y"],
            "ADT": pd.to_datetime(pd.Series([None, "2021-01-01", "2021-03-01", "2021-02-01"])).astype(DT),
        }
    )
    assert_frame_equal(out, expected)
    assert_frame_equal(failures, pd.DataFrame(columns=FAILURE_COLUMNS))


def test_finish_adam_reports_a_required_variable_not_derived():
    out, failures = finish_adam(
        FRAME, spec=spec(Variable("ADX", "PARAM", order=8, data_type="text", core="Req")), dataset="ADX"
    )
    assert "PARAM" not in out.columns  # never invented
    assert failures[["variable", "check", "message"]].to_dict("records") == [
        {"variable": "PARAM", "check": "required column", "message": "ADX.PARAM (Req) is missing"}
    ]


def test_empty_failures_and_concat_failures():
    assert_frame_equal(empty_failures(), pd.DataFrame(columns=FAILURE_COLUMNS))
    one = pd.DataFrame(
        [["ADX", "PARAM", None, None, None, "required column", "error", "m1"]], columns=FAILURE_COLUMNS, dtype=object
    )
    two = pd.DataFrame(
        [["ADY", "AVAL", 3, "USUBJID=S1", "x", "type", "error", "m2"]], columns=FAILURE_COLUMNS, dtype=object
    )
    out = concat_failures([None, empty_failures(), one, two])
    expected = pd.DataFrame(
        [
            ["ADX", "PARAM", None, None, None, "required column", "error", "m1"],
            ["ADY", "AVAL", 3, "USUBJID=S1", "x", "type", "error", "m2"],
        ],
        columns=FAILURE_COLUMNS,
        dtype=object,
    )
    assert_frame_equal(out, expected)
    assert_frame_equal(concat_failures([]), empty_failures())
