"""adam_builder.engine and the spec-driven build: a dataset from its class and its variables'
methods; what cannot be followed is an error naming sheet and row; partial SDTM; a given ADSL."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from adam_builder.build import adam_inputs, build_adam, plan_adam
from adam_builder.common import (
    AdamInputError,
    derive_var_assigned,
    derive_var_copy,
    derive_var_decode,
    derive_var_single_term,
)
from adam_builder.engine import plan_dataset, run_plan
from adam_builder.library import describe_library, library
from adam_builder.registry import RECORDS, Derivation, columns_of, param_token
from specs import load_spec, study_workbook
from specs.config import AdamSettings
from specs.findings import SpecError
from specs.model import Codelist, CodelistTerm, Dataset, Location, Method, Spec, Variable

CTX = "cdisc-build"


def method(mid: str, code: str | None, row: int) -> Method:
    return Method(mid, expression_context=CTX if code else None, expression_code=code, loc=Location("Methods", row))


def var(dataset: str, name: str, row: int, **kw) -> Variable:
    return Variable(dataset, name, order=row, loc=Location("Variables", row), **kw)


def adsl_spec(*extra: Variable, methods: tuple[Method, ...] = ()) -> Spec:
    return Spec(
        datasets=(Dataset("ADSL", dataset_class="SUBJECT LEVEL ANALYSIS DATASET", keys=("USUBJID",)),),
        variables=(
            var("ADSL", "STUDYID", 2, predecessor="DM.STUDYID", data_type="text"),
            var("ADSL", "USUBJID", 3, predecessor="DM.USUBJID", data_type="text"),
            var("ADSL", "AGE", 4, predecessor="DM.AGE", data_type="integer"),
            *extra,
        ),
        methods=methods,
        codelists=(Codelist("AGEGR1", terms=(CodelistTerm("<65"), CodelistTerm(">=65"))),),
    )


DM = pd.DataFrame(
    {
        "STUDYID": ["X", "X"],
        "USUBJID": ["S1", "S2"],
        "SUBJID": ["1", "2"],
        "SITEID": ["01", "01"],
        "AGE": [45, 70],
        "RFICDTC": ["2020-12-20", "2020-12-21"],
        "DTHDTC": [None, None],
    }
)


def test_a_variable_added_to_the_spec_with_a_method_of_the_library_is_derived():
    spec = adsl_spec(
        var("ADSL", "AGEGR1", 5, method="MT.AGEGR1", codelist="AGEGR1", data_type="text"),
        var("ADSL", "AGEC", 6, method="MT.AGEC", data_type="integer"),
        methods=(
            method("MT.AGEGR1", "derive_vars_age_group()", 2),
            method("MT.AGEC", 'derive_var_copy(new_var="AGEC", source="AGE")', 3),
        ),
    )
    out = build_adam({"DM": DM.drop(columns=["SUBJID", "SITEID"])}, spec=spec, settings=AdamSettings()).datasets["ADSL"]
    assert out.columns.tolist() == ["STUDYID", "USUBJID", "AGE", "AGEGR1", "AGEC"]  # only the spec's
    assert out["AGEGR1"].tolist() == ["<65", ">=65"]
    assert out["AGEC"].tolist() == [45.0, 70.0]


def test_what_the_engine_cannot_follow_is_an_error_naming_sheet_and_row_all_at_once():
    spec = adsl_spec(
        var("ADSL", "BMIBL", 5, method="MT.BMIBL"),  # a method without code
        var("ADSL", "HEIGHTBL", 6, method="MT.HT"),  # a derivation the library lacks
        var("ADSL", "WEIGHTBL", 7),  # no origin at all
        var("ADSL", "X", 8, method="MT.BAD"),  # code that does not parse
        var("ADSL", "Y", 9, method="MT.KW"),  # a keyword the derivation lacks
        var("ADSL", "Z", 10, method="MT.NONE"),  # a method not in the sheet
        methods=(
            method("MT.BMIBL", None, 2),
            method("MT.HT", "derive_var_height()", 3),
            method("MT.BAD", "derive_var_x(", 4),
            method("MT.KW", 'derive_var_copy(new_var="Y", source="AGE", colour="red")', 5),
        ),
    )
    with pytest.raises(SpecError) as caught:
        plan_dataset(spec, "ADSL")
    found = [(f.sheet, f.row, f.column, f.message) for f in caught.value.findings]
    assert found == [
        (
            "Methods",
            3,
            "Expression Code",
            "method MT.HT (used by ADSL.HEIGHTBL, Variables row 6) calls 'derive_var_height', which is not a "
            "derivation of the library (cdisc-build adam --list-derivations lists them)",
        ),
        ("Methods", 4, "Expression Code", "method MT.BAD: 'derive_var_x(': not a call ('(' was never closed)"),
        (
            "Methods",
            5,
            "Expression Code",
            "method MT.KW: derive_var_copy: no keyword colour (it takes dataset, new_var, source)",
        ),
        ("Variables", 10, "Method", "ADSL.Z, Variables row 10: method MT.NONE is not in the Methods sheet"),
        (
            "Methods",
            2,
            "Expression Code",
            "ADSL.BMIBL, Variables row 5: its method MT.BMIBL has no Expression Code naming a derivation of "
            "the library, and no derivation of the dataset adds the variable",
        ),
        (
            "Variables",
            7,
            "Method",
            "ADSL.WEIGHTBL, Variables row 7: no Method, Assigned Value or Predecessor says how it is derived",
        ),
    ]


def test_a_bds_without_a_create_method_starts_from_its_one_source_domain():
    spec = Spec(
        datasets=(Dataset("ADXX", dataset_class="BASIC DATA STRUCTURE", keys=("USUBJID", "XXSEQ")),),
        variables=(
            var("ADXX", "USUBJID", 1, predecessor="XX.USUBJID"),
            var("ADXX", "XXSEQ", 2, predecessor="XX.XXSEQ", data_type="integer"),
            var("ADXX", "AVAL", 3, predecessor="XX.XXSTRESN", data_type="float"),
            var("ADXX", "AGE", 4, predecessor="ADSL.AGE", data_type="integer"),
            var("ADXX", "PARCAT1", 5, assigned_value="VITALS"),
        ),
    )
    plan = plan_dataset(spec, "ADXX")
    assert (plan.source, plan.copies, plan.merges, plan.required) == (
        "XX",
        (("USUBJID", "USUBJID"), ("XXSEQ", "XXSEQ"), ("AVAL", "XXSTRESN")),
        (("AGE", "AGE"),),
        ("XX", "ADSL"),
    )
    xx = pd.DataFrame({"USUBJID": ["S2", "S1"], "XXSEQ": [1, 1], "XXSTRESN": [7.5, 8.0]})
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2"], "AGE": [45.0, 70.0]})
    result = build_adam({"DM": DM, "XX": xx}, spec=spec, settings=AdamSettings(), given={"ADSL": adsl})
    expected = pd.DataFrame(
        {"USUBJID": ["S1", "S2"], "XXSEQ": [1.0, 1.0], "AVAL": [8.0, 7.5], "AGE": [45.0, 70.0], "PARCAT1": "VITALS"}
    )
    assert_frame_equal(result.datasets["ADXX"], expected)


def test_two_source_domains_and_no_create_method_is_an_error_naming_them():
    spec = Spec(
        datasets=(Dataset("ADXX", dataset_class="BASIC DATA STRUCTURE", loc=Location("Datasets", 4)),),
        variables=(var("ADXX", "A", 1, predecessor="LB.LBSEQ"), var("ADXX", "B", 2, predecessor="VS.VSSEQ")),
    )
    with pytest.raises(SpecError, match=r"sheet Datasets, row 4, column Class: ADXX: nothing makes its records"):
        plan_dataset(spec, "ADXX")


def test_calls_run_in_methods_order_each_after_what_it_needs_identical_calls_once():
    calls = []

    def first(frame, *, tag):
        calls.append(tag)
        return frame.assign(**{tag: 1})

    lib = {
        "make": Derivation(lambda: pd.DataFrame({"USUBJID": ["S1"]}), kind="create", adds=("USUBJID",)),
        "add_a": Derivation(first, needs=("B",), adds=columns_of(tag=None)),
        "add_b": Derivation(first, needs=(), adds=columns_of(tag=None)),
    }
    spec = Spec(
        datasets=(Dataset("ADXX"),),
        variables=(
            var("ADXX", "A", 1, method="MT.A"),
            var("ADXX", "B", 2, method="MT.B"),
            var("ADXX", "C", 3, method="MT.A"),
            var("ADXX", "USUBJID", 4, method="MT.MAKE"),
        ),
        methods=(
            method("MT.A", 'add_a(tag="A")', 2),
            method("MT.B", 'add_b(tag="B")', 3),
            method("MT.MAKE", "make()", 4),
        ),
    )
    plan = plan_dataset(spec, "ADXX", derivations=lib)
    assert [s.name for s in plan.steps] == ["make", "add_b", "add_a"]  # A waits for B; the create first
    assert [s.needs for s in plan.steps] == [(), (), ("B",)]


def test_methods_that_need_each_other_are_an_error_naming_them():
    lib = {
        "a": Derivation(lambda f: f, needs=("Y",), adds=("X",)),
        "b": Derivation(lambda f: f, needs=("X",), adds=("Y",)),
        "make": Derivation(lambda f: f, kind="records", needs=(RECORDS,)),
    }
    spec = Spec(
        datasets=(Dataset("ADXX"),),
        variables=(
            var("ADXX", "X", 1, method="MT.A"),
            var("ADXX", "Y", 2, method="MT.B"),
            var("ADXX", "USUBJID", 3, method="MT.MAKE"),
        ),
        methods=(method("MT.A", "a()", 2), method("MT.B", "b()", 3), method("MT.MAKE", "make()", 4)),
    )
    with pytest.raises(AdamInputError, match=r"ADXX: the methods need each other's results in a loop: MT\.A"):
        plan_dataset(spec, "ADXX", derivations=lib)


def test_run_plan_names_the_method_when_a_derivation_fails():
    from adam_builder.context import AdamRun

    spec = adsl_spec(
        var("ADSL", "AGEGR1", 5, method="MT.AGEGR1", codelist="AGEGR1"),
        methods=(method("MT.AGEGR1", "derive_vars_age_group()", 2),),
    )
    run = AdamRun(sdtm={"DM": DM.drop(columns="AGE")}, spec=spec, settings=AdamSettings())
    with pytest.raises(AdamInputError, match=r"MT\.AGEGR1 \(Methods row 2\): derive_vars_age_group: ADSL: missing"):
        run_plan(plan_dataset(spec, "ADSL"), run)


# -- the built-in spec ------------------------------------------------------

BUILTIN = load_spec(study_workbook("adam")).spec


def test_the_built_in_spec_plans_every_dataset_in_the_order_they_read_each_other():
    plans = plan_adam(BUILTIN)
    assert list(plans) == ["ADSL", "ADRS", "ADTTE", "ADTR", "ADAE", "ADLB", "ADVS"]
    assert plans["ADRS"].required == ("RS", "ADSL")  # TU and TR only for the computed response
    assert plans["ADTTE"].required == ("ADSL", "ADRS")
    assert list(plan_adam(BUILTIN, only=("ADTTE",))) == ["ADSL", "ADRS", "ADTTE"]
    with pytest.raises(AdamInputError, match="ADXX: not a dataset of the ADaM spec"):
        plan_adam(BUILTIN, only=("ADXX",))


def test_adam_inputs_are_the_sdtm_datasets_the_spec_reads():
    assert adam_inputs(BUILTIN) == (
        "DM",
        "AE",
        "CM",
        "DD",
        "DS",
        "EX",
        "LB",
        "RS",
        "SUPPAE",
        "SUPPDM",
        "SV",
        "TR",
        "TS",
        "TU",
        "VS",
    )


RS = pd.DataFrame(
    {
        "STUDYID": ["X"] * 3,
        "USUBJID": ["S1", "S1", "S2"],
        "RSSEQ": [1, 2, 1],
        "RSTESTCD": ["OVRLRESP"] * 3,
        "RSEVAL": ["INVESTIGATOR"] * 3,
        "RSSTRESC": ["PR", "PR", "PD"],
        "RSDTC": ["2021-02-16", "2021-03-30", "2021-02-16"],
        "VISIT": ["WEEK 6", "WEEK 12", "WEEK 6"],
        "VISITNUM": [2.0, 3.0, 2.0],
    }
)


def test_adrs_from_rs_and_a_given_adsl_alone():
    adsl = pd.DataFrame(
        {
            "STUDYID": ["X", "X"],
            "USUBJID": ["S1", "S2"],
            "SUBJID": ["1", "2"],
            "SITEID": ["01", "01"],
            "AGE": [45.0, 70.0],
            "SEX": ["F", "M"],
            "TRT01P": ["A", "A"],
            "TRT01A": ["A", "A"],
            "TRTSDT": pd.to_datetime(["2021-01-05", "2021-01-05"]),
            "SAFFL": ["Y", "Y"],
            "FASFL": ["Y", "Y"],
            "RSPEVLFL": ["Y", "Y"],
            "DTHDT": pd.to_datetime([None, None]),
            "LSTALVDT": pd.to_datetime(["2021-03-30", "2021-02-16"]),
            "RANDDT": pd.to_datetime(["2021-01-04", "2021-01-03"]),
        }
    )
    result = build_adam({"DM": DM, "RS": RS}, spec=BUILTIN, settings=AdamSettings(), given={"ADSL": adsl})
    assert "ADSL" not in result.datasets  # used as it is: an input, not an output
    adrs = result.datasets["ADRS"]
    bor = adrs[adrs["PARAMCD"] == "BOR"].set_index("USUBJID")["AVALC"].to_dict()
    assert bor == {"S1": "PR", "S2": "PD"}
    assert "OVRC" not in set(adrs["PARAMCD"]) and "MDIS" not in set(adrs["PARAMCD"])
    errors = result.issues[result.issues["severity"] == "error"]
    assert errors[["dataset", "kind"]].values.tolist() == [
        ["ADTR", "not derived"],
        ["ADAE", "not derived"],
        ["ADLB", "not derived"],
        ["ADVS", "not derived"],
    ]
    assert result.issues.loc[result.issues["severity"] == "warning", "message"].tolist() == [
        "MT.OVRC (Methods row 28): create_computed_records not run: the SDTM folder has no TU, TR",
        "MT.MDIS (Methods row 36): derive_param_mdis not run: the SDTM folder has no TU",
    ]
    assert errors["message"].tolist()[0].startswith("ADTR not derived: it needs TR, which neither the SDTM folder")
    assert sorted(result.datasets) == ["ADRS", "ADTTE"]


def test_adrs_from_rs_and_dm_alone_derives_adsl_from_dm_and_says_what_it_could_not():
    result = build_adam({"DM": DM, "RS": RS}, spec=BUILTIN, settings=AdamSettings(), only=("ADRS",))
    assert sorted(result.datasets) == ["ADRS", "ADSL"]
    warned = result.issues.loc[result.issues["kind"] == "not derived", "message"].tolist()
    assert "MT.TRTSDT (Methods row 6): derive_vars_trt_dates not run: the SDTM folder has no EX" in warned
    assert result.datasets["ADSL"]["TRTSDT"].isna().all()


# -- the library --------------------------------------------------------------


def test_describe_library_lists_every_derivation_with_its_kind_and_module():
    rows = describe_library()
    assert len(rows) == len(library())
    row = next(r for r in rows if r["name"] == "derive_param_bor")
    assert (row["kind"], row["module"]) == ("records", "adam_builder.adrs")
    assert row["does"]


def test_needs_and_adds_from_the_keywords_of_a_call():
    pick = columns_of("A", by=None, new_var="X")
    assert pick({"by": ["USUBJID", "PARAMCD"]}) == ("A", "USUBJID", "PARAMCD", "X")
    assert pick({"new_var": "Y"}) == ("A", "Y")
    assert param_token("BOR") == "PARAMCD=BOR"


def test_derive_var_single_term_assigned_and_copy():
    spec = Spec(
        variables=(Variable("ADXX", "AVALU", codelist="U"), Variable("ADXX", "PARCAT1", codelist="TWO")),
        codelists=(
            Codelist("U", terms=(CodelistTerm("DAYS"),)),
            Codelist("TWO", terms=(CodelistTerm("A"), CodelistTerm("B"))),
        ),
    )
    frame = pd.DataFrame({"PARAMCD": ["OVR", "BOR", "DEATH"], "PARCAT2": [None, None, None], "AGE": [1, 2, 3]})
    assert derive_var_single_term(frame, spec=spec, dataset="ADXX", new_var="AVALU")["AVALU"].tolist() == ["DAYS"] * 3
    with pytest.raises(AdamInputError, match=r"ADXX\.PARCAT1: its codelist in the spec does not have exactly one term"):
        derive_var_single_term(frame, spec=spec, dataset="ADXX", new_var="PARCAT1")
    filled = derive_var_assigned(
        frame.assign(PARCAT2=["X", None, None]), new_var="PARCAT2", value="INV", exclude_params=["DEATH"]
    )
    assert filled["PARCAT2"].tolist() == ["X", "INV", None]
    assert derive_var_assigned(frame, new_var="NEW", value=2.0)["NEW"].tolist() == [2.0, 2.0, 2.0]
    assert derive_var_copy(frame, new_var="AGEC", source="AGE")["AGEC"].tolist() == [1, 2, 3]
    with pytest.raises(AdamInputError, match=r"ADXX: missing column\(s\) TRT01A"):
        derive_var_copy(frame, new_var="TRTA", source="TRT01A", dataset="ADXX")


# -- the built-in spec extended by rows alone ----------------------------------------------

VS_LITERAL = pd.DataFrame(
    {
        "STUDYID": ["X"] * 5,
        "DOMAIN": ["VS"] * 5,
        "USUBJID": ["S1", "S1", "S1", "S2", "S2"],
        "VSSEQ": [1.0, 2.0, 3.0, 1.0, 2.0],
        "VSTESTCD": ["HEIGHT", "WEIGHT", "WEIGHT", "HEIGHT", "WEIGHT"],
        "VSSTRESN": [160.0, 64.0, 62.0, 200.0, 100.0],
        "VSBLFL": ["Y", "Y", None, "Y", "Y"],
        "VSDTC": ["2021-01-02", "2021-01-02", "2021-02-01", "2021-01-03", "2021-01-03"],
    }
)
EX_LITERAL = pd.DataFrame(
    {
        "STUDYID": ["X", "X"],
        "USUBJID": ["S1", "S2"],
        "EXTRT": ["DRUG", "DRUG"],
        "EXDOSE": [10.0, 10.0],
        "EXSTDTC": ["2021-01-05", "2021-01-06"],
        "EXENDTC": ["2021-03-01", "2021-03-01"],
    }
)
DM_LITERAL = pd.DataFrame(
    {
        "STUDYID": ["X", "X"],
        "USUBJID": ["S1", "S2"],
        "SUBJID": ["1", "2"],
        "SITEID": ["01", "01"],
        "AGE": [45.0, 70.0],
        "RFICDTC": ["2021-01-01", "2021-01-01"],
    }
)


def _extended(variables: tuple[Variable, ...], methods: tuple[Method, ...], datasets: tuple[Dataset, ...] = ()) -> Spec:
    import dataclasses

    base = load_spec(study_workbook("adam")).spec
    return dataclasses.replace(
        base,
        datasets=base.datasets + datasets,
        variables=base.variables + variables,
        methods=base.methods + methods,
    )


def test_bmibl_added_to_the_built_in_spec_by_rows_alone_appears_in_adsl():
    spec = _extended(
        (
            var("ADSL", "HEIGHTBL", 900, data_type="float", method="MT.HEIGHTBL"),
            var("ADSL", "WEIGHTBL", 901, data_type="float", method="MT.WEIGHTBL"),
            var("ADSL", "BMIBL", 902, data_type="float", method="MT.BMIBL"),
        ),
        (
            method(
                "MT.HEIGHTBL",
                'derive_var_merged_param(dataset_add=VS, param="HEIGHT", param_var="VSTESTCD", '
                'source="VSSTRESN", flag="VSBLFL", new_var="HEIGHTBL")',
                900,
            ),
            method(
                "MT.WEIGHTBL",
                'derive_var_merged_param(dataset_add=VS, param="WEIGHT", param_var="VSTESTCD", '
                'source="VSSTRESN", flag="VSBLFL", new_var="WEIGHTBL")',
                901,
            ),
            method(
                "MT.BMIBL",
                'derive_var_computed(new_var="BMIBL", formula="bmi", weight="WEIGHTBL", height="HEIGHTBL")',
                902,
            ),
        ),
    )
    result = build_adam(
        {"DM": DM_LITERAL, "VS": VS_LITERAL, "EX": EX_LITERAL}, spec=spec, settings=AdamSettings(), only=("ADSL",)
    )
    adsl = result.datasets["ADSL"].set_index("USUBJID")
    # 64 / 1.6^2 = 25; 100 / 2^2 = 25
    assert adsl[["HEIGHTBL", "WEIGHTBL", "BMIBL"]].round(9).to_dict("index") == {
        "S1": {"HEIGHTBL": 160.0, "WEIGHTBL": 64.0, "BMIBL": 25.0},
        "S2": {"HEIGHTBL": 200.0, "WEIGHTBL": 100.0, "BMIBL": 25.0},
    }


def test_a_bds_dataset_added_to_the_built_in_spec_by_rows_alone_is_derived():
    adwt = Dataset("ADWT", dataset_class="BASIC DATA STRUCTURE", keys=("USUBJID", "PARAMCD", "ADT"))
    spec = _extended(
        (
            var("ADWT", "STUDYID", 1, data_type="text", predecessor="VS.STUDYID"),
            var("ADWT", "USUBJID", 2, data_type="text", predecessor="VS.USUBJID"),
            var("ADWT", "PARAMCD", 3, data_type="text", method="MT.PARAMCD_WT"),
            var("ADWT", "AVAL", 4, data_type="float", predecessor="VS.VSSTRESN"),
            var("ADWT", "ADT", 5, data_type="integer", display_format="DATE9.", method="MT.ADT_WT"),
            var("ADWT", "TRTSDT", 6, data_type="integer", display_format="DATE9.", predecessor="ADSL.TRTSDT"),
            var("ADWT", "ABLFL", 7, data_type="text", method="MT.ABLFL_WT"),
            var("ADWT", "BASE", 8, data_type="float", method="MT.BASE_WT"),
            var("ADWT", "CHG", 9, data_type="float", method="MT.CHG_WT"),
        ),
        (
            method("MT.PARAMCD_WT", 'derive_vars_param_lookup(source="VSTESTCD", lookup={"WEIGHT": "WEIGHT"})', 910),
            method("MT.ADT_WT", 'derive_vars_dt(new_prefix="A", dtc="VSDTC", flag_imputation=False)', 911),
            method("MT.ABLFL_WT", 'derive_var_base_flag(by=["USUBJID", "PARAMCD"])', 912),
            method("MT.BASE_WT", 'derive_var_base(by=["USUBJID", "PARAMCD"])', 913),
            method("MT.CHG_WT", 'derive_var_chg(where={"ABLFL": {"present": False}})', 914),
        ),
        (adwt,),
    )
    weights = VS_LITERAL[VS_LITERAL["VSTESTCD"] == "WEIGHT"]
    result = build_adam(
        {"DM": DM_LITERAL, "VS": weights, "EX": EX_LITERAL}, spec=spec, settings=AdamSettings(), only=("ADWT",)
    )
    got = result.datasets["ADWT"]
    got = got.assign(ADT=got["ADT"].dt.strftime("%Y-%m-%d"))[
        ["USUBJID", "PARAMCD", "AVAL", "ADT", "ABLFL", "BASE", "CHG"]
    ]
    assert got.astype(object).where(got.notna(), None).to_dict("records") == [
        {
            "USUBJID": "S1",
            "PARAMCD": "WEIGHT",
            "AVAL": 64.0,
            "ADT": "2021-01-02",
            "ABLFL": "Y",
            "BASE": 64.0,
            "CHG": None,
        },
        {
            "USUBJID": "S1",
            "PARAMCD": "WEIGHT",
            "AVAL": 62.0,
            "ADT": "2021-02-01",
            "ABLFL": None,
            "BASE": 64.0,
            "CHG": -2.0,
        },
        {
            "USUBJID": "S2",
            "PARAMCD": "WEIGHT",
            "AVAL": 100.0,
            "ADT": "2021-01-03",
            "ABLFL": "Y",
            "BASE": 100.0,
            "CHG": None,
        },
    ]


def test_derive_var_decode_by_a_codelist_of_the_spec():
    spec = Spec(codelists=(Codelist("RACEGR", terms=(CodelistTerm("WHITE", decoded_value="White"),)),))
    frame = pd.DataFrame({"RACE": ["WHITE", "ASIAN", None]})
    out = derive_var_decode(frame, spec=spec, new_var="RACEGR1", source="RACE", codelist="RACEGR", dataset="ADSL")
    assert out["RACEGR1"].tolist() == ["White", None, None]
    with pytest.raises(AdamInputError, match=r"ADSL\.RACEGR1: the spec has no codelist RACEGRX"):
        derive_var_decode(frame, spec=spec, new_var="RACEGR1", source="RACE", codelist="RACEGRX", dataset="ADSL")


def test_record_date_names_a_record_by_its_date_or_says_it_is_unknown():
    from collections import namedtuple

    from adam_builder.registry import record_date

    Row = namedtuple("Row", ["ADT"])
    assert record_date(Row(pd.Timestamp("2021-02-12"))) == "2021-02-12"
    assert record_date(Row(pd.NaT)) == "an unknown date"
    assert record_date(Row(pd.Timestamp("2021-02-12")), "ASTDT") == "an unknown date"  # no such column
