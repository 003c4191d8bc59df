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
    """All integrity findings of `spec`.

    algorithms: the names of the mapping algorithms that exist; when given, a
    Mapping row naming another algorithm is an error.
    """
    out: list[Finding] = []

    def error(code: str, message: str, element, column: str | None = None) -> None:
        out.append(Finding("error", code, message, **_at(element, column)))

    def warning(code: str, message: str, element, column: str | None = None) -> None:
        out.append(Finding("warning", code, message, **_at(element, column)))

    datasets = {d.name for d in spec.datasets}
    variables = {(v.dataset, v.name) for v in spec.variables}
    codelists = {c.id for c in spec.codelists}
    dictionaries = {d.id for d in spec.dictionaries}
    methods = {x.id for x in spec.methods}
    comments = {x.id for x in spec.comments}
    documents = {x.id for x in spec.documents}
    where = {w.id for w in spec.where_clauses}
    displays = {x.id for x in spec.analysis_displays}

    used: dict[str, set[str]] = defaultdict(set)

    def ref(
        kind: str, target: str | None, known: set[str], element, column: str, *, also: set[str] = frozenset()
    ) -> None:
        if target is None:
            return
        used[kind].add(target)
        if target not in known and target not in also:
            error("broken-reference", f"{kind} {target!r} is not defined", element, column)

    # -- duplicates --------------------------------------------------------
    def duplicates(items, key, what: str, column: str) -> None:
        seen: dict = {}
        for item in items:
            k = key(item)
            if k in seen:
                first = seen[k]
                where_first = f" (first on {first.loc})" if getattr(first, "loc", None) else ""
                error(
                    "duplicate-key",
                    f"{what} {'.'.join(k) if isinstance(k, tuple) else k} is defined twice{where_first}",
                    item,
                    column,
                )
            else:
                seen[k] = item

    duplicates(spec.datasets, lambda d: d.name, "dataset", "Dataset")
    duplicates(spec.variables, lambda v: (v.dataset, v.name), "variable", "Variable")
    duplicates(spec.methods, lambda x: x.id, "method", "ID")
    duplicates(spec.comments, lambda x: x.id, "comment", "ID")
    duplicates(spec.documents, lambda x: x.id, "document", "ID")
    duplicates(spec.dictionaries, lambda x: x.id, "dictionary", "ID")
    duplicates(spec.analysis_displays, lambda x: x.id, "analysis display", "ID")
    duplicates(spec.analysis_results, lambda x: x.id, "analysis result", "ID")
    duplicates(spec.value_level, lambda r: (r.dataset, r.variable, r.where_clause), "value-level row", "Where Clause")
    for cl in spec.codelists:
        duplicates(cl.terms, lambda t, cl=cl: (cl.id, t.term), "codelist term", "Term")
    for clause in spec.where_clauses:
        duplicates(
            clause.conditions, lambda c, w=clause: (w.id, c.dataset, c.variable), "where clause condition", "Variable"
        )
    orders = Counter((v.dataset, v.order) for v in spec.variables if v.order is not None)
    for v in spec.variables:
        if v.order is not None and orders[(v.dataset, v.order)] > 1:
            error("duplicate-order", f"order {v.order} is used by more than one variable of {v.dataset}", v, "Order")

    # -- names and labels --------------------------------------------------
    for d in spec.datasets:
        if len(d.name) > MAX_NAME:
            error(
                "name-too-long",
                f"dataset name {d.name} has {len(d.name)} characters (at most {MAX_NAME})",
                d,
                "Dataset",
            )
        if d.label and len(d.label) > MAX_LABEL:
            error(
                "label-too-long",
                f"dataset label of {d.name} has {len(d.label)} characters (at most {MAX_LABEL})",
                d,
                "Description",
            )
        if not d.label:
            error("missing-value", f"dataset {d.name} has no label", d, "Description")
        ref("comment", d.comment, comments, d, "Comment")
        for key in d.keys:
            if (d.name, key) not in variables:
                error("broken-reference", f"key variable {key} is not a variable of {d.name}", d, "Key Variables")
    for v in spec.variables:
        if len(v.name) > MAX_NAME:
            error(
                "name-too-long",
                f"variable name {v.dataset}.{v.name} has {len(v.name)} characters (at most {MAX_NAME})",
                v,
                "Variable",
            )
        if v.label and len(v.label) > MAX_LABEL:
            error(
                "label-too-long",
                f"label of {v.dataset}.{v.name} has {len(v.label)} characters (at most {MAX_LABEL})",
                v,
                "Label",
            )
        if not v.label:
            error("missing-value", f"variable {v.dataset}.{v.name} has no label", v, "Label")
        if not v.data_type:
            error("missing-value", f"variable {v.dataset}.{v.name} has no data type", v, "Data Type")
        if v.dataset not in datasets:
            error("broken-reference", f"dataset {v.dataset!r} is not defined", v, "Dataset")
        ref("codelist", v.codelist, codelists, v, "Codelist", also=dictionaries)
        ref("method", v.method, methods, v, "Method")
        ref("comment", v.comment, comments, v, "Comment")
        if v.origin == "Derived" and not v.method and not v.comment:
            warning(
                "missing-method",
                f"derived variable {v.dataset}.{v.name} has neither a method nor a comment",
                v,
                "Method",
            )

    # -- value level and where clauses ------------------------------------
    for r in spec.value_level:
        if (r.dataset, r.variable) not in variables:
            error(
                "broken-reference",
                f"value-level metadata for {r.dataset}.{r.variable}, which is not a variable",
                r,
                "Variable",
            )
        ref("where clause", r.where_clause, where, r, "Where Clause")
        ref("codelist", r.codelist, codelists, r, "Codelist", also=dictionaries)
        ref("method", r.method, methods, r, "Method")
        ref("comment", r.comment, comments, r, "Comment")
    for clause in spec.where_clauses:
        for cond in clause.conditions:
            if (cond.dataset, cond.variable) not in variables:
                error(
                    "broken-reference",
                    f"where clause {clause.id} tests {cond.dataset}.{cond.variable}, which is not a variable",
                    cond,
                    "Variable",
                )
            if not cond.values:
                error("missing-value", f"where clause {clause.id} has no value for {cond.variable}", cond, "Value")

    # -- methods, comments, documents --------------------------------------
    if any(x.pages for x in (*spec.variables, *spec.value_level)):
        used["document"].update(d for d in documents if d.lower() in CRF_DOCUMENT_IDS)
    for x in (*spec.methods, *spec.comments):
        ref("document", x.document, documents, x, "Document")
    for x in spec.analysis_displays:
        ref("document", x.document, documents, x, "Document")
    for x in spec.analysis_results:
        ref("analysis display", x.display, displays, x, "Display")
        ref("document", x.programming_document, documents, x, "Programming Document")
        for var in x.variables:
            ds, _, name = var.partition(".")
            if (ds.upper(), name.upper()) not in variables:
                error("broken-reference", f"analysis variable {var} is not a variable", x, "Variables")
        if x.selection_criteria and x.selection_criteria in where:
            used["where clause"].add(x.selection_criteria)

    # -- codelists ---------------------------------------------------------
    for cl in spec.codelists:
        if not cl.terms:
            warning("empty-codelist", f"codelist {cl.id} has no terms", cl, "Term")
        if cl.comment:
            ref("comment", cl.comment, comments, cl, "Comment")

    # -- mapping -----------------------------------------------------------
    known_algorithms = set(algorithms) if algorithms is not None else None
    qnams = supplemental_qualifiers(spec)
    for rule in spec.mapping:
        if (
            rule.variable
            and (rule.dataset, rule.variable) not in variables
            and rule.variable not in qnams.get(rule.dataset, ())
        ):
            error(
                "broken-reference",
                f"mapping target {rule.dataset}.{rule.variable} is neither a variable nor a supplemental qualifier (QNAM of SUPP{rule.dataset})",
                rule,
                "Variable",
            )
        ref("codelist", rule.codelist, codelists, rule, "Codelist")
        if known_algorithms is not None and rule.algorithm not in known_algorithms:
            error("unknown-algorithm", f"algorithm {rule.algorithm!r} has no implementation", rule, "Algorithm")
        if rule.algorithm == "not_submitted":  # a declaration: raw rows (no Field) or a raw field not submitted
            what = f"field {rule.form}.{rule.field}" if rule.field else f"rows of form {rule.form}"
            if not (rule.comment or "").strip():
                error("no-reason", f"not_submitted ({what}) gives no reason: write why in Comment", rule, "Comment")
            if rule.field and rule.condition:
                error(
                    "bad-declaration",
                    f"not_submitted {what} has a Condition: a field declaration applies to the "
                    "whole field (leave Condition empty, or map the rows it selects)",
                    rule,
                    "Condition",
                )

    # -- orphans -------------------------------------------------------------
    for kind, items, column in (
        ("codelist", spec.codelists, "ID"),
        ("method", spec.methods, "ID"),
        ("comment", spec.comments, "ID"),
        ("where clause", spec.where_clauses, "ID"),
        ("document", spec.documents, "ID"),
        ("dictionary", spec.dictionaries, "ID"),
    ):
        for item in items:
            if item.id in used[kind]:
                continue
            if kind == "dictionary" and item.id in used["codelist"]:
                continue
            warning("orphan", f"{kind} {item.id} is defined but never used", item, column)
    for d in spec.datasets:
        if not any(v.dataset == d.name for v in spec.variables):
            error("empty-dataset", f"dataset {d.name} has no variables", d, "Dataset")
    return out
