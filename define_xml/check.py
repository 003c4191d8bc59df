"""Checks of a define.xml: the official schema, and every OID reference.

`validate_schema(path)` validates offline against the Define-XML 2.1 schema
shipped by `defineutils` (with ARM 1.0 when the document holds Analysis Results
Metadata) and returns every error with its line. `check_oids(path)` finds every
broken reference (an OID used but not defined), every definition that nothing
uses (CommentDef, MethodDef, CodeList, ValueListDef, WhereClauseDef, leaf,
ItemDef) and every OID defined twice, all at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from specs.xmlsafe import XmlInputError, parse_xml

from .build import ARM_NS, DEF20_NS, DEF_NS, ODM_NS

SHOWN_ISSUES = 200  # issues listed in the error message; the rest are counted


def _line(el: etree._Element) -> int | None:
    line = el.sourceline
    return line if isinstance(line, int) else None


@dataclass(frozen=True)
class DefineIssue:
    """One problem of a define.xml: kind, OID, the element and its line, a message."""

    kind: str  # schema | broken-reference | unused-definition | duplicate-oid | unreadable
    oid: str | None
    element: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.message}"


class DefineCheckError(ValueError):
    """A define.xml failed its schema or OID checks (every issue listed)."""

    def __init__(self, path, issues: list[DefineIssue]):
        self.path = path
        self.issues = tuple(issues)
        lines = "\n".join(f"  - {i}" for i in self.issues[:SHOWN_ISSUES])
        more = f"\n  ... and {len(self.issues) - SHOWN_ISSUES} more" if len(self.issues) > SHOWN_ISSUES else ""
        super().__init__(f"{path}: {len(self.issues)} define.xml issue(s):\n{lines}{more}")


def _schema_dir() -> Path:
    import defineutils.validate as dv

    return Path(dv.__file__).parent / "schema"


@lru_cache(maxsize=2)
def _schema(arm: bool):
    """The official schema, compiled once, through defineutils' validator."""
    from defineutils.validate import DefineSchemaValidator

    xsd = _schema_dir() / ("cdisc-arm-1.0/arm1-0-0.xsd" if arm else "cdisc-define-2.1/define2-1-0.xsd")
    return DefineSchemaValidator(Path("define.xml"), xsd).xsd


def _parse(source) -> etree._ElementTree:
    """A tree, or a path or bytes parsed safely (specs.xmlsafe): a document that declares a DTD or
    entities, is not well-formed or cannot be read is a DefineCheckError naming the file."""
    if isinstance(source, etree._ElementTree):
        return source
    if isinstance(source, etree._Element):
        return etree.ElementTree(source)
    try:
        return parse_xml(source, source_name="define.xml" if isinstance(source, (bytes, bytearray)) else None)
    except XmlInputError as exc:
        raise DefineCheckError(exc.source, [DefineIssue("unreadable", None, None, None, exc.reason)]) from None


def uses_arm(tree: etree._ElementTree) -> bool:
    return tree.getroot().find(f".//{{{ARM_NS}}}AnalysisResultDisplays") is not None


def define_version(tree: etree._ElementTree) -> str:
    root = tree.getroot()
    return "2.0" if DEF20_NS in root.nsmap.values() else "2.1"


def validate_schema(source, arm: bool | None = None) -> list[DefineIssue]:
    """Every schema error of a Define-XML 2.1 document (with ARM 1.0 when present), with lines.

    `source`: a path, bytes, or an lxml element/tree (re-parsed so lines are the file's).
    """
    if isinstance(source, (etree._Element, etree._ElementTree)):
        root = source.getroot() if isinstance(source, etree._ElementTree) else source
        from .build import define_bytes

        tree = _parse(define_bytes(root))
    else:
        tree = _parse(source)
    if define_version(tree) != "2.1":
        return [
            DefineIssue(
                "schema", None, None, None, "the document is Define-XML 2.0 (def namespace v2.0); only 2.1 is validated"
            )
        ]
    if arm is None:
        arm = uses_arm(tree)
    schema = _schema(bool(arm))
    out = []
    for err in schema.iter_errors(tree):
        elem = err.elem
        line = getattr(elem, "sourceline", None) if elem is not None else None
        reason = err.reason or str(err.message)
        path = err.path or ""
        out.append(
            DefineIssue(
                "schema",
                None,
                etree.QName(elem).localname if elem is not None and isinstance(elem.tag, str) else None,
                line,
                f"schema: {reason} (at {path})",
            )
        )
    return out


# ---------------------------------------------------------------------------
# OID references
# ---------------------------------------------------------------------------
def check_oids(source) -> list[DefineIssue]:
    """Every broken reference, unused definition and duplicate OID, in document order."""
    tree = _parse(source)
    root = tree.getroot()
    defns = DEF20_NS if define_version(tree) == "2.0" else DEF_NS
    O = lambda t: f"{{{ODM_NS}}}{t}"  # noqa: E731, E741
    D = lambda t: f"{{{defns}}}{t}"  # noqa: E731
    A = lambda t: f"{{{ARM_NS}}}{t}"  # noqa: E731
    kinds = {  # element -> (kind of definition, id attribute)
        O("ItemGroupDef"): ("ItemGroupDef", "OID"),
        O("ItemDef"): ("ItemDef", "OID"),
        O("CodeList"): ("CodeList", "OID"),
        O("MethodDef"): ("MethodDef", "OID"),
        D("CommentDef"): ("def:CommentDef", "OID"),
        D("ValueListDef"): ("def:ValueListDef", "OID"),
        D("WhereClauseDef"): ("def:WhereClauseDef", "OID"),
        D("leaf"): ("def:leaf", "ID"),
        D("Standard"): ("def:Standard", "OID"),
    }
    defined: dict[tuple[str, str], etree._Element] = {}
    issues: list[DefineIssue] = []
    for el in root.iter(*kinds):
        kind, attr = kinds[el.tag]
        oid = el.get(attr)
        if oid is None:
            continue
        if (kind, oid) in defined:
            issues.append(DefineIssue("duplicate-oid", oid, kind, _line(el), f"{kind} {oid} is defined more than once"))
        defined.setdefault((kind, oid), el)

    refs = [  # (element, attribute, kind referred to)
        (O("ItemRef"), "ItemOID", "ItemDef"),
        (O("ItemRef"), "MethodOID", "MethodDef"),
        (O("CodeListRef"), "CodeListOID", "CodeList"),
        (D("ValueListRef"), "ValueListOID", "def:ValueListDef"),
        (D("WhereClauseRef"), "WhereClauseOID", "def:WhereClauseDef"),
        (O("RangeCheck"), f"{{{defns}}}ItemOID", "ItemDef"),
        (D("DocumentRef"), "leafID", "def:leaf"),
        (None, f"{{{defns}}}CommentOID", "def:CommentDef"),
        (None, f"{{{defns}}}ArchiveLocationID", "def:leaf"),
        (None, f"{{{defns}}}StandardOID", "def:Standard"),
        (A("AnalysisDataset"), "ItemGroupOID", "ItemGroupDef"),
        (A("AnalysisVariable"), "ItemOID", "ItemDef"),
        (A("AnalysisResult"), "ParameterOID", "ItemDef"),
    ]
    used: set[tuple[str, str]] = set()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for tag, attr, kind in refs:
            if tag is not None and el.tag != tag:
                continue
            value = el.get(attr)
            if value is None:
                continue
            used.add((kind, value))
            if (kind, value) not in defined:
                name = etree.QName(el).localname
                issues.append(
                    DefineIssue(
                        "broken-reference",
                        value,
                        name,
                        _line(el),
                        f"{name} refers to {kind} {value}, which is not defined",
                    )
                )
    for (kind, oid), el in defined.items():
        if kind in ("ItemGroupDef", "def:Standard"):
            continue
        if (kind, oid) not in used:
            issues.append(
                DefineIssue(
                    "unused-definition", oid, kind, _line(el), f"{kind} {oid} is defined but nothing refers to it"
                )
            )
    issues.sort(key=lambda i: (i.line or 0, i.kind))
    return issues


def check_define(source, arm: bool | None = None) -> list[DefineIssue]:
    """Schema errors and OID issues together."""
    return validate_schema(source, arm) + check_oids(source)


def assert_define_ok(path: str | os.PathLike[str]) -> None:
    """Raise DefineCheckError listing every schema and OID issue of a written define.xml."""
    issues = check_define(path)
    if issues:
        raise DefineCheckError(path, issues)
