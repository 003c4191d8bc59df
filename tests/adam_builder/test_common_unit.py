"""adam_builder.common: input checks, merges, flags and parameters, on literal tables."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from adam_builder.common import (
    AdamInputError,
    assert_columns,
    codelist_of,
    decode_map,
    derive_var_extreme_flag,
    derive_vars_merged,
    derive_vars_param,
    empty_like,
    encode_map,
    first_per_subject,
    number,
    text,
    yes_no,
)
from specs.model import Codelist, CodelistTerm, Dataset, Spec, Variable


def spec_with_params() -> Spec:
    return Spec(
        datasets=(Dataset("ADRS"),),
        variables=(
            Variable("ADRS", "PARAMCD", order=1, codelist="PARAMCD"),
            Variable("ADRS", "PARAM", order=2),
            Variable("ADRS", "PARAMN", order=3, codelist="PARAMN"),
        ),
        codelists=(
            Codelist(
                "PARAMCD",
                terms=(
                    CodelistTerm("BOR", decoded_value="Best Overall Response"),
                    CodelistTerm("PD", decoded_value="Progression"),
                ),
            ),
            Codelist(
                "PARAMN",
                terms=(
                    CodelistTerm("1", decoded_value="Best Overall Response"),
                    CodelistTerm("2", decoded_value="Progression"),
                ),
            ),
            Codelist("NODECODE", terms=(CodelistTerm("X"),)),
        ),
    )


def test_assert_columns_names_every_missing_column_and_an_absent_dataset():
    frame = pd.DataFrame({"USUBJID": ["S1"], "AESEQ": [1]})
    assert_columns(frame, ["USUBJID"], dataset="AE")  # nothing missing: no error
    with pytest.raises(AdamInputError, match=r"AE: missing column\(s\) AESTDTC, AEENDTC \(it has USUBJID, AESEQ\)"):
        assert_columns(frame, ["USUBJID", "AESTDTC", "AEENDTC"], dataset="AE")
    absent = pd.DataFrame(columns=["USUBJID"])
    absent.attrs["absent"] = "EX"
    with pytest.raises(AdamInputError, match="the SDTM folder has no EX dataset"):
        assert_columns(absent, ["EXSTDTC"], dataset="EX")


def test_text_strips_and_makes_blanks_none():
    out = text(pd.Series([" CR ", "", "   ", None, np.nan, 3]))
    assert_series_equal(out, pd.Series(["CR", None, None, None, None, "3"], dtype=object))


def test_number_coerces_text_to_float():
    assert_series_equal(number(pd.Series(["1", "2.5", "x", None])), pd.Series([1.0, 2.5, np.nan, np.nan]))


def test_empty_like_has_the_columns_and_no_rows():
    out = empty_like(["USUBJID", "AVAL"])
    assert_frame_equal(out, pd.DataFrame({"USUBJID": pd.Series(dtype=object), "AVAL": pd.Series(dtype=object)}))


def test_derive_vars_merged_replaces_columns_keeps_rows_and_leaves_unmatched_missing():
    frame = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S1"], "AGE": [1, 2, 3, 1]}, index=[10, 11, 12, 13])
    add = pd.DataFrame({"USUBJID": ["S1", "S2"], "AGE": [60.0, 70.0], "SEX": ["F", "M"]})
    out = derive_vars_merged(frame, dataset_add=add, by=["USUBJID"], new_vars=["AGE", "SEX"])
    expected = pd.DataFrame(
        {"USUBJID": ["S1", "S2", "S3", "S1"], "AGE": [60.0, 70.0, np.nan, 60.0], "SEX": ["F", "M", np.nan, "F"]},
        index=[10, 11, 12, 13],
    )
    assert_frame_equal(out, expected)


def test_derive_vars_merged_refuses_two_records_per_key():
    add = pd.DataFrame({"USUBJID": ["S1", "S1"], "AGE": [60, 61]})
    with pytest.raises(AdamInputError, match="ADSL: more than one record per USUBJID"):
        derive_vars_merged(
            pd.DataFrame({"USUBJID": ["S1"]}), dataset_add=add, by=["USUBJID"], new_vars=["AGE"], dataset="ADSL"
        )


def test_decode_and_encode_maps_of_a_codelist():
    spec = spec_with_params()
    assert decode_map(spec, "PARAMCD") == {"BOR": "Best Overall Response", "PD": "Progression"}
    assert encode_map(spec, "PARAMN") == {"Best Overall Response": 1.0, "Progression": 2.0}
    assert decode_map(spec, "NODECODE") == {}  # terms without a decode are left out
    assert codelist_of(spec, "ADRS", "PARAMCD") == "PARAMCD"


def test_derive_vars_param_decodes_and_numbers_paramcd():
    out = derive_vars_param(pd.DataFrame({"PARAMCD": ["PD", "BOR", "XX"]}), spec=spec_with_params(), dataset="ADRS")
    expected = pd.DataFrame(
        {
            "PARAMCD": ["PD", "BOR", "XX"],
            "PARAM": ["Progression", "Best Overall Response", np.nan],
            "PARAMN": [2.0, 1.0, np.nan],
        }
    )
    assert_frame_equal(out, expected)


def test_derive_var_extreme_flag_first_and_last_with_filter_and_missing_order_last():
    frame = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S2", "S2", "S3"],
            "ADT": pd.to_datetime(["2021-01-03", "2021-01-01", None, "2021-02-01", "2021-02-01", "2021-03-01"]),
            "SEQ": [1, 2, 3, 4, 5, 6],
            "KEEP": [True, True, True, True, True, False],
        }
    )
    first = derive_var_extreme_flag(frame, by=["USUBJID"], order=["ADT", "SEQ"], new_var="FL", filter=frame["KEEP"])
    # S2 tie on ADT broken by SEQ; S3 has no record in the filter: no flag
    assert first["FL"].tolist() == [None, "Y", None, "Y", None, None]
    last = derive_var_extreme_flag(frame, by=["USUBJID"], order=["ADT", "SEQ"], new_var="FL", mode="last")
    # a missing date sorts last, so it is the last record of S1
    assert last["FL"].tolist() == [None, None, "Y", None, "Y", "Y"]


def test_yes_no():
    assert yes_no([True, False]).tolist() == ["Y", "N"]
    assert yes_no(pd.Series([True, False]), no=None).tolist() == ["Y", None]


def test_first_per_subject_in_order_among_the_mask():
    frame = pd.DataFrame(
        {
            "USUBJID": ["S2", "S1", "S1", "S1"],
            "ADT": pd.to_datetime(["2021-01-05", "2021-01-09", "2021-01-02", "2021-01-01"]),
            "AVALC": ["PD", "PD", "PD", "SD"],
        }
    )
    out = first_per_subject(frame, frame["AVALC"] == "PD", order=["ADT"])
    expected = pd.DataFrame(
        {"ADT": pd.to_datetime(["2021-01-02", "2021-01-05"]), "AVALC": ["PD", "PD"]},
        index=pd.Index(["S1", "S2"], name="USUBJID"),
    )
    assert_frame_equal(out, expected)


def test_fresh_is_a_deep_copy_unless_copy_on_write_and_never_changes_its_input():
    from adam_builder.common import fresh

    frame = pd.DataFrame({"A": [1.0, 2.0], "B": ["x", "y"]})
    deep = fresh(frame)
    deep.loc[0, "A"] = 9.0
    assert frame["A"].tolist() == [1.0, 2.0]
    with pd.option_context("mode.copy_on_write", True):
        shallow = fresh(frame)
        shallow.loc[0, "A"] = 9.0
        shallow["C"] = 1
        assert frame["A"].tolist() == [1.0, 2.0] and "C" not in frame
