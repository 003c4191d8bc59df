"""define.xml checks: the data and its define agree (the checks of the CB-DEF rules of
conformance/rules.toml).

`read_define_metadata(path)` reads what the checks need from a define.xml of any
version (1.0, 2.0, 2.1: elements are matched by local name, so namespaces do
not matter): each dataset's label and variables, each variable's label, data
type, length and codelist terms (variable level and value level). A spec model
(from `define_xml.read_define` or a workbook) converts with `from_spec`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from lxml import etree

from .checks import Vars, check, hit, not_applicable
from .context import filled, text
from .model import Hit, Outcome


@dataclass(frozen=True)
class DefineItem:
    name: str
    label: str | None = None
    data_type: str | None = None
    length: int | None = None
    terms: frozenset[str] | None = None  # codelist terms allowed (None: no codelist, or an external dictionary)
    role: str | None = None  # ItemRef Role (Define-XML 2.x)
    codelist_code: str | None = None  # the NCI code of the variable's codelist (its nci:ExtCodeID Alias)
    codelist_terms: frozenset[str] | None = None  # the terms of the variable's own codelist


@dataclass(frozen=True)
class DefineDataset:
    name: str
    label: str | None = None
    items: dict = field(default_factory=dict)  # name -> DefineItem


@dataclass(frozen=True)
class DefineMetadata:
    datasets: dict  # name -> DefineDataset
    source: str | None = None
    standards: tuple = ()  # (type, publishing set or name, version) of each def:Standard (Define-XML 2.1)
    study_name: str | None = None  # GlobalVariables/StudyName
    leaves: tuple[tuple[str, str], ...] = ()  # (ID, xlink:href) of each def:leaf: the files define.xml names

    def dataset(self, name: str) -> DefineDataset | None:
        return self.datasets.get(name)

    def variable(self, dataset: str, name: str) -> DefineItem | None:
        ds = self.datasets.get(dataset)
        return ds.items.get(name) if ds is not None else None


def _local(el) -> str:
    return etree.QName(el).localname


def _children(el, name):
    return [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _text_of(el) -> str | None:
    """Description/TranslatedText (Define 2.x) of an element."""
    for d in _children(el, "Description"):
        for t in _children(d, "TranslatedText"):
            return (t.text or "").strip()
    return None


def _attr(el, name: str) -> str | None:
    for key, value in el.attrib.items():
        if etree.QName(key).localname == name:
            return value
    return None


def read_define_metadata(path: str | os.PathLike[str]) -> DefineMetadata:
    """What the checks need from a define.xml (any Define-XML version). A document that declares
    a DTD or entities, is not well-formed or cannot be read is refused with
    specs.xmlsafe.XmlInputError (a ValueError) naming the file."""
    from specs.xmlsafe import parse_xml

    tree = parse_xml(path, huge_tree=True, remove_comments=True)
    root = tree.getroot()
    mdv = next((el for el in root.iter() if isinstance(el.tag, str) and _local(el) == "MetaDataVersion"), None)
    if mdv is None:
        raise ValueError(f"{path}: no MetaDataVersion element; not a define.xml")
    codelists: dict[str, frozenset[str] | None] = {}
    nci_codes: dict[str, str] = {}
    for cl in _children(mdv, "CodeList"):
        for alias in _children(cl, "Alias"):
            if alias.get("Context") == "nci:ExtCodeID" and alias.get("Name"):
                nci_codes[cl.get("OID")] = alias.get("Name")
        terms = [
            (_attr(i, "CodedValue") or "") for i in _children(cl, "CodeListItem") + _children(cl, "EnumeratedItem")
        ]
        external = bool(_children(cl, "ExternalCodeList"))
        codelists[cl.get("OID")] = None if external and not terms else frozenset(terms)
    items = {}
    for it in _children(mdv, "ItemDef"):
        label = _text_of(it)
        if label is None:
            label = _attr(it, "Label")
        cl_ref = next(iter(_children(it, "CodeListRef")), None)
        vl_ref = next(iter(_children(it, "ValueListRef")), None)
        length = _attr(it, "Length")
        items[it.get("OID")] = {
            "name": it.get("Name"),
            "label": label,
            "data_type": it.get("DataType"),
            "length": int(float(length)) if length and length.strip() else None,
            "codelist": cl_ref.get("CodeListOID") if cl_ref is not None else None,
            "value_list": vl_ref.get("ValueListOID") if vl_ref is not None else None,
        }
    value_lists = {}
    for vl in _children(mdv, "ValueListDef"):
        value_lists[vl.get("OID")] = [ref.get("ItemOID") for ref in _children(vl, "ItemRef")]
    datasets = {}
    for group in _children(mdv, "ItemGroupDef"):
        name = (group.get("Name") or _attr(group, "Domain") or "").upper()
        label = _text_of(group) or _attr(group, "Label")
        members = {}
        for ref in _children(group, "ItemRef"):
            item = items.get(ref.get("ItemOID"))
            if item is None:
                continue
            allowed = _terms(item, items, value_lists, codelists)
            own = item["codelist"]
            members[item["name"]] = DefineItem(
                item["name"],
                item["label"],
                item["data_type"],
                item["length"],
                allowed,
                role=ref.get("Role") or None,
                codelist_code=nci_codes.get(own) if own else None,
                codelist_terms=codelists.get(own) if own else None,
            )
        datasets[name] = DefineDataset(name, label, members)
    standards = tuple(
        (el.get("Type") or "", el.get("PublishingSet") or el.get("Name") or "", el.get("Version") or "")
        for el in mdv.iter()
        if isinstance(el.tag, str) and _local(el) == "Standard"
    )
    study = next((el for el in root.iter() if isinstance(el.tag, str) and _local(el) == "StudyName"), None)
    study_name = (study.text or "").strip() or None if study is not None else None
    leaves = tuple(
        (el.get("ID") or "", _attr(el, "href") or "")
        for el in mdv.iter()
        if isinstance(el.tag, str) and _local(el) == "leaf"
    )
    return DefineMetadata(datasets, str(path), standards, study_name, leaves)


def _terms(item, items, value_lists, codelists) -> frozenset[str] | None:
    """Allowed terms: the variable's codelist together with its value-level codelists.
    None when any applicable list is external (a dictionary) or there is none."""
    sources = []
    if item["codelist"]:
        sources.append(item["codelist"])
    vl_terms_missing = False
    for oid in value_lists.get(item["value_list"], []) if item["value_list"] else []:
        vl_item = items.get(oid)
        if vl_item is None:
            continue
        if vl_item["name"] and item["name"] and vl_item["name"] != item["name"]:
            # Define-XML 1.0 style (the CDISC pilot): the value list hangs on QNAM or --TESTCD and its
            # items are named after each parameter (TRTEMFL); their codelists are for QVAL/--ORRES, not here
            continue
        if vl_item["codelist"]:
            sources.append(vl_item["codelist"])
        else:
            vl_terms_missing = True
    if not sources or vl_terms_missing and item["value_list"] and not item["codelist"]:
        return None
    allowed: set[str] = set()
    for oid in sources:
        terms = codelists.get(oid)
        if terms is None:
            return None
        allowed |= terms
    return frozenset(allowed)


def from_spec(spec) -> DefineMetadata:
    """The same metadata from a spec model (as define_xml.read_define returns)."""
    datasets = {}
    for ds in spec.datasets:
        members = {}
        for var in spec.variables_of(ds.name):
            terms = None
            if var.codelist and spec.has_codelist(var.codelist):
                cl = spec.codelist(var.codelist)
                terms = cl.submission_values or None
            members[var.name] = DefineItem(var.name, var.label, var.data_type, var.length, terms)
        datasets[ds.name.upper()] = DefineDataset(ds.name.upper(), ds.label, members)
    return DefineMetadata(datasets, spec.source)


# ---------------------------------------------------------------------------
# Rules (they apply only when a define is given)
# ---------------------------------------------------------------------------
def _with_define(fn):
    """fn, not applicable when no define.xml was given."""

    @functools.wraps(fn)
    def check(ctx, name, frame):
        if ctx.define is None:
            return not_applicable(frame)
        return fn(ctx, name, frame)

    return check


@check
@_with_define
def dataset_defined(ctx, name, frame):
    out = Outcome(1, 0)
    if ctx.define.dataset(name) is None:
        out.hits.append(Hit(name, None, None, [name], "the dataset is not in define.xml"))
    return out


@check
def defined_datasets_present(ctx, name, frame):
    if ctx.define is None:
        return Outcome(0, 0)
    out = Outcome(len(ctx.define.datasets), 0)
    for ds in sorted(ctx.define.datasets):
        if ds not in ctx.datasets:
            out.hits.append(Hit(ds, None, None, [ds], "defined in define.xml but no such dataset was given"))
    return out


@check
@_with_define
def variables_defined(ctx, name, frame):
    ds = ctx.define.dataset(name)
    if ds is None:
        return Outcome(0, len(frame.columns))
    out = Outcome(len(frame.columns), 0)
    for col in frame.columns:
        if col not in ds.items:
            out.hits.append(Hit(name, None, str(col), [str(col)], "not defined for this dataset"))
    return out


@check
@_with_define
def defined_variables_present(ctx, name, frame):
    ds = ctx.define.dataset(name)
    if ds is None:
        return Outcome(0, 0)
    out = Outcome(len(ds.items), 0)
    for var in ds.items:
        if var not in frame.columns:
            out.hits.append(Hit(name, None, var, [var], "defined but not in the data"))
    return out


@check
@_with_define
def labels_equal(ctx, name, frame):
    ds = ctx.define.dataset(name)
    meta = ctx.meta.get(name)
    if ds is None or meta is None or not meta.variable_labels:
        return Outcome(0, len(frame.columns))
    out = Outcome(0, 0)
    for col in frame.columns:
        item = ds.items.get(col)
        data_label = meta.variable_labels.get(col)
        if item is None or item.label is None or data_label is None:
            out.not_applicable += 1
            continue
        out.checked += 1
        if (data_label or "").strip() != item.label.strip():
            out.hits.append(Hit(name, None, str(col), [data_label], f"define.xml says {item.label!r}"))
    if ds.label is not None and meta.label is not None and meta.label.strip():
        out.checked += 1
        if meta.label.strip() != ds.label.strip():
            out.hits.append(Hit(name, None, None, [meta.label], f"dataset label; define.xml says {ds.label!r}"))
    return out


@check
@_with_define
def lengths_equal(ctx, name, frame):
    ds = ctx.define.dataset(name)
    if ds is None:
        return Outcome(0, len(frame.columns))
    meta = ctx.meta.get(name)
    out = Outcome(0, 0)
    for col in frame.columns:
        item = ds.items.get(col)
        if item is None or item.length is None or frame[col].dtype != object or item.data_type not in (None, "text"):
            out.not_applicable += 1
            continue
        out.checked += 1
        declared = meta.variable_lengths.get(col) if meta is not None and meta.variable_lengths else None
        if declared:
            if int(declared) != int(item.length):
                out.hits.append(
                    Hit(name, None, str(col), [declared], f"file length {declared}; define.xml says {item.length}")
                )
        else:
            values = frame[col][frame[col].map(lambda x: isinstance(x, str))]
            longest = int(values.map(lambda s: len(s.encode("utf-8"))).max()) if len(values) else 0
            if longest > item.length:
                out.hits.append(
                    Hit(
                        name, None, str(col), [longest], f"longest value {longest} bytes; define.xml says {item.length}"
                    )
                )
    return out


@check
@_with_define
def studyid_is_study_name(ctx, name, frame):
    """Every STUDYID is the study define.xml names (GlobalVariables StudyName)."""
    study = ctx.define.study_name
    if study is None or "STUDYID" not in frame.columns:
        return not_applicable(frame)
    values = text(frame["STUDYID"])
    present = filled(frame["STUDYID"])
    out = Outcome(int(present.sum()), int(len(frame) - present.sum()))
    bad = present & (values != study)
    if bad.any():
        out.hits.append(hit(Vars(ctx, name, frame), bad, "STUDYID", detail=f"define.xml's StudyName is {study}"))
    return out


@check
@_with_define
def terms_defined(ctx, name, frame):
    ds = ctx.define.dataset(name)
    if ds is None:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    out = Outcome(0, 0)
    for col in frame.columns:
        item = ds.items.get(col)
        if item is None or not item.terms:
            out.not_applicable += len(frame)
            continue
        present = filled(frame[col])
        values = text(frame[col])
        out.checked += int(present.sum())
        out.not_applicable += int(len(frame) - present.sum())
        bad = present & ~values.isin(item.terms)
        if bad.any():
            out.hits.append(hit(v, bad, str(col), detail="term not in the define.xml codelist"))
    return out


@check
def leaves_present(ctx, name, frame):
    """Every def:leaf of define.xml (a dataset, the annotated CRF, a document) names a file that is
    there, relative to define.xml's folder. A leaf naming a URL is not checked."""
    if ctx.define is None or not ctx.define.leaves or ctx.define.source is None:
        return Outcome(0, 0)
    folder = Path(ctx.define.source).parent
    out = Outcome(0, 0)
    for leaf_id, href in ctx.define.leaves:
        if urlparse(href).scheme not in ("", "file"):
            out.not_applicable += 1
            continue
        out.checked += 1
        if not href.strip() or not (folder / unquote(urlparse(href).path)).is_file():
            out.hits.append(
                Hit("define.xml", None, None, [href], f"def:leaf {leaf_id}: no such file beside define.xml ({folder})")
            )
    return out
