"""Reading and writing the P21-layout workbook."""

from __future__ import annotations

import openpyxl
import pytest
from shared_data import shared_path

from specs import Finding, SpecLayoutError, read_workbook, study_workbook, template_spec, write_workbook
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
    assert spec.value_level and all(
        spec.where_clause(r.where_clause) for r in spec.value_level if r.where_clause.startswith("WC.")
    )
    assert {f.column for f in findings if f.code == "unknown-column"} >= {"Variable A", "Variable B"}


def test_pilot_where_clauses_join_by_id():
    spec, _ = read_workbook(shared_path("standards", "specs", "metacore", "SDTM_spec_CDISC_pilot.xlsx"))
    clause = spec.where_clause("LBCH.LBTESTCD.EQ.LBCH.LBCAT.EQ.6b46deb648bcc3b3a4865e31fe6c0e2101b4fd4c")
    assert [c.text() for c in clause.conditions] == ["LBCAT EQ CHEMISTRY", "LBTESTCD EQ URATE"]
    assert any(r.where_clause == clause.id for r in spec.value_list("LBCH", "LBORRES"))


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "metacore/mock_spec.xlsx",
            "mock_spec.xlsx is not a spec workbook in the P21 layout:\n"
            "  - no sheet named Study or Define\n"
            "  - no sheet named Datasets\n"
            "  - sheet Variables lacks the column(s): Order, Dataset, Variable, Data Type",
        ),
        (
            "metacore/example_spec.xlsx",
            "example_spec.xlsx is not a spec workbook in the P21 layout:\n"
            "  - no sheet named Study or Define\n"
            "  - no sheet named Datasets\n"
            "  - no sheet named Variables\n"
            "  - sheets found: DM, DM 2, DM_LUT, DM 3",
        ),
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
    _sheet(
        wb,
        "Variables",
        [
            ["Order", "Dataset", "Variable", "Label", "Data Type", "Length", "Origin"],
            ["1", "DM", "STUDYID", "Study Identifier", "text", "12", "CRF"],
            [2.0, "DM", "USUBJID", "Unique Subject Identifier", "text", 20.0, "eDT"],
            ["x", "DM", "AGE", "Age", "integer", "8", "Derived"],
            [None, None, None, None, None, None, None],
            [None, None, None, None, None, None, None],
        ],
    )
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
    assert names == [
        "Study",
        "Datasets",
        "Variables",
        "ValueLevel",
        "WhereClauses",
        "Codelists",
        "Dictionaries",
        "Methods",
        "Comments",
        "Documents",
        "Analysis Displays",
        "Analysis Results",
        "Mapping",
        "Unit Conversions",
    ]
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


# ---------------------------------------------------------------- formulas


def _spreadsheet_save(path, part, values, *, recalculate=False):
    """Rewrite an xlsx openpyxl wrote as a spreadsheet application saves it: each formula cell of ``values``
    ({"B2": (cell type, value text)}) with its computed value, and (unless ``recalculate``) no request to
    recalculate the formulas on opening."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts[part].decode()
    for ref, (kind, text) in values.items():
        xml, replaced = re.subn(
            rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?</c>',
            rf'<c r="{ref}"\1 t="{kind}"><f>\2</f><v>{text}</v></c>',
            xml,
        )
        assert replaced == 1, ref
    parts[part] = xml.encode()
    if not recalculate:
        assert b' fullCalcOnLoad="1"' in parts["xl/workbook.xml"]
        parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b' fullCalcOnLoad="1"', b"")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def _small_workbook(path, datasets_rows, extra=None):
    """Define, Datasets (sheet2.xml) and Variables sheets; ``extra`` adds sheets."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Define", [["Attribute", "Value"], ["StudyName", "S1"]])
    _sheet(wb, "Datasets", datasets_rows)
    _sheet(
        wb,
        "Variables",
        [["Order", "Dataset", "Variable", "Label", "Data Type"], [1, "DM", "STUDYID", "Study Identifier", "text"]],
    )
    for title, rows in (extra or {}).items():
        _sheet(wb, title, rows)
    wb.save(path)
    return path


def _formula_findings(findings):
    return [f for f in findings if f.code.startswith("formula")]


def test_a_formula_saved_without_its_value_is_an_error_naming_the_cell(tmp_path):
    from typer.testing import CliRunner

    from cdisc_build.cli import app
    from sdtm_builder.build import load_sdtm_spec
    from specs import load_spec
    from specs.findings import SpecError

    wb = openpyxl.load_workbook(study_workbook("sdtm"))
    ws = wb["Mapping"]
    assert [ws.cell(1, 7).value, ws.cell(72, 3).value, ws.cell(72, 7).value] == [
        "Condition",
        "AEENRTPT",
        "AEONGO EQ Yes",
    ]
    ws.cell(72, 7).value = '=IF(TRUE,"AEONGO EQ Yes","")'
    path = tmp_path / "sdtm_spec.xlsx"
    wb.save(path)  # a program writes formulas, never their values

    spec, findings = read_workbook(path)
    rule = next(r for r in spec.mapping if r.loc.row == 72)
    assert rule.condition is None  # what openpyxl reads: the rule would hold for every AE
    message = (
        'cell G72 holds a formula (=IF(TRUE,"AEONGO EQ Yes","")) saved without its value, so it reads as '
        "empty: save the workbook from a spreadsheet application (Excel, LibreOffice), which computes and "
        "stores the values, or write values instead of formulas"
    )
    assert [f for f in findings if f.severity != "note"] == [
        Finding("error", "formula-without-value", message, "Mapping", 72, "Condition")
    ]
    assert not load_spec(path).ok
    with pytest.raises(SpecError) as info:
        load_sdtm_spec(path)
    assert "sheet Mapping, row 72, column Condition: cell G72 holds a formula" in str(info.value)

    done = CliRunner().invoke(app, ["spec", "check", str(path)])
    assert done.exit_code == 1, done.output
    text = " ".join(done.output.split())
    assert "ERROR [formula-without-value] sheet Mapping, row 72, column Condition: cell G72" in text
    assert "1 errors" in text


def test_a_row_whose_only_values_are_formulas_without_values_is_not_skipped(tmp_path):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _sheet(wb, "Define", [["Attribute", "Value"], ["StudyName", "S1"]])
    _sheet(wb, "Datasets", [["Dataset", "Label"], ["DM", "Demographics"]])
    ws = wb.create_sheet("Variables")
    # two blank rows before the header: findings count the rows of the sheet
    for column, header in enumerate(["Order", "Dataset", "Variable", "Label", "Data Type", "Notes"], start=1):
        ws.cell(3, column, header)
    for column, value in enumerate([1, "DM", "STUDYID", "Study Identifier", "text"], start=1):
        ws.cell(4, column, value)
    ws.cell(5, 3, '="AGE"')
    ws.cell(5, 6, "=B4")  # a column outside the layout is not read: its formula does not matter
    path = tmp_path / "spec.xlsx"
    wb.save(path)
    spec, findings = read_workbook(path)
    assert [v.name for v in spec.variables] == ["STUDYID"]
    assert [
        (f.severity, f.code, f.sheet, f.row, f.column, f.message.split(" saved")[0])
        for f in _formula_findings(findings)
    ] == [("error", "formula-without-value", "Variables", 5, "Variable", 'cell C5 holds a formula (="AGE")')]


def test_a_formula_with_its_saved_value_is_read_as_that_value_with_a_note(tmp_path):
    path = _small_workbook(
        tmp_path / "spec.xlsx",
        [
            ["Dataset", "Label", "Repeating"],
            ["DM", '="Demo"&"graphics"', '=IF(TRUE,"No","Yes")'],
            ["AE", "Adverse Events", '=""'],
        ],
    )
    _spreadsheet_save(
        path, "xl/worksheets/sheet2.xml", {"B2": ("str", "Demographics"), "C2": ("str", "No"), "C3": ("str", "")}
    )
    spec, findings = read_workbook(path)
    assert spec.dataset("DM").label == "Demographics" and spec.dataset("DM").repeating is False
    assert spec.dataset("AE").repeating is None
    assert findings == [
        Finding(
            "note",
            "formula-value",
            'cell B2 holds a formula (="Demo"&"graphics"); the value saved with it, \'Demographics\', was read',
            "Datasets",
            2,
            "Label",
        ),
        Finding(
            "note",
            "formula-value",
            'cell C2 holds a formula (=IF(TRUE,"No","Yes")); the value saved with it, \'No\', was read',
            "Datasets",
            2,
            "Repeating",
        ),
        Finding(
            "note",
            "formula-value",
            'cell C3 holds a formula (=""); the value saved with it, empty, was read',
            "Datasets",
            3,
            "Repeating",
        ),
    ]


def test_a_value_its_writer_did_not_compute_is_an_error(tmp_path):
    # writers that put 0 as every formula's value ask the application to recalculate on opening
    path = _small_workbook(tmp_path / "spec.xlsx", [["Dataset", "Label"], ["DM", '="Demographics"']])
    _spreadsheet_save(path, "xl/worksheets/sheet2.xml", {"B2": ("n", "0")}, recalculate=True)
    spec, findings = read_workbook(path)
    assert spec.dataset("DM").label == "0"
    assert [(f.severity, f.code, f.sheet, f.row, f.column, f.message) for f in findings] == [
        (
            "error",
            "formula-without-value",
            "Datasets",
            2,
            "Label",
            'cell B2 holds a formula (="Demographics") saved with a value its writer did not compute (the workbook '
            "asks to recalculate every formula when it is opened): save the workbook from a spreadsheet application "
            "(Excel, LibreOffice), which computes and stores the values, or write values instead of formulas",
        )
    ]


def test_a_formula_whose_value_is_an_error_is_an_error(tmp_path):
    path = _small_workbook(tmp_path / "spec.xlsx", [["Dataset", "Label"], ["DM", "=VLOOKUP(A2,Names!A:B,2,0)"]])
    _spreadsheet_save(path, "xl/worksheets/sheet2.xml", {"B2": ("e", "#N/A")})
    _, findings = read_workbook(path)
    assert findings == [
        Finding(
            "error",
            "formula-error",
            "cell B2: the formula =VLOOKUP(A2,Names!A:B,2,0) gives #N/A",
            "Datasets",
            2,
            "Label",
        )
    ]


def test_formulas_the_reader_does_not_take_and_text_starting_with_equals(tmp_path):
    wb_path = tmp_path / "spec.xlsx"
    _small_workbook(
        wb_path, [["Dataset", "Label", "Notes"], ["DM", "Demographics", "=A2&B2"]], extra={"Scratch": [["=1+1"]]}
    )
    wb = openpyxl.load_workbook(wb_path)
    wb["Datasets"]["B2"].value = "= a label starting with an equals sign"
    wb["Datasets"]["B2"].data_type = "s"  # text, not a formula
    wb.save(wb_path)
    spec, findings = read_workbook(wb_path)
    assert spec.dataset("DM").label == "= a label starting with an equals sign"
    assert _formula_findings(findings) == []
    assert {f.code for f in findings} == {"unknown-column", "unknown-sheet"}


def test_a_header_made_of_formulas_without_values_names_the_cells(tmp_path):
    path = _small_workbook(tmp_path / "spec.xlsx", [['="Dataset"', '="Label"'], ["DM", "Demographics"]])
    with pytest.raises(SpecLayoutError) as info:
        read_workbook(path)
    assert str(info.value).endswith(
        "  - sheet Datasets: 2 cell(s) hold a formula without a computed value (A1, B1), read as empty or 0; "
        "save the workbook from a spreadsheet application, or write values"
    )


def test_formula_cells_are_found_in_the_sheet_xml(tmp_path):
    from specs.workbook import Formula, formula_cells

    path = _small_workbook(
        tmp_path / "spec.xlsx",
        [["Dataset", "Label"], ["DM", '="Demographics"']],
        extra={"Other sheet": [[None, None, "=1+1"]]},
    )
    assert formula_cells(path) == {
        "Datasets": {(2, 2): Formula('"Demographics"', saved=False, recalculate=True)},
        "Other sheet": {(1, 3): Formula("1+1", saved=False, recalculate=True)},
    }
    assert formula_cells(study_workbook("sdtm")) == {} and formula_cells(study_workbook("adam")) == {}
