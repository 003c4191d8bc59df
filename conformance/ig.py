"""The standards a validation checks against: the implementation guides' model metadata and the
controlled terminology, taken from the standards library (specs.standards).

`resolve_standards` picks them: SDTMIG and ADaMIG, the newest installed; each CT package
(SDTM, ADaM) the version the define.xml declares (def:Standard Type="CT"), else the version
asked for with `--ct`, else the newest installed. What it could not find is said in its notes,
and the rules that need it are then "not applicable" (never passed silently: the report lists
the notes and the standards used).

`SdtmModel` is what the model rules read from SDTMIG: per dataset the variables the guide
defines, those it requires or expects, and the variables allowed in a domain of each general
observation class. The library holds the guide, not the SDTM model document, so the variables
of a class are taken as those any domain of that class in the guide defines ("AESTDTC" in AE
stands for "--STDTC" in every Events domain), with the identifiers and timing variables of all
general observation classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from specs.ct import CtCodelist, Terminology
from specs.standards import (
    CT_PACKAGES,
    IgVariable,
    ImplementationGuide,
    StandardsError,
    StandardsLibrary,
    ct_package_of,
    parse_ct_release,
)

GENERAL_CLASSES = ("INTERVENTIONS", "EVENTS", "FINDINGS", "FINDINGS ABOUT")
# the SDTM classes whose datasets take only the variables the guide lists for them
_CLOSED_CLASSES = ("SPECIAL-PURPOSE", "TRIAL DESIGN", "RELATIONSHIP", "STUDY REFERENCE")
# the CT packages a validation uses, by the kind of dataset
CT_FOR = ("sdtmct", "adamct")
# codelists a guide variable also takes terms from, by the codelist's name: SDTMIG 3.4 section 6.3.13
# puts clinical classifications (ECOG, Karnofsky ...) in RS, each with its own test code and name codelists
ALSO_FROM = {
    ("RS", "RSTESTCD"): "Clinical Classification Test Code",
    ("RS", "RSTEST"): "Clinical Classification Test Name",
}


def _general(name: str, prefix: str) -> str:
    """A guide variable in the class's terms: AESTDTC of AE is --STDTC."""
    if len(prefix) == 2 and name.startswith(prefix) and len(name) > 2:
        return "--" + name[2:]
    return name


def _resolve(name: str, prefix: str | None) -> str:
    return prefix + name[2:] if name.startswith("--") and prefix else name


class SdtmModel:
    """The SDTMIG metadata the model rules read, with the class variables derived once."""

    def __init__(self, guide: ImplementationGuide):
        self.guide = guide

    @property
    def title(self) -> str:
        return self.guide.title

    def dataset_of(self, name: str) -> str | None:
        """The guide's dataset for a submitted dataset (AE, SUPPQUAL for SUPPAE, QS for QSPH)."""
        return self.guide.model_of(name)

    def variables(self, name: str, prefix: str | None) -> tuple[IgVariable, ...]:
        """The guide's variables of a submitted dataset, with the domain prefix of a split
        dataset's variables as the guide writes them."""
        model = self.dataset_of(name)
        return self.guide.variables(model) if model else ()

    def observation_class(self, name: str) -> str | None:
        model = self.dataset_of(name)
        return self.guide.datasets[model].observation_class.upper() if model else None

    @cached_property
    def _class_variables(self) -> dict[str, dict[str, IgVariable]]:
        """Per observation class: the variables its domains define, in the class's terms."""
        out: dict[str, dict[str, IgVariable]] = {}
        for ds in self.guide.datasets.values():
            cls = ds.observation_class.upper()
            for v in self.guide.variables(ds.name):
                out.setdefault(cls, {}).setdefault(_general(v.name, ds.name), v)
        shared: dict[str, IgVariable] = {}
        for cls in GENERAL_CLASSES:
            for key, v in out.get(cls, {}).items():
                if v.role in ("Identifier", "Timing"):
                    shared.setdefault(key, v)
        out["_SHARED"] = shared
        if "FINDINGS ABOUT" in out:  # Findings About takes every Findings variable too
            out["FINDINGS ABOUT"] = {**out.get("FINDINGS", {}), **out["FINDINGS ABOUT"]}
        return out

    def allowed(self, name: str, prefix: str | None, observation_class: str | None) -> dict[str, IgVariable] | None:
        """The variables allowed in a dataset (name -> the guide's variable that allows it), or
        None when the guide says nothing about it (a custom dataset of unknown class)."""
        own = {v.name: v for v in self.variables(name, prefix)}
        cls = (
            (self.observation_class(name) or observation_class or "")
            .upper()
            .replace("SPECIAL PURPOSE", "SPECIAL-PURPOSE")
        )
        if cls in _CLOSED_CLASSES:
            return own or None
        if cls not in GENERAL_CLASSES:
            return own or None
        classes = self._class_variables
        out = dict(own)
        for pool in (classes.get(cls, {}), classes["_SHARED"]):
            for key, v in pool.items():
                out.setdefault(_resolve(key, prefix), v)
        return out

    def core(self, name: str, prefix: str | None, core: str) -> tuple[str, ...]:
        """The variables of Core `core` (Req, Exp, Perm) of a dataset the guide defines."""
        return tuple(v.name for v in self.variables(name, prefix) if v.core == core)

    def model_variable_names(self, domain: str, observation_class: str | None) -> frozenset[str]:
        """Every variable name a domain may have by the model (for SUPP--.QNAM)."""
        allowed = self.allowed(domain, domain, observation_class)
        return frozenset(allowed) if allowed else frozenset()


@dataclass
class StudyStandards:
    """The guides and terminology a validation uses, and where each came from."""

    sdtmig: ImplementationGuide | None = None
    adamig: ImplementationGuide | None = None
    terminologies: dict[str, Terminology] = field(default_factory=dict)  # sdtmct -> Terminology
    ct_versions: dict[str, tuple[str, str]] = field(default_factory=dict)  # sdtmct -> (version, why)
    notes: list[str] = field(default_factory=list)
    library: StandardsLibrary | None = None  # for a CT version the data cite (TS.TSVCDVER)
    _other: dict[tuple[str, str], Terminology | None] = field(default_factory=dict, repr=False)
    _other_terms: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict, repr=False)

    def terminology_of(self, name: str, version: str) -> Terminology | None:
        """The CT package of that name and version: the one in use, else the library's, else None."""
        if self.ct_versions.get(name, ("",))[0] == version:
            return self.terminologies[name]
        key = (name, version)
        if key not in self._other:
            try:
                self._other[key] = self.library.terminology(name, version) if self.library is not None else None
            except StandardsError:
                self._other[key] = None
        return self._other[key]

    @cached_property
    def sdtm(self) -> SdtmModel | None:
        return SdtmModel(self.sdtmig) if self.sdtmig is not None else None

    def also_from(self, domain: str | None, variable: str) -> frozenset[str]:
        """The terms a variable takes beside its codelist's (ALSO_FROM), over the CT in use."""
        suffix = ALSO_FROM.get((domain or "", variable))
        if suffix is None:
            return frozenset()
        key = ("also", suffix)
        if key not in self._other_terms:
            self._other_terms[key] = frozenset(
                v for cl in self.codelists.values() if cl.name.endswith(suffix) for v in cl.values
            )
        return self._other_terms[key]

    @cached_property
    def codelists(self) -> dict[str, CtCodelist]:
        """NCI codelist code -> codelist, over the packages used (SDTM CT first: ADaM datasets
        draw SEX, RACE ... from it)."""
        out: dict[str, CtCodelist] = {}
        for name in CT_FOR:
            if name in self.terminologies:
                for code, cl in self.terminologies[name].codelists.items():
                    out.setdefault(code, cl)
        return out

    def ct_title(self) -> str | None:
        """'SDTM CT 2025-03-28, ADaM CT 2026-03-27' (None when no CT is used)."""
        parts = [f"{CT_PACKAGES[n]} CT {self.ct_versions[n][0]}" for n in CT_FOR if n in self.ct_versions]
        return ", ".join(parts) or None

    def describe(self) -> list[str]:
        """One line per standard used, for the report."""
        lines = [f"{g.title} model metadata (standards library)" for g in (self.sdtmig, self.adamig) if g is not None]
        for name in CT_FOR:
            if name in self.ct_versions:
                version, why = self.ct_versions[name]
                lines.append(f"{CT_PACKAGES[name]} CT {version} ({why})")
        return lines


def declared_ct(standards: tuple[tuple[str, str, str], ...]) -> dict[str, str]:
    """The CT versions a define.xml declares: package name -> version, from its def:Standard
    elements (type, publishing set, version)."""
    out: dict[str, str] = {}
    for kind, publishing_set, version in standards:
        name = ct_package_of(publishing_set) if kind.upper() == "CT" else None
        if name and version:
            out.setdefault(name, version)
    return out


def _asked(ct: tuple[str, ...]) -> dict[str, str]:
    """--ct values: '2025-03-28' (SDTM CT) or 'adamct-2026-03-27' (a package by name)."""
    out: dict[str, str] = {}
    for value in ct:
        release = parse_ct_release(value)
        if release is None:
            raise StandardsError(f"--ct {value}: give a version (2025-03-28) or a package (adamct-2026-03-27)")
        out[release[0] or "sdtmct"] = release[1]
    return out


def _absent(library: StandardsLibrary, name: str, rules: str) -> str:
    return (
        f"no {name} package in the standards library {library.root}: {rules} are not applicable "
        f"(install it with `cdisc-build standards add FILE`)"
    )


def resolve_standards(
    declared: tuple[tuple[str, str, str], ...] = (),
    ct: tuple[str, ...] = (),
    library: StandardsLibrary | None = None,
) -> StudyStandards:
    """The standards for a validation, from the library (the user's, unless given).

    declared: the define.xml's def:Standard entries (type, publishing set, version). ct: the
    versions asked for (--ct). A version asked for that the library lacks is an error
    (StandardsError); a declared one the library lacks falls back, with a note."""
    library = library or StandardsLibrary()
    out = StudyStandards(library=library)
    for ig in ("sdtmig", "adamig"):
        info = library.newest(ig)
        if info is None:
            out.notes.append(_absent(library, ig, f"the {ig.upper()} model rules"))
            continue
        setattr(out, ig, library.guide(ig, info.version))
        for kind, std_name, std_version in declared:
            if kind.upper() == "IG" and std_name.upper().replace("-", "") == ig.upper() and std_version != info.version:
                out.notes.append(
                    f"define.xml declares {std_name} {std_version}; the data are checked against {ig.upper()} {info.version}, "
                    f"the version in the standards library: what changed between the versions is reported too"
                )
    from_define = declared_ct(declared)
    asked = _asked(ct)
    for name in asked:
        library.find(name, asked[name])  # asked for and absent: an error naming what is installed
    for name in CT_FOR:
        version, why = None, ""
        wanted = from_define.get(name)
        if wanted is not None:
            have = [p.version for p in library.packages() if p.name == name]
            if wanted in have:
                version, why = wanted, "declared by define.xml"
                if name in asked and asked[name] != wanted:
                    out.notes.append(
                        f"--ct {asked[name]} not used for {CT_PACKAGES[name]}: define.xml declares {wanted}, "
                        f"which the library has"
                    )
            else:
                out.notes.append(
                    f"define.xml declares {CT_PACKAGES[name]} CT {wanted}, which is not in the standards library "
                    f"(installed: {', '.join(have) or 'none'})"
                )
        if version is None and name in asked:
            version, why = asked[name], "asked for with --ct"
        if version is None:
            info = library.newest(name)
            if info is None:
                out.notes.append(_absent(library, name, f"the {CT_PACKAGES[name]} controlled terminology rules"))
                continue
            version, why = info.version, "the newest in the standards library"
        out.terminologies[name] = library.terminology(name, version)
        out.ct_versions[name] = (version, why)
    return out


def standards_for(define=None, ct: tuple[str, ...] = (), library: StandardsLibrary | None = None) -> StudyStandards:
    """resolve_standards for a validation with this define.xml (a path, DefineMetadata or None)."""
    declared: tuple = ()
    if define is not None:
        if not hasattr(define, "standards"):
            from .define import read_define_metadata

            define = read_define_metadata(define)
        declared = tuple(define.standards)
    return resolve_standards(declared, ct, library)


def codelist_values(codelists: dict[str, CtCodelist], codes: tuple[str, ...]) -> tuple[frozenset[str], bool, list[str]]:
    """The terms of a variable's codelists (union), whether all of them are extensible, and the
    codes the terminology does not have."""
    values: set[str] = set()
    extensible = False
    missing = []
    for code in codes:
        cl = codelists.get(code)
        if cl is None:
            missing.append(code)
            continue
        values |= cl.values
        extensible = extensible or cl.extensible
    return frozenset(values), extensible, missing


def is_numeric_column(series: pd.Series, stored: str | None) -> bool:
    """Whether a column is numeric: as the file stored it when known, else by its dtype (a date or
    datetime column is numeric: SAS dates are numbers)."""
    if stored:
        return stored == "numeric"
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        return True
    return bool(pd.api.types.is_numeric_dtype(series)) and not pd.api.types.is_bool_dtype(series)
