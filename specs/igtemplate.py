"""A spec pre-filled from an implementation guide and a controlled terminology release.

`guide_template` gives the Spec that `cdisc-build spec template --standard` writes: for each
dataset asked for, its row in Datasets (label, class, structure as the guide gives them), every
variable the guide defines for it in the guide's order (label, data type, Core, role, Mandatory
for Req, the codelist the guide names, the value the guide fixes it to), and in Codelists every
codelist those variables name, with all its terms and their NCI codes from the release. What
the guide does not give is left for the study: Length, Origin, keys, methods.

SDTMIG datasets are named by their domain (DM, AE); a split dataset by its name and domain
(QSPH:QS). ADaMIG gives structures, not datasets: ADSL is named as itself, an analysis dataset
by its name and structure (ADRS:BDS, ADTTE:TTE). A TTE dataset takes the BDS variables (the
guide's time-to-event variables among them); another BDS dataset takes them less the
time-to-event set. ADaMIG names with placeholders are written as the first of their series
(TRTxxP: TRT01P, AGEGRy: AGEGR1); names with a '*' prefix (*DT: ADT, ASTDT ...) stand for a
variable the study names, and are left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from .ct import Terminology
from .model import Codelist, CodelistTerm, Dataset, Spec, Study, Variable
from .standards import (
    CT_STUDY_ATTRIBUTE,
    IG_PACKAGES,
    IgVariable,
    ImplementationGuide,
    StandardsError,
    first_instance,
    parse_ct_release,
)

# an ADaMIG structure a dataset may be named with, and the guide structure whose variables it takes
_ADAM_STRUCTURES = {"ADSL": "ADSL", "BDS": "BDS", "TTE": "BDS"}
_TTE_SET = "Time-to-Event"
# Define-XML data types of an SDTMIG Char variable by its described value domain
_CHAR_BY_DOMAIN = {
    "ISO 8601 datetime or interval": "datetime",
    "ISO 8601 duration": "durationDatetime",
}
# integer-valued Num variables by the end of their names: sequence numbers, study days, orders
# (TAETORD); in ADaM also numeric dates and times, the censor flag and the numeric codes (...N).
# Every other Num variable is float.
_INTEGER_ENDINGS = ("SEQ", "DY", "ORD")
_ADAM_INTEGER_ENDINGS = (*_INTEGER_ENDINGS, "DT", "DTM", "TM", "CNSR", "N")


class TemplateError(ValueError):
    """A --domains list the guide cannot fill: names the dataset and why."""


def parse_domains(guide: ImplementationGuide, text: str) -> list[tuple[str, str]]:
    """[(dataset, the guide's dataset or structure)] of 'DM,AE,QSPH:QS' or 'ADSL,ADRS:BDS'."""
    out: list[tuple[str, str]] = []
    for part in (p.strip().upper() for p in text.split(",")):
        if not part:
            continue
        name, _, model = (s.strip() for s in part.partition(":"))
        if guide.name == "adamig":
            model = model or ("ADSL" if name == "ADSL" else "")
            if model not in _ADAM_STRUCTURES:
                raise TemplateError(
                    f"{name}: {guide.title} defines structures, not datasets; name an analysis dataset "
                    f"with its structure, as {name}:BDS or {name}:TTE ({', '.join(_ADAM_STRUCTURES)})"
                )
        else:
            model = model or (guide.model_of(name) or "")
            if model not in guide.datasets:
                raise TemplateError(
                    f"{name}: not a domain of {guide.title}; a split dataset is named with its domain "
                    f"(QSPH:QS), a custom domain is added to the workbook by hand"
                )
        if any(name == seen for seen, _ in out):
            raise TemplateError(f"{name}: named twice")
        out.append((name, model))
    if not out:
        raise TemplateError("no datasets named: give them as DM,AE,... (ADaM: ADSL,ADRS:BDS,ADTTE:TTE)")
    return out


def ig_variables(guide: ImplementationGuide, model: str) -> tuple[IgVariable, ...]:
    """The variables a dataset of the guide's dataset or structure takes, in the guide's order."""
    if guide.name != "adamig":
        return guide.variables(model)
    variables = guide.variables(_ADAM_STRUCTURES.get(model, model))
    if model == "BDS":
        variables = tuple(v for v in variables if v.variable_set != _TTE_SET)
    return variables


def define_data_type(variable: IgVariable) -> str:
    """The Define-XML data type of a guide variable: text (or datetime, durationDatetime for ISO 8601
    values) for Char; integer or float for Num (see _INTEGER_ENDINGS)."""
    if variable.data_type.lower().startswith("char"):
        return _CHAR_BY_DOMAIN.get(variable.value_domain or "", "text")
    adam = variable.dataset in _ADAM_STRUCTURES
    return "integer" if variable.name.endswith(_ADAM_INTEGER_ENDINGS if adam else _INTEGER_ENDINGS) else "float"


def guide_template(
    guide: ImplementationGuide, terminology: Terminology, datasets: Iterable[tuple[str, str]]
) -> tuple[Spec, list[str]]:
    """The spec pre-filled for the datasets, and what the template could not fill (as notes to print)."""
    spec_datasets: list[Dataset] = []
    spec_variables: list[Variable] = []
    used: dict[str, str] = {}  # NCI codelist code: codelist ID, in order of first use
    notes: list[str] = []
    adam = guide.name == "adamig"
    for name, model in datasets:
        ig_dataset = guide.datasets[model]  # parse_domains named only the guide's datasets and structures
        label = ig_dataset.label
        if model == "SUPPQUAL":  # the guide's 'Supplemental Qualifiers for [domain name]'
            label = f"Supplemental Qualifiers for {name[4:]}"
        spec_datasets.append(
            Dataset(
                name=name,
                label=label,
                dataset_class=_define_class(ig_dataset.observation_class),
                # ADaMIG gives a subclass (TIME-TO-EVENT) where SDTMIG gives the structure
                subclass=ig_dataset.structure if adam else None,
                structure=None if adam else ig_dataset.structure,
                purpose="Analysis" if adam else "Tabulation",
                standard=guide.title,
            )
        )
        order = 0
        for v in ig_variables(guide, model):
            var_name = first_instance(v.name)
            if var_name is None:
                notes.append(f"{name}: {v.name} ({v.label}) is a family of variables the study names; not written")
                continue
            codelist_id = None
            developer_notes = None
            if v.codelists:
                code = v.codelists[0]
                ct_list = terminology.codelist(code)
                if ct_list is None:
                    notes.append(f"{name}.{var_name}: codelist {code} is not in {', '.join(terminology.packages)}")
                else:
                    codelist_id = used.setdefault(code, ct_list.submission_value)
                if len(v.codelists) > 1:
                    developer_notes = f"{guide.title} names the codelists {', '.join(v.codelists)}: choose"
            order += 1
            spec_variables.append(
                Variable(
                    dataset=name,
                    name=var_name,
                    order=order,
                    label=first_instance(v.label, label=True),
                    data_type=define_data_type(v),
                    mandatory=v.core == "Req",
                    core=v.core,
                    # SDTMIG's one value (DOMAIN); ADaMIG's one value is what a flag may hold (Y or null)
                    assigned_value=v.value_list[0] if len(v.value_list) == 1 and not adam else None,
                    codelist=codelist_id,
                    role=v.role,
                    developer_notes=developer_notes,
                )
            )
    codelists = [_codelist(terminology, code, cl_id) for code, cl_id in used.items()]
    releases = [parse_ct_release(key) for key in terminology.packages]
    study = Study(
        (
            ("StudyName", None),
            ("StudyDescription", None),
            ("ProtocolName", None),
            ("StandardName", IG_PACKAGES.get(guide.name, guide.name)),
            ("StandardVersion", guide.version),
            ("Language", "en"),
            *((CT_STUDY_ATTRIBUTE.get(r[0] or "", "CT"), r[1]) for r in releases if r is not None),
        )
    )
    spec = Spec(study=study, datasets=tuple(spec_datasets), variables=tuple(spec_variables), codelists=tuple(codelists))
    return spec, notes


def _define_class(observation_class: str) -> str:
    """The Define-XML 2.1 class of a guide class: SPECIAL PURPOSE of Special-Purpose."""
    return observation_class.replace("-", " ").upper()


def _codelist(terminology: Terminology, code: str, codelist_id: str) -> Codelist:
    ct_list = terminology.codelist(code)
    if ct_list is None:
        raise StandardsError(f"codelist {code} is not in {', '.join(terminology.packages)}")
    terms = sorted(ct_list.terms.items(), key=lambda item: item[1])
    return Codelist(
        id=codelist_id,
        name=ct_list.name,
        nci_code=code,
        data_type="text",
        terminology="CDISC/NCI",
        extensible=ct_list.extensible,
        terms=tuple(
            CodelistTerm(term=value, order=i, nci_code=term_code) for i, (term_code, value) in enumerate(terms, 1)
        ),
    )
