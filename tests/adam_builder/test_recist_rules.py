"""RECIST 1.1 per-assessment rules: small literal inputs, expected outputs."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from adam_builder.recist_rules import (
    compute_lesion_size,
    compute_nadir,
    compute_nontarget_response,
    compute_overall_response,
    compute_target_response,
)
from specs.config import RecistSettings, StudyConfigError, with_values

NONE = None


def target(baseline, nadir, current, gone=False, not_assessed=False, **kw):
    return compute_target_response([baseline], [nadir], [current], [gone], [not_assessed], **kw).iloc[0]


@pytest.mark.parametrize(
    "baseline, nadir, current, gone, not_assessed, expected",
    [
        (50, 50, 35, False, False, "PR"),  # exactly -30%
        (50, 50, 36, False, False, "SD"),  # -28%
        (50, 40, 48, False, False, "PD"),  # +20% and +8 mm over nadir
        (50, 20, 24, False, False, "PR"),  # +20% over nadir but only +4 mm: not PD, still -52% from baseline
        (50, 20, 25, False, False, "PD"),  # +25% and +5 mm
        (50, 50, 0, True, False, "CR"),
        (50, 50, 8, True, False, "CR"),  # nodes below 10 mm count in the sum
        (50, 50, 30, False, True, "NE"),  # a target not assessed
        (50, 30, 40, False, True, "PD"),  # the assessed ones already show PD
        (50, 50, 60, False, False, "SD"),  # +20% from nadir=baseline is 60: PD
    ][:-1]
    + [(50, 50, 60, False, False, "PD"), (50, 50, 59, False, False, "SD")],
)
def test_target_response(baseline, nadir, current, gone, not_assessed, expected):
    assert target(baseline, nadir, current, gone, not_assessed) == expected


def test_target_response_missing_nadir_means_baseline():
    assert target(40, np.nan, 48) == "PD"


def test_target_response_reappearance_after_disappearance_is_pd():
    assert target(40, 0, 5) == "PD"


def test_target_response_no_targets_is_missing():
    assert target(np.nan, np.nan, np.nan) is None


def test_target_response_uses_settings():
    strict = RecistSettings(pr_change=-0.5)
    assert target(50, 50, 35, settings=strict) == "SD"


def test_target_response_keeps_series_index():
    out = compute_target_response(
        pd.Series([50.0, 50.0], index=[7, 9]),
        pd.Series([50.0, 50.0], index=[7, 9]),
        pd.Series([10.0, 50.0], index=[7, 9]),
        pd.Series([False, False], index=[7, 9]),
        pd.Series([False, False], index=[7, 9]),
    )
    assert list(out.index) == [7, 9]
    assert out.tolist() == ["PR", "SD"]


def test_lesion_size_too_small_counts_five_mm():
    out = compute_lesion_size([12, np.nan, 3, np.nan], [False, True, True, False])
    assert out.tolist()[:3] == [12.0, 5.0, 5.0]
    assert np.isnan(out.iloc[3])


def test_lesion_size_setting():
    assert compute_lesion_size([np.nan], [True], settings=RecistSettings(too_small_mm=4)).tolist() == [4.0]


def test_nadir_is_smallest_prior_valid_sum_within_subject():
    sums = [50, 40, 45, 30, 35, 60, 50]
    groups = ["a", "a", "a", "a", "a", "b", "b"]
    valid = [True, True, True, False, True, True, True]
    out = compute_nadir(sums, groups, valid=valid)
    assert np.isnan(out.iloc[0]) and np.isnan(out.iloc[5])
    assert out.tolist()[1:5] == [50, 40, 40, 40]
    assert out.iloc[6] == 60


@pytest.mark.parametrize(
    "has, prog, ne, absent, expected",
    [
        (True, False, False, True, "CR"),
        (True, False, False, False, "NON-CR/NON-PD"),
        (True, True, False, False, "PD"),
        (True, True, True, False, "PD"),
        (True, False, True, False, "NE"),
        (False, False, False, False, None),
    ],
)
def test_nontarget_response(has, prog, ne, absent, expected):
    assert compute_nontarget_response([has], [prog], [ne], [absent]).iloc[0] == expected


@pytest.mark.parametrize(
    "tgt, ntg, new, expected",
    [
        # the RECIST 1.1 table, row by row
        ("CR", "CR", "N", "CR"),
        ("CR", "NON-CR/NON-PD", "N", "PR"),
        ("CR", "NE", "N", "PR"),
        ("PR", "NON-CR/NON-PD", "N", "PR"),
        ("PR", "NE", "N", "PR"),
        ("PR", "CR", "N", "PR"),
        ("SD", "NON-CR/NON-PD", "N", "SD"),
        ("SD", "NE", "N", "SD"),
        ("NE", "NON-CR/NON-PD", "N", "NE"),
        ("NE", "CR", "N", "NE"),
        ("PD", "CR", "N", "PD"),
        ("PD", "NE", "Y", "PD"),
        ("CR", "PD", "N", "PD"),
        ("SD", "PD", "N", "PD"),
        ("CR", "CR", "Y", "PD"),
        ("SD", "NON-CR/NON-PD", "Y", "PD"),
        # no non-target lesions at baseline
        ("CR", NONE, "N", "CR"),
        ("PR", NONE, "N", "PR"),
        ("SD", NONE, "N", "SD"),
        ("NE", NONE, "N", "NE"),
        # non-target disease only
        (NONE, "CR", "N", "CR"),
        (NONE, "NON-CR/NON-PD", "N", "NON-CR/NON-PD"),
        (NONE, "NE", "N", "NE"),
        (NONE, "PD", "N", "PD"),
        (NONE, "CR", "Y", "PD"),
        # equivocal new lesions do not make PD at this assessment
        ("SD", "NON-CR/NON-PD", "EQUIVOCAL", "SD"),
        ("CR", "CR", "EQUIVOCAL", "CR"),
        (NONE, "NON-CR/NON-PD", "EQUIVOCAL", "NON-CR/NON-PD"),
        # missing new-lesion status counts as no
        ("PR", "NON-CR/NON-PD", NONE, "PR"),
        # no disease at all
        (NONE, NONE, "N", "NE"),
        (NONE, NONE, "Y", "PD"),
    ],
)
def test_overall_response_table(tgt, ntg, new, expected):
    assert compute_overall_response([tgt], [ntg], [new]).iloc[0] == expected


def test_overall_response_vectorised():
    out = compute_overall_response(
        pd.Series(["CR", "SD", "PD"]), pd.Series(["CR", None, "CR"]), pd.Series(["N", "N", "N"])
    )
    assert out.tolist() == ["CR", "SD", "PD"]


def test_settings_defaults_are_the_study_values():
    s = RecistSettings()
    assert (s.pr_change, s.pd_change, s.pd_absolute_mm, s.too_small_mm, s.node_normal_mm) == (
        -0.30,
        0.20,
        5.0,
        5.0,
        10.0,
    )
    assert (s.confirmation_days, s.max_ne_between, s.sd_min_days, s.assessment_interval_days, s.window_days) == (
        28,
        1,
        35,
        42,
        7,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.pr_change = -0.5  # frozen


def test_settings_with_values_read_as_a_recist_table():
    s = with_values(
        RecistSettings(),
        "recist",
        {
            "sd_min_days": 42,
            "pr_change": -0.3,
            "pd_absolute_mm": 5,
            "short_axis_testcd": " lperp",
            "nodal_locations": ["LYMPH NODE", "Node"],
        },
    )
    assert (s.sd_min_days, s.pd_absolute_mm, s.short_axis_testcd) == (42, 5.0, "LPERP")
    assert s.nodal_locations == ("LYMPH NODE", "NODE")
    assert with_values(RecistSettings(), "recist", {}) == RecistSettings()


def test_settings_with_unknown_keys_or_wrong_types_are_refused_all_at_once():
    with pytest.raises(StudyConfigError) as info:
        with_values(RecistSettings(), "recist", {"confirm_days": 28, "sd_min_days": "42", "pr_change": True})
    assert info.value.lines == [
        "[recist] confirm_days: unknown setting; did you mean confirmation_days?",
        '[recist] sd_min_days = "42": must be a whole number (TOML integer), not text',
        "[recist] pr_change = true: must be a number (TOML integer or float), not a boolean",
    ]
    with pytest.raises(StudyConfigError, match=r"^\[recist\] window_days = -7: must not be negative$"):
        with_values(RecistSettings(), "recist", {"window_days": -7})
