"""PFS, OS and DOR: FDA 2018 censoring conventions, each a setting."""

import pandas as pd
import pytest

from adam_builder.common import AdamInputError
from adam_builder.tte import create_tte_frame, derive_param_os, derive_param_pfs
from specs.config import AdamSettings
from specs.model import Codelist, CodelistTerm, Spec, Variable


def descriptions_spec(drop: tuple[str, str] | None = None) -> Spec:
    """ADTTE.EVNTDESC and CNSDTDSC with their codelists; each term's synonym is its key (less ``drop``:
    codelist and key)."""
    events = {
        "PD": "Progressed",
        "DEATH": "Died",
        "NO_ASSESSMENT": "Never assessed",
        "NO_ADEQUATE_ASSESSMENT": "Never adequately assessed",
        "LAST_ADEQUATE_ASSESSMENT": "Last adequate",
        "NEW_THERAPY": "Last adequate before new therapy",
        "MISSED_ASSESSMENTS": "Last adequate before missed",
        "LSTALVDT": "Alive",
    }
    dates = {
        "TRTSDT": "First dose",
        "LAST_ADEQUATE_ASSESSMENT": "Date of last adequate",
        "NEW_THERAPY": "Date of last adequate before new therapy",
        "MISSED_ASSESSMENTS": "Date of last adequate before missed",
        "LSTALVDT": "Date last known alive",
    }

    def codelist(cid, terms):
        return Codelist(cid, terms=tuple(CodelistTerm(t, synonyms=(k,)) for k, t in terms.items() if (cid, k) != drop))

    return Spec(
        variables=(
            Variable("ADTTE", "EVNTDESC", codelist="EVD"),
            Variable("ADTTE", "CNSDTDSC", codelist="CDD"),
        ),
        codelists=(codelist("EVD", events), codelist("CDD", dates)),
    )


T = pd.Timestamp
START = T("2021-01-01")


def day(n):
    return START + pd.Timedelta(days=n)


def pfs(assessments, *, death=None, nact=None, **settings):
    adsl = pd.DataFrame(
        {
            "USUBJID": ["S1"],
            "TRTSDT": [START],
            "DTHDT": [death],
            "NACTDT": [nact],
            "LSTALVDT": [day(400)],
            "DCUTDT": [T("2030-01-01")],
        }
    )
    adsl[["DTHDT", "NACTDT"]] = adsl[["DTHDT", "NACTDT"]].astype("datetime64[ns]")
    adrs = pd.DataFrame(
        {
            "USUBJID": "S1",
            "PARAMCD": "OVR",
            "ANL01FL": "Y",
            "ADT": [day(n) for n, _ in assessments],
            "AVALC": [r for _, r in assessments],
            "ASEQ": range(1, len(assessments) + 1),
        }
    )
    out = derive_param_pfs(
        create_tte_frame(), adsl=adsl, adrs=adrs, settings=AdamSettings(**settings), spec=descriptions_spec()
    )
    row = out.iloc[0]
    return (row["ADT"] - START).days, int(row["CNSR"]), row["EVNTDESC"], row["AVAL"]


def test_pd_is_the_event():
    assert pfs([(42, "SD"), (84, "PD")])[:3] == (84, 0, "Progressed")


def test_death_before_pd_is_the_event():
    assert pfs([(42, "SD"), (84, "PD")], death=day(60))[:3] == (60, 0, "Died")


def test_no_assessment_no_death_censored_at_start_day_1():
    assert pfs([]) == (0, 1, "Never assessed", 1.0)


def test_no_event_censored_at_last_adequate_assessment():
    assert pfs([(42, "SD"), (84, "NE")])[:3] == (42, 1, "Last adequate")


def test_new_therapy_before_event_censors_unless_switched_off():
    assert pfs([(42, "SD"), (84, "SD"), (126, "PD")], nact=day(100))[:2] == (84, 1)
    assert pfs([(42, "SD"), (84, "SD"), (126, "PD")], nact=day(100), new_therapy_censoring=False)[:2] == (126, 0)


def test_event_after_two_missed_assessments_censors_unless_switched_off():
    # last adequate day 42, PD day 134: gap 92 > 2 x 42 + 7
    assert pfs([(42, "SD"), (134, "PD")])[:3] == (42, 1, "Last adequate before missed")
    assert pfs([(42, "SD"), (133, "PD")])[:2] == (133, 0)  # gap 91: not more than 91
    assert pfs([(42, "SD"), (134, "PD")], missed_assessment_censoring=False)[:2] == (134, 0)


def test_os_censored_at_last_known_alive_never_after_cutoff():
    adsl = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S3"],
            "TRTSDT": [START] * 3,
            "DTHDT": [day(100), pd.NaT, pd.NaT],
            "LSTALVDT": [day(100), day(500), day(50)],
            "DCUTDT": [day(300)] * 3,
        }
    )
    out = derive_param_os(create_tte_frame(), adsl=adsl, settings=AdamSettings(), spec=descriptions_spec()).set_index(
        "USUBJID"
    )
    assert list(out["CNSR"]) == [0, 1, 1]
    assert list(out["AVAL"]) == [101, 301, 51]
    assert list(out["SRCVAR"]) == ["DTHDT", "LSTALVDT", "LSTALVDT"]
    assert list(out["EVNTDESC"]) == ["Died", "Alive", "Alive"]
    assert list(out["CNSDTDSC"]) == [None, "Date last known alive", "Date last known alive"]


def test_censored_at_the_start_is_described_by_the_term_of_the_start_variable():
    adsl = pd.DataFrame(
        {"USUBJID": ["S1"], "TRTSDT": [START], "DTHDT": [pd.NaT], "LSTALVDT": [pd.NaT], "DCUTDT": [day(300)]}
    )
    out = derive_param_pfs(
        create_tte_frame(), adsl=adsl, adrs=_no_assessments(), settings=AdamSettings(), spec=descriptions_spec()
    )
    assert list(out[["EVNTDESC", "CNSDTDSC", "SRCVAR"]].iloc[0]) == ["Never assessed", "First dose", "TRTSDT"]


def _no_assessments():
    return pd.DataFrame(
        {
            "USUBJID": [],
            "PARAMCD": [],
            "ANL01FL": [],
            "ADT": pd.Series([], dtype="datetime64[ns]"),
            "AVALC": [],
            "ASEQ": [],
        }
    )


@pytest.mark.parametrize(
    "drop, codelist",
    [("PD", "EVD"), ("LAST_ADEQUATE_ASSESSMENT", "EVD"), ("MISSED_ASSESSMENTS", "CDD"), ("TRTSDT", "CDD")],
)
def test_a_description_the_codelist_lacks_is_an_error_naming_the_codelist(drop, codelist):
    adsl = pd.DataFrame(
        {"USUBJID": ["S1"], "TRTSDT": [START], "DTHDT": [pd.NaT], "LSTALVDT": [pd.NaT], "DCUTDT": [day(300)]}
    )
    with pytest.raises(AdamInputError, match=rf"codelist {codelist} has no term for {drop}"):
        derive_param_pfs(
            create_tte_frame(),
            adsl=adsl,
            adrs=_no_assessments(),
            settings=AdamSettings(),
            spec=descriptions_spec((codelist, drop)),
        )
