"""Determinism, truth files, rates and settings."""

import dataclasses

import pytest

from study_simulator.api import simulate
from study_simulator.settings import SimulationSettings

from .conftest import read


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.csv"))}


def test_same_seed_gives_byte_identical_files(tmp_path):
    simulate(120, 3, tmp_path / "a", messy_rate=0.05, disagreement_rate=0.1)
    simulate(120, 3, tmp_path / "b", messy_rate=0.05, disagreement_rate=0.1)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(a) == 27 and a.keys() == b.keys()
    assert all(a[k] == b[k] for k in a)


def test_different_seed_gives_different_study(tmp_path):
    simulate(120, 3, tmp_path / "a")
    simulate(120, 4, tmp_path / "b")
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a["edc/dm.csv"] != b["edc/dm.csv"] and a["edc/tr.csv"] != b["edc/tr.csv"]


def test_truth_files(clean_study):
    truth = read(clean_study / "truth", "subjects.csv")
    enr = read(clean_study / "edc", "enr.csv")
    assert truth["SUBJECT"].tolist() == enr["SUBJECT"].tolist()
    treated = truth[truth["STATUS"] == "TREATED"]
    assert set(treated["BOR_CONFIRMED"]) <= {"CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE", "MISSING"}
    assert set(treated["PFS_EVENT"]) == {"Y", "N"} and set(treated["OS_EVENT"]) == {"Y", "N"}
    censored = treated[treated["OS_EVENT"] == "N"]
    assert (censored["OS_CENSOR_REASON"] != "").all()
    assert (censored["OS_DATE"] == censored["LAST_KNOWN_ALIVE_DATE"]).all()
    dead = treated[treated["OS_EVENT"] == "Y"]
    assert (dead["OS_DATE"] == dead["DEATH_DATE"]).all()
    assert (dead["LAST_KNOWN_ALIVE_DATE"] <= dead["DEATH_DATE"]).all()
    pfs_censored = treated[treated["PFS_EVENT"] == "N"]
    assert (pfs_censored["PFS_CENSOR_REASON"] != "").all()
    # a confirmed response is also an unconfirmed one
    conf = treated["BOR_CONFIRMED"].isin(["CR", "PR"])
    assert treated.loc[conf, "BOR_UNCONFIRMED"].isin(["CR", "PR"]).all()
    assessments = read(clean_study / "truth", "assessments.csv")
    assert (assessments["ALTERED"] == "N").all()


def test_default_study_rates_near_targets(tmp_path):
    from analysis_report.stats import kaplan_meier

    simulate(700, 2024, tmp_path)
    t = read(tmp_path / "truth", "subjects.csv")
    t = t[t["STATUS"] == "TREATED"]
    orr = t["BOR_CONFIRMED"].isin(["CR", "PR"]).mean()
    dcr = t["BOR_CONFIRMED"].isin(["CR", "PR", "SD"]).mean()
    pfs = kaplan_meier(t["PFS_DAYS"].astype(float) / 30.4375, t["PFS_EVENT"] == "Y").median()
    os_ = kaplan_meier(t["OS_DAYS"].astype(float) / 30.4375, t["OS_EVENT"] == "Y").median()
    assert 0.13 < orr < 0.28
    assert 0.60 < dcr < 0.80
    assert 4.5 < pfs < 7.5
    assert 12.0 < os_ < 18.5


def test_settings_are_frozen_and_used(tmp_path):
    s = SimulationSettings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.cycle_days = 28
    simulate(60, 1, tmp_path, settings=s.with_options(study_id="OTHER-01", screen_failure_rate=0.0))
    dm = read(tmp_path / "edc", "dm.csv")
    assert (dm["STUDY"] == "OTHER-01").all()
    assert (read(tmp_path / "edc", "enr.csv")["ENRYN"] == "Yes").all()


def test_bad_rates_are_refused(tmp_path):
    with pytest.raises(ValueError, match="messy rate must be between 0 and 1, got 1.5"):
        simulate(10, 1, tmp_path, messy_rate=1.5)
