"""A spec workbook pre-filled from SDTMIG 3.4 / ADaMIG 1.3 and a CT release.

What the workbook should hold is read from the published files in ../shared/standards with the
csv module, or written by hand from the published guide, never from the code under test.
"""

from __future__ import annotations

import csv
import gzip

import openpyxl
import pytest
from shared_data import shared_path

from specs import load_spec, write_workbook
from specs.igtemplate import TemplateError, guide_template, parse_domains
from specs.standards import StandardsLibrary

DOMAINS = "DM,AE,EX,TU,TR,RS"


def _ig_rows(guide: str, file: str) -> list[dict[str, str]]:
    with open(shared_path("standards", "ig", guide, file), encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _ct_rows(codelist: str) -> list[dict[str, str]]:
    path = shared_path("standards", "ct", "sdtmct-2025-03-28.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["codelist_code"] == codelist]


def _sheet(path, name: str) -> list[dict[str, object]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[name].iter_rows(values_only=True))
    wb.close()
    header = rows[0]
    return [dict(zip(header, r, strict=True)) for r in rows[1:]]


@pytest.fixture(scope="module")
def sdtm_template(standards_library, tmp_path_factory):
    library = StandardsLibrary(standards_library)
    guide = library.guide("sdtmig", "3.4")
    spec, notes = guide_template(guide, library.terminology_for("sdtmig"), parse_domains(guide, DOMAINS))
    path = tmp_path_factory.mktemp("template") / "sdtm.xlsx"
    write_workbook(spec, path)
    return path, notes


def test_every_ig_variable_of_each_domain_in_ig_order_with_label_type_role_and_core(sdtm_template):
    path, notes = sdtm_template
    assert notes == []
    written = _sheet(path, "Variables")
    ig = _ig_rows("sdtmig-3.4", "Variables.csv")
    for domain in DOMAINS.split(","):
        expected = sorted((r for r in ig if r["Dataset Name"] == domain), key=lambda r: int(r["Variable Order"]))
        rows = [r for r in written if r["Dataset"] == domain]
        assert [r["Variable"] for r in rows] == [r["Variable Name"] for r in expected]
        assert [r["Label"] for r in rows] == [r["Variable Label"] for r in expected]
        assert [r["Core"] for r in rows] == [r["Core"] for r in expected]
        assert [r["Role"] for r in rows] == [r["Role"] for r in expected]
        assert [r["Order"] for r in rows] == list(range(1, len(expected) + 1))
        numeric = [r["Data Type"] in ("integer", "float") for r in rows]
        assert numeric == [r["Type"] == "Num" for r in expected]
        assert all(r["Length"] is None and r["Origin"] is None for r in rows)  # left for the study


def test_dm_req_variables_are_mandatory(sdtm_template):
    path, _ = sdtm_template
    dm = {r["Variable"]: r for r in _sheet(path, "Variables") if r["Dataset"] == "DM"}
    # SDTMIG 3.4, DM: the Req variables
    req = {"STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "SEX", "COUNTRY"}
    assert {name for name, r in dm.items() if r["Mandatory"] == "Yes"} == req
    assert {name for name, r in dm.items() if r["Core"] == "Req"} == req
    assert {dm[n]["Core"] for n in ("ARMCD", "ARM", "ACTARMCD", "ACTARM")} == {"Exp"}
    assert dm["DOMAIN"]["Assigned Value"] == "DM"


def test_datasets_rows_give_the_ig_label_class_and_structure(sdtm_template):
    path, _ = sdtm_template
    written = {r["Dataset"]: r for r in _sheet(path, "Datasets")}
    ig = {r["Dataset Name"]: r for r in _ig_rows("sdtmig-3.4", "Datasets.csv")}
    assert list(written) == DOMAINS.split(",")
    for name, row in written.items():
        assert row["Description"] == ig[name]["Dataset Label"]
        assert row["Structure"] == ig[name]["Structure"]
        assert row["Class"].replace(" ", "-").lower() == ig[name]["Class"].lower()


def test_each_referenced_codelist_has_all_its_terms_from_the_release(sdtm_template):
    path, _ = sdtm_template
    variables = _sheet(path, "Variables")
    codelists = _sheet(path, "Codelists")
    sex = next(r for r in variables if r["Dataset"] == "DM" and r["Variable"] == "SEX")
    rows = [r for r in codelists if r["ID"] == sex["Codelist"]]
    published = _ct_rows("C66731")
    assert {r["NCI Codelist Code"] for r in rows} == {"C66731"}
    assert {r["Extensible"] for r in rows} == {"No"}
    assert {r["Name"] for r in rows} == {published[0]["codelist_name"]}
    assert {(r["Term"], r["NCI Term Code"]) for r in rows} == {
        (r["submission_value"], r["term_code"]) for r in published
    }
    # a large extensible codelist is written whole too
    unit = [r for r in codelists if r["NCI Codelist Code"] == "C71620"]
    assert len(unit) == len(_ct_rows("C71620")) > 900
    assert {r["Extensible"] for r in unit} == {"Yes"}
    # every codelist code an IG variable of these domains names first is there
    ig = _ig_rows("sdtmig-3.4", "Variables.csv")
    wanted = {
        r["CDISC CT Codelist Code(s)"].split(";")[0].strip()
        for r in ig
        if r["Dataset Name"] in DOMAINS.split(",") and r["CDISC CT Codelist Code(s)"].strip()
    }
    assert {r["NCI Codelist Code"] for r in codelists} == wanted


def test_the_study_sheet_cites_the_standard_and_the_ct_release(sdtm_template):
    path, _ = sdtm_template
    study = {r["Attribute"]: r["Value"] for r in _sheet(path, "Study")}
    assert study["StandardName"] == "SDTMIG"
    assert study["StandardVersion"] == "3.4"
    assert study["SDTM CT"] == "2025-03-28"


def test_the_untouched_template_reads_without_findings(sdtm_template):
    report = load_spec(sdtm_template[0])
    assert report.findings == ()


def test_another_ct_release_is_chosen_by_date(standards_library):
    library = StandardsLibrary(standards_library)
    guide = library.guide("sdtmig", "3.4")
    spec, _ = guide_template(guide, library.terminology_for("sdtmig", ["2015-12-18"]), parse_domains(guide, "DM"))
    assert spec.study.get("SDTM CT") == "2015-12-18"


def test_adam_structures_are_named_with_the_dataset(standards_library):
    library = StandardsLibrary(standards_library)
    guide = library.guide("adamig", "1.3")
    datasets = parse_domains(guide, "ADSL,ADRS:BDS,ADTTE:TTE")
    assert datasets == [("ADSL", "ADSL"), ("ADRS", "BDS"), ("ADTTE", "TTE")]
    spec, notes = guide_template(guide, library.terminology_for("adamig"), datasets)
    names = {d: {v.name for v in spec.variables if v.dataset == d} for d in ("ADSL", "ADRS", "ADTTE")}
    # ADaMIG 1.3: TRTxxP is Req in ADSL, written as the first of its series
    assert {"STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "SEX", "RACE", "ARM", "TRT01P"} <= names["ADSL"]
    assert {"PARAM", "PARAMCD", "AVAL"} <= names["ADRS"]
    assert "CNSR" in names["ADTTE"] and "CNSR" not in names["ADRS"]  # the time-to-event set: TTE only
    assert not any("*" in n or n != n.upper() for ns in names.values() for n in ns)
    assert any("*DT" in note for note in notes)
    # ADaMIG's value list of a flag (ABLFL: Y) is what it may hold, not a value to assign
    assert all(v.assigned_value is None for v in spec.variables)
    adtte = next(d for d in spec.datasets if d.name == "ADTTE")
    assert (adtte.dataset_class, adtte.subclass) == ("BASIC DATA STRUCTURE", "TIME-TO-EVENT")
    assert spec.study.get("ADaM CT") == "2026-03-27" and spec.study.get("SDTM CT") == "2025-03-28"
    # an ADaM CT codelist and an SDTM CT one (ADSL.SEX) both come with their terms
    codes = {c.nci_code: len(c.terms) for c in spec.codelists}
    assert codes["C66731"] > 0 and codes["C81223"] > 0


@pytest.mark.parametrize(
    ("standard", "domains", "message"),
    [
        ("adamig", "ADRS", "ADRS:BDS"),
        ("adamig", "ADRS:XYZ", "ADRS:BDS"),
        ("sdtmig", "DM,ZZ", "ZZ: not a domain"),
        ("sdtmig", "DM,DM", "named twice"),
        ("sdtmig", " , ", "no datasets"),
    ],
)
def test_a_domains_list_the_guide_cannot_fill_is_refused(standards_library, standard, domains, message):
    guide = StandardsLibrary(standards_library).guide(standard)
    with pytest.raises(TemplateError, match=message):
        parse_domains(guide, domains)


def test_a_split_dataset_takes_its_domain(standards_library):
    guide = StandardsLibrary(standards_library).guide("sdtmig", "3.4")
    assert parse_domains(guide, "QSPH:QS,QSSL") == [("QSPH", "QS"), ("QSSL", "QS")]


def test_a_supp_dataset_takes_the_suppqual_variables_and_names_its_parent(standards_library):
    library = StandardsLibrary(standards_library)
    guide = library.guide("sdtmig", "3.4")
    spec, _ = guide_template(guide, library.terminology_for("sdtmig"), parse_domains(guide, "SUPPAE"))
    suppqual = [r["Variable Name"] for r in _ig_rows("sdtmig-3.4", "Variables.csv") if r["Dataset Name"] == "SUPPQUAL"]
    assert [v.name for v in spec.variables] == suppqual
    assert spec.datasets[0].label == "Supplemental Qualifiers for AE"
