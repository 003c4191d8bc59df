"""Read and write the spec model as an xlsx workbook in the Pinnacle 21 layout.

See docs/spec-workbook.md for the sheets and columns. Both generations of the
layout are read (a Study or a Define sheet; where clauses in a WhereClauses
sheet or inline; Description or Label); numbers stored as text, blank rows and
non-breaking spaces are accepted. What the reader cannot take is returned as a
finding with sheet, row and column, never skipped in silence.

A cell holding a formula is read as the value a spreadsheet application saved
with it (a note names the cell). A formula without such a value (in a workbook
written by a program and never saved from Excel or LibreOffice: it would read
as empty, or as the 0 its writer put there) or whose value is an error (#REF!,
#N/A) is an error naming the cell.
"""

from __future__ import annotations

import io
import math
import os
import posixpath
import re
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from . import model as m
from .fileio import save_workbook
from .findings import Finding, SpecLayoutError


# ---------------------------------------------------------------------------
# The layout: one table per sheet, one Column per spreadsheet column.
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str = "text"  # text | int | number | bool | csv | semi | params
    required: bool = False
    aliases: tuple[str, ...] = ()


def _c(header: str, fld: str, kind: str = "text", required: bool = False, aliases: tuple[str, ...] = ()) -> Column:
    return Column(header, fld, kind, required, aliases)


LAYOUT: OrderedDict[str, tuple[Column, ...]] = OrderedDict(
    Study=(_c("Attribute", "attribute", required=True), _c("Value", "value", required=True)),
    Datasets=(
        _c("Dataset", "name", required=True),
        _c("Description", "label", required=True, aliases=("Label",)),
        _c("Class", "dataset_class"),
        _c("SubClass", "subclass"),
        _c("Structure", "structure"),
        _c("Purpose", "purpose"),
        _c("Key Variables", "keys", "csv"),
        _c("Repeating", "repeating", "bool"),
        _c("Reference Data", "reference_data", "bool"),
        _c("Comment", "comment"),
        _c("Standard", "standard"),
        _c("Has No Data", "has_no_data", "bool"),
        _c("Leaf", "leaf"),
        _c("Developer Notes", "developer_notes"),
    ),
    Variables=(
        _c("Order", "order", "int", required=True),
        _c("Dataset", "dataset", required=True),
        _c("Variable", "name", required=True),
        _c("Label", "label", required=True),
        _c("Data Type", "data_type", required=True),
        _c("Length", "length", "int"),
        _c("Significant Digits", "significant_digits", "int"),
        _c("Format", "display_format"),
        _c("Mandatory", "mandatory", "bool"),
        _c("Core", "core"),
        _c("Assigned Value", "assigned_value"),
        _c("Codelist", "codelist"),
        _c("Common", "common", "bool"),
        _c("Origin", "origin"),
        _c("Source", "source"),
        _c("Pages", "pages"),
        _c("Method", "method"),
        _c("Predecessor", "predecessor"),
        _c("Role", "role"),
        _c("Has No Data", "has_no_data", "bool"),
        _c("Comment", "comment"),
        _c("Developer Notes", "developer_notes"),
    ),
    ValueLevel=(
        _c("Order", "order", "int", required=True),
        _c("Dataset", "dataset", required=True),
        _c("Variable", "variable", required=True),
        _c("Where Clause", "where_clause", required=True),
        _c("Description", "label", aliases=("Label",)),
        _c("Data Type", "data_type", required=True),
        _c("Length", "length", "int"),
        _c("Significant Digits", "significant_digits", "int"),
        _c("Format", "display_format"),
        _c("Mandatory", "mandatory", "bool"),
        _c("Assigned Value", "assigned_value"),
        _c("Codelist", "codelist"),
        _c("Origin", "origin"),
        _c("Source", "source"),
        _c("Pages", "pages"),
        _c("Method", "method"),
        _c("Predecessor", "predecessor"),
        _c("Comment", "comment"),
        _c("Developer Notes", "developer_notes"),
    ),
    WhereClauses=(
        _c("ID", "id", required=True),
        _c("Dataset", "dataset", required=True),
        _c("Variable", "variable", required=True),
        _c("Comparator", "comparator", required=True),
        _c("Value", "values", "csv", required=True),
    ),
    Codelists=(
        _c("ID", "id", required=True),
        _c("Name", "name", required=True),
        _c("NCI Codelist Code", "nci_code"),
        _c("Data Type", "data_type", required=True),
        _c("Terminology", "terminology"),
        _c("Comment", "comment"),
        _c("Extensible", "extensible", "bool"),
        _c("Order", "order", "int"),
        _c("Term", "term", required=True),
        _c("NCI Term Code", "term_nci_code"),
        _c("Decoded Value", "decoded_value"),
        _c("Synonyms", "synonyms", "semi"),
    ),
    Dictionaries=(
        _c("ID", "id", required=True),
        _c("Name", "name", required=True),
        _c("Data Type", "data_type", required=True),
        _c("Dictionary", "dictionary", required=True),
        _c("Version", "version"),
    ),
    Methods=(
        _c("ID", "id", required=True),
        _c("Name", "name", required=True),
        _c("Type", "type", required=True),
        _c("Description", "description", required=True),
        _c("Expression Context", "expression_context"),
        _c("Expression Code", "expression_code"),
        _c("Document", "document"),
        _c("Pages", "pages"),
    ),
    Comments=(
        _c("ID", "id", required=True),
        _c("Description", "description", required=True),
        _c("Document", "document"),
        _c("Pages", "pages"),
    ),
    Documents=(
        _c("ID", "id", required=True),
        _c("Title", "title", required=True),
        _c("Href", "href", required=True),
    ),
    **{
        "Analysis Displays": (
            _c("ID", "id", required=True),
            _c("Title", "title", required=True),
            _c("Document", "document"),
            _c("Pages", "pages"),
        ),
        "Analysis Results": (
            _c("Display", "display", required=True),
            _c("ID", "id", required=True),
            _c("Description", "description", required=True),
            _c("Variables", "variables", "csv"),
            _c("Reason", "reason"),
            _c("Purpose", "purpose"),
            _c("Selection Criteria", "selection_criteria"),
            _c("Join Comment", "join_comment"),
            _c("Documentation", "documentation"),
            _c("Documentation Refs", "documentation_refs"),
            _c("Programming Context", "programming_context"),
            _c("Programming Code", "programming_code"),
            _c("Programming Document", "programming_document"),
            _c("Pages", "pages"),
        ),
    },
    Mapping=(
        _c("Order", "order", "int", required=True),
        _c("Dataset", "dataset", required=True),
        _c("Variable", "variable", required=True),
        _c("Form", "form"),
        _c("Field", "field"),
        _c("Algorithm", "algorithm", required=True),
        _c("Condition", "condition"),
        _c("Codelist", "codelist"),
        _c("Value", "value"),
        _c("Parameters", "parameters", "params"),
        _c("Comment", "comment"),
    ),
    **{
        "Unit Conversions": (
            _c("Test", "test"),
            _c("From Unit", "from_unit", required=True),
            _c("To Unit", "to_unit", required=True),
            _c("Factor", "factor", "number", required=True),
            _c("Offset", "offset", "number"),
            _c("Comment", "comment"),
        ),
    },
)
STUDY_SHEET_NAMES = ("Study", "Define")
REQUIRED_SHEETS = ("Study", "Datasets", "Variables")
STUDY_ATTRIBUTES = ("StudyName", "StudyDescription", "ProtocolName", "StandardName", "StandardVersion", "Language")

# Older P21 origins, read as Define-XML 2.1 origin type and source.
_ORIGIN_ALIASES = {
    "crf": ("Collected", "Investigator"),
    "edt": ("Collected", "Vendor"),
    "collected": ("Collected", None),
    "derived": ("Derived", None),
    "assigned": ("Assigned", None),
    "protocol": ("Protocol", None),
    "predecessor": ("Predecessor", None),
    "not available": ("Not Available", None),
}
_DATA_TYPES = {t.lower(): t for t in m.DATA_TYPES}
_DATA_TYPES.update({"char": "text", "num": "float", "character": "text", "numeric": "float"})
_CORES = {c.lower(): c for c in m.CORE_VALUES}
_TRUE = {"yes", "y", "true", "1"}
_FALSE = {"no", "n", "false", "0"}


# ---------------------------------------------------------------------------
# Cell values
# ---------------------------------------------------------------------------
def clean(value: Any) -> str | None:
    """A cell as text: stripped, non-breaking spaces removed, blank as None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\xa0", " ").strip()
    return text or None


def _header_key(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip().lower()


class _Reader:
    def __init__(self, path: str, formulas: dict[str, dict[tuple[int, int], Formula]] | None = None):
        self.path = path
        self.findings: list[Finding] = []
        self.formulas = formulas or {}  # by sheet name (stripped) and (row, column number)

    def finding(self, severity: str, code: str, message: str, sheet=None, row=None, column=None) -> None:
        self.findings.append(Finding(severity, code, message, sheet, row, column))

    def convert(self, raw: str | None, col: Column, sheet: str, row: int) -> Any:
        if raw is None:
            return () if col.kind in ("csv", "semi", "params") else None
        if col.kind == "text":
            return raw
        if col.kind == "int":
            try:
                number = float(raw)
            except ValueError:
                number = None
            if number is None or not number.is_integer():
                self.finding("error", "not-a-whole-number", f"{raw!r} is not a whole number", sheet, row, col.header)
                return None
            return int(number)
        if col.kind == "number":
            try:
                real: float | None = float(raw)
            except ValueError:
                real = None
            if real is None or not math.isfinite(real):
                self.finding("error", "not-a-number", f"{raw!r} is not a number", sheet, row, col.header)
                return None
            return real
        if col.kind == "bool":
            low = raw.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            self.finding("error", "not-yes-no", f"{raw!r} is not Yes or No", sheet, row, col.header)
            return None
        if col.kind == "csv":
            return tuple(p.strip() for p in raw.split(",") if p.strip())
        if col.kind == "semi":
            return tuple(p.strip() for p in raw.split(";") if p.strip())
        if col.kind == "params":
            pairs = []
            for part in raw.split(";"):
                part = part.strip()
                if not part:
                    continue
                if "=" not in part:
                    self.finding(
                        "error", "bad-parameter", f"parameter {part!r} is not key=value", sheet, row, col.header
                    )
                    continue
                key, value = part.split("=", 1)
                pairs.append((key.strip(), value.strip()))
            return tuple(pairs)
        raise AssertionError(col.kind)

    def origin(self, rec: dict[str, Any], sheet: str, row: int) -> None:
        """rec's Origin as a Define-XML origin type (an alias also sets the source)."""
        raw = rec.get("origin")
        if raw is None:
            return
        known = _ORIGIN_ALIASES.get(raw.lower())
        if known is None:
            self.finding(
                "error",
                "unknown-origin",
                f"origin {raw!r} is not one of {', '.join(m.ORIGIN_TYPES)}",
                sheet,
                row,
                "Origin",
            )
            return
        rec["origin"] = known[0]
        if known[1] and not rec.get("source"):
            rec["source"] = known[1]

    def data_type(self, rec: dict[str, Any], sheet: str, row: int) -> None:
        """rec's Data Type as the Define-XML data type it names."""
        raw = rec.get("data_type")
        if raw is None:
            return
        known = _DATA_TYPES.get(raw.lower())
        if known is None:
            self.finding(
                "error",
                "unknown-data-type",
                f"data type {raw!r} is not a Define-XML data type",
                sheet,
                row,
                "Data Type",
            )
        else:
            rec["data_type"] = known

    def formula_findings(
        self,
        formulas: dict[tuple[int, int], Formula],
        sheet: str,
        row: int,
        values: list[str | None],
        headers: dict[int, str] | None,
    ) -> None:
        """A finding for each formula cell of the row that the reader takes: every cell of a row
        before the header (``headers`` None), else the cells of the columns read (by index: header)."""
        from openpyxl.utils import get_column_letter

        columns = range(len(values)) if headers is None else sorted(headers)
        for index in columns:
            formula = formulas.get((row, index + 1))
            if formula is None:
                continue
            ref = f"{get_column_letter(index + 1)}{row}"
            header = headers[index] if headers is not None else get_column_letter(index + 1)
            if formula.unusable:
                self.finding(
                    "error",
                    "formula-without-value",
                    f"cell {ref} holds a formula ({formula.shown()}) {formula.unusable}: save the workbook "
                    "from a spreadsheet application (Excel, LibreOffice), which computes and stores the "
                    "values, or write values instead of formulas",
                    sheet,
                    row,
                    header,
                )
            elif formula.error:
                self.finding(
                    "error",
                    "formula-error",
                    f"cell {ref}: the formula {formula.shown()} gives {formula.error}",
                    sheet,
                    row,
                    header,
                )
            else:
                value = values[index] if index < len(values) else None
                self.finding(
                    "note",
                    "formula-value",
                    f"cell {ref} holds a formula ({formula.shown()}); the value "
                    f"saved with it, {repr(value) if value is not None else 'empty'}, was read",
                    sheet,
                    row,
                    header,
                )

    def rows(self, ws, sheet: str) -> list[tuple[int, dict[str, Any]]]:
        """The sheet's data rows as (row number, {field: value})."""
        layout = LAYOUT["Study" if sheet in STUDY_SHEET_NAMES else sheet]
        by_header: dict[str, Column] = {}
        for col in layout:
            for name in (col.header, *col.aliases):
                by_header[_header_key(name)] = col
        header_row = None
        positions: dict[int, Column] = {}
        written: dict[int, str] = {}  # the headers of the read columns as the sheet writes them
        out: list[tuple[int, dict[str, Any]]] = []
        formulas = self.formulas.get(sheet, {})
        for row_number, cells in enumerate(ws.iter_rows(values_only=True), start=1):
            values = [clean(c) for c in cells]
            if formulas:  # before a row that reads as blank is skipped
                self.formula_findings(formulas, sheet, row_number, values, written if header_row else None)
            if header_row is None:
                if not any(values):
                    continue
                header_row = row_number
                for index, header in enumerate(values):
                    if header is None:
                        continue
                    column = by_header.get(_header_key(header))
                    if column is None:
                        self.finding(
                            "note",
                            "unknown-column",
                            f"column {header!r} is not part of the layout and was not read",
                            sheet,
                            row_number,
                            header,
                        )
                    elif column in positions.values():
                        self.finding(
                            "error", "duplicate-column", f"column {header!r} appears twice", sheet, row_number, header
                        )
                    else:
                        positions[index] = column
                        written[index] = header
                continue
            if not any(values[i] for i in positions if i < len(values)):
                if any(values):
                    self.finding(
                        "note",
                        "row-outside-layout",
                        "row has values only in columns outside the layout; not read",
                        sheet,
                        row_number,
                    )
                continue
            record = {
                col.field: self.convert(values[i] if i < len(values) else None, col, sheet, row_number)
                for i, col in positions.items()
            }
            out.append((row_number, record))
        return out


def _header_problems(ws, sheet: str) -> list[str]:
    layout = LAYOUT["Study" if sheet in STUDY_SHEET_NAMES else sheet]
    for cells in ws.iter_rows(values_only=True, max_row=50):
        values = [clean(c) for c in cells]
        if not any(values):
            continue
        present = {_header_key(v) for v in values if v}
        missing = [
            col.header if not col.aliases else " or ".join((col.header, *col.aliases))
            for col in layout
            if col.required and not ({_header_key(n) for n in (col.header, *col.aliases)} & present)
        ]
        return [f"sheet {sheet} lacks the column(s): {', '.join(missing)}"] if missing else []
    return [f"sheet {sheet} is empty (no header row)"]


# ---------------------------------------------------------------------------
# Formulas
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Formula:
    """A cell holding a formula, as the xlsx stores it."""

    text: str  # without the leading '='; empty for a cell sharing another cell's formula
    saved: bool  # a value is saved with it
    error: str | None = None  # the saved value is an error (#REF!, #N/A, ...)
    recalculate: bool = False  # the workbook asks to recalculate every formula on opening

    @property
    def unusable(self) -> str | None:
        """Why the value saved with the formula cannot be read as the cell's value, or None."""
        if not self.saved:
            return "saved without its value, so it reads as empty"
        if self.recalculate:
            return (
                "saved with a value its writer did not compute (the workbook asks to recalculate "
                "every formula when it is opened)"
            )
        return None

    def shown(self, width: int = 60) -> str:
        if not self.text:
            return "a formula shared with another cell"
        text = "=" + self.text
        return text if len(text) <= width else text[: width - 1] + "…"


_LOCAL = re.compile(r"^\{[^}]*\}")
_FORMULA_ELEMENT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _local(tag: str) -> str:
    return _LOCAL.sub("", tag)


def _cell_ref(row: int, column: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(column)}{row}"


def formula_cells(path: str | os.PathLike[str]) -> dict[str, dict[tuple[int, int], Formula]]:
    """Every cell holding a formula, by sheet name and (row, column number), from the xlsx parts.

    openpyxl reads a formula cell as its saved value, or as empty when none was
    saved, and cannot tell the two apart from an empty cell; the sheet XML can
    (an <f> element, with or without a value in its <v>; programs writing xlsx
    leave <v> empty, or put 0 there and set fullCalcOnLoad, which a
    spreadsheet application clears once it has computed the values). A sheet
    without a formula element is not parsed, only searched once, so a workbook
    without formulas costs one more decompression of its sheets.
    """
    from openpyxl.utils import column_index_from_string

    found: dict[str, dict[tuple[int, int], Formula]] = {}
    with zipfile.ZipFile(path) as archive:
        main = "xl/workbook.xml"
        for rel in ElementTree.fromstring(archive.read("_rels/.rels")):
            if rel.get("Type", "").endswith("/officeDocument"):
                main = rel.get("Target", main).lstrip("/")
        folder = posixpath.dirname(main)
        rels = archive.read(posixpath.join(folder, "_rels", posixpath.basename(main) + ".rels"))
        targets = {rel.get("Id"): rel.get("Target", "") for rel in ElementTree.fromstring(rels)}
        book = list(ElementTree.fromstring(archive.read(main)).iter())
        recalculate = any(_local(e.tag) == "calcPr" and e.get("fullCalcOnLoad") in ("1", "true") for e in book)
        for sheet in book:
            rel_id = next((v for k, v in sheet.attrib.items() if _local(k) == "id"), None)
            if _local(sheet.tag) != "sheet" or rel_id not in targets:
                continue
            target = targets[rel_id]
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            if part not in archive.NameToInfo:
                continue  # not a worksheet part (a chart sheet stored elsewhere); openpyxl reads what it can
            data = archive.read(part)
            if _FORMULA_ELEMENT.search(data) is None:
                continue
            cells: dict[tuple[int, int], Formula] = {}
            row, column = 0, 0
            for event, element in ElementTree.iterparse(io.BytesIO(data), events=("start", "end")):
                name = _local(element.tag)
                if event == "start":
                    if name == "row":
                        row, column = int(element.get("r") or row + 1), 0
                    continue
                if name != "c":
                    if name == "row":
                        element.clear()
                    continue
                ref = _CELL_REF.fullmatch(element.get("r") or "")
                row, column = (int(ref[2]), column_index_from_string(ref[1])) if ref else (row, column + 1)
                parts = {_local(child.tag): child for child in element}
                if "f" in parts:
                    value, kind = parts.get("v"), element.get("t", "n")
                    # an empty <v> is a saved value only for a text result (t="str"): the empty text
                    saved = value is not None and (bool(value.text) or kind == "str")
                    error = value.text if value is not None and saved and kind == "e" else None
                    cells[(row, column)] = Formula((parts["f"].text or "").strip(), saved, error, recalculate)
            if cells:
                found[sheet.get("name", "")] = cells
    return found


# ---------------------------------------------------------------------------
# Where clauses written inline
# ---------------------------------------------------------------------------
_INLINE = re.compile(
    r"^\s*(?P<var>[A-Za-z][A-Za-z0-9_]*)\s*(?:\.(?P<var2>[A-Za-z][A-Za-z0-9_]*))?\s*"
    r"(?P<op>EQ|NE|LT|LE|GT|GE|NOTIN|NOT IN|IN|=|\^=|!=)\s*(?P<rest>.+?)\s*$",
    re.IGNORECASE,
)
_OPS = {"=": "EQ", "^=": "NE", "!=": "NE", "NOT IN": "NOTIN"}


def parse_where_text(text: str, dataset: str) -> tuple[m.WhereCondition, ...] | None:
    """Parse `VAR EQ v`, `VAR IN (a, b)`, `DS.VAR EQ v`, joined by AND; None if not a clause."""
    conditions = []
    for part in re.split(r"\s+AND\s+", text.strip(), flags=re.IGNORECASE):
        match = _INLINE.match(part)
        if not match:
            return None
        ds, var = (match["var"], match["var2"]) if match["var2"] else (dataset, match["var"])
        op = match["op"].upper()
        op = _OPS.get(op, op)
        rest = match["rest"].strip()
        if op in ("IN", "NOTIN"):
            if not (rest.startswith("(") and rest.endswith(")")):
                return None
            values = tuple(v.strip().strip("'\"") for v in rest[1:-1].split(",") if v.strip())
        else:
            values = (rest.strip("'\""),)
        conditions.append(m.WhereCondition(ds.upper(), var.upper(), op, values))
    return tuple(conditions)


def where_clause_id(conditions: tuple[m.WhereCondition, ...]) -> str:
    """A deterministic ID for a where clause written inline."""
    parts = [f"{c.dataset}.{c.variable}.{c.comparator}.{'.'.join(c.values)}" for c in conditions]
    return "WC." + ".AND.".join(parts)


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------
def _build(cls, record: dict[str, Any], loc: m.Location, **extra) -> Any:
    names = {f.name for f in fields(cls)}
    kwargs = {k: v for k, v in record.items() if k in names}
    kwargs.update(extra)
    return cls(loc=loc, **kwargs)


def read_workbook(path: str | os.PathLike[str]) -> tuple[m.Spec, list[Finding]]:
    """Read a P21-layout workbook: the model and what the reader could not take.

    Raises SpecLayoutError, naming the missing sheets and columns, when the
    workbook is not in the layout.
    """
    import openpyxl

    path = str(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise
    except Exception as exc:  # not an xlsx at all
        raise SpecLayoutError(
            path, [f"cannot be opened as an xlsx workbook ({exc.__class__.__name__}: {exc})"]
        ) from None
    try:
        try:
            formulas = formula_cells(path)
        except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError) as exc:
            spec, findings = _read(wb, path, {})
            return spec, [
                Finding(
                    "note",
                    "formulas-not-checked",
                    f"the workbook's cells could not be searched for formulas ({exc.__class__.__name__}: {exc})",
                ),
                *findings,
            ]
        return _read(wb, path, formulas)
    finally:
        wb.close()


def _read(wb, path: str, formulas: dict[str, dict[tuple[int, int], Formula]]) -> tuple[m.Spec, list[Finding]]:
    """The spec of an opened workbook, sheet by sheet, in the order the findings are reported."""
    reader = _Reader(path, {name.strip(): cells for name, cells in formulas.items()})
    sheets = {name.strip(): wb[name] for name in wb.sheetnames}
    study_sheet = next((n for n in STUDY_SHEET_NAMES if n in sheets), None)
    problems = _layout_problems(reader, sheets, study_sheet)
    if study_sheet is None or problems:
        raise SpecLayoutError(path, problems)
    _note_sheets_not_read(reader, sheets, study_sheet)

    def rows(name: str) -> list[tuple[int, dict[str, Any]]]:
        return reader.rows(sheets[name], name) if name in sheets else []

    study = _read_study(reader, reader.rows(sheets[study_sheet], study_sheet), study_sheet)
    datasets = _read_datasets(reader, rows("Datasets"))
    variables = _read_variables(reader, rows("Variables"))
    where_clauses = _read_where_clauses(reader, rows("WhereClauses"))
    value_level = _read_value_level(reader, rows("ValueLevel"), where_clauses)
    codelists = _read_codelists(reader, rows("Codelists"))
    mapping = _read_mapping(reader, rows("Mapping"))
    conversions = _read_unit_conversions(reader, rows("Unit Conversions"))
    dictionaries = _read_simple(reader, rows("Dictionaries"), "Dictionaries", m.Dictionary)
    methods = _read_simple(reader, rows("Methods"), "Methods", m.Method)
    comments = _read_simple(reader, rows("Comments"), "Comments", m.Comment)
    documents = _read_simple(reader, rows("Documents"), "Documents", m.Document)
    displays = _read_simple(reader, rows("Analysis Displays"), "Analysis Displays", m.AnalysisDisplay)
    results = _read_simple(reader, rows("Analysis Results"), "Analysis Results", m.AnalysisResult)
    spec = m.Spec(
        study=study,
        datasets=datasets,
        variables=variables,
        value_level=value_level,
        where_clauses=tuple(where_clauses.values()),
        codelists=codelists,
        dictionaries=dictionaries,
        methods=methods,
        comments=comments,
        documents=documents,
        analysis_displays=displays,
        analysis_results=results,
        mapping=mapping,
        unit_conversions=conversions,
        source=path,
    )
    return spec, reader.findings


def _layout_problems(reader: _Reader, sheets: dict[str, Any], study_sheet: str | None) -> list[str]:
    """Why the workbook is not in the layout (missing sheets or columns): empty when it is."""
    problems = []
    if study_sheet is None:
        problems.append("no sheet named Study or Define")
    for name in ("Datasets", "Variables"):
        if name not in sheets:
            problems.append(f"no sheet named {name}")
    for name, ws in sheets.items():
        if name in LAYOUT or name == study_sheet:
            problems.extend(_header_problems(ws, name))
    if not problems:
        return []
    if not any(n in sheets for n in ("Datasets", "Variables", *STUDY_SHEET_NAMES)):
        problems.append(f"sheets found: {', '.join(sheets)}")
    for name, cells in reader.formulas.items():
        unsaved = [_cell_ref(*cell) for cell, f in sorted(cells.items()) if f.unusable]
        if unsaved and (name in LAYOUT or name == study_sheet):
            problems.append(
                f"sheet {name}: {len(unsaved)} cell(s) hold a formula without a computed value "
                f"({', '.join(unsaved[:5])}{', ...' if len(unsaved) > 5 else ''}), read as empty "
                "or 0; save the workbook from a spreadsheet application, or write values"
            )
    return problems


def _note_sheets_not_read(reader: _Reader, sheets: dict[str, Any], study_sheet: str) -> None:
    for name in sheets:
        if name not in LAYOUT and name not in STUDY_SHEET_NAMES:
            reader.finding("note", "unknown-sheet", f"sheet {name!r} is not part of the layout and was not read", name)
    if study_sheet == "Define" and "Study" in sheets:
        reader.finding("note", "unknown-sheet", "both Study and Define sheets: Define was read", "Study")


Rows = list[tuple[int, dict[str, Any]]]


def _read_study(reader: _Reader, rows: Rows, sheet: str) -> m.Study:
    attributes = []
    for row, rec in rows:
        attr = rec.get("attribute")
        if attr is None or attr == "Legend":
            reader.finding(
                "note", "not-an-attribute", "row is not a study attribute (a legend or note); not read", sheet, row
            )
            continue
        attributes.append((attr, rec.get("value")))
    return m.Study(tuple(attributes))


def _read_datasets(reader: _Reader, rows: Rows) -> tuple[m.Dataset, ...]:
    datasets = []
    for row, rec in rows:
        if not rec.get("name"):
            reader.finding("error", "missing-value", "Dataset is empty", "Datasets", row, "Dataset")
            continue
        rec["name"] = rec["name"].upper()
        datasets.append(_build(m.Dataset, rec, m.Location("Datasets", row)))
    return tuple(datasets)


def _read_variables(reader: _Reader, rows: Rows) -> tuple[m.Variable, ...]:
    variables = []
    for row, rec in rows:
        if not rec.get("dataset") or not rec.get("name"):
            reader.finding("error", "missing-value", "Dataset or Variable is empty", "Variables", row)
            continue
        rec["dataset"], rec["name"] = rec["dataset"].upper(), rec["name"].upper()
        reader.origin(rec, "Variables", row)
        reader.data_type(rec, "Variables", row)
        if rec.get("core") is not None:
            core = _CORES.get(rec["core"].lower())
            if core is None:
                reader.finding(
                    "error",
                    "unknown-core",
                    f"core {rec['core']!r} is not one of Req, Exp, Perm, Cond",
                    "Variables",
                    row,
                    "Core",
                )
            rec["core"] = core
        variables.append(_build(m.Variable, rec, m.Location("Variables", row)))
    return tuple(variables)


def _read_where_clauses(reader: _Reader, rows: Rows) -> OrderedDict[str, m.WhereClause]:
    """The WhereClauses sheet: one row per condition, grouped by ID."""
    by_id: OrderedDict[str, list[tuple[int, dict]]] = OrderedDict()
    for row, rec in rows:
        if not rec.get("id"):
            reader.finding("error", "missing-value", "ID is empty", "WhereClauses", row, "ID")
            continue
        by_id.setdefault(rec["id"], []).append((row, rec))
    where_clauses: OrderedDict[str, m.WhereClause] = OrderedDict()
    for clause_id, items in by_id.items():
        conditions = tuple(_where_condition(reader, row, rec) for row, rec in items)
        where_clauses[clause_id] = m.WhereClause(clause_id, conditions, m.Location("WhereClauses", items[0][0]))
    return where_clauses


def _where_condition(reader: _Reader, row: int, rec: dict[str, Any]) -> m.WhereCondition:
    comparator = (rec.get("comparator") or "").upper()
    if comparator not in m.COMPARATORS:
        reader.finding(
            "error",
            "unknown-comparator",
            f"comparator {rec.get('comparator')!r} is not one of {', '.join(m.COMPARATORS)}",
            "WhereClauses",
            row,
            "Comparator",
        )
    values = rec.get("values") or ()
    if comparator not in ("IN", "NOTIN") and len(values) > 1:
        values = (", ".join(values),)  # a single value that holds a comma
    return m.WhereCondition(
        (rec.get("dataset") or "").upper(),
        (rec.get("variable") or "").upper(),
        comparator,
        tuple(values),
        m.Location("WhereClauses", row),
    )


def _read_value_level(
    reader: _Reader, rows: Rows, where_clauses: OrderedDict[str, m.WhereClause]
) -> tuple[m.ValueLevel, ...]:
    """The ValueLevel sheet; a where clause written inline is parsed and added to where_clauses."""
    value_level = []
    for row, rec in rows:
        if not rec.get("dataset") or not rec.get("variable"):
            reader.finding("error", "missing-value", "Dataset or Variable is empty", "ValueLevel", row)
            continue
        rec["dataset"], rec["variable"] = rec["dataset"].upper(), rec["variable"].upper()
        reader.origin(rec, "ValueLevel", row)
        reader.data_type(rec, "ValueLevel", row)
        text = rec.get("where_clause")
        if text is None:
            reader.finding("error", "missing-value", "Where Clause is empty", "ValueLevel", row, "Where Clause")
            continue
        if text not in where_clauses:
            parsed = parse_where_text(text, rec["dataset"])
            if parsed is not None:
                clause_id = where_clause_id(parsed)
                where_clauses.setdefault(clause_id, m.WhereClause(clause_id, parsed, m.Location("ValueLevel", row)))
                rec["where_clause"] = clause_id
        value_level.append(_build(m.ValueLevel, rec, m.Location("ValueLevel", row)))
    return tuple(value_level)


def _read_codelists(reader: _Reader, rows: Rows) -> tuple[m.Codelist, ...]:
    """The Codelists sheet: one row per term, grouped by ID."""
    by_id: OrderedDict[str, list[tuple[int, dict]]] = OrderedDict()
    for row, rec in rows:
        if not rec.get("id"):
            reader.finding("error", "missing-value", "ID is empty", "Codelists", row, "ID")
            continue
        by_id.setdefault(rec["id"], []).append((row, rec))
    return tuple(_codelist(reader, cl_id, items) for cl_id, items in by_id.items())


def _codelist(reader: _Reader, cl_id: str, items: list[tuple[int, dict]]) -> m.Codelist:
    """One codelist from its rows: the first row carries the codelist's attributes."""
    first_row, first = items[0]
    for row, rec in items[1:]:
        for fld, header in (
            ("name", "Name"),
            ("nci_code", "NCI Codelist Code"),
            ("data_type", "Data Type"),
            ("extensible", "Extensible"),
        ):
            if rec.get(fld) is not None and rec.get(fld) != first.get(fld):
                reader.finding(
                    "error",
                    "codelist-inconsistent",
                    f"codelist {cl_id}: {header} {rec.get(fld)!r} differs from {first.get(fld)!r} on row {first_row}",
                    "Codelists",
                    row,
                    header,
                )
    reader.data_type(first, "Codelists", first_row)
    terms = tuple(
        m.CodelistTerm(
            term=rec["term"],
            order=rec.get("order"),
            nci_code=rec.get("term_nci_code"),
            decoded_value=rec.get("decoded_value"),
            synonyms=rec.get("synonyms") or (),
            loc=m.Location("Codelists", row),
        )
        for row, rec in items
        if rec.get("term") is not None
    )
    return m.Codelist(
        id=cl_id,
        name=first.get("name"),
        nci_code=first.get("nci_code"),
        data_type=first.get("data_type"),
        terminology=first.get("terminology"),
        comment=first.get("comment"),
        extensible=bool(first.get("extensible")),
        terms=terms,
        loc=m.Location("Codelists", first_row),
    )


def _read_mapping(reader: _Reader, rows: Rows) -> tuple[m.MappingRule, ...]:
    mapping = []
    for row, rec in rows:
        selector = rec.get("algorithm") in ("condition_add", "not_submitted")
        if not rec.get("dataset") or not rec.get("algorithm") or not (rec.get("variable") or selector):
            reader.finding("error", "missing-value", "Dataset, Variable or Algorithm is empty", "Mapping", row)
            continue
        rec["dataset"], rec["variable"] = rec["dataset"].upper(), (rec.get("variable") or "").upper()
        mapping.append(_build(m.MappingRule, rec, m.Location("Mapping", row)))
    return tuple(mapping)


def _read_unit_conversions(reader: _Reader, rows: Rows) -> tuple[m.UnitConversion, ...]:
    out = []
    for row, rec in rows:
        if not rec.get("from_unit") or not rec.get("to_unit"):
            reader.finding("error", "missing-value", "From Unit or To Unit is empty", "Unit Conversions", row)
            continue
        out.append(_build(m.UnitConversion, rec, m.Location("Unit Conversions", row)))
    return tuple(out)


def _read_simple(reader: _Reader, rows: Rows, sheet: str, cls) -> tuple:
    """A sheet of one record per row, each with an ID."""
    out = []
    for row, rec in rows:
        if not rec.get("id"):
            reader.finding("error", "missing-value", "ID is empty", sheet, row)
            continue
        out.append(_build(cls, rec, m.Location(sheet, row)))
    return tuple(out)


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------
def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "csv":
        return ", ".join(value) or None
    if kind == "semi":
        return "; ".join(value) or None
    if kind == "params":
        return "; ".join(f"{k}={v}" for k, v in value) or None
    return value


def _records(spec: m.Spec) -> dict[str, list[dict[str, Any]]]:
    def as_dicts(items) -> list[dict[str, Any]]:
        return [{f.name: getattr(i, f.name) for f in fields(i)} for i in items]

    where = []
    for clause in spec.where_clauses:
        for cond in clause.conditions:
            where.append(
                {
                    "id": clause.id,
                    "dataset": cond.dataset,
                    "variable": cond.variable,
                    "comparator": cond.comparator,
                    "values": cond.values,
                }
            )
    codelists = []
    for cl in spec.codelists:
        base: dict[str, Any] = {
            "id": cl.id,
            "name": cl.name,
            "nci_code": cl.nci_code,
            "data_type": cl.data_type,
            "terminology": cl.terminology,
            "comment": cl.comment,
            "extensible": cl.extensible,
        }
        if not cl.terms:
            codelists.append(dict(base))
        for t in cl.terms:
            codelists.append(
                {
                    **base,
                    "order": t.order,
                    "term": t.term,
                    "term_nci_code": t.nci_code,
                    "decoded_value": t.decoded_value,
                    "synonyms": t.synonyms,
                }
            )
    return {
        "Study": [{"attribute": a, "value": v} for a, v in spec.study.attributes],
        "Datasets": as_dicts(spec.datasets),
        "Variables": as_dicts(spec.variables),
        "ValueLevel": as_dicts(spec.value_level),
        "WhereClauses": where,
        "Codelists": codelists,
        "Dictionaries": as_dicts(spec.dictionaries),
        "Methods": as_dicts(spec.methods),
        "Comments": as_dicts(spec.comments),
        "Documents": as_dicts(spec.documents),
        "Analysis Displays": as_dicts(spec.analysis_displays),
        "Analysis Results": as_dicts(spec.analysis_results),
        "Mapping": as_dicts(spec.mapping),
        "Unit Conversions": as_dicts(spec.unit_conversions),
    }


def build_workbook(spec: m.Spec):
    """The spec as an openpyxl workbook (every sheet, every column)."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    wb = openpyxl.Workbook()
    wb.remove(wb.worksheets[0])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    records = _records(spec)
    for sheet, layout in LAYOUT.items():
        ws = wb.create_sheet(sheet)
        ws.append([c.header for c in layout])
        for cell in ws[1]:
            cell.font, cell.fill = bold, fill
        for rec in records[sheet]:
            ws.append([_cell(rec.get(c.field), c.kind) for c in layout])
        ws.freeze_panes = "A2"
        for index, col in enumerate(layout, start=1):
            width = max(
                [len(col.header)] + [len(str(_cell(r.get(col.field), col.kind) or "")) for r in records[sheet][:500]]
            )
            ws.column_dimensions[openpyxl.utils.get_column_letter(index)].width = min(max(width + 2, 8), 60)
    return wb


def write_workbook(spec: m.Spec, path: str | os.PathLike[str]) -> Path:
    """Write the spec as a P21-layout workbook (atomically, byte-reproducibly)."""
    return save_workbook(build_workbook(spec), path)


def template_spec() -> m.Spec:
    """An empty spec: the study attributes named, nothing else."""
    return m.Spec(study=m.Study(tuple((a, None) for a in STUDY_ATTRIBUTES)))
