"""adam_builder.build: reading SDTM, loading the spec, running the recipes, writing, on literal inputs."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from adam_builder.build import AdamResult, build_adam, load_adam_spec, read_sdtm, write_adam
from adam_builder.common import AdamInputError
from specs.config import AdamSettings
from specs.findings import SpecLayoutError
from specs.model import Codelist, CodelistTerm, Dataset, Method, Spec, Variable


def test_read_sdtm_csv_typed_by_the_sdtm_spec(tmp_path):
    (tmp_path / "dm.csv").write_text("STUDYID,USUBJID,AGE\nX,S1,45\nX,S2,\n")
    (tmp_path / "ae.csv").write_text("STUDYID,USUBJID,AESEQ\n")
    (tmp_path / "xx.csv").write_text("A\n1\n")  # not an input of the recipes
    spec = Spec(
        datasets=(Dataset("DM"),),
        variables=(
            Variable("DM", "STUDYID", data_type="text"),
            Variable("DM", "USUBJID", data_type="text"),
            Variable("DM", "AGE", data_type="integer"),
        ),
    )
    out = read_sdtm(tmp_path, sdtm_spec=spec)
    assert sorted(out) == ["AE", "DM"]
    assert_frame_equal(out["DM"], pd.DataFrame({"STUDYID": ["X", "X"], "USUBJID": ["S1", "S2"], "AGE": [45.0, np.nan]}))
    assert out["AE"].empty and list(out["AE"].columns) == ["STUDYID", "USUBJID", "AESEQ"]
    untyped = read_sdtm(tmp_path)
    assert untyped["DM"]["AGE"].tolist() == ["45", None]  # without a spec CSV stays text


def test_read_sdtm_without_dm_names_it(tmp_path):
    (tmp_path / "ae.csv").write_text("STUDYID,USUBJID\n")
    with pytest.raises(FileNotFoundError, match=r"no DM dataset \(dm.xpt, dm.csv"):
        read_sdtm(tmp_path)


def test_load_adam_spec(tmp_path):
    spec = load_adam_spec("specs/workbooks/adam_spec.xlsx")
    assert [d.name for d in spec.datasets] == ["ADSL", "ADRS", "ADTTE", "ADTR", "ADAE", "ADLB", "ADVS"]
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    with pytest.raises(SpecLayoutError, match="cannot be opened as an xlsx workbook"):
        load_adam_spec(tmp_path / "bad.xlsx")


ADSL_SPEC = Spec(
    datasets=(Dataset("ADSL", keys=("STUDYID", "USUBJID")),),
    variables=(
        Variable("ADSL", "STUDYID", order=1, data_type="text", predecessor="DM.STUDYID"),
        Variable("ADSL", "USUBJID", order=2, data_type="text", predecessor="DM.USUBJID"),
        Variable("ADSL", "AGE", order=3, data_type="float", predecessor="DM.AGE"),
        Variable("ADSL", "AGEGR1", order=4, data_type="text", codelist="AGEGR1", method="MT.AGEGR1"),
        Variable("ADSL", "SAFFL", order=5, data_type="text", method="MT.SAFFL"),
    ),
    codelists=(Codelist("AGEGR1", terms=(CodelistTerm("<65"), CodelistTerm(">=65"))),),
    methods=(
        Method("MT.AGEGR1", expression_context="cdisc-build", expression_code="derive_vars_age_group()"),
        Method(
            "MT.SAFFL",
            expression_context="cdisc-build",
            expression_code='derive_vars_trt_dates(ex=EX)\nderive_vars_populations(tu=TU, evaluator="INVESTIGATOR")',
        ),
    ),
)
SDTM = {
    "dm": pd.DataFrame({"STUDYID": ["X", "X"], "USUBJID": ["S1", "S2"], "AGE": [45, 70], "DTHDTC": [None, None]}),
    "EX": pd.DataFrame({"USUBJID": ["S1"], "EXDOSE": [12], "EXSTDTC": ["2021-01-05"], "EXENDTC": ["2021-03-01"]}),
    "DS": pd.DataFrame({"USUBJID": ["S1"], "DSDECOD": ["RANDOMIZED"], "DSSTDTC": ["2021-01-04"]}),
    "CM": pd.DataFrame(columns=["USUBJID", "CMCAT", "CMSTDTC"]),
}


def test_build_adam_runs_the_methods_of_the_spec_and_reports_empty_inputs():
    notes = []
    result = build_adam(SDTM, spec=ADSL_SPEC, settings=AdamSettings(), progress=notes.append)
    assert notes == ["deriving ADSL"]  # the spec has no other dataset
    expected = pd.DataFrame(
        {
            "STUDYID": ["X", "X"],
            "USUBJID": ["S1", "S2"],
            "AGE": [45.0, 70.0],
            "AGEGR1": ["<65", ">=65"],
            "SAFFL": ["Y", "N"],
        }
    )
    assert_frame_equal(result.datasets["ADSL"], expected)
    assert result.failures.empty
    assert result.issues.to_dict("records") == [
        {
            "dataset": "CM",
            "USUBJID": None,
            "severity": "warning",
            "kind": "empty input",
            "message": "CM has no records: the derivations of no ADaM dataset that need its records produce none from it",
        }
    ]


def test_build_adam_refuses_an_empty_dm():
    with pytest.raises(AdamInputError, match="DM has no records"):
        build_adam({**SDTM, "dm": SDTM["dm"].iloc[0:0]}, spec=ADSL_SPEC, settings=AdamSettings())


def test_write_adam_writes_the_datasets_failures_and_issues(tmp_path):
    adsl = pd.DataFrame({"STUDYID": ["X"], "USUBJID": ["S1"], "AGE": [45.0], "AGEGR1": ["<65"], "SAFFL": ["Y"]})
    issues = pd.DataFrame(
        [["CM", None, "empty input", "CM has no records"]], columns=["dataset", "USUBJID", "kind", "message"]
    )
    result = AdamResult(
        spec=ADSL_SPEC, settings=AdamSettings(), datasets={"ADSL": adsl}, failures=pd.DataFrame(), issues=issues
    )
    write_adam(result, tmp_path / "out", formats=("csv",))
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert {"adsl.csv", "issues.csv", "schema_failures.csv"} <= set(names)
    assert (tmp_path / "out" / "adsl.csv").read_text().splitlines() == [
        "STUDYID,USUBJID,AGE,AGEGR1,SAFFL",
        "X,S1,45.0,<65,Y",
    ]
    assert (tmp_path / "out" / "issues.csv").read_text().splitlines() == [
        "dataset,USUBJID,kind,message",
        "CM,,empty input,CM has no records",
    ]


def test_read_given_types_csv_by_the_spec_and_refuses_a_duplicate_subject(tmp_path):
    from adam_builder.build import read_given

    spec = Spec(
        datasets=(Dataset("ADSL"),),
        variables=(
            Variable("ADSL", "USUBJID", data_type="text"),
            Variable("ADSL", "TRTSDT", data_type="integer", display_format="DATE9."),
        ),
    )
    (tmp_path / "adsl.csv").write_text("USUBJID,TRTSDT\nS1,2021-01-05\nS2,\n")
    frame = read_given(tmp_path / "adsl.csv", spec=spec, name="ADSL")
    assert frame["TRTSDT"].tolist()[0] == pd.Timestamp("2021-01-05") and pd.isna(frame["TRTSDT"].tolist()[1])
    (tmp_path / "dup.csv").write_text("USUBJID,TRTSDT\nS1,2021-01-05\nS1,\n")
    with pytest.raises(
        AdamInputError, match=r"dup\.csv: the given ADSL has more than one record per USUBJID, e\.g\. \['S1'\]"
    ):
        read_given(tmp_path / "dup.csv", spec=spec, name="ADSL")
    (tmp_path / "nokey.csv").write_text("SUBJID\n1\n")
    with pytest.raises(AdamInputError, match=r"nokey\.csv: the given ADSL has no USUBJID"):
        read_given(tmp_path / "nokey.csv", spec=spec, name="ADSL")
