"""Subjects, the disease course and the tumour assessments on hand-set courses."""

import numpy as np

from study_simulator.course import (
    MODE_NEW,
    MODE_TARGET,
    NEVER,
    PROGRESSOR,
    RESPONDER,
    STABLE,
    Course,
    _choice,
    _uniform_int,
    simulate_subjects,
    simulate_tumours,
)
from study_simulator.settings import SimulationSettings


def test_choice_and_uniform_int_bounds():
    rng = np.random.default_rng(0)
    assert (_choice(rng, (0.0, 1.0, 0.0), 50) == 1).all()
    assert set(_choice(rng, (0.5, 0.0, 0.5), 200).tolist()) == {0, 2}
    values = _uniform_int(rng, (3, 5), 300)
    assert set(values.tolist()) == {3, 4, 5}


def test_subjects_numbered_within_site_and_screen_failures_not_dosed():
    s = SimulationSettings().with_options(site_numbers=("201", "202"), site_weights=(0.5, 0.5), screen_failure_rate=0.3)
    sub = simulate_subjects(np.random.default_rng(4), 60, s)
    ids = sub.subject_id.tolist()
    assert ids == sorted(ids)
    first_202 = next(i for i in ids if i.startswith("202"))
    assert ids[0] == "201-0001" and first_202 == "202-0001"
    assert np.isnan(sub.first_dose[sub.screen_fail]).all() and not np.isnan(sub.sf_end[sub.screen_fail]).any()
    assert (sub.first_dose[~sub.screen_fail] > sub.consent[~sub.screen_fail]).all()
    assert sub.treated.tolist() == np.flatnonzero(~sub.screen_fail).tolist()


# a clean schedule: scans exactly every 42 days, none missed or extra, no measurement noise,
# no nodal targets (sizes shrink to zero), no non-target lesions, nothing equivocal or not evaluable
CLEAN = SimulationSettings().with_options(
    assessment_window_days=0,
    missed_scan_rate=0.0,
    unscheduled_scan_rate=0.0,
    target_ne_rate=0.0,
    nontarget_ne_rate=0.0,
    equivocal_new_lesion_rate=0.0,
    measurement_noise_sd=0.0,
    nodal_target_share=0.0,
    n_nontarget_probs=(1.0, 0.0, 0.0, 0.0),
)


def course(**columns):
    n = len(columns["depth"])
    base = {
        "cls": [STABLE] * n,
        "t_nadir": [84.0] * n,
        "t_prog": [float(NEVER)] * n,
        "mode": [MODE_TARGET] * n,
        "t_death": [float(NEVER)] * n,
        "t_withdraw": [float(NEVER)] * n,
        "t_ltfu": [float(NEVER)] * n,
        "horizon": [300.0] * n,
    }
    base.update(columns)
    return Course(t=n, **{k: np.asarray(v) for k, v in base.items()})


def test_tumour_responses_follow_the_course():
    c = course(
        #      stable, partial responder, complete responder, progressor at day 50, stable dying on day 100
        cls=[STABLE, RESPONDER, RESPONDER, PROGRESSOR, STABLE],
        depth=[0.0, -0.5, -1.0, 0.0, 0.0],
        t_prog=[NEVER, NEVER, NEVER, 50.0, NEVER],
        t_death=[NEVER, NEVER, NEVER, NEVER, 100.0],
    )
    tu = simulate_tumours(np.random.default_rng(1), c, CLEAN)
    assert (np.diff(tu.day, axis=1) > 0).all()
    scheduled_days = tu.day[:, 2::2]
    assert (scheduled_days == 42 * np.arange(1, scheduled_days.shape[1] + 1)).all()

    def responses(row):
        return [tu.overall[row, c] for c in np.flatnonzero(tu.kept[row]) if c > 0]

    # scans on days 42, 84, ..., 294 (the horizon is day 300)
    assert responses(0) == ["SD"] * 7
    assert responses(1) == ["SD"] + ["PR"] * 6  # -25% on day 42, -50% from day 84 (the nadir)
    assert responses(2) == ["PR"] + ["CR"] * 6  # -50% on day 42, gone from day 84
    assert responses(3) == ["SD", "PD"]  # grows from day 50; nothing kept after the first PD
    assert responses(4) == ["SD", "SD"]  # no scan after death on day 100
    assert tu.first_pd_col.tolist() == [-1, -1, -1, 4, -1]
    np.testing.assert_array_equal(tu.pd_day, [np.nan, np.nan, np.nan, 84.0, np.nan])
    assert all(value is None for value in tu.nontarget_resp[tu.kept])  # no non-target lesions
    assert not tu.missed.any()


def test_sums_and_responses_agree_with_the_recorded_diameters():
    c = course(depth=[-0.6, -0.2, 0.05], cls=[RESPONDER, STABLE, PROGRESSOR], t_prog=[NEVER, 150.0, 40.0])
    tu = simulate_tumours(np.random.default_rng(7), c, CLEAN)
    sizes = np.where(tu.t_tsm, CLEAN.recist.too_small_mm, np.nan_to_num(tu.t_diam))
    sums = sizes.sum(axis=2)
    for row in range(3):
        kept = [col for col in np.flatnonzero(tu.kept[row]) if col > 0]
        nadir = sums[row, 0]
        for col in kept:
            change = (sums[row, col] - sums[row, 0]) / sums[row, 0]
            growth = sums[row, col] - nadir
            expected = (
                "PD"
                if growth >= 0.2 * nadir - 1e-9 and growth >= 5
                else "CR"
                if sums[row, col] == 0
                else "PR"
                if change <= -0.3 + 1e-9
                else "SD"
            )
            assert tu.target_resp[row, col] == expected, (row, col, sums[row, : col + 1])
            nadir = min(nadir, sums[row, col])


def test_progression_by_new_lesion_is_seen_once():
    c = course(depth=[0.0], mode=[MODE_NEW], t_prog=[100.0])
    tu = simulate_tumours(np.random.default_rng(2), c, CLEAN)
    kept = [col for col in np.flatnonzero(tu.kept[0]) if col > 0]
    assert [tu.overall[0, col] for col in kept] == ["SD", "SD", "PD"]
    assert [tu.new_resp[0, col] for col in kept] == ["N", "N", "Y"]
    assert tu.new_state[0].tolist().count(1) == 1
