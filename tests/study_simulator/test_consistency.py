"""Dosing, adverse event actions, visits and disposition agree with each other."""

import pandas as pd

from study_simulator.settings import SimulationSettings

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


def test_disposition_dates_agree(clean_study):
    edc = clean_study / "edc"
    cutoff = pd.Timestamp(S.data_cutoff)
    eot = read(edc, "eot.csv").set_index("SUBJECT")
    eos = read(edc, "eos.csv").set_index("SUBJECT")
    dd = read(edc, "dd.csv").set_index("SUBJECT")
    ex = read(edc, "ex_anlotinib.csv")
    last_dose = d(ex["EXENDAT"]).fillna(d(ex["EXSTDAT"])).groupby(ex["SUBJECT"]).max()
    first_dose = d(ex["EXSTDAT"]).groupby(ex["SUBJECT"]).min()
    eot_day = d(eot["EOTDAT"])
    assert (last_dose.reindex(eot_day.index) < eot_day).all()
    death = d(dd["DTHDAT"])
    assert (last_dose.reindex(death.index) < death).all()
    died = eos[eos["EOSREAS"] == "Death"]
    assert set(died.index) == set(dd.index)
    assert (d(died["EOSDAT"]) == death.reindex(died.index)).all()
    assert (eot.loc[eot["EOTREAS"] == "Death"].index.isin(dd.index)).all()
    both = eot.index.intersection(eos.index)
    assert (d(eot.loc[both, "EOTDAT"]) <= d(eos.loc[both, "EOSDAT"])).all()
    # nothing after the data cut-off, nothing but the death contact after death
    for name, col in [
        ("sv.csv", "VISDAT"),
        ("ae.csv", "AESTDAT"),
        ("tr.csv", "TRDAT"),
        ("ex_anlotinib.csv", "EXSTDAT"),
        ("sfu.csv", "FUDAT"),
        ("eos.csv", "EOSDAT"),
    ]:
        frame = read(edc, name)
        day = d(frame[col])
        assert (day.dropna() <= cutoff).all(), name
        dead = frame["SUBJECT"].map(death)
        after = day > dead
        if name == "sfu.csv":
            after &= frame["FUSTAT"] != "Dead"
        if name == "sv.csv":  # the follow-up contact that learnt of the death
            sfu = read(edc, "sfu.csv")
            dead_contacts = set(
                zip(
                    sfu.loc[sfu["FUSTAT"] == "Dead", "SUBJECT"],
                    sfu.loc[sfu["FUSTAT"] == "Dead", "FOLDER"],
                    strict=False,
                )
            )
            after &= (
                ~pd.Series(list(zip(frame["SUBJECT"], frame["FOLDER"], strict=False))).isin(dead_contacts).to_numpy()
            )
        assert not after.any(), name
    assert (first_dose > pd.Timestamp(S.study_start)).all()


def test_screen_failures_have_no_treatment(clean_study):
    edc = clean_study / "edc"
    enr = read(edc, "enr.csv")
    failed = set(enr.loc[enr["ENRYN"] == "No", "SUBJECT"])
    assert 0.08 < len(failed) / len(enr) < 0.25
    for name in ("ex_anlotinib.csv", "ex_toripalimab.csv", "tr.csv", "ae.csv", "eot.csv"):
        assert not failed & set(read(edc, name)["SUBJECT"]), name
    eos = read(edc, "eos.csv")
    assert set(eos.loc[eos["EOSREAS"] == "Screen failure", "SUBJECT"]) == failed
    ie = read(edc, "ie.csv")
    assert set(ie.loc[ie["IEYN"] == "No", "SUBJECT"]) <= failed


def test_sites_and_lineage(clean_study):
    edc = clean_study / "edc"
    for path in sorted(edc.glob("*.csv")):
        frame = read(edc, path.name)
        assert list(frame.columns[:6]) == ["STUDY", "SITENUMBER", "SUBJECT", "FORM", "FOLDER", "RECORDPOSITION"], (
            path.name
        )
        assert (frame["STUDY"] == S.study_id).all()
        assert (frame["SUBJECT"].str[:3] == frame["SITENUMBER"]).all()
        assert frame["FOLDER"].ne("").all()
    dm = read(edc, "dm.csv")
    assert dm["SITENUMBER"].nunique() == len(S.site_numbers)
    assert dm["SUBJECT"].is_unique


def test_assessment_schedule_and_window(clean_study):
    edc = clean_study / "edc"
    rs = read(edc, "rs.csv")
    ex = read(edc, "ex_anlotinib.csv")
    first = d(ex["EXSTDAT"]).groupby(ex["SUBJECT"]).min()
    rs["day"] = (d(rs["RSDAT"]) - rs["SUBJECT"].map(first)).dt.days
    sched = rs[rs["FOLDER"].str.startswith("TA")]
    k = sched["FOLDER"].str[2:].astype(int)
    assert (sched["day"] - k * S.assessment_interval_days).abs().max() <= S.assessment_window_days
    assert rs["FOLDER"].str.startswith("UNS").any()
    sv = read(edc, "sv.csv")
    assert ((sv["VISYN"] == "No") & sv["FOLDER"].str.startswith("TA")).any()
