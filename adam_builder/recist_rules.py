"""RECIST 1.1 response at one assessment: small, pure, vectorised rules.

Every function takes aligned vectors (pandas Series, numpy arrays or lists) and
returns a vector of the same length; nothing here knows where the values came
from. Responses are the RECIST abbreviations ``CR``, ``PR``, ``SD``, ``PD``,
``NE`` and ``NON-CR/NON-PD``; a missing value (``None``) means "no lesions of
this kind at baseline" (for example the target response of a subject with
non-target disease only).

The thresholds are study settings (:class:`specs.config.RecistSettings`, the
study's [recist] table), never literals in the rules. The multi-assessment rules
(confirmation, best overall response, equivocal new lesions confirmed later)
belong to the response engine built on top of these functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.config import RecistSettings

from .common import NONE

CR, PR, SD, PD, NE = "CR", "PR", "SD", "PD", "NE"
NON_CR_NON_PD = "NON-CR/NON-PD"
NEW_YES, NEW_NO, NEW_EQUIVOCAL = "Y", "N", "EQUIVOCAL"

# Tolerance for comparing percentage changes computed in floating point.
_EPS = 1e-9


def _index_of(*vectors) -> pd.Index | None:
    for vector in vectors:
        if isinstance(vector, pd.Series):
            return vector.index
    return None


def _as_float(values) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind in "fiub":
        return array.astype(float)
    return pd.to_numeric(pd.Series(array.astype(object)), errors="coerce").to_numpy(dtype=float)


def _as_bool(values) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind == "b":
        return array
    if array.dtype.kind in "fiu":
        return np.nan_to_num(array.astype(float)) != 0
    series = pd.Series(array.astype(object))
    return series.where(series.notna(), False).astype(bool).to_numpy()


def _as_text(values) -> np.ndarray:
    array = np.asarray(values, dtype=object)
    return np.where(pd.isna(array), NONE, array)


def _out(result: np.ndarray, index: pd.Index | None, name: str) -> pd.Series:
    series = pd.Series(result, dtype=object, name=name)
    if index is not None:
        series.index = index
    return series


def compute_lesion_size(diameter_mm, too_small, *, settings: RecistSettings = RecistSettings()) -> pd.Series:
    """The size a target lesion adds to the sum of diameters.

    ``diameter_mm`` is the recorded longest diameter (short axis for nodes);
    a lesion ``too_small`` to measure counts as ``settings.too_small_mm``
    whatever its recorded diameter; a missing diameter otherwise stays missing
    (the lesion was not assessed).
    """
    index = _index_of(diameter_mm, too_small)
    size = _as_float(diameter_mm)
    small = _as_bool(too_small)
    size = np.where(small, settings.too_small_mm, size)
    series = pd.Series(size, name="lesion_size", dtype=float)
    if index is not None:
        series.index = index
    return series


def compute_nadir(sums, groups, *, valid=None) -> pd.Series:
    """Smallest sum of diameters before each record, within its group.

    Records must be in time order within each group. Only records flagged
    ``valid`` (all targets assessed) count towards the nadir; the record's own
    sum never does (the nadir is compared with it). The first record of a group
    (baseline) gets a missing nadir.
    """
    index = _index_of(sums, groups, valid)
    values = _as_float(sums)
    if valid is not None:
        values = np.where(_as_bool(valid), values, np.nan)
    frame = pd.DataFrame({"g": np.asarray(groups, dtype=object), "v": values})
    running = frame.groupby("g", sort=False)["v"].cummin()
    running = running.groupby(frame["g"], sort=False).ffill()  # cummin leaves NaN on invalid rows
    prior = running.groupby(frame["g"], sort=False).shift(1)
    series = pd.Series(prior.to_numpy(dtype=float), name="nadir")
    if index is not None:
        series.index = index
    return series


def compute_target_response(
    baseline_sum,
    nadir_sum,
    current_sum,
    all_gone,
    any_not_assessed,
    *,
    settings: RecistSettings = RecistSettings(),
) -> pd.Series:
    """Target lesion response at one assessment.

    - ``baseline_sum``: SOD at baseline; missing means no target lesions (the
      response is then missing: not applicable).
    - ``nadir_sum``: smallest SOD so far, baseline included (missing: baseline).
    - ``current_sum``: SOD of the lesions assessed at this assessment.
    - ``all_gone``: every non-nodal target has disappeared and every nodal
      target is below the normal short axis.
    - ``any_not_assessed``: at least one target was not evaluable.

    Order: PD (even when a target is missing, the sum of the others may already
    show it), then NE, CR, PR, SD.
    """
    index = _index_of(baseline_sum, nadir_sum, current_sum, all_gone, any_not_assessed)
    base = _as_float(baseline_sum)
    nadir = _as_float(nadir_sum)
    nadir = np.where(np.isnan(nadir), base, nadir)
    current = _as_float(current_sum)
    gone = _as_bool(all_gone)
    not_assessed = _as_bool(any_not_assessed) | np.isnan(current)
    has_target = ~np.isnan(base) & (base > 0)

    with np.errstate(invalid="ignore", divide="ignore"):
        increase = current - nadir
        pd_hit = (
            (increase >= settings.pd_change * nadir - _EPS)
            & (increase >= settings.pd_absolute_mm - _EPS)
            & ~np.isnan(current)
        )
        pr_hit = (current - base) <= settings.pr_change * base + _EPS

    result = np.select(
        [~has_target, pd_hit, not_assessed, gone, pr_hit],
        [NONE, PD, NE, CR, PR],
        default=SD,
    )
    return _out(result, index, "target_response")


def compute_nontarget_response(
    has_nontarget,
    any_unequivocal_progression,
    any_not_assessed,
    all_absent,
) -> pd.Series:
    """Non-target lesion response at one assessment.

    PD when any non-target progressed unequivocally; else NE when any was not
    assessed; else CR when all are absent (nodes below normal size); else
    NON-CR/NON-PD. Missing (not applicable) where there were no non-target
    lesions at baseline.
    """
    index = _index_of(has_nontarget, any_unequivocal_progression, any_not_assessed, all_absent)
    has = _as_bool(has_nontarget)
    prog = _as_bool(any_unequivocal_progression)
    missing = _as_bool(any_not_assessed)
    absent = _as_bool(all_absent)
    result = np.select([~has, prog, missing, absent], [NONE, PD, NE, CR], default=NON_CR_NON_PD)
    return _out(result, index, "nontarget_response")


def compute_overall_response(target_response, nontarget_response, new_lesion) -> pd.Series:
    """Overall response at one assessment (the RECIST 1.1 table).

    ``new_lesion`` is ``"Y"``, ``"N"`` or ``"EQUIVOCAL"`` (missing counts as
    ``"N"``). An equivocal new lesion does not make PD at this assessment; when
    a later assessment confirms it, the engine dates the PD back.

    Subjects with non-target disease only (target missing) get CR,
    NON-CR/NON-PD, NE or PD from their non-target lesions. With neither target
    nor non-target disease the result is NE unless a new lesion appears.
    """
    index = _index_of(target_response, nontarget_response, new_lesion)
    tgt = _as_text(target_response)
    ntg = _as_text(nontarget_response)
    new = _as_text(new_lesion)
    no_tgt = pd.isna(tgt)
    no_ntg = pd.isna(ntg)
    ntg_non_pd = no_ntg | np.isin(ntg, [CR, NON_CR_NON_PD, NE])

    conditions = [
        (tgt == PD) | (ntg == PD) | (new == NEW_YES),
        # non-target disease only
        no_tgt & (ntg == CR),
        no_tgt & (ntg == NON_CR_NON_PD),
        no_tgt,  # NE, or no disease at all
        (tgt == CR) & (no_ntg | (ntg == CR)),
        (tgt == CR) & ntg_non_pd,
        (tgt == PR) & ntg_non_pd,
        (tgt == SD) & ntg_non_pd,
    ]
    choices = [PD, CR, NON_CR_NON_PD, NE, CR, PR, PR, SD]
    result = np.select(conditions, choices, default=NE)
    return _out(result, index, "overall_response")
