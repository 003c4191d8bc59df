"""Read a define.xml (Define-XML 2.1, or 2.0 as Pinnacle 21 writes it) into the spec model.

    spec, notes = read_define("define.xml")

So a sponsor's define can be compared with its data, or written again as a
workbook. OIDs become spec IDs by dropping their conventional prefix (CL., MT.,
COM., WC., LF., RD., AR.). Define-XML 2.0 origins CRF and eDT are read as
Collected (Investigator / Vendor), as the workbook reader does.
"""

from __future__ import annotations

import os

from lxml import etree

from dataset_io import oids
from specs import model as m
from specs.xmlsafe import parse_xml

from .build import ARM_NS, DEF20_NS, DEF_NS, ODM_NS, XLINK_NS

_ORIGIN_20 = {"CRF": ("Collected", "Investigator"), "eDT": ("Collected", "Vendor")}


def _yes(value: str | None) -> bool | None:
    if value is None:
        return None
    return value.strip().lower() == "yes"


def _int(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def _req(el, attr: str) -> str:
    """An attribute the Define-XML schema requires; a define.xml without it cannot be read."""
    value = el.get(attr)
    if value is None:
        raise ValueError(f"{etree.QName(el).localname} at line {el.sourceline}: no {attr} attribute")
    return value


class _Reader:
    def __init__(self, tree: etree._ElementTree, source: str):
        self.root = tree.getroot()
        self.source = source
        self.notes: list[str] = []
        self.defns = DEF20_NS if DEF20_NS in self.root.nsmap.values() else DEF_NS
        self.version = "2.0" if self.defns == DEF20_NS else "2.1"
        mdv = self.root.find(f"{{{ODM_NS}}}Study/{{{ODM_NS}}}MetaDataVersion")
        if mdv is None:
            raise ValueError(f"{source}: no Study/MetaDataVersion element; not a define.xml")
        self.mdv: etree._Element = mdv
        self.items = {_req(el, "OID"): el for el in self.mdv.findall(self.O("ItemDef"))}
        self.groups = self.mdv.findall(self.O("ItemGroupDef"))
        self.leaves = {el.get("ID"): el for el in self.mdv.iter(self.D("leaf"))}
        self.standards = {el.get("OID"): el for el in self.mdv.iter(self.D("Standard"))}
        # which datasets refer to each ItemDef
        self.owners: dict[str, list[str]] = {}
        for g in self.groups:
            for ref in g.findall(self.O("ItemRef")):
                self.owners.setdefault(_req(ref, "ItemOID"), []).append(_req(g, "Name"))

    def O(self, tag: str) -> str:  # noqa: E743, N802
        return f"{{{ODM_NS}}}{tag}"

    def D(self, tag: str) -> str:  # noqa: N802
        return f"{{{self.defns}}}{tag}"

    def text(self, el, tag: str = "Description") -> str | None:
        if el is None:
            return None
        node = el.find(self.O(tag))
        if node is None:
            return None
        tt = node.find(self.O("TranslatedText"))
        value = (tt.text if tt is not None else node.text) or ""
        return value.strip() or None

    def doc_and_pages(self, el) -> tuple[str | None, str | None]:
        ref = el.find(self.D("DocumentRef")) if el is not None else None
        if ref is None:
            return None, None
        doc = oids.strip_prefix(ref.get("leafID"), "LF.")
        page = ref.find(self.D("PDFPageRef"))
        pages = None
        if page is not None:
            if page.get("PageRefs"):
                pages = page.get("PageRefs")
            elif page.get("FirstPage"):
                pages = f"{page.get('FirstPage')}-{page.get('LastPage') or page.get('FirstPage')}"
        return doc, pages

    # ------------------------------------------------------------------
    def study(self) -> m.Study:
        gv = self.root.find(f"{{{ODM_NS}}}Study/{{{ODM_NS}}}GlobalVariables")
        get = lambda t: (gv.findtext(self.O(t)) or "").strip() or None if gv is not None else None  # noqa: E731
        name = version = None
        ig = next((s for s in self.standards.values() if s.get("Type") == "IG"), None)
        if ig is not None:
            name, version = ig.get("Name"), ig.get("Version")
        else:
            name, version = self.mdv.get(self.D("StandardName")), self.mdv.get(self.D("StandardVersion"))
        lang = None
        tt = self.mdv.find(f".//{{{ODM_NS}}}TranslatedText")
        if tt is not None:
            lang = tt.get("{http://www.w3.org/XML/1998/namespace}lang")
        attrs = [
            ("StudyName", get("StudyName")),
            ("StudyDescription", get("StudyDescription")),
            ("ProtocolName", get("ProtocolName")),
            ("StandardName", name),
            ("StandardVersion", version),
            ("Language", lang),
        ]
        for st in self.standards.values():
            if st.get("Type") == "CT":
                attrs.append((f"{st.get('PublishingSet') or ''} CT".strip(), st.get("Version")))
        return m.Study(tuple(attrs))

    def datasets_and_variables(self) -> tuple[list[m.Dataset], list[m.Variable]]:
        datasets, variables = [], []
        for g in self.groups:
            name = _req(g, "Name")
            refs = g.findall(self.O("ItemRef"))
            keys = sorted(((int(_req(r, "KeySequence")), r) for r in refs if r.get("KeySequence")), key=lambda x: x[0])
            cls_el = g.find(self.D("Class"))
            cls = cls_el.get("Name") if cls_el is not None else g.get(self.D("Class"))
            sub_el = cls_el.find(self.D("SubClass")) if cls_el is not None else None
            leaf = g.find(self.D("leaf"))
            if leaf is None and g.get(self.D("ArchiveLocationID")):
                leaf = self.leaves.get(g.get(self.D("ArchiveLocationID")))
            std = self.standards.get(g.get(self.D("StandardOID")))
            datasets.append(
                m.Dataset(
                    name=name,
                    label=self.text(g),
                    dataset_class=cls,
                    subclass=sub_el.get("Name") if sub_el is not None else None,
                    structure=g.get(self.D("Structure")),
                    purpose=g.get("Purpose"),
                    keys=tuple(self._item_name(_req(r, "ItemOID")) for _, r in keys),
                    repeating=_yes(g.get("Repeating")),
                    reference_data=_yes(g.get("IsReferenceData")),
                    comment=oids.strip_prefix(g.get(self.D("CommentOID")), "COM."),
                    standard=f"{std.get('Name')} {std.get('Version')}" if std is not None else None,
                    has_no_data=True if g.get(self.D("HasNoData")) == "Yes" else None,
                    leaf=leaf.get(f"{{{XLINK_NS}}}href") if leaf is not None else None,
                )
            )
            for n, ref in enumerate(refs, start=1):
                item = self.items.get(_req(ref, "ItemOID"))
                if item is None:
                    self.notes.append(f"{name}: ItemRef {ref.get('ItemOID')} has no ItemDef; skipped")
                    continue
                fields = self._item_fields(item)
                variables.append(
                    m.Variable(
                        dataset=name,
                        name=_req(item, "Name"),
                        order=_int(ref.get("OrderNumber")) or n,
                        mandatory=_yes(ref.get("Mandatory")),
                        method=oids.strip_prefix(ref.get("MethodOID"), "MT."),
                        role=ref.get("Role"),
                        has_no_data=True if ref.get(self.D("HasNoData")) == "Yes" else None,
                        **fields,
                    )
                )
        return datasets, variables

    def _item_name(self, oid: str) -> str:
        item = self.items.get(oid)
        return _req(item, "Name") if item is not None else oids.strip_prefix(oid, "IT.").split(".")[-1]

    def _item_fields(self, item) -> dict:
        origin = item.find(self.D("Origin"))
        otype = source = pages = predecessor = None
        if origin is not None:
            otype, source = origin.get("Type"), origin.get("Source")
            if otype in _ORIGIN_20:
                otype, default_source = _ORIGIN_20[otype]
                source = source or default_source
            _, pages = self.doc_and_pages(origin)
            if otype == "Predecessor":
                predecessor = self.text(origin)
        cl = item.find(self.O("CodeListRef"))
        return dict(
            label=self.text(item),
            data_type=item.get("DataType"),
            length=_int(item.get("Length")),
            significant_digits=_int(item.get("SignificantDigits")),
            display_format=item.get(self.D("DisplayFormat")),
            codelist=oids.strip_prefix(cl.get("CodeListOID"), "CL.") if cl is not None else None,
            origin=otype,
            source=source,
            pages=pages,
            predecessor=predecessor,
            comment=oids.strip_prefix(item.get(self.D("CommentOID")), "COM."),
        )

    def value_level(self) -> list[m.ValueLevel]:
        owners: dict[str, list[tuple[str, str]]] = {}
        for oid, item in self.items.items():
            ref = item.find(self.D("ValueListRef"))
            if ref is not None:
                for ds in self.owners.get(oid, []):
                    owners.setdefault(_req(ref, "ValueListOID"), []).append((ds, _req(item, "Name")))
        out = []
        for vld in self.mdv.findall(self.D("ValueListDef")):
            targets = owners.get(_req(vld, "OID"))
            if not targets:
                self.notes.append(f"ValueListDef {vld.get('OID')} is not referenced by any variable; skipped")
                continue
            for ds, var in targets:
                for n, ref in enumerate(vld.findall(self.O("ItemRef")), start=1):
                    value_item = self.items.get(_req(ref, "ItemOID"))
                    if value_item is None:
                        self.notes.append(f"{vld.get('OID')}: ItemRef {ref.get('ItemOID')} has no ItemDef; skipped")
                        continue
                    wcs = ref.findall(self.D("WhereClauseRef"))
                    if len(wcs) > 1:
                        self.notes.append(
                            f"{vld.get('OID')}: item {ref.get('ItemOID')} has {len(wcs)} where clauses; the first is kept"
                        )
                    wc = oids.strip_prefix(_req(wcs[0], "WhereClauseOID"), "WC.") if wcs else ""
                    fields = self._item_fields(value_item)
                    out.append(
                        m.ValueLevel(
                            dataset=ds,
                            variable=var,
                            where_clause=wc,
                            order=_int(ref.get("OrderNumber")) or n,
                            mandatory=_yes(ref.get("Mandatory")),
                            method=oids.strip_prefix(ref.get("MethodOID"), "MT."),
                            **fields,
                        )
                    )
        return out

    def where_clauses(self, value_level: list[m.ValueLevel]) -> list[m.WhereClause]:
        vl_dataset = {v.where_clause: v.dataset for v in value_level}
        out = []
        for wcd in self.mdv.findall(self.D("WhereClauseDef")):
            clause_id = oids.strip_prefix(_req(wcd, "OID"), "WC.")
            conditions = []
            for rc in wcd.findall(self.O("RangeCheck")):
                item_oid = _req(rc, self.D("ItemOID"))
                owners = self.owners.get(item_oid, [])
                ds = vl_dataset.get(clause_id)
                if ds not in owners:
                    ds = owners[0] if owners else oids.strip_prefix(item_oid, "IT.").split(".")[0]
                values = tuple((cv.text or "") for cv in rc.findall(self.O("CheckValue")))
                conditions.append(m.WhereCondition(ds, self._item_name(item_oid), _req(rc, "Comparator"), values))
            out.append(m.WhereClause(clause_id, tuple(conditions)))
        return out

    def codelists(self) -> tuple[list[m.Codelist], list[m.Dictionary]]:
        codelists, dictionaries = [], []
        for cl in self.mdv.findall(self.O("CodeList")):
            cid = oids.strip_prefix(_req(cl, "OID"), "CL.")
            ext = cl.find(self.O("ExternalCodeList"))
            if ext is not None:
                dictionaries.append(
                    m.Dictionary(cid, cl.get("Name"), cl.get("DataType"), ext.get("Dictionary"), ext.get("Version"))
                )
                continue
            alias = cl.find(self.O("Alias"))
            terms = []
            extended = False
            for _n, it in enumerate(cl.findall("*"), start=1):
                if it.tag not in (self.O("CodeListItem"), self.O("EnumeratedItem")):
                    continue
                term_alias = it.find(self.O("Alias"))
                extended = extended or it.get(self.D("ExtendedValue")) == "Yes"
                terms.append(
                    m.CodelistTerm(
                        term=_req(it, "CodedValue"),
                        order=_int(it.get("OrderNumber")),
                        nci_code=term_alias.get("Name") if term_alias is not None else None,
                        decoded_value=self.text(it, "Decode") if it.tag == self.O("CodeListItem") else None,
                    )
                )
            codelists.append(
                m.Codelist(
                    id=cid,
                    name=cl.get("Name"),
                    nci_code=alias.get("Name") if alias is not None else None,
                    data_type=cl.get("DataType"),
                    comment=oids.strip_prefix(cl.get(self.D("CommentOID")), "COM."),
                    extensible=extended,
                    terms=tuple(terms),
                )
            )
        return codelists, dictionaries

    def methods(self) -> list[m.Method]:
        out = []
        for el in self.mdv.findall(self.O("MethodDef")):
            fe = el.find(self.O("FormalExpression"))
            doc, pages = self.doc_and_pages(el)
            out.append(
                m.Method(
                    id=oids.strip_prefix(_req(el, "OID"), "MT."),
                    name=el.get("Name"),
                    type=el.get("Type"),
                    description=self.text(el),
                    expression_context=(fe.get("Context") or None) if fe is not None else None,
                    expression_code=(fe.text or "").strip() or None if fe is not None else None,
                    document=doc,
                    pages=pages,
                )
            )
        return out

    def comments(self) -> list[m.Comment]:
        out = []
        for el in self.mdv.findall(self.D("CommentDef")):
            doc, pages = self.doc_and_pages(el)
            out.append(m.Comment(oids.strip_prefix(_req(el, "OID"), "COM."), self.text(el), doc, pages))
        return out

    def documents(self) -> list[m.Document]:
        dataset_leaves = {g.get(self.D("ArchiveLocationID")) for g in self.groups}
        dataset_leaves |= {lf.get("ID") for g in self.groups for lf in g.findall(self.D("leaf"))}
        out = []
        for el in self.mdv.findall(self.D("leaf")):
            if el.get("ID") in dataset_leaves:
                continue
            title = el.findtext(self.D("title"))
            out.append(
                m.Document(
                    oids.strip_prefix(_req(el, "ID"), "LF."),
                    (title or "").strip() or None,
                    el.get(f"{{{XLINK_NS}}}href"),
                )
            )
        return out

    def analysis(self) -> tuple[list[m.AnalysisDisplay], list[m.AnalysisResult]]:
        A = lambda t: f"{{{ARM_NS}}}{t}"  # noqa: E731
        displays: list[m.AnalysisDisplay] = []
        results: list[m.AnalysisResult] = []
        top = self.mdv.find(A("AnalysisResultDisplays"))
        if top is None:
            return displays, results
        groups = {g.get("OID"): g.get("Name") for g in self.groups}
        for rd in top.findall(A("ResultDisplay")):
            did = oids.strip_prefix(_req(rd, "OID"), "RD.")
            doc, pages = self.doc_and_pages(rd)
            displays.append(m.AnalysisDisplay(did, self.text(rd), doc, pages))
            for ar in rd.findall(A("AnalysisResult")):
                ads = ar.find(A("AnalysisDatasets"))
                variables, criteria = [], []
                for ad in ads.findall(A("AnalysisDataset")) if ads is not None else []:
                    ds = groups.get(ad.get("ItemGroupOID"), oids.strip_prefix(ad.get("ItemGroupOID"), "IG."))
                    for wc in ad.findall(self.D("WhereClauseRef")):
                        criteria.append(oids.strip_prefix(_req(wc, "WhereClauseOID"), "WC."))
                    for av in ad.findall(A("AnalysisVariable")):
                        variables.append(f"{ds}.{self._item_name(_req(av, 'ItemOID'))}")
                doc_el = ar.find(A("Documentation"))
                doc_refs = (
                    [oids.strip_prefix(_req(r, "leafID"), "LF.") for r in doc_el.findall(self.D("DocumentRef"))]
                    if doc_el is not None
                    else []
                )
                _, doc_pages = self.doc_and_pages(doc_el) if doc_el is not None else (None, None)
                pc = ar.find(A("ProgrammingCode"))
                code = pc.findtext(A("Code")) if pc is not None else None
                prog_doc, _ = self.doc_and_pages(pc) if pc is not None else (None, None)
                results.append(
                    m.AnalysisResult(
                        display=did,
                        id=oids.strip_prefix(_req(ar, "OID"), "AR."),
                        description=self.text(ar),
                        variables=tuple(variables),
                        reason=ar.get("AnalysisReason"),
                        purpose=ar.get("AnalysisPurpose"),
                        selection_criteria="; ".join(criteria) or None,
                        join_comment=oids.strip_prefix(ads.get(self.D("CommentOID")), "COM.")
                        if ads is not None
                        else None,
                        documentation=self.text(doc_el) if doc_el is not None else None,
                        documentation_refs=", ".join(doc_refs) or None,
                        programming_context=pc.get("Context") if pc is not None else None,
                        programming_code=code.strip() if code and code.strip() else None,
                        programming_document=prog_doc,
                        pages=doc_pages,
                    )
                )
        return displays, results

    def spec(self) -> m.Spec:
        datasets, variables = self.datasets_and_variables()
        value_level = self.value_level()
        codelists, dictionaries = self.codelists()
        displays, results = self.analysis()
        return m.Spec(
            study=self.study(),
            datasets=tuple(datasets),
            variables=tuple(variables),
            value_level=tuple(value_level),
            where_clauses=tuple(self.where_clauses(value_level)),
            codelists=tuple(codelists),
            dictionaries=tuple(dictionaries),
            methods=tuple(self.methods()),
            comments=tuple(self.comments()),
            documents=tuple(self.documents()),
            analysis_displays=tuple(displays),
            analysis_results=tuple(results),
            source=self.source,
        )


def read_define(path: str | os.PathLike[str]) -> tuple[m.Spec, list[str]]:
    """A define.xml (2.0 or 2.1) as a Spec, with notes on what could not be taken.

    Raises specs.xmlsafe.XmlInputError (a ValueError) naming the file when it declares a
    DTD or entities (refused unread), is not well-formed or cannot be read."""
    tree = parse_xml(path)
    reader = _Reader(tree, str(path))
    return reader.spec(), reader.notes
