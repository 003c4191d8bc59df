"""--LOBXFL, the last observation before exposure: literal frames with the flags written by hand
from the definition, and the demo study's TU, TR and RS checked by an independent count."""

from __future__ import annotations

import pandas as pd
import pytest

from sdtm_builder.build import build_sdtm, load_sdtm_spec
from sdtm_builder.recipes.common import LobxflPlan, derivation_plan
from sdtm_builder.timing import derive_var_lobxfl
from specs import study_workbook
from specs.study import builtin_study
from study_simulator.api import simulate

DM = pd.DataFrame(
    {
        "USUBJID": ["A", "B", "C", "D"],
        "RFXSTDTC": ["2021-03-10", "2021-03-10T09:30", None, "2021-03-10"],
    }
)


def _flags(frame: pd.DataFrame, **kwargs) -> list[str | None]:
    options = {"dm": DM, "flag": "VSLOBXFL", "by": ["VSTESTCD"], "dtc": "VSDTC", "results": ["VSORRES"]}
    options.update(kwargs)
    out = derive_var_lobxfl(frame, **options)
    assert "VSLOBXFL" not in frame.columns  # the input is left as it was
    return out["VSLOBXFL"].tolist()


def test_last_result_on_or_before_the_first_dose_per_subject_and_test():
    vs = pd.DataFrame(
        {
            "USUBJID": ["A", "A", "A", "A", "A", "A"],
            "VSTESTCD": ["SYSBP", "SYSBP", "SYSBP", "WEIGHT", "WEIGHT", "SYSBP"],
            "VSORRES": ["120", "118", "125", "70", "71", "119"],
            "VSDTC": ["2021-03-01", "2021-03-10", "2021-03-11", "2021-02-20", "2021-03-05", "2021-03-08"],
        }
    )
    # SYSBP: 03-10 is the dose day (date only on both sides: before exposure); WEIGHT: 03-05
    assert _flags(vs) == [None, "Y", None, None, "Y", None]


def test_dose_time_decides_on_the_day_when_both_carry_a_time():
    vs = pd.DataFrame(
        {
            "USUBJID": ["B"] * 4,
            "VSTESTCD": ["PULSE", "PULSE", "TEMP", "TEMP"],
            "VSORRES": ["70", "72", "36.8", "37.0"],
            "VSDTC": ["2021-03-10T08:00", "2021-03-10T10:00", "2021-03-09", "2021-03-10"],
        }
    )
    # PULSE: 08:00 is before the 09:30 dose, 10:00 after; TEMP: a date-only value on the dose day counts
    assert _flags(vs) == ["Y", None, None, "Y"]


def test_partial_dates_count_only_when_surely_before():
    vs = pd.DataFrame(
        {
            "USUBJID": ["A"] * 4,
            "VSTESTCD": ["HEIGHT", "HEIGHT", "WEIGHT", "WEIGHT"],
            "VSORRES": ["170", "171", "70", "71"],
            "VSDTC": ["2021-02", "2021-03", "2020", "2021"],
        }
    )
    # 2021-02 is before 2021-03-10; 2021-03 and 2021 may be after it
    assert _flags(vs) == ["Y", None, "Y", None]


def test_records_without_a_result_are_never_flagged():
    vs = pd.DataFrame(
        {
            "USUBJID": ["A"] * 4,
            "VSTESTCD": ["SYSBP"] * 4,
            "VSORRES": ["120", None, "", None],
            "VSSTAT": [None, "NOT DONE", None, None],
            "VSDTC": ["2021-03-01", "2021-03-05", "2021-03-07", "2021-03-09"],
        }
    )
    assert _flags(vs, stat="VSSTAT") == ["Y", None, None, None]
    done_without = vs.assign(VSORRES=["120", "121", "122", "123"], VSSTAT=[None, "NOT DONE", None, None])
    assert _flags(done_without, stat="VSSTAT") == [None, None, None, "Y"]


def test_every_declared_result_must_be_there():
    vs = pd.DataFrame(
        {
            "USUBJID": ["A", "A"],
            "VSTESTCD": ["SYSBP", "SYSBP"],
            "VSORRES": ["120", "abc"],
            "VSSTRESC": ["120", None],
            "VSDTC": ["2021-03-01", "2021-03-02"],
        }
    )
    assert _flags(vs, results=["VSORRES", "VSSTRESC"]) == ["Y", None]


def test_no_exposure_or_only_later_records_give_no_flag():
    vs = pd.DataFrame(
        {
            "USUBJID": ["C", "C", "D", "D", "E", "A"],
            "VSTESTCD": ["SYSBP"] * 6,
            "VSORRES": ["120"] * 6,
            "VSDTC": ["2021-03-01", "2021-03-02", "2021-03-11", "2021-04-01", "2021-03-01", None],
        }
    )
    # C: never exposed; D: every record after the first dose; E: not in DM; A: no date
    assert _flags(vs) == [None] * 6


def test_qualifiers_and_lesions_tell_tests_apart_and_seq_breaks_ties():
    tr = pd.DataFrame(
        {
            "USUBJID": ["A"] * 6,
            "TRLNKID": ["T01", "T01", "T02", "T02", "T02", "NT01"],
            "TRTESTCD": ["LDIAM", "LDIAM", "LDIAM", "LDIAM", "LDIAM", "TUMSTATE"],
            "TRORRES": ["20", "18", "30", "31", "32", "PRESENT"],
            "TRDTC": ["2021-02-20", "2021-03-01", "2021-03-01", "2021-03-01", "2021-03-20", "2021-03-01"],
            "TRSEQ": [1.0, 2.0, 4.0, 3.0, 5.0, 6.0],
        }
    )
    out = derive_var_lobxfl(
        tr, dm=DM, flag="TRLOBXFL", by=["TRTESTCD", "TRLNKID"], dtc="TRDTC", results=["TRORRES"], seq="TRSEQ"
    )
    # T01: the later of two; T02: two on the same day, the higher TRSEQ wins; NT01: its own test
    assert out["TRLOBXFL"].tolist() == [None, "Y", "Y", None, None, "Y"]


def test_null_qualifiers_group_together():
    vs = pd.DataFrame(
        {
            "USUBJID": ["A"] * 3,
            "VSTESTCD": ["SYSBP"] * 3,
            "VSPOS": [None, None, "SITTING"],
            "VSORRES": ["120", "121", "122"],
            "VSDTC": ["2021-03-01", "2021-03-02", "2021-03-01"],
        }
    )
    assert _flags(vs, by=["VSTESTCD", "VSPOS"]) == [None, "Y", "Y"]


def test_the_plan_follows_the_spec():
    spec = load_sdtm_spec(study_workbook("sdtm"))
    plans = {name: derivation_plan(spec, name).lobxfl for name in ("TU", "TR", "RS", "SS", "AE", "DM")}
    assert plans["TR"] == LobxflPlan(
        "TRLOBXFL",
        ("TRTESTCD", "TRMETHOD", "TREVAL", "TREVALID", "TRLNKID"),
        "TRDTC",
        ("TRORRES", "TRSTRESC"),
        "TRSTAT",
        "TRSEQ",
    )
    assert plans["TU"] is not None and plans["TU"].by[-1] == "TULNKID"
    assert plans["RS"] is not None and "RSCAT" in plans["RS"].by and "RSLNKID" not in plans["RS"].by
    assert plans["SS"] is None and plans["AE"] is None and plans["DM"] is None  # not declared / not findings


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo study's SDTM, built from a simulated export."""
    root = tmp_path_factory.mktemp("lobxfl")
    simulate(120, 11, root)
    return build_sdtm(root / "edc", config=builtin_study())


# the independent check: what tells one test (and lesion) apart in each dataset of the built-in study
DEMO_KEYS = {
    "TU": ["USUBJID", "TUTESTCD", "TULNKID"],
    "TR": ["USUBJID", "TRTESTCD", "TRLNKID"],
    "RS": ["USUBJID", "RSTESTCD", "RSCAT"],
    "LB": ["USUBJID", "LBTESTCD", "LBCAT", "LBSPEC"],
    "VS": ["USUBJID", "VSTESTCD"],
}


@pytest.mark.parametrize("name", sorted(DEMO_KEYS))
def test_demo_has_one_flag_per_subject_and_test_with_a_predose_result(demo, name):
    data = demo.datasets[name]
    keys = DEMO_KEYS[name]
    frame = data.merge(demo.datasets["DM"][["USUBJID", "RFXSTDTC"]], on="USUBJID", how="left")
    # every date of the simulated study is a complete date; RFXSTDTC is a date too
    assert frame[f"{name}DTC"].dropna().str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    result = (frame[f"{name}ORRES"].fillna("").astype(str).str.strip() != "") & (
        frame[f"{name}STRESC"].fillna("").astype(str).str.strip() != ""
    )
    done = frame[f"{name}STAT"].isna() if f"{name}STAT" in frame.columns else True
    predose = result & done & frame["RFXSTDTC"].notna() & (frame[f"{name}DTC"] <= frame["RFXSTDTC"])
    expected = pd.Series(False, index=frame.index)
    chosen = frame[predose].sort_values([f"{name}DTC", f"{name}SEQ"]).groupby(keys, dropna=False).tail(1).index
    expected[chosen] = True
    flagged = frame[f"{name}LOBXFL"].eq("Y")
    assert set(frame[f"{name}LOBXFL"].dropna()) <= {"Y"}
    assert flagged.tolist() == expected.tolist()
    assert frame[flagged].groupby(keys, dropna=False).size().eq(1).all()
    # each subject and test with a pre-dose result has its flag
    assert frame[predose][keys].drop_duplicates().shape[0] == int(flagged.sum()) > 0
    if name == "RS":  # the responses are assessed after the first dose only: the flag is ECOG's
        assert set(frame.loc[flagged, "RSTESTCD"]) == {"ECOG101"}


def test_demo_still_balances_with_the_flag(demo):
    assert demo.failures.empty, demo.failures.head(20).to_string()
    assert demo.ledger["balanced"].all(), demo.ledger.to_string()
