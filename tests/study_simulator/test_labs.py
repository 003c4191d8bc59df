"""The lb and vs forms: visits, units and ranges, physiology, determinism, and the CTCAE truth."""

import numpy as np
import pandas as pd
import pytest

from study_simulator.api import build_study, iter_forms
from study_simulator.dates import parse_edc_date
from study_simulator.labs import DIPSTICK, LAB_TESTS
from study_simulator.truth import CTCAE_V5, ctcae_grade, hypertension_truth, lab_truth

from .conftest import read


def _forms(n=60, seed=5):
    study, rngs = build_study(n, seed)
    forms = {name: frame for name, frame in iter_forms(study, rngs)}
    return study, forms


@pytest.fixture(scope="module")
def built():
    return _forms()


def test_the_same_seed_gives_the_same_lab_and_vital_forms(built):
    _, again = _forms()
    for name in ("LB", "VS"):
        pd.testing.assert_frame_equal(built[1][name], again[name])


def test_a_sample_has_every_test_once_in_the_lab_own_units(built):
    lb = built[1]["LB"]
    per_sample = lb.groupby(["SUBJECT", "FOLDER"])["LBTEST"].agg(list)
    names = [t.name for t in LAB_TESTS] + ["Urine Protein"]
    assert all(tests == names for tests in per_sample)
    # one unit system per site: conventional (g/dL) or SI (g/L) haemoglobin, never both
    hgb = lb[lb["LBTEST"] == "Hemoglobin"]
    assert (hgb.groupby("SITENUMBER")["LBORRESU"].nunique() == 1).all()
    assert set(hgb["LBORRESU"]) <= {"g/dL", "g/L"}
    urine = lb[lb["LBTEST"] == "Urine Protein"]
    assert set(urine["LBORRES"]) <= set(DIPSTICK) and (urine["LBORRESU"] == "").all()


def test_labs_from_screening_after_consent_to_last_contact(clean_study):
    lb, ic = read(clean_study / "edc", "lb.csv"), read(clean_study / "edc", "ic.csv")
    dd = read(clean_study / "edc", "dd.csv").set_index("SUBJECT")
    consent = parse_edc_date(ic.set_index("SUBJECT")["ICDAT"])
    day = pd.Series(parse_edc_date(lb["LBDAT"]).to_numpy(), index=lb["SUBJECT"])
    assert (day.to_numpy() >= consent.reindex(day.index).to_numpy()).all()
    death = parse_edc_date(dd["DTHDAT"]).reindex(day.index)
    assert not (day.to_numpy() > death.to_numpy()).any()
    assert set(lb["FOLDER"]) >= {"SCRN", "C01", "C02", "EOT"}


def test_anlotinib_raises_blood_pressure_and_triglycerides(built):
    study, forms = built
    vs = forms["VS"]
    sbp = vs[vs["VSTEST"] == "Systolic Blood Pressure"]
    on = sbp["FOLDER"].isin(["C03", "C04", "C05", "C06"])
    assert (
        sbp.loc[on, "VSORRES"].astype(float).mean()
        > sbp.loc[sbp["FOLDER"] == "SCRN", "VSORRES"].astype(float).mean() + 3
    )
    values = study.labs.values[:, [t.code for t in LAB_TESTS].index("TRIG")]
    rel = study.labs.samples["rel"].to_numpy()
    assert values[rel > 60].mean() > 1.2 * values[rel <= 0].mean()


def test_ctcae_grades_on_literal_values():
    lln, uln, base = np.full(4, 125.0), np.full(4, 350.0), np.full(4, np.nan)
    # platelets (10^9/L): <LLN - 75, <75 - 50, <50 - 25, <25
    plat = CTCAE_V5[("PLAT", "L")]["N"]
    assert ctcae_grade(np.array([130, 100, 60, 20.0]), plat, "L", lln, uln, base).tolist() == [0, 1, 2, 4]
    # ALT with an abnormal baseline (60 U/L, ULN 40): multiples of the baseline
    alt = CTCAE_V5[("ALT", "H")]["A"]
    uln, base = np.full(4, 40.0), np.full(4, 60.0)
    assert ctcae_grade(np.array([80, 90, 200, 1300.0]), alt, "H", lln, uln, base).tolist() == [0, 1, 2, 4]
    # triglycerides (mmol/L): 1.71 is grade 1 (inclusive)
    trig = CTCAE_V5[("TRIG", "H")]["N"]
    assert ctcae_grade(np.array([1.70, 1.71, 4.0, 6.0]), trig, "H", lln, uln, base).tolist() == [0, 1, 2, 3]


def test_truth_grades_platelets_from_the_reported_values(built):
    study, forms = built
    truth = lab_truth(study)
    lb = forms["LB"]
    plat = lb[lb["LBTEST"] == "Platelets"].copy()
    plat["day"] = parse_edc_date(plat["LBDAT"]).to_numpy()
    first = dict(zip(study.subjects.subject_id, study.subjects.first_dose, strict=False))
    plat["rel"] = plat["day"] - plat["SUBJECT"].map(first)
    value = plat["LBORRES"].astype(float)
    grade = np.select([value < 25, value < 50, value < 75, value < plat["LBORNRLO"].astype(float)], [4, 3, 2, 1], 0)
    post = plat.assign(grade=grade)[plat["rel"] > 0]
    # (no subject of this small study is followed beyond its last dose + 30 days by lab samples)
    expected = post.groupby("SUBJECT")["grade"].max()
    got = truth[truth["LBTESTCD"] == "PLAT"].set_index("SUBJECT")["GRADE_L"].dropna().astype(int)
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)


def test_hypertension_truth_from_the_vital_signs(built):
    study, forms = built
    truth = hypertension_truth(study).set_index("SUBJECT")
    assert truth["GRADE"].dropna().isin([0, 1, 2, 3]).all()
    assert (truth["MAX_SYSBP"] >= 160).sum() <= (truth["GRADE"] == 3).sum()
    assert ((truth["GRADE"] == 3) == ((truth["MAX_SYSBP"] >= 160) | (truth["MAX_DIABP"] >= 100))).all()
