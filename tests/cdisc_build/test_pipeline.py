"""The main job end to end: `demo` simulates and runs every stage; `run` does the same on a raw
export. Every output is where the summary says, and the same seed gives byte-identical files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cdisc_build.cli import app
from dataset_io.readers import read_dataset

SUBJECTS = "60"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "out"
    done = CliRunner().invoke(app, ["demo", "--out", str(out), "--subjects", SUBJECTS, "--seed", "5"])
    assert done.exit_code == 0, done.output
    return out, done.output


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_demo_writes_every_stage(demo):
    out, output = demo
    for folder in ("raw/edc", "sdtm", "adam", "validation/sdtm", "validation/adam", "report/figures", "report/tables"):
        assert (out / folder).is_dir(), folder
    study = out / "submission" / "m5" / "datasets" / "sysu-antor-sts"
    for stage in ("tabulations/sdtm", "analysis/adam"):
        assert (study / stage / "define.xml").is_file() and list((study / stage).glob("*.xpt")), stage
    assert (study / "tabulations" / "sdtm" / "acrf.pdf").read_bytes().startswith(b"%PDF-")
    assert "annotated CRF" in output
    assert (out / "report" / "analysis_report.html").is_file()
    assert (out / "report" / "analysis_tables.xlsx").is_file()
    hidden = [p for p in out.rglob(".*") if p.name != ".cdisc-build.json"]
    assert not hidden, f"temporary files were left behind: {hidden}"
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"], "something was written beside the output"


def test_demo_prints_the_topline_and_where_everything_is(demo):
    out, output = demo
    for stage in ("simulate", "sdtm", "adam", "export", "validate", "report", "total"):
        assert stage in output
    assert "analysis_report.html" in output
    for item in ("ORR (confirmed):", "DCR (confirmed):", "median PFS:", "median OS:"):
        assert item in output, item


def test_the_same_seed_gives_byte_identical_outputs(demo, tmp_path):
    out, _ = demo
    again = tmp_path / "again"
    done = CliRunner().invoke(app, ["demo", "--out", str(again), "--subjects", SUBJECTS, "--seed", "5"])
    assert done.exit_code == 0, done.output
    first, second = _files(out), _files(again)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, f"files differ between two runs: {differ[:10]}"


def test_run_on_a_raw_export_gives_the_same_outputs_as_the_demo(demo, tmp_path):
    out, _ = demo
    done = CliRunner().invoke(app, ["run", "--raw", str(out / "raw" / "edc"), "--out", str(tmp_path / "run")])
    assert done.exit_code == 0, done.output
    # the same files but the top-level seal (which names the command and lists raw/ for the demo)
    seal = {".cdisc-build.json", "checksums.md5"}
    ours = {k: v for k, v in _files(tmp_path / "run").items() if k not in seal}
    demo_files = {k: v for k, v in _files(out).items() if not k.startswith("raw/") and k not in seal}
    assert ours == demo_files
    assert "ORR (confirmed):" in done.output


def test_the_demos_validation_explains_the_findings_the_study_explains_and_they_hold(demo):
    out, _ = demo
    report = json.loads((out / "validation" / "sdtm" / "conformance_report.json").read_text(encoding="utf-8"))
    assert report["notes"] == [n for n in report["notes"] if not n.startswith("stale explanation")]
    assert [(e["rule"], e["dataset"], e["status"]) for e in report["explanations"]["rows"]] == [
        ("CB-SDTM-133", "CM", "applied"),
        ("CB-SDTM-133", "PR", "applied"),
        ("CB-SDTM-036", "DM", "applied"),
        ("CB-SDTM-025", "SS", "applied"),
        ("CB-SDTM-133", "SS", "applied"),
        ("CB-SDTM-027", "AE", "applied"),
    ]
    findings = pd.DataFrame(report["findings"])
    explained = findings[findings["explanation"].notna()]
    assert set(zip(explained["rule"], explained["dataset"], strict=True)) == {
        ("CB-SDTM-133", "CM"),
        ("CB-SDTM-133", "PR"),
        ("CB-SDTM-036", "DM"),
        ("CB-SDTM-025", "SS"),
        ("CB-SDTM-133", "SS"),
        ("CB-SDTM-027", "AE"),
    }
    # every warning of the demo is explained, and nothing else is found
    assert set(findings["severity"]) <= {"warning", "notice"}
    assert findings.loc[findings["severity"] == "warning", "explanation"].notna().all()
    assert report["summary"]["warnings_explained"] == len(explained)

    # what the explanations say is true of the data
    sdtm = out / "sdtm"
    dm = read_dataset(sdtm / "dm.xpt")[0].set_index("USUBJID")
    for domain in ("CM", "PR"):
        frame = read_dataset(sdtm / f"{domain.lower()}.xpt")[0]
        null = frame[frame["EPOCH"].fillna("") == ""]
        consent = null["USUBJID"].map(dm["RFICDTC"])
        assert (null[f"{domain}STDTC"].str[:10] < consent.str[:10]).all(), f"{domain}: a null EPOCH after consent"
    dd = read_dataset(sdtm / "dd.xpt")[0]
    causes = dd[dd["DDTESTCD"] == "PRCDTH"].set_index("USUBJID")["DDORRES"]
    deaths = findings[findings["rule"] == "CB-SDTM-036"]["usubjid"]
    assert "Adverse event" not in set(deaths.map(causes)), "a death attributed to an AE has no fatal AE"
    assert (deaths.map(causes) == "Disease progression").mean() > 0.5
    # the SS records after RFPENDTC are the DEAD status contacts, after the death; ALIVE ones are not after it
    ss = read_dataset(sdtm / "ss.xpt")[0]
    after = ss["SSDTC"].str[:10] > ss["USUBJID"].map(dm["RFPENDTC"]).str[:10]
    assert after.any() and (ss.loc[after, "SSSTRESC"] == "DEAD").all()
    assert (ss.loc[after, "SSDTC"].str[:10] > ss.loc[after, "USUBJID"].map(dm["DTHDTC"]).str[:10]).all()
    assert ss.loc[after, "VISIT"].fillna("").eq("").all()
    # the AEs after the latest DS record belong to subjects without an END OF STUDY record
    ds = read_dataset(sdtm / "ds.xpt")[0]
    ended = set(ds.loc[ds["DSSCAT"] == "END OF STUDY", "USUBJID"])
    late = findings[findings["rule"] == "CB-SDTM-027"]["usubjid"]
    assert len(late) and not set(late) & ended
