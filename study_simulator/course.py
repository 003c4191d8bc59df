"""Subjects, their disease course and their tumour assessments, vectorised.

Days are integers. Calendar dates are day numbers (days since 1970-01-01);
times within a subject's course are days from first dose (first dose = day 0).
One numpy Generator drives everything, in a fixed order, so a seed gives one
study.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import recist
from .dates import day_number
from .settings import SimulationSettings

RESPONDER, STABLE, PROGRESSOR = 0, 1, 2
MODE_TARGET, MODE_NEW, MODE_NONTARGET = 0, 1, 2
MAX_TARGETS = 5
MAX_NONTARGETS = 3
NEVER = 10**7  # a time that never comes


def _choice(rng: np.random.Generator, probs, size: int) -> np.ndarray:
    """Indices drawn with the given probabilities (vectorised inverse CDF)."""
    cdf = np.cumsum(np.asarray(probs, dtype=float))
    cdf /= cdf[-1]
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def _uniform_int(rng: np.random.Generator, bounds, size) -> np.ndarray:
    lo, hi = bounds
    return rng.integers(lo, hi + 1, size=size)


@dataclass
class Subjects:
    """Every screened subject, in subject-id order."""

    n: int
    site: np.ndarray  # index into settings.site_numbers
    number: np.ndarray  # running number within site
    subject_id: np.ndarray  # "101-0001"
    consent: np.ndarray  # day number
    screen_fail: np.ndarray  # bool
    sf_withdrew: np.ndarray  # bool, screen failure by consent withdrawal
    sf_end: np.ndarray  # day number of the screen-failure end of study (NaN if treated)
    first_dose: np.ndarray  # day number (NaN for screen failures)
    enrol: np.ndarray  # day number (NaN for screen failures)
    treated: np.ndarray  # indices of treated subjects


def simulate_subjects(rng: np.random.Generator, n: int, s: SimulationSettings) -> Subjects:
    start = day_number(s.study_start)
    cutoff = day_number(s.data_cutoff)
    n_sites = len(s.site_numbers)
    activation = np.concatenate([[0], rng.integers(0, s.site_activation_max_days + 1, n_sites - 1)])
    site = _choice(rng, s.site_weights, n)
    last_screen = min(s.accrual_days, cutoff - start - s.screening_to_dose_days[1] - 1)
    span = np.maximum(last_screen - activation[site], 1)
    screen = start + activation[site] + np.floor(rng.random(n) * span).astype(np.int64)
    tiebreak = rng.random(n)
    order = np.lexsort((tiebreak, screen, site))
    site, screen = site[order], screen[order]
    # running number within site (sites are contiguous after the sort)
    first_of_site = np.r_[True, site[1:] != site[:-1]]
    group_start = np.maximum.accumulate(np.where(first_of_site, np.arange(n), 0))
    number = np.arange(n) - group_start + 1
    width = max(4, len(str(int(number.max())))) if n else 4
    sites = np.asarray(s.site_numbers, dtype=object)
    subject_id = np.array([f"{st}-{num:0{width}d}" for st, num in zip(sites[site], number, strict=False)], dtype=object)

    screen_fail = rng.random(n) < s.screen_failure_rate
    sf_withdrew = screen_fail & (rng.random(n) < s.screen_failure_consent_withdrawn)
    to_dose = _uniform_int(rng, s.screening_to_dose_days, n)
    first_dose = np.where(screen_fail, np.nan, screen + to_dose)
    enrol = np.where(screen_fail, np.nan, first_dose - rng.integers(0, 4, n))
    sf_end = np.where(screen_fail, screen + _uniform_int(rng, (3, 28), n), np.nan)
    return Subjects(
        n=n,
        site=site,
        number=number,
        subject_id=subject_id,
        consent=screen,
        screen_fail=screen_fail,
        sf_withdrew=sf_withdrew,
        sf_end=sf_end,
        first_dose=first_dose,
        enrol=enrol,
        treated=np.flatnonzero(~screen_fail),
    )


@dataclass
class Course:
    """The latent course of each treated subject (arrays of length T)."""

    t: int
    cls: np.ndarray
    depth: np.ndarray
    t_nadir: np.ndarray
    t_prog: np.ndarray  # latent progression day
    mode: np.ndarray
    t_death: np.ndarray  # latent death day (from first dose)
    t_withdraw: np.ndarray
    t_ltfu: np.ndarray
    horizon: np.ndarray  # last day observable: min(study follow-up, cut-off)


def simulate_course(rng: np.random.Generator, subjects: Subjects, s: SimulationSettings) -> Course:
    t = subjects.treated.size
    cutoff = day_number(s.data_cutoff)
    cls = _choice(rng, s.class_probs, t)
    u = rng.random(t)
    depth = np.select(
        [cls == RESPONDER, cls == STABLE],
        [
            s.responder_depth[0] + u * (s.responder_depth[1] - s.responder_depth[0]),
            s.stable_depth[0] + u * (s.stable_depth[1] - s.stable_depth[0]),
        ],
        default=s.progressor_depth[0] + u * (s.progressor_depth[1] - s.progressor_depth[0]),
    )
    complete = (cls == RESPONDER) & (rng.random(t) < s.complete_response_share)
    depth = np.where(complete, -1.0, depth)
    t_nadir = _uniform_int(rng, s.time_to_nadir_days, t).astype(float)
    z = rng.standard_normal(t)
    median = np.where(cls == RESPONDER, s.responder_progression_median_days, s.stable_progression_median_days)
    t_prog = np.where(
        cls == PROGRESSOR,
        _uniform_int(rng, s.early_progression_days, t).astype(float),
        median * np.exp(s.progression_sigma * z),
    )
    t_prog = np.floor(np.maximum(t_prog, 1.0))
    mode = _choice(rng, s.progression_mode_probs, t)
    pps = s.post_progression_median_days * np.exp(s.post_progression_sigma * rng.standard_normal(t))
    death_noprog = rng.exponential(1.0 / s.death_without_progression_rate, t)
    t_death = np.floor(np.minimum(t_prog + np.maximum(pps, 7.0), death_noprog)) + 1
    t_withdraw = np.floor(rng.exponential(1.0 / s.withdrawal_rate, t)) + 1
    t_ltfu = np.floor(rng.exponential(1.0 / s.lost_to_follow_up_rate, t)) + 1
    first = subjects.first_dose[subjects.treated]
    horizon = np.minimum(s.study_follow_up_days, cutoff - first)
    return Course(t, cls, depth, t_nadir, t_prog, mode, t_death, t_withdraw, t_ltfu, horizon)


@dataclass
class Tumours:
    """Lesions and assessments of the treated subjects on a grid of columns.

    Column 0 is the baseline scan; column 2k-1 an unscheduled scan between the
    (k-1)th and kth scheduled ones; column 2k the kth scheduled assessment.
    Arrays are (T, C) per assessment and (T, C, L) per lesion.
    """

    n_cols: int
    day: np.ndarray  # (T, C) day from first dose
    scheduled: np.ndarray  # (C,) bool
    visit_no: np.ndarray  # (C,) k
    kept: np.ndarray  # (T, C) the scan happened and is in the export
    missed: np.ndarray  # (T, C) scheduled, in window, not done
    method: np.ndarray  # (T,) 0 CT, 1 MRI
    n_target: np.ndarray
    t_nodal: np.ndarray  # (T, L)
    t_loc: np.ndarray
    t_diam: np.ndarray  # (T, C, L) recorded mm, NaN when too small / not evaluable
    t_tsm: np.ndarray  # too small to measure
    t_ne: np.ndarray  # not evaluable
    n_nontarget: np.ndarray
    nt_nodal: np.ndarray
    nt_loc: np.ndarray
    nt_state: np.ndarray  # (T, C, 3) index into LESION_STATE
    new_state: np.ndarray  # (T, C) 0 none, 1 present (first sighting), 2 equivocal
    new_count: np.ndarray  # (T, C) new lesions first seen here
    new_loc: np.ndarray  # (T, 2)
    target_resp: np.ndarray  # (T, C) object, true RECIST
    nontarget_resp: np.ndarray
    new_resp: np.ndarray
    overall: np.ndarray
    first_pd_col: np.ndarray  # (T,) -1 if none
    pd_day: np.ndarray  # (T,) NaN if none


def simulate_tumours(
    rng: np.random.Generator, course: Course, s: SimulationSettings, consent_day: np.ndarray | None = None
) -> Tumours:
    """The tumour assessments of the treated subjects. consent_day: each one's informed consent, in
    days from first dose (<= 0); the baseline scan is not before it (the protocol's screening scans
    follow consent)."""
    t = course.t
    rs = s.recist
    k_max = max(1, s.study_follow_up_days // s.assessment_interval_days)
    n_cols = 1 + 2 * k_max
    cols = np.arange(n_cols)
    scheduled = (cols > 0) & (cols % 2 == 0)
    visit_no = (cols + 1) // 2

    # --- schedule --------------------------------------------------------------
    w = s.assessment_window_days
    day = np.zeros((t, n_cols), dtype=np.int64)
    day[:, 0] = -_uniform_int(rng, s.baseline_scan_before_dose_days, t)
    if consent_day is not None:
        day[:, 0] = np.maximum(day[:, 0], np.asarray(consent_day, dtype=np.int64))
    planned = visit_no * s.assessment_interval_days
    offset = np.clip(np.rint(rng.normal(0.0, w / 2.5, (t, k_max))), -w, w).astype(np.int64)
    day[:, 2::2] = planned[2::2] + offset
    gap_lo = w + 7
    gap_hi = s.assessment_interval_days - w - 7
    unsched = rng.integers(gap_lo, max(gap_lo, gap_hi) + 1, (t, k_max))
    day[:, 1::2] = planned[2::2] - s.assessment_interval_days + unsched
    done = np.ones((t, n_cols), dtype=bool)
    done[:, 2::2] = rng.random((t, k_max)) >= s.missed_scan_rate
    done[:, 1::2] = rng.random((t, k_max)) < s.unscheduled_scan_rate
    in_window = (
        (day <= course.horizon[:, None])
        & (day < course.t_death[:, None])
        & (day < course.t_withdraw[:, None])
        & (day < course.t_ltfu[:, None])
    )
    in_window[:, 0] = True

    # --- lesions ----------------------------------------------------------------
    method = (rng.random(t) < s.mri_share).astype(np.int64)
    n_target = _choice(rng, s.n_target_probs, t) + 1
    lesion = np.arange(MAX_TARGETS)
    t_valid = lesion[None, :] < n_target[:, None]
    t_nodal = (rng.random((t, MAX_TARGETS)) < s.nodal_target_share) & t_valid
    ld = s.lesion_ld_median_mm * np.exp(s.lesion_ld_sigma * rng.standard_normal((t, MAX_TARGETS)))
    ld = np.clip(ld, 10.0 + 1.0, 150.0)
    lo, hi = s.node_sa_range_mm
    sa = lo + rng.random((t, MAX_TARGETS)) * (hi - lo)
    base = np.where(t_nodal, sa, ld)
    base = np.where(t_valid, base, 0.0)
    floor = np.where(t_nodal, _uniform_int(rng, s.node_normal_floor_mm, (t, MAX_TARGETS)), 0).astype(float)
    t_loc = _choice(rng, _loc_probs(), t * MAX_TARGETS).reshape(t, MAX_TARGETS)
    weight = base / base.sum(axis=1, keepdims=True)

    n_nontarget = _choice(rng, s.n_nontarget_probs, t)
    nt_valid = np.arange(MAX_NONTARGETS)[None, :] < n_nontarget[:, None]
    nt_nodal = (rng.random((t, MAX_NONTARGETS)) < s.nodal_nontarget_share) & nt_valid
    nt_loc = _choice(rng, _loc_probs(), t * MAX_NONTARGETS).reshape(t, MAX_NONTARGETS)
    new_loc = _choice(rng, _loc_probs(), t * 2).reshape(t, 2)
    mode = np.where((course.mode == MODE_NONTARGET) & (n_nontarget == 0), MODE_TARGET, course.mode)

    # --- true sizes ------------------------------------------------------------
    tf = day.astype(np.float32)
    frac = np.clip(tf / course.t_nadir[:, None], 0.0, 1.0)
    g = 1.0 + course.depth[:, None] * frac  # (T, C)
    g_at_prog = 1.0 + course.depth * np.clip(course.t_prog / course.t_nadir, 0.0, 1.0)
    after = tf > course.t_prog[:, None]
    grows = after & (mode == MODE_TARGET)[:, None]
    value = floor[:, None, :] + (base - floor)[:, None, :] * g[:, :, None]
    at_prog = floor + (base - floor) * g_at_prog[:, None]
    growth = 1.3 + 0.15 * (tf - course.t_prog[:, None]) / s.assessment_interval_days
    grown = at_prog[:, None, :] * growth[:, :, None] + 6.0 * weight[:, None, :]
    value = np.where(grows[:, :, None], grown, value).astype(np.float32)
    noise = np.exp(s.measurement_noise_sd * rng.standard_normal(value.shape)).astype(np.float32)
    noise[:, 0, :] = 1.0
    measured = np.rint(value * noise)
    gone = (value == 0) & ~t_nodal[:, None, :]
    measured = np.where(t_nodal[:, None, :], np.maximum(measured, 1.0), measured)
    tsm = ~gone & ~t_nodal[:, None, :] & (measured < rs.too_small_mm) & t_valid[:, None, :]
    post = np.ones((t, n_cols), dtype=bool)
    post[:, 0] = False
    ne_scan = post & (rng.random((t, n_cols)) < s.target_ne_rate)
    ne_lesion = np.floor(rng.random((t, n_cols)) * n_target[:, None]).astype(np.int64)
    t_ne = ne_scan[:, :, None] & (lesion[None, None, :] == ne_lesion[:, :, None])
    t_diam = np.where(tsm | t_ne | ~t_valid[:, None, :], np.nan, measured).astype(np.float32)
    del value, noise, measured, grown

    # --- non-target, new lesions --------------------------------------------------
    cr_class = course.depth <= -1.0
    nt_prog = after & (mode == MODE_NONTARGET)[:, None]
    nt_absent = cr_class[:, None] & (tf >= course.t_nadir[:, None]) & ~nt_prog & post
    nt_ne_scan = post & (rng.random((t, n_cols)) < s.nontarget_ne_rate) & (n_nontarget > 0)[:, None]
    nt_ne_lesion = np.floor(rng.random((t, n_cols)) * np.maximum(n_nontarget, 1)[:, None]).astype(np.int64)
    nl = np.arange(MAX_NONTARGETS)[None, None, :]
    nt_state = np.zeros((t, n_cols, MAX_NONTARGETS), dtype=np.int8)  # Present
    nt_state = np.where(nt_absent[:, :, None], 1, nt_state)
    nt_state = np.where(nt_prog[:, :, None] & (nl == 0), 2, nt_state)
    nt_state = np.where(nt_ne_scan[:, :, None] & (nl == nt_ne_lesion[:, :, None]), 3, nt_state).astype(np.int8)
    nt_state = np.where(nt_valid[:, None, :], nt_state, -1).astype(np.int8)

    new_present = after & (mode == MODE_NEW)[:, None]
    equivocal = post & ~after & (rng.random((t, n_cols)) < s.equivocal_new_lesion_rate)
    new_state = np.where(new_present, 1, np.where(equivocal, 2, 0)).astype(np.int8)
    new_count = np.where(new_state > 0, 1 + (rng.random((t, n_cols)) < 0.4), 0).astype(np.int8)

    # --- RECIST on the recorded values ------------------------------------------------
    size = np.where(tsm, rs.too_small_mm, np.nan_to_num(t_diam))
    size = np.where(t_ne | ~t_valid[:, None, :], 0.0, size)
    sums = size.sum(axis=2)
    any_ne = t_ne.any(axis=2)
    node_ok = t_nodal[:, None, :] & (t_diam < rs.node_normal_mm)
    lesion_gone = (~t_nodal[:, None, :] & (t_diam == 0)) | node_ok | ~t_valid[:, None, :]
    all_gone = lesion_gone.all(axis=2) & ~any_ne
    nadir = recist.prior_nadir(sums, done & ~any_ne)
    baseline = np.repeat(sums[:, :1], n_cols, axis=1)

    nt_any_prog = (nt_state == 2).any(axis=2)
    nt_any_ne = (nt_state == 3).any(axis=2)
    nt_all_absent = ((nt_state == 1) | (nt_state == -1)).all(axis=2)
    has_nt = np.repeat((n_nontarget > 0)[:, None], n_cols, axis=1)
    new_code = np.where(
        new_state == 1, recist.NEW_YES, np.where(new_state == 2, recist.NEW_EQUIVOCAL, recist.NEW_NO)
    ).astype(object)

    assess = done & post
    target_resp = np.full((t, n_cols), None, dtype=object)
    nontarget_resp = np.full((t, n_cols), None, dtype=object)
    overall = np.full((t, n_cols), None, dtype=object)
    new_resp = np.full((t, n_cols), None, dtype=object)
    tr = recist.target_response(baseline[assess], nadir[assess], sums[assess], all_gone[assess], any_ne[assess], rs)
    ntr = recist.nontarget_response(has_nt[assess], nt_any_prog[assess], nt_any_ne[assess], nt_all_absent[assess])
    target_resp[assess] = tr
    nontarget_resp[assess] = ntr
    overall[assess] = recist.overall_response(tr, ntr, new_code[assess])
    new_resp[assess] = new_code[assess]

    # --- which scans are in the export: done, observable, up to the first PD --------
    kept = done & in_window
    is_pd = kept & (overall == recist.PD)
    has_pd = is_pd.any(axis=1)
    first_pd_col = np.where(has_pd, is_pd.argmax(axis=1), -1)
    limit = np.where(has_pd, first_pd_col, n_cols - 1)
    upto = cols[None, :] <= limit[:, None]
    kept &= upto
    # a scheduled assessment is missed when it was due while the subject was followed
    missed = ~done & scheduled[None, :] & in_window & upto
    last_kept_day = np.where(kept, day, -NEVER).max(axis=1)
    missed &= day < np.maximum(last_kept_day[:, None], np.where(has_pd, -NEVER, course.horizon)[:, None])
    pd_day = np.where(has_pd, day[np.arange(t), np.maximum(first_pd_col, 0)], np.nan)
    # new lesions are identified only at the scans in the export, first sighting only
    new_first = (new_state == 1) & kept
    first_new_col = np.where(new_first.any(axis=1), new_first.argmax(axis=1), -1)
    new_state = np.where((new_state == 1) & (cols[None, :] != first_new_col[:, None]), 0, new_state).astype(np.int8)
    new_count = np.where(new_state > 0, new_count, 0).astype(np.int8)

    return Tumours(
        n_cols=n_cols,
        day=day,
        scheduled=scheduled,
        visit_no=visit_no,
        kept=kept,
        missed=missed,
        method=method,
        n_target=n_target,
        t_nodal=t_nodal,
        t_loc=t_loc,
        t_diam=t_diam,
        t_tsm=tsm,
        t_ne=t_ne,
        n_nontarget=n_nontarget,
        nt_nodal=nt_nodal,
        nt_loc=nt_loc,
        nt_state=nt_state,
        new_state=new_state,
        new_count=new_count,
        new_loc=new_loc,
        target_resp=target_resp,
        nontarget_resp=nontarget_resp,
        new_resp=new_resp,
        overall=overall,
        first_pd_col=first_pd_col,
        pd_day=pd_day,
    )


def _loc_probs():
    from .settings import LESION_LOCATION_PROBS

    return LESION_LOCATION_PROBS
