"""The estimators of the report, each taken from a well-kept library.

    clopper_pearson(k, n)               exact binomial interval (scipy.stats.binomtest)
    km = kaplan_meier(time, event)      Kaplan-Meier with Greenwood standard errors (statsmodels)
    km.median(), km.median_ci()         median, Brookmeyer-Crowley interval on the log-log scale
    km.rate(t)                          S(t) with its log-log pointwise interval

The conventions are those of SAS PROC LIFETEST (the default CONFTYPE=LOGLOG):
the median is the smallest event time at which S(t) falls below 0.5 (the mean of
the two event times when S(t) equals 0.5 exactly between them); its interval is
the set of times whose log-log test of S(t) = 0.5 is not rejected
(statsmodels ``SurvfuncRight.quantile_ci``, written after the SAS method). A
bound that cannot be estimated (the curve never reaches it) is NaN, shown as NE.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest, norm
from statsmodels.duration.survfunc import SurvfuncRight

# S(t) closer than this to 0.5 counts as equal to it (products of fractions such as 3/4 * 2/3)
_HALF_TOLERANCE = 1e-12


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval of the proportion k / n; (NaN, NaN) when n is 0."""
    if n == 0:
        return math.nan, math.nan
    ci = binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class Rate:
    """S(t) at a fixed time with its pointwise interval; NaN where it cannot be estimated."""

    time: float
    survival: float
    lower: float
    upper: float
    at_risk: int


class KaplanMeier:
    """The product-limit estimate of one sample (times in any unit, event 1 / censored 0)."""

    def __init__(self, time, event, *, confidence: float = 0.95) -> None:
        time = np.asarray(time, dtype="float64")
        event = np.asarray(event, dtype="float64")
        if time.shape != event.shape:
            raise ValueError(f"Kaplan-Meier: {time.size} times but {event.size} event flags")
        if np.isnan(time).any() or (time < 0).any():
            raise ValueError("Kaplan-Meier: every time must be a number >= 0")
        if not np.isin(event, (0.0, 1.0)).all():
            raise ValueError("Kaplan-Meier: every event flag must be 1 (event) or 0 (censored)")
        self.time, self.event, self.confidence = time, event, confidence
        self.n = int(time.size)
        self.events = int(event.sum())
        self.censored = self.n - self.events
        self.max_time = float(time.max()) if self.n else math.nan
        self._fit = SurvfuncRight(time, event) if self.events else None

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence

    def table(self):
        """Event times, S(t), its standard error and log-log interval, numbers at risk and events (a DataFrame)."""
        import pandas as pd

        if self._fit is None:  # no event: no row, the columns typed as when there are rows
            return pd.DataFrame(
                {
                    **{c: np.array([], dtype="float64") for c in ("time", "survival", "se", "lower", "upper")},
                    "at_risk": np.array([], dtype=int),
                    "events": np.array([], dtype=int),
                }
            )
        lower, upper = self._loglog(self._fit.surv_prob, self._fit.surv_prob_se)
        return pd.DataFrame(
            {
                "time": self._fit.surv_times,
                "survival": self._fit.surv_prob,
                "se": self._fit.surv_prob_se,
                "lower": lower,
                "upper": upper,
                "at_risk": self._fit.n_risk.astype(int),
                "events": self._fit.n_events.astype(int),
            }
        )

    def _loglog(self, s, se) -> tuple[np.ndarray, np.ndarray]:
        """The pointwise interval exp(-exp(log(-log S) +/- z se / (S |log S|))); NaN at S = 0 or 1."""
        s, se = np.asarray(s, dtype="float64"), np.asarray(se, dtype="float64")
        z = norm.ppf(1.0 - self.alpha / 2.0)
        inside = (s > 0.0) & (s < 1.0) & np.isfinite(se)
        with np.errstate(divide="ignore", invalid="ignore"):
            theta = np.where(inside, z * se / (s * np.abs(np.log(s))), np.nan)
            return np.where(inside, s ** np.exp(theta), np.nan), np.where(inside, s ** np.exp(-theta), np.nan)

    def median(self) -> float:
        return self.quantile(0.5)

    def quantile(self, p: float) -> float:
        """The time by which a share p has had the event (p = 0.5: the median)."""
        if self._fit is None:
            return math.nan
        times, surv = self._fit.surv_times, self._fit.surv_prob
        level = 1.0 - p
        below = np.flatnonzero(surv < level - _HALF_TOLERANCE)
        if below.size == 0:
            return math.nan
        first = below[0]
        if first > 0 and abs(surv[first - 1] - level) <= _HALF_TOLERANCE:
            return float((times[first - 1] + times[first]) / 2)
        return float(times[first])

    def median_ci(self) -> tuple[float, float]:
        return self.quantile_ci(0.5)

    def quantile_ci(self, p: float) -> tuple[float, float]:
        """Brookmeyer-Crowley interval of the p-quantile on the log-log scale."""
        if self._fit is None:
            return math.nan, math.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            low, high = self._fit.quantile_ci(p, alpha=self.alpha, method="cloglog")
        return (float(low) if np.isfinite(low) else math.nan, float(high) if np.isfinite(high) else math.nan)

    def survival_at(self, t: float) -> tuple[float, float]:
        """S(t) and its Greenwood standard error (S is a step function, right-continuous)."""
        if self._fit is None:
            return 1.0, 0.0
        index = np.searchsorted(self._fit.surv_times, t, side="right") - 1
        if index < 0:
            return 1.0, 0.0
        return float(self._fit.surv_prob[index]), float(self._fit.surv_prob_se[index])

    def at_risk(self, t: float) -> int:
        """Subjects still followed at time t (time >= t)."""
        return int((self.time >= t).sum())

    def rate(self, t: float) -> Rate:
        """S(t) with the log-log interval exp(-exp(log(-log S) +/- z se / (S |log S|))).

        NaN beyond the longest follow-up; at S = 1 (no event yet) or S = 0 the
        interval is NaN (SAS prints none either)."""
        if not self.n or t > self.max_time:
            return Rate(t, math.nan, math.nan, math.nan, self.at_risk(t))
        s, se = self.survival_at(t)
        lower, upper = self._loglog(s, se)
        return Rate(t, s, float(lower), float(upper), self.at_risk(t))


def kaplan_meier(time, event, *, confidence: float = 0.95) -> KaplanMeier:
    return KaplanMeier(time, event, confidence=confidence)


__all__ = ["KaplanMeier", "Rate", "clopper_pearson", "kaplan_meier"]
