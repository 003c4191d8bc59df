"""The simulator's RECIST 1.1 rules on hand-written cases from the paper (Eisenhauer et al. 2009)."""

from dataclasses import dataclass

import numpy as np
import pytest

from study_simulator.recist import (
    CR,
    MISSING,
    NE,
    NEW_EQUIVOCAL,
    NEW_NO,
    NEW_YES,
    NON_CR_NON_PD,
    OVERALL_WITHOUT_NEW_LESION,
    PD,
    PR,
    SD,
    best_overall_response,
    nontarget_response,
    overall_response,
    prior_nadir,
    target_response,
)


@dataclass(frozen=True)
class Paper:
    """The thresholds of the paper, with the study's confirmation and SD rules."""

    pr_change: float = -0.30
    pd_change: float = 0.20
    pd_absolute_mm: float = 5.0
    confirmation_days: int = 28
    max_ne_between: int = 1
    sd_min_days: int = 35


PAPER = Paper()
NNP = NON_CR_NON_PD


def targets(baseline, nadir, current, gone=False, ne=False, thresholds=PAPER):
    n = len(current)

    def vec(x, dtype):
        return np.asarray(x if isinstance(x, list) else [x] * n, dtype=dtype)

    return target_response(
        vec(baseline, float), vec(nadir, float), vec(current, float), vec(gone, bool), vec(ne, bool), thresholds
    ).tolist()


def test_partial_response_is_thirty_percent_below_baseline():
    # baseline 100 mm: 70 is -30% (PR), 71 is -29% (SD), 130 is +30% from the nadir 100 (PD)
    assert targets(100, 100, [70, 71, 100, 130]) == [PR, SD, SD, PD]


def test_progression_needs_twenty_percent_and_five_mm_over_the_nadir():
    # nadir 50: 60 is +20% and +10 mm (PD); 59 is +18%
    assert targets(100, 50, [60, 59]) == [PD, PR]
    # nadir 20: 24 is +20% but only +4 mm (still PR from baseline 100); 25 is +25% and +5 mm
    assert targets(100, 20, [24, 25]) == [PR, PD]


def test_progression_is_exact_at_the_threshold():
    # 55 * 1.2 = 66 exactly; a floating-point 1.2 * 55 would be 66.00000000000001
    assert targets(100, 55, [66]) == [PD]
    assert targets(100, 10, [15]) == [PD]  # +50% and +5 mm from a 10 mm nadir


def test_missing_nadir_means_the_baseline():
    assert targets(40, np.nan, [48, 45]) == [PD, SD]  # +20% +8 mm; +12.5%


def test_a_target_not_assessed_is_ne_unless_the_others_show_progression():
    # the paper's example: baseline 50 with three lesions, two assessed summing 80 -> PD
    assert targets(50, 50, [80, 30, 45], ne=True) == [PD, NE, NE]
    assert targets(50, 50, [np.nan]) == [NE]


def test_complete_response_with_nodes_below_ten_mm():
    # every non-nodal target gone, two nodes at 8 and 6 mm: the sum 14 is not 0, still CR
    assert targets(60, 20, [14], gone=True) == [CR]
    # CR is not given when a target was not assessed
    assert targets(60, 20, [0], gone=True, ne=True) == [NE]


def test_no_target_lesions_gives_no_target_response():
    assert targets([0, np.nan], [np.nan, np.nan], [0, 0]) == [None, None]


def test_thresholds_come_from_the_study():
    strict = Paper(pr_change=-0.5, pd_change=0.25, pd_absolute_mm=10.0)
    # from the nadir 40: 49 is +22.5% and +9 mm (not PD; -51% from baseline: PR), 50 is +25% and +10 mm
    assert targets(100, 40, [49, 50], thresholds=strict) == [PR, PD]
    assert targets(100, 100, [60, 50, 124, 125], thresholds=strict) == [SD, PR, SD, PD]


def test_sums_over_visits_give_visit_responses():
    # baseline 100; then 80, 65, 60, 70 (-30% from baseline, +17% from nadir 60), a scan with
    # one target not assessed (sum 40, not a nadir), 72 (+20% and +12 mm from the nadir 60)
    sums = np.array([[100.0, 80, 65, 60, 70, 40, 72]])
    valid = np.array([[True, True, True, True, True, False, True]])
    nadir = prior_nadir(sums, valid)
    np.testing.assert_array_equal(nadir, [[np.nan, 100, 80, 65, 60, 60, 60]])
    ne = ~valid[0, 1:]
    got = target_response(np.full(6, 100.0), nadir[0, 1:], sums[0, 1:], np.zeros(6, bool), ne, PAPER)
    assert got.tolist() == [SD, PR, PR, PR, NE, PD]


def test_nontarget_response():
    got = nontarget_response(
        has_nontarget=[True, True, True, True, True, False],
        unequivocal_progression=[False, False, False, True, True, False],
        not_evaluable=[False, False, True, False, True, False],
        all_absent=[False, True, False, False, False, False],
    )
    assert got.tolist() == [NNP, CR, NE, PD, PD, None]


@pytest.mark.parametrize(
    "target, nontarget, new, overall",
    [
        # RECIST 1.1 table 1: target and non-target lesions
        (CR, CR, NEW_NO, CR),
        (CR, NNP, NEW_NO, PR),
        (CR, NE, NEW_NO, PR),
        (PR, NNP, NEW_NO, PR),
        (PR, NE, NEW_NO, PR),
        (PR, CR, NEW_NO, PR),
        (SD, NNP, NEW_NO, SD),
        (SD, NE, NEW_NO, SD),
        (NE, NNP, NEW_NO, NE),
        (PD, CR, NEW_NO, PD),
        (PD, NE, NEW_YES, PD),
        (CR, PD, NEW_NO, PD),
        (SD, PD, NEW_NO, PD),
        (CR, CR, NEW_YES, PD),
        (NE, NE, NEW_YES, PD),
        # target lesions only
        (CR, None, NEW_NO, CR),
        (PR, None, NEW_NO, PR),
        (NE, None, NEW_NO, NE),
        # table 2: non-target lesions only
        (None, CR, NEW_NO, CR),
        (None, NNP, NEW_NO, NNP),
        (None, NE, NEW_NO, NE),
        (None, PD, NEW_NO, PD),
        (None, CR, NEW_YES, PD),
        # an equivocal new lesion is not yet progression
        (CR, CR, NEW_EQUIVOCAL, CR),
        (SD, NNP, NEW_EQUIVOCAL, SD),
        # neither kind of lesion at baseline
        (None, None, NEW_NO, NE),
        (None, None, NEW_YES, PD),
    ],
)
def test_overall_response_table(target, nontarget, new, overall):
    assert overall_response([target], [nontarget], [new]).tolist() == [overall]


def test_overall_table_covers_every_pair():
    assert len(OVERALL_WITHOUT_NEW_LESION) == 6 * 5


def test_overall_response_vectorised_and_refuses_unknown_values():
    got = overall_response(np.array([CR, SD, None], dtype=object), [NNP, NNP, CR], [NEW_NO, NEW_YES, NEW_NO])
    assert got.tolist() == [PR, PD, CR]
    with pytest.raises(ValueError, match="unknown target response"):
        overall_response(["Partial"], [CR], [NEW_NO])


def bor(*visits):
    return (
        best_overall_response(list(visits), PAPER, confirm=True),
        best_overall_response(list(visits), PAPER, confirm=False),
    )


@pytest.mark.parametrize(
    "visits, confirmed, unconfirmed",
    [
        ([], MISSING, MISSING),
        ([(42, PR), (84, PR)], PR, PR),
        ([(42, PR), (70, PR)], PR, PR),  # exactly 28 days later
        ([(42, PR), (69, PR)], SD, PR),  # 27 days: not confirmed, SD after day 35
        ([(42, CR), (84, CR)], CR, CR),
        ([(42, PR), (84, CR)], PR, CR),  # PR confirmed by a CR; the CR itself unconfirmed
        ([(42, PR), (84, CR), (126, CR)], CR, CR),
        ([(42, PR), (63, SD), (84, PR)], SD, PR),  # SD in between breaks the confirmation
        ([(42, PR), (63, NE), (84, PR)], PR, PR),  # one NE in between is allowed
        ([(42, PR), (56, NE), (70, NE), (84, PR)], SD, PR),  # two are not
        ([(42, CR), (63, NE), (84, CR)], CR, CR),
        ([(42, CR), (84, PR)], SD, CR),  # a PR after a CR confirms nothing
        ([(42, PR), (56, CR), (84, PR)], SD, CR),  # nor a PR after a CR within the PR's run
        ([(42, CR), (84, NE)], SD, CR),  # paper table 3: CR then NE -> SD when SD's minimum is met
        ([(21, CR), (30, NE)], NE, CR),  # ... otherwise NE
        ([(30, PR), (60, PD)], PD, PR),  # PR then PD before the SD minimum: PD
        ([(42, PR), (60, PD)], SD, PR),
        ([(34, SD), (70, PD)], PD, PD),  # SD too early (day 34 < 35)
        ([(35, SD)], SD, SD),  # SD on the minimum day
        ([(42, NE), (84, NE)], NE, NE),
        ([(42, NNP), (84, NNP)], NNP, NNP),  # non-target disease only
        ([(20, NNP), (40, PD)], PD, PD),
        ([(42, NNP), (84, SD)], SD, SD),  # SD ranks above NON-CR/NON-PD
    ],
)
def test_best_overall_response(visits, confirmed, unconfirmed):
    assert bor(*visits) == (confirmed, unconfirmed)


def test_best_response_settings_come_from_the_study():
    visits = [(42, PR), (63, NE), (77, NE), (84, PR)]
    assert best_overall_response(visits, PAPER, confirm=True) == SD
    assert best_overall_response(visits, Paper(max_ne_between=2), confirm=True) == PR
    assert best_overall_response([(42, PR), (84, PR)], Paper(confirmation_days=56), confirm=True) == SD
    assert best_overall_response([(42, SD)], Paper(sd_min_days=49), confirm=True) == NE
