"""The annotated CRF (aCRF): each raw form's fields and where the SDTM datasets take them, as a PDF.

    acrf = build_acrf(spec, fields=field_table, subject_field="SUBJECT", study="SYSU-ANTOR-STS")
    Path("acrf.pdf").write_bytes(acrf.pdf)
    acrf.pages[("DM", "SEX", None)]          # (3,): the physical page DM.SEX is annotated on

A study that has its own annotated CRF supplies it (study.toml `[study] acrf`);
without one, this one is generated from what the toolkit knows of the forms:
every Form the spec's Mapping sheet names, with the fields its rules read
(specs.mapping_reads: as Field, in a Condition, in a concat template, as
`time_field=`) and those it declares not submitted. Given the field
accounting of a build (sdtm_builder.fields: form, field, status, reason), the
raw fields the Mapping sheet never names appear too, with why they are not
submitted.

One section per form, starting on a new page: the form's name and the datasets
it feeds, then a row per field: the field, a label (the label of the variable it
is mapped to, where there is one) and its annotation, as aCRFs write them:

    DM.SEX                                  the field is DM's SEX
    SUPPDM.QNAM=HISTOL                      a supplemental qualifier (QVAL where QNAM is HISTOL)
    RS.RSORRES where RSTESTCD = TRGRESP     a finding of the test the record set is made for
    AE.AEENRTPT = ONGOING when AEONGO EQ Yes    the field is read by a rule's Condition
    AE records where AEYN EQ Yes            the field selects the dataset's records
    NOT SUBMITTED: the reason               the spec's reason (Comment of its not_submitted row)

The outline (bookmarks) has the forms, and the datasets with the forms that
feed them, as the FDA's Study Data Technical Conformance Guide asks of an aCRF.
`pages` gives the physical page(s) on which each variable, and each
value-level item the Mapping targets, is annotated: define.xml's
def:PDFPageRef of collected variables. The PDF is the same bytes for the same
input (reportlab's invariant mode: no clock time, no random document id).
Text outside the fonts' character set (cp1252) is spelled in ASCII (anyascii).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import pandas as pd
from anyascii import anyascii
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from specs.integrity import supplemental_qualifiers
from specs.mapping_reads import (
    CONDITION,
    FIELD,
    SUBJECT,
    TEMPLATE_NAME,
    TIME,
    FieldRead,
    by_field,
    declarations,
    mapping_forms,
    mapping_reads,
    record_sets,
    resolve,
)
from specs.model import MappingRule, Spec

ACRF_FILE = "acrf.pdf"
NOT_SUBMITTED = "NOT SUBMITTED"
_HARDCODES = ("hardcode_ct", "hardcode_no_ct")

Item = tuple[str, str, str | None]  # (dataset, variable, where clause id or None): a define.xml item


@dataclass(frozen=True)
class Annotation:
    """One line of a field's annotation and the define.xml items it names."""

    text: str
    items: tuple[Item, ...] = ()
    domain: str | None = None  # the dataset it annotates (for the outline); None when not submitted


@dataclass(frozen=True)
class FieldAnnotation:
    field: str
    label: str | None
    annotations: tuple[Annotation, ...]


@dataclass(frozen=True)
class FormAnnotation:
    form: str
    fields: tuple[FieldAnnotation, ...]

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.domain for f in self.fields for a in f.annotations if a.domain))


@dataclass(frozen=True)
class AnnotatedCrf:
    """The PDF, the forms as annotated, and the physical pages of each define.xml item."""

    pdf: bytes
    forms: tuple[FormAnnotation, ...]
    pages: dict[Item, tuple[int, ...]] = field(default_factory=dict)
    form_pages: dict[str, tuple[int, ...]] = field(default_factory=dict)
    page_count: int = 0


# ---------------------------------------------------------------------------
# What each field is annotated with
# ---------------------------------------------------------------------------
class _Annotator:
    def __init__(self, spec: Spec):
        self.spec = spec
        self.qnams = supplemental_qualifiers(spec)
        self.variables = {(v.dataset, v.name): v for v in spec.variables}
        self.fixed: dict[int, dict[str, str]] = {}  # id(rule): the record set's hardcoded values
        for rules in record_sets(spec).values():
            values = {
                r.variable: r.value
                for r in rules
                if r.algorithm in _HARDCODES and r.variable and r.value and not r.condition
            }
            for r in rules:
                self.fixed[id(r)] = values

    def is_qualifier(self, dataset: str, variable: str) -> bool:
        return variable in self.qnams.get(dataset, ()) and (dataset, variable) not in self.variables

    def qualifier_clause(self, dataset: str, qnam: str) -> str | None:
        for row in self.spec.value_list(f"SUPP{dataset}", "QVAL"):
            try:
                clause = self.spec.where_clause(row.where_clause)
            except KeyError:
                continue
            if any(
                c.variable == "QNAM" and c.comparator == "EQ" and c.values[:1] == (qnam,) for c in clause.conditions
            ):
                return row.where_clause
        return None

    def items(self, dataset: str, variable: str, rule: MappingRule | None) -> tuple[Item, ...]:
        """The define.xml items a rule setting dataset.variable fills: the variable, and each of its
        value-level items the record set's hardcoded values do not rule out."""
        if self.is_qualifier(dataset, variable):
            supp = f"SUPP{dataset}"
            qualifier = self.qualifier_clause(dataset, variable)
            return ((supp, "QVAL", None),) + (((supp, "QVAL", qualifier),) if qualifier else ())
        out: list[Item] = [(dataset, variable, None)]
        fixed = self.fixed.get(id(rule), {}) if rule is not None else {}
        for row in self.spec.value_list(dataset, variable):
            try:
                clause = self.spec.where_clause(row.where_clause)
            except KeyError:
                continue
            if all(
                c.comparator not in ("EQ", "IN") or c.variable not in fixed or fixed[c.variable] in c.values
                for c in clause.conditions
            ):
                out.append((dataset, variable, row.where_clause))
        return tuple(out)

    def target_text(self, dataset: str, variable: str, rule: MappingRule | None) -> str:
        if self.is_qualifier(dataset, variable):
            return f"SUPP{dataset}.QNAM={variable}"
        text = f"{dataset}.{variable}"
        fixed = self.fixed.get(id(rule), {}) if rule is not None else {}
        tests = [f"{name} = {value}" for name, value in fixed.items() if name.endswith("TESTCD") and name != variable]
        return f"{text} where {' and '.join(tests)}" if tests else text

    def annotate(self, read: FieldRead) -> Annotation:
        rule = read.rule
        dataset, _, variable = read.target.partition(".")
        if not variable:  # a rule without variable: the field selects the dataset's records
            return Annotation(f"{dataset} records where {rule.condition if rule else ''}".strip(), (), dataset)
        text = self.target_text(dataset, variable, rule)
        if read.how == CONDITION and rule is not None:
            value = f" = {rule.value}" if rule.algorithm in _HARDCODES and rule.value else ""
            text = f"{text}{value} when {rule.condition}"
        elif read.how == FIELD and rule is not None and rule.condition:
            text = f"{text} when {rule.condition}"
        elif read.how == TEMPLATE_NAME and rule is not None:
            text = f"{text} = {rule.value}"
        elif read.how == TIME:
            text = f"{text} (time part)"
        domain = f"SUPP{dataset}" if self.is_qualifier(dataset, variable) else dataset
        return Annotation(text, self.items(dataset, variable, rule), domain)

    def label(self, reads: list[FieldRead]) -> str | None:
        for read in reads:
            if read.how != FIELD:
                continue
            dataset, _, variable = read.target.partition(".")
            if (dataset, variable) in self.variables:
                return self.variables[(dataset, variable)].label
            clause = self.qualifier_clause(dataset, variable) if variable else None
            for row in self.spec.value_list(f"SUPP{dataset}", "QVAL") if clause else ():
                if row.where_clause == clause and row.label:
                    return row.label
        return None


def annotate_forms(
    spec: Spec, *, fields: pd.DataFrame | None = None, subject_field: str | None = None
) -> tuple[FormAnnotation, ...]:
    """Every form of the Mapping sheet (then any other form of `fields`) with its fields annotated.

    fields: the field accounting of a build (columns form, field, status, reason), when the raw
    export is known: its fields in export order, those no rule names included. Without it, the
    fields the Mapping sheet names, in the order it names them.
    """
    reads = mapping_reads(spec, subject_field=subject_field)
    declared = declarations(spec)
    forms = mapping_forms(spec)
    columns: dict[str, list[str]] = {form: [] for form in forms}
    status: dict[tuple[str, str], tuple[str, str]] = {}
    if fields is not None:
        columns = {form: [] for form in forms}
        for row in fields.itertuples(index=False):
            columns.setdefault(str(row.form), []).append(str(row.field))
            reason = "" if pd.isna(row.reason) else str(row.reason)
            status[(str(row.form), str(row.field))] = (str(row.status), reason)
        read_by = by_field(reads, columns)
    else:
        read_by = by_field(reads)
        for form, name in read_by:
            if name not in columns[form]:
                columns[form].append(name)
        for d in declared:
            if d.field is not None and d.field not in columns.setdefault(d.form, []):
                columns[d.form].append(d.field)
    reasons: dict[tuple[str, str], list[str]] = {}
    selecting: dict[tuple[str, str], list[str]] = {}
    for d in declared:
        for names in [(d.field,)] if d.field is not None else d.selecting:
            column = resolve(columns.get(d.form, []), names)
            if column is None:
                continue
            if d.field is not None:
                reasons.setdefault((d.form, column), []).append(d.reason)
            else:
                selecting.setdefault((d.form, column), []).append(f"{NOT_SUBMITTED} where {d.condition}: {d.reason}")
    annotator = _Annotator(spec)
    out = []
    for form, fields_of_form in columns.items():
        annotated = []
        for name in fields_of_form:
            key = (form, name)
            # the subject column read by a record set says nothing a rule reading it does not say too
            others = {r.target for r in read_by.get(key, []) if r.how != SUBJECT}
            found = [r for r in read_by.get(key, []) if r.how != SUBJECT or r.target not in others]
            lines = list(dict.fromkeys(annotator.annotate(r) for r in found))
            lines += [Annotation(text) for text in dict.fromkeys(selecting.get(key, []))]
            if not found:
                why = reasons.get(key) or ([status[key][1]] if key in status and status[key][1] else [])
                lines.append(Annotation(f"{NOT_SUBMITTED}: " + ("; ".join(dict.fromkeys(why)) or "no rule reads it")))
            annotated.append(FieldAnnotation(name, annotator.label(found), tuple(lines)))
        out.append(FormAnnotation(form, tuple(annotated)))
    return tuple(out)


# ---------------------------------------------------------------------------
# The PDF
# ---------------------------------------------------------------------------
def plain_text(text: str) -> str:
    """Text the standard PDF fonts can show: characters outside their set (cp1252) spelled in ASCII."""
    out = []
    for ch in text:
        try:
            ch.encode("cp1252")
            out.append(ch)
        except UnicodeEncodeError:
            out.append(anyascii(ch) or "?")
    return "".join(out)


def pdf_text(text: str) -> str:
    """Text for a Paragraph: plain_text with its markup characters escaped."""
    return escape(plain_text(text))


class _Mark(Flowable):
    """A zero-size flowable that records the page it lands on, bookmarks it under each of `bookmarks`
    and adds the outline entries `outline` ((bookmark key, title, level), the key among `bookmarks`)."""

    def __init__(self, key: object, bookmarks: Iterable[str] = (), outline: Iterable[tuple[str, str, int]] = ()):
        super().__init__()
        self.acrf_key = key
        self.bookmarks = tuple(bookmarks)
        self.outline = tuple(outline)
        self.width = self.height = 0

    def wrap(self, availWidth, availHeight):  # noqa: N803 - reportlab's names
        return 0, 0

    def draw(self) -> None:
        for key in self.bookmarks:
            self.canv.bookmarkPage(key, fit="XYZ", top=None, left=None)
        for key, title, level in self.outline:
            self.canv.addOutlineEntry(title, key, level=level, closed=level > 0)


class _Document(BaseDocTemplate):
    def __init__(self, buffer, **kwargs):
        super().__init__(buffer, **kwargs)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._footer)])
        self.marks: dict[object, list[int]] = {}
        self.study = ""

    def _footer(self, canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(self.leftMargin, 0.5 * inch, plain_text(f"Annotated CRF {self.study}"))
        canvas.drawRightString(self.leftMargin + self.width, 0.5 * inch, f"page {canvas.getPageNumber()}")
        canvas.restoreState()

    def afterFlowable(self, flowable) -> None:  # noqa: N802 - reportlab's name
        key = getattr(flowable, "acrf_key", None)
        if key is not None:
            page = self.canv.getPageNumber()
            pages = self.marks.setdefault(key, [])
            if page not in pages:
                pages.append(page)


_LEGEND = [
    ("DM.SEX", "the field is the SDTM variable SEX of DM"),
    ("SUPPDM.QNAM=HISTOL", "a supplemental qualifier: QVAL of SUPPDM where QNAM is HISTOL"),
    ("RS.RSORRES where RSTESTCD = TRGRESP", "a result of the test its records are made for"),
    ("AE.AEENRTPT = ONGOING when AEONGO EQ Yes", "the field is read by the condition of a rule"),
    ("AE records where AEYN EQ Yes", "the field selects the records of the dataset"),
    (f"{NOT_SUBMITTED}: reason", "the field (or the rows it selects) is not in the submission, and why"),
]


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    return {
        "title": ParagraphStyle("acrf-title", parent=base["Title"], fontName="Helvetica-Bold"),
        "h1": ParagraphStyle("acrf-h1", parent=base["Heading1"], fontName="Helvetica-Bold", fontSize=16),
        "body": ParagraphStyle("acrf-body", parent=base["BodyText"], fontName="Helvetica", fontSize=9, leading=11),
        "field": ParagraphStyle("acrf-field", fontName="Helvetica-Bold", fontSize=9, leading=11),
        "label": ParagraphStyle("acrf-label", fontName="Helvetica", fontSize=9, leading=11),
        "mapped": ParagraphStyle("acrf-mapped", fontName="Helvetica", fontSize=9, leading=11, textColor=colors.navy),
        "not": ParagraphStyle(
            "acrf-not", fontName="Helvetica-Oblique", fontSize=9, leading=11, textColor=colors.darkred
        ),
        "head": ParagraphStyle("acrf-head", fontName="Helvetica-Bold", fontSize=9, leading=11, textColor=colors.white),
    }


def _row(cells: list, widths: list[float], header: bool = False) -> Table:
    table = Table([cells], colWidths=widths)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BOX", (0, 0), (-1, -1), 0.5, colors.grey),
        ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, -1), colors.darkslategray))
    table.setStyle(TableStyle(style))
    return table


def _form_key(form: str) -> str:
    return "form-" + re.sub(r"[^A-Za-z0-9_-]", "_", form)


def build_acrf(
    spec: Spec,
    *,
    fields: pd.DataFrame | None = None,
    subject_field: str | None = None,
    study: str | None = None,
) -> AnnotatedCrf:
    """The annotated CRF of the spec's Mapping sheet (see the module text); same input, same bytes."""
    forms = annotate_forms(spec, fields=fields, subject_field=subject_field)
    study = study or spec.study.study_name or ""
    styles = _styles()
    buffer = io.BytesIO()
    doc = _Document(
        buffer,
        pagesize=letter,
        leftMargin=0.75 * inch,
        rightMargin=0.75 * inch,
        topMargin=0.75 * inch,
        bottomMargin=0.85 * inch,
        title=f"Annotated CRF {study}".strip(),
        author="cdisc-build",
        subject="SDTM annotations of the raw forms",
        creator="cdisc-build",
        invariant=1,
    )
    doc.study = study
    widths = [1.6 * inch, 1.8 * inch, doc.width - 3.4 * inch]
    story: list = [
        _Mark("cover", ["cover"], [("cover", "Annotated CRF", 0)]),
        Paragraph(pdf_text(f"Annotated Case Report Form {study}".strip()), styles["title"]),
        Paragraph(
            pdf_text(
                "Each raw form of the study with its fields and where the SDTM datasets take them, from the "
                "spec's Mapping sheet. One section per form; the bookmarks list the forms, and the datasets with "
                "the forms that feed them."
            ),
            styles["body"],
        ),
        Spacer(1, 12),
        _row(
            [Paragraph("annotation", styles["head"]), Paragraph("means", styles["head"])],
            [3.2 * inch, doc.width - 3.2 * inch],
            header=True,
        ),
    ]
    for text, means in _LEGEND:
        style = styles["not"] if text.startswith(NOT_SUBMITTED) else styles["mapped"]
        story.append(
            _row(
                [Paragraph(pdf_text(text), style), Paragraph(pdf_text(means), styles["body"])],
                [3.2 * inch, doc.width - 3.2 * inch],
            )
        )
    feeding: dict[str, list[str]] = {}  # dataset: the forms that feed it
    for form in forms:
        for domain in form.domains:
            feeding.setdefault(domain, []).append(form.form)
    known = [d.name for d in spec.datasets if d.name in feeding]
    datasets = known + sorted(set(feeding) - set(known))
    first = {feeding[d][0]: d for d in reversed(datasets)}  # the first dataset each form is the first to feed
    for n, form in enumerate(forms):
        # every outline entry has a bookmark of its own: the datasets' part of the outline is added at the
        # end and points at bookmarks set here, on the form's first page
        marks = [_form_key(form.form)] + [f"{_form_key(form.form)}-{d}" for d in form.domains]
        marks += [f"dataset-{d}" for d in form.domains if feeding[d][0] == form.form]
        if datasets and first.get(form.form) == datasets[0]:
            marks.append("datasets")
        outline = [("forms", "Forms", 0)] if n == 0 else []
        if n == 0:
            marks.append("forms")
        outline.append((_form_key(form.form), form.form, 1))
        story += [PageBreak(), _Mark(("form", form.form), marks, outline)]
        story.append(Paragraph(pdf_text(f"Form {form.form}"), styles["h1"]))
        feeds = ", ".join(form.domains) or "none (nothing of this form is submitted)"
        story.append(Paragraph(pdf_text(f"Datasets: {feeds}"), styles["body"]))
        story.append(Spacer(1, 6))
        story.append(
            _row([Paragraph(t, styles["head"]) for t in ("field", "label", "SDTM annotation")], widths, header=True)
        )
        for item in form.fields:
            notes = [
                Paragraph(pdf_text(a.text), styles["mapped"] if a.domain else styles["not"]) for a in item.annotations
            ]
            row = _row(
                [
                    Paragraph(pdf_text(item.field), styles["field"]),
                    Paragraph(pdf_text(item.label or ""), styles["label"]),
                    notes,
                ],
                widths,
            )
            row.acrf_key = ("field", form.form, item.field)
            story.append(row)
    if datasets:
        entries = [("datasets", "Datasets", 0)]
        for domain in datasets:
            entries.append((f"dataset-{domain}", domain, 1))
            entries += [(f"{_form_key(f)}-{domain}", f, 2) for f in feeding[domain]]
        story.append(_Mark("outline", (), entries))
    doc.build(story)
    pdf = buffer.getvalue()
    pages: dict[Item, list[int]] = {}
    for form in forms:
        for item in form.fields:
            for page in doc.marks.get(("field", form.form, item.field), []):
                for annotation in item.annotations:
                    for key in annotation.items:
                        if page not in pages.setdefault(key, []):
                            pages[key].append(page)
    form_pages = {form.form: tuple(doc.marks.get(("form", form.form), [])) for form in forms}
    return AnnotatedCrf(
        pdf,
        forms,
        {key: tuple(sorted(p)) for key, p in pages.items()},
        form_pages,
        page_count=doc.page,
    )


__all__ = ["ACRF_FILE", "NOT_SUBMITTED", "AnnotatedCrf", "FormAnnotation", "annotate_forms", "build_acrf", "plain_text"]
