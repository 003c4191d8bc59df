"""LB and VS of the built-in study: small literal lb/vs pages through the spec's Mapping rules
(results and ranges converted to the standard unit by the spec's Unit Conversions sheet, the
reference range indicator, a result given as a limit, what cannot be converted or is not
possible), and a simulated study's lb/vs pages to LB/VS record for record.

The expected standard results are worked out by hand from the AMA Manual of Style SI
conversion factors (hemoglobin, albumin g/dL x 10 = g/L; bilirubin mg/dL x 17.1 = umol/L;
creatinine x 88.4 = umol/L; glucose x 0.0555, triglycerides x 0.01129, cholesterol x 0.02586
= mmol/L; free T4 ng/dL x 12.87 = pmol/L), rounded to 2 decimals, and CDISC CT 2025-03-28
(10^3/uL is a synonym of 10^9/L, uIU/mL of mIU/L, mg% of mg/dL).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdtm_builder.build import build_sdtm, load_sdtm_spec
from sdtm_builder.issues import IssueLog
from sdtm_builder.mapping import map_dataset
from sdtm_builder.raw import read_raw
from sdtm_builder.recipes.common import LobxflPlan, derivation_plan
from specs import study_workbook
from specs.study import builtin_study
from study_simulator.api import simulate


@pytest.fixture(scope="module")
def spec():
    return load_sdtm_spec(study_workbook("sdtm"))


LB_HEADER = "STUDY,SITENUMBER,SUBJECT,FORM,FOLDER,RECORDPOSITION,LBDAT,LBCAT,LBTEST,LBORRES,LBORRESU,LBORNRLO,LBORNRHI"
# (category, test, result, unit, low, high)
LB_PAGE = [
    ("Hematology", "Hemoglobin", "14.0", "g/dL", "12.0", "16.0"),
    ("Chemistry", "Total Bilirubin", "2.0", "mg/dL", "0.2", "1.2"),
    ("Chemistry", "Creatinine", "0.5", "mg/dL", "0.7", "1.3"),
    ("Chemistry", "Glucose", "100", "mg/dL", "72", "99"),
    ("Thyroid", "Free T4", "<0.4", "ng/dL", "0.8", "1.8"),
    ("Hematology", "Leukocytes", "5.2", "10^3/uL", "3.5", "10.5"),
    ("Hematology", "Neutrophils", "-1.2", "10^9/L", "1.8", "7.5"),
    ("Hematology", "Hemoglobin", "150", "g/dL", "12.0", "16.0"),
    ("Chemistry", "Albumin", "4.0", "g/dL", "", ""),
    ("Hematology", "Platelets", "250", "x10E9/L", "150", "400"),
    ("Urinalysis", "Urine Protein", "2+", "", "", ""),
    ("Thyroid", "TSH", "2.1", "uIU/mL", "0.4", "4.0"),
    ("Chemistry", "Cholesterol", "200", "mg/dL", "100", "199"),
    ("Chemistry", "Triglycerides", "150", "mg%", "40", "150"),
    ("Chemistry", "Alanine Aminotransferase", "30", "U/L", "7", "40"),
]
RESULTS = ["LBTESTCD", "LBTEST", "LBCAT", "LBORRESU", "LBSTRESC", "LBSTRESN", "LBSTRESU"]
RESULTS += ["LBSTNRLO", "LBSTNRHI", "LBNRIND", "LBSPEC"]
N = np.nan
EXPECTED = [
    ("HGB", "Hemoglobin", "HEMATOLOGY", "g/dL", "140", 140.0, "g/L", 120.0, 160.0, "NORMAL", "BLOOD"),
    ("BILI", "Bilirubin", "CHEMISTRY", "mg/dL", "34.2", 34.2, "umol/L", 3.42, 20.52, "HIGH", "SERUM"),
    ("CREAT", "Creatinine", "CHEMISTRY", "mg/dL", "44.2", 44.2, "umol/L", 61.88, 114.92, "LOW", "SERUM"),
    ("GLUC", "Glucose", "CHEMISTRY", "mg/dL", "5.55", 5.55, "mmol/L", 4.0, 5.49, "HIGH", "SERUM"),
    # a limit: its sign kept, the limit converted (0.4 x 12.87 = 5.148), no number; below the range
    ("T4FR", "Thyroxine, Free", "THYROID", "ng/dL", "<5.15", N, "pmol/L", 10.3, 23.17, "LOW", "SERUM"),
    # 10^3/uL is the CT synonym of 10^9/L: the same unit, nothing to convert
    ("WBC", "Leukocytes", "HEMATOLOGY", "10^9/L", "5.2", 5.2, "10^9/L", 3.5, 10.5, "NORMAL", "BLOOD"),
    # a negative count is not possible: kept as collected, no indicator
    ("NEUT", "Neutrophils", "HEMATOLOGY", "10^9/L", "-1.2", -1.2, "10^9/L", 1.8, 7.5, None, "BLOOD"),
    # 1500 g/L is above 5 x 160 g/L
    ("HGB", "Hemoglobin", "HEMATOLOGY", "g/dL", "1500", 1500.0, "g/L", 120.0, 160.0, None, "BLOOD"),
    ("ALB", "Albumin", "CHEMISTRY", "g/dL", "40", 40.0, "g/L", N, N, None, "SERUM"),
    # no CDISC unit, no conversion: the standard result, unit and range are left null
    ("PLAT", "Platelets", "HEMATOLOGY", "x10E9/L", None, N, None, N, N, None, "BLOOD"),
    ("PROT", "Protein", "URINALYSIS", None, "2+", N, None, N, N, None, "URINE"),
    ("TSH", "Thyrotropin", "THYROID", "mIU/L", "2.1", 2.1, "mIU/L", 0.4, 4.0, "NORMAL", "SERUM"),
    ("CHOL", "Cholesterol", "CHEMISTRY", "mg/dL", "5.17", 5.17, "mmol/L", 2.59, 5.15, "HIGH", "SERUM"),
    # mg% is the CT synonym of mg/dL; 150 x 0.01129 = 1.6935: on the upper limit, normal
    ("TRIG", "Triglycerides", "CHEMISTRY", "mg/dL", "1.69", 1.69, "mmol/L", 0.45, 1.69, "NORMAL", "SERUM"),
    ("ALT", "Alanine Aminotransferase", "CHEMISTRY", "U/L", "30", 30.0, "U/L", 7.0, 40.0, "NORMAL", "SERUM"),
]


def _page(folder, header: str, rows: list[tuple], name: str, subject: str = "101-0001", form: str = "LB"):
    lines = [header]
    for k, row in enumerate(rows, start=1):
        lines.append(",".join(["S1", "101", subject, form, "C01", str(k), "02 MAR 2021", *row]))
    (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def lb(spec, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lb")
    _page(folder, LB_HEADER, LB_PAGE, "lb.csv")
    issues = IssueLog()
    out = map_dataset(read_raw(folder, "SUBJECT"), spec, "LB", issues)
    return out.sort_values("_ROW").reset_index(drop=True), issues.frame()


def test_results_and_ranges_reach_the_standard_unit_by_the_spec_conversions(lb):
    out, _ = lb
    got = out[RESULTS]
    for k, expected in enumerate(EXPECTED):
        row = got.iloc[k]
        for name, want in zip(RESULTS, expected, strict=True):
            have = row[name]
            if isinstance(want, float):
                assert (np.isnan(want) and pd.isna(have)) or have == pytest.approx(want), (k + 1, name, have)
            else:
                assert (None if pd.isna(have) else have) == want, (k + 1, name, have)
    assert out["LBORRES"].tolist() == [r[2] for r in LB_PAGE]  # as collected
    assert out["LBORNRLO"].tolist() == [r[4] or None for r in LB_PAGE]
    assert set(out["LBDTC"]) == {"2021-03-02"} and set(out["VISIT"]) == {"CYCLE 1 DAY 1"}


def test_every_lab_problem_is_reported_on_its_raw_row_and_field(lb):
    _, issues = lb
    got = sorted((i.severity, i.kind, i.row, i.field, i.subject) for i in issues.itertuples() if i.form == "lb")
    assert got == sorted(
        [
            ("note", "result beyond a limit", 5, "LBORRES", "101-0001"),
            ("error", "implausible result", 7, "LBORRES", "101-0001"),
            ("error", "implausible result", 8, "LBORRES", "101-0001"),
            ("note", "no reference range", 9, "LBORNRLO+LBORNRHI", "101-0001"),
            # an extensible codelist takes a new term (a warning); no conversion of it is an error,
            # for the result and for each limit of its range
            ("warning", "value outside codelist", 10, "LBORRESU", "101-0001"),
            ("error", "no unit conversion", 10, "LBORRESU", "101-0001"),
            ("error", "no unit conversion", 10, "LBORRESU", "101-0001"),
            ("error", "no unit conversion", 10, "LBORRESU", "101-0001"),
            # the CRF's answers name the conventional units as printed; mg% is not one of them
            ("warning", "value outside the CRF codelist", 14, "LBORRESU", "101-0001"),
        ]
    )
    errors = issues[issues["severity"] == "error"]
    assert set(errors.loc[errors["kind"] == "no unit conversion", "variable"]) == {"LBSTRESC", "LBSTNRLO", "LBSTNRHI"}


VS_HEADER = "STUDY,SITENUMBER,SUBJECT,FORM,FOLDER,RECORDPOSITION,VSDAT,VSTEST,VSORRES,VSORRESU,VSPOS"


def test_vital_signs_keep_their_units_and_position(spec, tmp_path):
    rows = [
        ("Systolic Blood Pressure", "128", "mmHg", "Sitting"),
        ("Diastolic Blood Pressure", "82", "mmHg", "Sitting"),
        ("Heart Rate", "71", "beats/min", "Sitting"),
        ("Weight", "64.0", "kg", ""),
        ("Temperature", "36.8", "C", ""),
        ("Height", "171", "cm", ""),
    ]
    _page(tmp_path, VS_HEADER, rows, "vs.csv", form="VS")
    issues = IssueLog()
    out = map_dataset(read_raw(tmp_path, "SUBJECT"), spec, "VS", issues).sort_values("_ROW")
    assert out["VSTESTCD"].tolist() == ["SYSBP", "DIABP", "HR", "WEIGHT", "TEMP", "HEIGHT"]
    assert out["VSTEST"].tolist() == [r[0] for r in rows]
    assert out["VSPOS"].tolist() == ["SITTING"] * 3 + [None] * 3
    assert out["VSSTRESC"].tolist() == ["128", "82", "71", "64", "36.8", "171"]
    assert out["VSSTRESN"].tolist() == [128.0, 82.0, 71.0, 64.0, 36.8, 171.0]
    assert out["VSSTRESU"].tolist() == out["VSORRESU"].tolist() == ["mmHg", "mmHg", "beats/min", "kg", "C", "cm"]
    assert issues.frame().empty


def test_the_lobxfl_plan_of_lb_and_vs(spec):
    assert derivation_plan(spec, "LB").lobxfl == LobxflPlan(
        "LBLOBXFL", ("LBTESTCD", "LBCAT", "LBSPEC"), "LBDTC", ("LBORRES", "LBSTRESC"), None, "LBSEQ"
    )
    assert derivation_plan(spec, "VS").lobxfl == LobxflPlan(
        "VSLOBXFL", ("VSTESTCD",), "VSDTC", ("VSORRES", "VSSTRESC"), None, "VSSEQ"
    )


# --------------------------------------------------------------------------- a simulated study


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("lbvs")
    simulate(40, 7, root)
    raw = {f: pd.read_csv(root / "edc" / f"{f}.csv", dtype=str, keep_default_na=False) for f in ("lb", "vs", "dm")}
    return raw, build_sdtm(root / "edc", config=builtin_study())


@pytest.mark.parametrize("name", ["LB", "VS"])
def test_every_raw_row_is_one_record(study, name):
    raw, result = study
    form = raw[name.lower()]
    data = result.datasets[name]
    ledger = result.ledger.set_index("form").loc[name.lower()]
    assert ledger["read"] == len(form) == ledger["mapped"] + ledger["rejected"] and ledger["not_submitted"] == 0
    reported = result.issues[(result.issues["form"] == name.lower()) & (result.issues["severity"] == "error")]
    assert len(data) == len(form) - ledger["rejected"] and reported.empty  # a clean export: nothing rejected
    assert sorted(data["_ROW"]) == list(range(1, len(form) + 1))
    source = form.iloc[data["_ROW"].to_numpy() - 1]
    assert (data["USUBJID"].to_numpy() == (source["STUDY"] + "-" + source["SUBJECT"]).to_numpy()).all()
    assert (data[f"{name}ORRES"].to_numpy() == source[f"{name}ORRES"].to_numpy()).all()
    for variable in ("VISITNUM", "EPOCH", f"{name}DY", f"{name}SEQ"):
        assert data[variable].notna().all(), variable


def test_lb_standard_units_are_one_per_test(study):
    _, result = study
    lb = result.datasets["LB"]
    numeric = lb[lb["LBTESTCD"] != "PROT"]
    units = numeric.groupby("LBTESTCD")["LBSTRESU"].agg(lambda u: set(u))
    assert units.to_dict() == {
        "HGB": {"g/L"},
        "ALB": {"g/L"},
        "WBC": {"10^9/L"},
        "NEUT": {"10^9/L"},
        "LYM": {"10^9/L"},
        "PLAT": {"10^9/L"},
        "ALT": {"U/L"},
        "AST": {"U/L"},
        "ALP": {"U/L"},
        "BILI": {"umol/L"},
        "CREAT": {"umol/L"},
        "GLUC": {"mmol/L"},
        "TRIG": {"mmol/L"},
        "CHOL": {"mmol/L"},
        "T4FR": {"pmol/L"},
        "TSH": {"mIU/L"},
    }
    assert numeric["LBSTRESN"].notna().all() and numeric["LBNRIND"].isin(["LOW", "NORMAL", "HIGH"]).all()
    protein = lb[lb["LBTESTCD"] == "PROT"]
    assert protein["LBSTRESN"].isna().all() and protein["LBSTRESU"].isna().all() and protein["LBNRIND"].isna().all()
    # the indicator agrees with the standard result and range
    expected = np.where(
        numeric["LBSTRESN"] < numeric["LBSTNRLO"],
        "LOW",
        np.where(numeric["LBSTRESN"] > numeric["LBSTNRHI"], "HIGH", "NORMAL"),
    )
    assert (numeric["LBNRIND"].to_numpy() == expected).all()


@pytest.mark.parametrize("name", ["LB", "VS"])
def test_one_baseline_flag_per_treated_subject_and_test(study, name):
    _, result = study
    data, dm = result.datasets[name], result.datasets["DM"]
    flagged = data[data[f"{name}LOBXFL"] == "Y"]
    treated = set(dm.loc[dm["RFXSTDTC"].notna(), "USUBJID"])
    assert set(data["USUBJID"]) <= treated  # samples are taken from treated subjects only
    per_test = flagged.groupby(["USUBJID", f"{name}TESTCD"]).size()
    assert per_test.eq(1).all()
    assert len(per_test) == len(data[["USUBJID", f"{name}TESTCD"]].drop_duplicates())  # screening: every test
    # cycle 1 day 1 is sampled before the first dose, on its day: its date, without a time, counts as before
    # exposure; height is measured at screening only
    visits = flagged.groupby(f"{name}TESTCD")["VISIT"].agg(set).to_dict()
    assert {test: {"SCREENING"} if test == "HEIGHT" else {"CYCLE 1 DAY 1"} for test in visits} == visits
