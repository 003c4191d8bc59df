"""CDISC controlled terminology packages and the spec's codelists checked against them.

A package is read from the CSV layout of the NCI EVS / CDISC CORE cache: one row
per term with codelist_code, codelist_submission_value, codelist_name,
extensible, term_code, submission_value, preferred_term, synonyms, definition.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from .findings import Finding
from .model import Spec

CT_COLUMNS = [
    "codelist_code",
    "codelist_submission_value",
    "codelist_name",
    "extensible",
    "term_code",
    "submission_value",
    "preferred_term",
    "synonyms",
    "definition",
]


class TerminologyError(ValueError):
    """A controlled terminology file that cannot be read: names the file and what is wrong."""


@dataclass(frozen=True)
class CtCodelist:
    """One codelist of a package: its NCI code, submission value, name, whether a sponsor may
    extend it, and its terms {term NCI code: submission value}."""

    code: str
    submission_value: str
    name: str
    extensible: bool
    terms: dict[str, str]

    @cached_property
    def values(self) -> frozenset[str]:
        return frozenset(self.terms.values())


@dataclass(frozen=True)
class Terminology:
    """One or more CT packages, indexed by NCI code."""

    terms: pd.DataFrame  # CT_COLUMNS plus "package"

    @classmethod
    def read(cls, paths: Iterable[str | os.PathLike[str]]) -> Terminology:
        frames = []
        for path in paths:
            try:
                frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
                raise TerminologyError(f"{path}: not readable as a controlled terminology CSV: {exc}") from None
            missing = [c for c in CT_COLUMNS if c not in frame.columns]
            if missing:
                raise TerminologyError(
                    f"{path}: not a controlled terminology CSV; it lacks the column(s) {', '.join(missing)}"
                )
            frame["package"] = os.path.basename(str(path))
            frames.append(frame[CT_COLUMNS + ["package"]])
        return cls(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CT_COLUMNS + ["package"]))

    @classmethod
    def combine(cls, *parts: Terminology) -> Terminology:
        """The packages of several terminologies as one (the first that has a codelist wins)."""
        return cls(pd.concat([p.terms for p in parts], ignore_index=True))

    @property
    def packages(self) -> tuple[str, ...]:
        """The packages the terms come from (file names, or name-version from the standards library)."""
        return tuple(dict.fromkeys(self.terms["package"]))

    @cached_property
    def codelists(self) -> dict[str, CtCodelist]:
        """Every codelist by its NCI code (the first package that has it wins)."""
        first_package = self.terms.drop_duplicates("codelist_code")[["codelist_code", "package"]]
        rows = self.terms.merge(first_package, on=["codelist_code", "package"])
        terms: dict[str, dict[str, str]] = {}
        for code, term, value in zip(rows["codelist_code"], rows["term_code"], rows["submission_value"], strict=True):
            terms.setdefault(code, {})[term] = value
        heads = rows.drop_duplicates("codelist_code")
        return {
            code: CtCodelist(code, value, name, str(ext).strip().lower() in ("true", "yes"), terms[code])
            for code, value, name, ext in zip(
                heads["codelist_code"],
                heads["codelist_submission_value"],
                heads["codelist_name"],
                heads["extensible"],
                strict=True,
            )
        }

    def codelist(self, code: str) -> CtCodelist | None:
        return self.codelists.get(code)

    def codelist_codes(self) -> set[str]:
        return set(self.terms["codelist_code"])

    def term_codes(self, codelist_code: str) -> dict[str, str]:
        """{term NCI code: submission value} of one codelist."""
        rows = self.terms[self.terms["codelist_code"] == codelist_code]
        return dict(zip(rows["term_code"], rows["submission_value"], strict=False))

    def is_extensible(self, codelist_code: str) -> bool | None:
        rows = self.terms.loc[self.terms["codelist_code"] == codelist_code, "extensible"]
        return None if rows.empty else rows.iloc[0].lower() == "true"


# Terms the implementation guide directs beside a non-extensible codelist, by the codelist's NCI code:
# RACE = "MULTIPLE" when more than one race is collected (SDTMIG 3.4 DM assumptions; ADaMIG 1.3
# ADSL RACE) and AEACN = "MULTIPLE" when a study has several treatments whose actions differ, the
# per-treatment actions in SUPPAE (SDTMIG 3.4 AE assumptions).
SANCTIONED_TERMS = {"C74457": frozenset({"MULTIPLE"}), "C66767": frozenset({"MULTIPLE"})}


def check_against_ct(spec: Spec, ct: Terminology) -> list[Finding]:
    """Every NCI code of the spec's codelists must exist in the terminology.

    - a codelist code not in any package: error;
    - a term code not in its codelist, or naming another submission value: error;
    - a term without a code in a non-extensible CDISC codelist: error;
    - Extensible differing from the package: warning;
    - in a codelist without an NCI code (a sponsor codelist, or one uniting the terms of
      several CDISC codelists), a term code that no codelist of the terminology has with
      that submission value: error.
    """
    out: list[Finding] = []
    known = ct.codelist_codes()
    anywhere = set(zip(ct.terms["term_code"], ct.terms["submission_value"], strict=False))
    for cl in spec.codelists:
        if not cl.nci_code:
            for term in cl.terms:
                if term.nci_code and (term.nci_code, term.term) not in anywhere:
                    t_sheet, t_row = (term.loc.sheet, term.loc.row) if term.loc else (None, None)
                    out.append(
                        Finding(
                            "error",
                            "unknown-nci-code",
                            f"codelist {cl.id}: term {term.term!r} has NCI code "
                            f"{term.nci_code}, which no codelist of the terminology has for {term.term!r}",
                            t_sheet,
                            t_row,
                            "NCI Term Code",
                        )
                    )
            continue
        sheet, row = (cl.loc.sheet, cl.loc.row) if cl.loc else (None, None)
        if cl.nci_code not in known:
            out.append(
                Finding(
                    "error",
                    "unknown-nci-code",
                    f"codelist {cl.id}: NCI codelist code {cl.nci_code} is in no terminology package",
                    sheet,
                    row,
                    "NCI Codelist Code",
                )
            )
            continue
        terms = ct.term_codes(cl.nci_code)
        extensible = ct.is_extensible(cl.nci_code)
        if extensible is not None and cl.extensible != extensible:
            out.append(
                Finding(
                    "warning",
                    "extensible-differs",
                    f"codelist {cl.id} ({cl.nci_code}) is {'extensible' if extensible else 'not extensible'} in the terminology",
                    sheet,
                    row,
                    "Extensible",
                )
            )
        for term in cl.terms:
            t_sheet, t_row = (term.loc.sheet, term.loc.row) if term.loc else (sheet, row)
            if term.nci_code is None:
                if extensible is False and term.term not in SANCTIONED_TERMS.get(cl.nci_code, ()):
                    same_value = [code for code, value in terms.items() if value == term.term]
                    why = (
                        f"term {term.term!r} has no NCI code (it is {same_value[0]} in the terminology)"
                        if same_value
                        else f"term {term.term!r} is not one of its terms: a sponsor may not extend it"
                    )
                    out.append(
                        Finding(
                            "error",
                            "term-not-in-closed-codelist",
                            f"codelist {cl.id} ({cl.nci_code}) is not extensible, and {why}",
                            t_sheet,
                            t_row,
                            "NCI Term Code",
                        )
                    )
                continue
            if term.nci_code not in terms:
                out.append(
                    Finding(
                        "error",
                        "unknown-nci-code",
                        f"codelist {cl.id}: term {term.term!r} has NCI code {term.nci_code}, which is not a term of {cl.nci_code}",
                        t_sheet,
                        t_row,
                        "NCI Term Code",
                    )
                )
            elif terms[term.nci_code] != term.term:
                out.append(
                    Finding(
                        "error",
                        "nci-code-mismatch",
                        f"codelist {cl.id}: NCI code {term.nci_code} is {terms[term.nci_code]!r} in the terminology, not {term.term!r}",
                        t_sheet,
                        t_row,
                        "Term",
                    )
                )
    return out
