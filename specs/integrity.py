"""Integrity checks of a spec: broken references, orphans, duplicates, names.

Every problem is collected (never raised one at a time) and names the sheet,
row and column where it sits, so a spec author can fix them all in one pass.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from . import model as m
from .findings import Finding
from .limits import MAX_LABEL, MAX_NAME

# The P21 convention: CRF page numbers refer to the document with one of these IDs.
CRF_DOCUMENT_IDS = ("blankcrf", "acrf")


def _at(element, column: str | None = None) -> dict:
    loc = getattr(element, "loc", None)
    return {"sheet": loc.sheet if loc else None, "row": loc.row if loc else None, "column": column}


def supplemental_qualifiers(spec: m.Spec) -> dict[str, tuple[str, ...]]:
    """{parent dataset: QNAMs} from the value-level metadata of each SUPP-- dataset's QVAL."""
    out: dict[str, list[str]] = {}
    clauses = {w.id: w for w in spec.where_clauses}
    for row in spec.value_level:
        if not row.dataset.startswith("SUPP") or row.variable != "QVAL" or row.where_clause not in clauses:
            continue
        for cond in clauses[row.where_clause].conditions:
            if cond.variable == "QNAM" and cond.comparator == "EQ" and cond.values:
                out.setdefault(row.dataset[4:], []).append(cond.values[0])
    return {k: tuple(v) for k, v in out.items()}


def check_spec(spec: m.Spec, algorithms: Iterable[str] | None = None) -> list[Finding]:
    """All integrity findings of `spec`, kind by kind.

    algorithms: the names of the mapping algorithms that exist; when given, a
    Mapping row naming another algorithm is an error.
    """
    check = _Checker(spec)
    check.duplicates()
    check.datasets()
    check.variables()
    check.value_level()
    check.where_clauses()
    check.documents_and_analysis()
    check.codelists()
    check.mapping(algorithms)
    check.unit_conversions()
    check.orphans()
    check.datasets_have_variables()
    return check.findings


_NO_NAMES: frozenset[str] = frozenset()
UNIT_CODELIST = "C71620"  # the NCI code of CDISC's UNIT codelist


class _Checker:
    """The findings of one spec; each method checks one kind of thing. References are
    recorded as they are checked (`used`), for the orphans checked last."""

    def __init__(self, spec: m.Spec):
        self.spec = spec
        self.findings: list[Finding] = []
        self.datasets_defined = {d.name for d in spec.datasets}
        self.variables_defined = {(v.dataset, v.name) for v in spec.variables}
        self.ids = {
            "codelist": {c.id for c in spec.codelists},
            "dictionary": {d.id for d in spec.dictionaries},
            "method": {x.id for x in spec.methods},
            "comment": {x.id for x in spec.comments},
            "document": {x.id for x in spec.documents},
            "where clause": {w.id for w in spec.where_clauses},
            "analysis display": {x.id for x in spec.analysis_displays},
        }
        self.used: dict[str, set[str]] = defaultdict(set)

    def error(self, code: str, message: str, element, column: str | None = None) -> None:
        self.findings.append(Finding("error", code, message, **_at(element, column)))

    def warning(self, code: str, message: str, element, column: str | None = None) -> None:
        self.findings.append(Finding("warning", code, message, **_at(element, column)))

    def ref(self, kind: str, target: str | None, element, column: str, *, also: frozenset[str] = _NO_NAMES) -> None:
        """A reference to a `kind` by id: recorded as used, an error when no such id is defined."""
        if target is None:
            return
        self.used[kind].add(target)
        if target not in self.ids[kind] and target not in also:
            self.error("broken-reference", f"{kind} {target!r} is not defined", element, column)

    def codelist_ref(self, target: str | None, element) -> None:
        """A codelist reference, which may name a dictionary instead."""
        self.ref("codelist", target, element, "Codelist", also=frozenset(self.ids["dictionary"]))

    # -- unit conversions ------------------------------------------------------
    def unit_conversions(self) -> None:
        """The Unit Conversions sheet: a factor that is a non-zero number, units that are terms
        (or synonyms) of the spec's UNIT codelists (NCI C71620; not checked without one), a test
        (From Unit, To Unit) pair given once."""
        units: set[str] = set()
        for cl in self.spec.codelists:
            if cl.nci_code == UNIT_CODELIST or cl.id.upper() == "UNIT":
                for t in cl.terms:
                    units.update(u.strip().upper() for u in (t.term, *t.synonyms) if u)
        seen: dict[tuple, int | None] = {}
        for conv in self.spec.unit_conversions:
            if conv.factor is not None and conv.factor == 0:
                self.error("bad-unit-conversion", "the factor is 0", conv, "Factor")
            for column, unit in (("From Unit", conv.from_unit), ("To Unit", conv.to_unit)):
                if units and unit.strip().upper() not in units:
                    self.error(
                        "unknown-unit",
                        f"unit {unit!r} is not a term of the spec's UNIT codelist",
                        conv,
                        column,
                    )
            key = ((conv.test or "").upper(), conv.from_unit.strip().upper(), conv.to_unit.strip().upper())
            if key in seen:
                first = seen[key]
                self.error(
                    "duplicate-unit-conversion",
                    f"{conv.from_unit} -> {conv.to_unit}"
                    + (f" for test {conv.test}" if conv.test else " (any test)")
                    + f" is given twice (first in row {first})",
                    conv,
                    "From Unit",
                )
            else:
                seen[key] = conv.loc.row if conv.loc else None

    # -- duplicates ------------------------------------------------------------
    def duplicates(self) -> None:
        spec = self.spec
        self._duplicates(spec.datasets, lambda d: d.name, "dataset", "Dataset")
        self._duplicates(spec.variables, lambda v: (v.dataset, v.name), "variable", "Variable")
        self._duplicates(spec.methods, lambda x: x.id, "method", "ID")
        self._duplicates(spec.comments, lambda x: x.id, "comment", "ID")
        self._duplicates(spec.documents, lambda x: x.id, "document", "ID")
        self._duplicates(spec.dictionaries, lambda x: x.id, "dictionary", "ID")
        self._duplicates(spec.analysis_displays, lambda x: x.id, "analysis display", "ID")
        self._duplicates(spec.analysis_results, lambda x: x.id, "analysis result", "ID")
        self._duplicates(
            spec.value_level, lambda r: (r.dataset, r.variable, r.where_clause), "value-level row", "Where Clause"
        )
        for cl in spec.codelists:
            self._duplicates(cl.terms, lambda t, cl=cl: (cl.id, t.term), "codelist term", "Term")
        for clause in spec.where_clauses:
            self._duplicates(
                clause.conditions,
                lambda c, w=clause: (w.id, c.dataset, c.variable),
                "where clause condition",
                "Variable",
            )
        orders = Counter((v.dataset, v.order) for v in spec.variables if v.order is not None)
        for v in spec.variables:
            if v.order is not None and orders[(v.dataset, v.order)] > 1:
                self.error(
                    "duplicate-order", f"order {v.order} is used by more than one variable of {v.dataset}", v, "Order"
                )

    def _duplicates(self, items, key, what: str, column: str) -> None:
        seen: dict = {}
        for item in items:
            k = key(item)
            if k in seen:
                first = seen[k]
                where_first = f" (first on {first.loc})" if getattr(first, "loc", None) else ""
                self.error(
                    "duplicate-key",
                    f"{what} {'.'.join(k) if isinstance(k, tuple) else k} is defined twice{where_first}",
                    item,
                    column,
                )
            else:
                seen[k] = item

    # -- datasets and variables: names, labels, references ---------------------
    def datasets(self) -> None:
        for d in self.spec.datasets:
            if len(d.name) > MAX_NAME:
                self.error(
                    "name-too-long",
                    f"dataset name {d.name} has {len(d.name)} characters (at most {MAX_NAME})",
                    d,
                    "Dataset",
                )
            if d.label and len(d.label) > MAX_LABEL:
                self.error(
                    "label-too-long",
                    f"dataset label of {d.name} has {len(d.label)} characters (at most {MAX_LABEL})",
                    d,
                    "Description",
                )
            if not d.label:
                self.error("missing-value", f"dataset {d.name} has no label", d, "Description")
            self.ref("comment", d.comment, d, "Comment")
            for key in d.keys:
                if (d.name, key) not in self.variables_defined:
                    self.error(
                        "broken-reference", f"key variable {key} is not a variable of {d.name}", d, "Key Variables"
                    )

    def variables(self) -> None:
        for v in self.spec.variables:
            if len(v.name) > MAX_NAME:
                self.error(
                    "name-too-long",
                    f"variable name {v.dataset}.{v.name} has {len(v.name)} characters (at most {MAX_NAME})",
                    v,
                    "Variable",
                )
            if v.label and len(v.label) > MAX_LABEL:
                self.error(
                    "label-too-long",
                    f"label of {v.dataset}.{v.name} has {len(v.label)} characters (at most {MAX_LABEL})",
                    v,
                    "Label",
                )
            if not v.label:
                self.error("missing-value", f"variable {v.dataset}.{v.name} has no label", v, "Label")
            if not v.data_type:
                self.error("missing-value", f"variable {v.dataset}.{v.name} has no data type", v, "Data Type")
            if v.dataset not in self.datasets_defined:
                self.error("broken-reference", f"dataset {v.dataset!r} is not defined", v, "Dataset")
            self.codelist_ref(v.codelist, v)
            self.ref("method", v.method, v, "Method")
            self.ref("comment", v.comment, v, "Comment")
            if v.origin == "Derived" and not v.method and not v.comment:
                self.warning(
                    "missing-method",
                    f"derived variable {v.dataset}.{v.name} has neither a method nor a comment",
                    v,
                    "Method",
                )

    # -- value level and where clauses -----------------------------------------
    def value_level(self) -> None:
        for r in self.spec.value_level:
            if (r.dataset, r.variable) not in self.variables_defined:
                self.error(
                    "broken-reference",
                    f"value-level metadata for {r.dataset}.{r.variable}, which is not a variable",
                    r,
                    "Variable",
                )
            self.ref("where clause", r.where_clause, r, "Where Clause")
            self.codelist_ref(r.codelist, r)
            self.ref("method", r.method, r, "Method")
            self.ref("comment", r.comment, r, "Comment")

    def where_clauses(self) -> None:
        for clause in self.spec.where_clauses:
            for cond in clause.conditions:
                if (cond.dataset, cond.variable) not in self.variables_defined:
                    self.error(
                        "broken-reference",
                        f"where clause {clause.id} tests {cond.dataset}.{cond.variable}, which is not a variable",
                        cond,
                        "Variable",
                    )
                if not cond.values:
                    self.error(
                        "missing-value", f"where clause {clause.id} has no value for {cond.variable}", cond, "Value"
                    )

    # -- methods, comments, documents, analysis results ------------------------
    def documents_and_analysis(self) -> None:
        spec = self.spec
        if any(v.pages for v in spec.variables) or any(r.pages for r in spec.value_level):
            self.used["document"].update(d for d in self.ids["document"] if d.lower() in CRF_DOCUMENT_IDS)
        for method in spec.methods:
            self.ref("document", method.document, method, "Document")
        for comment in spec.comments:
            self.ref("document", comment.document, comment, "Document")
        for display in spec.analysis_displays:
            self.ref("document", display.document, display, "Document")
        for result in spec.analysis_results:
            self.ref("analysis display", result.display, result, "Display")
            self.ref("document", result.programming_document, result, "Programming Document")
            for var in result.variables:
                ds, _, name = var.partition(".")
                if (ds.upper(), name.upper()) not in self.variables_defined:
                    self.error("broken-reference", f"analysis variable {var} is not a variable", result, "Variables")
            if result.selection_criteria and result.selection_criteria in self.ids["where clause"]:
                self.used["where clause"].add(result.selection_criteria)

    def codelists(self) -> None:
        for cl in self.spec.codelists:
            if not cl.terms:
                self.warning("empty-codelist", f"codelist {cl.id} has no terms", cl, "Term")
            if cl.comment:
                self.ref("comment", cl.comment, cl, "Comment")

    # -- mapping ---------------------------------------------------------------
    def mapping(self, algorithms: Iterable[str] | None) -> None:
        known_algorithms = set(algorithms) if algorithms is not None else None
        qnams = supplemental_qualifiers(self.spec)
        for rule in self.spec.mapping:
            if (
                rule.variable
                and (rule.dataset, rule.variable) not in self.variables_defined
                and rule.variable not in qnams.get(rule.dataset, ())
            ):
                self.error(
                    "broken-reference",
                    f"mapping target {rule.dataset}.{rule.variable} is neither a variable nor a supplemental qualifier (QNAM of SUPP{rule.dataset})",
                    rule,
                    "Variable",
                )
            self.ref("codelist", rule.codelist, rule, "Codelist")
            if known_algorithms is not None and rule.algorithm not in known_algorithms:
                self.error(
                    "unknown-algorithm", f"algorithm {rule.algorithm!r} has no implementation", rule, "Algorithm"
                )
            if rule.algorithm == "not_submitted":
                self._not_submitted(rule)

    def _not_submitted(self, rule: m.MappingRule) -> None:
        """A not_submitted declaration: raw rows (no Field) or a raw field not submitted, with its reason."""
        what = f"field {rule.form}.{rule.field}" if rule.field else f"rows of form {rule.form}"
        if not (rule.comment or "").strip():
            self.error("no-reason", f"not_submitted ({what}) gives no reason: write why in Comment", rule, "Comment")
        if rule.field and rule.condition:
            self.error(
                "bad-declaration",
                f"not_submitted {what} has a Condition: a field declaration applies to the "
                "whole field (leave Condition empty, or map the rows it selects)",
                rule,
                "Condition",
            )

    # -- what is defined but never used, or empty -------------------------------
    def orphans(self) -> None:
        spec = self.spec
        for kind, items in (
            ("codelist", spec.codelists),
            ("method", spec.methods),
            ("comment", spec.comments),
            ("where clause", spec.where_clauses),
            ("document", spec.documents),
            ("dictionary", spec.dictionaries),
        ):
            for item in items:
                if item.id in self.used[kind]:
                    continue
                if kind == "dictionary" and item.id in self.used["codelist"]:
                    continue
                self.warning("orphan", f"{kind} {item.id} is defined but never used", item, "ID")

    def datasets_have_variables(self) -> None:
        for d in self.spec.datasets:
            if not any(v.dataset == d.name for v in self.spec.variables):
                self.error("empty-dataset", f"dataset {d.name} has no variables", d, "Dataset")
