"""Best overall response (RECIST.md) with every rule a setting; analysis flags."""

import pandas as pd
import pytest

from adam_builder.adrs import compute_bor, derive_var_anl01fl, derive_var_anl02fl
from specs.config import AdamSettings, RecistSettings, StudyConfigError

START = pd.Timestamp("2021-01-01")


def bor(responses, *, confirmed=True, **recist):
    """responses: (day from start, response) of one subject."""
    recist = {"confirmation_days": 28, "max_ne_between": 1, "sd_min_days": 35, **recist}
    accepts_sd = recist.pop("accepts_sd", False)
    settings = AdamSettings(recist=RecistSettings(**recist), confirmation_accepts_sd=accepts_sd)
    records = pd.DataFrame(
        {
            "USUBJID": "S1",
            "ADT": [START + pd.Timedelta(days=day) for day, _ in responses],
            "AVALC": [r for _, r in responses],
            "SRCSEQ": range(1, len(responses) + 1),
        }
    )
    out = compute_bor(records, start=pd.Series({"S1": START}), settings=settings, confirmed=confirmed)
    return out.loc["S1", "AVALC"] if "S1" in out.index else "MISSING"


@pytest.mark.parametrize(
    "responses, expected",
    [
        ([(42, "CR"), (70, "CR")], "CR"),  # confirmed 28 days later
        ([(42, "CR"), (69, "CR")], "SD"),  # 27 days: not confirmed; unconfirmed CR counts as SD
        ([(42, "CR"), (56, "NE"), (84, "CR")], "CR"),  # one NE between is allowed
        ([(42, "CR"), (49, "NE"), (56, "NE"), (84, "CR")], "SD"),  # two are not
        ([(42, "PR"), (84, "CR")], "PR"),  # PR confirmed by a later CR
        ([(42, "PR"), (63, "SD"), (84, "PR")], "SD"),  # no SD between
        ([(42, "PR"), (56, "CR"), (84, "PR")], "SD"),  # no PR after a CR
        ([(21, "SD"), (30, "PD")], "PD"),  # SD before the minimum does not count
        ([(35, "SD")], "SD"),  # on the minimum it does
        ([(21, "NON-CR/NON-PD"), (42, "NON-CR/NON-PD")], "NON-CR/NON-PD"),
        ([(21, "NON-CR/NON-PD")], "NE"),
        ([(21, "NE")], "NE"),
        ([], "MISSING"),
    ],
)
def test_confirmed_bor(responses, expected):
    assert bor(responses) == expected


def test_unconfirmed_bor_takes_the_best_response():
    assert bor([(21, "PR"), (42, "CR")], confirmed=False) == "CR"
    assert bor([(21, "SD"), (28, "PD")], confirmed=False) == "PD"


def test_rules_are_settings():
    assert bor([(21, "SD")], sd_min_days=21) == "SD"
    assert bor([(42, "CR"), (63, "CR")], confirmation_days=21) == "CR"
    assert bor([(42, "CR"), (49, "NE"), (56, "NE"), (84, "CR")], max_ne_between=2) == "CR"
    assert bor([(42, "PR"), (63, "SD"), (84, "PR")], accepts_sd=True) == "PR"


def test_worst_response_per_date_and_records_up_to_first_pd_before_new_therapy():
    d = pd.Timestamp
    adrs = pd.DataFrame(
        {
            "USUBJID": "S1",
            "PARAMCD": "OVR",
            "SRCSEQ": range(1, 7),
            "ADT": [
                d("2020-12-20"),
                d("2021-02-01"),
                d("2021-02-01"),
                d("2021-03-01"),
                d("2021-04-01"),
                d("2021-05-01"),
            ],
            "AVALC": ["SD", "PR", "SD", "PD", "SD", "CHECK"],
        }
    )
    adsl = pd.DataFrame({"USUBJID": ["S1"], "TRTSDT": [START], "NACTDT": [d("2021-03-15")]})
    out = derive_var_anl01fl(adrs).pipe(derive_var_anl02fl, adsl=adsl, reference_start="TRTSDT")
    assert list(out["ANL01FL"]) == ["Y", None, "Y", "Y", "Y", None]  # SD is worse than PR; CHECK is no response
    assert list(out["ANL02FL"]) == [None, None, "Y", "Y", None, None]  # before start; after PD and new therapy


def test_settings_the_derivations_cannot_use_are_refused():
    with pytest.raises(StudyConfigError, match=r'\[adam\] response_day_imputation: must be "first", "mid" or "last"'):
        AdamSettings(response_day_imputation="middle")
    with pytest.raises(StudyConfigError, match=r"\[recist\] window_days: must not be negative"):
        AdamSettings(recist=RecistSettings(window_days=-1))
