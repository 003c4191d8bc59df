"""What really happened: investigator disagreement and the truth files.

The truth is computed from the simulator's own arrays, before any messiness is
injected; no builder reads it. Best overall response (the simulator's own
RECIST rules, study_simulator.recist) and the time-to-event truth follow
../shared/RECIST.md (FDA 2018 censoring conventions) with the study's
thresholds (``SimulationSettings.recist``).

Laboratory and blood-pressure truth (``lab_truth``, ``hypertension_truth``;
truth/lab_grades.csv and truth/hypertension.csv): the worst NCI-CTCAE v5.0
grade after baseline, from the value criteria of the NCI text (the laboratory
terms in ../shared/standards/ctcae/ctcae-v5-laboratory-terms.csv; for
hypertension the SBP/DBP thresholds of the v5.0 term), written out in
``CTCAE_V5`` below. The rule:

- values: the laboratory's reported result (before any injected messiness)
  converted to the study's standard (SI) units, graded against the reporting
  laboratory's own range, converted alike; blood pressure as reported (mmHg);
- baseline: the last sample on or before the first dose day (the cycle 1 day 1
  sample, taken before the dose);
- post-baseline: samples after the first dose day up to the last dose + 30 days
  (the last anlotinib day or toripalimab infusion);
- the worst grade per subject, test and direction (L: low, H: high): 0 when
  post-baseline values exist and none meets grade 1, empty when there is none
  or the test has no CTCAE term in that direction (urine protein, TSH and
  free T4: no value-based laboratory term);
- only the value criteria count; criteria needing clinical judgment
  (life-threatening consequences, intervention indicated, transfusion) are out,
  so grade 4 of anemia or hypoalbuminemia is never reached;
- ALT, AST, alkaline phosphatase, bilirubin: a baseline at or below the ULN
  (or no baseline) is graded on multiples of the ULN, one above it on multiples
  of the baseline; creatinine: the higher of the ULN grade and the baseline
  grade (its grade 2 and 3 criteria name both);
- an interval "a - b" of the text is read as above a (below, for a low term)
  up to b; the grade is the highest whose lower bound the value passes.
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


# --- laboratory and blood-pressure grades (NCI-CTCAE v5.0, value criteria) ----------------------

# per test code and direction: (CTCAE term, thresholds of grades 1, 2, ...): a number (SI units of
# labs.LAB_TESTS), "LLN", "ULN", "kULN" (k x ULN), "ULN+k" (k above the ULN, same units), "kB"
# (k x baseline); a leading ">=" makes the bound inclusive; None: no criterion for the grade.
# For "H" a value passes a bound above it, for "L" below it. "A" lists the thresholds that
# apply when the baseline is above the ULN; "B" further baseline criteria (creatinine).
CTCAE_V5: dict[tuple[str, str], dict] = {
    ("HGB", "L"): {"term": "Anemia", "N": ("LLN", 100, 80)},
    ("HGB", "H"): {"term": "Hemoglobin increased", "N": ("ULN", "ULN+20", "ULN+40")},
    ("WBC", "L"): {"term": "White blood cell decreased", "N": ("LLN", 3.0, 2.0, 1.0)},
    ("WBC", "H"): {"term": "Leukocytosis", "N": (None, None, 100)},
    ("NEUT", "L"): {"term": "Neutrophil count decreased", "N": ("LLN", 1.5, 1.0, 0.5)},
    ("LYM", "L"): {"term": "Lymphocyte count decreased", "N": ("LLN", 0.8, 0.5, 0.2)},
    ("LYM", "H"): {"term": "Lymphocyte count increased", "N": (None, 4, 20)},
    ("PLAT", "L"): {"term": "Platelet count decreased", "N": ("LLN", 75, 50, 25)},
    ("ALT", "H"): {
        "term": "Alanine aminotransferase increased",
        "N": ("ULN", "3ULN", "5ULN", "20ULN"),
        "A": (">=1.5B", "3B", "5B", "20B"),
    },
    ("AST", "H"): {
        "term": "Aspartate aminotransferase increased",
        "N": ("ULN", "3ULN", "5ULN", "20ULN"),
        "A": (">=1.5B", "3B", "5B", "20B"),
    },
    ("ALP", "H"): {
        "term": "Alkaline phosphatase increased",
        "N": ("ULN", "2.5ULN", "5ULN", "20ULN"),
        "A": (">=2B", "2.5B", "5B", "20B"),
    },
    ("BILI", "H"): {
        "term": "Blood bilirubin increased",
        "N": ("ULN", "1.5ULN", "3ULN", "10ULN"),
        "A": ("1B", "1.5B", "3B", "10B"),
    },
    ("CREAT", "H"): {"term": "Creatinine increased", "N": ("ULN", "1.5ULN", "3ULN", "6ULN"), "B": (None, "1.5B", "3B")},
    ("GLUC", "L"): {"term": "Hypoglycemia", "N": ("LLN", 3.0, 2.2, 1.7)},
    ("TRIG", "H"): {"term": "Hypertriglyceridemia", "N": (">=1.71", 3.42, 5.7, 11.4)},
    ("CHOL", "H"): {"term": "Cholesterol high", "N": ("ULN", 7.75, 10.34, 12.92)},
    ("ALB", "L"): {"term": "Hypoalbuminemia", "N": ("LLN", 30, 20)},
}
# Hypertension (v5.0, adult): grade 1 SBP 120-139 or DBP 80-89; grade 2 SBP 140-159 or DBP 90-99;
# grade 3 SBP >= 160 or DBP >= 100 (grade 4: life-threatening consequences, clinical: out)
HYPERTENSION_SBP = (120, 140, 160)
HYPERTENSION_DBP = (80, 90, 100)


def _bound(spec, lln: np.ndarray, uln: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, bool]:
    """(the bound's value per row, inclusive) of one threshold of CTCAE_V5."""
    if isinstance(spec, (int, float)):
        return np.full(lln.shape, float(spec)), False
    text = str(spec)
    inclusive = text.startswith(">=")
    text = text.removeprefix(">=")
    if text == "LLN":
        return lln, inclusive
    if text == "ULN":
        return uln, inclusive
    if text.startswith("ULN+"):
        return uln + float(text[4:]), inclusive
    if text.endswith("ULN"):
        return float(text[:-3]) * uln, inclusive
    if text.endswith("B"):
        return float(text[:-1]) * base, inclusive
    return np.full(lln.shape, float(text)), inclusive


def ctcae_grade(
    values: np.ndarray,
    thresholds: tuple,
    direction: str,
    lln: np.ndarray,
    uln: np.ndarray,
    base: np.ndarray,
) -> np.ndarray:
    """The grade (0 ...) of each value by one threshold list of CTCAE_V5 (NaN bound: not met)."""
    grade = np.zeros(values.shape, dtype=np.int64)
    for g, spec in enumerate(thresholds, start=1):
        if spec is None:
            continue
        bound, inclusive = _bound(spec, lln, uln, base)
        if direction == "H":
            met = values >= bound if inclusive else values > bound
        else:
            met = values <= bound if inclusive else values < bound
        grade = np.where(met & ~np.isnan(bound), g, grade)
    return grade


def _post_baseline(study) -> tuple[np.ndarray, np.ndarray]:
    """(baseline sample, post-baseline sample) masks of the lab samples (see the module docstring)."""
    labs = study.labs
    smp = labs.samples
    cy = study.treatment.cycles
    given = np.where(cy["held"].to_numpy(), np.nan, cy["start"].to_numpy())
    last = np.fmax(cy["stop"].to_numpy(dtype=float), given)
    last_dose = pd.Series(last).groupby(cy["subj"].to_numpy()).max().reindex(range(study.subjects.treated.size))
    rel = smp["rel"].to_numpy(dtype=float)
    subj = smp["subj"].to_numpy()
    post = (rel > 0) & (rel <= last_dose.to_numpy()[subj] + 30)
    on_or_before = rel <= 0
    # the last sample on or before the first dose, per subject
    order = np.arange(len(smp))
    last_pre = pd.Series(np.where(on_or_before, order, -1)).groupby(subj).transform("max").to_numpy()
    return order == last_pre, post


def lab_truth(study) -> pd.DataFrame:
    """Per treated subject and laboratory test: the baseline, and the worst post-baseline
    CTCAE v5.0 grade low and high (see the module docstring)."""
    from .labs import LAB_TESTS, reported

    labs = study.labs
    rep = reported(labs)
    smp = labs.samples
    subj = smp["subj"].to_numpy()
    baseline, post = _post_baseline(study)
    t = study.subjects.treated.size
    ids = study.subjects.subject_id[study.subjects.treated]
    rows = []
    for j, test in enumerate(LAB_TESTS):
        value, lln, uln = rep["result_si"][:, j], rep["low_si"][:, j], rep["high_si"][:, j]
        base_of = np.full(t, np.nan)
        base_uln = np.full(t, np.nan)
        base_of[subj[baseline]] = value[baseline]
        base_uln[subj[baseline]] = uln[baseline]
        base = base_of[subj]
        abnormal = base > base_uln[subj]
        out = {"SUBJECT": ids, "LBTESTCD": np.full(t, test.code, dtype=object), "BASE": base_of}
        n_post = np.bincount(subj[post], minlength=t)
        out["N_POST"] = n_post
        for direction in ("L", "H"):
            rule = CTCAE_V5.get((test.code, direction))
            if rule is None:
                out[f"TERM_{direction}"] = np.full(t, "", dtype=object)
                out[f"GRADE_{direction}"] = np.full(t, np.nan)
                continue
            grade = ctcae_grade(value, rule["N"], direction, lln, uln, base)
            if "A" in rule:
                grade = np.where(abnormal, ctcae_grade(value, rule["A"], direction, lln, uln, base), grade)
            if "B" in rule:
                grade = np.maximum(grade, ctcae_grade(value, rule["B"], direction, lln, uln, base))
            worst = np.full(t, -1)
            np.maximum.at(worst, subj[post], grade[post])
            out[f"TERM_{direction}"] = np.full(t, rule["term"], dtype=object)
            out[f"GRADE_{direction}"] = np.where(worst >= 0, worst, np.nan)
        rows.append(pd.DataFrame(out))
    frame = pd.concat(rows, ignore_index=True)
    frame["_order"] = np.tile(np.arange(t), len(LAB_TESTS))
    frame = frame.sort_values(["_order"], kind="stable").drop(columns="_order").reset_index(drop=True)
    columns = ["SUBJECT", "LBTESTCD", "BASE", "N_POST", "TERM_L", "GRADE_L", "TERM_H", "GRADE_H"]
    frame = frame[columns]
    for c in ("GRADE_L", "GRADE_H"):
        frame[c] = frame[c].astype("Int64")
    return frame


def hypertension_truth(study) -> pd.DataFrame:
    """Per treated subject: baseline and highest post-baseline SBP / DBP (as reported, mmHg) and the
    worst post-baseline CTCAE v5.0 hypertension grade by the blood-pressure values."""
    labs = study.labs
    smp = labs.samples
    subj = smp["subj"].to_numpy()
    baseline, post = _post_baseline(study)
    t = study.subjects.treated.size
    sbp = np.round(labs.vitals[:, 0])
    dbp = np.round(labs.vitals[:, 1])
    grade = np.maximum(
        np.searchsorted(HYPERTENSION_SBP, sbp, side="right"), np.searchsorted(HYPERTENSION_DBP, dbp, side="right")
    )
    worst = np.full(t, -1)
    np.maximum.at(worst, subj[post], grade[post])
    max_sbp = np.full(t, np.nan)
    max_dbp = np.full(t, np.nan)
    np.fmax.at(max_sbp, subj[post], sbp[post])
    np.fmax.at(max_dbp, subj[post], dbp[post])
    base_sbp = np.full(t, np.nan)
    base_dbp = np.full(t, np.nan)
    base_sbp[subj[baseline]] = sbp[baseline]
    base_dbp[subj[baseline]] = dbp[baseline]
    return pd.DataFrame(
        {
            "SUBJECT": study.subjects.subject_id[study.subjects.treated],
            "BASE_SYSBP": base_sbp,
            "BASE_DIABP": base_dbp,
            "MAX_SYSBP": max_sbp,
            "MAX_DIABP": max_dbp,
            "GRADE": pd.array(np.where(worst >= 0, worst, np.nan), dtype="Int64"),
        }
    )
