"""On a 2,000-subject simulated study with no investigator disagreement, the report's
ORR is the share of confirmed responders in the simulator's truth file, and its PFS
and OS event counts are the truth file's."""

from __future__ import annotations

import pytest

from analysis_report import build_report
from analysis_report.stats import clopper_pearson

from .conftest import simulate_to_adam

SUBJECTS, SEED = 2000, 11


@pytest.fixture(scope="module")
def study_and_report(tmp_path_factory):
    study = simulate_to_adam(tmp_path_factory.mktemp("truth_2000"), SUBJECTS, SEED)
    return study, build_report(study.adam, spec=study.adam_result.spec, settings=study.config.report)


def test_orr_is_the_share_of_confirmed_responders_in_the_truth(study_and_report):
    study, report = study_and_report
    truth = study.truth
    responders = int(truth["BOR_CONFIRMED"].isin(["CR", "PR"]).sum())
    orr = report.rate("CRSP")
    assert (orr["Subjects"], orr["N"]) == (responders, len(truth))
    assert orr["%"] == round(100 * responders / len(truth), 1)
    low, high = clopper_pearson(responders, len(truth))
    assert (orr["CI lower %"], orr["CI upper %"]) == (round(100 * low, 1), round(100 * high, 1))
    unconfirmed = report.rate("RSP")
    assert unconfirmed["Subjects"] == int(truth["BOR_UNCONFIRMED"].isin(["CR", "PR"]).sum())


@pytest.mark.parametrize("paramcd, column", [("PFS", "PFS_EVENT"), ("OS", "OS_EVENT")])
def test_event_counts_are_the_truth_files(study_and_report, paramcd, column):
    study, report = study_and_report
    summary = report.median(paramcd)
    events = int((study.truth[column] == "Y").sum())
    assert (summary["Events"], summary["Censored"], summary["N"]) == (
        events,
        len(study.truth) - events,
        len(study.truth),
    )
