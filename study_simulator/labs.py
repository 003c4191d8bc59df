"""Safety laboratory tests and vital signs: the lb and vs forms.

Samples are taken, and vital signs measured, at screening (between consent and
the first dose), on day 1 of every cycle given (the first dose day: before the
dose) and at the end-of-treatment visit (not when treatment ended with death or
loss to follow-up). Only treated subjects have them; none falls before consent,
after death or after the subject's last contact (every visit is a cycle start
or the end-of-treatment visit, both of which the subject attended).

Each site sends its samples to its own laboratory, which reports in
conventional or SI units (a per-site choice drawn from the seed) with its own
reference ranges (per sex where the test has sex-specific ranges): the lb form
carries the result, unit and range as the laboratory printed them. Urine
protein is a dipstick (NEGATIVE, TRACE, 1+, 2+, 3+, 4+): no unit, no range.

The physiology follows the drugs: anlotinib (a VEGFR inhibitor) raises blood
pressure, triglycerides, cholesterol, transaminases, urine protein and TSH
(hypothyroidism), ramping up over the first cycles; toripalimab (anti-PD-1)
adds immune thyroiditis in some subjects (an optional transient hyperthyroid
phase: TSH down, free T4 up; then hypothyroidism: TSH up, free T4 down) and
immune hepatitis (an ALT/AST flare that resolves over weeks). The latent values
are in SI units (``LabTest.si_unit``), which are also the standard units of the
study's spec; the truth (truth.lab_truth) grades them.

The vs form has one row per measurement (VSTEST, VSORRES, VSORRESU, VSPOS):
systolic and diastolic blood pressure (sitting), heart rate, weight, body
temperature, and height at screening only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .dates import format_edc_date
from .treatment import EOT_DEATH, EOT_LTFU

LB_COLUMNS = ["LBDAT", "LBCAT", "LBTEST", "LBORRES", "LBORRESU", "LBORNRLO", "LBORNRHI"]
VS_COLUMNS = ["VSDAT", "VSTEST", "VSORRES", "VSORRESU", "VSPOS"]
DIPSTICK = ("NEGATIVE", "TRACE", "1+", "2+", "3+", "4+")


@dataclass(frozen=True)
class LabTest:
    """One laboratory test: its CRF name, category, units and the population it is drawn from.

    ``factor``: SI value = conventional value x factor. ``ranges``: (low, high) of the
    reference range in SI units for males and females. ``median`` and ``sd``: the
    baseline's log-normal distribution (SI; per sex). ``decimals``: as the laboratory
    prints a result in SI and in conventional units.
    """

    code: str  # the test code (LBTESTCD)
    name: str  # as the CRF names it
    category: str
    si_unit: str
    conv_unit: str
    factor: float
    ranges: tuple[tuple[float, float], tuple[float, float]]  # (male, female)
    median: tuple[float, float]  # (male, female)
    sd: float  # log scale
    decimals: tuple[int, int]  # (SI, conventional)


# Reference ranges and conversion factors: the usual adult values (SI Units conversion table of the
# AMA Manual of Style, 11th ed.; Tietz Clinical Guide to Laboratory Tests); the study spec's
# "Unit Conversions" sheet holds the same factors, for the mapping to read.
LAB_TESTS: tuple[LabTest, ...] = (
    LabTest("HGB", "Hemoglobin", "Hematology", "g/L", "g/dL", 10.0, ((130, 175), (115, 150)), (141, 127), 0.09, (0, 1)),
    LabTest(
        "WBC", "Leukocytes", "Hematology", "10^9/L", "10^3/uL", 1.0, ((3.5, 9.5), (3.5, 9.5)), (6.3, 6.0), 0.25, (2, 1)
    ),
    LabTest(
        "NEUT", "Neutrophils", "Hematology", "10^9/L", "10^3/uL", 1.0, ((1.8, 6.3), (1.8, 6.3)), (3.9, 3.7), 0.3, (2, 1)
    ),
    LabTest(
        "LYM", "Lymphocytes", "Hematology", "10^9/L", "10^3/uL", 1.0, ((1.1, 3.2), (1.1, 3.2)), (1.6, 1.6), 0.3, (2, 1)
    ),
    LabTest(
        "PLAT", "Platelets", "Hematology", "10^9/L", "10^3/uL", 1.0, ((125, 350), (125, 350)), (235, 245), 0.25, (0, 0)
    ),
    LabTest(
        "ALT", "Alanine Aminotransferase", "Chemistry", "U/L", "U/L", 1.0, ((9, 50), (7, 40)), (22, 17), 0.35, (0, 0)
    ),
    LabTest(
        "AST",
        "Aspartate Aminotransferase",
        "Chemistry",
        "U/L",
        "U/L",
        1.0,
        ((15, 40), (13, 35)),
        (23, 20),
        0.25,
        (0, 0),
    ),
    LabTest(
        "ALP", "Alkaline Phosphatase", "Chemistry", "U/L", "U/L", 1.0, ((45, 125), (35, 100)), (78, 68), 0.25, (0, 0)
    ),
    LabTest(
        "BILI",
        "Total Bilirubin",
        "Chemistry",
        "umol/L",
        "mg/dL",
        17.1,
        ((3.4, 20.5), (3.4, 20.5)),
        (10.0, 8.5),
        0.35,
        (1, 2),
    ),
    LabTest("CREAT", "Creatinine", "Chemistry", "umol/L", "mg/dL", 88.4, ((57, 111), (41, 81)), (76, 58), 0.15, (0, 2)),
    LabTest(
        "GLUC", "Glucose", "Chemistry", "mmol/L", "mg/dL", 0.0555, ((3.9, 6.1), (3.9, 6.1)), (5.1, 5.0), 0.1, (1, 0)
    ),
    LabTest(
        "TRIG",
        "Triglycerides",
        "Chemistry",
        "mmol/L",
        "mg/dL",
        0.01129,
        ((0.45, 1.7), (0.45, 1.7)),
        (1.3, 1.2),
        0.35,
        (2, 0),
    ),
    LabTest(
        "CHOL",
        "Cholesterol",
        "Chemistry",
        "mmol/L",
        "mg/dL",
        0.02586,
        ((2.8, 5.2), (2.8, 5.2)),
        (4.3, 4.4),
        0.15,
        (2, 0),
    ),
    LabTest("ALB", "Albumin", "Chemistry", "g/L", "g/dL", 10.0, ((40, 55), (40, 55)), (45, 44), 0.07, (0, 1)),
    LabTest("TSH", "TSH", "Thyroid", "mIU/L", "uIU/mL", 1.0, ((0.27, 4.2), (0.27, 4.2)), (1.8, 1.9), 0.4, (2, 2)),
    LabTest("T4FR", "Free T4", "Thyroid", "pmol/L", "ng/dL", 12.87, ((12, 22), (12, 22)), (16.5, 16), 0.12, (1, 2)),
)
URINE_PROTEIN = ("PROT", "Urine Protein", "Urinalysis")
TEST_INDEX = {t.code: i for i, t in enumerate(LAB_TESTS)}

# vital signs: (code, CRF name, unit, decimals)
VITALS = (
    ("SYSBP", "Systolic Blood Pressure", "mmHg", 0),
    ("DIABP", "Diastolic Blood Pressure", "mmHg", 0),
    ("HR", "Heart Rate", "beats/min", 0),
    ("WEIGHT", "Weight", "kg", 1),
    ("TEMP", "Temperature", "C", 1),
    ("HEIGHT", "Height", "cm", 0),
)


@dataclass
class LabData:
    """The latent (clean, SI) results of the treated subjects, for the forms and the truth.

    ``samples``: one row per visit (subj: treated index, day: day number, rel: days from
    the first dose, folder, order); ``values``: (samples, tests) SI values of LAB_TESTS;
    ``protein``: dipstick index (into DIPSTICK) per sample; ``vitals``: (samples, 5) SBP,
    DBP, heart rate, weight, temperature; ``height``: per treated subject;
    ``low``/``high``: (samples, tests) the reporting laboratory's range in SI units;
    ``conventional``: per sample, whether its laboratory reports in conventional units.
    """

    samples: pd.DataFrame
    values: np.ndarray
    protein: np.ndarray
    vitals: np.ndarray
    height: np.ndarray
    low: np.ndarray
    high: np.ndarray
    conventional: np.ndarray


def _ramp(rel: np.ndarray, days: float = 42.0) -> np.ndarray:
    """The effect of continuous treatment: 0 before the first dose, rising to 1 over weeks."""
    return np.where(rel > 0, 1.0 - np.exp(-np.maximum(rel, 0) / days), 0.0)


def _bump(rel: np.ndarray, onset: np.ndarray, width: float) -> np.ndarray:
    """A flare starting on ``onset``: rises within a week, falls over ``width`` days."""
    t = rel - onset
    return np.where(t < 0, 0.0, np.minimum(t / 7.0, 1.0) * np.exp(-np.maximum(t - 7.0, 0) / width))


def simulate_labs(rng: np.random.Generator, study, male: np.ndarray) -> LabData:
    """Latent laboratory values and vital signs at every visit of the treated subjects."""
    s, sub, tr = study.settings, study.subjects, study.treatment
    treated = sub.treated
    t = treated.size
    fd = sub.first_dose[treated]
    consent = sub.consent[treated].astype(float)
    site = sub.site[treated]
    n_sites = len(s.site_numbers)

    # --- visits ----------------------------------------------------------------------
    cy = tr.cycles
    ct = cy["subj"].to_numpy()
    screen_rel = -np.floor(1 + rng.random(t) * np.minimum(np.maximum(fd - consent - 1, 0), 7))
    screen_rel = np.maximum(screen_rel, consent - fd)
    e = np.flatnonzero(~np.isnan(tr.eot_day) & ~np.isin(tr.eot_reason, [EOT_DEATH, EOT_LTFU]))
    last_cycle = cy.groupby("subj")["start"].max().reindex(range(t)).to_numpy()
    e = e[tr.eot_day[e] > last_cycle[e]]  # an end-of-treatment visit on a cycle day is that cycle's
    parts = [
        pd.DataFrame({"subj": np.arange(t), "rel": screen_rel, "folder": "SCRN", "order": 0}),
        pd.DataFrame(
            {
                "subj": ct,
                "rel": cy["start"].to_numpy(),
                "folder": [f"C{c + 1:02d}" for c in cy["cycle"].to_numpy()],
                "order": 1 + cy["cycle"].to_numpy(),
            }
        ),
        pd.DataFrame({"subj": e, "rel": tr.eot_day[e], "folder": "EOT", "order": 10_000}),
    ]
    samples = pd.concat(parts, ignore_index=True).sort_values(["subj", "order"], kind="stable").reset_index(drop=True)
    subj = samples["subj"].to_numpy()
    rel = samples["rel"].to_numpy(dtype=float)
    samples["day"] = fd[subj] + rel
    n = len(samples)
    sex = np.where(male[treated], 0, 1)
    ramp = _ramp(rel)

    # --- subject-level susceptibility ----------------------------------------------------
    def lognormal(median, sigma, size=t):
        return median * np.exp(rng.normal(0.0, sigma, size))

    lipid = lognormal(0.6, 0.8)  # anlotinib: triglycerides x (1 + lipid)
    liver = lognormal(0.2, 0.7)  # anlotinib: transaminases x (1 + liver)
    thyroid_a = lognormal(0.6, 0.8)  # anlotinib: TSH x (1 + thyroid_a)
    renal = rng.exponential(1.0, t)  # anlotinib: urine protein score
    bp = lognormal(7.0, 0.6)  # anlotinib: mmHg on systolic pressure
    marrow = rng.uniform(0.0, 0.25, t)
    hepatitis = rng.random(t) < 0.08
    hep_onset = rng.uniform(35, 200, t)
    hep_peak = lognormal(6.0, 0.7)  # ALT x (1 + peak) at the height of the flare
    thyroiditis = rng.random(t) < 0.18
    thy_onset = rng.uniform(21, 150, t)
    thy_hyper = rng.random(t) < 0.4
    thy_depth = lognormal(8.0, 0.6)

    # --- laboratory values (SI) ------------------------------------------------------------
    k = len(LAB_TESTS)
    base = np.empty((t, k))
    for j, test in enumerate(LAB_TESTS):
        med = np.asarray(test.median, dtype=float)[sex]
        base[:, j] = lognormal(med, test.sd)
    noise = np.exp(rng.normal(0.0, 1.0, (n, k)) * np.array([min(x.sd, 0.12) for x in LAB_TESTS]) * 0.6)
    values = base[subj] * noise
    col = TEST_INDEX
    on = ramp
    hep = np.where(hepatitis[subj], _bump(rel, hep_onset[subj], 28.0), 0.0) * hep_peak[subj]
    values[:, col["TRIG"]] *= 1 + lipid[subj] * on
    values[:, col["CHOL"]] *= 1 + 0.2 * lipid[subj] * on
    values[:, col["ALT"]] *= (1 + liver[subj] * on) * (1 + hep)
    values[:, col["AST"]] *= (1 + 0.8 * liver[subj] * on) * (1 + 0.7 * hep)
    values[:, col["BILI"]] *= 1 + 0.15 * hep
    values[:, col["ALP"]] *= 1 + 0.1 * on + 0.1 * hep
    values[:, col["PLAT"]] *= 1 - marrow[subj] * on
    values[:, col["NEUT"]] *= 1 - 0.8 * marrow[subj] * on
    values[:, col["WBC"]] *= 1 - 0.6 * marrow[subj] * on
    values[:, col["HGB"]] *= 1 - 0.06 * on
    values[:, col["ALB"]] *= 1 - 0.03 * on
    values[:, col["CREAT"]] *= 1 + 0.05 * on
    # thyroid: anlotinib hypothyroidism, toripalimab thyroiditis (optional hyperthyroid phase first)
    tsh = 1 + thyroid_a[subj] * on
    ft4 = 1 - 0.08 * thyroid_a[subj] * on / (1 + thyroid_a[subj])
    since = rel - thy_onset[subj]
    hit = thyroiditis[subj] & (since >= 0)
    hyper = hit & thy_hyper[subj] & (since < 35)
    hypo = hit & ~hyper
    tsh = np.where(hyper, 0.05, np.where(hypo, tsh * thy_depth[subj], tsh))
    ft4 = np.where(hyper, 1.9, np.where(hypo, ft4 / (1 + 0.12 * thy_depth[subj]), ft4))
    values[:, col["TSH"]] *= tsh
    values[:, col["T4FR"]] *= ft4

    # urine protein: a latent score, read on the dipstick scale
    score = rng.exponential(0.25, n) + renal[subj] * on * rng.uniform(0.5, 1.5, n)
    protein = np.digitize(score, [0.5, 1.0, 2.0, 3.0, 4.2])

    # --- each site's laboratory: units and reference ranges ----------------------------------------
    site_conv = rng.random(n_sites) < 0.4
    stretch = rng.uniform(0.92, 1.08, (n_sites, k, 2))
    ranges = np.array([t_.ranges for t_ in LAB_TESTS], dtype=float)  # (k, sex, 2)
    s_site = site[subj]
    s_sex = sex[subj]
    low = ranges[:, :, 0][:, s_sex].T * stretch[s_site, :, 0]
    high = ranges[:, :, 1][:, s_sex].T * stretch[s_site, :, 1]
    conventional = site_conv[s_site]

    # --- vital signs ----------------------------------------------------------------------------
    sbp0 = rng.normal(119, 10, t)
    dbp0 = rng.normal(75, 6, t)
    hr0 = rng.normal(78, 9, t)
    wt0 = np.where(sex == 0, rng.normal(66, 10, t), rng.normal(56, 8, t))
    loss = rng.uniform(0.0, 0.012, t)  # weight lost per cycle (share)
    height = np.where(sex == 0, rng.normal(170, 6, t), rng.normal(158, 5.5, t))
    rise = bp[subj] * on
    vitals = np.column_stack(
        [
            sbp0[subj] + rise + rng.normal(0, 5, n),
            dbp0[subj] + 0.6 * rise + rng.normal(0, 4, n),
            hr0[subj] - 2 * on + rng.normal(0, 6, n),
            wt0[subj] * (1 - loss[subj] * np.maximum(rel, 0) / s.cycle_days) + rng.normal(0, 0.4, n),
            rng.normal(36.6, 0.25, n),
        ]
    )
    return LabData(samples, values, protein, vitals, height, low, high, conventional)


def _fmt(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Each number printed with its own number of decimals."""
    return np.array([f"{v:.{d}f}" for v, d in zip(values, decimals, strict=False)], dtype=object)


def reported(labs: LabData) -> dict[str, np.ndarray]:
    """(samples x tests) arrays of what the laboratory prints: result, unit, low, high, as text,
    and the reported numbers back in SI units (``result_si``, ``low_si``, ``high_si``)."""
    conv = labs.conventional[:, None]
    factor = np.array([t.factor for t in LAB_TESTS])[None, :]
    dec = np.where(conv, np.array([t.decimals[1] for t in LAB_TESTS]), np.array([t.decimals[0] for t in LAB_TESTS]))
    out: dict[str, np.ndarray] = {}
    for name, si in (("result", labs.values), ("low", labs.low), ("high", labs.high)):
        shown = np.where(conv, si / factor, si)
        rounded = np.round(shown * 10.0**dec) / 10.0**dec
        out[name] = rounded
        out[name + "_si"] = np.where(conv, rounded * factor, rounded)
    out["unit"] = np.where(
        conv,
        np.array([t.conv_unit for t in LAB_TESTS], dtype=object),
        np.array([t.si_unit for t in LAB_TESTS], dtype=object),
    )
    out["decimals"] = dec
    return out


def build_lb_vs(study, rng: np.random.Generator, frame, male: np.ndarray) -> tuple[dict[str, pd.DataFrame], LabData]:
    """The lb and vs forms (``frame``: forms._frame), and the latent data for the truth."""
    labs = simulate_labs(rng, study, male)
    sub = study.subjects
    treated = sub.treated
    smp = labs.samples
    n, k = labs.values.shape
    subj = treated[smp["subj"].to_numpy()]
    day = smp["day"].to_numpy(dtype=float)
    rep = reported(labs)

    # lb: per sample, the tests in LAB_TESTS order, then urine protein
    res_text = np.empty((n, k), dtype=object)
    lo_text = np.empty((n, k), dtype=object)
    hi_text = np.empty((n, k), dtype=object)
    for j in range(k):
        d = rep["decimals"][:, j]
        res_text[:, j] = _fmt(rep["result"][:, j], d)
        lo_text[:, j] = _fmt(rep["low"][:, j], d)
        hi_text[:, j] = _fmt(rep["high"][:, j], d)
    width = k + 1
    cat = np.array([t.category for t in LAB_TESTS] + [URINE_PROTEIN[2]], dtype=object)
    name = np.array([t.name for t in LAB_TESTS] + [URINE_PROTEIN[1]], dtype=object)

    def grid(values: np.ndarray, last) -> np.ndarray:
        out = np.empty((n, width), dtype=object)
        out[:, :k] = values
        out[:, k] = last
        return out.ravel()

    lb = frame(
        study,
        np.repeat(subj, width),
        "LB",
        np.repeat(smp["folder"].to_numpy(dtype=object), width),
        np.tile(np.arange(1, width + 1), n),
        {
            "LBDAT": np.repeat(format_edc_date(day), width),
            "LBCAT": np.tile(cat, n),
            "LBTEST": np.tile(name, n),
            "LBORRES": grid(res_text, np.asarray(DIPSTICK, dtype=object)[labs.protein]),
            "LBORRESU": grid(rep["unit"], ""),
            "LBORNRLO": grid(lo_text, ""),
            "LBORNRHI": grid(hi_text, ""),
        },
        alive=np.repeat(day, width),
    )

    # vs: SBP, DBP, HR, weight, temperature at every visit; height at screening
    screening = smp["folder"].to_numpy() == "SCRN"
    nv = len(VITALS) - 1
    v_values = np.column_stack([labs.vitals, labs.height[smp["subj"].to_numpy()]])
    present = np.column_stack([np.ones((n, nv), dtype=bool), screening])
    rows, cols = np.nonzero(present)
    decimals = np.array([v[3] for v in VITALS])
    vs = frame(
        study,
        subj[rows],
        "VS",
        smp["folder"].to_numpy(dtype=object)[rows],
        cols + 1,
        {
            "VSDAT": format_edc_date(day[rows]),
            "VSTEST": np.array([v[1] for v in VITALS], dtype=object)[cols],
            "VSORRES": _fmt(v_values[rows, cols], decimals[cols]),
            "VSORRESU": np.array([v[2] for v in VITALS], dtype=object)[cols],
            "VSPOS": np.where(cols < 3, "Sitting", ""),
        },
        alive=day[rows],
    )
    return {"LB": lb, "VS": vs}, labs
