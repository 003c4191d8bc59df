"""Adverse events, dose modifications, dosing records and disposition.

The order is what makes the records agree with each other: adverse events are
drawn over the time a subject could be treated, their dose actions are resolved
(one action per cycle, reductions 12 -> 10 -> 8 mg, a further one withdraws the
drug), the first withdrawal ends treatment, and only then are the dosing
records written from the resolved actions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .course import NEVER, Course, Tumours, _choice, _uniform_int
from .settings import SimulationSettings

# dose action intents
NONE, INTERRUPT, REDUCE, WITHDRAW, NOT_APPLICABLE = 0, 1, 2, 3, 4
# end of treatment reasons (index into settings.EOT_REASON)
EOT_PD, EOT_AE, EOT_DEATH, EOT_WITHDRAW, EOT_LTFU, EOT_COMPLETED = range(6)
# end of study reasons (index into settings.EOS_REASON)
EOS_COMPLETED, EOS_SCREEN_FAILURE, EOS_DEATH, EOS_WITHDRAW, EOS_LTFU = range(5)
INFUSION_REACTION = "Infusion related reaction"


@dataclass
class Treatment:
    """Resolved treatment of the treated subjects (arrays of length T)."""

    eot_day: np.ndarray  # NaN when ongoing at cut-off
    eot_reason: np.ndarray  # index into EOT_REASON, -1 ongoing
    dose_limit: np.ndarray  # no cycle starts on or after this day
    death_day: np.ndarray  # observed death, NaN otherwise
    death_cause: np.ndarray  # index into DEATH_CAUSE, -1
    eos_day: np.ndarray  # NaN when ongoing
    eos_reason: np.ndarray  # index into EOS_REASON, -1
    new_therapy_day: np.ndarray  # NaN if none
    new_therapy: np.ndarray  # index into SUBSEQUENT_THERAPY
    ae: pd.DataFrame  # one row per adverse event
    cycles: pd.DataFrame  # one row per cycle given (or infusion held)
    contacts: pd.DataFrame  # survival follow-up contacts


def simulate_treatment(rng: np.random.Generator, course: Course, tumours: Tumours, s: SimulationSettings) -> Treatment:
    t = course.t
    h = course.horizon.astype(float)
    pd_day = tumours.pd_day
    cyc = s.cycle_days
    on_days = s.anlotinib_days_on

    # --- when treatment could end without adverse events ---------------------------
    pd_eot = pd_day + _uniform_int(rng, s.eot_after_pd_days, t)
    pd_eot = np.where(np.isnan(pd_eot), NEVER, pd_eot)
    candidates = np.stack(
        [
            pd_eot,
            np.full(t, NEVER, dtype=float),  # adverse event, filled below
            course.t_death,
            course.t_withdraw,
            course.t_ltfu,
            np.full(t, float(s.max_treatment_days), dtype=float),
        ],
        axis=1,
    ).astype(float)
    potential_end = np.minimum(candidates.min(axis=1), h + 1)
    limit0 = np.minimum(np.where(np.isnan(pd_day), NEVER, pd_day), potential_end)

    # --- adverse event candidates ------------------------------------------------------
    death_seen = (course.t_death <= h) & (course.t_death < course.t_withdraw) & (course.t_death < course.t_ltfu)
    frames = []
    profile = s.ae_profile
    for j, term in enumerate(profile):
        exposure = np.clip(potential_end / s.ae_window_days, 0.2, 1.0)
        occurs = rng.random(t) < term.incidence * exposure
        onset = 1 + np.floor(rng.exponential(s.ae_onset_mean_days, t))
        grade = _choice(rng, term.grades, t) + 1
        rel_a = rng.random(t) < term.anlotinib
        rel_t = rng.random(t) < term.toripalimab
        duration = 1 + np.floor(rng.exponential(s.ae_duration_mean_days, t))
        action_u = rng.random(t)
        serious_u = rng.random(t)
        keep = occurs & (onset < potential_end + 30) & (onset <= h) & (onset < course.t_death)
        keep &= (onset < course.t_withdraw) & (onset < course.t_ltfu)
        idx = np.flatnonzero(keep)
        frames.append(
            pd.DataFrame(
                {
                    "subj": idx,
                    "term": j,
                    "onset": onset[idx],
                    "grade": grade[idx],
                    "rel_a": rel_a[idx],
                    "rel_t": rel_t[idx],
                    "duration": duration[idx],
                    "action_u": action_u[idx],
                    "serious_u": serious_u[idx],
                }
            )
        )
    ae = pd.concat(frames, ignore_index=True)
    # intended dose actions
    sev = np.asarray(s.severe_action_probs)
    mod = np.asarray(s.moderate_action_probs)
    target = np.array([p.target for p in profile], dtype=object)[ae["term"].to_numpy()]
    g = ae["grade"].to_numpy()
    u = ae["action_u"].to_numpy()
    anlo_drug = (target == "anlotinib") & ae["rel_a"].to_numpy()
    tori_drug = (target == "toripalimab") & ae["rel_t"].to_numpy()
    cum_sev, cum_mod = np.cumsum(sev), np.cumsum(mod)
    intent_sev = np.select([u < cum_sev[0], u < cum_sev[1], u < cum_sev[2]], [INTERRUPT, REDUCE, WITHDRAW], NONE)
    intent_mod = np.select([u < cum_mod[0], u < cum_mod[1], u < cum_mod[2]], [INTERRUPT, REDUCE, WITHDRAW], NONE)
    intent_a = np.where(anlo_drug & (g >= 3), intent_sev, np.where(anlo_drug & (g == 2), intent_mod, NONE))
    hold_p, wd_p = s.immune_hold_probs
    intent_t = np.where(
        tori_drug & (g >= 2),
        np.select([u < hold_p, u < hold_p + wd_p * (g >= 3)], [INTERRUPT, WITHDRAW], NONE),
        NONE,
    )
    ae["intent_a"] = intent_a
    ae["intent_t"] = intent_t
    ae["fatal"] = False

    # fatal adverse events: some deaths on treatment without progression
    no_pd_before = np.isnan(pd_day) | (pd_day > course.t_death)
    on_treatment = course.t_death <= potential_end + 30
    fatal = death_seen & no_pd_before & on_treatment & (rng.random(t) < s.fatal_ae_share_of_early_deaths)
    f_idx = np.flatnonzero(fatal)
    f_onset = np.maximum(course.t_death[f_idx] - rng.integers(0, 4, f_idx.size), 1)
    f_term = rng.integers(0, len(s.fatal_ae_terms), f_idx.size)
    f_rel = rng.random((f_idx.size, 2)) < 0.5
    fatal_frame = pd.DataFrame(
        {
            "subj": f_idx,
            "term": len(profile) + f_term,
            "onset": f_onset.astype(float),
            "grade": 5,
            "rel_a": f_rel[:, 0],
            "rel_t": f_rel[:, 1],
            "duration": course.t_death[f_idx] - f_onset,
            "action_u": 0.0,
            "serious_u": 0.0,
            "intent_a": WITHDRAW,
            "intent_t": WITHDRAW,
            "fatal": True,
        }
    )
    ae = pd.concat([ae, fatal_frame], ignore_index=True)
    ae = ae.sort_values(["subj", "onset", "term"], kind="stable").reset_index(drop=True)

    # --- resolve dose actions ------------------------------------------------------------
    subj = ae["subj"].to_numpy()
    onset = ae["onset"].to_numpy()
    active = onset < limit0[subj]
    cycle = (onset // cyc).astype(np.int64)
    in_dosing = (onset % cyc) < on_days - 1  # an interruption on the last dosing day would not show
    ia = np.where(active, ae["intent_a"].to_numpy(), NONE)
    it = np.where(active, ae["intent_t"].to_numpy(), NONE)
    ia = np.where((ia == INTERRUPT) & ~in_dosing, NONE, ia)
    # one anlotinib action per subject and cycle: the first
    has_a = ia != NONE
    first_a = _first_in_group(subj, cycle, has_a)
    ia = np.where(has_a & ~first_a, NONE, ia)
    # reductions beyond the lowest dose level withdraw the drug
    n_levels = len(s.anlotinib_dose_levels_mg)
    red = ia == REDUCE
    red_count = pd.Series(red.astype(int)).groupby(subj).cumsum().to_numpy()
    ia = np.where(red & (red_count >= n_levels), WITHDRAW, ia)
    # toripalimab: a hold skips the next infusion; one hold per infusion
    has_t = it == INTERRUPT
    first_t = _first_in_group(subj, cycle, has_t)
    it = np.where(has_t & ~first_t, NONE, it)
    # the first withdrawal ends treatment
    wd = (ia == WITHDRAW) | (it == WITHDRAW)
    w_day = np.full(t, float(NEVER))
    np.minimum.at(w_day, subj[wd], onset[wd])
    first_wd = wd & (onset == w_day[subj]) & _first_in_group(subj, np.zeros_like(subj), wd)
    ia = np.where(wd & ~first_wd, NONE, ia)
    it = np.where(wd & ~first_wd, NONE, it)
    ia = np.where(first_wd, WITHDRAW, ia)
    it = np.where(first_wd, WITHDRAW, it)
    after_wd = onset > w_day[subj]
    ae_eot = np.where(w_day < NEVER, w_day + _uniform_int(rng, (1, 7), t), NEVER)

    # --- end of treatment ----------------------------------------------------------------
    candidates[:, EOT_AE] = ae_eot
    eot_reason = candidates.argmin(axis=1)
    eot_day = candidates.min(axis=1)
    ongoing = eot_day > h
    eot_day = np.where(ongoing, np.nan, eot_day)
    eot_reason = np.where(ongoing, -1, eot_reason)
    stop_at = np.where(ongoing, h + 1, eot_day)  # dosing stops before this day
    dose_limit = np.minimum(stop_at, np.where(np.isnan(pd_day), NEVER, pd_day))
    dose_limit = np.minimum(dose_limit, w_day)

    # actions after treatment stopped do not apply
    na = (onset >= dose_limit[subj]) & ~first_wd
    na |= after_wd
    ia = np.where(na, NOT_APPLICABLE, ia)
    it = np.where(na, NOT_APPLICABLE, it)
    # a reduction or hold needs a next cycle to show in the dosing records
    next_start = (cycle + 1) * cyc
    no_next = next_start >= dose_limit[subj]
    ia = np.where((ia == REDUCE) & no_next, np.where(in_dosing, INTERRUPT, NONE), ia)
    it = np.where((it == INTERRUPT) & no_next, NONE, it)
    ae["act_a"] = ia
    ae["act_t"] = it
    ae["cycle"] = cycle

    # AEs are reported up to 30 days after the last dose
    report_end = np.where(np.isnan(eot_day), h, eot_day + 30)
    ae = ae[(onset <= report_end[subj]) | ae["fatal"].to_numpy()].reset_index(drop=True)

    # --- cycles ------------------------------------------------------------------------------
    n_cyc = np.ceil(np.maximum(dose_limit, 0) / cyc).astype(np.int64)
    n_cyc = np.maximum(n_cyc, 1)  # the first dose was given (dose_limit >= 1)
    c_subj = np.repeat(np.arange(t), n_cyc)
    c_no = np.arange(c_subj.size) - np.repeat(np.cumsum(n_cyc) - n_cyc, n_cyc)
    cycles = pd.DataFrame({"subj": c_subj, "cycle": c_no})
    cycles["start"] = (c_no * cyc).astype(float)
    # dose level: reductions in earlier cycles
    red_ae = ae[ae["act_a"] == REDUCE]
    red_key = pd.DataFrame({"subj": red_ae["subj"], "cycle": red_ae["cycle"] + 1, "red": 1})
    cycles = cycles.merge(
        red_key.groupby(["subj", "cycle"], as_index=False)["red"].sum(), on=["subj", "cycle"], how="left"
    )
    cycles["red"] = cycles["red"].fillna(0).astype(int)
    cycles["level"] = cycles.groupby("subj")["red"].cumsum().clip(upper=n_levels - 1)
    # interruption: the first action in the cycle's dosing days stops dosing on its day
    stop_ae = ae[(ae["act_a"].isin([INTERRUPT, REDUCE, WITHDRAW])) & ((ae["onset"] % cyc) < on_days - 1)]
    stop_first = stop_ae.groupby(["subj", "cycle"], as_index=False)["onset"].min().rename(columns={"onset": "int_day"})
    cycles = cycles.merge(stop_first, on=["subj", "cycle"], how="left")
    reg_stop = cycles["start"] + on_days - 1
    eot_cap = (stop_at - 1)[cycles["subj"].to_numpy()]
    cycles["stop"] = np.minimum(np.minimum(reg_stop, cycles["int_day"].fillna(NEVER)), eot_cap)
    cycles["interrupted"] = cycles["int_day"].notna() & (cycles["int_day"] <= cycles["stop"])
    # toripalimab holds: the infusion after the event is not given
    hold = ae[ae["act_t"] == INTERRUPT]
    hold_key = pd.DataFrame({"subj": hold["subj"], "cycle": hold["cycle"] + 1, "held": True}).drop_duplicates(
        ["subj", "cycle"]
    )
    cycles = cycles.merge(hold_key, on=["subj", "cycle"], how="left")
    cycles["held"] = cycles["held"].astype("boolean").fillna(False).astype(bool)
    # infusion reactions on infusion days
    given = ~cycles["held"].to_numpy()
    react = given & (rng.random(len(cycles)) < s.infusion_reaction_rate)
    cycles["infusion_reaction"] = react
    r = cycles[react]
    r_grade = 1 + (rng.random(len(r)) < 0.3)
    reactions = pd.DataFrame(
        {
            "subj": r["subj"].to_numpy(),
            "term": -1,
            "onset": r["start"].to_numpy(),
            "grade": r_grade,
            "rel_a": False,
            "rel_t": True,
            "duration": 1.0,
            "action_u": 0.0,
            "serious_u": 1.0,
            "intent_a": NONE,
            "intent_t": INTERRUPT,
            "fatal": False,
            "act_a": NONE,
            "act_t": INTERRUPT,
            "cycle": r["cycle"].to_numpy(),
        }
    )
    ae = pd.concat([ae, reactions], ignore_index=True)
    ae = ae.sort_values(["subj", "onset", "term"], kind="stable").reset_index(drop=True)

    # --- adverse event ends and outcomes --------------------------------------------------
    a_subj = ae["subj"].to_numpy()
    end = ae["onset"].to_numpy() + ae["duration"].to_numpy()
    death_obs = np.where(death_seen, course.t_death, np.nan)
    lost = np.minimum(course.t_withdraw, course.t_ltfu)
    fatal_flag = ae["fatal"].to_numpy()
    d_at = death_obs[a_subj]
    ongoing_at_death = ~np.isnan(d_at) & (end >= d_at) & ~fatal_flag
    after_loss = (end >= lost[a_subj]) & ~ongoing_at_death & ~fatal_flag
    after_cut = (end > h[a_subj]) & ~ongoing_at_death & ~after_loss & ~fatal_flag
    outcome_u = rng.random(len(ae))
    outcome = np.where(outcome_u < 0.9, 0, 3)  # resolved, resolved with sequelae (grade >= 3 only)
    outcome = np.where((outcome == 3) & (ae["grade"].to_numpy() < 3), 0, outcome)
    outcome = np.where(after_cut, np.where(outcome_u < 0.5, 1, 2), outcome)
    outcome = np.where(after_loss, 5, outcome)
    outcome = np.where(ongoing_at_death, 2, outcome)
    outcome = np.where(fatal_flag, 4, outcome)
    ae["end"] = np.where(after_cut | after_loss | ongoing_at_death, np.nan, np.where(fatal_flag, d_at, end))
    ae["outcome"] = outcome
    gr = ae["grade"].to_numpy()
    su = ae["serious_u"].to_numpy()
    ae["serious"] = (gr >= 5) | ((gr >= 3) & (su < s.serious_if_grade3_plus)) | ((gr == 2) & (su < s.serious_if_grade2))

    # --- death, end of study, subsequent therapy ---------------------------------------
    death_day = death_obs
    fatal_subj = np.zeros(t, dtype=bool)
    fatal_subj[ae.loc[ae["fatal"], "subj"].to_numpy()] = True
    cause_other = np.array([0, 2, 3])[_choice(rng, (0.4, 0.35, 0.25), t)]  # progression, other, unknown
    death_cause = np.where(fatal_subj, 1, np.where(~np.isnan(pd_day), 0, cause_other))
    death_cause = np.where(death_seen, death_cause, -1)
    eos_cand = np.stack(
        [
            np.full(t, float(s.study_follow_up_days)),
            np.full(t, float(NEVER)),
            np.where(death_seen, course.t_death, NEVER),
            course.t_withdraw,
            course.t_ltfu,
        ],
        axis=1,
    )
    eos_reason = eos_cand.argmin(axis=1)
    eos_day = eos_cand.min(axis=1)
    eos_reason = np.where(death_seen & (course.t_death <= eos_day), EOS_DEATH, eos_reason)
    eos_ongoing = eos_day > h
    eos_day = np.where(eos_ongoing, np.nan, eos_day)
    eos_reason = np.where(eos_ongoing, -1, eos_reason)
    end_follow = np.minimum.reduce(
        [course.t_death, course.t_withdraw, course.t_ltfu, np.full(t, float(s.study_follow_up_days))]
    )

    p_new = np.where(
        eot_reason == EOT_PD,
        s.subsequent_therapy_after_pd,
        np.where(eot_reason == EOT_AE, s.subsequent_therapy_after_ae_stop, 0.0),
    )
    new_start = eot_day + _uniform_int(rng, (14, 45), t)
    has_new = (rng.random(t) < p_new) & (new_start <= h) & (new_start < end_follow)
    new_therapy_day = np.where(has_new, new_start, np.nan)
    new_therapy = rng.integers(0, 6, t)

    # --- survival follow-up contacts ------------------------------------------------------
    n_contacts = s.study_follow_up_days // s.survival_contact_days + 1
    contact_no = np.arange(1, n_contacts + 1)
    c_day = eot_day[:, None] + contact_no[None, :] * s.survival_contact_days + rng.integers(-7, 8, (t, n_contacts))
    alive_ok = (c_day < end_follow[:, None]) & (c_day <= h[:, None]) & ~np.isnan(c_day)
    sc, jc = np.nonzero(alive_ok)
    contacts = pd.DataFrame({"subj": sc, "seq": jc + 1, "day": c_day[sc, jc], "dead": False})
    dead_contact = death_day + _uniform_int(rng, (1, 30), t)
    dc = np.flatnonzero(death_seen & ~np.isnan(eot_day) & (death_day > eot_day) & (dead_contact <= h))
    n_alive = np.bincount(sc, minlength=t)
    contacts = (
        pd.concat(
            [contacts, pd.DataFrame({"subj": dc, "seq": n_alive[dc] + 1, "day": dead_contact[dc], "dead": True})],
            ignore_index=True,
        )
        .sort_values(["subj", "seq"], kind="stable")
        .reset_index(drop=True)
    )
    contacts["method"] = (rng.random(len(contacts)) < 0.15).astype(int)

    return Treatment(
        eot_day=eot_day,
        eot_reason=eot_reason,
        dose_limit=dose_limit,
        death_day=death_day,
        death_cause=death_cause,
        eos_day=eos_day,
        eos_reason=eos_reason,
        new_therapy_day=new_therapy_day,
        new_therapy=new_therapy,
        ae=ae,
        cycles=cycles,
        contacts=contacts,
    )


def _first_in_group(a: np.ndarray, b: np.ndarray, flag: np.ndarray) -> np.ndarray:
    """True on the first flagged row of each (a, b) group (rows in time order)."""
    frame = pd.DataFrame({"a": a, "b": b, "f": flag})
    rank = frame["f"].astype(int).groupby([frame["a"], frame["b"]]).cumsum()
    return flag & (rank.to_numpy() == 1)
