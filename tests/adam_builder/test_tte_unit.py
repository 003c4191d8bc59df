"""adam_builder.tte: the assessments TTE uses, the PFS-like event and censoring rules, and DOR.

Expected tables are written by hand from ../shared/RECIST.md (Time to event: FDA 2018
censoring, AVAL = date - start + 1) with the default settings (42-day interval, 7-day window:
an event more than 91 days after the last adequate assessment follows two missed ones).
"""

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from adam_builder.tte import (
    EventDescriptions,
    compute_assessments,
    compute_progression_event,
    create_tte_frame,
    derive_param_dor,
)
from specs.config import AdamSettings

from .adtte_texts import descriptions_spec

DT = "datetime64[ns]"


def dates(*values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values, dtype=object)).to_numpy(dtype=DT)


def text_nulls_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing text as None, however the derivation spelled it (NaN or None: both null in ADaM)."""
    out = frame.copy()
    for column in out.select_dtypes(include="object").columns:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def test_compute_assessments_one_sorted_record_per_analysed_date():
    adrs = pd.DataFrame(
        {
            "USUBJID": ["S2", "S1", "S1", "S1", "S1"],
            "PARAMCD": ["OVR", "OVR", "OVR", "OVRC", "OVR"],
            "AVALC": ["SD", "PD", "SD", "PR", "PR"],
            "ADT": dates("2021-02-01", "2021-03-26", "2021-02-12", "2021-02-12", "2021-02-12"),
            "ANL01FL": ["Y", "Y", "Y", "Y", None],
            "ASEQ": [1.0, 3.0, 2.0, 4.0, 1.0],
        }
    )
    out = compute_assessments(adrs)
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2"],
            "ADT": dates("2021-02-12", "2021-03-26", "2021-02-01"),
            "AVALC": ["SD", "PD", "SD"],
            "ASEQ": [2.0, 3.0, 1.0],
        },
        index=[2, 1, 0],
    )
    assert_frame_equal(out, expected)


def test_compute_progression_event_each_fda_convention():
    subjects = ["P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"]
    start = pd.Series(dates(None, *["2021-01-01"] * 9), index=pd.Index(subjects, name="USUBJID"))
    assess = pd.DataFrame(
        {
            "USUBJID": ["P1", "P1", "P2", "P3", "P3", "P3", "P5", "P5", "P6", "P6", "P7", "P8"],
            "ADT": dates(
                "2021-02-12",
                "2021-03-26",
                "2021-02-12",
                "2020-12-30",
                "2021-02-12",
                "2021-03-26",
                "2021-02-12",
                "2021-04-09",
                "2021-02-12",
                "2021-06-01",
                "2021-02-12",
                "2021-03-26",
            ),
            "AVALC": ["SD", "PD", "SD", "PD", "SD", "SD", "SD", "PD", "SD", "PD", "NE", "PD"],
            "ASEQ": [1.0, 2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0],
        }
    )
    death = pd.Series(
        dates(None, None, "2021-03-01", None, None, None, None, None, "2021-03-26", "2021-06-15"), index=subjects
    )
    new_therapy = pd.Series(dates(None, None, None, None, None, "2021-03-01", None, None, None, None), index=subjects)
    out = compute_progression_event(
        start,
        assess=assess,
        death=death,
        new_therapy=new_therapy,
        settings=AdamSettings(),
        start_var="TRTSDT",
        descriptions=EventDescriptions.from_spec(descriptions_spec()),
    )
    expected = pd.DataFrame(
        {
            "STARTDT": dates(*["2021-01-01"] * 9),
            "ADT": dates(
                "2021-03-26",  # P1 PD
                "2021-03-01",  # P2 death
                "2021-03-26",  # P3 no event: last adequate (the PD before the start does not count)
                "2021-01-01",  # P4 nothing: the start
                "2021-02-12",  # P5 new therapy before PD: last adequate before it
                "2021-02-12",  # P6 PD 109 days after the last adequate: missed assessments
                "2021-01-01",  # P7 only NE: no adequate assessment, the start
                "2021-03-26",  # P8 PD and death the same day: PD
                "2021-01-01",  # P9 death 165 days after the start with no assessment: missed
            ),
            "CNSR": [0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0],
            "EVNTDESC": [
                "Disease progression",
                "Death",
                "Last adequate assessment",
                "No post-baseline assessment",
                "Last adequate assessment before new anti-cancer therapy",
                "Last adequate assessment before missed assessments",
                "No adequate post-baseline assessment",
                "Disease progression",
                "Last adequate assessment before missed assessments",
            ],
            "CNSDTDSC": [
                None,
                None,
                "Last adequate tumor assessment",
                "Treatment start",
                "Last adequate tumor assessment before new anti-cancer therapy",
                "Last adequate tumor assessment before missed assessments",
                "Treatment start",
                None,
                "Treatment start",
            ],
            "SRCDOM": ["ADRS", "ADSL", "ADRS", "ADSL", "ADRS", "ADRS", "ADSL", "ADRS", "ADSL"],
            "SRCVAR": ["ADT", "DTHDT", "ADT", "TRTSDT", "ADT", "ADT", "TRTSDT", "ADT", "TRTSDT"],
            "SRCSEQ": [2.0, np.nan, 2.0, np.nan, 1.0, 1.0, np.nan, 1.0, np.nan],
        },
        index=pd.Index(subjects[1:], name="USUBJID"),
    )
    assert_frame_equal(text_nulls_as_none(out[expected.columns]), expected, check_dtype=False)


def test_compute_progression_event_censoring_switched_off():
    start = pd.Series(dates("2021-01-01"), index=pd.Index(["P5"], name="USUBJID"))
    assess = pd.DataFrame(
        {"USUBJID": ["P5", "P5"], "ADT": dates("2021-02-12", "2021-06-01"), "AVALC": ["SD", "PD"], "ASEQ": [1.0, 2.0]}
    )
    settings = AdamSettings(new_therapy_censoring=False, missed_assessment_censoring=False)
    out = compute_progression_event(
        start,
        assess=assess,
        death=pd.Series(dates(None), index=["P5"]),
        new_therapy=pd.Series(dates("2021-03-01"), index=["P5"]),
        settings=settings,
        start_var="TRTSDT",
        descriptions=EventDescriptions.from_spec(descriptions_spec()),
    )
    assert out.loc["P5", "ADT"] == pd.Timestamp("2021-06-01")
    assert out.loc["P5", "CNSR"] == 0
    assert out.loc["P5", "EVNTDESC"] == "Disease progression"


def test_derive_param_dor_confirmed_responders_from_the_first_response():
    adsl = pd.DataFrame(
        {
            "USUBJID": ["R1", "R2", "R3"],
            "TRTSDT": dates("2021-01-01", "2021-01-01", "2021-01-01"),
            "DTHDT": dates(None, None, None),
        }
    )
    adrs = pd.DataFrame(
        {
            "USUBJID": ["R1", "R1", "R1", "R2", "R2", "R3", "R1", "R2", "R3", "R1", "R2", "R3"],
            "PARAMCD": ["OVR"] * 6 + ["CBOR"] * 3 + ["CRSP"] * 3,
            "AVALC": ["PR", "PR", "PD", "CR", "CR", "SD", "PR", "CR", "SD", "Y", "Y", "N"],
            "ADT": dates(
                "2021-02-12",
                "2021-03-26",
                "2021-05-07",
                "2021-02-12",
                "2021-03-26",
                "2021-02-12",
                "2021-02-12",
                "2021-02-12",
                "2021-02-12",
                "2021-02-12",
                "2021-02-12",
                None,
            ),
            "ANL01FL": ["Y"] * 6 + [None] * 6,
            "ASEQ": [1.0, 2.0, 3.0, 1.0, 2.0, 1.0, 4.0, 3.0, 2.0, 5.0, 4.0, 3.0],
        }
    )
    out = derive_param_dor(create_tte_frame(), adsl=adsl, adrs=adrs, settings=AdamSettings(), spec=descriptions_spec())
    expected = pd.DataFrame(
        {
            "USUBJID": ["R1", "R2"],  # R3 is no confirmed responder
            "PARAMCD": "DOR",
            "STARTDT": dates("2021-02-12", "2021-02-12"),
            "ADT": dates("2021-05-07", "2021-03-26"),
            "CNSR": [0.0, 1.0],
            "EVNTDESC": ["Disease progression", "Last adequate assessment"],
            "CNSDTDSC": [None, "Last adequate tumor assessment"],
            "SRCDOM": ["ADRS", "ADRS"],
            "SRCVAR": ["ADT", "ADT"],
            "SRCSEQ": [3.0, 2.0],
            "AVAL": [85.0, 43.0],
        }
    )
    assert_frame_equal(text_nulls_as_none(out[expected.columns]), expected, check_dtype=False)


def test_derive_param_dor_starts_at_the_pr_of_a_response_improved_to_cr():
    """RECIST 1.1 dates a response from its first CR or PR: PR on 12 Feb (confirmed by the CR of
    26 Mar), CR on 26 Mar and 7 May (the CBOR), PD on 18 Jun: DOR runs from 12 Feb, the CRSP date,
    not from the CR of the best response."""
    adsl = pd.DataFrame({"USUBJID": ["R1"], "TRTSDT": dates("2021-01-01"), "DTHDT": dates(None)})
    adrs = pd.DataFrame(
        {
            "USUBJID": ["R1"] * 6,
            "PARAMCD": ["OVR"] * 4 + ["CBOR", "CRSP"],
            "AVALC": ["PR", "CR", "CR", "PD", "CR", "Y"],
            "ADT": dates("2021-02-12", "2021-03-26", "2021-05-07", "2021-06-18", "2021-03-26", "2021-02-12"),
            "ANL01FL": ["Y"] * 4 + [None] * 2,
            "ASEQ": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        }
    )
    out = derive_param_dor(create_tte_frame(), adsl=adsl, adrs=adrs, settings=AdamSettings(), spec=descriptions_spec())
    assert out["STARTDT"].tolist() == [pd.Timestamp("2021-02-12")]
    assert out["ADT"].tolist() == [pd.Timestamp("2021-06-18")] and out["CNSR"].tolist() == [0.0]
    assert out["AVAL"].tolist() == [127.0]  # 12 Feb to 18 Jun, day 1 included
