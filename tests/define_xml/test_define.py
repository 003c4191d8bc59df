"""Define-XML 2.1: built from the spec, valid against the official schema (ARM 1.0 for ADaM),
OID check, define.html, and the reverse read of published defines."""

from __future__ import annotations

import dataclasses

import pytest
from lxml import etree
from shared_data import shared_path

from define_xml.build import BuildNotes, DefineSettings, build_define, define_bytes, write_define
from define_xml.check import check_oids, validate_schema
from define_xml.html import render_html
from define_xml.read import read_define
from specs import load_spec
from specs.model import AnalysisDisplay, AnalysisResult, Comment, Document


def pilot():
    return load_spec(shared_path("standards", "specs", "metacore", "SDTM_spec_CDISC_pilot.xlsx")).spec


def test_pilot_sdtm_define_is_valid_and_its_one_broken_reference_is_the_specs(tmp_path):
    spec = pilot()
    root = build_define(spec, settings=DefineSettings(creation_datetime="2024-01-01T00:00:00"))
    path = write_define(root, tmp_path / "define.xml")
    assert validate_schema(path) == []
    issues = check_oids(path)
    assert [(i.kind, i.oid) for i in issues] == [("broken-reference", "IT..")]  # the spec's where clause on '.'
    assert root.get("CreationDateTime") == "2024-01-01T00:00:00"
    ns = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1"}
    sex = root.find(".//odm:ItemDef[@OID='IT.DM.SEX']", ns)
    assert sex.find("odm:CodeListRef", ns).get("CodeListOID") == "CL.SEX"
    assert (
        root.find(".//odm:ItemGroupDef[@OID='IG.DM']/odm:ItemRef[@ItemOID='IT.DM.USUBJID']", ns).get("KeySequence")
        == "2"
    )
    assert root.find(".//def:leaf[@ID='LF.DM']", ns).get("{http://www.w3.org/1999/xlink}href") == "dm.xpt"
    html = render_html(path).decode("utf-8")
    for ds in spec.datasets:
        assert f"IG.{ds.name}" in html


def test_the_same_spec_gives_the_same_bytes():
    spec = pilot()
    assert define_bytes(build_define(spec)) == define_bytes(build_define(spec))


def test_oid_check_lists_every_broken_and_unused_reference():
    spec = pilot()
    root = build_define(spec, datasets=["DM"])
    ns = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1"}
    mdv = root.find(".//odm:MetaDataVersion", ns)
    root.find(".//odm:ItemDef[@OID='IT.DM.SEX']/odm:CodeListRef", ns).set("CodeListOID", "CL.NOPE")
    for tag, oid in (("{http://www.cdisc.org/ns/def/v2.1}CommentDef", "COM.SPARE"),):
        el = etree.SubElement(mdv, tag, OID=oid)
        etree.SubElement(
            etree.SubElement(el, "{http://www.cdisc.org/ns/odm/v1.3}Description"),
            "{http://www.cdisc.org/ns/odm/v1.3}TranslatedText",
        ).text = "spare"
    found = {(i.kind, i.oid) for i in check_oids(define_bytes(root))}
    assert ("broken-reference", "CL.NOPE") in found
    assert ("unused-definition", "CL.SEX") in found
    assert ("unused-definition", "COM.SPARE") in found


def adam_with_arm():
    spec = load_spec(shared_path("standards", "specs", "pharmaverseadam", "adams-specs.xlsx")).spec
    keep = ("ADSL", "ADRS_O", "ADTTE_O")
    return dataclasses.replace(
        spec,
        datasets=tuple(d for d in spec.datasets if d.name in keep),
        variables=tuple(v for v in spec.variables if v.dataset in keep),
        comments=(Comment("JOIN.ADSL", "ADSL joined to ADRS_O by USUBJID"),),
        documents=(Document("SAP", "Statistical Analysis Plan", "sap.pdf"),),
        analysis_displays=(
            AnalysisDisplay("T-14.2.1", "Objective Response Rate (RECIST 1.1)", "SAP", "12"),
            AnalysisDisplay("F-14.2.3", "Kaplan-Meier plot of overall survival", "SAP", "15"),
        ),
        analysis_results=(
            AnalysisResult(
                "T-14.2.1",
                "ORR",
                "Objective response rate with exact 95% CI",
                ("ADRS_O.AVALC",),
                "SPECIFIED IN SAP",
                "PRIMARY OUTCOME MEASURE",
                "ADRS_O.PARAMCD EQ BOR; ADSL.SAFFL EQ Y",
                "JOIN.ADSL",
                "Clopper-Pearson interval",
                "SAP",
                "R 4.3",
                "binom.test(x, n)",
                None,
                "12",
            ),
            AnalysisResult(
                "F-14.2.3",
                "OS",
                "Overall survival by Kaplan-Meier",
                ("ADTTE_O.AVAL", "ADTTE_O.CNSR"),
                "SPECIFIED IN SAP",
                "SECONDARY OUTCOME MEASURE",
                "ADTTE_O.PARAMCD EQ OS",
            ),
        ),
    )


def test_adam_define_with_analysis_results_metadata_is_valid_against_arm(tmp_path):
    notes = BuildNotes()
    path = write_define(build_define(adam_with_arm(), notes=notes), tmp_path / "define.xml")
    assert validate_schema(path, arm=True) == []
    assert check_oids(path) == []
    spec, _ = read_define(path)
    assert [r.id for r in spec.analysis_results] == ["ORR", "OS"]
    orr = spec.analysis_results[0]
    assert orr.variables == ("ADRS_O.AVALC",)
    assert orr.join_comment == "JOIN.ADSL"
    assert {c.text() for w in spec.where_clauses for c in w.conditions} >= {
        "PARAMCD EQ BOR",
        "SAFFL EQ Y",
        "PARAMCD EQ OS",
    }
    assert "Objective Response Rate (RECIST 1.1)" in render_html(path).decode("utf-8")


PUBLISHED = [
    ("standards", "define-xml-2.1", "examples", "defineV21-SDTM.xml"),
    ("standards", "define-xml-2.1", "examples", "defineV21-ADaM.xml"),
    ("standards", "specs", "metacore", "SDTM_define.xml"),
    ("standards", "specs", "metacore", "ADaM_define_CDISC_pilot3.xml"),
    ("standards", "submissions", "msg-sdtm-v2", "define.xml"),
]


def _used(spec, field):
    """IDs the spec's datasets, variables, value level and results use (unused ones are not rewritten)."""
    used = set()
    for item in (*spec.datasets, *spec.variables, *spec.value_level):
        if field == "comments" and item.comment:
            used.add(item.comment)
        if field == "methods" and getattr(item, "method", None):
            used.add(item.method)
        if field == "codelists" and getattr(item, "codelist", None):
            used.add(item.codelist)
    if field == "comments":
        used |= {r.join_comment for r in spec.analysis_results if r.join_comment}
        used |= {c.comment for c in spec.codelists if c.comment}
    return used


@pytest.mark.parametrize("parts", PUBLISHED, ids=lambda p: p[-1])
def test_published_define_reads_and_writes_back_the_same(tmp_path, parts):
    source, notes = read_define(shared_path(*parts))
    assert source.datasets and source.variables and not notes
    path = write_define(build_define(source), tmp_path / "define.xml")
    assert validate_schema(path) == []
    assert check_oids(path) == []
    again, _ = read_define(path)
    strip = lambda d: dataclasses.replace(d, standard=None)  # noqa: E731 - one IG per document is written
    assert [strip(d) for d in again.datasets] == [strip(d) for d in source.datasets]
    assert {
        (v.dataset, v.name, v.label, v.data_type, v.codelist, v.origin, v.method, v.comment, v.order)
        for v in again.variables
    } == {
        (v.dataset, v.name, v.label, v.data_type, v.codelist, v.origin, v.method, v.comment, v.order)
        for v in source.variables
    }

    def lengths(s):
        return {(v.dataset, v.name, v.length) for v in s.variables if v.data_type in ("text", "integer", "float")}

    assert lengths(again) == lengths(source)
    assert sorted(again.value_level, key=repr) == sorted(
        (
            dataclasses.replace(
                v,
                length=v.length if v.data_type in ("text", "integer", "float") else None,
                significant_digits=v.significant_digits if v.data_type == "float" else None,
            )
            for v in source.value_level
        ),
        key=repr,
    )
    assert sorted(again.where_clauses, key=lambda w: w.id) == sorted(source.where_clauses, key=lambda w: w.id)
    used_codelists = _used(source, "codelists")
    assert [c for c in again.codelists] == [c for c in source.codelists if c.id in used_codelists]
    assert {m.id for m in again.methods} == _used(source, "methods") & {m.id for m in source.methods}
    assert [m for m in again.methods] == [m for m in source.methods if m.id in {x.id for x in again.methods}]
    assert {c.id for c in again.comments} == _used(source, "comments") & {c.id for c in source.comments}
    assert again.analysis_results == source.analysis_results


def test_a_schema_defect_of_a_source_define_is_reported_with_its_line():
    issues = validate_schema(shared_path("standards", "submissions", "msg-sdtm-v2", "define.xml"))
    assert len(issues) == 1
    assert issues[0].line == 63
    assert "STDTMIG" in issues[0].message
