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


# ---------------------------------------------------------------------------
# the annotated CRF and the documents define.xml names
# ---------------------------------------------------------------------------
NS = {
    "odm": "http://www.cdisc.org/ns/odm/v1.3",
    "def": "http://www.cdisc.org/ns/def/v2.1",
    "xlink": "http://www.w3.org/1999/xlink",
}
HREF = "{http://www.w3.org/1999/xlink}href"


def _define(folder: Path):
    from lxml import etree

    return etree.parse(str(folder / "define.xml")).getroot()


def _pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(page.extract_text().split()) for page in PdfReader(str(path)).pages]


def _page_refs(root) -> dict[str, str]:
    """{ItemDef OID: the PageRefs of its origin's CRF reference} of every item whose origin has one."""
    out = {}
    for item in root.iterfind(".//odm:ItemDef", NS):
        ref = item.find("def:Origin/def:DocumentRef/def:PDFPageRef", NS)
        if ref is not None:
            out[item.get("OID")] = ref.get("PageRefs")
    return out


def _builtin_sdtm(tmp_path, **kwargs):
    from specs import study_workbook

    spec = load_spec(study_workbook("sdtm")).spec
    return spec, export_submission(tmp_path, sdtm=(spec, _empty_frames(spec)), **kwargs)


def test_the_generated_acrf_is_in_the_package_and_each_collected_origin_refers_to_its_pages(tmp_path):
    spec, result = _builtin_sdtm(tmp_path)
    folder = result.sdtm.folder
    assert (folder / "acrf.pdf").read_bytes() == result.sdtm.acrf.pdf
    assert result.sdtm.folder / "acrf.pdf" in result.sdtm.files
    root = _define(folder)
    acrf = root.find(".//def:AnnotatedCRF/def:DocumentRef", NS).get("leafID")
    leaf = root.find(f".//def:leaf[@ID='{acrf}']", NS)
    assert leaf.get(HREF) == "acrf.pdf"
    assert leaf.find("def:title", NS).text.startswith("Annotated CRF (generated")
    refs = _page_refs(root)
    assert refs["IT.DM.SEX"] == "2"  # the demographics form comes first, after the legend page
    pages = _pdf_pages(folder / "acrf.pdf")
    assert "Form dm" in pages[1] and "SEX Sex DM.SEX" in pages[1]
    checked = 0
    for item in root.iterfind(".//odm:ItemDef", NS):
        if item.get("OID") not in refs:
            continue
        dataset = item.get("OID").split(".")[1]
        # a supplemental qualifier's value is annotated as SUPPxx.QNAM=..., any other item as DATASET.VARIABLE
        said = f"{dataset}.QNAM=" if dataset.startswith("SUPP") else f"{dataset}.{item.get('Name')}"
        for page in refs[item.get("OID")].split():
            assert said in pages[int(page) - 1], (item.get("OID"), page)
            checked += 1
    assert len(refs) > 80 and checked >= len(refs)
    collected = root.findall(".//def:Origin[@Type='Collected']", NS)
    assert len(refs) == len([o for o in collected if o.find("def:DocumentRef", NS) is not None])


def test_define_names_only_the_files_in_its_folder_and_notes_the_documents_left_out(tmp_path):
    from specs import study_workbook

    sdtm_spec = load_spec(study_workbook("sdtm")).spec
    adam_spec = load_spec(study_workbook("adam")).spec
    result = export_submission(
        tmp_path, sdtm=(sdtm_spec, _empty_frames(sdtm_spec)), adam=(adam_spec, _empty_frames(adam_spec))
    )
    for stage in (result.sdtm, result.adam):
        root = _define(stage.folder)
        hrefs = [leaf.get(HREF) for leaf in root.iterfind(".//def:leaf", NS)]
        assert hrefs and all((stage.folder / href).is_file() for href in hrefs), hrefs
        assert root.find(".//def:SupplementalDoc", NS) is None
        leaves = {leaf.get("ID") for leaf in root.iterfind(".//def:leaf", NS)}
        assert {ref.get("leafID") for ref in root.iterfind(".//def:DocumentRef", NS)} <= leaves
    assert "document PROTOCOL (protocol.pdf) is not in the package; define.xml does not refer to it" in (
        result.sdtm.notes
    )
    assert "document SAP (sap.pdf) is not in the package; define.xml does not refer to it" in result.adam.notes
    assert result.adam.acrf is None and not (result.adam.folder / "acrf.pdf").exists()


def test_cb_def_009_passes_on_the_package_and_fails_on_a_define_naming_files_not_there(tmp_path):

    from conformance import RULES, run_validation
    from conformance.define import read_define_metadata
    from define_xml.build import build_define, write_define

    spec, result = _builtin_sdtm(tmp_path)
    folder = result.sdtm.folder
    rules = tuple(r for r in RULES if r.id == "CB-DEF-009")
    report = run_validation({}, define=read_define_metadata(folder / "define.xml"), rules=rules)
    assert report.findings.empty
    # the package as it was before: define.xml naming the spec's documents, neither of them there
    (folder / "acrf.pdf").unlink()
    write_define(build_define(spec, datasets=result.sdtm.datasets), folder / "define.xml")
    report = run_validation({}, define=read_define_metadata(folder / "define.xml"), rules=rules)
    assert sorted(report.findings["value"]) == ["acrf.pdf", "protocol.pdf"]


def test_a_study_s_own_acrf_and_documents_are_copied_and_the_spec_pages_used(tmp_path):
    from specs import study_workbook

    spec = load_spec(study_workbook("sdtm")).spec
    spec = dataclasses.replace(
        spec,
        variables=tuple(dataclasses.replace(v, pages="12 13") if v.name == "SEX" else v for v in spec.variables),
    )
    own = tmp_path / "given" / "our-acrf.pdf"
    own.parent.mkdir()
    own.write_bytes(b"%PDF-1.4 the study's own aCRF")
    (tmp_path / "given" / "protocol.pdf").write_bytes(b"%PDF-1.4 protocol")
    (tmp_path / "given" / "other.pdf").write_bytes(b"%PDF-1.4 named by no spec")
    from submission_export.package import CrfSource

    result = export_submission(
        tmp_path / "out",
        sdtm=(spec, _empty_frames(spec)),
        crf=CrfSource(file=own),
        documents=(tmp_path / "given" / "protocol.pdf", tmp_path / "given" / "other.pdf"),
    )
    folder = result.sdtm.folder
    assert (folder / "acrf.pdf").read_bytes() == b"%PDF-1.4 the study's own aCRF"
    assert (folder / "protocol.pdf").read_bytes() == b"%PDF-1.4 protocol"
    assert not (folder / "other.pdf").exists()
    assert f"{tmp_path / 'given' / 'other.pdf'}: no Documents sheet names other.pdf; not copied" in result.sdtm.notes
    assert result.sdtm.acrf is None
    root = _define(folder)
    assert _page_refs(root) == {"IT.DM.SEX": "12 13"}  # the spec's Pages, and only those
    assert [r.get("leafID") for r in root.iterfind(".//def:SupplementalDoc/def:DocumentRef", NS)] == ["LF.PROTOCOL"]
    assert {
        leaf.get(HREF) for leaf in root.iterfind(".//def:leaf", NS) if leaf.get("ID") in ("LF.ACRF", "LF.PROTOCOL")
    } == {
        "acrf.pdf",
        "protocol.pdf",
    }
    assert check_define(folder / "define.xml") == []


def test_the_second_study_s_pages_come_from_the_generated_acrf_not_from_its_spec(tmp_path):
    root_dir = Path(__file__).resolve().parents[2]
    spec = load_spec(root_dir / "examples" / "cdiscpilot01" / "sdtm_spec.xlsx").spec
    assert spec.variable("DM", "SEX").pages  # pages of the pharmaverse aCRF, which is not in the package
    result = export_submission(tmp_path, sdtm=(spec, _empty_frames(spec)))
    folder = result.sdtm.folder
    refs = _page_refs(_define(folder))
    pages = _pdf_pages(folder / "acrf.pdf")
    assert refs["IT.DM.SEX"] == " ".join(str(p) for p in result.sdtm.acrf.pages[("DM", "SEX", None)])
    assert all("DM.SEX" in pages[int(p) - 1] for p in refs["IT.DM.SEX"].split())
    # every collected variable the spec gives pages, less the units the Mapping sheet writes (no field holds them)
    paged = {f"IT.{v.dataset}.{v.name}" for v in spec.variables if v.origin == "Collected" and v.pages}
    assert set(refs) == paged - {"IT.VS.VSORRESU"}
    assert any("the spec's CRF Pages refer to a CRF that is not in the package" in n for n in result.sdtm.notes)
    assert any("not annotated on the generated aCRF" in n and "VS.VSORRESU" in n for n in result.sdtm.notes)


def test_a_crf_document_href_with_a_folder_is_refused_and_nothing_is_written(tmp_path):
    from specs import model as m
    from specs import study_workbook
    from submission_export.package import CrfSource

    spec = load_spec(study_workbook("sdtm")).spec
    documents = tuple(m.Document(d.id, d.title, "../../outside.pdf") if d.id == "ACRF" else d for d in spec.documents)
    spec = dataclasses.replace(spec, documents=documents)
    own = tmp_path / "own.pdf"
    own.write_bytes(b"%PDF-1.4 own")
    with pytest.raises(ExportError, match="'../../outside.pdf': write a file name, without a folder"):
        export_submission(tmp_path / "out", sdtm=(spec, _empty_frames(spec)), crf=CrfSource(file=own))
    assert not (tmp_path / "out").exists() and not (tmp_path / "outside.pdf").exists()
