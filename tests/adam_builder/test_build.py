"""The ADaM stage end to end on a simulated study: truth check, schemas, files, command line."""

import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

from adam_builder.build import build_adam, read_sdtm, write_adam
from cdisc_build.cli import app
from sdtm_builder.build import build_sdtm, write_sdtm
from specs import load_spec, study_workbook
from specs.study import builtin_study
from study_simulator.api import simulate

SUBJECTS, SEED = 400, 7


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    root = tmp_path_factory.mktemp("adam")
    simulate(SUBJECTS, SEED, root / "raw")
    sdtm = build_sdtm(root / "raw" / "edc", config=builtin_study())
    write_sdtm(sdtm, root / "sdtm", formats=("xpt", "csv"))
    frames = {name: sdtm.final(name) for name in sdtm.datasets}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        result = build_adam(frames, spec=load_spec(study_workbook("adam")).spec, settings=builtin_study().adam)
    truth = pd.read_csv(root / "raw" / "truth" / "subjects.csv", dtype=str, keep_default_na=False)
    truth = truth[truth["STATUS"] == "TREATED"].copy()
    truth.index = "SYSU-ANTOR-STS-" + truth["SUBJECT"]
    return root, result, truth


def test_every_dataset_passes_the_spec_schemas(study):
    _, result, _ = study
    assert set(result.datasets) == {"ADSL", "ADRS", "ADTTE", "ADTR", "ADAE", "ADLB", "ADVS"}
    assert all(len(f) for f in result.datasets.values())
    assert result.failures.empty, result.failures.head(20).to_string()


def test_confirmed_bor_equals_the_truth_for_every_subject(study):
    _, result, truth = study
    adrs = result.datasets["ADRS"]
    for param, column in (("CBOR", "BOR_CONFIRMED"), ("BOR", "BOR_UNCONFIRMED")):
        ours = adrs[adrs["PARAMCD"] == param].set_index("USUBJID")["AVALC"].reindex(truth.index)
        assert (ours == truth[column]).all(), pd.DataFrame({"ours": ours, "truth": truth[column]})[
            ours != truth[column]
        ]


@pytest.mark.parametrize("param, date, event", [("PFS", "PFS_DATE", "PFS_EVENT"), ("OS", "OS_DATE", "OS_EVENT")])
def test_pfs_and_os_dates_and_events_equal_the_truth(study, param, date, event):
    _, result, truth = study
    tte = result.datasets["ADTTE"]
    ours = tte[tte["PARAMCD"] == param].set_index("USUBJID").reindex(truth.index)
    assert (ours["ADT"].dt.strftime("%Y-%m-%d") == truth[date]).all()
    assert ((ours["CNSR"] == 0) == (truth[event] == "Y")).all()
    assert (ours["AVAL"] == pd.to_numeric(truth[f"{param}_DAYS"])).all()


def test_single_arm_reference_start_is_first_dose(study):
    _, result, _ = study
    adsl = result.datasets["ADSL"]
    assert adsl["RANDDT"].isna().all()
    treated = adsl[adsl["SAFFL"] == "Y"]
    tte = result.datasets["ADTTE"].merge(treated[["USUBJID", "TRTSDT"]], on="USUBJID", suffixes=("", "_ADSL"))
    assert (tte.loc[tte["PARAMCD"] != "DOR", "STARTDT"] == tte.loc[tte["PARAMCD"] != "DOR", "TRTSDT_ADSL"]).all()


def test_adtr_sum_baseline_and_best_change(study):
    _, result, _ = study
    adtr = result.datasets["ADTR"]
    base = adtr[(adtr["PARAMCD"] == "SDIAM") & (adtr["ABLFL"] == "Y")]
    assert not base["USUBJID"].duplicated().any() and (base["AVISITN"] == 0).all()
    best = adtr[adtr["DTYPE"] == "MINIMUM"]
    post = adtr[(adtr["PARAMCD"] == "SDIAM") & adtr["DTYPE"].isna() & (adtr["ANL01FL"] == "Y") & adtr["PCHG"].notna()]
    assert (best.set_index("USUBJID")["PCHG"] == post.groupby("USUBJID")["PCHG"].min().reindex(best["USUBJID"])).all()


def test_adae_worst_grade_flag_one_per_subject(study):
    _, result, _ = study
    adae = result.datasets["ADAE"]
    flagged = adae[adae["AOCC01FL"] == "Y"]
    assert not flagged["USUBJID"].duplicated().any()
    worst = adae[adae["TRTEMFL"] == "Y"].groupby("USUBJID")["ATOXGRN"].max()
    assert (flagged.set_index("USUBJID")["ATOXGRN"] == worst.reindex(flagged["USUBJID"])).all()


def test_write_adam_gives_transport_files(study, tmp_path):
    _, result, _ = study
    written = write_adam(result, tmp_path / "adam", formats=("xpt", "csv"))
    assert {p.name for p in written.values()} == {
        "adsl.xpt",
        "adrs.xpt",
        "adtte.xpt",
        "adtr.xpt",
        "adae.xpt",
        "adlb.xpt",
        "advs.xpt",
    }
    from dataset_io.readers import read_dataset

    frame, meta = read_dataset(tmp_path / "adam" / "adsl.xpt")
    assert meta.formats["TRTSDT"].startswith("DATE")
    assert (frame["TRTSDT"].dropna() == result.datasets["ADSL"]["TRTSDT"].dropna().to_numpy()).all()


@pytest.mark.parametrize("suffix", ["xpt", "csv"])
def test_command_line_reads_sdtm_as_xpt_or_csv(study, tmp_path, suffix):
    root, result, _ = study
    folder = tmp_path / "in"
    folder.mkdir()
    for path in (root / "sdtm").glob(f"*.{suffix}"):
        (folder / path.name).write_bytes(path.read_bytes())
    done = CliRunner().invoke(app, ["adam", "--sdtm", str(folder), "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "out" / "adrs.xpt").exists()
    frames = read_sdtm(folder)
    assert "DM" in frames and "RS" in frames


def test_command_line_names_a_missing_dm(tmp_path):
    (tmp_path / "empty").mkdir()
    done = CliRunner().invoke(app, ["adam", "--sdtm", str(tmp_path / "empty"), "--out", str(tmp_path / "out")])
    assert done.exit_code == 1
    assert "no DM dataset" in done.output
    assert not (tmp_path / "out").exists()


def test_adtr_records_without_a_value_are_left_out_and_listed():
    from adam_builder.adtr import split_unevaluable

    adtr = pd.DataFrame({"USUBJID": ["A", "A"], "PARAMCD": ["SDIAM", "SDIAM"], "AVAL": [30.0, None]})
    kept, left = split_unevaluable(adtr)
    assert kept["AVAL"].tolist() == [30.0]
    assert left["PARAMCD"].tolist() == ["SDIAM"]


def _worst(frame: pd.DataFrame, grade: str) -> pd.Series:
    """Per subject and parameter: the highest grade over the post-baseline on-treatment observed records."""
    post = frame[(frame["ONTRTFL"] == "Y") & (frame["ABLFL"] != "Y") & frame["DTYPE"].isna()]
    return pd.to_numeric(post[grade], errors="coerce").groupby([post["USUBJID"], post["PARAMCD"]]).max()


@pytest.mark.parametrize("direction", ["L", "H"])
def test_adlb_worst_grades_equal_the_truth_for_every_subject(study, direction):
    """The simulator grades its own clean values by its own encoding of NCI-CTCAE v5.0 (truth.py);
    ADLB grades the SDTM by the criteria table: the worst grade agrees for every subject and test."""
    root, result, _ = study
    truth = pd.read_csv(root / "raw" / "truth" / "lab_grades.csv", dtype={"SUBJECT": str})
    truth = truth[truth[f"TERM_{direction}"].notna() & (truth["N_POST"] > 0)]
    key = pd.MultiIndex.from_arrays(["SYSU-ANTOR-STS-" + truth["SUBJECT"], truth["LBTESTCD"]])
    expected = pd.Series(truth[f"GRADE_{direction}"].to_numpy(dtype=float), index=key)
    ours = _worst(result.datasets["ADLB"], f"ATOXGR{direction}").reindex(key)
    assert len(expected) > 100
    differ = ours.ne(expected)
    assert not differ.any(), pd.DataFrame({"ours": ours, "truth": expected})[differ].head(20)


def test_hypertension_worst_grade_equals_the_truth_for_every_subject(study):
    root, result, _ = study
    truth = pd.read_csv(root / "raw" / "truth" / "hypertension.csv", dtype={"SUBJECT": str})
    truth.index = "SYSU-ANTOR-STS-" + truth["SUBJECT"]
    worst = _worst(result.datasets["ADVS"], "ATOXGRH")
    ours = worst[worst.index.get_level_values("PARAMCD").isin(["SYSBP", "DIABP"])].groupby(level=0).max()
    expected = pd.to_numeric(truth["GRADE"], errors="coerce")
    ours = ours.reindex(expected.index)
    assert (expected >= 3).sum() > 0  # anlotinib's hypertension reaches grade 3 in the simulated study
    differ = ours.ne(expected) & ~(ours.isna() & expected.isna())
    assert not differ.any(), pd.DataFrame({"ours": ours, "truth": expected})[differ].head(20)
