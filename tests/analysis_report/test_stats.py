"""The estimators against worked examples whose answers are known independently.

Clopper-Pearson: the exact intervals tabulated in textbooks (e.g. 5 of 10:
0.1871-0.8129), and the defining tail equations summed by hand with math.comb.

Kaplan-Meier: the remission times of the 6-MP and placebo arms of Freireich et
al. (1963), the textbook example (Gehan 1965; Kleinbaum & Klein; Klein &
Moeschberger). The product-limit table, Greenwood sums and log-log intervals
below were worked by hand (z = 1.959964):

6-MP arm, weeks (+ censored): 6 6 6 6+ 7 9+ 10 10+ 11+ 13 16 17+ 19+ 20+ 22 23 25+ 32+ 32+ 34+ 35+

    t   n  d  S(t)                 Greenwood sum   sigma=sqrt(sum)/|ln S|   lower = S^exp(z sigma)  upper = S^exp(-z sigma)
    6  21  3  18/21       = 0.8571  0.007937        0.5779                   0.6197                  0.9516
    7  17  1  x 16/17     = 0.8067  0.011613        0.5018                   0.5631                  0.9228
   10  15  1  x 14/15     = 0.7529  0.016375        0.4510                   0.5032                  0.8894
   13  12  1  x 11/12     = 0.6902  0.023951        0.4174                   0.4316                  0.8491
   16  11  1  x 10/11     = 0.6275  0.033042        0.3902                   0.3675                  0.8049
   22   7  1  x 6/7       = 0.5378  0.056852        0.3854                   0.2678                  0.7468
   23   6  1  x 5/6       = 0.4482  0.090185        0.3737                   0.1881                  0.6801

Median: the first time S(t) < 0.5: 23 weeks. Brookmeyer-Crowley (log-log): the
times whose interval holds 0.5 are 13, 16, 22, 23 (at 10 the lower bound 0.5032
is above 0.5), and 23 is the last event time, so the interval is 13 to NE.
S(12) = S(10) = 0.7529 (0.5032, 0.8894).

Placebo arm (no censoring): 1 1 2 2 3 4 4 5 5 8 8 8 8 11 11 12 12 15 17 22 23.
S(t) = remaining / 21; Greenwood sum = (1 - S) / (21 S). Median 8 (S(5) = 0.5714,
S(8) = 0.3810). Interval: at 3 the lower bound is 0.5194 (> 0.5), at 4 it is
0.4253; at 8 the upper bound is 0.5778, at 11 it is 0.4818 (< 0.5): the set is
{4, 5, 8} and the interval 4 to 11 (the next event time).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis_report.arm import read_analyses
from analysis_report.settings import DAYS_PER_MONTH
from analysis_report.stats import clopper_pearson, kaplan_meier
from analysis_report.tables import fit_time_to_event, response_rates_table, time_to_event_tables
from specs.config import ReportSettings

from .literal import arm_spec

ANALYSES = read_analyses(arm_spec())

MP6 = (
    [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35],
    [1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0],
)
PLACEBO = ([1, 1, 2, 2, 3, 4, 4, 5, 5, 8, 8, 8, 8, 11, 11, 12, 12, 15, 17, 22, 23], [1] * 21)
HAND_TABLE = [  # t, S, lower, upper (worked by hand above)
    (6, 0.8571, 0.6197, 0.9516),
    (7, 0.8067, 0.5631, 0.9228),
    (10, 0.7529, 0.5032, 0.8894),
    (13, 0.6902, 0.4316, 0.8491),
    (16, 0.6275, 0.3675, 0.8049),
    (22, 0.5378, 0.2678, 0.7468),
    (23, 0.4482, 0.1881, 0.6801),
]


@pytest.mark.parametrize(
    "k, n, low, high",
    [
        (5, 10, 0.1871, 0.8129),
        (1, 10, 0.0025, 0.4450),
        (0, 10, 0.0, 0.3085),
        (10, 10, 0.6915, 1.0),
        (13, 100, 0.0711, 0.2120),
    ],
)
def test_clopper_pearson_equals_the_tabulated_exact_interval(k, n, low, high):
    assert clopper_pearson(k, n) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize("k, n", [(5, 10), (21, 166), (376, 1733)])
def test_clopper_pearson_bounds_solve_the_binomial_tail_equations(k, n):
    """P(X >= k | p_low) = 0.025 and P(X <= k | p_high) = 0.025, summed term by term."""
    low, high = clopper_pearson(k, n)

    def term(i, p):  # C(n, i) p^i (1-p)^(n-i), in logs so that large n does not overflow
        return math.exp(math.log(math.comb(n, i)) + i * math.log(p) + (n - i) * math.log1p(-p))

    def tail_at_least(p):
        return sum(term(i, p) for i in range(k, n + 1))

    def tail_at_most(p):
        return sum(term(i, p) for i in range(0, k + 1))

    assert tail_at_least(low) == pytest.approx(0.025, abs=1e-9)
    assert tail_at_most(high) == pytest.approx(0.025, abs=1e-9)


def test_clopper_pearson_of_no_subjects_is_not_estimable():
    assert all(math.isnan(x) for x in clopper_pearson(0, 0))


def test_kaplan_meier_reproduces_the_hand_worked_table():
    table = kaplan_meier(*MP6).table()
    ours = list(zip(table["time"], table["survival"], table["lower"], table["upper"], strict=False))
    assert len(ours) == len(HAND_TABLE)
    for (t, s, lo, hi), expected in zip(ours, HAND_TABLE, strict=False):
        assert (t, s, lo, hi) == pytest.approx(expected, abs=5e-5)
    assert table["at_risk"].tolist() == [21, 17, 15, 12, 11, 7, 6]


def test_median_and_brookmeyer_crowley_interval_of_the_6mp_arm():
    km = kaplan_meier(*MP6)
    assert km.median() == 23
    low, high = km.median_ci()
    assert low == 13 and math.isnan(high)


def test_median_and_brookmeyer_crowley_interval_of_the_placebo_arm():
    km = kaplan_meier(*PLACEBO)
    assert km.median() == 8
    assert km.median_ci() == (4, 11)


def test_rate_at_a_fixed_time_is_the_step_value_with_its_log_log_interval():
    km = kaplan_meier(*MP6)
    rate = km.rate(12)
    assert (rate.survival, rate.lower, rate.upper) == pytest.approx((0.7529, 0.5032, 0.8894), abs=5e-5)
    assert rate.at_risk == 12  # followed at least 12 weeks
    before = km.rate(5)  # before the first event: S = 1, no interval
    assert before.survival == 1 and math.isnan(before.lower) and math.isnan(before.upper)
    assert math.isnan(km.rate(36).survival)  # beyond the longest follow-up (35)


def test_median_when_the_curve_sits_exactly_at_one_half_is_the_mean_of_the_two_times():
    """SAS: S(t) = 0.5 from t_j to t_(j+1) gives the median (t_j + t_(j+1)) / 2."""
    km = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])  # S(2) = 3/4 * 2/3 = 0.5
    assert km.median() == 2.5


def test_no_event_gives_no_median_and_full_survival():
    km = kaplan_meier([3, 5, 8], [0, 0, 0])
    assert math.isnan(km.median()) and all(math.isnan(x) for x in km.median_ci())
    assert km.rate(4).survival == 1.0 and km.events == 0 and km.censored == 3


def test_bad_input_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="event flag"):
        kaplan_meier([1, 2], [1, 2])
    with pytest.raises(ValueError, match=">= 0"):
        kaplan_meier([1, np.nan], [1, 1])


# --- the same examples through the report's tables, to the decimals the report shows ---


def _adsl(n: int) -> pd.DataFrame:
    ids = [f"S-{i:03d}" for i in range(n)]
    return pd.DataFrame({"USUBJID": ids, "FASFL": "Y", "RSPEVLFL": "Y", "SAFFL": "Y"})


def test_report_tables_show_the_worked_examples_to_their_decimals():
    """ADTTE day counts chosen so that months equal the textbook's weeks."""
    times, events = MP6
    adsl = _adsl(len(times))
    adtte = pd.DataFrame(
        {
            "USUBJID": adsl["USUBJID"],
            "PARAMCD": "PFS",
            "PARAM": "Progression-Free Survival (days)",
            "AVAL": np.array(times) * DAYS_PER_MONTH,
            "CNSR": 1 - np.array(events),
        }
    )
    placebo = pd.DataFrame(
        {
            "USUBJID": adsl["USUBJID"],
            "PARAMCD": "OS",
            "PARAM": "Overall Survival (days)",
            "AVAL": np.array(PLACEBO[0]) * DAYS_PER_MONTH,
            "CNSR": 0,
        }
    )
    adtte = pd.concat([adtte, placebo], ignore_index=True)
    settings = ReportSettings(rate_months=(6, 12))
    fits, _ = fit_time_to_event(adsl, adtte, ANALYSES, settings.confidence)
    summary, rates, _ = time_to_event_tables(fits, settings)
    pfs = summary.set_index("PARAMCD").loc["PFS"]
    assert (pfs["Median (months)"], pfs["CI lower"]) == (23.0, 13.0) and math.isnan(pfs["CI upper"])
    assert (pfs["Events"], pfs["Censored"], pfs["N"]) == (9, 12, 21)
    os_ = summary.set_index("PARAMCD").loc["OS"]
    assert (os_["Median (months)"], os_["CI lower"], os_["CI upper"]) == (8.0, 4.0, 11.0)
    at = rates.set_index(["PARAMCD", "Month"])
    assert tuple(at.loc[("PFS", 6), ["Rate %", "CI lower %", "CI upper %"]]) == (85.7, 62.0, 95.2)
    assert tuple(at.loc[("PFS", 12), ["Rate %", "CI lower %", "CI upper %"]]) == (75.3, 50.3, 88.9)
    assert summary.set_index("PARAMCD").loc["PFS", "Parameter"] == "Progression-Free Survival"


def test_response_rate_table_shows_the_exact_interval_to_its_decimals():
    adsl = _adsl(10)
    adrs = pd.DataFrame(
        {
            "USUBJID": list(adsl["USUBJID"]) * 4,
            "PARAMCD": ["CRSP"] * 10 + ["RSP"] * 10 + ["CDCR"] * 10 + ["DCR"] * 10,
            "AVALC": ["Y"] * 5 + ["N"] * 5 + ["Y"] * 1 + ["N"] * 9 + ["N"] * 10 + ["Y"] * 10,
        }
    )
    table = response_rates_table(adsl, adrs, ANALYSES, 0.95)[0].set_index("PARAMCD")
    assert tuple(table.loc["CRSP", ["Subjects", "N", "%", "CI lower %", "CI upper %"]]) == (5, 10, 50.0, 18.7, 81.3)
    assert tuple(table.loc["RSP", ["%", "CI lower %", "CI upper %"]]) == (10.0, 0.3, 44.5)
    assert tuple(table.loc["CDCR", ["%", "CI lower %", "CI upper %"]]) == (0.0, 0.0, 30.8)
    assert tuple(table.loc["DCR", ["%", "CI lower %", "CI upper %"]]) == (100.0, 69.2, 100.0)
