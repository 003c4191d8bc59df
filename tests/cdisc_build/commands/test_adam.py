"""`cdisc-build adam`: the derivations listed, a given ADSL, a subset of the spec's datasets."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from cdisc_build.cli import app

DM = "STUDYID,USUBJID,SUBJID,SITEID,AGE,SEX,RFICDTC,DTHDTC\nX,S1,1,01,45,F,2020-12-20,\nX,S2,2,01,70,M,2020-12-21,\n"
RS = (
    "STUDYID,USUBJID,RSSEQ,RSTESTCD,RSEVAL,RSSTRESC,RSDTC,VISIT,VISITNUM\n"
    "X,S1,1,OVRLRESP,INVESTIGATOR,PR,2021-02-16,WEEK 6,2\n"
    "X,S1,2,OVRLRESP,INVESTIGATOR,PR,2021-03-30,WEEK 12,3\n"
    "X,S2,1,OVRLRESP,INVESTIGATOR,PD,2021-02-16,WEEK 6,2\n"
)
ADSL = (
    "STUDYID,USUBJID,SUBJID,SITEID,AGE,SEX,TRT01P,TRT01A,TRTSDT,RANDDT,SAFFL,FASFL,RSPEVLFL,DTHDT,LSTALVDT\n"
    "X,S1,1,01,45,F,Anlotinib + Toripalimab,Anlotinib + Toripalimab,2021-01-05,2021-01-04,Y,Y,Y,,2021-03-30\n"
    "X,S2,2,01,70,M,Anlotinib + Toripalimab,Anlotinib + Toripalimab,2021-01-05,2021-01-03,Y,Y,Y,,2021-02-16\n"
)


def test_list_derivations_names_every_derivation_and_exits():
    done = CliRunner().invoke(app, ["adam", "--list-derivations"])
    assert done.exit_code == 0, done.output
    for name in ("derive_param_bor", "derive_var_atoxgr_dir", "derive_var_base", "create_ovr_records"):
        assert name in done.output


def test_a_given_adsl_is_used_as_is_and_only_the_datasets_asked_for_are_derived(tmp_path):
    sdtm = tmp_path / "sdtm"
    sdtm.mkdir()
    (sdtm / "dm.csv").write_text(DM)
    (sdtm / "rs.csv").write_text(RS)
    (tmp_path / "adsl.csv").write_text(ADSL)
    out = tmp_path / "out"
    args = ["adam", "--sdtm", str(sdtm), "--adsl", str(tmp_path / "adsl.csv"), "--out", str(out), "--csv"]
    done = CliRunner().invoke(app, [*args, "--dataset", "adrs"])
    assert done.exit_code == 0, done.output
    adrs = pd.read_csv(out / "adrs.csv")
    assert adrs.loc[adrs["PARAMCD"] == "BOR"].set_index("USUBJID")["AVALC"].to_dict() == {"S1": "PR", "S2": "PD"}
    assert not (out / "adtr.xpt").exists()
    # every dataset of the spec: those whose inputs are absent are errors naming them, exit 1
    done = CliRunner().invoke(app, [*args, "--force"])
    assert done.exit_code == 1
    issues = pd.read_csv(out / "issues.csv")
    errors = issues[issues["severity"] == "error"]
    assert sorted(errors["dataset"]) == ["ADAE", "ADLB", "ADTR", "ADVS"]
    assert errors["message"].str.contains("it needs").all()
