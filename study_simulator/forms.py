"""The CRF forms as the EDC exports them.

Each builder returns a DataFrame whose public columns are the export's columns
(lineage first) and whose private columns (``_subj``: subject index, ``_alive``:
a day number on which the record shows the subject alive) serve the truth file
and are dropped before writing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import recist
from . import settings as cl
from .course import MAX_NONTARGETS, MAX_TARGETS, Course, Subjects, Tumours, _choice, _uniform_int
from .dates import format_edc_date
from .labs import LabData, build_lb_vs
from .settings import SimulationSettings
from .treatment import INFUSION_REACTION, INTERRUPT, NONE, NOT_APPLICABLE, REDUCE, WITHDRAW, Treatment

LINEAGE = ["STUDY", "SITENUMBER", "SUBJECT", "FORM", "FOLDER", "RECORDPOSITION"]

# form OID -> file name
FILES = {
    "DM": "dm.csv",
    "IC": "ic.csv",
    "IE": "ie.csv",
    "ENR": "enr.csv",
    "DX": "dx.csv",
    "MH": "mh.csv",
    "PRTX": "prtx.csv",
    "ECOG": "ecog.csv",
    "EXANL": "ex_anlotinib.csv",
    "EXTOR": "ex_toripalimab.csv",
    "TU": "tu.csv",
    "TR": "tr.csv",
    "RS": "rs.csv",
    "AE": "ae.csv",
    "CM": "cm.csv",
    "SV": "sv.csv",
    "EOT": "eot.csv",
    "EOS": "eos.csv",
    "DD": "dd.csv",
    "SFU": "sfu.csv",
    "LB": "lb.csv",
    "VS": "vs.csv",
}

_TO_CRF = {
    recist.CR: "CR",
    recist.PR: "PR",
    recist.SD: "SD",
    recist.PD: "PD",
    recist.NE: "NE",
    recist.NON_CR_NON_PD: "Non-CR/Non-PD",
    recist.NEW_YES: "Yes",
    recist.NEW_NO: "No",
    recist.NEW_EQUIVOCAL: "Equivocal",
}


@dataclass
class Study:
    settings: SimulationSettings
    subjects: Subjects
    course: Course
    tumours: Tumours
    treatment: Treatment
    inv: dict  # investigator responses on the tumour grid (T, C) object arrays
    folders: np.ndarray  # (T, C) folder of each tumour assessment column
    altered: np.ndarray  # (T, C) investigator call altered
    male: np.ndarray | None = None  # (N,) set by build_screening (the DM form's sex)
    labs: LabData | None = None  # set by build_labs


# what a site writes in the comment box of a page, where it writes one
SERIOUS_AE_COMMENT = "Serious adverse event: SAE report sent to the sponsor within 24 hours"
NOT_EVALUABLE_COMMENT = "Overall response not evaluable: imaging incomplete at this assessment"


def _yes_no(flag) -> np.ndarray:
    return _text(flag, "Yes", "No")


def _text(flag, yes: str, no: str = "") -> np.ndarray:
    """Object array of two shared strings chosen by ``flag``."""
    return np.array([no, yes], dtype=object)[np.asarray(flag, dtype=bool).astype(np.int8)]


def _pick(codelist, index) -> np.ndarray:
    values = np.asarray(codelist, dtype=object)
    index = np.asarray(index)
    out = np.full(index.shape, "", dtype=object)
    ok = index >= 0
    out[ok] = values[index[ok]]
    return out


def _frame(study: Study, subj, form: str, folder, recpos, columns: dict, alive=None) -> pd.DataFrame:
    sub = study.subjects
    subj = np.asarray(subj, dtype=np.int64)
    n = subj.size
    data = {
        "STUDY": np.full(n, study.settings.study_id, dtype=object),
        "SITENUMBER": np.asarray(study.settings.site_numbers, dtype=object)[sub.site[subj]],
        "SUBJECT": sub.subject_id[subj],
        "FORM": np.full(n, form, dtype=object),
        "FOLDER": np.broadcast_to(np.asarray(folder, dtype=object), (n,)).copy(),
        "RECORDPOSITION": np.broadcast_to(np.asarray(recpos, dtype=np.int64), (n,)).copy(),
    }
    data.update(columns)
    data["_subj"] = subj
    data["_alive"] = np.full(n, np.nan) if alive is None else np.asarray(alive, dtype=float)
    return pd.DataFrame(data)


def _log_position(subj: np.ndarray) -> np.ndarray:
    """1, 2, ... within runs of equal subject (rows sorted by subject)."""
    subj = np.asarray(subj)
    if subj.size == 0:
        return subj.astype(np.int64)
    start = np.r_[True, subj[1:] != subj[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(subj.size), 0))
    return np.arange(subj.size) - first + 1


def _numbered(prefix: str, numbers, width: int = 2) -> np.ndarray:
    numbers = np.asarray(numbers, dtype=np.int64)
    if numbers.size == 0:
        return np.array([], dtype=object)
    top = int(numbers.max())
    table = np.array([f"{prefix}{i:0{width}d}" for i in range(top + 1)], dtype=object)
    return table[numbers]


def _num_text(values, decimals: int = 0) -> np.ndarray:
    """Numbers as the EDC prints them ("12", "10.5"), missing as ""."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape, "", dtype=object)
    ok = ~np.isnan(values)
    if decimals == 0:
        ints = np.rint(values[ok]).astype(np.int64)
        if ints.size:
            lo, hi = int(ints.min()), int(ints.max())
            table = np.array([str(i) for i in range(lo, hi + 1)], dtype=object)
            out[ok] = table[ints - lo]
    else:
        out[ok] = [f"{v:.{decimals}f}" for v in values[ok]]
    return out


# --- screening forms -------------------------------------------------------------------


def build_screening(study: Study, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    s, sub = study.settings, study.subjects
    n = sub.n
    allsubj = np.arange(n)
    consent = sub.consent.astype(float)
    forms: dict[str, pd.DataFrame] = {}

    # DM
    lo, hi = s.age_range
    age = np.clip(np.rint(rng.normal(s.age_mean, s.age_sd, n)), lo, hi).astype(np.int64)
    birth = consent - age * 365.25 - np.floor(rng.random(n) * 365)
    age = np.floor((consent - birth) / 365.25).astype(np.int64)
    male = rng.random(n) < s.male_share
    study.male = male
    race = _choice(rng, s.race_probs, n)
    ethnic = (rng.random(n) < 0.08).astype(np.int64)
    forms["DM"] = _frame(
        study,
        allsubj,
        "DM",
        "SCRN",
        0,
        {
            "BRTHDAT": format_edc_date(birth),
            "AGE": _num_text(age),
            "SEX": np.where(male, cl.SEX[0], cl.SEX[1]).astype(object),
            "RACE": _pick(cl.RACE, race),
            "ETHNIC": _pick(cl.ETHNIC, ethnic),
        },
        alive=consent,
    )

    # IC
    forms["IC"] = _frame(
        study,
        allsubj,
        "IC",
        "SCRN",
        0,
        {"ICDAT": format_edc_date(consent), "ICVERS": np.full(n, s.icf_version, dtype=object)},
        alive=consent,
    )

    # IE: one row for eligible subjects, one per unmet criterion for failures
    fail_crit = sub.screen_fail & ~sub.sf_withdrew
    n_crit = np.where(fail_crit, 1 + (rng.random(n) < 0.25), 1)
    ie_subj = np.repeat(allsubj, n_crit)
    first = np.r_[True, ie_subj[1:] != ie_subj[:-1]] if ie_subj.size else np.array([], bool)
    crit = np.floor(rng.random(ie_subj.size) * len(cl.ELIGIBILITY_CRITERIA)).astype(np.int64)
    crit = np.where(first, crit, (np.r_[0, crit[:-1]] + 1 + (crit % 3)) % len(cl.ELIGIBILITY_CRITERIA))
    failed = fail_crit[ie_subj]
    crit_tab = np.asarray(cl.ELIGIBILITY_CRITERIA, dtype=object)
    ie_yn = np.where(failed, "No", _text(~sub.sf_withdrew[ie_subj], "Yes"))
    forms["IE"] = _frame(
        study,
        ie_subj,
        "IE",
        "SCRN",
        np.where(failed, _log_position(ie_subj), 0),
        {
            "IEYN": ie_yn,
            "IECAT": np.where(failed, crit_tab[crit, 0], ""),
            "IETESTCD": np.where(failed, crit_tab[crit, 1], ""),
            "IETEST": np.where(failed, crit_tab[crit, 2], ""),
        },
    )
    ecog_fail = np.zeros(n, dtype=bool)
    ecog_fail[ie_subj[failed & (crit == 0)]] = True

    # ENR
    sf_reason = np.where(sub.sf_withdrew, 1, 0)
    forms["ENR"] = _frame(
        study,
        allsubj,
        "ENR",
        "SCRN",
        0,
        {
            "ENRYN": _yes_no(~sub.screen_fail),
            "ENRDAT": format_edc_date(sub.enrol),
            "SFREAS": np.where(sub.screen_fail, _pick(cl.SCREEN_FAILURE_REASON, sf_reason), ""),
        },
        alive=sub.enrol,
    )

    # DX: primary diagnosis and histology
    hist = _choice(rng, cl.HISTOLOGY_PROBS, n)
    hist_other = np.floor(rng.random(n) * len(cl.HISTOLOGY_OTHER)).astype(np.int64)
    other = hist == len(cl.HISTOLOGY) - 1
    dx_day = consent - _uniform_int(rng, (180, 2500), n)
    forms["DX"] = _frame(
        study,
        allsubj,
        "DX",
        "SCRN",
        0,
        {
            "DXDAT": format_edc_date(dx_day),
            "HISTOL": _pick(cl.HISTOLOGY, hist),
            "HISTOLSP": np.where(other, _pick(cl.HISTOLOGY_OTHER, hist_other), ""),
            "PRIMSITE": _pick(cl.PRIMARY_SITE, _choice(rng, cl.PRIMARY_SITE_PROBS, n)),
            "FNCLCC": _pick(cl.FNCLCC_GRADE, _choice(rng, (0.1, 0.4, 0.45, 0.05), n)),
            "STAGE": _pick(cl.DISEASE_STAGE, (rng.random(n) < 0.8).astype(np.int64)),
        },
    )

    # MH: other medical history
    n_terms = len(cl.MEDICAL_HISTORY)
    has = rng.random((n, n_terms)) < s.medical_history_mean / n_terms
    ms, mt = np.nonzero(has)
    m_start = consent[ms] - _uniform_int(rng, (30, 3650), ms.size)
    m_ongoing = rng.random(ms.size) < 0.7
    m_end = np.where(m_ongoing, np.nan, np.minimum(m_start + _uniform_int(rng, (10, 720), ms.size), consent[ms] - 1))
    mh_tab = np.asarray(cl.MEDICAL_HISTORY, dtype=object)
    forms["MH"] = _frame(
        study,
        ms,
        "MH",
        "SCRN",
        _log_position(ms),
        {
            "MHTERM": mh_tab[mt, 0],
            "MHSTDAT": format_edc_date(m_start),
            "MHONGO": _yes_no(m_ongoing),
            "MHENDAT": format_edc_date(m_end),
        },
    )

    # PRTX: prior anti-cancer therapy (systemic lines, surgery, radiotherapy)
    lines = 1 + _choice(rng, (0.6, 0.3, 0.1), n)
    surgery = rng.random(n) < 0.8
    radio = rng.random(n) < 0.4
    rows = []
    # systemic lines, most recent ending shortly before consent
    for line in range(3):
        idx = np.flatnonzero(lines > line)
        back = lines[idx] - line  # 1 = the last line
        end = consent[idx] - 30 - (back - 1) * 200 - _uniform_int(rng, (0, 120), idx.size)
        start = end - _uniform_int(rng, (60, 180), idx.size)
        trt = np.where(
            line == 0,
            _choice(rng, (0.35, 0.35, 0.2, 0.1, 0, 0), idx.size),
            _choice(rng, (0.05, 0.05, 0.05, 0.4, 0.2, 0.25), idx.size),
        )
        resp = _choice(rng, (0.02, 0.15, 0.35, 0.4, 0.08), idx.size)
        reas = _choice(rng, (0.6, 0.15, 0.2, 0.05), idx.size)
        rows.append(
            pd.DataFrame(
                {
                    "subj": idx,
                    "order": 10 + line,
                    "cat": 0,
                    "trt": _pick(cl.PRIOR_SYSTEMIC, trt),
                    "line": line + 1,
                    "start": start,
                    "end": end,
                    "resp": _pick(cl.PRIOR_RESPONSE, resp),
                    "reas": _pick(cl.PRIOR_STOP_REASON, reas),
                }
            )
        )
    for cat, flag, names in ((1, surgery, cl.PRIOR_SURGERY), (2, radio, cl.PRIOR_RADIOTHERAPY)):
        idx = np.flatnonzero(flag)
        start = consent[idx] - _uniform_int(rng, (200, 2000), idx.size)
        end = start if cat == 1 else start + _uniform_int(rng, (20, 40), idx.size)
        which = np.floor(rng.random(idx.size) * len(names)).astype(np.int64)
        rows.append(
            pd.DataFrame(
                {
                    "subj": idx,
                    "order": cat,
                    "cat": cat,
                    "trt": _pick(names, which),
                    "line": -1,
                    "start": start,
                    "end": end,
                    "resp": "",
                    "reas": "",
                }
            )
        )
    pr = pd.concat(rows, ignore_index=True).sort_values(["subj", "start", "order"], kind="stable")
    ps = pr["subj"].to_numpy()
    forms["PRTX"] = _frame(
        study,
        ps,
        "PRTX",
        "SCRN",
        _log_position(ps),
        {
            "PRCAT": _pick(cl.PRIOR_CATEGORY, pr["cat"].to_numpy()),
            "PRTRT": pr["trt"].to_numpy(),
            "PRLINE": np.where(pr["line"].to_numpy() > 0, _num_text(pr["line"].to_numpy()), ""),
            "PRSTDAT": format_edc_date(pr["start"].to_numpy()),
            "PRENDAT": format_edc_date(pr["end"].to_numpy()),
            "PRBRESP": pr["resp"].to_numpy(),
            "PRDCREAS": pr["reas"].to_numpy(),
        },
    )

    # ECOG at baseline: screen failures on the ECOG criterion score 3
    ecog = _choice(rng, s.ecog_probs, n)
    ecog = np.where(ecog_fail, 3, ecog)
    ecog_day = consent + np.floor(rng.random(n) * 5)
    ecog_day = np.where(sub.screen_fail, ecog_day, np.minimum(ecog_day, sub.first_dose - 1))
    forms["ECOG"] = _frame(
        study,
        allsubj,
        "ECOG",
        "SCRN",
        0,
        {"ECOGDAT": format_edc_date(ecog_day), "ECOGPS": _pick(cl.ECOG, ecog)},
        alive=ecog_day,
    )
    return forms


# --- treatment forms --------------------------------------------------------------------


def build_treatment(study: Study, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    s, sub, tr = study.settings, study.subjects, study.treatment
    treated = sub.treated
    fd = sub.first_dose[treated]
    h = study.course.horizon.astype(float)
    forms: dict[str, pd.DataFrame] = {}
    cy = tr.cycles
    ct = cy["subj"].to_numpy()
    subj = treated[ct]
    start = fd[ct] + cy["start"].to_numpy()
    stop_rel = cy["stop"].to_numpy()
    stop = np.where(stop_rel > h[ct], np.nan, fd[ct] + stop_rel)  # still dosing at cut-off
    level = cy["level"].to_numpy()
    prev_level = cy.groupby("subj")["level"].shift(1).fillna(0).to_numpy()
    reduced = level > prev_level
    doses = np.asarray(s.anlotinib_dose_levels_mg)
    folder = _numbered("C", cy["cycle"].to_numpy() + 1)
    interrupted = cy["interrupted"].to_numpy()
    forms["EXANL"] = _frame(
        study,
        subj,
        "EXANL",
        folder,
        0,
        {
            "EXCYCLE": _num_text(cy["cycle"].to_numpy() + 1),
            "EXSTDAT": format_edc_date(start),
            "EXENDAT": format_edc_date(stop),
            "EXDOSE": _num_text(doses[level]),
            "EXDOSU": np.full(len(cy), "mg", dtype=object),
            "EXDOSADJ": _yes_no(reduced),
            "EXADJREAS": _text(reduced, cl.DOSE_CHANGE_REASON[0]),
            "EXINT": _yes_no(interrupted),
            "EXINTREAS": _text(interrupted, cl.INTERRUPTION_REASON[0]),
        },
        alive=np.fmax(start, stop),
    )
    held = cy["held"].to_numpy()
    react = cy["infusion_reaction"].to_numpy()
    forms["EXTOR"] = _frame(
        study,
        subj,
        "EXTOR",
        folder,
        0,
        {
            "EXCYCLE": _num_text(cy["cycle"].to_numpy() + 1),
            "EXADM": _yes_no(~held),
            "EXNDREAS": _text(held, cl.NOT_GIVEN_REASON[0]),
            "EXDAT": np.where(held, "", format_edc_date(start)),
            "EXDOSE": np.where(held, "", _num_text(np.full(len(cy), s.toripalimab_dose_mg))),
            "EXDOSU": _text(~held, "mg"),
            "EXINT": np.where(held, "", _yes_no(react)),
            "EXINTREAS": _text(react, "Infusion-related reaction"),
        },
        alive=start,
    )

    # AE
    ae = tr.ae
    at = ae["subj"].to_numpy()
    a_subj = treated[at]
    term_idx = ae["term"].to_numpy()
    names = np.array([p.term for p in s.ae_profile] + list(s.fatal_ae_terms), dtype=object)
    term = np.where(term_idx < 0, INFUSION_REACTION, names[np.maximum(term_idx, 0)])
    onset = fd[at] + ae["onset"].to_numpy()
    end = fd[at] + ae["end"].to_numpy()
    act_a_map = {NONE: 0, REDUCE: 1, INTERRUPT: 2, WITHDRAW: 3, NOT_APPLICABLE: 4}
    act_t_map = {NONE: 0, INTERRUPT: 1, WITHDRAW: 2, NOT_APPLICABLE: 3}
    act_a = pd.Series(ae["act_a"]).map(act_a_map).to_numpy()
    act_t = pd.Series(ae["act_t"]).map(act_t_map).to_numpy()
    fatal = ae["fatal"].to_numpy()
    outcome = ae["outcome"].to_numpy()
    ongoing = np.isnan(end)
    # the seriousness criteria, asked of a serious event only: a fatal one results in death, a
    # grade 4 one is life-threatening, every other serious one requires or prolongs hospitalisation
    serious = ae["serious"].to_numpy()
    grade = ae["grade"].to_numpy()
    criteria = {
        "AESCONG": np.zeros(len(ae), dtype=bool),
        "AESDISAB": np.zeros(len(ae), dtype=bool),
        "AESDTH": fatal,
        "AESHOSP": serious & ~fatal,
        "AESLIFE": serious & (grade == 4),
        "AESMIE": np.zeros(len(ae), dtype=bool),
    }
    alive_ae = np.where(fatal, np.nan, np.fmax(onset, np.where(np.isin(outcome, [0, 1, 3]), end, np.nan)))
    forms["AE"] = _frame(
        study,
        a_subj,
        "AE",
        "LOG",
        _log_position(a_subj),
        {
            "AETERM": term,
            "AEPT": np.array([cl.AE_CODING[t][0] for t in term], dtype=object),
            "AESOC": np.array([cl.AE_CODING[t][1] for t in term], dtype=object),
            "AESOCCD": np.array([cl.SOC_CODES[cl.AE_CODING[t][1]] for t in term], dtype=object),
            "AESTDAT": format_edc_date(onset),
            "AEENDAT": format_edc_date(end),
            "AEONGO": _yes_no(ongoing),
            "AETOXGR": _num_text(ae["grade"].to_numpy()),
            "AESER": _yes_no(serious),
            **{name: np.where(serious, _yes_no(flag), "") for name, flag in criteria.items()},
            "AERELANL": _text(ae["rel_a"].to_numpy(), cl.RELATEDNESS[0], cl.RELATEDNESS[1]),
            "AERELTOR": _text(ae["rel_t"].to_numpy(), cl.RELATEDNESS[0], cl.RELATEDNESS[1]),
            "AEACNANL": _pick(cl.ACTION_ANLOTINIB, act_a),
            "AEACNTOR": _pick(cl.ACTION_TORIPALIMAB, act_t),
            "AEOUT": _pick(cl.AE_OUTCOME, outcome),
            "AECOMM": _text(ae["serious"].to_numpy(), SERIOUS_AE_COMMENT),
        },
        alive=alive_ae,
    )

    # CM: general medications, medications for adverse events, subsequent anti-cancer therapy
    t = treated.size
    eot_or_h = np.where(np.isnan(tr.eot_day), h, tr.eot_day)
    n_gen = len(cl.GENERAL_CONMEDS)
    has = rng.random((t, n_gen)) < s.conmed_mean / n_gen
    gs, gj = np.nonzero(has)
    g_start = np.where(
        rng.random(gs.size) < 0.5,
        -_uniform_int(rng, (1, 365), gs.size),
        np.floor(rng.random(gs.size) * np.maximum(eot_or_h[gs], 1)),
    )
    g_end = g_start + _uniform_int(rng, (3, 120), gs.size)
    g_end = np.where(g_end > h[gs], np.nan, g_end)
    gen_tab = np.asarray(cl.GENERAL_CONMEDS, dtype=object)
    parts = [
        pd.DataFrame(
            {
                "subj": gs,
                "start": g_start,
                "end": g_end,
                "trt": gen_tab[gj, 0],
                "indc": gen_tab[gj, 1],
                "route": gen_tab[gj, 2],
                "anca": False,
            }
        )
    ]
    conmed_of = np.array([p.conmed for p in s.ae_profile] + [""] * (len(s.fatal_ae_terms)), dtype=object)
    cm_term = np.where(term_idx < 0, "", conmed_of[np.maximum(term_idx, 0)])
    need = (cm_term != "") & (ae["grade"].to_numpy() >= 2)
    ns = at[need]
    n_start = ae["onset"].to_numpy()[need] + rng.integers(0, 4, ns.size)
    keep = n_start <= h[ns]
    n_end = ae["end"].to_numpy()[need]
    route = np.array([cl.CONMED_ROUTE_FOR.get(x, "Oral") for x in cm_term[need]], dtype=object)
    parts.append(
        pd.DataFrame(
            {
                "subj": ns[keep],
                "start": n_start[keep],
                "end": np.where(n_end[keep] < n_start[keep], n_start[keep], n_end[keep]),
                "trt": cm_term[need][keep],
                "indc": term[need][keep],
                "route": route[keep],
                "anca": False,
            }
        )
    )
    nt = np.flatnonzero(~np.isnan(tr.new_therapy_day))
    nt_end = tr.new_therapy_day[nt] + _uniform_int(rng, (40, 200), nt.size)
    parts.append(
        pd.DataFrame(
            {
                "subj": nt,
                "start": tr.new_therapy_day[nt],
                "end": np.where(nt_end > h[nt], np.nan, nt_end),
                "trt": _pick(cl.SUBSEQUENT_THERAPY, tr.new_therapy[nt]),
                "indc": "Soft tissue sarcoma",
                "route": _text(np.isin(tr.new_therapy[nt], [3, 5]), "Oral", "Intravenous"),
                "anca": True,
            }
        )
    )
    cm = pd.concat(parts, ignore_index=True).sort_values(["subj", "start"], kind="stable")
    # no medication is taken after death: one still running then ends on the day of death
    died_on = tr.death_day[cm["subj"].to_numpy()]
    cm["end"] = np.where(cm["end"].to_numpy() > died_on, died_on, cm["end"].to_numpy())
    cs = cm["subj"].to_numpy()
    c_start = fd[cs] + cm["start"].to_numpy()
    c_end = fd[cs] + cm["end"].to_numpy()
    forms["CM"] = _frame(
        study,
        treated[cs],
        "CM",
        "LOG",
        _log_position(cs),
        {
            "CMTRT": cm["trt"].to_numpy(),
            "CMINDC": cm["indc"].to_numpy(),
            "CMROUTE": cm["route"].to_numpy(),
            "CMSTDAT": format_edc_date(c_start),
            "CMENDAT": format_edc_date(c_end),
            "CMONGO": _yes_no(np.isnan(c_end)),
            "CMANCA": _yes_no(cm["anca"].to_numpy()),
        },
    )
    return forms


# --- tumour forms -------------------------------------------------------------------------


def build_tumour(study: Study) -> dict[str, pd.DataFrame]:
    sub, tu_ = study.subjects, study.tumours
    treated = sub.treated
    fd = sub.first_dose[treated]
    t, n_cols = tu_.kept.shape
    kept = tu_.kept
    folders = study.folders
    method = _pick(cl.METHOD, tu_.method)
    scan_date = fd[:, None] + tu_.day
    forms: dict[str, pd.DataFrame] = {}
    nodal_loc = len(cl.LESION_LOCATION) - 1

    # TU: baseline lesions, then new lesions where first seen
    tl = np.arange(MAX_TARGETS)
    ntl = np.arange(MAX_NONTARGETS)
    ts, tl_i = np.nonzero(tl[None, :] < tu_.n_target[:, None])
    ns, nl_i = np.nonzero(ntl[None, :] < tu_.n_nontarget[:, None])
    new_cum = np.cumsum(np.where(kept, tu_.new_count, 0), axis=1) - np.where(kept, tu_.new_count, 0)
    es, ec = np.nonzero(kept & (tu_.new_count > 0))
    cnt = tu_.new_count[es, ec].astype(np.int64)
    es_r = np.repeat(es, cnt)
    ec_r = np.repeat(ec, cnt)
    k_in = np.arange(es_r.size) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    new_no = new_cum[es_r, ec_r] + k_in + 1
    new_equiv = tu_.new_state[es_r, ec_r] == 2
    parts = [
        pd.DataFrame(
            {
                "subj": ts,
                "col": 0,
                "order": tl_i,
                "lnk": _numbered("T", tl_i + 1),
                "cat": 0,
                "loc": np.where(tu_.t_nodal[ts, tl_i], nodal_loc, tu_.t_loc[ts, tl_i]),
                "nodal": tu_.t_nodal[ts, tl_i],
            }
        ),
        pd.DataFrame(
            {
                "subj": ns,
                "col": 0,
                "order": 10 + nl_i,
                "lnk": _numbered("NT", nl_i + 1),
                "cat": 1,
                "loc": np.where(tu_.nt_nodal[ns, nl_i], nodal_loc, tu_.nt_loc[ns, nl_i]),
                "nodal": tu_.nt_nodal[ns, nl_i],
            }
        ),
        pd.DataFrame(
            {
                "subj": es_r,
                "col": ec_r,
                "order": 20 + new_no,
                "lnk": _numbered("NL", new_no),
                "cat": 2,
                "loc": tu_.new_loc[es_r, np.minimum(k_in, 1)],
                "nodal": False,
                "equiv": new_equiv,
            }
        ),
    ]
    tu = pd.concat(parts, ignore_index=True)
    tu["equiv"] = tu["equiv"].astype("boolean").fillna(False).astype(bool)
    tu = tu.sort_values(["subj", "col", "order"], kind="stable").reset_index(drop=True)
    us, uc = tu["subj"].to_numpy(), tu["col"].to_numpy()
    forms["TU"] = _frame(
        study,
        treated[us],
        "TU",
        folders[us, uc],
        _log_position(us * (n_cols + 1) + uc),
        {
            "TULNKID": tu["lnk"].to_numpy(),
            "TUCAT": _pick(cl.LESION_CATEGORY, tu["cat"].to_numpy()),
            "TULOC": _pick(cl.LESION_LOCATION, tu["loc"].to_numpy()),
            "TUNODAL": _yes_no(tu["nodal"].to_numpy()),
            "TUMETHOD": method[us],
            "TUDAT": format_edc_date(scan_date[us, uc]),
        },
    )

    # TR: every lesion at every assessment
    ks, kc, kl = np.nonzero(kept[:, :, None] & (tl[None, None, :] < tu_.n_target[:, None, None]))
    diam = tu_.t_diam[ks, kc, kl]
    tsm = tu_.t_tsm[ks, kc, kl]
    ne = tu_.t_ne[ks, kc, kl]
    nodal = tu_.t_nodal[ks, kl]
    target = pd.DataFrame(
        {
            "subj": ks,
            "col": kc,
            "order": kl,
            "lnk": _numbered("T", kl + 1),
            "cat": 0,
            "meas": np.where(nodal, cl.MEASUREMENT_TYPE[1], cl.MEASUREMENT_TYPE[0]),
            "diam": _num_text(diam),
            "tsm": _yes_no(tsm),
            "ne": _yes_no(ne),
            "stat": "",
        }
    )
    qs, qc, ql = np.nonzero(kept[:, :, None] & (ntl[None, None, :] < tu_.n_nontarget[:, None, None]))
    state = tu_.nt_state[qs, qc, ql]
    nontarget = pd.DataFrame(
        {
            "subj": qs,
            "col": qc,
            "order": 10 + ql,
            "lnk": _numbered("NT", ql + 1),
            "cat": 1,
            "meas": "",
            "diam": "",
            "tsm": "",
            "ne": "",
            "stat": _pick(cl.LESION_STATE, state),
        }
    )
    new = pd.DataFrame(
        {
            "subj": es_r,
            "col": ec_r,
            "order": 20 + new_no,
            "lnk": _numbered("NL", new_no),
            "cat": 2,
            "meas": "",
            "diam": "",
            "tsm": "",
            "ne": "",
            "stat": np.where(new_equiv, cl.NEW_LESION_STATE[1], cl.NEW_LESION_STATE[0]),
        }
    )
    trf = (
        pd.concat([target, nontarget, new], ignore_index=True)
        .sort_values(["subj", "col", "order"], kind="stable")
        .reset_index(drop=True)
    )
    rs_, rc = trf["subj"].to_numpy(), trf["col"].to_numpy()
    forms["TR"] = _frame(
        study,
        treated[rs_],
        "TR",
        folders[rs_, rc],
        _log_position(rs_ * (n_cols + 1) + rc),
        {
            "TRDAT": format_edc_date(scan_date[rs_, rc]),
            "TULNKID": trf["lnk"].to_numpy(),
            "TUCAT": _pick(cl.LESION_CATEGORY, trf["cat"].to_numpy()),
            "TRMETHOD": method[rs_],
            "TRMEAS": trf["meas"].to_numpy(),
            "TRDIAM": trf["diam"].to_numpy(),
            "TRDIAMU": _text(trf["cat"].to_numpy() == 0, "mm"),
            "TRTSM": trf["tsm"].to_numpy(),
            "TRNE": trf["ne"].to_numpy(),
            "TRSTAT": trf["stat"].to_numpy(),
        },
        alive=scan_date[rs_, rc],
    )

    # RS: the investigator's response at every post-baseline assessment
    post = kept.copy()
    post[:, 0] = False
    ps, pc = np.nonzero(post)
    inv = study.inv

    def crf(values, missing):
        return pd.Series(values, dtype=object).map(_TO_CRF).fillna(missing).to_numpy(dtype=object)

    forms["RS"] = _frame(
        study,
        treated[ps],
        "RS",
        folders[ps, pc],
        0,
        {
            "RSDAT": format_edc_date(scan_date[ps, pc]),
            "TRGRESP": crf(inv["target"][ps, pc], "Not applicable"),
            "NTRGRESP": crf(inv["nontarget"][ps, pc], "Not applicable"),
            "NEWLES": crf(inv["new"][ps, pc], "No"),
            "OVRLRESP": crf(inv["overall"][ps, pc], "NE"),
            "RSCOMM": _text(crf(inv["overall"][ps, pc], "NE") == "NE", NOT_EVALUABLE_COMMENT),
        },
        alive=scan_date[ps, pc],
    )
    return forms


# --- visits and disposition ------------------------------------------------------------------


def build_disposition(study: Study, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    sub, tr, tu_ = study.subjects, study.treatment, study.tumours
    treated = sub.treated
    fd = sub.first_dose[treated]
    forms: dict[str, pd.DataFrame] = {}

    # EOT
    e = np.flatnonzero(~np.isnan(tr.eot_day))
    eot_date = fd[e] + tr.eot_day[e]
    eot_alive = np.where(np.isin(tr.eot_reason[e], [2, 4]), np.nan, eot_date)  # not on death / loss
    forms["EOT"] = _frame(
        study,
        treated[e],
        "EOT",
        "EOT",
        0,
        {"EOTDAT": format_edc_date(eot_date), "EOTREAS": _pick(cl.EOT_REASON, tr.eot_reason[e])},
        alive=eot_alive,
    )

    # EOS: treated subjects who ended, and screen failures
    q = np.flatnonzero(~np.isnan(tr.eos_day))
    sf = np.flatnonzero(sub.screen_fail)
    eos_subj = np.concatenate([treated[q], sf])
    eos_day = np.concatenate([fd[q] + tr.eos_day[q], sub.sf_end[sf]])
    eos_reason = np.concatenate([tr.eos_reason[q], np.full(sf.size, 1)])
    order = np.argsort(eos_subj, kind="stable")
    eos_subj, eos_day, eos_reason = eos_subj[order], eos_day[order], eos_reason[order]
    alive_eos = np.where(np.isin(eos_reason, [0, 1]), eos_day, np.nan)
    forms["EOS"] = _frame(
        study,
        eos_subj,
        "EOS",
        "EOS",
        0,
        {"EOSDAT": format_edc_date(eos_day), "EOSREAS": _pick(cl.EOS_REASON, eos_reason)},
        alive=alive_eos,
    )

    # DD
    d = np.flatnonzero(~np.isnan(tr.death_day))
    forms["DD"] = _frame(
        study,
        treated[d],
        "DD",
        "EOS",
        0,
        {"DTHDAT": format_edc_date(fd[d] + tr.death_day[d]), "DTHCAUS": _pick(cl.DEATH_CAUSE, tr.death_cause[d])},
    )

    # SFU: survival follow-up contacts
    c = tr.contacts
    cs = c["subj"].to_numpy()
    c_date = fd[cs] + c["day"].to_numpy()
    dead = c["dead"].to_numpy()
    forms["SFU"] = _frame(
        study,
        treated[cs],
        "SFU",
        _numbered("FU", c["seq"].to_numpy()),
        0,
        {
            "FUDAT": format_edc_date(c_date),
            "FUMETHOD": _pick(cl.CONTACT_METHOD, c["method"].to_numpy()),
            "FUSTAT": np.where(dead, cl.SURVIVAL_STATUS[1], cl.SURVIVAL_STATUS[0]).astype(object),
        },
        alive=np.where(dead, np.nan, c_date),
    )

    # SV: every visit: screening, cycles, assessments (missed ones too), EOT, the survival follow-up
    # contacts with the subject; the contact that learns of a death (after it) is no visit: SFU only
    seen = ~dead
    all_subj = np.arange(sub.n)
    cy = tr.cycles
    ct = cy["subj"].to_numpy()
    ks, kc = np.nonzero(tu_.kept | tu_.missed)
    kc_post = kc > 0
    ks, kc = ks[kc_post], kc[kc_post]
    parts = [
        pd.DataFrame(
            {
                "subj": all_subj,
                "day": sub.consent.astype(float),
                "folder": "SCRN",
                "yn": True,
                "alive": True,
                "order": 0,
            }
        ),
        pd.DataFrame(
            {
                "subj": treated[ct],
                "day": fd[ct] + cy["start"].to_numpy(),
                "folder": _numbered("C", cy["cycle"].to_numpy() + 1),
                "yn": True,
                "alive": True,
                "order": 1,
            }
        ),
        pd.DataFrame(
            {
                "subj": treated[ks],
                "day": fd[ks] + tu_.day[ks, kc],
                "folder": study.folders[ks, kc],
                "yn": tu_.kept[ks, kc],
                "alive": tu_.kept[ks, kc],
                "order": 2,
            }
        ),
        pd.DataFrame(
            {
                "subj": treated[e],
                "day": eot_date,
                "folder": "EOT",
                "yn": True,
                "alive": ~np.isnan(eot_alive),
                "order": 3,
            }
        ),
        pd.DataFrame(
            {
                "subj": treated[cs[seen]],
                "day": c_date[seen],
                "folder": _numbered("FU", c["seq"].to_numpy()[seen]),
                "yn": True,
                "alive": True,
                "order": 4,
            }
        ),
    ]
    sv = pd.concat(parts, ignore_index=True).sort_values(["subj", "day", "order"], kind="stable")
    yn = sv["yn"].to_numpy()
    day = sv["day"].to_numpy()
    forms["SV"] = _frame(
        study,
        sv["subj"].to_numpy(),
        "SV",
        sv["folder"].to_numpy(),
        0,
        {
            "VISYN": _yes_no(yn),
            "VISDAT": format_edc_date(np.where(yn, day, np.nan)),
            "VISNDRS": _text(~yn, "Assessment missed"),
        },
        alive=np.where(sv["alive"].to_numpy(dtype=bool), day, np.nan),
    )
    return forms


# --- laboratory tests and vital signs ------------------------------------------------------------


def build_labs(study: Study, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    """The lb and vs forms (labs.py); the latent values are kept on the study for the truth."""
    assert study.male is not None, "build_screening runs first (the subjects' sex)"
    forms, study.labs = build_lb_vs(study, rng, _frame, study.male)
    return forms
