"""The truth files: best response per subject on a literal grid, and the independent
cross-check of the simulator's RECIST truth against adam_builder's engine."""

import warnings

import numpy as np
import pandas as pd
import pytest

from adam_builder import adrs as adrs_rules
from adam_builder.build import build_adam
from sdtm_builder.build import build_sdtm
from specs import load_spec, study_workbook
from specs.study import builtin_study
from study_simulator.api import simulate
from study_simulator.settings import SimulationSettings
from study_simulator.truth import best_responses

from .conftest import read

_ = None


def test_best_responses_per_row_of_the_grid():
    resp = np.array(
        [
            ["PR", _, "PR", _, "PD"],  # PR confirmed 42 days later
            ["PR", _, "SD", _, "PR"],  # SD between: not confirmed
            [_, _, _, _, _],  # nothing counted
            ["SD", "NE", "PD", _, _],  # SD at day 42, then PD
            ["CR", _, "NE", _, "CR"],
        ],
        dtype=object,
    )
    day = np.array([[42, 63, 84, 105, 126]] * 4 + [[21, 42, 56, 84, 105]])
    confirmed, unconfirmed = best_responses(resp, day, SimulationSettings())
    assert confirmed.tolist() == ["PR", "SD", "MISSING", "SD", "CR"]
    assert unconfirmed.tolist() == ["PR", "PR", "MISSING", "SD", "CR"]
    day[3] = [21, 28, 30, 31, 32]
    assert best_responses(resp, day, SimulationSettings())[0][3] == "PD"


@pytest.fixture(scope="module")
def engine_and_truth(tmp_path_factory):
    """A simulated study with investigator disagreement, its SDTM and ADaM, and its truth."""
    root = tmp_path_factory.mktemp("crosscheck")
    simulate(500, 31, root / "raw", disagreement_rate=0.15)
    study = builtin_study()
    sdtm = build_sdtm(root / "raw" / "edc", config=study)
    frames = {name: sdtm.final(name) for name in sdtm.datasets}
    settings = study.adam
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        adam = build_adam(frames, spec=load_spec(study_workbook("adam")).spec, settings=settings)
    subjects = read(root / "raw" / "truth", "subjects.csv")
    subjects = subjects[subjects["STATUS"] == "TREATED"].copy()
    subjects["USUBJID"] = "SYSU-ANTOR-STS-" + subjects["SUBJECT"]
    assessments = read(root / "raw" / "truth", "assessments.csv")
    assessments["USUBJID"] = "SYSU-ANTOR-STS-" + assessments["SUBJECT"]
    return adam, settings, subjects.set_index("USUBJID"), assessments


def test_engine_recomputes_the_true_response_of_every_assessment(engine_and_truth):
    """The engine reads TU/TR only, so it finds the truth where the investigator disagreed."""
    adam, _, _, assessments = engine_and_truth
    adrs = adam.datasets["ADRS"]
    ovrc = adrs[adrs["PARAMCD"] == "OVRC"]
    engine = ovrc.assign(RSDAT=ovrc["ADT"].dt.strftime("%Y-%m-%d"))[["USUBJID", "RSDAT", "AVALC"]]
    merged = assessments.merge(engine, on=["USUBJID", "RSDAT"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head()
    assert len(merged) > 1000 and (merged["ALTERED"] == "Y").sum() > 100
    differ = merged[merged["AVALC"] != merged["TRUE_OVRLRESP"]]
    assert differ.empty, differ[["USUBJID", "RSDAT", "TRUE_OVRLRESP", "AVALC"]].head(20).to_string()
    assert {"CR", "PR", "SD", "PD", "NE"} <= set(merged["TRUE_OVRLRESP"])


@pytest.mark.parametrize(
    "paramcd, confirmed, column", [("XCBOR", True, "BOR_CONFIRMED"), ("XBOR", False, "BOR_UNCONFIRMED")]
)
def test_engine_best_response_equals_the_truth_for_every_subject(engine_and_truth, paramcd, confirmed, column):
    """adam_builder's best response over the engine's recomputed assessments against the truth."""
    adam, settings, subjects, _ = engine_and_truth
    adrs = adrs_rules.derive_param_bor(
        adam.datasets["ADRS"],
        adsl=adam.datasets["ADSL"],
        settings=settings,
        paramcd=paramcd,
        confirmed=confirmed,
        source_param="OVRC",
    )
    engine = adrs[adrs["PARAMCD"] == paramcd].set_index("USUBJID")["AVALC"].reindex(subjects.index)
    differ = pd.DataFrame({"engine": engine, "truth": subjects[column]})[engine != subjects[column]]
    assert differ.empty, differ.to_string()
    assert {"CR", "PR", "SD", "PD"} <= set(subjects[column])
