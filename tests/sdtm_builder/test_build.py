"""The SDTM stage end to end on the simulated study (clean and messy)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from sdtm_builder.build import SpecError, build_sdtm, lineage_table, load_sdtm_spec, write_sdtm
from sdtm_builder.raw import RawDataError
from specs.study import builtin_study
from study_simulator.api import simulate

# how each kind of injected problem is named in the issue report
KINDS = {
    "partial_date": {"partial date"},
    "non_ascii_text": {"non-ASCII text"},
    "long_text": {"text over 200 characters"},
    "out_of_codelist": {"value outside codelist", "value outside the CRF codelist"},
    "end_before_start": {"end before start"},
    "missing_measurement": {"missing result"},
    "duplicate_row": {"duplicate row"},
    "subject_not_in_demographics": {"subject not in demographics"},
    # lb: a result given as a limit ("<3.4", ">150") has no numeric value (a note); a unit outside the
    # CRF's answers ("mg%", a CDISC synonym of mg/dL: mapped; "x10E9/L": no CDISC unit, no conversion);
    # a blank reference range (--NRIND left null); a result that is not possible (a negative count, a
    # haemoglobin of 150 g/dL)
    "result_below_limit": {"result beyond a limit"},
    "result_above_limit": {"result beyond a limit"},
    "unit_outside_codelist": {"value outside codelist", "value outside the CRF codelist"},
    "missing_reference_range": {"no reference range"},
    "impossible_value": {"implausible result"},
}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    simulate(150, 11, root)
    return root, build_sdtm(root / "edc", config=builtin_study())


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    root = tmp_path_factory.mktemp("messy")
    simulate(150, 12, root, messy_rate=0.03)
    return root, build_sdtm(root / "edc", config=builtin_study())


def test_every_domain_of_the_spec_is_built(clean):
    _, result = clean
    assert set(result.datasets) == {d.name for d in result.spec.datasets}
    assert all(len(frame) > 0 for frame in result.datasets.values())


def test_clean_study_passes_the_schemas_and_balances(clean):
    _, result = clean
    assert result.failures.empty, result.failures.head(20).to_string()
    assert result.ledger["balanced"].all(), result.ledger.to_string()
    assert (
        result.ledger["read"] == result.ledger["mapped"] + result.ledger["not_submitted"] + result.ledger["rejected"]
    ).all()
    assert not (result.issues["severity"] == "error").any(), result.issues.head(20).to_string()


def test_messy_study_reports_every_injected_problem(messy):
    root, result = messy
    manifest = pd.read_csv(root / "truth" / "messy_manifest.csv", dtype=str, keep_default_na=False)
    assert set(manifest["KIND"]) == set(KINDS)
    issues = result.issues.assign(
        file=result.issues["form"] + ".csv",
        row=result.issues["row"].astype(int).astype(str),
        field=result.issues["field"].fillna(""),
    )
    missing = []
    for entry in manifest.itertuples():
        hits = issues[
            (issues["file"] == entry.FILE) & (issues["row"] == entry.ROW) & issues["kind"].isin(KINDS[entry.KIND])
        ]
        if entry.FIELD:  # an issue on two fields ("LBORNRLO+LBORNRHI") names each
            hits = hits[hits["field"].str.split("+").map(lambda fields, f=entry.FIELD: f in fields)]
        if hits.empty or (hits["subject"] != entry.SUBJECT).all():
            missing.append(entry)
    assert missing == []
    # nothing else is lost: the ledger still balances and every domain is there
    assert result.ledger["balanced"].all()
    assert set(result.datasets) == {d.name for d in result.spec.datasets}


def test_records_trace_back_to_their_raw_rows(clean):
    root, result = clean
    lineage = lineage_table(result)
    sample = lineage.sample(n=60, random_state=np.random.RandomState(5))
    forms = {}
    for row in sample.itertuples():
        raw = forms.setdefault(
            row.FORM, pd.read_csv(root / "edc" / f"{row.FORM}.csv", dtype=str, keep_default_na=False)
        )
        source = raw.iloc[int(row.ROW) - 1]
        assert f"{source['STUDY']}-{source['SUBJECT']}" == row.USUBJID
    ae = result.datasets["AE"]
    raw_ae = pd.read_csv(root / "edc" / "ae.csv", dtype=str, keep_default_na=False)
    assert (ae["AETERM"].to_numpy() == raw_ae["AETERM"].iloc[ae["_ROW"].to_numpy() - 1].to_numpy()).all()


def test_a_qualifier_joined_from_another_form_traces_back_to_that_form(clean, tmp_path):
    root, result = clean
    supp = result.datasets["SUPPDM"]
    # the Mapping sheet takes ECOGBL from form ecog (field ECOGPS) and HISTOL from form dx (field HISTOL)
    for qnam, form, field in (("ECOGBL", "ecog", "ECOGPS"), ("HISTOL", "dx", "HISTOL")):
        rows = supp[supp["QNAM"] == qnam]
        assert len(rows) == 150 and set(rows["_FORM"]) == {form}, qnam
        raw = pd.read_csv(root / "edc" / f"{form}.csv", dtype=str, keep_default_na=False)
        source = raw.iloc[rows["_ROW"].astype(int).to_numpy() - 1]
        assert ((source["STUDY"] + "-" + source["SUBJECT"]).to_numpy() == rows["USUBJID"].to_numpy()).all()
        assert (source[field].str[0].str.upper().to_numpy() == rows["QVAL"].str[0].to_numpy()).all(), qnam
    write_sdtm(result, tmp_path / "out")
    text = (tmp_path / "out" / "lineage.csv").read_text(encoding="utf-8")
    assert "\nAE,SYSU-ANTOR-STS-101-0001,1,ae," in text  # --SEQ as an integer
    assert ".0," not in text


def test_written_files_are_complete_and_reproducible(clean, tmp_path):
    _, result = clean
    write_sdtm(result, tmp_path / "a")
    write_sdtm(result, tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert {f"{d.lower()}.xpt" for d in result.datasets} <= set(names)
    assert {"issues.csv", "ledger.csv", "fields.csv", "lineage.csv", "schema_failures.csv"} <= set(names)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_a_mapping_without_implementation_stops_the_run_at_load(tmp_path):
    spec = load_sdtm_spec(builtin_study().study.sdtm_spec)
    bad = dataclasses.replace(spec.mapping[0], algorithm="assign_magic")
    from specs import write_workbook

    path = write_workbook(dataclasses.replace(spec, mapping=(bad,) + spec.mapping[1:]), tmp_path / "bad.xlsx")
    with pytest.raises(SpecError, match="algorithm 'assign_magic' has no implementation"):
        load_sdtm_spec(path)


def test_a_field_missing_from_the_raw_export_is_named(clean, tmp_path):
    root, _ = clean
    raw = tmp_path / "edc"
    raw.mkdir()
    for path in (root / "edc").glob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        if path.stem == "ae":
            frame = frame.drop(columns=["AETOXGR"])
        frame.to_csv(raw / path.name, index=False)
    with pytest.raises(RawDataError, match=r"form ae has no field 'AETOXGR'"):
        build_sdtm(raw, config=builtin_study())
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "ids", [np.arange(1, 8), np.array([7, 3, 1, 5]), np.array([10**9, 2, 5]), np.array([-1, 2, 3])]
)
def test_the_ledger_marks_exactly_the_rows_found(ids):
    from sdtm_builder.finish import _marked

    found = [np.array([3, 5, 10**9]), np.array([], dtype=np.int64), np.array([5, 99, -1])]
    assert _marked(ids, found).tolist() == pd.Series(ids).isin([3, 5, 10**9, 99, -1]).tolist()
    assert not _marked(ids, []).any()


def test_recipe_plan_maps_datasets_without_a_recipe_of_their_own_before_dm():
    from sdtm_builder.build import recipe_plan
    from specs import model as m

    rule = m.MappingRule(dataset="VS", order=1, variable="VSTESTCD", algorithm="hardcode_no_ct", form="vs")
    spec = m.Spec(datasets=tuple(m.Dataset(n, n) for n in ("AE", "DM", "VS", "SUPPDM")), mapping=(rule,))
    assert recipe_plan(spec) == ["AE", "VS", "DM"]
    design = m.Spec(datasets=tuple(m.Dataset(n, n) for n in ("SE", "DM", "EX", "TA", "TS")))
    assert recipe_plan(design) == ["TA", "EX", "DM", "SE", "TS"]
