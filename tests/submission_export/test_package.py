"""The eCTD module 5 folder: layout, valid define.xml, agreement of spec, files and define, all or nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from shared_data import shared_path

from dataset_io.dataset_json import validate_dataset_json
from dataset_io.readers import conform_to_spec, read_dataset
from dataset_io.xpt import is_numeric_variable
from define_xml.check import check_define
from define_xml.read import read_define
from specs import load_spec
from submission_export.package import ExportError, export_submission

_TEXT = (
    "text",
    "date",
    "datetime",
    "time",
    "partialDate",
    "partialTime",
    "partialDatetime",
    "incompleteDatetime",
    "durationDatetime",
    "intervalDatetime",
)


def pilot_spec():
    """The CDISC pilot SDTM spec without its one broken where clause (it tests a variable named '.')."""
    spec = load_spec(shared_path("standards", "specs", "metacore", "SDTM_spec_CDISC_pilot.xlsx")).spec
    broken = {w.id for w in spec.where_clauses if any(c.variable in ("", ".") for c in w.conditions)}
    return dataclasses.replace(
        spec,
        where_clauses=tuple(w for w in spec.where_clauses if w.id not in broken),
        value_level=tuple(v for v in spec.value_level if v.where_clause not in broken),
    )


def pharmaverse_frames(spec, names=("dm", "ae", "ex")):
    frames = {}
    for name in names:
        frame, _ = read_dataset(shared_path("reference", "pharmaverse", "sdtm", f"{name}.csv"))
        ds = name.upper()
        frame = frame.reindex(columns=[v.name for v in spec.variables_of(ds)])  # the spec's variables only
        frames[ds] = conform_to_spec(frame, spec, ds)
    return frames


def assert_define_agrees_with_files(folder: Path, spec) -> int:
    """Every variable: same name, order, label, type and length in spec, define.xml and transport file."""
    define, _ = read_define(folder / "define.xml")
    checked = 0
    for ds in define.datasets:
        frame, meta = read_dataset(folder / ds.leaf)
        defined = define.variables_of(ds.name)
        assert [v.name for v in defined] == list(frame.columns) == [v.name for v in spec.variables_of(ds.name)]
        assert meta.label == ds.label == spec.dataset(ds.name).label
        for v in defined:
            assert v.label == meta.labels[v.name] == spec.variable(ds.name, v.name).label, (ds.name, v.name)
            numeric = is_numeric_variable(spec.variable(ds.name, v.name))
            assert meta.types[v.name] == ("numeric" if numeric else "text"), (ds.name, v.name)
            assert (v.data_type in ("integer", "float")) == numeric, (ds.name, v.name)
            if v.data_type == "text":
                assert v.length == meta.lengths[v.name], (ds.name, v.name)
            checked += 1
    return checked


def test_pilot_sdtm_submission(tmp_path):
    spec = pilot_spec()
    result = export_submission(tmp_path, sdtm=(spec, pharmaverse_frames(spec)), cutoff="2024-01-01")
    folder = tmp_path / "m5" / "datasets" / "tdf-sdtm" / "tabulations" / "sdtm"
    assert result.sdtm.folder == folder
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == [
        "ae.xpt",
        "dataset-json/ae.json",
        "dataset-json/ae.ndjson",
        "dataset-json/dm.json",
        "dataset-json/dm.ndjson",
        "dataset-json/ex.json",
        "dataset-json/ex.ndjson",
        "define.html",
        "define.xml",
        "define2-1.xsl",
        "dm.xpt",
        "ex.xpt",
    ]
    assert check_define(folder / "define.xml") == []
    html = (folder / "define.html").read_text(encoding="utf-8")
    for ds in ("DM", "AE", "EX"):
        assert f"IG.{ds}" in html and spec.dataset(ds).label in html
    assert assert_define_agrees_with_files(folder, spec) > 50
    schemas = shared_path("standards", "dataset-json-1.1")
    assert validate_dataset_json(folder / "dataset-json" / "dm.json", schemas) == []
    assert validate_dataset_json(folder / "dataset-json" / "ae.ndjson", schemas) == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".export.")]


def test_the_same_input_gives_the_same_bytes(tmp_path):
    spec = pilot_spec()
    frames = pharmaverse_frames(spec, ("dm",))
    export_submission(tmp_path / "a", sdtm=(spec, frames), cutoff="2024-01-01")
    export_submission(tmp_path / "b", sdtm=(spec, frames), cutoff="2024-01-01")
    files_a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    files_b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*") if p.is_file()}
    assert files_a == files_b


def test_all_or_nothing(tmp_path):
    spec = pilot_spec()
    frames = pharmaverse_frames(spec, ("dm", "ae"))
    export_submission(tmp_path, sdtm=(spec, {"DM": frames["DM"]}))
    before = sorted(p for p in tmp_path.rglob("*"))
    frames["AE"] = frames["AE"].assign(AETERM=frames["AE"]["AETERM"].where(frames["AE"].index != 3, "头痛"))
    with pytest.raises(ExportError) as caught:
        export_submission(tmp_path, sdtm=(spec, frames))
    assert "AE.AETERM row 4: value '头痛' is not ASCII" in str(caught.value)
    assert sorted(p for p in tmp_path.rglob("*")) == before


def _empty_frames(spec):
    frames = {}
    for ds in spec.datasets:
        cols = {}
        for v in spec.variables_of(ds.name):
            cols[v.name] = pd.Series([], dtype="float64" if is_numeric_variable(v) else object)
        frames[ds.name] = pd.DataFrame(cols)
    return frames


@pytest.mark.parametrize("stage", ["sdtm", "adam"])
def test_study_workbooks_give_a_valid_define_that_agrees_with_the_files(tmp_path, stage):
    from specs import study_workbook

    path = study_workbook(stage)
    if not path.exists():
        pytest.skip(f"{path} is not written yet")
    report = load_spec(path)
    assert report.ok, [str(f) for f in report.findings if f.severity == "error"]
    spec = report.spec
    if stage == "sdtm":
        result = export_submission(tmp_path, sdtm=(spec, _empty_frames(spec)))
        folder = result.sdtm.folder
    else:
        sdtm_spec = load_spec(study_workbook("sdtm")).spec
        result = export_submission(
            tmp_path, sdtm=(sdtm_spec, _empty_frames(sdtm_spec)), adam=(spec, _empty_frames(spec))
        )
        folder = result.adam.folder
    assert check_define(folder / "define.xml") == []
    assert assert_define_agrees_with_files(folder, spec) == len(spec.variables)
