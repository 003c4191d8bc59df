"""Define-XML 2.1 (with ARM 1.0 for ADaM) built with lxml from the spec model.

    root = build_define(spec, lengths={"DM": {"USUBJID": 11, ...}}, settings=DefineSettings(...))
    write_define(root, "define.xml")

Everything comes from the `Spec`: datasets, variables, value-level metadata,
where clauses, codelists, dictionaries, methods, comments, documents and the
analysis displays and results. The written files add what only they know: the
actual length of each text variable (and, when the frames are given, the
significant digits of float variables and the length of each value-level item).

Only what the included datasets use is written (a codelist, method, comment or
where clause that nothing in them refers to is left out), so the OID check of
the result finds nothing unused. OIDs follow dataset_io.oids; CreationDateTime is
a setting, by default specs.clock (SOURCE_DATE_EPOCH when set, else the clock);
AsOfDateTime, the data cut-off, is written when given.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from dataset_io import oids
from dataset_io.xpt import is_numeric_variable, temporal_kind
from specs.clock import creation_datetime
from specs.fileio import atomic_write_bytes
from specs.model import (
    AnalysisResult,
    Codelist,
    Dataset,
    Document,
    Spec,
    ValueLevel,
    Variable,
    WhereClause,
    WhereCondition,
)
from specs.workbook import parse_where_text

ODM_NS = "http://www.cdisc.org/ns/odm/v1.3"
DEF_NS = "http://www.cdisc.org/ns/def/v2.1"
DEF20_NS = "http://www.cdisc.org/ns/def/v2.0"
XLINK_NS = "http://www.w3.org/1999/xlink"
ARM_NS = "http://www.cdisc.org/ns/arm/v1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NSMAP = {None: ODM_NS, "def": DEF_NS, "xlink": XLINK_NS}
NSMAP_ARM = {**NSMAP, "arm": ARM_NS}
STYLESHEET = "define2-1.xsl"

ADAM_CLASSES = (
    "SUBJECT LEVEL ANALYSIS DATASET",
    "BASIC DATA STRUCTURE",
    "OCCURRENCE DATA STRUCTURE",
    "ADAM OTHER",
    "DEVICE LEVEL ANALYSIS DATASET",
    "MEDICAL DEVICE BASIC DATA STRUCTURE",
    "MEDICAL DEVICE OCCURRENCE DATA STRUCTURE",
    "REFERENCE DATA STRUCTURE",
)
_IG_NAMES = {  # how spec workbooks spell the implementation guide -> Define-XML 2.1 StandardName
    "sdtmig": "SDTMIG",
    "sdtm-ig": "SDTMIG",
    "sdtm ig": "SDTMIG",
    "cdisc sdtm": "SDTMIG",
    "sdtm": "SDTMIG",
    "adamig": "ADaMIG",
    "adam-ig": "ADaMIG",
    "adam ig": "ADaMIG",
    "cdisc adam": "ADaMIG",
    "adam": "ADaMIG",
    "sendig": "SENDIG",
    "send-ig": "SENDIG",
    "sdtmig-md": "SDTMIG-MD",
    "adamig-md": "ADaMIG-MD",
    "adam-occdsig": "ADaM-OCCDSIG",
}
_TEXT_TYPES = (
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
_LENGTH_TYPES = ("text", "integer", "float")
_CRF_WORDS = ("acrf", "blankcrf", "crf", "annotated")


def q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def O(tag: str) -> str:  # noqa: E743 - an ODM element name
    return q(ODM_NS, tag)


def D(tag: str) -> str:
    return q(DEF_NS, tag)


def A(tag: str) -> str:
    return q(ARM_NS, tag)


@dataclass(frozen=True)
class Standard:
    """One def:Standard: an implementation guide or a controlled terminology package."""

    name: str
    type: str  # IG | CT
    version: str
    publishing_set: str | None = None
    status: str = "Final"


@dataclass(frozen=True)
class DefineSettings:
    """What the spec does not say: dates, originator, context, standards."""

    creation_datetime: str = field(default_factory=creation_datetime)
    as_of_datetime: str | None = None
    file_oid: str | None = None
    originator: str | None = "cdisc-build"
    source_system: str | None = "cdisc-build"
    source_system_version: str | None = "0.1.0"
    context: str = "Submission"
    standards: tuple[Standard, ...] | None = None  # None: from the spec's Study sheet
    language: str = "en"
    stylesheet: bool = True


@dataclass
class BuildNotes:
    """What the builder decided on its own, for the export report."""

    notes: list[str] = field(default_factory=list)

    def add(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)


CrfItem = tuple[str, str, str | None]  # (dataset, variable, where clause id or None)


@dataclass(frozen=True)
class CrfDocument:
    """The annotated CRF beside define.xml.

    href: its file, relative to define.xml. title: its leaf title (None: the Documents sheet's).
    pages: for a generated aCRF, the physical pages on which each item is annotated; the origin of
    every collected item then refers to those pages, and the spec's Pages (which refer to some other
    CRF) are not used. None for a study's own aCRF: the spec's Pages are written as they are.
    """

    href: str = "acrf.pdf"
    title: str | None = None
    pages: Mapping[CrfItem, tuple[int, ...]] | None = None


@dataclass(frozen=True)
class Documents:
    """The documents in the package beside define.xml: define.xml refers to these only.

    present: the files (hrefs relative to define.xml) that are there; a document of the spec whose
    file is not among them is left out of define.xml (def:AnnotatedCRF, def:SupplementalDoc,
    def:leaf and every DocumentRef), with a note. crf: the annotated CRF, when there is one.
    """

    present: frozenset[str] = frozenset()
    crf: CrfDocument | None = None


def is_adam(spec: Spec, datasets: tuple[Dataset, ...] | None = None) -> bool:
    items = datasets if datasets is not None else spec.datasets
    name = (spec.study.standard_name or "").lower()
    if "adam" in name:
        return True
    if "sdtm" in name or "send" in name:
        return False
    return any((d.dataset_class or "").upper() in ADAM_CLASSES for d in items)


# ---------------------------------------------------------------------------
# Standards
# ---------------------------------------------------------------------------
_CT_ATTR = re.compile(
    r"^(?:(?P<set1>sdtm|adam|send|define-xml|cdash)\s*)?(?:ct|controlled\s*terminology|ctversion|ct\s*version|terminology)(?:[\s._-]*(?P<set2>sdtm|adam|send|define-xml|cdash))?(?:\s*version)?$",
    re.I,
)
_SETS = {"sdtm": "SDTM", "adam": "ADaM", "send": "SEND", "define-xml": "DEFINE-XML", "cdash": "CDASH"}


def standards_from_spec(spec: Spec, adam: bool) -> tuple[Standard, ...]:
    """The IG from StandardName/StandardVersion and CT packages from the Study sheet.

    CT attributes: `CT`, `SDTM CT`, `ADaM CT`, `Controlled Terminology`, `CTVersion` ...
    with a value such as `2025-03-28` or `SDTM 2025-03-28; ADaM 2026-03-27`.
    """
    name = ig_name(spec.study.standard_name) or ("ADaMIG" if adam else "SDTMIG")
    version = (spec.study.standard_version or "").strip() or "unknown"
    out = [Standard(name, "IG", version)]
    for d in spec.datasets:
        parsed = dataset_standard(d.standard)
        if parsed is not None:
            out.append(parsed)
    default_set = "ADaM" if adam else "SDTM"
    for key, value in spec.study.attributes:
        match = _CT_ATTR.match((key or "").strip())
        if not match or not value:
            continue
        attr_set = match["set1"] or match["set2"]
        for part in re.split(r"[;,]", value):
            part = part.strip()
            if not part:
                continue
            found = re.match(r"^(?:(?P<set>[A-Za-z-]+)\s+)?(?P<version>\d{4}-\d{2}-\d{2})$", part)
            if not found:
                continue
            pub = _SETS.get((found["set"] or attr_set or "").lower(), default_set)
            out.append(Standard("CDISC/NCI", "CT", found["version"], pub))
    return tuple(dict.fromkeys(out))


IG_NAMES = (
    "SDTMIG",
    "ADaMIG",
    "SENDIG",
    "SDTMIG-MD",
    "ADaMIG-MD",
    "ADaM-OCCDSIG",
    "SDTMIG-AP",
    "ADaMIG-NCA",
    "ADaMIG-popPK",
    "SENDIG-AR",
    "SENDIG-DART",
    "SENDIG-GENETOX",
    "BIMO",
)


def ig_name(raw: str | None) -> str | None:
    """A workbook's spelling of an implementation guide as a Define-XML 2.1 StandardName, else None."""
    text = (raw or "").strip()
    name = _IG_NAMES.get(text.lower(), text)
    by_lower = {n.lower(): n for n in IG_NAMES}
    return by_lower.get(name.lower())


def dataset_standard(text: str | None) -> Standard | None:
    """A Datasets-sheet Standard such as 'SDTMIG 3.4' or 'ADaM-IG 1.1' as an IG Standard."""
    if not text or " " not in text.strip():
        return None
    raw, version = text.strip().rsplit(" ", 1)
    name = ig_name(raw)
    return Standard(name, "IG", version) if name else None


# ---------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------
def _yes_no(value: bool | None, default: bool = False) -> str:
    return "Yes" if (default if value is None else value) else "No"


def _text_el(parent, tag: str, text: str, lang: str | None):
    desc = etree.SubElement(parent, tag)
    tt = etree.SubElement(desc, O("TranslatedText"))
    if lang:
        tt.set(q(XML_NS, "lang"), lang)
    tt.text = text
    return desc


def _page_ref(parent, pages: str | None) -> None:
    if not pages:
        return
    text = pages.strip()
    ref = etree.SubElement(parent, D("PDFPageRef"))
    rng = re.fullmatch(r"(\d+)\s*-\s*(\d+)", text)
    if rng:
        ref.set("FirstPage", rng[1])
        ref.set("LastPage", rng[2])
        ref.set("Type", "PhysicalRef")
        return
    tokens = [t for t in re.split(r"[\s,]+", text) if t]
    ref.set("PageRefs", " ".join(tokens))
    ref.set("Type", "PhysicalRef" if all(t.isdigit() for t in tokens) else "NamedDestination")


def find_crf_document(spec: Spec) -> Document | None:
    """The Documents sheet's (annotated or blank) CRF: the first whose ID, title or file says so."""
    for doc in spec.documents:
        words = " ".join(x for x in (doc.id, doc.title or "", doc.href or "") if x).lower()
        if any(w in words for w in _CRF_WORDS):
            return doc
    return None


def numeric_storage(variable: Variable | ValueLevel) -> bool:
    if isinstance(variable, Variable):
        return is_numeric_variable(variable)
    if variable.data_type in ("integer", "float"):
        return True
    return variable.data_type in ("date", "datetime", "time") and temporal_kind(variable.display_format) is not None


class _Builder:
    def __init__(
        self,
        spec: Spec,
        datasets: tuple[Dataset, ...],
        lengths,
        significant_digits,
        value_lengths,
        settings: DefineSettings,
        notes: BuildNotes,
        documents: Documents | None = None,
    ):
        self.spec = spec
        self.datasets = datasets
        self.names = {d.name for d in datasets}
        self.lengths = lengths or {}
        self.sig = significant_digits or {}
        self.value_lengths = value_lengths or {}
        self.settings = settings
        self.notes = notes
        self.lang = settings.language
        self.adam = is_adam(spec, datasets)
        self.arm = self.adam and bool(spec.analysis_results)
        self.codelists: dict[str, None] = {}
        self.methods: dict[str, None] = {}
        self.comments: dict[str, None] = {}
        self.where: dict[str, WhereClause] = {}
        self.docs: dict[str, None] = {}
        self.synth_comments: dict[str, str] = {}
        self.crf_doc = self._find_crf()
        self.crf = documents.crf if documents is not None else None
        if self.crf is not None and self.crf_doc is None:
            self.crf_doc = "ACRF"
        self.documents = self._documents(documents)
        self.unannotated: list[str] = []  # collected items the generated aCRF does not annotate
        self.standards = settings.standards if settings.standards is not None else standards_from_spec(spec, self.adam)
        self.std_oids = {s: f"STD.{i}" for i, s in enumerate(self.standards, start=1)}
        self.ig_std = next((self.std_oids[s] for s in self.standards if s.type == "IG"), None)
        self.ct_std = {s.publishing_set: self.std_oids[s] for s in self.standards if s.type == "CT"}

    # -- helpers ----------------------------------------------------------
    def _find_crf(self) -> str | None:
        doc = find_crf_document(self.spec)
        return doc.id if doc is not None else None

    def desc(self, parent, text: str | None, tag: str = "Description"):
        if text:
            return _text_el(parent, O(tag), text, self.lang)
        return None

    def _documents(self, documents: Documents | None) -> dict[str, Document]:
        """{id: the document as define.xml names it}: those of the spec whose file is in the package
        (all of them when the package is not known), and the annotated CRF there is."""
        out: dict[str, Document] = {}
        for doc in self.spec.documents:
            if doc.id == self.crf_doc and self.crf is not None:
                continue
            if documents is not None and (doc.href or doc.id) not in documents.present:
                self.notes.add(
                    f"document {doc.id} ({doc.href or doc.id}) is not in the package; define.xml does not refer to it"
                )
                continue
            out[doc.id] = doc
        if self.crf is not None and self.crf_doc is not None:
            spec_crf = next((d for d in self.spec.documents if d.id == self.crf_doc), None)
            title = self.crf.title or (spec_crf.title if spec_crf is not None else None) or "Annotated CRF"
            out[self.crf_doc] = Document(self.crf_doc, title, self.crf.href)
        return out

    def doc_ref(self, parent, document: str | None, pages: str | None):
        if not document:
            return
        if not any(d.id == document for d in self.spec.documents) and document != self.crf_doc:
            self.notes.add(f"document {document!r} is not in the Documents sheet; reference left out")
            return
        if document not in self.documents:
            return  # not in the package (noted once, in _documents)
        self.docs[document] = None
        ref = etree.SubElement(parent, D("DocumentRef"), leafID=oids.leaf_id(document))
        _page_ref(ref, pages)

    def use_comment(self, comment_id: str | None) -> str | None:
        if not comment_id:
            return None
        if not any(c.id == comment_id for c in self.spec.comments):
            self.notes.add(f"comment {comment_id!r} is not in the Comments sheet; reference left out")
            return None
        self.comments[comment_id] = None
        return oids.comment_oid(comment_id)

    def use_method(self, method_id: str | None) -> str | None:
        if not method_id:
            return None
        if not any(m.id == method_id for m in self.spec.methods):
            self.notes.add(f"method {method_id!r} is not in the Methods sheet; reference left out")
            return None
        self.methods[method_id] = None
        return oids.method_oid(method_id)

    def use_codelist(self, codelist_id: str | None) -> str | None:
        if not codelist_id:
            return None
        if not (self.spec.has_codelist(codelist_id) or any(d.id == codelist_id for d in self.spec.dictionaries)):
            self.notes.add(
                f"codelist {codelist_id!r} is in neither the Codelists nor the Dictionaries sheet; reference left out"
            )
            return None
        self.codelists[codelist_id] = None
        return oids.codelist_oid(codelist_id)

    # -- the document -----------------------------------------------------
    def build(self) -> etree._Element:
        s = self.settings
        study = self.spec.study
        study_name = study.study_name or "STUDY"
        # the default namespace's prefix is None, which lxml takes and its stubs do not say
        root = etree.Element(O("ODM"), nsmap=NSMAP_ARM if self.arm else NSMAP)  # type: ignore[arg-type]
        root.set("ODMVersion", "1.3.2")
        root.set("FileType", "Snapshot")
        root.set("FileOID", s.file_oid or f"{study_name}.{'ADaM' if self.adam else 'SDTM'}.define")
        root.set("CreationDateTime", s.creation_datetime)
        if s.as_of_datetime:
            root.set("AsOfDateTime", s.as_of_datetime)
        if s.originator:
            root.set("Originator", s.originator)
        if s.source_system:
            root.set("SourceSystem", s.source_system)
        if s.source_system_version:
            root.set("SourceSystemVersion", s.source_system_version)
        root.set(D("Context"), s.context)

        study_el = etree.SubElement(root, O("Study"), OID=f"STDY.{study_name}")
        gv = etree.SubElement(study_el, O("GlobalVariables"))
        etree.SubElement(gv, O("StudyName")).text = study_name
        etree.SubElement(gv, O("StudyDescription")).text = study.description or study_name
        etree.SubElement(gv, O("ProtocolName")).text = study.protocol_name or study_name
        ig = next((x for x in self.standards if x.type == "IG"), None)
        mdv_tail = f"{ig.name}.{ig.version}" if ig else ("ADaM" if self.adam else "SDTM")
        mdv = etree.SubElement(
            study_el,
            O("MetaDataVersion"),
            OID=f"MDV.{study_name}.{mdv_tail}",
            Name=f"Study {study_name}, Data Definitions",
        )
        mdv.set("Description", f"Study {study_name}, {'ADaM' if self.adam else 'SDTM'} data definitions")
        mdv.set(D("DefineVersion"), "2.1.0")

        # Build the body first (it records what is used), then assemble in schema order.
        item_groups = [self.item_group(d) for d in self.datasets]
        item_defs: list = []
        value_lists: list = []
        for d in self.datasets:
            for v in self.spec.variables_of(d.name):
                item_defs.append(self.item_def(d, v))
                vl = self.spec.value_list(d.name, v.name)
                if vl:
                    vld, vitems = self.value_list(d, v, vl)
                    value_lists.append(vld)
                    item_defs.extend(vitems)
        arm_el = self.analysis_results() if self.arm else None
        where_defs = [self.where_def(w) for w in list(self.where.values())]
        codelists = [self.codelist(cid) for cid in self.spec_order(self.codelists, "codelists")]
        methods = [self.method(mid) for mid in self.spec_order(self.methods, "methods")]
        comments = [self.comment(cid) for cid in self.spec_order(self.comments, "comments")]
        comments += [self.synth_comment(oid, text) for oid, text in self.synth_comments.items()]

        standards_el = etree.SubElement(mdv, D("Standards"))
        for st in self.standards:
            el = etree.SubElement(standards_el, D("Standard"), OID=self.std_oids[st], Name=st.name, Type=st.type)
            if st.publishing_set:
                el.set("PublishingSet", st.publishing_set)
            el.set("Version", st.version)
            el.set("Status", st.status)
        if self.crf_doc in self.documents and (self.crf_doc in self.docs or not self.adam):
            self.docs[self.crf_doc] = None
            acrf = etree.SubElement(mdv, D("AnnotatedCRF"))
            etree.SubElement(acrf, D("DocumentRef"), leafID=oids.leaf_id(self.crf_doc))
        supplemental = [doc_id for doc_id in self.documents if doc_id != self.crf_doc]
        if supplemental:
            sup = etree.SubElement(mdv, D("SupplementalDoc"))
            for doc_id in supplemental:
                self.docs[doc_id] = None
                etree.SubElement(sup, D("DocumentRef"), leafID=oids.leaf_id(doc_id))
        for el in value_lists + where_defs + item_groups + item_defs + codelists + methods + comments:
            mdv.append(el)
        for doc in self.documents.values():
            if doc.id in self.docs:
                leaf = etree.SubElement(mdv, D("leaf"), ID=oids.leaf_id(doc.id))
                leaf.set(q(XLINK_NS, "href"), doc.href or doc.id)
                etree.SubElement(leaf, D("title")).text = doc.title or doc.id
        if arm_el is not None:
            mdv.append(arm_el)
        if self.unannotated:
            self.notes.add(
                f"{len(self.unannotated)} collected item(s) not annotated on the generated aCRF (no Mapping rule "
                f"reads a raw field into them), their origin without CRF pages: {', '.join(self.unannotated)}"
            )
        return root

    def spec_order(self, used: dict[str, None], kind: str) -> list[str]:
        if kind == "codelists":
            order = [c.id for c in self.spec.codelists] + [d.id for d in self.spec.dictionaries]
        else:
            order = [x.id for x in getattr(self.spec, kind)]
        return [i for i in dict.fromkeys(order) if i in used]

    # -- datasets -----------------------------------------------------------
    def domain_of(self, d: Dataset) -> str | None:
        if self.adam:
            return None
        name = d.name
        if name.startswith("SUPP") or name in ("RELREC",) or len(name) <= 2:
            return name
        names = {v.name for v in self.spec.variables_of(name)}
        if f"{name[:2]}SEQ" in names or f"{name[:2]}TESTCD" in names:
            return name[:2]
        return name

    def item_group(self, d: Dataset):
        el = etree.Element(O("ItemGroupDef"), OID=oids.itemgroup_oid(d.name))
        domain = self.domain_of(d)
        if domain:
            el.set("Domain", domain)
        el.set("Name", d.name)
        el.set("SASDatasetName", d.name)
        el.set(
            "Repeating",
            _yes_no(d.repeating, default=not (d.structure or "").lower().startswith("one record per subject")),
        )
        el.set("IsReferenceData", _yes_no(d.reference_data))
        el.set("Purpose", d.purpose or ("Analysis" if self.adam else "Tabulation"))
        el.set(D("Structure"), d.structure or "Not specified")
        has_file = not (d.has_no_data and d.leaf is None)  # a dataset with no data has no file
        if has_file:
            el.set(D("ArchiveLocationID"), oids.leaf_id(d.name))
        own = dataset_standard(d.standard)
        std = (self.std_oids.get(own) if own is not None else None) or self.ig_std
        if std:
            el.set(D("StandardOID"), std)
        if d.has_no_data:
            el.set(D("HasNoData"), "Yes")
        com = self.use_comment(d.comment)
        if com:
            el.set(D("CommentOID"), com)
        self.desc(el, d.label)
        for v in self.spec.variables_of(d.name):
            ref = etree.SubElement(el, O("ItemRef"), ItemOID=oids.item_oid(d.name, v.name))
            if v.order is not None:
                ref.set("OrderNumber", str(v.order))
            ref.set("Mandatory", _yes_no(v.mandatory, default=v.effective_core == "Req"))
            key = self.spec.key_sequence(d.name, v.name)
            if key:
                ref.set("KeySequence", str(key))
            mt = self.use_method(v.method)
            if mt:
                ref.set("MethodOID", mt)
            if v.role and not self.adam:
                ref.set("Role", v.role)
            if v.has_no_data:
                ref.set(D("HasNoData"), "Yes")
        if d.dataset_class:
            cls = etree.SubElement(el, D("Class"), Name=d.dataset_class)
            if d.subclass:
                etree.SubElement(cls, D("SubClass"), Name=d.subclass)
        if has_file:
            leaf = etree.SubElement(el, D("leaf"), ID=oids.leaf_id(d.name))
            leaf.set(q(XLINK_NS, "href"), d.leaf_href)
            etree.SubElement(leaf, D("title")).text = d.leaf_href
        return el

    # -- items --------------------------------------------------------------
    def _attrs(self, el, name: str, item, length: int | None, sig: int | None) -> None:
        el.set("Name", name)
        dtype = item.data_type or "text"
        if numeric_storage(item) and dtype not in ("integer", "float"):
            dtype = "integer"  # SAS dates, datetimes and times are whole numbers with a display format
        el.set("DataType", dtype)
        if dtype in _LENGTH_TYPES and length:
            el.set("Length", str(length))
        if dtype == "float" and sig is not None:
            el.set("SignificantDigits", str(sig))
        el.set("SASFieldName", name)
        if item.display_format:
            el.set(D("DisplayFormat"), item.display_format)

    def _origin(self, el, item) -> None:
        if not item.origin:
            return
        origin = etree.SubElement(el, D("Origin"), Type=item.origin)
        if item.source:
            origin.set("Source", item.source)
        if item.origin == "Predecessor" and item.predecessor:
            self.desc(origin, item.predecessor)
        pages = self._crf_pages(item)
        if pages:
            if self.crf_doc:
                self.doc_ref(origin, self.crf_doc, pages)
            else:
                self.notes.add(
                    f"{getattr(item, 'dataset', '')}: CRF pages {pages!r} given but no annotated CRF in Documents"
                )

    def _crf_pages(self, item) -> str | None:
        """The CRF pages of an item's origin: the spec's Pages, or, with a generated aCRF, the pages on
        which it annotates a collected item (the spec's Pages refer to another CRF, not in the package)."""
        generated = self.crf.pages if self.crf is not None else None
        if generated is None:
            return item.pages
        if item.pages:
            self.notes.add(
                "the spec's CRF Pages refer to a CRF that is not in the package: the origins refer to the "
                "pages of the generated annotated CRF instead"
            )
        if item.origin != "Collected":
            return None
        if isinstance(item, ValueLevel):
            key: CrfItem = (item.dataset, item.variable, item.where_clause)
        else:
            key = (item.dataset, item.name, None)
        found = generated.get(key)
        if not found:
            self.unannotated.append(f"{key[0]}.{key[1]}" + (f" ({key[2]})" if key[2] else ""))
            return None
        return " ".join(str(p) for p in found)

    def item_def(self, d: Dataset, v: Variable):
        el = etree.Element(O("ItemDef"), OID=oids.item_oid(d.name, v.name))
        if numeric_storage(v):
            length = v.length or self.lengths.get(d.name, {}).get(v.name) or 8
        else:
            length = self.lengths.get(d.name, {}).get(v.name) or v.length
        sig = v.significant_digits if v.significant_digits is not None else self.sig.get(d.name, {}).get(v.name)
        self._attrs(el, v.name, v, length, sig)
        com = self.use_comment(v.comment)
        if com:
            el.set(D("CommentOID"), com)
        self.desc(el, v.label)
        cl = self.use_codelist(v.codelist)
        if cl:
            etree.SubElement(el, O("CodeListRef"), CodeListOID=cl)
        self._origin(el, v)
        if self.spec.value_list(d.name, v.name):
            etree.SubElement(el, D("ValueListRef"), ValueListOID=oids.valuelist_oid(d.name, v.name))
        return el

    def value_list(self, d: Dataset, v: Variable, rows: tuple[ValueLevel, ...]):
        vld = etree.Element(D("ValueListDef"), OID=oids.valuelist_oid(d.name, v.name))
        items = []
        seen: set[str] = set()
        parent_length = self.lengths.get(d.name, {}).get(v.name) or v.length
        for n, row in enumerate(rows, start=1):
            wc = row.where_clause
            clause = self.where_clause(wc)
            item_oid = oids.value_item_oid(d.name, v.name, wc)
            if item_oid in seen:
                item_oid = f"{item_oid}.{n}"
            seen.add(item_oid)
            ref = etree.SubElement(vld, O("ItemRef"), ItemOID=item_oid)
            ref.set("OrderNumber", str(row.order if row.order is not None else n))
            ref.set("Mandatory", _yes_no(row.mandatory))
            mt = self.use_method(row.method)
            if mt:
                ref.set("MethodOID", mt)
            if clause is not None:
                etree.SubElement(ref, D("WhereClauseRef"), WhereClauseOID=oids.where_oid(wc))
            item = etree.Element(O("ItemDef"), OID=item_oid)
            length: int | None
            if numeric_storage(row):
                length = row.length or 8
            else:
                measured = self.value_lengths.get((d.name, v.name, wc))
                length = measured or (
                    min(row.length, parent_length) if row.length and parent_length else (row.length or parent_length)
                )
            self._attrs(item, v.name, row, length, row.significant_digits)
            com = self.use_comment(row.comment)
            if com:
                item.set(D("CommentOID"), com)
            self.desc(item, row.label)
            cl = self.use_codelist(row.codelist)
            if cl:
                etree.SubElement(item, O("CodeListRef"), CodeListOID=cl)
            self._origin(item, row)
            items.append(item)
        return vld, items

    def where_clause(self, clause_id: str) -> WhereClause | None:
        try:
            clause = self.spec.where_clause(clause_id)
        except KeyError:
            self.notes.add(f"where clause {clause_id!r} is not defined; value-level item left without it")
            return None
        self.where[clause_id] = clause
        return clause

    def where_def(self, clause: WhereClause):
        el = etree.Element(D("WhereClauseDef"), OID=oids.where_oid(clause.id))
        for cond in clause.conditions:
            rc = etree.SubElement(el, O("RangeCheck"), Comparator=cond.comparator, SoftHard="Soft")
            rc.set(D("ItemOID"), oids.item_oid(cond.dataset, cond.variable))
            for value in cond.values:
                etree.SubElement(rc, O("CheckValue")).text = value
        return el

    # -- codelists, methods, comments --------------------------------------
    def codelist(self, cid: str):
        if not self.spec.has_codelist(cid):
            dic = next(d for d in self.spec.dictionaries if d.id == cid)
            el = etree.Element(
                O("CodeList"), OID=oids.codelist_oid(cid), Name=dic.name or cid, DataType=_codelist_type(dic.data_type)
            )
            ext = etree.SubElement(el, O("ExternalCodeList"), Dictionary=dic.dictionary or dic.name or cid)
            if dic.version:
                ext.set("Version", dic.version)
            return el
        cl: Codelist = self.spec.codelist(cid)
        el = etree.Element(
            O("CodeList"), OID=oids.codelist_oid(cid), Name=cl.name or cid, DataType=_codelist_type(cl.data_type)
        )
        if cl.nci_code:
            std = self.ct_std.get("ADaM" if self.adam else "SDTM") or next(iter(self.ct_std.values()), None)
            if std:
                el.set(D("StandardOID"), std)
        com = (
            self.use_comment(cl.comment) if cl.comment and any(c.id == cl.comment for c in self.spec.comments) else None
        )
        if com:
            el.set(D("CommentOID"), com)
        decoded = any(t.decoded_value for t in cl.terms)
        for t in cl.terms:
            item = etree.SubElement(el, O("CodeListItem" if decoded else "EnumeratedItem"), CodedValue=t.term)
            if t.order is not None:
                item.set("OrderNumber", str(t.order))
            if cl.extensible and cl.nci_code and not t.nci_code:
                item.set(D("ExtendedValue"), "Yes")
            if decoded:
                _text_el(item, O("Decode"), t.decoded_value or t.term, self.lang)
            if t.nci_code:
                etree.SubElement(item, O("Alias"), Context="nci:ExtCodeID", Name=t.nci_code)
        if cl.nci_code:
            etree.SubElement(el, O("Alias"), Context="nci:ExtCodeID", Name=cl.nci_code)
        return el

    def method(self, mid: str):
        m = next(x for x in self.spec.methods if x.id == mid)
        el = etree.Element(O("MethodDef"), OID=oids.method_oid(mid), Name=m.name or mid, Type=m.type or "Computation")
        self.desc(el, m.description or m.name or mid)
        if m.expression_code:
            fe = etree.SubElement(el, O("FormalExpression"), Context=m.expression_context or "")
            fe.text = m.expression_code
        self.doc_ref(el, m.document, m.pages)
        return el

    def comment(self, cid: str):
        c = next(x for x in self.spec.comments if x.id == cid)
        el = etree.Element(D("CommentDef"), OID=oids.comment_oid(cid))
        self.desc(el, c.description or cid)
        self.doc_ref(el, c.document, c.pages)
        return el

    def synth_comment(self, oid: str, text: str):
        el = etree.Element(D("CommentDef"), OID=oid)
        self.desc(el, text)
        return el

    # -- analysis results metadata (ARM 1.0) ---------------------------------
    def analysis_results(self):
        results_by_display: dict[str, list[AnalysisResult]] = {}
        for r in self.spec.analysis_results:
            results_by_display.setdefault(r.display, []).append(r)
        ids = [r.id for r in self.spec.analysis_results]
        unique = len(ids) == len(set(ids))
        top = etree.Element(A("AnalysisResultDisplays"))
        displays = list(self.spec.analysis_displays)
        known = {d.id for d in displays}
        for name in results_by_display:
            if name not in known:
                self.notes.add(f"analysis display {name!r} has results but is not in the Analysis Displays sheet")
        for disp in displays:
            results = results_by_display.get(disp.id, [])
            if not results:
                self.notes.add(f"analysis display {disp.id!r} has no results; left out (ARM needs at least one)")
                continue
            rd = etree.SubElement(top, A("ResultDisplay"), OID=oids.display_oid(disp.id), Name=disp.id)
            self.desc(rd, disp.title or disp.id)
            self.doc_ref(rd, disp.document, disp.pages)
            for r in results:
                rd.append(self.analysis_result(r, r.id if unique else f"{r.display}.{r.id}"))
        return top if len(top) else None

    def _selection(self, r: AnalysisResult, default_dataset: str | None) -> dict[str, str]:
        """Selection criteria as {dataset: where clause id}."""
        out: dict[str, str] = {}
        conds: dict[str, list[WhereCondition]] = {}
        for part in re.split(r"[;\n]+", r.selection_criteria or ""):
            part = part.strip()
            if not part:
                continue
            if any(w.id == part for w in self.spec.where_clauses):
                clause = self.spec.where_clause(part)
                ds = clause.conditions[0].dataset if clause.conditions else default_dataset
                out[ds or ""] = part
                self.where[part] = clause
                continue
            parsed = parse_where_text(part, default_dataset or "")
            if parsed is None:
                self.notes.add(
                    f"analysis result {r.id}: selection criterion {part!r} is neither a where clause ID nor an expression"
                )
                continue
            for cond in parsed:
                conds.setdefault(cond.dataset, []).append(cond)
        for ds, items in conds.items():
            clause_id = f"{r.id}.{ds}"
            self.where[clause_id] = WhereClause(clause_id, tuple(items))
            out[ds] = clause_id
        return out

    def analysis_result(self, r: AnalysisResult, ident: str):
        variables = [tuple(x.split(".", 1)) for x in r.variables if "." in x]
        datasets = list(dict.fromkeys(ds for ds, _ in variables))
        selection = self._selection(r, datasets[0] if datasets else None)
        for ds in selection:
            if ds not in datasets:
                datasets.append(ds)
        el = etree.Element(A("AnalysisResult"), OID=oids.result_oid(ident))
        param_ds = next(
            (ds for ds, wc in selection.items() if any(c.variable == "PARAMCD" for c in self.where[wc].conditions)),
            None,
        )
        if param_ds:
            el.set("ParameterOID", oids.item_oid(param_ds, "PARAMCD"))
        if not r.reason or not r.purpose:
            self.notes.add(
                f"analysis result {r.id}: Reason or Purpose missing; 'SPECIFIED IN SAP' / 'PRIMARY OUTCOME MEASURE' written"
            )
        el.set("AnalysisReason", r.reason or "SPECIFIED IN SAP")
        el.set("AnalysisPurpose", r.purpose or "PRIMARY OUTCOME MEASURE")
        self.desc(el, r.description or r.id)
        ads = etree.SubElement(el, A("AnalysisDatasets"))
        if r.join_comment:
            known = any(c.id == r.join_comment for c in self.spec.comments)
            comment = self.use_comment(r.join_comment) if known else None
            if comment:
                ads.set(D("CommentOID"), comment)
            else:
                oid = oids.comment_oid(f"{ident}.JOIN")
                self.synth_comments[oid] = r.join_comment
                ads.set(D("CommentOID"), oid)
        for ds in datasets:
            ad = etree.SubElement(ads, A("AnalysisDataset"), ItemGroupOID=oids.itemgroup_oid(ds))
            if ds in selection:
                etree.SubElement(ad, D("WhereClauseRef"), WhereClauseOID=oids.where_oid(selection[ds]))
            for vds, var in variables:
                if vds == ds:
                    etree.SubElement(ad, A("AnalysisVariable"), ItemOID=oids.item_oid(ds, var))
        refs = [x.strip() for x in re.split(r"[,;]", r.documentation_refs or "") if x.strip()]
        if r.documentation or refs:
            doc = etree.SubElement(el, A("Documentation"))
            self.desc(doc, r.documentation or r.description or r.id)
            for i, ref in enumerate(refs):
                self.doc_ref(doc, ref, r.pages if i == 0 else None)
        if r.programming_code or r.programming_document or r.programming_context:
            pc = etree.SubElement(el, A("ProgrammingCode"))
            if r.programming_context:
                pc.set("Context", r.programming_context)
            if r.programming_code:
                etree.SubElement(pc, A("Code")).text = r.programming_code
            self.doc_ref(pc, r.programming_document, None)
        return el


def _codelist_type(data_type: str | None) -> str:
    return data_type if data_type in ("integer", "float", "text") else "text"


def build_define(
    spec: Spec,
    *,
    datasets=None,
    lengths=None,
    significant_digits=None,
    value_lengths=None,
    settings: DefineSettings = DefineSettings(),
    notes: BuildNotes | None = None,
    documents: Documents | None = None,
) -> etree._Element:
    """The define.xml document of the spec (or of the named datasets) as an lxml element.

    lengths: {dataset: {variable: actual length}} from the written transport files;
    significant_digits: {dataset: {variable: digits}} for float variables;
    value_lengths: {(dataset, variable, where clause id): length} for value-level items;
    documents: the documents beside define.xml in the package (see Documents), which alone it
    refers to; None when define.xml is built on its own: every document of the spec is named.
    """
    chosen = tuple(spec.dataset(n) for n in datasets) if datasets is not None else spec.datasets
    builder = _Builder(
        spec, chosen, lengths, significant_digits, value_lengths, settings, notes or BuildNotes(), documents
    )
    return builder.build()


def define_bytes(root: etree._Element, stylesheet: bool = True) -> bytes:
    """The document as UTF-8 bytes, with the stylesheet processing instruction."""
    body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n'
    if stylesheet:
        head += f'<?xml-stylesheet type="text/xsl" href="{STYLESHEET}"?>\n'.encode()
    return head + body


def write_define(root: etree._Element, path: str | os.PathLike[str], stylesheet: bool = True) -> Path:
    """Write define.xml atomically."""
    return atomic_write_bytes(path, define_bytes(root, stylesheet))
