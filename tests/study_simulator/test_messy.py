"""The injected problems: the Injector on literal forms, and the manifest of a simulated study."""

import pandas as pd

from study_simulator.messy import MANIFEST_COLUMNS, Injector
from study_simulator.settings import SimulationSettings

from .conftest import read

FILES = {"DM": "dm.csv", "ENR": "enr.csv", "SV": "sv.csv", "ECOG": "ecog.csv", "TR": "tr.csv"}


def frame(form, **columns):
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"SUBJECT": [f"101-000{i + 1}" for i in range(n)], "FORM": form, **columns})


def test_rate_zero_changes_nothing():
    injector = Injector(1, 0.0, SimulationSettings(), FILES)
    ecog = frame("ECOG", ECOGPS=["1 - Restricted in strenuous activity"])
    assert injector.apply("ECOG", ecog.copy()).equals(ecog)
    assert injector.manifest().empty and list(injector.manifest().columns) == MANIFEST_COLUMNS


def test_bare_code_out_of_codelist():
    injector = Injector(1, 1.0, SimulationSettings(), FILES)
    ecog = frame("ECOG", ECOGPS=["1 - Restricted in strenuous activity", "", "0 - Fully active"])
    out = injector.apply("ECOG", ecog)
    assert out["ECOGPS"].tolist() == ["1", "", "0"]
    m = injector.manifest()
    assert m[["FILE", "ROW", "FIELD", "KIND", "SUBJECT", "ORIGINAL", "INJECTED"]].values.tolist() == [
        ["ecog.csv", 1, "ECOGPS", "out_of_codelist", "101-0001", "1 - Restricted in strenuous activity", "1"],
        ["ecog.csv", 3, "ECOGPS", "out_of_codelist", "101-0003", "0 - Fully active", "0"],
    ]


def test_duplicated_rows_follow_their_original_and_are_listed():
    injector = Injector(2, 1.0, SimulationSettings(), FILES)
    out = injector.apply("SV", frame("SV", VISDAT=["01 MAR 2021", "12 APR 2021"]))
    assert out["VISDAT"].tolist() == ["01 MAR 2021", "01 MAR 2021", "12 APR 2021", "12 APR 2021"]
    m = injector.manifest()
    assert m[["ROW", "KIND", "SUBJECT", "ORIGINAL"]].values.tolist() == [
        [2, "duplicate_row", "101-0001", "1"],
        [4, "duplicate_row", "101-0002", "3"],
    ]


def test_subject_dropped_from_demographics_listed_against_enrolment():
    injector = Injector(3, 1.0, SimulationSettings(), FILES)
    dm = injector.apply("DM", frame("DM", SEX=["Male", ""]))  # the first row takes the SEX change
    assert dm["SUBJECT"].tolist() == ["101-0001"] and dm["SEX"].tolist() == ["M"]
    injector.apply("ENR", frame("ENR", ENRYN=["Yes", "Yes"]))
    m = injector.manifest()
    listed = m[m["KIND"] == "subject_not_in_demographics"]
    assert listed[["FILE", "ROW", "SUBJECT", "INJECTED"]].values.tolist() == [["enr.csv", 2, "101-0002", "101-0002"]]


def test_target_diameter_removed_or_written_in_cm():
    s = SimulationSettings().with_options(messy_units=True)
    tr = frame(
        "TR",
        FOLDER=["SCRN", "TA01", "TA01", "TA01"],
        TUCAT=["Target", "Target", "Target", "Non-target"],
        TRDIAM=["32", "25", "", ""],
        TRDIAMU=["mm", "mm", "mm", ""],
        TRSTAT=["", "", "", "Present"],
    )
    injector = Injector(4, 1.0, s, FILES)
    out = injector.apply("TR", tr)
    # the non-target state leaves the codelist, the post-baseline diameter goes missing, the baseline
    # one is written in cm; the one row left untouched is duplicated
    assert out[["TRDIAM", "TRDIAMU", "TRSTAT"]].values.tolist() == [
        ["3.2", "cm", ""],
        ["", "mm", ""],
        ["", "mm", ""],
        ["", "mm", ""],
        ["", "", "Present (stable)"],
    ]
    m = injector.manifest()
    assert m[["ROW", "FIELD", "KIND", "ORIGINAL", "INJECTED"]].values.tolist() == [
        [1, "TRDIAM", "unit_cm", "32 mm", "3.2 cm"],
        [2, "TRDIAM", "missing_measurement", "25", ""],
        [4, "", "duplicate_row", "3", ""],
        [5, "TRSTAT", "out_of_codelist", "Present", "Present (stable)"],
    ]


def test_clean_study_has_empty_manifest(clean_study):
    manifest = read(clean_study / "truth", "messy_manifest.csv")
    assert list(manifest.columns) == MANIFEST_COLUMNS and manifest.empty


def test_manifest_lists_every_kind(messy_study):
    manifest = read(messy_study / "truth", "messy_manifest.csv")
    assert set(manifest["KIND"]) == {
        "partial_date",
        "non_ascii_text",
        "long_text",
        "out_of_codelist",
        "duplicate_row",
        "end_before_start",
        "missing_measurement",
        "subject_not_in_demographics",
        "result_below_limit",
        "result_above_limit",
        "unit_outside_codelist",
        "missing_reference_range",
        "impossible_value",
    }


def test_every_manifest_entry_is_in_the_files(messy_study):
    edc = messy_study / "edc"
    manifest = read(messy_study / "truth", "messy_manifest.csv")
    dm = read(edc, "dm.csv")
    frames = {}
    for _, e in manifest.iterrows():
        frame = frames.setdefault(e["FILE"], read(edc, e["FILE"]))
        row = frame.iloc[int(e["ROW"]) - 1]
        assert row["SUBJECT"] == e["SUBJECT"], e.to_dict()
        kind = e["KIND"]
        if kind == "duplicate_row":
            original = frame.iloc[int(e["ORIGINAL"]) - 1]
            assert row.equals(original), e.to_dict()
        elif kind == "subject_not_in_demographics":
            assert e["SUBJECT"] not in set(dm["SUBJECT"])
        else:
            assert row[e["FIELD"]] == e["INJECTED"], e.to_dict()
        if kind == "partial_date":
            assert row[e["FIELD"]].startswith("UN ")
        if kind == "long_text":
            assert len(row[e["FIELD"]]) > 200
        if kind == "non_ascii_text":
            assert not row[e["FIELD"]].isascii()
        if kind == "end_before_start":
            start_field = e["FIELD"].replace("EN", "ST")
            start = pd.to_datetime(row[start_field], format="%d %b %Y")
            assert pd.to_datetime(row[e["FIELD"]], format="%d %b %Y") < start
        if kind == "missing_measurement":
            assert row["TUCAT"] == "Target" and row["TRTSM"] == "No" and row["TRNE"] == "No"
