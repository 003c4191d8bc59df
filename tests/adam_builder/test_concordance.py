"""Concordance of the RECIST engine with the investigator (RS): literal cases, the
simulated study (no disagreement, then 5% injected) and the pharmaverse reference data."""

import pandas as pd
import pytest
from shared_data import shared_path
from typer.testing import CliRunner

from adam_builder.concordance import (
    compare_responses,
    create_disagreement_listing,
    create_investigator_responses,
    run_concordance,
    summarise_agreement,
)
from adam_builder.recist_engine import derive_assessments
from specs.config import RecistSettings


def computed_row(**kw):
    row = {
        "USUBJID": "S1",
        "TRLNKGRP": "TA01",
        "VISITNUM": 2.0,
        "VISIT": "TA 1",
        "ADT": pd.Timestamp("2021-02-16"),
        "ADTC": "2021-02-16",
        "BASESUM": 50.0,
        "NADIR": 50.0,
        "SUMDIAM": 45.0,
        "SUMCOMPL": "Y",
        "PCHGBASE": -10.0,
        "PCHGNADIR": -10.0,
        "TRGRESP": "SD",
        "NTRGRESP": "NON-CR/NON-PD",
        "NEWLPROG": "N",
        "NEWLES": None,
        "OVRLPROV": "SD",
        "OVRLRESP": "SD",
        "REASON": "target SD",
        "ISSUES": None,
    }
    row.update(kw)
    return row


def rs_records(assessment="TA01", visitnum=2.0, date="2021-02-16", subject="S1", **tests):
    return [
        {
            "USUBJID": subject,
            "RSLNKGRP": assessment,
            "RSTESTCD": t,
            "RSORRES": v,
            "RSSTRESC": v,
            "RSEVAL": "INVESTIGATOR",
            "RSCAT": "RECIST 1.1",
            "VISITNUM": visitnum,
            "VISIT": f"V{visitnum}",
            "RSDTC": date,
        }
        for t, v in tests.items()
    ]


def test_agreeing_assessment_is_not_listed():
    comp = pd.DataFrame([computed_row()])
    inv = create_investigator_responses(pd.DataFrame(rs_records(TRGRESP="SD", NTRGRESP="NON-CR/NON-PD", OVRLRESP="SD")))
    paired = compare_responses(comp, inv)
    # RS holds no NEWLPROG record at all: new lesions are not compared
    assert paired[["TRGRESP_AGREE", "NTRGRESP_AGREE", "NEWLPROG_AGREE", "OVRLRESP_AGREE"]].values.tolist() == [
        ["Y", "Y", None, "Y"]
    ]
    assert create_disagreement_listing(paired).empty


def test_disagreement_listed_with_the_numbers_behind_it():
    comp = pd.DataFrame([computed_row(TRGRESP="PR", OVRLPROV="PR", OVRLRESP="PR", SUMDIAM=35.0, PCHGBASE=-30.0)])
    inv = create_investigator_responses(pd.DataFrame(rs_records(TRGRESP="SD", NTRGRESP="NON-CR/NON-PD", OVRLRESP="SD")))
    listing = create_disagreement_listing(compare_responses(comp, inv))
    assert listing[
        ["USUBJID", "VISIT", "PARAMCD", "KIND", "COMPUTED", "INVESTIGATOR", "SUMDIAM", "PCHGBASE", "MATCHBY"]
    ].values.tolist() == [
        ["S1", "TA 1", "TRGRESP", "DIFFERENT", "PR", "SD", 35.0, -30.0, "RSLNKGRP"],
        ["S1", "TA 1", "OVRLRESP", "DIFFERENT", "PR", "SD", 35.0, -30.0, "RSLNKGRP"],
    ]
    assert listing["ADT"].tolist() == [pd.Timestamp("2021-02-16")] * 2


def test_new_lesion_coding_and_absence_means_no():
    comp = pd.DataFrame([computed_row(), computed_row(TRLNKGRP="TA02", VISITNUM=3.0, NEWLPROG="EQUIVOCAL")])
    rs = pd.DataFrame(
        rs_records(OVRLRESP="SD")
        + rs_records("TA02", 3.0, "2021-03-30", OVRLRESP="SD", NEWLPROG="EQUIVOCAL")
        + rs_records("TA03", 4.0, "2021-05-11", OVRLRESP="PD", NEWLPROG="UNEQUIVOCAL")
    )
    inv = create_investigator_responses(rs)
    assert inv["INV_NEWLPROG"].tolist() == ["N", "EQUIVOCAL", "Y"]
    paired = compare_responses(comp, inv)
    assert paired["NEWLPROG_AGREE"].tolist() == ["Y", "Y", "N"]
    assert paired["MATCHBY"].tolist() == ["RSLNKGRP", "RSLNKGRP", "INVESTIGATOR ONLY"]


def test_pairs_by_visit_and_date_without_link_groups():
    comp = pd.DataFrame([computed_row(TRLNKGRP=None)])
    rs = pd.DataFrame(rs_records(None, OVRLRESP="SD", TRGRESP="SD"))
    paired = compare_responses(comp, create_investigator_responses(rs))
    assert paired["MATCHBY"].tolist() == ["VISIT AND DATE"]


def test_investigator_quirks_are_reported_not_fatal():
    rs = pd.DataFrame(
        rs_records("A2", 2.0, "2021-02-16", OVRLRESP="PD", TRGRESP="PD")
        + rs_records("A3", 3.0, "2021-03-30", OVRLRESP="CR", TRGRESP="CR")
        + rs_records("A4", 4.0, "2021-05-11", OVRLRESP="CHECK", TRGRESP="SD")
        + [
            {
                **rs_records("A4", 4.0, "2021-05-11", NTRGRESP="")[0],
                "RSORRES": None,
                "RSSTRESC": None,
                "RSSTAT": "NOT DONE",
            }
        ]
    )
    inv = create_investigator_responses(rs).set_index("RSLNKGRP")
    assert inv.loc["A3", "INV_ISSUES"] == "RS OVRLRESP CR after PD at A2"
    assert "RS OVRLRESP value 'CHECK' is not a RECIST response" in inv.loc["A4", "INV_ISSUES"]
    assert "RS NTRGRESP NOT DONE (no result)" in inv.loc["A4", "INV_ISSUES"]
    assert inv.loc["A4", "INV_NTRGRESP"] == "NE"


def test_tests_rs_does_not_hold_are_not_compared():
    comp = pd.DataFrame([computed_row()])
    summary = summarise_agreement(
        compare_responses(comp, create_investigator_responses(pd.DataFrame(rs_records(OVRLRESP="SD"))))
    )
    assert summary.set_index("PARAMCD")["N"].to_dict() == {"TRGRESP": 0, "NTRGRESP": 0, "NEWLPROG": 0, "OVRLRESP": 1}


# ---------------------------------------------------------------- the simulated study


def build_study(tmp_path_factory, name, disagreement):
    from sdtm_builder.build import build_sdtm
    from specs.study import builtin_study
    from study_simulator.api import simulate

    out = tmp_path_factory.mktemp(name)
    simulate(200, 7, out, disagreement_rate=disagreement)
    result = build_sdtm(out / "edc", config=builtin_study())
    frames = {d: result.final(d) for d in ("TU", "TR", "RS")}
    return out, frames


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return build_study(tmp_path_factory, "clean", 0.0)


@pytest.fixture(scope="module")
def disagreeing(tmp_path_factory):
    return build_study(tmp_path_factory, "disagree", 0.05)


def test_simulated_study_agrees_fully_without_disagreement(clean):
    _, f = clean
    result = run_concordance(f["TU"], f["TR"], f["RS"], settings=RecistSettings())
    summary = result["summary"].set_index("PARAMCD")
    print(summary)
    assert summary.loc["OVRLRESP", "N"] == len(result["assessments"]) > 400
    assert (summary["RATE"] == 100.0).all()
    assert (summary[["COMPONLY", "INVONLY"]] == 0).all().all()
    assert result["listing"].empty
    assert (result["paired"]["MATCHBY"] == "RSLNKGRP").all()


def test_listing_finds_exactly_the_injected_disagreements(disagreeing):
    out, f = disagreeing
    result = run_concordance(f["TU"], f["TR"], f["RS"], settings=RecistSettings())
    truth = pd.read_csv(out / "truth" / "assessments.csv", dtype=str, keep_default_na=False)
    altered = truth[truth["ALTERED"] == "Y"]
    study = f["RS"]["USUBJID"].iloc[0].rsplit("-", 2)[0]
    injected = set(zip(study + "-" + altered["SUBJECT"], altered["FOLDER"], strict=False))
    listing = result["listing"]
    print(result["summary"])
    assert len(injected) > 10
    assert set(zip(listing["USUBJID"], listing["TRLNKGRP"], strict=False)) == injected
    assert (listing["KIND"] == "DIFFERENT").all()


def test_engine_table_is_what_the_adam_engineer_builds_on(clean):
    _, f = clean
    out = derive_assessments(f["TU"], f["TR"], settings=RecistSettings(), evaluator="INVESTIGATOR")
    assert not out.duplicated(["USUBJID", "TRLNKGRP"]).any()
    assert out["ADT"].notna().all()
    assert set(out["OVRLRESP"]) <= {"CR", "PR", "SD", "PD", "NE", "NON-CR/NON-PD"}


# ---------------------------------------------------------------- the pharmaverse reference data


def read_reference(name):
    from dataset_io.readers import read_dataset

    return read_dataset(shared_path("reference", "pharmaverse", "sdtm", f"{name}.csv"))[0]


@pytest.mark.parametrize(
    "suffix, settings",
    [
        ("_onco", RecistSettings(diameter_testcd="DIAMETER")),  # the investigator's own diameter records
        ("_onco", RecistSettings(short_axis_testcd="LPERP")),  # longest diameter, short axis for nodes
        ("_onco_recist", RecistSettings(short_axis_testcd="LPERP")),
    ],
)
def test_pharmaverse_reference_runs_and_reports_its_quirks(suffix, settings):
    tu, tr, rs = (read_reference(f"{d}{suffix}") for d in ("tu", "tr", "rs"))
    result = run_concordance(tu, tr, rs, settings=settings, evaluator="INVESTIGATOR")
    summary = result["summary"].set_index("PARAMCD")
    print(
        f"\npharmaverse {suffix} ({'DIAMETER' if settings.diameter_testcd else 'LDIAM/' + settings.short_axis_testcd}):"
    )
    print(summary)
    assert summary.loc["OVRLRESP", "N"] > 0
    assert len(result["assessments"]) > 0
    inv_issues = " ".join(result["investigator"]["INV_ISSUES"].dropna())
    if suffix == "_onco":
        assert summary.loc["TRGRESP", "N"] > 0
        assert "RS OVRLRESP value 'CHECK' is not a RECIST response" in inv_issues
        assert "after PD at" in inv_issues  # e.g. PD followed by CR
        assert "NOT DONE" in inv_issues
        # lesions NOT DONE in TR make the computed response NE, with the lesion named
        assert result["assessments"]["REASON"].str.contains("not assessed").any()


def test_cli_writes_tables_and_prints_rates(tmp_path):
    from cdisc_build.cli import app

    folder = shared_path("reference", "pharmaverse", "sdtm")
    res = CliRunner().invoke(
        app,
        [
            "recist",
            "--sdtm",
            str(folder),
            "--tu",
            "tu_onco_recist.csv",
            "--tr",
            "tr_onco_recist.csv",
            "--rs",
            "rs_onco_recist.csv",
            "--set",
            "short_axis_testcd=LPERP",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 0, res.output
    assert "OVRLRESP" in res.output and "100.00" in res.output
    for stem in ("recist_assessments", "recist_disagreements", "recist_agreement"):
        assert (tmp_path / f"{stem}.csv").is_file() and (tmp_path / f"{stem}.xlsx").is_file()


def test_cli_refuses_unknown_setting(tmp_path):
    from cdisc_build.cli import app

    folder = shared_path("reference", "pharmaverse", "sdtm")
    res = CliRunner().invoke(
        app,
        [
            "recist",
            "--sdtm",
            str(folder),
            "--tu",
            "tu_onco_recist.csv",
            "--tr",
            "tr_onco_recist.csv",
            "--rs",
            "rs_onco_recist.csv",
            "--set",
            "short_axis=LPERP",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 1
    assert "[recist] short_axis: unknown setting; did you mean short_axis_testcd?" in res.output
