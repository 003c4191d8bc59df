"""The common steps of every collected dataset, planned from the spec's variables and roles."""

from __future__ import annotations

import pandas as pd

from sdtm_builder.context import SdtmRun
from sdtm_builder.issues import IssueLog
from sdtm_builder.raw import RawData
from sdtm_builder.recipes.common import DerivationPlan, derivation_plan, derive_common
from specs import model as m


def _var(name: str, order: int, role: str | None, data_type: str = "text") -> m.Variable:
    return m.Variable("AE", name, order, name, data_type, role=role)


SPEC = m.Spec(
    datasets=(m.Dataset("AE", "Adverse Events", keys=("STUDYID", "USUBJID", "AESTDTC", "AETERM")),),
    variables=(
        _var("STUDYID", 1, "Identifier"),
        _var("USUBJID", 2, "Identifier"),
        _var("AESEQ", 3, "Identifier", "integer"),
        _var("AETERM", 4, "Topic"),
        _var("EPOCH", 5, "Timing"),
        _var("AESTDTC", 6, "Timing"),
        _var("AEENDTC", 7, "Timing"),
        _var("AESTDY", 8, "Timing", "integer"),
        _var("AEENDY", 9, "Record Qualifier", "integer"),  # not a Timing variable: not derived
    ),
)


def test_the_plan_names_the_derivations_the_spec_variables_call_for():
    assert derivation_plan(SPEC, "AE") == DerivationPlan(
        dataset="AE",
        dates=("AESTDTC",),
        study_days=(("AESTDTC", "AESTDY"),),
        epoch=True,
        seq="AESEQ",
    )
    assert derivation_plan(SPEC, "TA") == DerivationPlan("TA")  # the protocol's: nothing derived


def test_the_common_steps_give_study_days_epoch_and_seq():
    ae = pd.DataFrame(
        {
            "STUDYID": ["S", "S", "S"],
            "USUBJID": ["S-1", "S-1", "S-2"],
            "AETERM": ["RASH", "COUGH", "FEVER"],
            "AESTDTC": ["2021-01-05", "2021-01-01", "2021-02-03"],
            "AEENDTC": ["2021-01-06", None, None],
        }
    )
    dm = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "RFSTDTC": ["2021-01-02", "2021-02-01"]})
    se = pd.DataFrame(
        {
            "USUBJID": ["S-1", "S-1", "S-2"],
            "SESTDTC": ["2020-12-20", "2021-01-02", "2021-01-20"],
            "SEENDTC": ["2021-01-02", "2021-03-01", "2021-03-01"],
            "EPOCH": ["SCREENING", "TREATMENT", "TREATMENT"],
            "TAETORD": [1.0, 2.0, 2.0],
        }
    )
    run = SdtmRun(raw=RawData("raw", {}), spec=SPEC, issues=IssueLog(), design={}, study_id="S")
    run.datasets.update({"AE": ae, "DM": dm, "SE": se})
    out, supp = derive_common(run, ae, derivation_plan(SPEC, "AE"))
    assert supp is None
    assert out[["AESTDY", "EPOCH", "AESEQ"]].astype(object).values.tolist() == [
        [4.0, "TREATMENT", 2.0],
        [-1.0, "SCREENING", 1.0],
        [3.0, "TREATMENT", 1.0],
    ]
    assert "AEENDY" not in out.columns
