"""RECIST 1.1 as the simulator applies it to its own tumour measurements.

Written from the published rules (Eisenhauer et al., Eur J Cancer 2009; the
summary in ../shared/RECIST.md): the response of the target lesions from the sums
of diameters, of the non-target lesions from their states, the overall response
from the paper's table (written below as a literal lookup table), and the best
overall response of a subject from the sequence of overall responses.

The thresholds are the study's (any object with the attributes of
:class:`Thresholds`); none is a literal here. Percentages are compared exactly:
a threshold such as 0.20 is read as the fraction 1/5 and the comparison done on
whole products, so a sum of 60 mm against a nadir of 50 mm is PD and not a
rounding accident.

Responses are the RECIST abbreviations; ``None`` stands for "no lesions of this
kind at baseline" (not applicable). New lesions are ``"Y"``, ``"N"`` or
``"EQUIVOCAL"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Protocol

import numpy as np
import pandas as pd

CR, PR, SD, PD, NE = "CR", "PR", "SD", "PD", "NE"
NON_CR_NON_PD = "NON-CR/NON-PD"
MISSING = "MISSING"  # best overall response of a subject without any post-baseline assessment
NEW_YES, NEW_NO, NEW_EQUIVOCAL = "Y", "N", "EQUIVOCAL"


class Thresholds(Protocol):
    """The study's RECIST thresholds the rules below read."""

    @property
    def pr_change(self) -> float: ...  # PR: change of the sum from baseline at or below this (-0.30)

    @property
    def pd_change(self) -> float: ...  # PD: change of the sum from the nadir at or above this (0.20) ...

    @property
    def pd_absolute_mm(self) -> float: ...  # ... and an increase of at least this many mm (5)

    @property
    def confirmation_days(self) -> int: ...  # CR/PR confirmed at least this many days later (28)

    @property
    def max_ne_between(self) -> int: ...  # NE assessments allowed between a response and its confirmation

    @property
    def sd_min_days(self) -> int: ...  # SD counts from this many days after the reference start


def _fraction(value: float) -> tuple[int, int]:
    """A threshold as the fraction its decimal writing means: 0.2 -> (1, 5), -0.3 -> (-3, 10)."""
    exact = Fraction(str(value))
    return exact.numerator, exact.denominator


def prior_nadir(sums: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The smallest valid sum before each assessment of a (subjects, assessments) grid.

    Columns are in time order, column 0 the baseline. Only sums flagged
    ``valid`` (every target assessed) count; an assessment's own sum never does.
    Column 0 gets NaN (nothing before the baseline).
    """
    out = np.full(sums.shape, np.nan)
    smallest = np.full(sums.shape[0], np.inf)
    for col in range(sums.shape[1]):
        out[:, col] = smallest
        smallest = np.where(valid[:, col], np.minimum(smallest, sums[:, col]), smallest)
    out[:, 0] = np.nan
    return out


def target_response(
    baseline: np.ndarray,
    nadir: np.ndarray,
    current: np.ndarray,
    all_gone: np.ndarray,
    not_evaluable: np.ndarray,
    thresholds: Thresholds,
) -> np.ndarray:
    """Target-lesion response at each assessment (object array).

    ``baseline``: the sum at baseline (0 or NaN: no target lesions, response
    None); ``nadir``: the smallest sum so far, baseline included (NaN: the
    baseline); ``current``: the sum of the targets measured now;
    ``all_gone``: every non-nodal target disappeared and every nodal target
    below the normal short axis; ``not_evaluable``: a target was not assessed.

    PD is judged first: when a target is missing but the others already add up
    to progression, the assessment is PD (RECIST 1.1, "missing assessments and
    inevaluable designation").
    """
    baseline = np.asarray(baseline, dtype=float)
    current = np.asarray(current, dtype=float)
    nadir = np.asarray(nadir, dtype=float)
    nadir = np.where(np.isnan(nadir), baseline, nadir)
    pd_num, pd_den = _fraction(thresholds.pd_change)
    pr_num, pr_den = _fraction(thresholds.pr_change)
    growth = current - nadir
    with np.errstate(invalid="ignore"):
        progressed = (pd_den * growth >= pd_num * nadir) & (growth >= thresholds.pd_absolute_mm)
        shrunk = pr_den * (current - baseline) <= pr_num * baseline
    no_targets = ~(baseline > 0)
    out = np.full(baseline.shape, SD, dtype=object)
    out[shrunk] = PR
    out[np.asarray(all_gone, dtype=bool)] = CR
    out[np.asarray(not_evaluable, dtype=bool) | np.isnan(current)] = NE
    out[progressed] = PD
    out[no_targets] = None
    return out


def nontarget_response(
    has_nontarget: np.ndarray, unequivocal_progression: np.ndarray, not_evaluable: np.ndarray, all_absent: np.ndarray
) -> np.ndarray:
    """Non-target response: PD on unequivocal progression, else NE when one was not
    assessed, else CR when all are absent, else NON-CR/NON-PD; None without
    non-target lesions at baseline."""
    out = np.full(np.shape(has_nontarget), NON_CR_NON_PD, dtype=object)
    out[np.asarray(all_absent, dtype=bool)] = CR
    out[np.asarray(not_evaluable, dtype=bool)] = NE
    out[np.asarray(unequivocal_progression, dtype=bool)] = PD
    out[~np.asarray(has_nontarget, dtype=bool)] = None
    return out


# The overall response at one assessment without a new lesion (RECIST 1.1 tables 1
# and 2). Rows: target response, non-target response; None where the subject had
# no lesions of that kind at baseline. Any new lesion (unequivocal) makes PD; an
# equivocal one counts as none at this assessment.
OVERALL_WITHOUT_NEW_LESION: dict[tuple[str | None, str | None], str] = {
    (CR, CR): CR,
    (CR, NON_CR_NON_PD): PR,
    (CR, NE): PR,
    (CR, PD): PD,
    (CR, None): CR,
    (PR, CR): PR,
    (PR, NON_CR_NON_PD): PR,
    (PR, NE): PR,
    (PR, PD): PD,
    (PR, None): PR,
    (SD, CR): SD,
    (SD, NON_CR_NON_PD): SD,
    (SD, NE): SD,
    (SD, PD): PD,
    (SD, None): SD,
    (PD, CR): PD,
    (PD, NON_CR_NON_PD): PD,
    (PD, NE): PD,
    (PD, PD): PD,
    (PD, None): PD,
    (NE, CR): NE,
    (NE, NON_CR_NON_PD): NE,
    (NE, NE): NE,
    (NE, PD): PD,
    (NE, None): NE,
    (None, CR): CR,
    (None, NON_CR_NON_PD): NON_CR_NON_PD,
    (None, NE): NE,
    (None, PD): PD,
    (None, None): NE,
}
_TARGET_VALUES: tuple[str | None, ...] = (CR, PR, SD, PD, NE, None)
_NONTARGET_VALUES: tuple[str | None, ...] = (CR, NON_CR_NON_PD, NE, PD, None)
_NEW_VALUES: tuple[str, ...] = (NEW_NO, NEW_EQUIVOCAL, NEW_YES)
_OVERALL_GRID = np.array(
    [
        [[OVERALL_WITHOUT_NEW_LESION[t, n], OVERALL_WITHOUT_NEW_LESION[t, n], PD] for n in _NONTARGET_VALUES]
        for t in _TARGET_VALUES
    ],
    dtype=object,
)


def _codes(values, vocabulary: Sequence[str | None], what: str) -> np.ndarray:
    """Positions of ``values`` in ``vocabulary`` (None matches a missing value)."""
    array = np.asarray(values, dtype=object)
    missing = pd.isna(array)
    codes = np.full(array.shape, -1, dtype=np.int64)
    for position, word in enumerate(vocabulary):
        codes[missing if word is None else (~missing & (array == word))] = position
    if (codes < 0).any():
        raise ValueError(f"unknown {what} response(s): {sorted(set(map(str, array[codes < 0].tolist())))}")
    return codes


def overall_response(target, nontarget, new_lesion) -> np.ndarray:
    """Overall response per assessment, looked up in the RECIST table."""
    return _OVERALL_GRID[
        _codes(target, _TARGET_VALUES, "target"),
        _codes(nontarget, _NONTARGET_VALUES, "non-target"),
        _codes(new_lesion, _NEW_VALUES, "new lesion"),
    ]


# what may lie between a response and the assessment confirming it
_BETWEEN = {CR: (CR, NE), PR: (CR, PR, NE)}


def _confirmed(visits: Sequence[tuple[float, str]], first: int, thresholds: Thresholds) -> bool:
    """Whether the CR or PR at ``visits[first]`` is confirmed by a later assessment."""
    start, response = visits[first]
    not_evaluable = 0
    after_cr = False
    for day, later in visits[first + 1 :]:
        late_enough = day - start >= thresholds.confirmation_days
        if late_enough and (later == CR or (later == response and not after_cr)):
            return True
        if later not in _BETWEEN[response] or (later == PR and after_cr):
            return False  # a worse response, or a PR after a CR, breaks the sequence
        not_evaluable += later == NE
        if not_evaluable > thresholds.max_ne_between:
            return False
        after_cr |= later == CR
    return False


def best_overall_response(visits: Sequence[tuple[float, str]], thresholds: Thresholds, *, confirm: bool) -> str:
    """Best overall response from ``(day, overall response)`` pairs in time order.

    ``visits`` are the post-baseline assessments that count (from the reference
    start up to the first PD, none after a new anti-cancer therapy); ``day`` is
    days from the reference start. Precedence: CR, PR (confirmed when
    ``confirm``), SD (a CR, PR or SD at least ``sd_min_days`` after the start),
    NON-CR/NON-PD (as late), PD, NE; MISSING without assessments.
    """
    if not visits:
        return MISSING
    for wanted in (CR, PR):
        if any(r == wanted and (not confirm or _confirmed(visits, i, thresholds)) for i, (_, r) in enumerate(visits)):
            return wanted
    late = {r for day, r in visits if day >= thresholds.sd_min_days}
    if late & {CR, PR, SD}:
        return SD
    if NON_CR_NON_PD in late:
        return NON_CR_NON_PD
    if any(r == PD for _, r in visits):
        return PD
    return NE
