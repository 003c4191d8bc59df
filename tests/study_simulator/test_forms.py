"""The written forms: disposition, screen failures, lineage columns and the assessment schedule."""

import numpy as np
import pandas as pd

from study_simulator.forms import _TO_CRF, _log_position, _num_text, _numbered, _pick, _text
from study_simulator.settings import OVERALL_RESPONSE, SimulationSettings

from .conftest import read

S = SimulationSettings()


def d(series):
    return pd.to_datetime(series, format="%d %b %Y", errors="coerce")


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


def test_helpers_on_literal_values():
    assert _log_position(np.array([3, 3, 5, 5, 5, 8])).tolist() == [1, 2, 1, 2, 3, 1]
    assert _log_position(np.array([], dtype=np.int64)).tolist() == []
    assert _numbered("TA", [1, 12, 3]).tolist() == ["TA01", "TA12", "TA03"]
    assert _numbered("UNS", [2], width=3).tolist() == ["UNS002"]
    assert _pick(("CT", "MRI"), np.array([1, -1, 0])).tolist() == ["MRI", "", "CT"]
    assert _text([True, False], "Yes", "No").tolist() == ["Yes", "No"]
    assert _num_text([12.0, np.nan, 9.6]).tolist() == ["12", "", "10"]
    assert _num_text([10.25, np.nan], decimals=1).tolist() == ["10.2", ""]


def test_responses_written_in_the_crf_codelist():
    assert {_TO_CRF[code] for code in ("CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE")} == set(OVERALL_RESPONSE)
    assert [_TO_CRF[code] for code in ("Y", "N", "EQUIVOCAL")] == ["Yes", "No", "Equivocal"]


def test_every_serious_event_says_why_it_is_serious(clean_study):
    ae = read(clean_study / "edc", "ae.csv")
    criteria = ["AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESMIE"]
    serious = ae["AESER"] == "Yes"
    assert serious.any() and (~serious).any()
    # asked of serious events only, each Yes or No; at least one Yes
    assert (ae.loc[~serious, criteria] == "").all().all()
    assert ae.loc[serious, criteria].isin(["Yes", "No"]).all().all()
    assert (ae.loc[serious, criteria] == "Yes").any(axis=1).all()
    # a fatal outcome is the death criterion, and only it
    fatal = ae["AEOUT"] == "Fatal"
    assert fatal.any()
    assert ((ae["AESDTH"] == "Yes") == fatal).all()
    assert (ae.loc[serious & (ae["AETOXGR"] == "4"), "AESLIFE"] == "Yes").all()
