"""Checks against the implementation guides and the controlled terminology of the standards
library, needing no spec: the variables a domain may have, the Required and Expected ones, their
order, types and roles, and every value of a variable the guide gives a CDISC codelist.

Each check reads `ctx.standards` (conformance.ig.StudyStandards); without the guide or the
terminology it needs, a check is not applicable (the report's notes say what is missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.ct import SANCTIONED_TERMS

from .checks import check, check_factory, not_applicable
from .context import Context, filled, text
from .ig import SdtmModel, codelist_values, is_numeric_column
from .model import Hit, Outcome
from .required import adam_structure, ig_required


def _sdtm(ctx: Context) -> SdtmModel | None:
    return ctx.standards.sdtm if ctx.standards is not None else None


def _guide_variables(ctx: Context, name: str, frame: pd.DataFrame):
    """(column -> the guide's variable) for the columns the guide defines for this dataset, and
    the guide's title; ({}, None) when the guide says nothing about it."""
    if ctx.is_adam(name):
        guide = ctx.standards.adamig if ctx.standards is not None else None
        structure = adam_structure(ctx, name, frame.columns)
        if guide is None or structure is None:
            return {}, None
        out = {}
        for col in map(str, frame.columns):
            v = guide.match(structure, col) or (guide.match("BDS", col) if structure == "TTE" else None)
            if v is not None:
                out[col] = v
        return out, f"{guide.title} {structure}"
    model = _sdtm(ctx)
    if model is None or model.dataset_of(name) is None:
        return {}, None
    own = {v.name: v for v in model.variables(name, ctx.domain(name))}
    return {str(c): own[str(c)] for c in frame.columns if str(c) in own}, f"{model.title} {model.dataset_of(name)}"


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------
@check
def ig_variables_allowed(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
    """Every variable is one the guide allows in the dataset: its own, or a variable of its
    observation class (CORE-000550)."""
    model = _sdtm(ctx)
    allowed = model.allowed(name, ctx.domain(name), ctx.dataset_class(name)) if model is not None else None
    if model is None or allowed is None:
        return Outcome(0, len(frame.columns))
    out = Outcome(len(frame.columns), 0)
    where = model.dataset_of(name) or f"a custom {ctx.dataset_class(name)} domain"
    supp = "SUPPQUAL" if ctx.is_supp(name) else f"SUPP{ctx.domain(name) or name}"
    for col in frame.columns:
        if str(col) not in allowed:
            detail = (
                f"{col} is neither a variable of {model.title} {where} nor one its observation class "
                f"({ctx.dataset_class(name)}) has in any domain of the guide: a non-standard variable goes to {supp}"
            )
            out.hits.append(Hit(name, None, str(col), [str(col)], detail))
    return out


@check
def ig_expected_present(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
    """Every Expected variable of the guide is in the dataset (CORE-000334)."""
    model = _sdtm(ctx)
    if model is None or model.dataset_of(name) is None:
        return Outcome(0, 1)
    expected = model.core(name, ctx.domain(name), "Exp")
    out = Outcome(len(expected), 0)
    for variable in expected:
        if variable not in frame.columns:
            detail = f"{name} has no {variable}, an Expected variable of {model.title} {model.dataset_of(name)}"
            out.hits.append(Hit(name, None, variable, [variable], detail))
    return out


@check
def ig_required_populated(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
    """A Required variable of the guide is populated on every record (CORE-000356)."""
    required = ig_required(ctx, name, frame)
    if required is None:
        return not_applicable(frame)
    out = Outcome(0, 0)
    for variable in required:
        if variable not in frame.columns:
            continue  # its absence is CB-SDTM-265 / CB-ADAM-037
        out.checked += len(frame)
        empty = ~filled(frame[variable])
        if empty.any():
            rows = np.flatnonzero(empty.to_numpy())
            out.hits.append(Hit(name, rows, variable, [None] * len(rows), "a Required variable is null"))
    return out


@check
def ig_variable_order(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
    """The guide's variables are in the guide's order (CORE-000852)."""
    defined, title = _guide_variables(ctx, name, frame)
    if not defined or ctx.is_adam(name):
        return Outcome(0, 1)
    actual = [str(c) for c in frame.columns if str(c) in defined]
    wanted = sorted(actual, key=lambda c: defined[c].order)
    out = Outcome(1, 0)
    if actual != wanted:
        first = next(i for i, (a, b) in enumerate(zip(actual, wanted, strict=True)) if a != b)
        out.hits.append(Hit(name, None, actual[first], [", ".join(actual)], f"{title} orders them {', '.join(wanted)}"))
    return out


@check
def ig_variable_types(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
    """A variable the guide defines has the guide's type, Char or Num (CORE-001082)."""
    defined, title = _guide_variables(ctx, name, frame)
    if not defined:
        return Outcome(0, len(frame.columns))
    meta = ctx.meta.get(name)
    stored = meta.variable_types if meta is not None else {}
    out = Outcome(0, len(frame.columns) - len(defined))
    for col, v in defined.items():
        series = frame[col]
        if not stored.get(col) and not filled(series).any():
            out.not_applicable += 1  # an empty column read from text has no type to compare
            continue
        out.checked += 1
        numeric = is_numeric_column(series, stored.get(col))
        if numeric != (v.data_type == "Num"):
            detail = f"{'numeric' if numeric else 'text'} in the data; {title} defines it as {v.data_type}"
            out.hits.append(Hit(name, None, col, [col], detail))
    return out


@check
def ig_roles(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
    """The role define.xml gives a variable is the guide's role for it: the domain's, or the
    observation class's for a custom domain (CORE-001081)."""
    model = _sdtm(ctx)
    ds = ctx.define.dataset(name) if ctx.define is not None else None
    if model is None or ds is None:
        return Outcome(0, len(frame.columns))
    allowed = model.allowed(name, ctx.domain(name), ctx.dataset_class(name)) or {}
    out = Outcome(0, 0)
    for col, item in ds.items.items():
        v = allowed.get(col)
        if item.role is None or v is None or v.role is None:
            out.not_applicable += 1
            continue
        out.checked += 1
        if item.role.strip().upper() != v.role.upper():
            detail = f"define.xml gives the role {item.role}; {model.title} gives {v.role}"
            out.hits.append(Hit(name, None, col, [item.role], detail))
    return out


# ---------------------------------------------------------------------------
# Controlled terminology
# ---------------------------------------------------------------------------
@check_factory
def ct_terms(extensible: bool):
    """Every value of a variable the guide gives a CDISC codelist is a term of that codelist in the
    CT version used: of the non-extensible codelists (extensible=False) or the extensible ones.
    Results (--ORRES, --STRESC: role Result Qualifier) are left out, their codelist depending on
    the test; RACE and AEACN may be "MULTIPLE" as the guides direct (specs.ct.SANCTIONED_TERMS), and RS takes the clinical
    classifications' own test codelists (conformance.ig.ALSO_FROM)."""

    def run(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
        standards = ctx.standards
        defined, title = _guide_variables(ctx, name, frame)
        if standards is None or not standards.codelists or not defined:
            return not_applicable(frame)
        codelists = standards.codelists
        version = standards.ct_title()
        out = Outcome(0, 0)
        for col, v in defined.items():
            if not v.codelists or v.role == "Result Qualifier":
                continue  # a result's codelist depends on the test (value level), not the variable
            terms, is_extensible, _ = codelist_values(codelists, v.codelists)
            terms |= standards.also_from(v.dataset, col)
            for code in v.codelists:
                terms |= SANCTIONED_TERMS.get(code, frozenset())
            if not terms or is_extensible != extensible:
                continue
            series = frame[col]
            present = filled(series)
            values = text(series)
            out.checked += int(present.sum())
            bad = present & ~values.isin(terms)
            if bad.any():
                rows = np.flatnonzero(bad.to_numpy())
                names = "; ".join(f"{codelists[c].name} ({c})" for c in v.codelists if c in codelists)
                kind = "extensible" if extensible else "non-extensible"
                detail = f"not a term of {names}, {kind}, in {version}"
                out.hits.append(Hit(name, rows, col, list(values.to_numpy()[rows]), detail))
        return out

    return run


@check
def domain_code_in_ct(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
    """The DOMAIN code of a domain the guide defines is a term of the CT's SDTM Domain Abbreviation
    codelist (C66734), in the data and in define.xml's DOMAIN codelist (CORE-000929)."""
    model = _sdtm(ctx)
    standards = ctx.standards
    codelist = standards.codelists.get("C66734") if standards is not None else None
    if model is None or codelist is None or "DOMAIN" not in frame.columns:
        return not_applicable(frame)
    standard_domains = {d for d in model.guide.datasets if len(d) == 2}
    values = text(frame["DOMAIN"])
    applicable = values.isin(standard_domains)
    out = Outcome(int(applicable.sum()), int(len(frame) - applicable.sum()))
    bad = applicable & ~values.isin(codelist.values)
    detail = f"not a term of {codelist.name} (C66734) in {standards.ct_title() if standards else None}"
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())
        out.hits.append(Hit(name, rows, "DOMAIN", list(values.to_numpy()[rows]), detail))
    item = ctx.define.variable(name, "DOMAIN") if ctx.define is not None else None
    if item is not None and item.codelist_code == "C66734" and item.codelist_terms:
        # each dataset answers for its own code (a codelist shared by every DOMAIN is reported once a term)
        own = ctx.domain(name)
        listed = [t for t in item.codelist_terms if t == own and t in standard_domains and t not in codelist.values]
        out.checked += 1
        for term in listed:
            out.hits.append(Hit(name, None, "DOMAIN", [term], f"define.xml's DOMAIN codelist: {detail}"))
    return out


@check
def supp_qnam_not_model_variable(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
    """SUPP--.QNAM is not the name of a variable the model has for the parent domain (CORE-000783)."""
    model = _sdtm(ctx)
    if model is None or not {"QNAM", "RDOMAIN"} <= set(frame.columns):
        return not_applicable(frame)
    rdomain = text(frame["RDOMAIN"]).str.upper()
    qnam = text(frame["QNAM"]).str.upper()
    bad = np.zeros(len(frame), dtype=bool)
    applicable = np.zeros(len(frame), dtype=bool)
    for domain in rdomain.unique():
        cls = model.observation_class(domain) or (ctx.dataset_class(domain) if domain in ctx.datasets else None)
        names = model.model_variable_names(domain, cls)
        if not names:
            continue
        mask = (rdomain == domain).to_numpy()
        applicable |= mask
        bad |= mask & qnam.isin(names).to_numpy()
    out = Outcome(int(applicable.sum()), int(len(frame) - applicable.sum()))
    if bad.any():
        rows = np.flatnonzero(bad)
        detail = f"a variable of the parent domain in {model.title}: submit it there, not as a supplemental qualifier"
        out.hits.append(Hit(name, rows, "QNAM", list(qnam.to_numpy()[rows]), detail))
    return out


@check
def ts_codes_in_cited_ct(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
    """TSVALCD is a code of the CDISC CT version TSVCDVER names, when TSVCDREF is CDISC and the
    standards library has that version (CORE-001080)."""
    standards = ctx.standards
    if standards is None or not {"TSVCDREF", "TSVCDVER", "TSVALCD"} <= set(frame.columns):
        return not_applicable(frame)
    ref = text(frame["TSVCDREF"]).str.upper()
    version = text(frame["TSVCDVER"]).str.strip()
    code = text(frame["TSVALCD"]).str.strip()
    applicable = np.zeros(len(frame), dtype=bool)
    bad = np.zeros(len(frame), dtype=bool)
    for v in sorted(set(version[ref.str.startswith("CDISC") & (version != "")])):
        ct = standards.terminology_of("sdtmct", v)
        if ct is None:
            continue
        codes = frozenset(ct.terms["term_code"]) | frozenset(ct.terms["codelist_code"])
        mask = (ref.str.startswith("CDISC") & (version == v) & (code != "")).to_numpy()
        applicable |= mask
        bad |= mask & ~code.isin(codes).to_numpy()
    out = Outcome(int(applicable.sum()), int(len(frame) - applicable.sum()))
    if bad.any():
        rows = np.flatnonzero(bad)
        out.hits.append(
            Hit(name, rows, "TSVALCD", list(code.to_numpy()[rows]), "not a code of the SDTM CT version TSVCDVER names")
        )
    return out
