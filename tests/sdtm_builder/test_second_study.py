"""A second study through the same engine: CDISCPILOT01 from the pharmaverse raw data.

Runs the study end to end (examples/cdiscpilot01) and compares DM, AE, DS and EX
with the SDTM the pharmaverse project published for the same subjects; skips,
saying why, when ../shared is absent.
"""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from shared_data import ROOT, shared_path

STUDY = ROOT / "examples" / "cdiscpilot01" / "study.toml"
# natural keys that pair a record with its reference record (SEQ is compared, not used to pair)
KEYS = {
    "DM": ["USUBJID"],
    "AE": ["USUBJID", "AETERM", "AEDTC"],
    "DS": ["USUBJID", "DSTERM", "DSSTDTC"],
    "EX": ["USUBJID", "EXTRT", "EXSTDTC"],
}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    from sdtm_builder.build import build_sdtm, write_sdtm
    from specs.study import StudyConfig

    raw = shared_path("standards", "specs", "pharmaverseraw", "csv")
    reference = shared_path("reference", "pharmaverse", "sdtm")
    result = build_sdtm(raw, config=StudyConfig.load(STUDY))
    out = tmp_path_factory.mktemp("cdiscpilot01")
    write_sdtm(result, out / "sdtm")
    return result, reference, out


def test_every_dataset_is_built_and_the_ledger_balances(study):
    result, _, _ = study
    assert list(result.datasets) == ["EX", "DS", "AE", "VS", "DM"]
    assert result.ledger["balanced"].all()
    assert (result.issues["severity"] == "error").sum() == 0


def test_schemas_from_the_workbook_pass(study):
    result, _, _ = study
    assert result.failures.empty, result.failures.head(20).to_string()


@pytest.mark.parametrize("dataset", sorted(KEYS))
def test_records_and_cells_agree_with_the_published_sdtm(study, dataset):
    from sdtm_builder.compare import compare_datasets

    result, reference, _ = study
    ref = pd.read_csv(reference / f"{dataset.lower()}.csv", dtype=str, keep_default_na=False)
    report = compare_datasets(result.final(dataset), ref, KEYS[dataset])
    assert report.all_records_matched, (report.only_ours.head(), report.only_reference.head())
    assert report.records_matched == len(ref)
    assert report.pct_equal >= 99.0, report.by_variable[report.by_variable.differ > 0].to_string()


def test_conformance_finds_no_error_the_reference_does_not_have(study):
    from conformance.engine import run_validation
    from conformance.reader import read_folder
    from specs import load_spec

    result, reference, out = study
    spec = load_spec(STUDY.parent / "sdtm_spec.xlsx").spec
    ref_dir = out / "reference"
    ref_dir.mkdir()
    for name in KEYS:
        shutil.copy(reference / f"{name.lower()}.csv", ref_dir)

    def error_rules(folder):
        datasets, meta, _ = read_folder(folder, spec=spec)
        findings = run_validation(datasets, spec=spec, meta=meta).findings
        errors = findings[findings["severity"] == "error"]
        return set(zip(errors["rule"], errors["dataset"], strict=False))

    ours = {(rule, ds) for rule, ds in error_rules(out / "sdtm") if ds != "VS"}  # no published VS to compare with
    assert ours <= error_rules(ref_dir), sorted(ours - error_rules(ref_dir))


def test_engine_code_holds_nothing_of_either_study():
    """No study id, raw form name or raw field name of the example studies in the engine's code."""
    words = [
        "CDISCPILOT",
        "PILOT01",
        "PATNUM",
        "dm_raw",
        "ae_raw",
        "ds_raw",
        "ec_raw",
        "vs_raw",
        "IT.",
        "OTHERSP",
        "DEATHDT",
        "DSDTCOL",
        "INSTANCE",
        "VTLD",
        "TMPTC",
        "SUBPOS",
        "DRUGAD",
        "ECDSTXT",
        "PLANNED_ARM",
        "Scrnfail",
        "Xan_Hi",
        "Xanomeline",
        "SYSU-ANTOR",
        "NCT04172805",
        "anlotinib",
        "toripalimab",
    ]
    files = sorted((ROOT / "sdtm_builder").rglob("*.py")) + sorted((ROOT / "specs").glob("*.py"))
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for word in words:
            if re.search(re.escape(word), text, flags=re.IGNORECASE if word[0].islower() else 0):
                found.append(f"{path.relative_to(ROOT)}: {word}")
    assert not found, found
