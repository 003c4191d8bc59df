"""Empty SDTM domains (a header and no records) are valid input to the ADaM stage: the
derivations that need their records produce none, and the issue report says so; an empty DM
and an absent domain a derivation needs are messages naming the dataset, never a traceback."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

from adam_builder.build import build_adam, read_sdtm
from adam_builder.common import AdamInputError
from cdisc_build.cli import app
from sdtm_builder.build import build_sdtm, write_sdtm
from specs import load_spec, study_workbook
from specs.study import builtin_study
from study_simulator.api import simulate

SUBJECTS, SEED = 60, 11


@pytest.fixture(scope="module")
def sdtm(tmp_path_factory):
    """A simulated study's SDTM as CSV (every dataset), and as frames."""
    root = tmp_path_factory.mktemp("empty_inputs")
    simulate(SUBJECTS, SEED, root / "raw")
    result = build_sdtm(root / "raw" / "edc", config=builtin_study())
    write_sdtm(result, root / "sdtm", formats=("csv",))
    folder = root / "csv"
    folder.mkdir()
    for path in (root / "sdtm").glob("*.csv"):
        (folder / path.name).write_bytes(path.read_bytes())
    return folder, {name: result.final(name) for name in result.datasets}


def _build(frames):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return build_adam(frames, spec=load_spec(study_workbook("adam")).spec, settings=builtin_study().adam)


def _emptied(frames, *names):
    return {k: (v.iloc[0:0].copy() if k in names else v) for k, v in frames.items()}


# domain emptied -> the ADaM datasets that cannot have a record without it
NEEDS = {
    "TR": {"ADTR"},
    "RS": set(),
    "TU": set(),
    "AE": {"ADAE"},
    "EX": {"ADTTE"},
    "DS": set(),
    "LB": {"ADLB"},
    "VS": {"ADVS"},
}


@pytest.mark.parametrize("domain", sorted(NEEDS))
def test_an_empty_domain_gives_datasets_without_its_records_and_says_so(sdtm, domain):
    _, frames = sdtm
    assert len(frames[domain]) > 0
    result = _build(_emptied(frames, domain))
    assert set(result.datasets) == {"ADSL", "ADRS", "ADTTE", "ADTR", "ADAE", "ADLB", "ADVS"}
    assert len(result.datasets["ADSL"]) == len(frames["DM"])  # one record per DM subject, whatever is empty
    empty = {name for name, frame in result.datasets.items() if frame.empty}
    assert NEEDS[domain] <= empty
    issues = result.issues
    said = issues[(issues["dataset"] == domain) & (issues["kind"] == "empty input")]
    assert len(said) == 1 and said["message"].iloc[0].startswith(f"{domain} has no records")
    for name in empty:
        line = issues[(issues["dataset"] == name) & (issues["kind"] == "no records")]
        assert len(line) == 1 and domain in line["message"].iloc[0], issues.to_string()


def test_no_tumour_measurements_no_adtr_and_no_recomputed_responses(sdtm):
    _, frames = sdtm
    full = _build(frames)
    result = _build(_emptied(frames, "TR"))
    assert result.datasets["ADTR"].empty
    adrs = result.datasets["ADRS"]
    assert not (adrs["PARAMCD"] == "OVRC").any()  # the engine's assessments need TR
    full_ovr = full.datasets["ADRS"][full.datasets["ADRS"]["PARAMCD"] == "OVR"]
    assert len(adrs[adrs["PARAMCD"] == "OVR"]) == len(full_ovr)  # the investigator's responses stay


def test_empty_tr_through_the_command_line_with_csv_and_xpt(sdtm, tmp_path):
    folder, frames = sdtm
    csv = tmp_path / "csv"
    csv.mkdir()
    for path in folder.glob("*.csv"):
        text = path.read_text()
        (csv / path.name).write_text(text.splitlines(keepends=True)[0] if path.name == "tr.csv" else text)
    done = CliRunner().invoke(app, ["adam", "--sdtm", str(csv), "--out", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    issues = pd.read_csv(tmp_path / "out" / "issues.csv", dtype=str)
    assert ("TR", "empty input") in set(zip(issues["dataset"], issues["kind"], strict=False))
    assert ("ADTR", "no records") in set(zip(issues["dataset"], issues["kind"], strict=False))
    # the same with a header-only transport file
    from dataset_io.xpt import write_xpt
    from specs.model import restrict_to_data

    xpt = tmp_path / "xpt"
    xpt.mkdir()
    for path in csv.glob("*.csv"):
        if path.name != "tr.csv":
            (xpt / path.name).write_bytes(path.read_bytes())
    tr = frames["TR"].iloc[0:0].reset_index(drop=True)
    spec = restrict_to_data(load_spec(study_workbook("sdtm")).spec, {"TR": list(tr.columns)})
    write_xpt(tr[[v.name for v in spec.variables_of("TR")]], spec, "TR", xpt / "tr.xpt")
    assert read_sdtm(xpt)["TR"].empty
    done = CliRunner().invoke(app, ["adam", "--sdtm", str(xpt), "--out", str(tmp_path / "out2")])
    assert done.exit_code == 0, done.output


def test_an_empty_dm_is_a_message_naming_dm(sdtm, tmp_path):
    folder, _ = sdtm
    with pytest.raises(AdamInputError, match="DM has no records"):
        _build(_emptied(sdtm[1], "DM"))
    bad = tmp_path / "sdtm"
    bad.mkdir()
    for path in folder.glob("*.csv"):
        text = path.read_text()
        (bad / path.name).write_text(text.splitlines(keepends=True)[0] if path.name == "dm.csv" else text)
    done = CliRunner().invoke(app, ["adam", "--sdtm", str(bad), "--out", str(tmp_path / "out")])
    assert done.exit_code == 1
    assert "DM has no records" in done.output and "internal error" not in done.output
    assert not (tmp_path / "out").exists()


# domain absent -> (the datasets not derived for want of it, the methods not run for want of it)
ABSENT = {
    "DS": (
        set(),
        ["MT.EOTSTT (Methods row 13): derive_vars_disposition", "MT.EOSSTT (Methods row 14): derive_vars_disposition"],
    ),
    "AE": ({"ADAE"}, []),
    "TR": ({"ADTR"}, ["MT.OVRC (Methods row 28): create_computed_records"]),
    "RS": ({"ADRS", "ADTTE", "ADTR"}, []),
    "EX": (set(), ["MT.TRTSDT (Methods row 6): derive_vars_trt_dates"]),
    "LB": ({"ADLB"}, []),
    "VS": ({"ADVS"}, []),
}


@pytest.mark.parametrize("domain", sorted(ABSENT))
def test_an_absent_domain_is_named_by_what_it_stops(sdtm, domain):
    """A dataset that cannot be derived without the domain is not, with an error naming it; a
    method that can be left out is, with a warning naming it; the rest is derived."""
    _, frames = sdtm
    result = _build({k: v for k, v in frames.items() if k != domain})
    stopped, skipped = ABSENT[domain]
    issues = result.issues
    errors = issues[issues["kind"] == "not derived"]
    assert set(errors.loc[errors["severity"] == "error", "dataset"]) == stopped
    assert set(result.datasets) == {"ADSL", "ADRS", "ADTTE", "ADTR", "ADAE", "ADLB", "ADVS"} - stopped
    for message in errors.loc[errors["severity"] == "error", "message"]:
        assert domain in message
    warned = errors.loc[errors["severity"] == "warning", "message"].tolist()
    assert warned == [f"{what} not run: the SDTM folder has no {domain}" for what in skipped]
