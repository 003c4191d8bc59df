"""The simulated study end to end: clean -> no error; messy -> every injected problem that
reaches SDTM has a finding on the SDTM record it became.

The simulator lists every problem it injects (truth/messy_manifest.csv: FILE, ROW,
FIELD, KIND). The SDTM builder's lineage (FORM, ROW -> DATASET, USUBJID, SEQ) says which
SDTM records a raw row became, and its issue report says what it did with each problem.
A problem whose raw row was rejected (a duplicate, a subject absent from demographics)
never reaches SDTM: it must be in the issue report instead. Two kinds reach SDTM with no
trace in the data, and docs/conformance.md says why no rule can see them:
- a value the builder recognised as a synonym and mapped to its codelist term
  ('Male' -> M, 'Partial response' -> PR): the SDTM value is the right term;
- a problem in a field that is not submitted (the free-text comments AECOMM, RSCOMM).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conformance import run_validation
from conformance.reader import read_folder

SUBJECTS = 60
SEED = 12
# Builder actions after which the SDTM value is conformant (no rule can, or should, see it).
CORRECTED = re.compile(r"^mapped to the codelist \w+ term it names$")


def _build(tmp_path_factory, messy: float):
    from sdtm_builder.build import build_sdtm, lineage_table, write_sdtm
    from specs.study import builtin_study
    from study_simulator.api import simulate

    root = tmp_path_factory.mktemp(f"sim_{messy}")
    simulate(SUBJECTS, SEED, root / "raw", messy_rate=messy)
    result = build_sdtm(root / "raw" / "edc", config=builtin_study())
    write_sdtm(result, root / "sdtm")  # XPT per dataset + issues, lineage, ledger (CSV reports the validator skips)
    datasets, meta, notes = read_folder(root / "sdtm", spec=result.spec)
    report = run_validation(datasets, spec=result.spec, meta=meta)
    manifest = pd.read_csv(root / "raw" / "truth" / "messy_manifest.csv", dtype=str, keep_default_na=False)
    return {
        "report": report,
        "notes": notes,
        "manifest": manifest,
        "issues": result.issues.copy(),
        "lineage": lineage_table(result),
        "datasets": datasets,
    }


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return _build(tmp_path_factory, 0.0)


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    return _build(tmp_path_factory, 0.03)


def test_the_clean_study_has_no_error(clean):
    report = clean["report"]
    errors = report.findings[report.findings["severity"] == "error"]
    assert errors.empty, errors.groupby(["rule", "dataset"]).size().to_string()
    assert not [r for r in report.results if r.error], "a rule crashed"
    assert len(clean["datasets"]) >= 15
    # the builder's CSV reports in the same folder are skipped and said so
    assert any(n.startswith("issues.csv not read: not a CDISC dataset") for n in clean["notes"])


def _finding_keys(findings: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(dataset, subject, seq) of every finding; a SUPP-- finding counts for its parent record;
    a finding on a dataset without --SEQ (DM) is keyed by subject with seq ''."""
    keys = set()
    for dataset, subject, record in findings[["dataset", "usubjid", "record"]].itertuples(index=False):
        record = record or ""
        supp = re.match(r"RDOMAIN=(\w+), IDVAR=\w+, IDVARVAL=([^,]*)", record)
        if supp:
            keys.add((supp.group(1), subject, _seq(supp.group(2))))
            continue
        seq = re.match(r"\w+SEQ=([\d.]+)$", record)
        keys.add((dataset, subject, _seq(seq.group(1)) if seq else ""))
    return keys


def _seq(value) -> str:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(int(float(value)))


def test_every_messy_entry_that_reaches_sdtm_has_a_finding_on_its_record(messy):
    manifest, issues, lineage = messy["manifest"], messy["issues"], messy["lineage"]
    manifest = manifest.assign(FORM=manifest["FILE"].str.removesuffix(".csv"), ROW=manifest["ROW"].astype(int))
    lineage = lineage.assign(SEQ=lineage["SEQ"].map(_seq), ROW=lineage["ROW"].astype(int))
    lineage = lineage[~lineage["DATASET"].str.startswith("SUPP")]  # SUPP-- records are reached through their parent
    issues = issues.assign(ROW=pd.to_numeric(issues["row"], errors="coerce"))

    became = manifest.merge(lineage, on=["FORM", "ROW"], how="inner")
    reached = manifest.set_index(["FORM", "ROW"]).index.isin(became.set_index(["FORM", "ROW"]).index)

    # 1. entries that never reach SDTM are in the builder's issue report
    issue_rows = set(zip(issues["form"], issues["ROW"], strict=False))
    lost = manifest[~reached]
    missing = lost[[(f, r) not in issue_rows for f, r in zip(lost["FORM"], lost["ROW"], strict=False)]]
    assert missing.empty, f"raw rows that neither reach SDTM nor are in issues.csv:\n{missing.to_string()}"

    # 2. the builder's account of each entry that reaches SDTM: where the field went, what it did
    own = issues.rename(columns={"form": "FORM", "field": "FIELD"})[
        ["FORM", "ROW", "FIELD", "dataset", "variable", "action"]
    ]
    # an issue on several fields names them joined by '+' (LBORNRLO+LBORNRHI: no reference range)
    own = own.assign(FIELD=own["FIELD"].astype(str).str.split("+")).explode("FIELD")
    reached_entries = manifest[reached].merge(own, on=["FORM", "ROW", "FIELD"], how="left")
    reached_entries = reached_entries.drop_duplicates(["FORM", "ROW", "FIELD", "KIND"])
    corrected = reached_entries["action"].fillna("").str.match(CORRECTED)
    not_submitted = reached_entries["dataset"].fillna("") == ""
    assert set(reached_entries[not_submitted]["FIELD"]) <= {"AECOMM", "RSCOMM"}, (
        "a field other than the comments has no SDTM variable in issues.csv"
    )
    # a reference range the laboratory did not give, an implausible result kept as collected and a
    # result given as a limit ("<0.5": LBSTRESC keeps it, LBSTRESN is null, as SDTMIG has it) are no
    # conformance defect of the SDTM record: the builder's issue report is where they are said
    builder_only = reached_entries["KIND"].isin(
        ["missing_reference_range", "impossible_value", "result_below_limit", "result_above_limit"]
    )
    said = reached_entries[builder_only]
    assert said["variable"].notna().all() and set(said["variable"]) <= {"LBNRIND", "LBSTRESN", "LBSTRESC"}, said
    expected = reached_entries[~corrected & ~not_submitted & ~builder_only]
    assert len(expected) > 20 and set(expected["KIND"]) >= {
        "partial_date",
        "non_ascii_text",
        "out_of_codelist",
        "end_before_start",
        "missing_measurement",
    }

    # 3. each of those has a finding on a record it became
    found = _finding_keys(messy["report"].findings)
    records = became.assign(key=list(zip(became["DATASET"], became["USUBJID"], became["SEQ"], strict=False)))
    by_entry = records.groupby(["FORM", "ROW"])["key"].agg(list)
    uncovered = []
    for entry in expected.itertuples(index=False):
        keys = by_entry.get((entry.FORM, entry.ROW), [])
        if not any(k in found for k in keys):
            uncovered.append(f"{entry.FILE} row {entry.ROW} {entry.FIELD} {entry.KIND}: records {keys}")
    assert not uncovered, f"{len(uncovered)} of {len(expected)} entries have no finding:\n" + "\n".join(uncovered[:30])


def test_each_kind_of_messy_entry_is_found_by_the_rule_made_for_it(messy):
    """Not only some finding on the record: the rule that names the problem."""
    rules = set(messy["report"].findings["rule"])
    assert {
        "CB-SDTM-019",  # end before start
        "CB-SDTM-239",  # partial date (notice)
        "CB-XPT-016",  # non-ASCII text written as '?'
        "CB-SPEC-005",  # a value outside a closed codelist, kept as collected
        "CB-SPEC-014",  # a new term of an extensible value-level codelist (RSORRES, TRORRES)
        "CB-SDTM-173",  # a missing measurement: --ORRES null without --STAT
    } <= rules
