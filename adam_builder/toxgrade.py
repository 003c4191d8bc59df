"""NCI-CTCAE laboratory toxicity grades (ATOXGRL, ATOXGRH, ATOXGR) from criteria held as data.

The criteria are tables, one CSV each: ``adam_builder/criteria/ctcae_v5.csv`` (NCI-CTCAE v5.0),
``ctcae_v4.csv`` (v4.03), or a user CSV of the same layout. A row is one band of one grade:
term x direction x grade x unit x baseline condition (x alternative, where the text gives
several criteria for one grade, e.g. "x ULN" or "x baseline": a value meeting any row of a
grade meets the grade). The columns:

=============  ==========================================================================
TERM           the CTCAE term as published, e.g. "Alanine aminotransferase increased"
DIRECTION      L (the grade of a low value, ATOXGRL) or H (of a high value, ATOXGRH)
GRADE          1 to 4 (grade 5, death, is never a laboratory value)
UNIT           the unit of the row's absolute bounds (ABS, ULN+, BASE+) as its accepted
               spellings separated by "|", compared case-insensitively; blank: the unit is
               not checked (bounds relative to ULN, LLN or baseline; unitless values: INR, pH)
BASELINE       NORMAL / ABNORMAL: the row applies only when baseline was normal / abnormal
               in the row's direction (H: above ULN, L: below LLN); blank: always
LOWER, UPPER   the bounds of the band as numbers; one may be blank (the band is open there)
LOWER_REF,     what the bound is relative to: ULN, LLN, BASE (the number times ANRHI, ANRLO
UPPER_REF      or BASE), ULN+, BASE+ (ANRHI or BASE plus the number, in UNIT), ABS (the
               number itself, in UNIT)
LOWER_INCL,    Y when the bound belongs to the band (">ULN" is N, "<LLN - 10.0 g/dL" has
UPPER_INCL     UPPER 1 LLN N and LOWER 10.0 ABS Y)
SOURCE         published (the NCI text) or converted (a published bound in another unit by a
               power of ten, e.g. /mm3 to 10^9/L)
NOTE           how the row reads the text, where that needs saying
=============  ==========================================================================

Grading one record against the rows of its term and direction: each row is true, false or
unknown (a bound needs ANRLO, ANRHI or BASE and it is missing; the row needs a baseline
condition that cannot be decided; the row has a unit and the record's unit is none of the
term's units). The grade is the highest grade of a true row, "0" when no row is true; it is
null when an unknown row has a higher grade than that (the value cannot be graded without
it), when AVAL or the term is missing, and when the term has no row in the direction.

Baseline normal / abnormal (the v5.0 rules of ALT, AST, ALP, GGT, bilirubin, fibrinogen and
the v4.03 rule of hemoglobin increased) is decided from BNRIND when a column is named (HIGH
is abnormal for direction H, LOW for L; NORMAL and the other direction are normal), else from
BASE against ANRHI (H: abnormal when BASE > ANRHI) or ANRLO (L: abnormal when BASE < ANRLO).
Values are compared with a relative tolerance of 1e-9, so 3.0 x 40 is 120 exactly.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .common import NONE, AdamInputError, assert_columns, fresh, number, text
from .registry import Derivation, columns_of

CRITERIA_DIR = Path(__file__).resolve().parent / "criteria"
PACKAGE_TABLES = ("ctcae_v5", "ctcae_v4")
COLUMNS = (
    "TERM",
    "DIRECTION",
    "GRADE",
    "UNIT",
    "BASELINE",
    "LOWER",
    "LOWER_REF",
    "LOWER_INCL",
    "UPPER",
    "UPPER_REF",
    "UPPER_INCL",
    "SOURCE",
    "NOTE",
)
REFS = ("ULN", "LLN", "BASE", "ULN+", "BASE+", "ABS")
GRADES = ("0", "1", "2", "3", "4")
_RTOL = 1e-9
# three-valued truth: the smallest of two is their conjunction
_FALSE, _UNKNOWN, _TRUE = 0, 1, 2


class CriteriaError(AdamInputError):
    """A criteria table is not laid out as toxgrade reads it."""


@dataclass(frozen=True)
class Bound:
    value: float
    ref: str
    inclusive: bool


@dataclass(frozen=True)
class Criterion:
    """One row of a criteria table."""

    term: str
    direction: str
    grade: int
    units: frozenset[str]
    baseline: str | None
    lower: Bound | None
    upper: Bound | None
    line: int


@dataclass(frozen=True)
class Criteria:
    source: str
    rows: tuple[Criterion, ...]

    def terms(self, direction: str) -> list[str]:
        return list(dict.fromkeys(r.term for r in self.rows if r.direction == direction))


def _unit_key(unit: str) -> str:
    return unit.strip().casefold()


def load_criteria(name_or_path: str | Path) -> Criteria:
    """The criteria table "ctcae_v5" or "ctcae_v4" of the package, or the CSV at a path.

    Every fault of the table is reported at once, each naming the file, the line and the column."""
    if isinstance(name_or_path, str) and name_or_path in PACKAGE_TABLES:
        return _package_table(name_or_path)
    return _read(Path(name_or_path))


@functools.cache
def _package_table(name: str) -> Criteria:
    return _read(CRITERIA_DIR / f"{name}.csv")


def _read(path: Path) -> Criteria:
    if not path.is_file():
        raise CriteriaError(f"{path}: no such criteria table (the package has {', '.join(PACKAGE_TABLES)})")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise CriteriaError(
                f"{path}: missing column(s) {', '.join(missing)} (it has {', '.join(header) or 'none'})"
            )
        rows: list[Criterion] = []
        errors: list[str] = []
        for line, raw in enumerate(reader, start=2):
            row = _row(raw, line, path, errors)
            if row is not None:
                rows.append(row)
    if not rows and not errors:
        errors.append(f"{path}: no criteria rows")
    if errors:
        raise CriteriaError(f"{len(errors)} problem(s) in the criteria table:\n" + "\n".join(errors))
    return Criteria(source=str(path), rows=tuple(rows))


def _row(raw: dict, line: int, path: Path, errors: list[str]) -> Criterion | None:
    def cell(column: str) -> str:
        return (raw.get(column) or "").strip()

    def fault(column: str, expected: str) -> None:
        errors.append(f"{path}, line {line}, column {column}: found {cell(column)!r}, expected {expected}")

    before = len(errors)
    term = cell("TERM")
    if not term:
        fault("TERM", "a CTCAE term")
    direction = cell("DIRECTION")
    if direction not in ("L", "H"):
        fault("DIRECTION", "L or H")
    grade = cell("GRADE")
    if grade not in GRADES[1:]:
        fault("GRADE", "1, 2, 3 or 4")
    baseline = cell("BASELINE")
    if baseline not in ("", "NORMAL", "ABNORMAL"):
        fault("BASELINE", "NORMAL, ABNORMAL or blank")
    if cell("SOURCE") not in ("published", "converted"):
        fault("SOURCE", "published or converted")
    bounds: list[Bound | None] = []
    for side in ("LOWER", "UPPER"):
        value, ref, incl = cell(side), cell(f"{side}_REF"), cell(f"{side}_INCL")
        if not value:
            if ref or incl:
                fault(side, f"a number, as {side}_REF and {side}_INCL are given")
            bounds.append(None)
            continue
        try:
            number_ = float(value)
        except ValueError:
            fault(side, "a number or blank")
            number_ = float("nan")
        if ref not in REFS:
            fault(f"{side}_REF", f"one of {', '.join(REFS)}")
        if incl not in ("Y", "N"):
            fault(f"{side}_INCL", "Y or N")
        bounds.append(Bound(number_, ref, incl == "Y"))
    lower, upper = bounds
    if lower is None and upper is None:
        fault("LOWER", "a bound in LOWER or UPPER (both are blank)")
    elif lower and upper and lower.ref == upper.ref and lower.value > upper.value:
        fault("LOWER", f"a bound not above UPPER {upper.value:g} {upper.ref}")
    units = frozenset(_unit_key(u) for u in cell("UNIT").split("|") if u.strip())
    if len(errors) > before:
        return None
    return Criterion(term, direction, int(grade), units, baseline or None, lower, upper, line)


# --- grading -----------------------------------------------------------------------------


def _floats(values, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, np.nan)
    return pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype="float64")


def _texts(values, n: int) -> np.ndarray:
    if values is None:
        return np.full(n, None, dtype=object)
    return text(pd.Series(list(values), dtype=object)).to_numpy(dtype=object)


def _check(
    value: np.ndarray, bound: Bound | None, refs: dict[str, np.ndarray], upper: bool, unit_known: np.ndarray
) -> np.ndarray:
    """Three-valued: does ``value`` lie on the band's side of ``bound``? A bound in a unit
    (ABS, or an offset other than 0) is unknown where the record's unit is not known."""
    if bound is None:
        return np.full(len(value), _TRUE, dtype=np.int8)
    ref = bound.ref.rstrip("+")
    if bound.ref == "ABS":
        limit = np.full(len(value), bound.value)
    elif bound.ref.endswith("+"):
        limit = refs[ref] + bound.value
    else:
        limit = refs[ref] * bound.value
    if bound.ref == "ABS" or (bound.ref.endswith("+") and bound.value != 0):
        limit = np.where(unit_known, limit, np.nan)
    with np.errstate(invalid="ignore"):
        equal = np.isclose(value, limit, rtol=_RTOL, atol=0.0)
        beyond = value < limit if upper else value > limit
    inside = beyond & ~equal | (equal if bound.inclusive else np.zeros(len(value), dtype=bool))
    return np.where(np.isnan(limit), _UNKNOWN, np.where(inside, _TRUE, _FALSE)).astype(np.int8)


def compute_atoxgr(
    term: Sequence | pd.Series | np.ndarray,
    aval: Sequence | pd.Series | np.ndarray,
    *,
    direction: str,
    criteria: str | Path | Criteria = "ctcae_v5",
    unit=None,
    anrlo=None,
    anrhi=None,
    base=None,
    baseline_abnormal=None,
) -> np.ndarray:
    """The toxicity grade ("0".."4", or None) of each value in ``direction`` ("L" or "H").

    ``term`` holds the CTCAE term per value; ``unit``, ``anrlo``, ``anrhi``, ``base`` the
    value's unit, reference range and baseline (None: all missing); ``baseline_abnormal``
    True / False / None per value for the rows with a baseline condition (None: decided from
    ``base`` against the range, see the module notes)."""
    if direction not in ("L", "H"):
        raise AdamInputError(f"compute_atoxgr: direction {direction!r} is not L or H")
    table = criteria if isinstance(criteria, Criteria) else load_criteria(criteria)
    terms = _texts(term, len(term))
    n = len(terms)
    values = _floats(aval, n)
    if len(values) != n:
        raise AdamInputError(f"compute_atoxgr: {len(values)} values for {n} terms")
    units = np.array([None if u is None else _unit_key(u) for u in _texts(unit, n)], dtype=object)
    refs = {"LLN": _floats(anrlo, n), "ULN": _floats(anrhi, n), "BASE": _floats(base, n)}
    if baseline_abnormal is None:
        with np.errstate(invalid="ignore"):
            beyond = refs["BASE"] > refs["ULN"] if direction == "H" else refs["BASE"] < refs["LLN"]
        known = ~np.isnan(refs["BASE"]) & ~np.isnan(refs["ULN" if direction == "H" else "LLN"])
        status = np.where(known, np.where(beyond, "ABNORMAL", "NORMAL"), NONE)
    else:
        status = np.array(
            [None if v is None or v is pd.NA or v != v else ("ABNORMAL" if v else "NORMAL") for v in baseline_abnormal],
            dtype=object,
        )

    out = np.full(n, None, dtype=object)
    by_term: dict[str, list[Criterion]] = {}
    for row in table.rows:
        if row.direction == direction:
            by_term.setdefault(row.term, []).append(row)
    for name, rows in by_term.items():
        idx = np.flatnonzero((terms == name) & ~np.isnan(values))
        if not len(idx):
            continue
        value = values[idx]
        record_unit = units[idx]
        sub_refs = {k: v[idx] for k, v in refs.items()}
        sub_status = status[idx]
        term_units = frozenset().union(*(r.units for r in rows))
        unit_known = np.array([u in term_units for u in record_unit], dtype=bool)
        best_true = np.zeros(len(idx), dtype=np.int8)
        best_unknown = np.zeros(len(idx), dtype=np.int8)
        everywhere = np.ones(len(idx), dtype=bool)
        for row in rows:
            known = unit_known if row.units else everywhere
            lower = _check(value, row.lower, sub_refs, False, known)
            state = np.minimum(lower, _check(value, row.upper, sub_refs, True, known))
            if row.units:
                matches = np.array([u in row.units for u in record_unit], dtype=bool)
                state = np.where(unit_known & ~matches, _FALSE, state).astype(np.int8)
            if row.baseline:
                condition = np.where(sub_status == None, _UNKNOWN, np.where(sub_status == row.baseline, _TRUE, _FALSE))  # noqa: E711
                state = np.minimum(state, condition)
            best_true = np.where(state == _TRUE, np.maximum(best_true, row.grade), best_true)
            best_unknown = np.where(state == _UNKNOWN, np.maximum(best_unknown, row.grade), best_unknown)
        grades = np.array(GRADES, dtype=object)[best_true]
        out[idx] = np.where(best_unknown > best_true, NONE, grades)
    return out


# --- derivations -------------------------------------------------------------------------


def _numbers(frame: pd.DataFrame, column: str | None, *, dataset: str) -> pd.Series | None:
    if column is None:
        return None
    values = number(frame[column])
    bad = frame[column][values.isna() & text(frame[column]).notna()]
    if len(bad):
        shown = ", ".join(repr(v) for v in list(dict.fromkeys(bad.astype(str)))[:5])
        raise AdamInputError(f"{dataset}.{column}: not numbers: {shown}")
    return values


def _baseline_from_indicator(frame: pd.DataFrame, column: str, direction: str, *, dataset: str) -> pd.Series:
    values = text(frame[column]).str.upper()
    abnormal = {"H": ("HIGH", "H"), "L": ("LOW", "L")}[direction]
    normal = ("NORMAL", "N", *{"H": ("LOW", "L"), "L": ("HIGH", "H")}[direction])
    unknown = sorted(set(values.dropna()) - set(abnormal) - set(normal))
    if unknown:
        raise AdamInputError(f"{dataset}.{column}: value(s) {', '.join(unknown)} are not HIGH, LOW or NORMAL")
    return values.map(lambda v: None if v is None else v in abnormal)


def derive_var_atoxgr_dir(
    frame: pd.DataFrame,
    *,
    new_var: str,
    direction: str,
    criteria: str | Path | Criteria = "ctcae_v5",
    term: str = "ATOXDSCH",
    aval: str = "AVAL",
    unit: str | None = "AVALU",
    anrlo: str | None = "ANRLO",
    anrhi: str | None = "ANRHI",
    base: str | None = "BASE",
    bnrind: str | None = None,
    dataset: str = "ADLB",
) -> pd.DataFrame:
    """``new_var`` (ATOXGRL for ``direction`` "L", ATOXGRH for "H"): the NCI-CTCAE grade of
    AVAL for the term in ``term``, as text "0".."4"; null where it cannot be graded.

    ``criteria`` names a table of the package ("ctcae_v5", "ctcae_v4"), a CSV path, or is a
    loaded table. A column given as None counts as missing on every record. With ``bnrind``
    (e.g. "BNRIND") the baseline's normal / abnormal status comes from that column, else
    from BASE against ANRLO / ANRHI."""
    if direction not in ("L", "H"):
        raise AdamInputError(f"{dataset}: direction {direction!r} for {new_var} is not L or H")
    columns = [c for c in (term, aval, unit, anrlo, anrhi, base, bnrind) if c is not None]
    assert_columns(frame, columns, dataset=dataset)
    table = criteria if isinstance(criteria, Criteria) else load_criteria(criteria)
    values = _numbers(frame, aval, dataset=dataset)
    status = None if bnrind is None else _baseline_from_indicator(frame, bnrind, direction, dataset=dataset)
    grades = compute_atoxgr(
        frame[term].to_numpy(dtype=object),
        values,
        direction=direction,
        criteria=table,
        unit=None if unit is None else frame[unit].to_numpy(dtype=object),
        anrlo=_numbers(frame, anrlo, dataset=dataset),
        anrhi=_numbers(frame, anrhi, dataset=dataset),
        base=_numbers(frame, base, dataset=dataset),
        baseline_abnormal=status,
    )
    out = frame.pipe(fresh)
    out[new_var] = pd.Series(grades, index=frame.index, dtype=object)
    return out


def _grades(frame: pd.DataFrame, column: str, *, dataset: str) -> pd.Series:
    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, int | float | np.integer | np.floating) and float(v).is_integer():
            v = str(int(v))
        return v.strip() if isinstance(v, str) else v

    values = frame[column].astype(object).map(one)
    values = values.where(values.notna(), None)
    bad = sorted({str(v) for v in values.dropna() if v not in GRADES})
    if bad:
        raise AdamInputError(f"{dataset}.{column}: value(s) {', '.join(bad)} are not grades 0 to 4")
    return values


def derive_var_atoxgr(
    frame: pd.DataFrame,
    *,
    lower: str = "ATOXGRL",
    higher: str = "ATOXGRH",
    new_var: str = "ATOXGR",
    lower_term: str | None = "ATOXDSCL",
    higher_term: str | None = "ATOXDSCH",
    dataset: str = "ADLB",
) -> pd.DataFrame:
    """``new_var``: the grade in both directions, as admiral's derive_var_atoxgr gives it.

    "-n" when ``lower`` is n > 0; else "n" when ``higher`` is n > 0; "0" when ``higher`` is
    "0" and the low direction is "0" or has no term (``lower_term`` null), or ``lower`` is
    "0" and the high direction is "0" or has no term; null otherwise (a direction with a term
    and no grade leaves the record ungraded). A term column given as None counts as present
    on every record."""
    columns = [c for c in (lower, higher, lower_term, higher_term) if c is not None]
    assert_columns(frame, columns, dataset=dataset)
    low, high = _grades(frame, lower, dataset=dataset), _grades(frame, higher, dataset=dataset)
    no_low_term = text(frame[lower_term]).isna() if lower_term else pd.Series(False, index=frame.index)
    no_high_term = text(frame[higher_term]).isna() if higher_term else pd.Series(False, index=frame.index)
    low_positive = low.notna() & (low != "0")
    high_positive = high.notna() & (high != "0")
    normal = ((high == "0") & ((low == "0") | no_low_term)) | ((low == "0") & ((high == "0") | no_high_term))
    result = np.select(
        [low_positive.to_numpy(), high_positive.to_numpy(), normal.to_numpy()],
        ["-" + low.fillna("").astype(str), high.fillna("").astype(str), "0"],
        default=NONE,
    )
    out = frame.pipe(fresh)
    out[new_var] = pd.Series(result, index=frame.index, dtype=object)
    return out


def _grade_needs(kwargs) -> tuple[str, ...]:
    names = [kwargs.get("term", "ATOXDSCH"), kwargs.get("aval", "AVAL")]
    for key, default in (("unit", "AVALU"), ("anrlo", "ANRLO"), ("anrhi", "ANRHI"), ("base", "BASE"), ("bnrind", None)):
        value = kwargs.get(key, default)
        if value:
            names.append(value)
    return tuple(names)


DERIVATIONS = {
    "derive_var_atoxgr_dir": Derivation(derive_var_atoxgr_dir, needs=_grade_needs, adds=columns_of(new_var=None)),
    "derive_var_atoxgr": Derivation(
        derive_var_atoxgr,
        needs=columns_of(lower="ATOXGRL", higher="ATOXGRH", lower_term="ATOXDSCL", higher_term="ATOXDSCH"),
        adds=columns_of(new_var="ATOXGR"),
    ),
}
