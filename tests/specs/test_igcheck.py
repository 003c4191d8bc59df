"""A spec compared with SDTMIG 3.4 / ADaMIG 1.3 and a CT release: each kind of difference,
planted in a pre-filled workbook with openpyxl, is found on its sheet, row and column.

The expected values are written by hand from the published guide and terminology (DM's Req
variables, SEX C66731 closed with F, M, U, INTERSEX) or read from ../shared/standards.
"""

from __future__ import annotations

import csv

import openpyxl
import pytest
from shared_data import shared_path

from specs import load_spec, write_workbook
from specs.findings import Finding
from specs.igcheck import check_against_guide, check_against_standard, cited_releases
from specs.igtemplate import guide_template, parse_domains
from specs.standards import StandardsLibrary

DOMAINS = "DM,AE,EX,TU,TR,RS"


@pytest.fixture(scope="module")
def library(standards_library) -> StandardsLibrary:
    return StandardsLibrary(standards_library)


@pytest.fixture(scope="module")
def template(library, tmp_path_factory):
    guide = library.guide("sdtmig", "3.4")
    spec, _ = guide_template(guide, library.terminology_for("sdtmig"), parse_domains(guide, DOMAINS))
    path = tmp_path_factory.mktemp("igcheck") / "template.xlsx"
    write_workbook(spec, path)
    return path


class Workbook:
    """The template opened for editing: rows found by their cells, saved to a new file."""

    def __init__(self, path):
        self.wb = openpyxl.load_workbook(path)

    def column(self, sheet: str, header: str) -> int:
        return [c.value for c in self.wb[sheet][1]].index(header) + 1

    def row(self, sheet: str, **cells: str) -> int:
        ws = self.wb[sheet]
        cols = {h: self.column(sheet, h.replace("_", " ")) for h in cells}
        for r in range(2, ws.max_row + 1):
            if all(ws.cell(r, cols[h]).value == v for h, v in cells.items()):
                return r
        raise LookupError(cells)

    def set(self, sheet: str, row: int, header: str, value) -> None:
        self.wb[sheet].cell(row, self.column(sheet, header)).value = value

    def get(self, sheet: str, row: int, header: str):
        return self.wb[sheet].cell(row, self.column(sheet, header)).value

    def append(self, sheet: str, **cells) -> int:
        ws = self.wb[sheet]
        headers = [c.value for c in ws[1]]
        ws.append([cells.get(h.replace(" ", "_")) for h in headers])
        return ws.max_row

    def save(self, path):
        self.wb.save(path)
        return path


def _check(library, path, standard=("sdtmig", "3.4"), release=None) -> list[Finding]:
    report = load_spec(path)
    assert report.errors == 0, report.findings
    guide = library.guide(*standard)
    terminology = library.terminology_for(guide.name, [release] if release else [])
    return check_against_standard(report.spec, guide, terminology)


def _where(findings, code):
    return [(f.severity, f.sheet, f.row, f.column) for f in findings if f.code == code]


def test_the_untouched_template_has_no_differences(library, template):
    assert _check(library, template) == []


def test_a_missing_req_variable_is_an_error_and_a_missing_exp_one_a_warning(library, template, tmp_path):
    wb = Workbook(template)
    dm_row = wb.row("Datasets", Dataset="DM")
    wb.wb["Variables"].delete_rows(wb.row("Variables", Dataset="DM", Variable="SEX"))
    wb.wb["Variables"].delete_rows(wb.row("Variables", Dataset="DM", Variable="ARMCD"))
    wb.wb["Variables"].delete_rows(wb.row("Variables", Dataset="DM", Variable="INVNAM"))  # Perm: no finding
    findings = _check(library, wb.save(tmp_path / "missing.xlsx"))
    missing = [f for f in findings if f.code == "guide-variable-missing"]
    assert [(f.severity, f.sheet, f.row, f.column) for f in missing] == [
        ("error", "Datasets", dm_row, "Dataset"),
        ("warning", "Datasets", dm_row, "Dataset"),
    ]
    assert "Req variable SEX" in missing[0].message and "Exp variable ARMCD" in missing[1].message
    assert [f.code for f in findings if f.code != "guide-variable-missing"] == []


def test_every_req_variable_of_dm_is_required(library, template, tmp_path):
    # SDTMIG 3.4 DM: the Req variables, by hand
    req = ["STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "SEX", "COUNTRY"]
    wb = Workbook(template)
    for name in req:
        wb.wb["Variables"].delete_rows(wb.row("Variables", Dataset="DM", Variable=name))
    findings = _check(library, wb.save(tmp_path / "no-req.xlsx"))
    errors = [f for f in findings if f.code == "guide-variable-missing"]
    assert {f.severity for f in errors} == {"error"}
    assert sorted(f.message.split("Req variable ")[1].split(" ")[0] for f in errors) == sorted(req)


def test_label_type_role_core_and_order_differences(library, template, tmp_path):
    wb = Workbook(template)
    label = wb.row("Variables", Dataset="AE", Variable="AETERM")
    wb.set("Variables", label, "Label", "Adverse Event Term")
    dtype = wb.row("Variables", Dataset="AE", Variable="AESEQ")
    wb.set("Variables", dtype, "Data Type", "text")
    role = wb.row("Variables", Dataset="AE", Variable="AEDECOD")
    wb.set("Variables", role, "Role", "Record Qualifier")
    core = wb.row("Variables", Dataset="EX", Variable="EXDOSE")
    wb.set("Variables", core, "Core", "Req")
    # AESTDTC before AEENDTC in the guide: swap their orders
    start, end = (
        wb.row("Variables", Dataset="AE", Variable="AESTDTC"),
        wb.row("Variables", Dataset="AE", Variable="AEENDTC"),
    )
    first, second = wb.get("Variables", start, "Order"), wb.get("Variables", end, "Order")
    wb.set("Variables", start, "Order", second)
    wb.set("Variables", end, "Order", first)
    findings = _check(library, wb.save(tmp_path / "attributes.xlsx"))
    assert _where(findings, "guide-label-differs") == [("warning", "Variables", label, "Label")]
    assert "'Reported Term for the Adverse Event'" in next(
        f.message for f in findings if f.code == "guide-label-differs"
    )
    assert _where(findings, "guide-type-differs") == [("warning", "Variables", dtype, "Data Type")]
    assert _where(findings, "guide-role-differs") == [("note", "Variables", role, "Role")]
    assert _where(findings, "guide-core-differs") == [("note", "Variables", core, "Core")]
    assert _where(findings, "guide-order-differs") == [("note", "Variables", start, "Order")]
    assert len(findings) == 5


def test_a_codelist_the_guide_does_not_name_for_the_variable(library, template, tmp_path):
    wb = Workbook(template)
    sex = wb.row("Variables", Dataset="DM", Variable="SEX")
    ny = wb.get("Codelists", wb.row("Codelists", NCI_Codelist_Code="C66742"), "ID")  # No Yes Response
    wb.set("Variables", sex, "Codelist", ny)
    unit = wb.row("Variables", Dataset="EX", Variable="EXDOSU")
    wb.set("Variables", unit, "Codelist", None)
    findings = _check(library, wb.save(tmp_path / "codelist.xlsx"))
    assert _where(findings, "guide-codelist-differs") == [("warning", "Variables", sex, "Codelist")]
    assert "C66731" in next(f.message for f in findings if f.code == "guide-codelist-differs")
    assert _where(findings, "guide-codelist-missing") == [("warning", "Variables", unit, "Codelist")]
    # the SEX codelist is now used by nothing: the integrity check's orphan, not a difference from the guide
    assert {f.code for f in findings} == {"guide-codelist-differs", "guide-codelist-missing"}


def test_sponsor_terms_in_a_closed_codelist_and_codes_not_in_the_release(library, template, tmp_path):
    wb = Workbook(template)
    first = wb.row("Codelists", NCI_Codelist_Code="C66731")
    sex_id = wb.get("Codelists", first, "ID")
    common = {"ID": sex_id, "Name": wb.get("Codelists", first, "Name"), "NCI Codelist Code": "C66731"}
    common |= {"Data Type": "text", "Extensible": "No"}
    sponsor = wb.append("Codelists", **{k.replace(" ", "_"): v for k, v in common.items()}, Term="NOT REPORTED")
    # a term code that SEX does not have in the release
    made_up = wb.append(
        "Codelists", **{k.replace(" ", "_"): v for k, v in common.items()}, Term="X", NCI_Term_Code="C99999999"
    )
    # a term code given another value
    female = wb.row("Codelists", ID=sex_id, NCI_Term_Code="C16576")  # F
    wb.set("Codelists", female, "Term", "FEMALE")
    # a codelist code unknown to the release
    route = wb.row("Codelists", NCI_Codelist_Code="C66729")
    route_id = wb.get("Codelists", route, "ID")
    id_col, code_col = wb.column("Codelists", "ID"), wb.column("Codelists", "NCI Codelist Code")
    for cells in wb.wb["Codelists"].iter_rows(min_row=2):
        if cells[id_col - 1].value == route_id:
            cells[code_col - 1].value = "C99999998"
    findings = _check(library, wb.save(tmp_path / "terms.xlsx"))
    assert _where(findings, "term-not-in-closed-codelist") == [("error", "Codelists", sponsor, "NCI Term Code")]
    assert "a sponsor may not extend it" in next(f.message for f in findings if f.code == "term-not-in-closed-codelist")
    assert sorted(_where(findings, "unknown-nci-code")) == [
        ("error", "Codelists", route, "NCI Codelist Code"),
        ("error", "Codelists", made_up, "NCI Term Code"),
    ]
    assert _where(findings, "nci-code-mismatch") == [("error", "Codelists", female, "Term")]
    # EXROUTE now names a codelist whose code is not the guide's
    exroute = wb.row("Variables", Dataset="EX", Variable="EXROUTE")
    assert _where(findings, "guide-codelist-differs") == [("warning", "Variables", exroute, "Codelist")]


def test_a_term_of_the_release_without_its_code_is_named_with_it(library, template, tmp_path):
    wb = Workbook(template)
    male = wb.row("Codelists", NCI_Codelist_Code="C66731", NCI_Term_Code="C20197")  # M
    wb.set("Codelists", male, "NCI Term Code", None)
    findings = _check(library, wb.save(tmp_path / "no-code.xlsx"))
    assert _where(findings, "term-not-in-closed-codelist") == [("error", "Codelists", male, "NCI Term Code")]
    assert "it is C20197 in the terminology" in findings[0].message


def test_terms_of_the_newer_release_are_errors_against_the_older(library, template):
    """SEX (C66731): the term C45908 is INTERSEX in 2025-03-28, UNDIFFERENTIATED in 2015-12-18."""
    path = shared_path("standards", "ct", "sdtmct-2015-12-18.csv")
    with open(path, encoding="utf-8", newline="") as fh:
        old_sex = {r["term_code"]: r["submission_value"] for r in csv.DictReader(fh) if r["codelist_code"] == "C66731"}
    assert old_sex["C45908"] == "UNDIFFERENTIATED"
    findings = _check(library, template, release="2015-12-18")
    sex = [f for f in findings if "codelist SEX:" in f.message]
    assert [(f.severity, f.code, f.column) for f in sex] == [("error", "nci-code-mismatch", "Term")]
    assert "'UNDIFFERENTIATED' in the terminology, not 'INTERSEX'" in sex[0].message
    # and a codelist the older release does not have: ARMNRS (C142179) came later
    assert any(f.code == "unknown-nci-code" and "C142179" in f.message for f in findings)


def test_variables_the_guide_does_not_define_for_the_domain(library, template, tmp_path):
    wb = Workbook(template)
    base = {"Dataset": "AE", "Data_Type": "text", "Core": "Perm"}
    # AEOCCUR: SDTMIG 3.4 AE has no --OCCUR, other Events domains (MH, CE) do
    occur = wb.append("Variables", **base, Order=90, Variable="AEOCCUR", Label="Adverse Event Occurrence")
    made_up = wb.append("Variables", **base, Order=91, Variable="AEXYZ", Label="Sponsor Thing")
    dm = wb.append("Variables", **{**base, "Dataset": "DM"}, Order=90, Variable="DMXYZ", Label="Sponsor Thing")
    findings = {f.row: f for f in _check(library, wb.save(tmp_path / "extra.xlsx"))}
    assert sorted((f.severity, f.code, f.sheet, f.row, f.column) for f in findings.values()) == [
        ("note", "not-in-guide", "Variables", occur, "Variable"),
        ("warning", "not-in-guide", "Variables", made_up, "Variable"),
        ("warning", "not-in-guide", "Variables", dm, "Variable"),
    ]
    assert "SUPPAE" in findings[made_up].message
    assert "judged from the guide's domains only" in findings[occur].message


def test_a_custom_domain_is_a_note_and_not_compared(library, template, tmp_path):
    wb = Workbook(template)
    row = wb.append("Datasets", Dataset="XA", Description="Sponsor Domain", Class="FINDINGS")
    wb.append("Variables", Order=1, Dataset="XA", Variable="STUDYID", Label="Study", Data_Type="integer")
    findings = _check(library, wb.save(tmp_path / "custom.xlsx"))
    assert [(f.severity, f.code, f.sheet, f.row) for f in findings] == [("note", "not-in-guide", "Datasets", row)]


def test_a_dataset_label_differing_from_the_domain(library, template, tmp_path):
    wb = Workbook(template)
    row = wb.row("Datasets", Dataset="AE")
    wb.set("Datasets", row, "Description", "Adverse Event")
    findings = _check(library, wb.save(tmp_path / "dslabel.xlsx"))
    assert _where(findings, "guide-label-differs") == [("warning", "Datasets", row, "Description")]


def test_adam_datasets_are_compared_by_name_and_by_class(library, tmp_path):
    guide = library.guide("adamig", "1.3")
    terminology = library.terminology_for("adamig")
    spec, _ = guide_template(guide, terminology, parse_domains(guide, "ADSL,ADRS:BDS,ADTTE:TTE"))
    path = write_workbook(spec, tmp_path / "adam.xlsx")
    # the guide's own labels longer than 40 characters (PBCHGCyN) are the integrity check's
    assert {f.code for f in load_spec(path).findings} <= {"label-too-long"}
    assert check_against_standard(load_spec(path).spec, guide, terminology) == []

    wb = Workbook(path)
    adsl = wb.row("Datasets", Dataset="ADSL")
    adrs = wb.row("Datasets", Dataset="ADRS")
    wb.wb["Variables"].delete_rows(wb.row("Variables", Dataset="ADSL", Variable="TRT01P"))  # TRTxxP: Req
    wb.wb["Variables"].delete_rows(wb.row("Variables", Dataset="ADRS", Variable="PARAMCD"))  # Req
    # TRT01P copied into a BDS dataset is the ADSL variable
    wb.append(
        "Variables",
        Order=200,
        Dataset="ADRS",
        Variable="TRT01P",
        Label="Planned Treatment for Period 01",
        Data_Type="text",
    )
    findings = check_against_guide(load_spec(wb.save(tmp_path / "adam-edited.xlsx")).spec, guide)
    assert [(f.severity, f.code, f.sheet, f.row) for f in findings] == [
        ("error", "guide-variable-missing", "Datasets", adsl),
        ("error", "guide-variable-missing", "Datasets", adrs),
    ]
    assert "TRTxxP" in findings[0].message and "PARAMCD" in findings[1].message


def test_an_occds_dataset_is_not_compared(library, tmp_path):
    guide = library.guide("adamig", "1.3")
    spec, _ = guide_template(guide, library.terminology_for("adamig"), parse_domains(guide, "ADSL"))
    path = write_workbook(spec, tmp_path / "adsl.xlsx")
    wb = Workbook(path)
    row = wb.append("Datasets", Dataset="ADAE", Description="AE Analysis", Class="OCCURRENCE DATA STRUCTURE")
    wb.append("Variables", Order=1, Dataset="ADAE", Variable="AETERM", Label="Term", Data_Type="text")
    findings = check_against_guide(load_spec(wb.save(tmp_path / "adae.xlsx")).spec, guide)
    assert [(f.severity, f.code, f.row) for f in findings] == [("note", "not-in-guide", row)]


def test_the_study_sheet_cites_its_releases(library, template):
    assert cited_releases(load_spec(template).spec) == {"sdtmct": "2025-03-28"}
