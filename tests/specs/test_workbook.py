"""Reading and writing the P21-layout workbook."""
from __future__ import annotations

import openpyxl
import pytest

from shared_data import shared_path
from specs import SpecLayoutError, read_workbook, study_workbook, template_spec, write_workbook
from specs import model as m
from specs.workbook import parse_where_text

P21_WORKBOOKS = [
    "metacore/SDTM_spec_CDISC_pilot.xlsx",
    "metacore/p21_mock.xlsx",
    "metacore/spec_no_val.xlsx",
    "metacore/spec_failed_regex.xlsx",
    "pharmaverseadam/adams-specs.xlsx",
]


@pytest.mark.parametrize("name", P21_WORKBOOKS)
def test_published_workbooks_read_and_round_trip(name, tmp_path):
    path = shared_path("standards", "specs", *name.split("/"))
    spec, findings = read_workbook(path)
    assert spec.datasets and spec.variables
    # what the reader did not take is reported as a note, never an error of reading
    assert all(f.severity == "note" for f in findings), [str(f) for f in findings]
    write_workbook(spec, tmp_path / "copy.xlsx")
    again, again_findings = read_workbook(tmp_path / "copy.xlsx")
    assert again == spec
    assert again_findings == []


def test_newer_layout_details_are_read():
    spec, findings = read_workbook(shared_path("standards", "specs", "metacore", "spec_failed_regex.xlsx"))
    # Define sheet, Label columns, inline where clauses, numbers as text
    assert spec.study.study_name == "219230"
    assert all(d.label for d in spec.datasets)
    assert spec.value_level and all(spec.where_clause(r.where_clause) for r in spec.value_level if r.where_clause.startswith("WC."))
    assert {f.column for f in findings if f.code == "unknown-column"} >= {"Variable A", "Variable B"}


def test_pilot_where_clauses_join_by_id():
    spec, _ = read_workbook(shared_path("standards", "specs", "metacore", "SDTM_spec_CDISC_pilot.xlsx"))
    clause = spec.where_clause("LBCH.LBTESTCD.EQ.LBCH.LBCAT.EQ.6b46deb648bcc3b3a4865e31fe6c0e2101b4fd4c")
    assert [c.text() for c in clause.conditions] == ["LBCAT EQ CHEMISTRY", "LBTESTCD EQ URATE"]
    assert any(r.where_clause == clause.id for r in spec.value_list("LBCH", "LBORRES"))


@pytest.mark.parametrize(
    "name, expected",
    [
        ("metacore/mock_spec.xlsx",
         "mock_spec.xlsx is not a spec workbook in the P21 layout:\n"
         "  - no sheet named Study or Define\n"
         "  - no sheet named Datasets\n"
         "  - sheet Variables lacks the column(s): Order, Dataset, Variable, Data Type"),
        ("metacore/example_spec.xlsx",
         "example_spec.xlsx is not a spec workbook in the P21 layout:\n"
         "  - no sheet named Study or Define\n"
         "  - no sheet named Datasets\n"
         "  - no sheet named Variables\n"
         "  - sheets found: DM, DM 2, DM_LUT, DM 3"),
    ],
)
def test_other_layouts_are_refused_with_what_they_lack(name, expected):
    path = shared_path("standards", "specs", *name.split("/"))
    with pytest.raises(SpecLayoutError) as info:
        read_workbook(path)
    assert str(info.value).endswith(expected)


def _sheet(wb, title, rows):
    ws = wb.create_sheet(title)
    for row in rows:
        ws.append(row)


def test_messy_cells_are_normalised(tmp_path):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Define", [["Attribute", "Value"], ["StudyName", "S1"], [None, None], ["Legend", "x"]])
    _sheet(wb, "Datasets", [["Dataset", "Label", "Key Variables"], ["dm", "Demographics\xa0", "STUDYID, USUBJID"]])
    _sheet(wb, "Variables", [
        ["Order", "Dataset", "Variable", "Label", "Data Type", "Length", "Origin"],
        ["1", "DM", "STUDYID", "Study Identifier", "text", "12", "CRF"],
        [2.0, "DM", "USUBJID", "Unique Subject Identifier", "text", 20.0, "eDT"],
        ["x", "DM", "AGE", "Age", "integer", "8", "Derived"],
        [None, None, None, None, None, None, None],
        [None, None, None, None, None, None, None],
    ])
    path = tmp_path / "messy.xlsx"
    wb.save(path)
    spec, findings = read_workbook(path)
    assert spec.study.study_name == "S1"
    assert spec.dataset("DM").label == "Demographics"
    assert spec.dataset("DM").keys == ("STUDYID", "USUBJID")
    studyid, usubjid, age = spec.variables_of("DM")[:2] + (spec.variable("DM", "AGE"),)
    assert (studyid.order, studyid.length, studyid.origin, studyid.source) == (1, 12, "Collected", "Investigator")
    assert (usubjid.order, usubjid.length, usubjid.source) == (2, 20, "Vendor")
    assert age.order is None
    assert [str(f) for f in findings if f.severity == "error"] == [
        "ERROR [not-a-whole-number] sheet Variables, row 4, column Order: 'x' is not a whole number"
    ]


def test_inline_where_clauses_parse():
    conditions = parse_where_text("PARAMCD IN (ACCP1, ACCP2) AND AVISIT EQ 'WEEK 2'", "ADX")
    assert conditions == (
        m.WhereCondition("ADX", "PARAMCD", "IN", ("ACCP1", "ACCP2")),
        m.WhereCondition("ADX", "AVISIT", "EQ", ("WEEK 2",)),
    )
    assert parse_where_text("not a clause", "ADX") is None


def test_template_has_every_sheet(tmp_path):
    path = write_workbook(template_spec(), tmp_path / "t.xlsx")
    names = openpyxl.load_workbook(path).sheetnames
    assert names == ["Study", "Datasets", "Variables", "ValueLevel", "WhereClauses", "Codelists",
                     "Dictionaries", "Methods", "Comments", "Documents", "Analysis Displays",
                     "Analysis Results", "Mapping"]
    spec, findings = read_workbook(path)
    assert spec == template_spec() and findings == []


def test_writing_is_byte_reproducible(tmp_path):
    spec, _ = read_workbook(study_workbook("sdtm"))
    a = write_workbook(spec, tmp_path / "a.xlsx").read_bytes()
    b = write_workbook(spec, tmp_path / "b.xlsx").read_bytes()
    assert a == b


@pytest.mark.parametrize("name", ["sdtm", "adam"])
def test_study_workbooks_round_trip(name, tmp_path):
    spec, findings = read_workbook(study_workbook(name))
    assert findings == []
    write_workbook(spec, tmp_path / "copy.xlsx")
    assert read_workbook(tmp_path / "copy.xlsx")[0] == spec
