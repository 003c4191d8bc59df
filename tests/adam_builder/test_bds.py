"""adam_builder.bds: the findings BDS derivations, on literal tables written from admiral's documentation."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from adam_builder.bds import (
    DERIVATIONS,
    FORMULAS,
    compute_where,
    derive_basetype_records,
    derive_extreme_records,
    derive_param_computed,
    derive_summary_records,
    derive_var_analysis_ratio,
    derive_var_anl_flag,
    derive_var_anrind,
    derive_var_base,
    derive_var_base_flag,
    derive_var_chg,
    derive_var_computed,
    derive_var_merged_param,
    derive_var_ontrtfl,
    derive_var_pchg,
    derive_var_shift,
    derive_vars_avisit,
    derive_vars_param_lookup,
    order_columns,
    parse_order,
    where_columns,
    where_required,
)
from adam_builder.common import AdamInputError
from adam_builder.library import library
from adam_builder.registry import param_token
from specs.model import Codelist, CodelistTerm, Dataset, Spec, Variable

N = None
NAN = np.nan


def dates(*values):
    return pd.to_datetime(pd.Series(values, dtype=object))


def column(frame: pd.DataFrame, name: str) -> list:
    return [None if pd.isna(v) else v for v in frame[name]]


# -- where filters ----------------------------------------------------------------------------


def test_where_equal_list_and_operator_conditions_all_hold():
    frame = pd.DataFrame({"AVISIT": ["Baseline", "Week 2", "Week 4", N], "AVISITN": [0, 2, 4, N]})
    keep = compute_where(frame, {"AVISIT": ["Week 2", "Week 4"], "AVISITN": {">": 2}}, dataset="ADLB")
    assert keep.tolist() == [False, False, True, False]


def test_where_present_false_selects_nulls():
    frame = pd.DataFrame({"DTYPE": [N, "LOV"]})
    assert compute_where(frame, {"DTYPE": {"present": False}}, dataset="ADVS").tolist() == [True, False]


def test_where_on_a_column_not_there_yet_holds_no_value():
    """Before any derived record exists DTYPE is absent: present False is every record, True none."""
    frame = pd.DataFrame({"AVAL": [1.0, 2.0]})
    assert compute_where(frame, {"DTYPE": {"present": False}}, dataset="ADLB").tolist() == [True, True]
    assert compute_where(frame, {"DTYPE": {"present": True}}, dataset="ADLB").tolist() == [False, False]
    assert where_required({"DTYPE": {"present": False}, "AVISITN": {">": 0}, "X": "Y"}) == ["AVISITN", "X"]
    out = derive_extreme_records(
        frame.assign(USUBJID="S1"),
        by=["USUBJID"],
        order=["desc(AVAL)"],
        where={"DTYPE": {"present": False}},
        set_values={"DTYPE": "MAXIMUM"},
        dataset="ADLB",
    )
    assert out["DTYPE"].tolist()[-1] == "MAXIMUM" and out["AVAL"].tolist()[-1] == 2.0


def test_where_unknown_operator_is_an_error_naming_it():
    frame = pd.DataFrame({"AVISITN": [1]})
    with pytest.raises(AdamInputError, match=r"ADLB: where AVISITN: unknown operator '=>' \(one of =, !=, <"):
        compute_where(frame, {"AVISITN": {"=>": 0}}, dataset="ADLB")


def test_where_missing_column_names_the_dataset():
    with pytest.raises(AdamInputError, match=r"^ADLB: missing column\(s\) AVISITN \(it has AVAL\)$"):
        compute_where(pd.DataFrame({"AVAL": [1.0]}), {"AVISITN": {">": 0}}, dataset="ADLB")


def test_order_desc_and_the_columns_of_order_and_where():
    assert parse_order(["desc(AVAL)", "ADT"]) == (["AVAL", "ADT"], [False, True])
    assert order_columns("desc(AVAL)") == ["AVAL"]
    assert where_columns({"AVISITN": {">": 0}, "ONTRTFL": "Y"}) == ["AVISITN", "ONTRTFL"]


# -- ANRIND ---------------------------------------------------------------------------------------


def test_anrind_low_normal_high_and_bounds_inclusive():
    frame = pd.DataFrame({"AVAL": [2.0, 3.0, 5.0, 7.0, 8.0], "ANRLO": [3.0] * 5, "ANRHI": [7.0] * 5})
    assert column(derive_var_anrind(frame), "ANRIND") == ["LOW", "NORMAL", "NORMAL", "NORMAL", "HIGH"]


def test_anrind_one_missing_bound():
    # admiral: NORMAL when AVAL >= ANRLO and ANRHI is missing, or AVAL <= ANRHI and ANRLO is missing;
    # LOW below ANRLO, HIGH above ANRHI whatever the other bound
    frame = pd.DataFrame({"AVAL": [5.0, 1.0, 5.0, 9.0], "ANRLO": [3.0, 3.0, N, N], "ANRHI": [N, N, 7.0, 7.0]})
    assert column(derive_var_anrind(frame), "ANRIND") == ["NORMAL", "LOW", "NORMAL", "HIGH"]


def test_anrind_null_without_value_or_bounds():
    frame = pd.DataFrame({"AVAL": [N, 5.0], "ANRLO": [3.0, N], "ANRHI": [7.0, N]})
    assert column(derive_var_anrind(frame), "ANRIND") == [None, None]


def test_anrind_with_a1lo_a1hi():
    frame = pd.DataFrame(
        {
            "AVAL": [30.0, 50.0, 105.0, 120.0],
            "ANRLO": [60.0] * 4,
            "ANRHI": [100.0] * 4,
            "A1LO": [40.0] * 4,
            "A1HI": [110.0] * 4,
        }
    )
    out = derive_var_anrind(frame, use_a1hia1lo=True)
    assert column(out, "ANRIND") == ["LOW LOW", "LOW", "HIGH", "HIGH HIGH"]


def test_anrind_compares_at_significant_digits():
    frame = pd.DataFrame({"AVAL": [0.1 + 0.2], "ANRLO": [0.0], "ANRHI": [0.3]})
    assert column(derive_var_anrind(frame), "ANRIND") == ["NORMAL"]


def test_anrind_text_value_is_an_error_naming_it():
    frame = pd.DataFrame({"AVAL": ["5", "<1"], "ANRLO": [3.0, 3.0], "ANRHI": [7.0, 7.0]})
    with pytest.raises(AdamInputError, match=r"^ADLB\.AVAL: values that are not numbers: '<1'$"):
        derive_var_anrind(frame, dataset="ADLB")


# -- baseline flag, BASE, CHG, PCHG -----------------------------------------------------------------


def baseline_input() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": ["P1", "P1", "P1", "P1", "P2", "P2"],
            "PARAMCD": ["ALB"] * 6,
            "ADT": dates("2020-01-01", "2020-01-05", "2020-01-10", "2020-02-01", "2020-01-01", "2020-03-01"),
            "TRTSDT": dates(*["2020-01-10"] * 4, "2020-01-02", "2020-01-02"),
            "AVAL": [38.0, 40.0, N, 42.0, 30.0, 33.0],
            "VISIT": ["SCREENING 1", "SCREENING 2", "BASELINE", "WEEK 2", "SCREENING 1", "WEEK 2"],
        }
    )


def test_base_flag_last_record_with_a_value_on_or_before_the_reference():
    out = derive_var_base_flag(baseline_input(), by=["USUBJID", "PARAMCD"])
    # P1: 2020-01-10 equals TRTSDT but has no AVAL, so 2020-01-05 is the baseline
    assert column(out, "ABLFL") == [None, "Y", None, None, "Y", None]


def test_base_flag_where_restricts_the_candidates():
    out = derive_var_base_flag(baseline_input(), by=["USUBJID", "PARAMCD"], where={"VISIT": "SCREENING 1"})
    assert column(out, "ABLFL") == ["Y", None, None, None, "Y", None]


def test_base_flag_order_breaks_ties_on_the_date():
    frame = pd.DataFrame(
        {
            "USUBJID": ["P1", "P1"],
            "ADT": dates("2020-01-01", "2020-01-01"),
            "TRTSDT": dates("2020-01-02", "2020-01-02"),
            "AVAL": [1.0, 2.0],
            "LBSEQ": [7, 3],
        }
    )
    out = derive_var_base_flag(frame, by=["USUBJID"], order=["ADT", "LBSEQ"])
    assert column(out, "ABLFL") == ["Y", None]


def test_base_flag_from_an_sdtm_flag():
    frame = pd.DataFrame({"USUBJID": ["P1", "P1", "P2"], "PARAMCD": ["ALB"] * 3, "LBLOBXFL": [N, "Y", "Y"]})
    out = derive_var_base_flag(frame, by=["USUBJID", "PARAMCD"], from_flag="LBLOBXFL")
    assert column(out, "ABLFL") == [None, "Y", "Y"]


def test_base_flag_from_a_flag_twice_in_a_group_is_an_error():
    frame = pd.DataFrame({"USUBJID": ["P1", "P1"], "PARAMCD": ["ALB"] * 2, "VSBLFL": ["Y", "Y"]})
    with pytest.raises(
        AdamInputError,
        match=r"^ADVS: VSBLFL is 'Y' on more than one record per USUBJID, PARAMCD: \[\{'USUBJID': 'P1', 'PARAMCD': 'ALB'\}\]$",
    ):
        derive_var_base_flag(frame, by=["USUBJID", "PARAMCD"], from_flag="VSBLFL", dataset="ADVS")


def test_base_flag_missing_reference_column_is_named():
    frame = baseline_input().drop(columns=["TRTSDT"])
    with pytest.raises(AdamInputError, match=r"^ADLB: missing column\(s\) TRTSDT \(it has USUBJID, PARAMCD"):
        derive_var_base_flag(frame, by=["USUBJID", "PARAMCD"], dataset="ADLB")


def with_base_flag() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": ["P1", "P1", "P1", "P2", "P3"],
            "PARAMCD": ["ALB"] * 5,
            "AVAL": [40.0, 42.0, 30.0, 5.0, 0.0],
            "ANRIND": ["NORMAL", "HIGH", "LOW", "NORMAL", "NORMAL"],
            "ABLFL": ["Y", N, N, N, "Y"],
        }
    )


def test_base_on_every_record_of_the_group_null_without_baseline():
    out = derive_var_base(with_base_flag(), by=["USUBJID", "PARAMCD"])
    assert column(out, "BASE") == [40.0, 40.0, 40.0, None, 0.0]


def test_base_of_a_text_source_bnrind():
    out = derive_var_base(with_base_flag(), by=["USUBJID", "PARAMCD"], source="ANRIND", new_var="BNRIND")
    assert column(out, "BNRIND") == ["NORMAL", "NORMAL", "NORMAL", None, "NORMAL"]


def test_base_two_baseline_records_is_an_error():
    frame = with_base_flag()
    frame.loc[1, "ABLFL"] = "Y"
    with pytest.raises(AdamInputError, match=r"^ADLB: more than one ABLFL = 'Y' record per USUBJID, PARAMCD: "):
        derive_var_base(frame, by=["USUBJID", "PARAMCD"], dataset="ADLB")


def test_chg_on_every_record_with_both_values_baseline_zero():
    frame = pd.DataFrame({"AVAL": [40.0, 42.0, N], "BASE": [40.0, 40.0, 40.0]})
    assert column(derive_var_chg(frame), "CHG") == [0.0, 2.0, None]


def test_chg_restricted_to_post_baseline_visits():
    frame = pd.DataFrame({"AVAL": [40.0, 42.0], "BASE": [40.0, 40.0], "AVISITN": [0.0, 2.0]})
    assert column(derive_var_chg(frame, where={"AVISITN": {">": 0}}), "CHG") == [None, 2.0]


def test_pchg_null_when_base_is_zero():
    frame = pd.DataFrame({"AVAL": [50.0, 30.0, 3.0, 3.0], "BASE": [40.0, -40.0, 0.0, N]})
    assert column(derive_var_pchg(frame), "PCHG") == [25.0, 175.0, None, None]


def test_analysis_ratios_named_after_the_denominator():
    frame = pd.DataFrame({"AVAL": [6.0, 6.0], "BASE": [3.0, 0.0], "ANRLO": [2.0, 4.0]})
    out = derive_var_analysis_ratio(derive_var_analysis_ratio(frame), denom_var="ANRLO")
    assert column(out, "R2BASE") == [2.0, None]
    assert column(out, "R2ANRLO") == [3.0, 1.5]


def test_shift_with_null_as_text_and_whole_numbers():
    frame = pd.DataFrame({"BNRIND": ["NORMAL", N, N], "ANRIND": ["HIGH", "LOW", N]})
    assert column(derive_var_shift(frame), "SHIFT1") == ["NORMAL to HIGH", "NULL to LOW", "NULL to NULL"]
    grades = pd.DataFrame({"BTOXGR": [0.0, 1.0], "ATOXGR": [2.0, N], "ATOXDSCL": ["Anemia", N]})
    out = derive_var_shift(
        grades, new_var="SHIFT2", from_var="BTOXGR", to_var="ATOXGR", where={"ATOXDSCL": {"present": True}}
    )
    assert column(out, "SHIFT2") == ["0 to 2", None]


# -- ONTRTFL and visits --------------------------------------------------------------------------------


def test_ontrtfl_between_start_and_end_plus_window():
    frame = pd.DataFrame(
        {
            "ADT": dates("2020-01-01", "2020-01-02", "2020-02-01", "2020-02-05", "2020-02-06", None),
            "TRTSDT": dates(*["2020-01-02"] * 6),
            "TRTEDT": dates(*["2020-02-01"] * 6),
        }
    )
    out = derive_var_ontrtfl(frame, ref_end_window=4)
    assert column(out, "ONTRTFL") == [None, "Y", "Y", "Y", None, "Y"]


def test_ontrtfl_null_without_treatment_start_and_open_ended_without_end():
    frame = pd.DataFrame({"ADT": dates("2020-01-05", "2030-01-01"), "TRTSDT": dates(None, "2020-01-02")})
    out = derive_var_ontrtfl(frame, ref_end_date=None)
    assert column(out, "ONTRTFL") == [None, "Y"]


def test_ontrtfl_pre_timepoint_on_the_first_dose_day_is_not_on_treatment():
    frame = pd.DataFrame(
        {
            "ADT": dates("2020-01-02", "2020-01-02"),
            "TRTSDT": dates("2020-01-02", "2020-01-02"),
            "TRTEDT": dates("2020-02-01", "2020-02-01"),
            "AVISIT": ["Baseline", "Day 1"],
        }
    )
    out = derive_var_ontrtfl(frame, filter_pre_timepoint={"AVISIT": "Baseline"})
    assert column(out, "ONTRTFL") == [None, "Y"]


def test_ontrtfl_span_period_with_end_dates():
    frame = pd.DataFrame(
        {
            "ASTDT": dates("2019-12-01", "2019-12-01", "2019-12-01"),
            "AENDT": dates("2020-01-05", "2019-12-15", None),
            "TRTSDT": dates(*["2020-01-02"] * 3),
            "TRTEDT": dates(*["2020-02-01"] * 3),
        }
    )
    plain = derive_var_ontrtfl(frame, start_date="ASTDT", end_date="AENDT")
    spanning = derive_var_ontrtfl(frame, start_date="ASTDT", end_date="AENDT", span_period=True)
    assert column(plain, "ONTRTFL") == [None, None, None]
    assert column(spanning, "ONTRTFL") == ["Y", None, "Y"]


def test_avisit_title_case_baseline_label_and_visitnum():
    frame = pd.DataFrame(
        {"VISIT": ["SCREENING 1", "BASELINE", "WEEK 2", "UNSCHEDULED 1.1", N], "VISITNUM": [1.0, 2.0, 4.0, 1.1, N]}
    )
    out = derive_vars_avisit(frame, baseline_pattern="SCREEN")
    assert column(out, "AVISIT") == ["Baseline", "Baseline", "Week 2", "Unscheduled 1.1", None]
    assert column(out, "AVISITN") == [0.0, 0.0, 4.0, 1.1, None]


def test_avisit_week_number_and_excluded_visits():
    frame = pd.DataFrame({"VISIT": ["SCREENING 1", "BASELINE", "WEEK 12", "UNSCHEDULED 3.1", "END OF TREATMENT"]})
    out = derive_vars_avisit(frame, exclude_pattern="SCREEN|UNSCHED", number_from="week")
    assert column(out, "AVISIT") == [None, "Baseline", "Week 12", None, "End Of Treatment"]
    assert column(out, "AVISITN") == [None, 0.0, 12.0, None, None]


# -- flags and extreme records ------------------------------------------------------------------------


def test_anl_flag_last_record_per_visit_among_on_treatment():
    frame = pd.DataFrame(
        {
            "USUBJID": ["P1"] * 4,
            "AVISIT": ["Week 2", "Week 2", "Week 4", "Week 4"],
            "ADT": dates("2020-01-15", "2020-01-16", "2020-01-29", "2020-01-29"),
            "AVAL": [5.0, 6.0, 9.0, 7.0],
            "ONTRTFL": ["Y", "Y", "Y", N],
        }
    )
    out = derive_var_anl_flag(frame, by=["USUBJID", "AVISIT"], order=["ADT", "AVAL"], where={"ONTRTFL": "Y"})
    assert column(out, "ANL01FL") == [None, "Y", "Y", None]


def test_extreme_records_maximum_appended_with_set_values():
    frame = pd.DataFrame(
        {
            "USUBJID": ["P1", "P1", "P1", "P2"],
            "ADT": dates("2020-01-01", "2020-01-15", "2020-01-29", "2020-01-15"),
            "AVAL": [9.0, 7.0, 7.0, 3.0],
            "ONTRTFL": [N, "Y", "Y", "Y"],
            "AVISITN": [0.0, 2.0, 4.0, 2.0],
        }
    )
    out = derive_extreme_records(
        frame,
        by=["USUBJID"],
        order=["desc(AVAL)", "ADT"],
        where={"ONTRTFL": "Y"},
        set_values={"DTYPE": "MAXIMUM", "AVISITN": 9998},
    )
    expected = pd.concat(
        [
            frame,
            pd.DataFrame(
                {
                    "USUBJID": ["P1", "P2"],
                    "ADT": dates("2020-01-15", "2020-01-15"),
                    "AVAL": [7.0, 3.0],
                    "ONTRTFL": ["Y", "Y"],
                    "AVISITN": [9998.0, 9998.0],
                    "DTYPE": ["MAXIMUM", "MAXIMUM"],
                }
            ),
        ],
        ignore_index=True,
    )
    assert_frame_equal(out, expected)


def test_extreme_records_last_mode():
    frame = pd.DataFrame({"USUBJID": ["P1", "P1"], "ADT": dates("2020-01-15", "2020-01-29"), "AVAL": [1.0, 2.0]})
    out = derive_extreme_records(frame, by=["USUBJID"], order=["ADT"], mode="last", set_values={"DTYPE": "LOV"})
    assert out.iloc[-1][["AVAL", "DTYPE"]].tolist() == [2.0, "LOV"]
    assert len(out) == 3


def test_extreme_records_without_set_values_is_an_error():
    frame = pd.DataFrame({"USUBJID": ["P1"], "AVAL": [1.0]})
    with pytest.raises(AdamInputError, match=r"^ADLB: derive_extreme_records needs set_values \(e\.g\. DTYPE\)"):
        derive_extreme_records(frame, by=["USUBJID"], order=["AVAL"], set_values={}, dataset="ADLB")


def test_summary_records_average_per_group():
    frame = pd.DataFrame(
        {
            "USUBJID": ["P1", "P1", "P1", "P1"],
            "AVISIT": ["Week 2", "Week 2", "Week 2", "Week 4"],
            "AVAL": [120.0, 130.0, N, 110.0],
        }
    )
    out = derive_summary_records(frame, by=["USUBJID", "AVISIT"], set_values={"DTYPE": "AVERAGE"})
    assert out.iloc[4:].values.tolist() == [["P1", "Week 2", 125.0, "AVERAGE"], ["P1", "Week 4", 110.0, "AVERAGE"]]


def test_summary_records_unknown_statistic_is_an_error():
    frame = pd.DataFrame({"USUBJID": ["P1"], "AVAL": [1.0]})
    with pytest.raises(AdamInputError, match=r"^ADVS: statistic 'mode' is not one of mean, median, min, max, sum$"):
        derive_summary_records(frame, by=["USUBJID"], statistic="mode", set_values={"DTYPE": "X"}, dataset="ADVS")


def test_basetype_records_one_copy_per_matching_basetype_unmatched_kept_null():
    frame = pd.DataFrame({"ATPTN": [815.0, N, 816.0, 999.0]})
    out = derive_basetype_records(
        frame,
        basetypes={
            "LAST: LYING": {"ATPTN": 815},
            "LAST": {"ATPTN": {"present": False}},
            "ANY TIMEPOINT": {"ATPTN": [815, 816]},
        },
    )
    assert column(out, "ATPTN") == [815.0, 815.0, None, 816.0, 999.0]
    assert column(out, "BASETYPE") == ["LAST: LYING", "ANY TIMEPOINT", "LAST", "ANY TIMEPOINT", None]


# -- parameters ------------------------------------------------------------------------------------------


def test_param_lookup_from_a_dict_of_variables():
    frame = pd.DataFrame({"LBTESTCD": ["ALB", "BILI", N]})
    lookup = {
        "ALB": {"PARAMCD": "ALB", "PARAM": "Albumin (g/L)", "PARAMN": 1, "PARCAT1": "CHEMISTRY"},
        "BILI": {"PARAMCD": "BILI", "PARAM": "Bilirubin (umol/L)", "PARAMN": 2, "PARCAT1": "CHEMISTRY"},
    }
    out = derive_vars_param_lookup(frame, lookup=lookup)
    assert column(out, "PARAMCD") == ["ALB", "BILI", None]
    assert column(out, "PARAM") == ["Albumin (g/L)", "Bilirubin (umol/L)", None]
    assert column(out, "PARAMN") == [1.0, 2.0, None]
    assert column(out, "PARCAT1") == ["CHEMISTRY", "CHEMISTRY", None]


def test_param_lookup_unmapped_values_are_an_error():
    frame = pd.DataFrame({"VSTESTCD": ["PULSE", "OXYSAT", "FRMSIZE"]})
    with pytest.raises(
        AdamInputError, match=r"^ADVS\.VSTESTCD: value\(s\) FRMSIZE, OXYSAT not in the parameter lookup$"
    ):
        derive_vars_param_lookup(frame, source="VSTESTCD", lookup={"PULSE": "PULSE"}, dataset="ADVS")


def test_param_lookup_unmapped_kept_null():
    frame = pd.DataFrame({"VSTESTCD": ["PULSE", "OXYSAT"]})
    out = derive_vars_param_lookup(frame, source="VSTESTCD", lookup={"PULSE": "PULSE"}, unmapped="keep")
    assert column(out, "PARAMCD") == ["PULSE", None]


def test_param_lookup_from_a_spec_codelist():
    spec = Spec(
        datasets=(Dataset("ADLB"),),
        variables=(Variable("ADLB", "PARAMCD", order=1, codelist="PARAMCD"), Variable("ADLB", "PARAM", order=2)),
        codelists=(
            Codelist("LBPARAM", terms=(CodelistTerm("ALB", decoded_value="ALBUMIN"),)),
            Codelist("PARAMCD", terms=(CodelistTerm("ALBUMIN", decoded_value="Albumin (g/L)"),)),
        ),
    )
    out = derive_vars_param_lookup(pd.DataFrame({"LBTESTCD": ["ALB"]}), codelist="LBPARAM", spec=spec, dataset="ADLB")
    assert out[["PARAMCD", "PARAM"]].iloc[0].tolist() == ["ALBUMIN", "Albumin (g/L)"]


def vitals() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": ["P1", "P1", "P1", "P1", "P1", "P2"],
            "VISIT": ["SCREENING", "SCREENING", "WEEK 2", "WEEK 2", "WEEK 4", "WEEK 2"],
            "PARAMCD": ["HEIGHT", "WEIGHT", "WEIGHT", "SYSBP", "SYSBP", "WEIGHT"],
            "AVAL": [200.0, 80.0, 100.0, 120.0, 130.0, 70.0],
        }
    )


def test_param_computed_bmi_with_a_constant_height():
    out = derive_param_computed(
        vitals(),
        by=["USUBJID", "VISIT"],
        formula="bmi",
        set_values={"PARAMCD": "BMI"},
        constant_parameters=["HEIGHT"],
    )
    new = out.iloc[len(vitals()) :]
    # 80 / 2^2 and 100 / 2^2; P2 has no height, so no BMI
    assert new[["USUBJID", "VISIT", "PARAMCD", "AVAL"]].values.tolist() == [
        ["P1", "SCREENING", "BMI", 20.0],
        ["P1", "WEEK 2", "BMI", 25.0],
    ]


def test_param_computed_map_needs_both_inputs_at_the_visit():
    frame = pd.DataFrame(
        {
            "USUBJID": ["P1"] * 3,
            "VISIT": ["WEEK 2", "WEEK 2", "WEEK 4"],
            "PARAMCD": ["SYSBP", "DIABP", "SYSBP"],
            "AVAL": [120.0, 90.0, 110.0],
        }
    )
    out = derive_param_computed(frame, by=["USUBJID", "VISIT"], formula="map", set_values={"PARAMCD": "MAP"})
    assert out.iloc[3:][["VISIT", "AVAL"]].values.tolist() == [["WEEK 2", 100.0]]


def test_param_computed_duplicate_input_is_an_error():
    frame = pd.DataFrame({"USUBJID": ["P1", "P1"], "PARAMCD": ["WEIGHT"] * 2, "AVAL": [1.0, 2.0]})
    with pytest.raises(
        AdamInputError, match=r"^ADVS: more than one WEIGHT record per USUBJID: \[\{'USUBJID': 'P1'\}\]$"
    ):
        derive_param_computed(
            frame,
            by=["USUBJID"],
            formula="bmi",
            set_values={"PARAMCD": "BMI"},
            constant_parameters=["HEIGHT"],
            dataset="ADVS",
        )


def test_param_computed_unknown_formula_is_an_error():
    with pytest.raises(
        AdamInputError, match=r"^ADVS: unknown formula 'bsa' \(one of bmi, map, bsa_mosteller, bsa_dubois\)$"
    ):
        derive_param_computed(vitals(), by=["USUBJID"], formula="bsa", set_values={"PARAMCD": "BSA"}, dataset="ADVS")


def test_formulas_bsa_values():
    # 180 cm, 80 kg: Mosteller sqrt(180 * 80 / 3600) = 2; DuBois 0.20247 * 1.8^0.725 * 80^0.425 ~ 1.9964
    assert FORMULAS["bsa_mosteller"].compute(height=180.0, weight=80.0) == pytest.approx(2.0)
    assert FORMULAS["bsa_dubois"].compute(height=180.0, weight=80.0) == pytest.approx(1.9964, abs=1e-4)


# -- ADSL helpers --------------------------------------------------------------------------------------------


def test_merged_param_baseline_weight_from_advs():
    adsl = pd.DataFrame({"USUBJID": ["P1", "P2"]})
    advs = pd.DataFrame(
        {
            "USUBJID": ["P1", "P1", "P1", "P2"],
            "PARAMCD": ["WEIGHT", "WEIGHT", "HEIGHT", "WEIGHT"],
            "AVAL": [80.0, 82.0, 180.0, 60.0],
            "ABLFL": ["Y", N, "Y", N],
        }
    )
    out = derive_var_merged_param(adsl, dataset_add=advs, param="WEIGHT", new_var="WEIGHTBL")
    assert column(out, "WEIGHTBL") == [80.0, None]


def test_merged_param_from_vs_by_its_flag():
    adsl = pd.DataFrame({"USUBJID": ["P1"]})
    vs = pd.DataFrame(
        {"USUBJID": ["P1", "P1"], "VSTESTCD": ["HEIGHT"] * 2, "VSSTRESN": [170.0, 171.0], "VSBLFL": [N, "Y"]}
    )
    out = derive_var_merged_param(
        adsl, dataset_add=vs, param="HEIGHT", param_var="VSTESTCD", source="VSSTRESN", flag="VSBLFL", new_var="HEIGHTBL"
    )
    assert column(out, "HEIGHTBL") == [171.0]


def test_merged_param_twice_for_a_subject_is_an_error():
    adsl = pd.DataFrame({"USUBJID": ["P1"]})
    advs = pd.DataFrame({"USUBJID": ["P1", "P1"], "PARAMCD": ["WEIGHT"] * 2, "AVAL": [1.0, 2.0], "ABLFL": ["Y", "Y"]})
    with pytest.raises(
        AdamInputError, match=r"^ADSL\.WEIGHTBL: more than one PARAMCD = 'WEIGHT' record with ABLFL = Y for P1$"
    ):
        derive_var_merged_param(adsl, dataset_add=advs, param="WEIGHT", new_var="WEIGHTBL")


def test_computed_bmibl():
    adsl = pd.DataFrame({"WEIGHTBL": [80.0, N], "HEIGHTBL": [200.0, 180.0]})
    out = derive_var_computed(adsl, new_var="BMIBL", formula="bmi", weight="WEIGHTBL", height="HEIGHTBL")
    assert column(out, "BMIBL") == [20.0, None]


def test_computed_wrong_inputs_are_named():
    adsl = pd.DataFrame({"WEIGHTBL": [80.0]})
    with pytest.raises(
        AdamInputError, match=r"^ADSL\.BMIBL: formula 'bmi' takes the columns of weight, height \(missing height\)$"
    ):
        derive_var_computed(adsl, new_var="BMIBL", formula="bmi", weight="WEIGHTBL")


# -- the registry ----------------------------------------------------------------------------------------------


def test_registry_needs_and_adds_follow_the_keywords():
    base = DERIVATIONS["derive_var_base"]
    call = {"by": ["USUBJID", "PARAMCD"], "source": "ANRIND", "new_var": "BNRIND"}
    assert base.needed(call) == ("USUBJID", "PARAMCD", "ANRIND", "ABLFL")
    assert base.added(call) == ("BNRIND",)
    chg = DERIVATIONS["derive_var_chg"]
    assert chg.needed({"where": {"AVISITN": {">": 0}}}) == ("AVAL", "BASE", "AVISITN")
    assert library()["derive_vars_dt"].added({"new_prefix": "A", "dtc": "LBDTC"}) == ("ADT", "ADTF")
    assert DERIVATIONS["derive_var_analysis_ratio"].added({"denom_var": "ANRHI"}) == ("R2ANRHI",)


def test_registry_computed_parameter_tokens():
    bmi = DERIVATIONS["derive_param_computed"]
    call = {"by": ["USUBJID", "VISIT"], "formula": "bmi", "set_values": {"PARAMCD": "BMI"}}
    assert bmi.kind == "records"
    assert bmi.added(call) == (param_token("BMI"),)
    assert param_token("WEIGHT") in bmi.needed(call) and param_token("HEIGHT") in bmi.needed(call)
    assert DERIVATIONS["derive_var_computed"].needed(
        {"new_var": "BMIBL", "formula": "bmi", "weight": "WEIGHTBL", "height": "HEIGHTBL"}
    ) == ("WEIGHTBL", "HEIGHTBL")


def test_derive_vars_duration_adds_one_to_a_duration_that_is_not_negative():
    from adam_builder.bds import derive_vars_duration

    frame = pd.DataFrame(
        {
            "ASTDT": pd.to_datetime(["2020-01-01", "2020-01-05", None]),
            "AENDT": pd.to_datetime(["2020-01-03", "2020-01-04", "2020-01-01"]),
        }
    )
    out = derive_vars_duration(frame, new_var="ADURN", new_var_unit="ADURU", start_date="ASTDT", end_date="AENDT")
    assert out["ADURN"].tolist()[:2] == [3.0, -1.0] and pd.isna(out["ADURN"].iloc[2])
    assert out["ADURU"].tolist() == ["DAYS", "DAYS", None]
    plain = derive_vars_duration(frame, new_var="D", start_date="ASTDT", end_date="AENDT", add_one=False)
    assert plain["D"].tolist()[:2] == [2.0, -1.0]


def test_derive_var_cond_flag_is_y_where_the_filter_holds():
    from adam_builder.bds import derive_var_cond_flag

    frame = pd.DataFrame({"LDDTHELD": [0.0, 30.0, 31.0, None]})
    out = derive_var_cond_flag(frame, new_var="DTH30FL", where={"LDDTHELD": {"<=": 30}})
    assert out["DTH30FL"].tolist() == ["Y", "Y", None, None]
    out = derive_var_cond_flag(frame, new_var="F", where={"LDDTHELD": {">": 30}}, false_value="N")
    assert out["F"].tolist() == ["N", "N", "Y", "N"]


def test_derive_param_wbc_abs_adds_the_absolute_count_where_the_visit_has_none():
    from adam_builder.bds import derive_param_wbc_abs

    frame = pd.DataFrame(
        {
            "USUBJID": ["P1", "P1", "P1", "P1", "P1", "P2"],
            "AVISIT": ["W1", "W1", "W2", "W2", "W2", "W1"],
            "PARAMCD": ["WBC", "LYMPHLE", "WBC", "LYMPHLE", "LYMPH", "WBC"],
            "AVAL": [5.0, 0.2, 4.0, 0.5, 2.1, 6.0],
        }
    )
    out = derive_param_wbc_abs(
        frame,
        by=["USUBJID", "AVISIT"],
        diff_code="LYMPHLE",
        set_values={"PARAMCD": "LYMPH", "DTYPE": "CALCULATION"},
    )
    new = out.iloc[len(frame) :].reset_index(drop=True)
    # P1 W1: 5 x 0.2; P1 W2 has its LYMPH record; P2 W1 has no differential
    assert new[["USUBJID", "AVISIT", "PARAMCD", "AVAL", "DTYPE"]].to_dict("records") == [
        {"USUBJID": "P1", "AVISIT": "W1", "PARAMCD": "LYMPH", "AVAL": 1.0, "DTYPE": "CALCULATION"}
    ]
    percent = derive_param_wbc_abs(
        frame.assign(AVAL=[5.0, 20.0, 4.0, 50.0, 2.1, 6.0]),
        by=["USUBJID", "AVISIT"],
        diff_code="LYMPHLE",
        diff_type="percent",
        set_values={"PARAMCD": "LYMPH"},
    )
    assert percent["AVAL"].iloc[-1] == 1.0


def test_filter_records_without_value_keeps_aval_or_avalc_and_the_engine_lists_the_rest():
    from adam_builder.bds import filter_records_without_value
    from adam_builder.library import library

    frame = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1"],
            "PARAMCD": ["WBC", "PROT", "WBC"],
            "LBSEQ": [1.0, 2.0, 3.0],
            "ADT": pd.to_datetime(["2021-01-05", "2021-01-05", "2021-02-01"]),
            "AVAL": [5.1, N, N],
            "AVALC": ["5.1", "TRACE", " "],
        }
    )
    kept, removed = filter_records_without_value(frame, dataset="ADLB")
    assert kept["LBSEQ"].tolist() == [1.0, 2.0] and removed["LBSEQ"].tolist() == [3.0]
    report = library()["filter_records_without_value"].report
    assert report is not None
    assert list(report(removed, {})) == [
        (
            "S1",
            "no value",
            "WBC on 2021-02-01 (LBSEQ 3) has no analysis value (AVAL, AVALC null: the SDTM result was not "
            "standardised); record left out",
        )
    ]
    with pytest.raises(AdamInputError, match=r"ADLB: none of AVAL, AVALC to tell a record with a value"):
        filter_records_without_value(frame[["USUBJID"]], dataset="ADLB")
