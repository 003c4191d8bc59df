"""Which raw fields the Mapping sheet reads, and which it declares not submitted: from the spec alone.

A Mapping rule reads a raw field of its Form

- as its **Field**;
- in its **Condition** (`FIELD EQ value [AND ...]`);
- in a `concat` **Value** template (`{FIELD}`), unless the name is a variable
  an earlier rule of the same record set sets;
- as its `time_field=` **Parameter**.

The rules of one dataset, form and `record=` parameter make a record set; the
study's subject column is read by every record set (it names the subject of
each record). A `not_submitted` rule without Field declares rows not submitted,
and the fields of its Condition select them; one with a Field declares that
field not submitted, the reason in Comment.

The names are those the spec writes. A raw field name may hold a dot (an EDC
item prefix, `PFX.NAME`), which a Condition reads as a dataset: such a name is
given both ways, the whole dotted name first (`names`), and a reader with the
form's columns takes the first that exists (`resolve`). sdtm_builder's field
accounting (fields.py) and the annotated CRF of the submission read the
Mapping sheet through here, so both say the same about every field.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .model import MappingRule, Spec, WhereCondition
from .workbook import parse_where_text

TEMPLATE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.]*)\}")

# how a rule reads a field
FIELD, CONDITION, TEMPLATE_NAME, TIME, SUBJECT = "field", "condition", "template", "time", "subject"


@dataclass(frozen=True)
class FieldRead:
    """One raw field read by one rule (or by a record set, for the subject column)."""

    form: str
    names: tuple[str, ...]  # the field as the spec names it, in the order to look it up
    target: str  # DATASET.VARIABLE the rule sets; DATASET alone for a rule without variable (it selects records)
    how: str  # FIELD, CONDITION, TEMPLATE_NAME, TIME or SUBJECT
    rule: MappingRule | None = None  # None for the subject column

    @property
    def name(self) -> str:
        """The field's name when the form's columns are not known: the first way of writing it."""
        return self.names[0]


@dataclass(frozen=True)
class Declaration:
    """A `not_submitted` rule: a field of a form not submitted (field set), or the fields selecting rows not
    submitted (field None, `selecting` the fields of its Condition)."""

    form: str
    reason: str
    field: str | None = None
    selecting: tuple[tuple[str, ...], ...] = ()  # the Condition's fields, each as FieldRead.names
    condition: str | None = None  # the Condition selecting the rows not submitted


def is_field_declaration(rule: MappingRule) -> bool:
    """A `not_submitted` row naming a Field: that field of the form is not submitted (the reason in Comment)."""
    return rule.algorithm == "not_submitted" and bool(rule.field)


def condition_names(cond: WhereCondition, form: str) -> tuple[str, ...]:
    """The raw field a condition names, in the order to look it up: a dotted EDC name whole first
    (the condition reader takes its prefix for a dataset) unless the prefix is the form itself."""
    if cond.dataset and cond.dataset != form.upper():
        return (f"{cond.dataset}.{cond.variable}", cond.variable)
    return (cond.variable,)


def condition_fields(rule: MappingRule, form: str) -> list[tuple[str, ...]]:
    """The fields of a rule's Condition (each as condition_names gives it); none when it cannot be read."""
    if not rule.condition:
        return []
    return [condition_names(cond, form) for cond in (parse_where_text(rule.condition, form) or ())]


def resolve(columns: Iterable[str], names: Iterable[str | None]) -> str | None:
    """The first of `names` that is a column (case-insensitive), as the column is spelled; else None."""
    by_upper = {str(c).upper(): c for c in columns}
    for name in names:
        if name and name.upper() in by_upper:
            return by_upper[name.upper()]
    return None


def record_sets(spec: Spec) -> OrderedDict[tuple[str, str, str | None], list[MappingRule]]:
    """{(dataset, form, record): its rules in sheet order}, the declarations left out."""
    out: OrderedDict[tuple[str, str, str | None], list[MappingRule]] = OrderedDict()
    for rule in spec.mapping:
        if rule.form and rule.algorithm != "not_submitted":
            out.setdefault((rule.dataset, rule.form, rule.parameter("record", rule.form)), []).append(rule)
    return out


def mapping_reads(spec: Spec, *, subject_field: str | None = None) -> list[FieldRead]:
    """Every raw field each rule reads, record set by record set, rule by rule in sheet order.

    subject_field: the study's subject column, read by every record set (first of its reads).
    """
    out: list[FieldRead] = []
    for (dataset, form, _record), rules in record_sets(spec).items():
        if subject_field:
            out.append(FieldRead(form, (subject_field,), f"{dataset}.USUBJID", SUBJECT))
        defined: set[str] = set()  # variables set so far in the record set: a template name takes them first
        for rule in rules:
            target = f"{dataset}.{rule.variable}" if rule.variable else dataset
            for names in condition_fields(rule, form):
                out.append(FieldRead(form, names, target, CONDITION, rule))
            if rule.field:
                out.append(FieldRead(form, (rule.field,), target, FIELD, rule))
            time_field = rule.parameter("time_field")
            if time_field:
                out.append(FieldRead(form, (time_field,), target, TIME, rule))
            if rule.algorithm == "concat":
                for name in TEMPLATE.findall(rule.value or ""):
                    if name not in defined:
                        out.append(FieldRead(form, (name,), target, TEMPLATE_NAME, rule))
            if rule.variable:
                defined.add(rule.variable)
    return out


def declarations(spec: Spec) -> list[Declaration]:
    """Every `not_submitted` rule with a Form, in sheet order."""
    out = []
    for rule in spec.mapping:
        if rule.algorithm != "not_submitted" or not rule.form:
            continue
        if rule.field:
            out.append(Declaration(rule.form, rule.comment or "", field=rule.field))
        else:
            selecting = tuple(condition_fields(rule, rule.form))
            out.append(Declaration(rule.form, rule.comment or "", selecting=selecting, condition=rule.condition))
    return out


def mapping_forms(spec: Spec) -> list[str]:
    """Every Form the Mapping sheet names, in the order it first names them."""
    return list(dict.fromkeys(rule.form for rule in spec.mapping if rule.form))


def by_field(
    reads: Iterable[FieldRead], forms: Mapping[str, Iterable[str]] | None = None
) -> dict[tuple[str, str], list[FieldRead]]:
    """{(form, field): its reads, in order}. With `forms` ({form: its columns}) a field is the column
    its names resolve to and reads of other forms or of absent fields are left out; without, the
    spec's own spelling (FieldRead.name)."""
    out: dict[tuple[str, str], list[FieldRead]] = {}
    for read in reads:
        if forms is None:
            field: str | None = read.name
        elif read.form not in forms:
            continue
        else:
            field = resolve(forms[read.form], read.names)
        if field is not None:
            out.setdefault((read.form, field), []).append(read)
    return out


__all__ = [
    "CONDITION",
    "FIELD",
    "SUBJECT",
    "TEMPLATE",
    "TEMPLATE_NAME",
    "TIME",
    "Declaration",
    "FieldRead",
    "by_field",
    "condition_fields",
    "condition_names",
    "declarations",
    "is_field_declaration",
    "mapping_forms",
    "mapping_reads",
    "record_sets",
    "resolve",
]
