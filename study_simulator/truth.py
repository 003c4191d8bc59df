"""What really happened: investigator disagreement and the truth files.

The truth is computed from the simulator's own arrays, before any messiness is
injected; no builder reads it. Best overall response (the simulator's own
RECIST rules, study_simulator.recist) and the time-to-event truth follow
../shared/RECIST.md (FDA 2018 censoring conventions) with the study's
thresholds (``SimulationSettings.recist``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import recist
from .course import Course, Subjects, Tumours
from .dates import day_number, format_iso_date
from .settings import SimulationSettings
from .treatment import Treatment

_ALTER = {  # the investigator's overall call when it differs from RECIST
    recist.CR: (recist.PR, recist.PR),
    recist.PR: (recist.SD, recist.CR),
    recist.SD: (recist.PR, recist.PD),
    recist.PD: (recist.SD, recist.SD),
    recist.NE: (recist.SD, recist.SD),
    recist.NON_CR_NON_PD: (recist.NE, recist.NE),
}


def investigator_responses(
    rng: np.random.Generator, tumours: Tumours, s: SimulationSettings
) -> tuple[dict, np.ndarray]:
    """Investigator responses on the grid, and which assessments were altered.

    With probability ``investigator_disagreement_rate`` per post-baseline
    assessment the investigator calls a neighbouring overall response; the
    target, non-target and new-lesion calls are changed so that the
    investigator's own record stays internally consistent with the RECIST table.
    """
    tr = tumours.target_resp.copy()
    ntr = tumours.nontarget_resp.copy()
    new = tumours.new_resp.copy()
    ovr = tumours.overall.copy()
    post = tumours.kept.copy()
    post[:, 0] = False
    u = rng.random(post.shape)
    pick = rng.random(post.shape) < 0.5
    altered = post & (u < s.investigator_disagreement_rate)
    si, ci = np.nonzero(altered)
    if si.size:
        old = ovr[si, ci]
        want = np.array([_ALTER[o][int(p)] for o, p in zip(old, pick[si, ci], strict=False)], dtype=object)
        t_old, n_old, w_old = tr[si, ci], ntr[si, ci], new[si, ci]
        has_t = pd.notna(t_old)
        t_new = np.where(has_t, want, t_old)
        t_new = np.where(has_t & (want == recist.NON_CR_NON_PD), recist.SD, t_new)
        n_new = np.where((want != recist.PD) & (n_old == recist.PD), recist.NON_CR_NON_PD, n_old)
        n_new = np.where((want == recist.CR) & pd.notna(n_old), recist.CR, n_new)
        n_new = np.where(
            ~has_t & pd.notna(n_old) & (want != recist.PD), np.where(want == recist.CR, recist.CR, recist.NE), n_new
        )
        w_new = np.where((want != recist.PD) & (w_old == recist.NEW_YES), recist.NEW_NO, w_old)
        o_new = recist.overall_response(t_new, n_new, w_new)
        tr[si, ci], ntr[si, ci], new[si, ci], ovr[si, ci] = t_new, n_new, w_new, o_new
        changed = (o_new != old) | (t_new != t_old) | (n_new != n_old) | (w_new != w_old)
        altered[si, ci] = changed
    return {"target": tr, "nontarget": ntr, "new": new, "overall": ovr}, altered


def best_responses(resp: np.ndarray, day: np.ndarray, s: SimulationSettings) -> tuple[np.ndarray, np.ndarray]:
    """Confirmed and unconfirmed best overall response per row of a (subjects, assessments) grid.

    ``resp`` holds overall responses in time order (None where no assessment
    counts); ``day`` days from the reference start.
    """
    confirmed = np.full(resp.shape[0], recist.MISSING, dtype=object)
    unconfirmed = confirmed.copy()
    rows, cols = np.nonzero(pd.notna(resp))
    bounds = np.searchsorted(rows, np.arange(resp.shape[0] + 1))
    for row in np.unique(rows):
        mine = cols[bounds[row] : bounds[row + 1]]
        visits = list(zip(day[row, mine].tolist(), resp[row, mine].tolist(), strict=True))
        confirmed[row] = recist.best_overall_response(visits, s.recist, confirm=True)
        unconfirmed[row] = recist.best_overall_response(visits, s.recist, confirm=False)
    return confirmed, unconfirmed


_CLASS = np.array(["RESPONDER", "STABLE", "EARLY PROGRESSOR"], dtype=object)
_OS_CENSOR = {
    0: "Completed study follow-up",
    3: "Withdrew consent",
    4: "Lost to follow-up",
    -1: "Alive at data cut-off",
}


def subject_truth(
    subjects: Subjects,
    course: Course,
    tumours: Tumours,
    treatment: Treatment,
    last_alive: np.ndarray,
    s: SimulationSettings,
) -> pd.DataFrame:
    """One row per screened subject: what really happened."""
    from .settings import EOS_REASON, EOT_REASON

    n = subjects.n
    tr_idx = subjects.treated
    fd = subjects.first_dose[tr_idx]
    cutoff = day_number(s.data_cutoff)
    post = tumours.kept.copy()
    post[:, 0] = False
    nt_day = treatment.new_therapy_day
    before_new = tumours.day < np.where(np.isnan(nt_day), np.inf, nt_day)[:, None]
    counted = tumours.overall.copy()
    counted[~(post & before_new)] = None
    conf, unconf = best_responses(counted, tumours.day, s)

    # PFS (FDA 2018 conventions)
    rs = s.recist
    pd_day = tumours.pd_day
    death = treatment.death_day
    event_day = np.fmin(pd_day, death)
    has_event = ~np.isnan(event_day)
    adequate = post & pd.notna(tumours.overall) & (tumours.overall != recist.NE)
    a_day = np.where(adequate, tumours.day, -1)

    def last_before(limit):
        return np.where(a_day < limit[:, None], a_day, -1).max(axis=1)

    inf = np.where(np.isnan(nt_day), np.inf, nt_day)
    ev = np.where(has_event, event_day, np.inf)
    last_before_new = last_before(inf)
    last_before_event = last_before(ev)
    last_any = a_day.max(axis=1)
    gap_limit = 2 * rs.assessment_interval_days + rs.window_days
    new_first = ~np.isnan(nt_day) & (nt_day < ev)
    missed_gap = has_event & ~new_first & ((event_day - np.maximum(last_before_event, 0)) > gap_limit)
    pfs_event = has_event & ~new_first & ~missed_gap
    pfs_day = np.select(
        [new_first, missed_gap, pfs_event, last_any >= 0],
        [np.maximum(last_before_new, 0), np.maximum(last_before_event, 0), event_day, last_any],
        default=0,
    ).astype(float)
    no_post = ~post.any(axis=1)
    pfs_reason = np.select(
        [pfs_event, new_first, missed_gap, no_post, last_any < 0],
        [
            "",
            "New anti-cancer therapy before event",
            "Event after two or more missed assessments",
            "No post-baseline assessment",
            "No adequate post-baseline assessment",
        ],
        default="No progression or death",
    ).astype(object)
    pfs_desc = np.where(
        pfs_event,
        np.where(~np.isnan(pd_day) & (pd_day <= np.nan_to_num(death, nan=np.inf)), "Progressive disease", "Death"),
        "",
    ).astype(object)

    # OS
    os_event = ~np.isnan(death)
    lka = np.minimum(last_alive[tr_idx], cutoff)
    os_date = np.where(os_event, fd + np.nan_to_num(death), lka)
    os_reason = np.where(
        os_event, "", pd.Series(treatment.eos_reason).map(_OS_CENSOR).fillna("Alive at data cut-off").to_numpy()
    ).astype(object)

    def full(values, fill):
        out = np.full(n, fill, dtype=object)
        out[tr_idx] = values
        return out

    def full_date(days):
        out = np.full(n, np.nan)
        out[tr_idx] = days
        return format_iso_date(out)

    latent_prog = np.where(fd + course.t_prog <= cutoff, fd + course.t_prog, np.nan)
    eos_date = np.full(n, np.nan)
    eos_date[tr_idx] = fd + treatment.eos_day
    eos_date[subjects.screen_fail] = subjects.sf_end[subjects.screen_fail]
    eos_reason = np.full(n, "", dtype=object)
    eos_reason[tr_idx] = np.where(
        treatment.eos_reason >= 0, np.asarray(EOS_REASON, dtype=object)[np.maximum(treatment.eos_reason, 0)], ""
    )
    eos_reason[subjects.screen_fail] = EOS_REASON[1]
    frame = pd.DataFrame(
        {
            "SUBJECT": subjects.subject_id,
            "SITENUMBER": np.asarray(s.site_numbers, dtype=object)[subjects.site],
            "STATUS": np.where(subjects.screen_fail, "SCREEN FAILURE", "TREATED"),
            "FIRST_DOSE_DATE": full_date(fd),
            "LATENT_CLASS": full(_CLASS[course.cls], ""),
            "LATENT_PROGRESSION_DATE": full_date(latent_prog),
            "TRUE_PD_DATE": full_date(fd + pd_day),
            "DEATH_DATE": full_date(fd + death),
            "LAST_KNOWN_ALIVE_DATE": full_date(lka),
            "BOR_CONFIRMED": full(conf, ""),
            "BOR_UNCONFIRMED": full(unconf, ""),
            "NEW_THERAPY_DATE": full_date(fd + nt_day),
            "EOT_DATE": full_date(fd + treatment.eot_day),
            "EOT_REASON": full(
                np.where(
                    treatment.eot_reason >= 0,
                    np.asarray(EOT_REASON, dtype=object)[np.maximum(treatment.eot_reason, 0)],
                    "",
                ),
                "",
            ),
            "EOS_DATE": format_iso_date(eos_date),
            "EOS_REASON": eos_reason,
            "PFS_DATE": full_date(fd + pfs_day),
            "PFS_DAYS": full(pfs_day.astype(np.int64) + 1, ""),
            "PFS_EVENT": full(np.where(pfs_event, "Y", "N"), ""),
            "PFS_EVENT_DESC": full(pfs_desc, ""),
            "PFS_CENSOR_REASON": full(pfs_reason, ""),
            "OS_DATE": full_date(os_date),
            "OS_DAYS": full((os_date - fd).astype(np.int64) + 1, ""),
            "OS_EVENT": full(np.where(os_event, "Y", "N"), ""),
            "OS_CENSOR_REASON": full(os_reason, ""),
        }
    )
    return frame


def assessment_truth(
    subjects: Subjects, tumours: Tumours, inv: dict, altered: np.ndarray, folders: np.ndarray
) -> pd.DataFrame:
    """One row per post-baseline assessment: RECIST truth and the investigator's call."""
    post = tumours.kept.copy()
    post[:, 0] = False
    si, ci = np.nonzero(post)
    fd = subjects.first_dose[subjects.treated]

    def txt(a):
        return pd.Series(a[si, ci], dtype=object).fillna("").to_numpy()

    return pd.DataFrame(
        {
            "SUBJECT": subjects.subject_id[subjects.treated[si]],
            "FOLDER": folders[si, ci],
            "RSDAT": format_iso_date(fd[si] + tumours.day[si, ci]),
            "TRUE_TRGRESP": txt(tumours.target_resp),
            "TRUE_NTRGRESP": txt(tumours.nontarget_resp),
            "TRUE_NEWLES": txt(tumours.new_resp),
            "TRUE_OVRLRESP": txt(tumours.overall),
            "INV_TRGRESP": txt(inv["target"]),
            "INV_NTRGRESP": txt(inv["nontarget"]),
            "INV_NEWLES": txt(inv["new"]),
            "INV_OVRLRESP": txt(inv["overall"]),
            "ALTERED": np.where(altered[si, ci], "Y", "N"),
        }
    )
