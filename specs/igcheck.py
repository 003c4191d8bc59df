"""A spec compared with an implementation guide and a controlled terminology release.

`check_against_guide` reports every difference between the spec's datasets and variables and the
guide's, each a Finding with sheet, row and column:

- a Req variable of the guide missing from a dataset: error; an Exp variable missing: warning
  (both on the dataset's row of the Datasets sheet);
- a variable the guide does not define for the dataset: SDTMIG: a note when another domain of the
  same class (or, for identifiers and timing variables, of any general-observation class) carries
  the same --variable, which the SDTM model lets a sponsor add; otherwise a warning (it belongs in
  SUPP--). The check knows the classes only through the guide's domains, not the SDTM model
  itself. ADaMIG: a note (analysis datasets may carry sponsor-defined variables);
- a label or a data type (Char or Num) differing from the guide's: warning;
- a role or Core differing: note;
- a codelist whose NCI code is not one the guide names for the variable: warning; no codelist
  where the guide names one: warning; a codelist without an NCI code where the guide names one,
  or a CDISC codelist where the guide names none: note;
- variables out of the guide's order (SDTMIG): a note on the first one out of place;
- a dataset label differing from the guide's domain label: warning; a class differing: note;
- a dataset the guide does not define (a custom domain; an ADaM dataset of a class the guide
  package has no variables for, such as OCCDS): a note, and its variables are not compared.

SDTMIG datasets are matched to the guide by name (SUPP-- to SUPPQUAL, a split dataset QSPH to
QS); ADaMIG datasets by name (ADSL) or by the Class in the Datasets sheet (BASIC DATA STRUCTURE:
the guide's BDS variables, its time-to-event variables among them). ADaMIG names with
placeholders match their series (TRTxxP: TRT01P).

`check_against_standard` adds the spec's codelists checked against the terminology
(specs.ct.check_against_ct).
"""

from __future__ import annotations

from .ct import Terminology, check_against_ct
from .findings import Finding
from .model import Dataset, Spec, Variable
from .standards import CT_STUDY_ATTRIBUTE, IgVariable, ImplementationGuide, label_pattern

_NUMERIC = frozenset({"integer", "float"})
_GENERAL_CLASSES = ("Interventions", "Events", "Findings")
_BDS_CLASS = "BASIC DATA STRUCTURE"


def cited_releases(spec: Spec) -> dict[str, str]:
    """{CT package: release} the Study sheet names (SDTM CT 2025-03-28)."""
    by_attribute = {attr.lower(): package for package, attr in CT_STUDY_ATTRIBUTE.items()}
    out = {}
    for key, value in spec.study.attributes:
        package = by_attribute.get((key or "").strip().lower())
        if package and value:
            out[package] = value.strip()
    return out


def check_against_standard(spec: Spec, guide: ImplementationGuide, terminology: Terminology) -> list[Finding]:
    """The differences from the guide, and the codelists checked against the terminology."""
    return check_against_guide(spec, guide) + check_against_ct(spec, terminology)


def check_against_guide(spec: Spec, guide: ImplementationGuide) -> list[Finding]:
    out: list[Finding] = []
    class_names = _class_names(guide) if guide.name == "sdtmig" else {}
    for dataset in spec.datasets:
        model = _model_of(guide, dataset)
        if model is None:
            out.append(
                _at(
                    dataset,
                    "note",
                    "not-in-guide",
                    f"{dataset.name} is not a dataset {guide.title} defines"
                    + (f" (class {dataset.dataset_class})" if dataset.dataset_class else "")
                    + "; its variables are not compared",
                    "Dataset",
                )
            )
            continue
        out += _dataset_attributes(guide, dataset, model)
        variables = spec.variables_of(dataset.name)
        matched: list[tuple[Variable, IgVariable]] = []
        for v in variables:
            ig = _match(guide, model, v.name)
            if ig is None:
                out += _not_in_guide(guide, class_names, dataset, model, v)
                continue
            matched.append((v, ig))
            out += _compare_variable(spec, guide, v, ig, borrowed=ig.dataset != model)
        out += _missing(guide, dataset, model, variables)
        if guide.name == "sdtmig":
            out += _order(guide, dataset, matched)
    return out


def _model_of(guide: ImplementationGuide, dataset: Dataset) -> str | None:
    if guide.name != "adamig":
        return guide.model_of(dataset.name)
    if dataset.name in guide.datasets:
        return dataset.name
    if (dataset.dataset_class or "").strip().upper() == _BDS_CLASS:
        return "BDS"
    return None


def _match(guide: ImplementationGuide, model: str, name: str) -> IgVariable | None:
    """The guide's variable a dataset's variable is: of its own dataset or structure; in an ADaM
    dataset also an ADSL variable (which any analysis dataset may carry), names before placeholders."""
    if guide.name != "adamig" or model == "ADSL" or "ADSL" not in guide.datasets:
        return guide.match(model, name)
    return (
        guide.variable(model, name)
        or guide.variable("ADSL", name)
        or guide.match(model, name)
        or guide.match("ADSL", name)
    )


def _at(element, severity: str, code: str, message: str, column: str | None) -> Finding:
    loc = element.loc
    return Finding(severity, code, message, loc.sheet if loc else None, loc.row if loc else None, column)


def _same_class(a: str, b: str) -> bool:
    def norm(text: str) -> str:
        return " ".join(text.replace("-", " ").upper().split())

    return norm(a) == norm(b)


def _dataset_attributes(guide: ImplementationGuide, dataset: Dataset, model: str) -> list[Finding]:
    out: list[Finding] = []
    ig = guide.datasets.get(model)
    if ig is None:
        return out
    if guide.name == "sdtmig" and dataset.name == model and dataset.label and dataset.label != ig.label:
        out.append(
            _at(
                dataset,
                "warning",
                "guide-label-differs",
                f"{dataset.name}: label {dataset.label!r}, {guide.title} {ig.label!r}",
                "Description",
            )
        )
    if dataset.dataset_class and not _same_class(dataset.dataset_class, ig.observation_class):
        out.append(
            _at(
                dataset,
                "note",
                "guide-class-differs",
                f"{dataset.name}: class {dataset.dataset_class!r}, {guide.title} {ig.observation_class!r}",
                "Class",
            )
        )
    return out


def _compare_variable(
    spec: Spec, guide: ImplementationGuide, v: Variable, ig: IgVariable, borrowed: bool = False
) -> list[Finding]:
    """borrowed: an ADSL variable in another analysis dataset, whose Core there is the study's."""
    out = []
    title, name = guide.title, f"{v.dataset}.{v.name}"
    if v.label and not label_pattern(ig.label).fullmatch(v.label):
        out.append(
            _at(v, "warning", "guide-label-differs", f"{name}: label {v.label!r}, {title} {ig.label!r}", "Label")
        )
    if v.data_type:
        numeric = v.data_type in _NUMERIC
        if numeric != ig.data_type.lower().startswith("num"):
            out.append(
                _at(
                    v,
                    "warning",
                    "guide-type-differs",
                    f"{name}: data type {v.data_type} ({'Num' if numeric else 'Char'}), {title} {ig.data_type}",
                    "Data Type",
                )
            )
    if v.role and ig.role and v.role.lower() != ig.role.lower():
        out.append(_at(v, "note", "guide-role-differs", f"{name}: role {v.role}, {title} {ig.role}", "Role"))
    if v.core and v.core != ig.core and not borrowed:
        out.append(_at(v, "note", "guide-core-differs", f"{name}: Core {v.core}, {title} {ig.core}", "Core"))
    out += _compare_codelist(spec, guide, v, ig)
    return out


def _compare_codelist(spec: Spec, guide: ImplementationGuide, v: Variable, ig: IgVariable) -> list[Finding]:
    name, wanted = f"{v.dataset}.{v.name}", " or ".join(ig.codelists)
    if not v.codelist:
        value_lists = [r for r in spec.value_list(v.dataset, v.name) if r.codelist and spec.has_codelist(r.codelist)]
        if value_lists:  # the codelists of its value-level metadata, each one the guide names
            out = []
            for r in value_lists:
                code = spec.codelist(r.codelist).nci_code  # type: ignore[arg-type]
                if code and ig.codelists and code not in ig.codelists:
                    out.append(
                        _at(
                            r,
                            "warning",
                            "guide-codelist-differs",
                            f"{name} where {r.where_clause}: codelist {r.codelist} is {code}; {guide.title} names {wanted}",
                            "Codelist",
                        )
                    )
            return out
        if ig.codelists:
            return [
                _at(
                    v,
                    "warning",
                    "guide-codelist-missing",
                    f"{name}: no codelist; {guide.title} names {wanted}",
                    "Codelist",
                )
            ]
        return []
    if not spec.has_codelist(v.codelist):  # a dictionary, or a broken reference the integrity check reports
        return []
    code = spec.codelist(v.codelist).nci_code
    if code is None:
        if ig.codelists:
            return [
                _at(
                    v,
                    "note",
                    "guide-codelist-differs",
                    f"{name}: codelist {v.codelist} has no NCI code; {guide.title} names {wanted}",
                    "Codelist",
                )
            ]
        return []
    if not ig.codelists:
        return [
            _at(
                v,
                "note",
                "guide-codelist-differs",
                f"{name}: codelist {v.codelist} ({code}); {guide.title} names no codelist",
                "Codelist",
            )
        ]
    if code not in ig.codelists:
        return [
            _at(
                v,
                "warning",
                "guide-codelist-differs",
                f"{name}: codelist {v.codelist} is {code}; {guide.title} names {wanted}",
                "Codelist",
            )
        ]
    return []


def _missing(guide: ImplementationGuide, dataset: Dataset, model: str, variables) -> list[Finding]:
    out = []
    names = [v.name for v in variables]
    for ig in guide.variables(model):
        if ig.core not in ("Req", "Exp"):
            continue
        if any(_match(guide, model, n) == ig for n in names):
            continue
        severity = "error" if ig.core == "Req" else "warning"
        out.append(
            _at(
                dataset,
                severity,
                "guide-variable-missing",
                f"{dataset.name}: the {ig.core} variable {ig.name} ({ig.label}) of {guide.title} {model} is not in the Variables sheet",
                "Dataset",
            )
        )
    return out


def _order(guide: ImplementationGuide, dataset: Dataset, matched: list[tuple[Variable, IgVariable]]) -> list[Finding]:
    latest: IgVariable | None = None
    for v, ig in matched:
        if latest is not None and ig.order < latest.order:
            return [
                _at(
                    v,
                    "note",
                    "guide-order-differs",
                    f"{dataset.name}: {v.name} comes after {latest.name}; {guide.title} orders it before",
                    "Order",
                )
            ]
        latest = ig
    return []


def _generic(name: str, domain: str) -> str:
    """--TERM of AETERM in AE; a name without the domain prefix (VISITNUM) as it is."""
    return "--" + name[len(domain) :] if name.startswith(domain) and len(name) > len(domain) else name


def _class_key(observation_class: str) -> str:
    return "Findings" if observation_class.startswith("Findings") else observation_class


def _class_names(guide: ImplementationGuide) -> dict[str, set[str]]:
    """{class: the --names its domains carry}; under '*' the identifiers and timing variables of the
    general-observation classes, which the SDTM model lets any of them carry."""
    out: dict[str, set[str]] = {"*": set()}
    for name, ds in guide.datasets.items():
        key = _class_key(ds.observation_class)
        for v in guide.variables(name):
            generic = _generic(v.name, name)
            out.setdefault(key, set()).add(generic)
            if key in _GENERAL_CLASSES and v.role in ("Identifier", "Timing"):
                out["*"].add(generic)
    return out


def _not_in_guide(
    guide: ImplementationGuide, class_names: dict[str, set[str]], dataset: Dataset, model: str, v: Variable
) -> list[Finding]:
    title = guide.title
    if guide.name == "adamig":
        return [
            _at(
                v,
                "note",
                "not-in-guide",
                f"{v.dataset}.{v.name} is a variable of neither {title} {model} nor ADSL (a sponsor-defined variable)",
                "Variable",
            )
        ]
    base = v.name.rstrip("0123456789")
    if base != v.name and base.endswith("VAL") and guide.variable(model, base) is not None:
        return [
            _at(
                v,
                "note",
                "not-in-guide",
                f"{v.dataset}.{v.name} is not in {title} {model}: the continuation of {base}, which SDTMIG "
                f"splits into {base}, {base}1 ... when longer than 200 characters",
                "Variable",
            )
        ]
    ig_dataset = guide.datasets[model]
    key = _class_key(ig_dataset.observation_class)
    generic = _generic(v.name, model)
    if key in _GENERAL_CLASSES and (generic in class_names.get(key, set()) or generic in class_names["*"]):
        where = "domains of the general-observation classes" if generic not in class_names[key] else f"{key} domains"
        return [
            _at(
                v,
                "note",
                "not-in-guide",
                f"{v.dataset}.{v.name} is not in {title} {model}; the guide's {where} carry {generic}, a "
                f"variable the SDTM model allows the class (judged from the guide's domains only)",
                "Variable",
            )
        ]
    return [
        _at(
            v,
            "warning",
            "not-in-guide",
            f"{v.dataset}.{v.name} is in neither {title} {model} nor any {ig_dataset.observation_class} domain "
            f"of the guide: a non-standard variable belongs in SUPP{model}",
            "Variable",
        )
    ]
