"""The immutable metadata model of a study.

One `Spec` holds everything a spec workbook says: the study attributes, datasets,
variables, value-level metadata, where clauses, codelists, dictionaries, methods,
comments, documents, analysis displays and results, and the raw-to-SDTM mapping
rules. It is read once (specs.workbook.read_spec) and never changed; every later
stage takes what it needs from it.

Each element remembers where it was read (`loc`: sheet and row); the location
takes no part in equality, so a model read, written and read again compares equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

CORE_VALUES = ("Req", "Exp", "Perm", "Cond")
DATA_TYPES = (
    "text",
    "integer",
    "float",
    "date",
    "datetime",
    "time",
    "partialDate",
    "partialTime",
    "partialDatetime",
    "incompleteDatetime",
    "durationDatetime",
    "intervalDatetime",
    "boolean",
)
ORIGIN_TYPES = ("Collected", "Derived", "Assigned", "Protocol", "Predecessor", "Not Available")
COMPARATORS = ("EQ", "NE", "LT", "LE", "GT", "GE", "IN", "NOTIN")


@dataclass(frozen=True)
class Location:
    """Where an element was read: sheet name and 1-based row of the workbook."""

    sheet: str
    row: int

    def __str__(self) -> str:
        return f"{self.sheet} row {self.row}"


def _loc() -> Location | None:
    return field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Study:
    """Study attributes (the Study / Define sheet), in workbook order."""

    attributes: tuple[tuple[str, str | None], ...] = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.attributes:
            if key == name:
                return value
        return default

    @property
    def study_name(self) -> str | None:
        return self.get("StudyName")

    @property
    def description(self) -> str | None:
        return self.get("StudyDescription")

    @property
    def protocol_name(self) -> str | None:
        return self.get("ProtocolName")

    @property
    def standard_name(self) -> str | None:
        return self.get("StandardName")

    @property
    def standard_version(self) -> str | None:
        return self.get("StandardVersion")

    @property
    def language(self) -> str | None:
        return self.get("Language")


@dataclass(frozen=True)
class Dataset:
    name: str
    label: str | None = None
    dataset_class: str | None = None
    subclass: str | None = None
    structure: str | None = None
    purpose: str | None = None
    keys: tuple[str, ...] = ()
    repeating: bool | None = None
    reference_data: bool | None = None
    comment: str | None = None
    standard: str | None = None
    has_no_data: bool | None = None
    leaf: str | None = None
    developer_notes: str | None = None
    loc: Location | None = _loc()

    @property
    def leaf_href(self) -> str:
        """The transport file the dataset is written to."""
        return self.leaf or f"{self.name.lower()}.xpt"


@dataclass(frozen=True)
class Variable:
    dataset: str
    name: str
    order: int | None = None
    label: str | None = None
    data_type: str | None = None
    length: int | None = None
    significant_digits: int | None = None
    display_format: str | None = None
    mandatory: bool | None = None
    core: str | None = None
    assigned_value: str | None = None
    codelist: str | None = None
    common: bool | None = None
    origin: str | None = None
    source: str | None = None
    pages: str | None = None
    method: str | None = None
    predecessor: str | None = None
    role: str | None = None
    has_no_data: bool | None = None
    comment: str | None = None
    developer_notes: str | None = None
    loc: Location | None = _loc()

    @property
    def effective_core(self) -> str:
        """Core as given, else Req where mandatory, else Perm."""
        if self.core:
            return self.core
        return "Req" if self.mandatory else "Perm"


@dataclass(frozen=True)
class ValueLevel:
    dataset: str
    variable: str
    where_clause: str
    order: int | None = None
    label: str | None = None
    data_type: str | None = None
    length: int | None = None
    significant_digits: int | None = None
    display_format: str | None = None
    mandatory: bool | None = None
    assigned_value: str | None = None
    codelist: str | None = None
    origin: str | None = None
    source: str | None = None
    pages: str | None = None
    method: str | None = None
    predecessor: str | None = None
    comment: str | None = None
    developer_notes: str | None = None
    loc: Location | None = _loc()


@dataclass(frozen=True)
class WhereCondition:
    dataset: str
    variable: str
    comparator: str
    values: tuple[str, ...]
    loc: Location | None = _loc()

    def holds(self, values):
        """Where the condition holds, for a pandas Series of text values ('' for blank).

        EQ/NE/IN/NOTIN compare text; LT/LE/GT/GE compare numbers (text that is
        not a number never holds).
        """
        import pandas as pd

        if self.comparator == "EQ":
            return values == self.values[0]
        if self.comparator == "NE":
            return values != self.values[0]
        if self.comparator == "IN":
            return values.isin(self.values)
        if self.comparator == "NOTIN":
            return ~values.isin(self.values)
        number = pd.to_numeric(values, errors="coerce")
        bound = float(self.values[0])
        return {"LT": number.lt, "LE": number.le, "GT": number.gt, "GE": number.ge}[self.comparator](bound)

    def text(self) -> str:
        if self.comparator in ("IN", "NOTIN"):
            return f"{self.variable} {self.comparator} ({', '.join(self.values)})"
        return f"{self.variable} {self.comparator} {self.values[0] if self.values else ''}"


@dataclass(frozen=True)
class WhereClause:
    """A where clause: its conditions are joined by AND."""

    id: str
    conditions: tuple[WhereCondition, ...]
    loc: Location | None = _loc()

    def text(self) -> str:
        return " AND ".join(c.text() for c in self.conditions)


@dataclass(frozen=True)
class CodelistTerm:
    term: str
    order: int | None = None
    nci_code: str | None = None
    decoded_value: str | None = None
    synonyms: tuple[str, ...] = ()
    loc: Location | None = _loc()


@dataclass(frozen=True)
class Codelist:
    id: str
    name: str | None = None
    nci_code: str | None = None
    data_type: str | None = None
    terminology: str | None = None
    comment: str | None = None
    extensible: bool = False
    terms: tuple[CodelistTerm, ...] = ()
    loc: Location | None = _loc()

    @cached_property
    def submission_values(self) -> frozenset[str]:
        return frozenset(t.term for t in self.terms)

    def decode(self, value: str) -> str | None:
        for t in self.terms:
            if t.term == value:
                return t.decoded_value
        return None


@dataclass(frozen=True)
class Dictionary:
    id: str
    name: str | None = None
    data_type: str | None = None
    dictionary: str | None = None
    version: str | None = None
    loc: Location | None = _loc()


@dataclass(frozen=True)
class Method:
    id: str
    name: str | None = None
    type: str | None = None
    description: str | None = None
    expression_context: str | None = None
    expression_code: str | None = None
    document: str | None = None
    pages: str | None = None
    loc: Location | None = _loc()


@dataclass(frozen=True)
class Comment:
    id: str
    description: str | None = None
    document: str | None = None
    pages: str | None = None
    loc: Location | None = _loc()


@dataclass(frozen=True)
class Document:
    id: str
    title: str | None = None
    href: str | None = None
    loc: Location | None = _loc()


@dataclass(frozen=True)
class AnalysisDisplay:
    id: str
    title: str | None = None
    document: str | None = None
    pages: str | None = None
    loc: Location | None = _loc()


@dataclass(frozen=True)
class AnalysisResult:
    display: str
    id: str
    description: str | None = None
    variables: tuple[str, ...] = ()
    reason: str | None = None
    purpose: str | None = None
    selection_criteria: str | None = None
    join_comment: str | None = None
    documentation: str | None = None
    documentation_refs: str | None = None
    programming_context: str | None = None
    programming_code: str | None = None
    programming_document: str | None = None
    pages: str | None = None
    loc: Location | None = _loc()


@dataclass(frozen=True)
class MappingRule:
    """One raw-to-SDTM rule of the Mapping sheet."""

    dataset: str
    variable: str
    algorithm: str
    order: int | None = None
    form: str | None = None
    field: str | None = None
    condition: str | None = None
    codelist: str | None = None
    value: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    comment: str | None = None
    loc: Location | None = _loc()

    def parameter(self, name: str, default: str | None = None) -> str | None:
        for key, value in self.parameters:
            if key == name:
                return value
        return default


@dataclass(frozen=True)
class UnitConversion:
    """One row of the Unit Conversions sheet: a result in `from_unit` times `factor`, plus
    `offset`, is the result in `to_unit`; `test` (a --TESTCD) limits it to one test (None:
    any test). Units are CDISC UNIT submission values; `comment` cites the source."""

    from_unit: str
    to_unit: str
    factor: float | None
    test: str | None = None
    offset: float | None = None
    comment: str | None = None
    loc: Location | None = _loc()


@dataclass(frozen=True)
class Spec:
    """Everything a spec workbook says about a study."""

    study: Study = Study()
    datasets: tuple[Dataset, ...] = ()
    variables: tuple[Variable, ...] = ()
    value_level: tuple[ValueLevel, ...] = ()
    where_clauses: tuple[WhereClause, ...] = ()
    codelists: tuple[Codelist, ...] = ()
    dictionaries: tuple[Dictionary, ...] = ()
    methods: tuple[Method, ...] = ()
    comments: tuple[Comment, ...] = ()
    documents: tuple[Document, ...] = ()
    analysis_displays: tuple[AnalysisDisplay, ...] = ()
    analysis_results: tuple[AnalysisResult, ...] = ()
    mapping: tuple[MappingRule, ...] = ()
    unit_conversions: tuple[UnitConversion, ...] = ()
    source: str | None = field(default=None, compare=False)

    # -- look-ups ---------------------------------------------------------
    @cached_property
    def _datasets(self) -> dict[str, Dataset]:
        return {d.name: d for d in self.datasets}

    @cached_property
    def _variables(self) -> dict[tuple[str, str], Variable]:
        return {(v.dataset, v.name): v for v in self.variables}

    @cached_property
    def _codelists(self) -> dict[str, Codelist]:
        return {c.id: c for c in self.codelists}

    @cached_property
    def _where(self) -> dict[str, WhereClause]:
        return {w.id: w for w in self.where_clauses}

    def dataset(self, name: str) -> Dataset:
        try:
            return self._datasets[name]
        except KeyError:
            raise KeyError(f"dataset {name!r} is not in the spec {self.source or ''}".rstrip()) from None

    def has_dataset(self, name: str) -> bool:
        return name in self._datasets

    def variables_of(self, dataset: str) -> tuple[Variable, ...]:
        """The dataset's variables in spec order."""
        rows = [v for v in self.variables if v.dataset == dataset]
        return tuple(sorted(rows, key=lambda v: (v.order is None, v.order or 0)))

    def variable(self, dataset: str, name: str) -> Variable:
        try:
            return self._variables[(dataset, name)]
        except KeyError:
            raise KeyError(f"variable {dataset}.{name} is not in the spec") from None

    def codelist(self, codelist_id: str) -> Codelist:
        try:
            return self._codelists[codelist_id]
        except KeyError:
            raise KeyError(f"codelist {codelist_id!r} is not in the spec") from None

    def has_codelist(self, codelist_id: str) -> bool:
        return codelist_id in self._codelists

    def where_clause(self, clause_id: str) -> WhereClause:
        return self._where[clause_id]

    def value_list(self, dataset: str, variable: str) -> tuple[ValueLevel, ...]:
        rows = [r for r in self.value_level if r.dataset == dataset and r.variable == variable]
        return tuple(sorted(rows, key=lambda r: (r.order is None, r.order or 0)))

    def key_sequence(self, dataset: str, variable: str) -> int | None:
        """1-based position of the variable in the dataset's keys, else None."""
        keys = self.dataset(dataset).keys
        return keys.index(variable) + 1 if variable in keys else None

    def mapping_for(self, dataset: str) -> tuple[MappingRule, ...]:
        rows = [m for m in self.mapping if m.dataset == dataset]
        return tuple(sorted(rows, key=lambda m: (m.order is None, m.order or 0)))


def unique_in_order(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return tuple(seen)


def restrict_to_data(spec: Spec, columns: dict[str, list[str]]) -> Spec:
    """The spec less the permissible variables a dataset does not carry.

    SDTMIG lets a sponsor leave out a Perm variable that was not collected; the
    transport file and define.xml then describe the variables actually present.
    Req and Exp variables are kept whether present or not (their absence is an
    error for the checks to report). Datasets not in `columns` are kept whole.
    """
    from dataclasses import replace

    def keep(var: Variable) -> bool:
        present = columns.get(var.dataset)
        return present is None or var.name in present or var.effective_core != "Perm"

    variables = tuple(v for v in spec.variables if keep(v))
    kept = {(v.dataset, v.name) for v in variables}
    value_level = tuple(r for r in spec.value_level if (r.dataset, r.variable) in kept)
    return replace(spec, variables=variables, value_level=value_level)
