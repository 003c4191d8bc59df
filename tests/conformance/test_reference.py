"""The catalogue on real data: the pharmaverse reference SDTM/ADaM CSVs and the
published submissions run without crashing (their counts are printed, not asserted)."""

from __future__ import annotations

from shared_data import shared_path

from conformance import run_validation
from conformance.reader import read_file, read_folder

PHARMAVERSE = {
    "dm": "DM",
    "ae": "AE",
    "ds": "DS",
    "ex": "EX",
    "sv": "SV",
    "ts": "TS",
    "suppdm": "SUPPDM",
    "suppae": "SUPPAE",
    "suppds": "SUPPDS",
    "rs_onco": "RS",
    "tu_onco": "TU",
    "tr_onco": "TR",
    "supptr_onco": "SUPPTR",
    "adsl": "ADSL",
    "adrs_onco": "ADRS",
    "adtte_onco": "ADTTE",
    "adtr_onco": "ADTR",
}


def _print(title, report):
    print(
        f"\n{title}: {report.errors} errors, {report.warnings} warnings, {report.notices} notices; by rule {report.by_rule()}"
    )


def test_pharmaverse_reference_data_run_through_the_catalogue():
    base = shared_path("reference", "pharmaverse")
    datasets = {}
    for stem, name in PHARMAVERSE.items():
        folder = "adam" if name.startswith("AD") else "sdtm"
        datasets[name] = read_file(base / folder / f"{stem}.csv", name=name)[0]
    report = run_validation(datasets)
    assert not [r for r in report.results if r.status == "crashed"], report.notes
    _print("pharmaverse", report)


def test_cdisc_pilot_sdtm_with_its_define_runs():
    folder = shared_path("standards", "submissions", "cdiscpilot01", "sdtm")
    datasets, meta, notes = read_folder(folder)
    report = run_validation(datasets, define=folder / "define.xml", meta=meta)
    assert not [r for r in report.results if r.status == "crashed"], report.notes
    _print("CDISC pilot SDTM", report)


def test_msg_sdtm_v2_with_its_define_runs():
    folder = shared_path("standards", "submissions", "msg-sdtm-v2")
    datasets, meta, notes = read_folder(folder)
    report = run_validation(datasets, define=folder / "define.xml", meta=meta)
    assert not [r for r in report.results if r.status == "crashed"], report.notes
    _print("MSG SDTM v2", report)
