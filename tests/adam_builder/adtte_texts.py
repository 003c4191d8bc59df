"""The EVNTDESC and CNSDTDSC texts of the study's ADaM spec, written out for tests: each a
codelist term whose synonym is the key the time-to-event derivation looks it up by."""

from __future__ import annotations

from specs.model import Codelist, CodelistTerm, Spec, Variable

TTE_EVENTS = {
    "PD": "Disease progression",
    "DEATH": "Death",
    "NO_ASSESSMENT": "No post-baseline assessment",
    "NO_ADEQUATE_ASSESSMENT": "No adequate post-baseline assessment",
    "LAST_ADEQUATE_ASSESSMENT": "Last adequate assessment",
    "NEW_THERAPY": "Last adequate assessment before new anti-cancer therapy",
    "MISSED_ASSESSMENTS": "Last adequate assessment before missed assessments",
    "LSTALVDT": "Last known alive",
}
TTE_CENSOR_DATES = {
    "TRTSDT": "Treatment start",
    "LAST_ADEQUATE_ASSESSMENT": "Last adequate tumor assessment",
    "NEW_THERAPY": "Last adequate tumor assessment before new anti-cancer therapy",
    "MISSED_ASSESSMENTS": "Last adequate tumor assessment before missed assessments",
    "LSTALVDT": "Last known alive date",
}


def described(codelist: str, texts: dict[str, str]) -> Codelist:
    """A codelist of ``texts`` (key -> text): each text a term, its key the synonym."""
    return Codelist(codelist, terms=tuple(CodelistTerm(t, synonyms=(key,)) for key, t in texts.items()))


def descriptions_spec() -> Spec:
    """ADTTE.EVNTDESC and CNSDTDSC with the codelists of the texts above."""
    return Spec(
        variables=(
            Variable("ADTTE", "EVNTDESC", codelist="EVNTDESC"),
            Variable("ADTTE", "CNSDTDSC", codelist="CNSDTDSC"),
        ),
        codelists=(described("EVNTDESC", TTE_EVENTS), described("CNSDTDSC", TTE_CENSOR_DATES)),
    )
