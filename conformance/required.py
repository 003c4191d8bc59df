"""The Required variables of each dataset, by the implementation guides, with no spec needed.

SDTMIG 3.4: the variables of Core "Req" of each dataset it defines ("--" stands for
the domain prefix, so a split dataset such as QSPH resolves QSSEQ); a dataset of a
domain it does not define has the identifiers its observation class requires.
ADaMIG 1.3: ADSL and BDS as the guide lists them; OCCDS (ADaM OCCDS 1.1) and other
ADaM datasets their identifiers.

A dataset that lacks one of these cannot be validated: the rules that read the
variable cannot run on it, so its absence is an error finding (CB-SDTM-265,
CB-ADAM-037), not a rule left "not applicable".
"""

from __future__ import annotations

import pandas as pd

from specs.standards import name_pattern

from .checks import Check, check_factory
from .context import Context
from .model import Hit, Outcome

SDTMIG_REQUIRED = {
    "AE": "STUDYID DOMAIN USUBJID --SEQ --TERM --DECOD",
    "AG": "STUDYID DOMAIN USUBJID --SEQ --TRT",
    "BE": "STUDYID DOMAIN USUBJID --SEQ --TERM",
    "BS": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "CE": "STUDYID DOMAIN USUBJID --SEQ --TERM",
    "CM": "STUDYID DOMAIN USUBJID --SEQ --TRT",
    "CO": "STUDYID DOMAIN USUBJID --SEQ --VAL",
    "CP": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "CV": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "DA": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "DD": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "DM": "STUDYID DOMAIN USUBJID SUBJID SITEID SEX COUNTRY",
    "DS": "STUDYID DOMAIN USUBJID --SEQ --TERM --DECOD",
    "DV": "STUDYID DOMAIN USUBJID --SEQ --TERM",
    "EC": "STUDYID DOMAIN USUBJID --SEQ --TRT",
    "EG": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "EX": "STUDYID DOMAIN USUBJID --SEQ --TRT",
    "FA": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST --OBJ",
    "FT": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST --CAT",
    "GF": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "HO": "STUDYID DOMAIN USUBJID --SEQ --TERM",
    "IE": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST --CAT --ORRES --STRESC",
    "IS": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "LB": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "MB": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "MH": "STUDYID DOMAIN USUBJID --SEQ --TERM",
    "MI": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST --SPEC",
    "MK": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "ML": "STUDYID DOMAIN USUBJID --SEQ --TRT",
    "MS": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "NV": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "OE": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "OI": "STUDYID DOMAIN NHOID --SEQ --PARMCD --PARM --VAL",
    "PC": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "PE": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "PP": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "PR": "STUDYID DOMAIN USUBJID --SEQ --TRT",
    "QS": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST --CAT",
    "RE": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "RELREC": "STUDYID RDOMAIN IDVAR RELID",
    "RELSPEC": "STUDYID USUBJID REFID LEVEL",
    "RELSUB": "STUDYID RSUBJID SREL",
    "RP": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "RS": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "SC": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "SE": "STUDYID DOMAIN USUBJID --SEQ ETCD --STDTC",
    "SM": "STUDYID DOMAIN USUBJID --SEQ MIDS MIDSTYPE",
    "SR": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST --OBJ",
    "SS": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "SU": "STUDYID DOMAIN USUBJID --SEQ --TRT",
    "SUPPQUAL": "STUDYID RDOMAIN USUBJID QNAM QLABEL QVAL QORIG",
    "SV": "STUDYID DOMAIN USUBJID VISITNUM",
    "TA": "STUDYID DOMAIN ARMCD ARM --ETORD ETCD EPOCH",
    "TD": "STUDYID DOMAIN --ORDER --ANCVAR --STOFF --TGTPAI --MINPAI --MAXPAI --NUMRPT",
    "TE": "STUDYID DOMAIN ETCD ELEMENT --STRL",
    "TI": "STUDYID DOMAIN IETESTCD IETEST IECAT",
    "TM": "STUDYID DOMAIN MIDSTYPE --DEF --RPT",
    "TR": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "TS": "STUDYID DOMAIN --SEQ --PARMCD --PARM",
    "TU": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "TV": "STUDYID DOMAIN VISITNUM VISIT --STRL",
    "UR": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "VS": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
}

# a domain the guide does not define: what its observation class requires
_CLASS_REQUIRED = {
    "EVENTS": "STUDYID DOMAIN USUBJID --SEQ --TERM",
    "INTERVENTIONS": "STUDYID DOMAIN USUBJID --SEQ --TRT",
    "FINDINGS": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST",
    "FINDINGS ABOUT": "STUDYID DOMAIN USUBJID --SEQ --TESTCD --TEST --OBJ",
}
_ANY_DOMAIN = "STUDYID DOMAIN"

ADAMIG_REQUIRED = {
    "ADSL": "STUDYID USUBJID SUBJID SITEID AGE AGEU SEX RACE ARM TRTxxP",
    "BDS": "STUDYID USUBJID PARAM PARAMCD",
    "OCCDS": "STUDYID USUBJID",
    "ADAM OTHER": "STUDYID",
}


def sdtm_required(ctx, name: str) -> tuple[str, ...]:
    """The Required variables of an SDTM dataset, with the domain prefix resolved: from the SDTMIG
    of the standards library when it is installed and defines the dataset, else the table above."""
    model = ctx.standards.sdtm if ctx.standards is not None else None
    if model is not None and model.dataset_of(name) is not None:
        return model.core(name, ctx.domain(name), "Req")
    if ctx.is_supp(name):
        names = SDTMIG_REQUIRED["SUPPQUAL"]
    elif name in ("RELREC", "RELSUB", "RELSPEC"):
        names = SDTMIG_REQUIRED[name]
    else:
        domain = ctx.domain(name) or name
        names = SDTMIG_REQUIRED.get(domain) or _CLASS_REQUIRED.get(ctx.dataset_class(name) or "", _ANY_DOMAIN)
    return tuple(ctx.var(name, v) for v in names.split())


def adam_structure(ctx, name: str, columns) -> str | None:
    """The ADaMIG structure of an ADaM dataset: ADSL, TTE (a BDS with CNSR), BDS, else None."""
    cls = ctx.dataset_class(name)
    if cls == "ADSL":
        return "ADSL"
    if cls == "BDS":
        return "TTE" if "CNSR" in set(map(str, columns)) else "BDS"
    return None


def adam_required(ctx, name: str, columns=()) -> tuple[str, ...]:
    """The Required variables of an ADaM dataset by its class, as the ADaMIG of the standards
    library writes them when it is installed (TRTxxP: at least one TRTnnP), else the table above."""
    guide = ctx.standards.adamig if ctx.standards is not None else None
    structure = adam_structure(ctx, name, columns)
    if guide is not None and structure is not None:
        variables = guide.variables(structure) + (guide.variables("BDS") if structure == "TTE" else ())
        return tuple(dict.fromkeys(v.name for v in variables if v.core == "Req"))
    return tuple(ADAMIG_REQUIRED.get(ctx.dataset_class(name) or "", ADAMIG_REQUIRED["ADAM OTHER"]).split())


def ig_required(ctx, name: str, frame: pd.DataFrame) -> tuple[str, ...] | None:
    """The Required variables of an SDTM dataset by the SDTMIG of the standards library (SDTMIG's
    Req: present and never null); None for an ADaM dataset (ADaMIG's Req asks presence only, the
    check of required_present) or when the guide is not installed."""
    if ctx.standards is None or ctx.standards.sdtm is None or ctx.is_adam(name):
        return None
    return sdtm_required(ctx, name)


def missing_required(columns, required: tuple[str, ...]) -> list[str]:
    """The required variables not among the columns, in the guide's order (a name with the
    guide's lower-case placeholders, TRTxxP, needs one column it matches)."""
    have = {str(c) for c in columns}
    out = []
    for variable in required:
        if variable != variable.upper():
            pattern = name_pattern(variable)
            if not any(pattern.fullmatch(c) for c in have):
                out.append(variable)
        elif variable not in have:
            out.append(variable)
    return out


@check_factory
def required_present(standard: str) -> Check:
    """A hit for each Required variable of `standard` ("SDTM" or "ADaM") the dataset lacks."""

    def check(ctx: Context, name: str, frame: pd.DataFrame) -> Outcome:
        if standard == "SDTM":
            required, guide = sdtm_required(ctx, name), "SDTMIG 3.4"
        else:
            required, guide = adam_required(ctx, name, frame.columns), f"ADaMIG 1.3, {ctx.dataset_class(name)}"
        out = Outcome(len(required), 0)
        for variable in missing_required(frame.columns, required):
            detail = (
                f"{name} has no {variable}, a Required variable ({guide}): the rules that read it cannot run on {name}"
            )
            out.hits.append(Hit(name, None, variable, [variable], detail))
        return out

    return check
