"""Dosing and the actions taken for adverse events, as the written forms show them."""

import numpy as np
import pandas as pd

from study_simulator.settings import SimulationSettings
from study_simulator.treatment import _first_in_group

from .conftest import read

S = SimulationSettings()


def d(series):
    return pd.to_datetime(series, format="%d %b %Y", errors="coerce")


def test_dose_levels_step_down_only(clean_study):
    ex = read(clean_study / "edc", "ex_anlotinib.csv")
    dose = ex["EXDOSE"].astype(float)
    assert set(dose) <= set(S.anlotinib_dose_levels_mg)
    steps = dose.groupby(ex["SUBJECT"]).diff().fillna(0)
    assert (steps <= 0).all()
    assert ((steps < 0) == (ex["EXDOSADJ"] == "Yes")).all()
    assert (dose < 12).any() and (dose == 8).any()


def test_cycles_are_21_days_and_dosing_within_days_1_to_14(clean_study):
    ex = read(clean_study / "edc", "ex_anlotinib.csv")
    start, stop = d(ex["EXSTDAT"]), d(ex["EXENDAT"])
    days = (start - start.groupby(ex["SUBJECT"]).transform("min")).dt.days
    assert (days % S.cycle_days == 0).all()
    length = (stop - start).dt.days.dropna()
    assert length.between(0, S.anlotinib_days_on - 1).all()
    tor = read(clean_study / "edc", "ex_toripalimab.csv")
    assert (tor["EXCYCLE"] == ex["EXCYCLE"]).all() and (tor["SUBJECT"] == ex["SUBJECT"]).all()
    given = tor["EXADM"] == "Yes"
    assert (d(tor.loc[given, "EXDAT"]) == start[given]).all()
    assert (tor.loc[given, "EXDOSE"] == "240").all()


def test_anlotinib_actions_show_in_dosing(clean_study):
    edc = clean_study / "edc"
    ex = read(edc, "ex_anlotinib.csv")
    ae = read(edc, "ae.csv")
    ex["start"], ex["stop"] = d(ex["EXSTDAT"]), d(ex["EXENDAT"])
    ae["start"] = d(ae["AESTDAT"])
    stops = set(zip(ex.loc[ex["EXINT"] == "Yes", "SUBJECT"], ex.loc[ex["EXINT"] == "Yes", "stop"], strict=False))
    acted = ae[ae["AEACNANL"].isin(["Drug interrupted", "Dose reduced", "Drug withdrawn"])]
    assert (ae["AEACNANL"] == "Drug interrupted").sum() > 5 and (ae["AEACNANL"] == "Dose reduced").sum() > 5
    for _, row in acted.iterrows():
        mine = ex[ex["SUBJECT"] == row["SUBJECT"]]
        if row["AEACNANL"] == "Drug interrupted":
            assert (row["SUBJECT"], row["start"]) in stops
        if row["AEACNANL"] == "Dose reduced":
            later = mine[mine["start"] > row["start"]]
            assert len(later) and later.iloc[0]["EXDOSADJ"] == "Yes"
        if row["AEACNANL"] == "Drug withdrawn":
            assert not (mine["start"] > row["start"]).any()
    # every interruption has its adverse event
    starts = set(zip(acted["SUBJECT"], acted["start"], strict=False))
    for key in stops:
        assert key in starts


def test_toripalimab_actions_show_in_infusions(clean_study):
    edc = clean_study / "edc"
    tor = read(edc, "ex_toripalimab.csv")
    ae = read(edc, "ae.csv")
    tor["day"] = d(tor["EXDAT"])
    ex = read(edc, "ex_anlotinib.csv")
    tor["cycle_start"] = d(ex["EXSTDAT"])
    ae["start"] = d(ae["AESTDAT"])
    held = ae[ae["AEACNTOR"] == "Drug interrupted"]
    assert len(held) > 3
    for _, row in held.iterrows():
        mine = tor[tor["SUBJECT"] == row["SUBJECT"]]
        same_day = mine[(mine["day"] == row["start"]) & (mine["EXINT"] == "Yes")]
        nxt = mine[mine["cycle_start"] > row["start"]]
        assert len(same_day) or (len(nxt) and nxt.iloc[0]["EXADM"] == "No")
    assert (tor["EXADM"] == "No").sum() <= len(held)


def test_first_flagged_row_of_each_group():
    a = np.array([1, 1, 1, 2, 2, 2])
    b = np.array([0, 0, 1, 0, 0, 0])
    flag = np.array([False, True, True, True, True, False])
    assert _first_in_group(a, b, flag).tolist() == [False, True, True, True, False, False]
