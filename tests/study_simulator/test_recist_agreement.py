"""With no disagreement, every investigator response is RECIST 1.1 applied to
the measurements read back from the written files."""

import pandas as pd

from adam_builder import recist_rules as rr
from study_simulator.api import simulate

from .conftest import read

CRF_TO_CODE = {
    "CR": "CR",
    "PR": "PR",
    "SD": "SD",
    "PD": "PD",
    "NE": "NE",
    "Non-CR/Non-PD": "NON-CR/NON-PD",
    "Not applicable": None,
}
NEW_TO_CODE = {"Yes": "Y", "No": "N", "Equivocal": "EQUIVOCAL"}


def recist_from_files(edc):
    tr = read(edc, "tr.csv")
    rs = read(edc, "rs.csv")
    tr["day"] = pd.to_datetime(tr["TRDAT"], format="%d %b %Y")
    key = ["SUBJECT", "FOLDER"]
    tgt = tr[tr["TUCAT"] == "Target"].copy()
    tgt["size"] = rr.compute_lesion_size(pd.to_numeric(tgt["TRDIAM"], errors="coerce"), tgt["TRTSM"] == "Yes")
    tgt["ne"] = tgt["TRNE"] == "Yes"
    diam = pd.to_numeric(tgt["TRDIAM"], errors="coerce")
    nodal = tgt["TRMEAS"] == "Short axis"
    tgt["gone"] = (~nodal & (diam == 0) & (tgt["TRTSM"] != "Yes")) | (nodal & (diam < 10))
    per = (
        tgt.groupby(key, sort=False)
        .agg(day=("day", "first"), sod=("size", lambda x: x.fillna(0).sum()), ne=("ne", "any"), gone=("gone", "all"))
        .reset_index()
    )
    per = per.sort_values(["SUBJECT", "day"], kind="stable").reset_index(drop=True)
    base = per[per["FOLDER"] == "SCRN"].set_index("SUBJECT")["sod"]
    per["baseline"] = per["SUBJECT"].map(base)
    per["nadir"] = rr.compute_nadir(per["sod"], per["SUBJECT"], valid=~per["ne"])
    per["target"] = rr.compute_target_response(
        per["baseline"], per["nadir"], per["sod"], per["gone"] & ~per["ne"], per["ne"]
    )

    nt = tr[tr["TUCAT"] == "Non-target"]
    nt_per = nt.groupby(key).agg(
        prog=("TRSTAT", lambda x: (x == "Unequivocal progression").any()),
        ne=("TRSTAT", lambda x: (x == "Not evaluable").any()),
        absent=("TRSTAT", lambda x: (x == "Absent").all()),
    )
    per = per.merge(nt_per, left_on=key, right_index=True, how="left", suffixes=("", "_nt"))
    per["has_nt"] = per["SUBJECT"].isin(nt["SUBJECT"])
    per["nontarget"] = rr.compute_nontarget_response(
        per["has_nt"], per["prog"].eq(True), per["ne_nt"].eq(True), per["absent"].eq(True)
    )
    new = tr[tr["TUCAT"] == "New"]
    new_state = new.groupby(key)["TRSTAT"].agg(lambda x: "Y" if (x == "Present").any() else "EQUIVOCAL")
    per["new"] = (
        pd.Series(list(zip(per["SUBJECT"], per["FOLDER"], strict=False)))
        .map(new_state.to_dict())
        .fillna("N")
        .to_numpy()
    )
    per["overall"] = rr.compute_overall_response(per["target"], per["nontarget"], per["new"])
    post = per[per["FOLDER"] != "SCRN"]
    merged = post.merge(rs, on=key, how="outer", indicator=True)
    return merged


def test_every_assessment_has_a_response_and_vice_versa(clean_study):
    merged = recist_from_files(clean_study / "edc")
    assert (merged["_merge"] == "both").all()


def test_investigator_responses_follow_recist(clean_study):
    m = recist_from_files(clean_study / "edc")
    assert len(m) > 500
    assert (m["overall"] == m["OVRLRESP"].map(CRF_TO_CODE)).all()
    assert (m["target"].fillna("") == m["TRGRESP"].map(CRF_TO_CODE).fillna("")).all()
    assert (m["nontarget"].fillna("") == m["NTRGRESP"].map(CRF_TO_CODE).fillna("")).all()
    assert (m["new"] == m["NEWLES"].map(NEW_TO_CODE)).all()


def test_study_shows_every_response_category(clean_study):
    rs = read(clean_study / "edc", "rs.csv")
    assert {"CR", "PR", "SD", "PD", "NE"} <= set(rs["OVRLRESP"])
    assert {"Yes", "No", "Equivocal"} <= set(rs["NEWLES"])
    tr = read(clean_study / "edc", "tr.csv")
    assert (tr["TRTSM"] == "Yes").any() and (tr["TRNE"] == "Yes").any()
    assert {"Present", "Absent", "Unequivocal progression", "Not evaluable"} <= set(tr["TRSTAT"])


def test_disagreement_alters_responses_and_truth_says_which(tmp_path):
    simulate(200, 5, tmp_path, disagreement_rate=0.2)
    truth = read(tmp_path / "truth", "assessments.csv")
    read(tmp_path / "edc", "rs.csv")
    altered = truth["ALTERED"] == "Y"
    assert 0.1 < altered.mean() < 0.3
    differs = (truth["TRUE_OVRLRESP"] != truth["INV_OVRLRESP"]) | (truth["TRUE_TRGRESP"] != truth["INV_TRGRESP"])
    differs |= (truth["TRUE_NTRGRESP"] != truth["INV_NTRGRESP"]) | (truth["TRUE_NEWLES"] != truth["INV_NEWLES"])
    assert (altered == differs).all()
    m = recist_from_files(tmp_path / "edc").merge(truth, left_on=["SUBJECT", "FOLDER"], right_on=["SUBJECT", "FOLDER"])
    inv = m["OVRLRESP"].map(CRF_TO_CODE)
    assert (inv == m["INV_OVRLRESP"]).all()
    assert (m["overall"] == m["TRUE_OVRLRESP"]).all()
    assert (m.loc[m["ALTERED"] == "N", "overall"] == inv[m["ALTERED"] == "N"]).all()
    # the investigator's own record stays consistent with the RECIST table
    own = rr.compute_overall_response(
        m["INV_TRGRESP"].replace("", None), m["INV_NTRGRESP"].replace("", None), m["INV_NEWLES"]
    )
    assert (own == m["INV_OVRLRESP"]).all()
