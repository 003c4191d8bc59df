"""adam_builder.recist_engine: each step of the RECIST 1.1 engine on a literal input table.

The steps take the engine's intermediate tables (records, catalog, assessments); each test
writes that input by hand and the expected columns from ../shared/RECIST.md: the sum of
diameters (nodes by short axis, too small = 5 mm, 0 = gone), the nadir (smallest complete sum
so far, baseline included), the target, non-target, new-lesion and overall responses.
"""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from adam_builder.recist_engine import (
    RecistInputError,
    assert_tumour_data,
    create_assessments,
    create_lesion_catalog,
    create_lesion_records,
    derive_var_ntrgresp,
    derive_var_ovrlresp,
    derive_var_trgresp,
    derive_vars_nadir,
    derive_vars_newlprog,
    derive_vars_target_sum,
    select_evaluator,
)
from adam_builder.recist_rules import RecistSettings

SETTINGS = RecistSettings()
DT = "datetime64[ns]"
nan = np.nan


def dates(*values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values, dtype=object)).to_numpy(dtype=DT)


def obj(*values) -> list:
    return list(values)


def text_nulls_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing text as None, however the step spelled it (NaN or None: the engine's output makes both None)."""
    out = frame.copy()
    for column in out.select_dtypes(include="object").columns:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


TU_OK = pd.DataFrame({"USUBJID": ["S1"], "TULNKID": ["T01"], "TUORRES": ["TARGET"]})
TR_OK = pd.DataFrame({"USUBJID": ["S1"], "TRLNKID": ["T01"], "TRTESTCD": ["LDIAM"], "TRORRES": ["30"], "VISITNUM": [1]})


def test_assert_tumour_data_accepts_usable_input_and_names_each_problem():
    assert_tumour_data(TU_OK, TR_OK, settings=SETTINGS)
    with pytest.raises(RecistInputError, match=r"TU: missing column\(s\) TUORRES .*TR: missing column\(s\) TRTESTCD"):
        assert_tumour_data(TU_OK.drop(columns="TUORRES"), TR_OK.drop(columns="TRTESTCD"), settings=SETTINGS)
    with pytest.raises(RecistInputError, match="none of TRLNKGRP, VISITNUM, TRDTC"):
        assert_tumour_data(TU_OK, TR_OK.drop(columns="VISITNUM"), settings=SETTINGS)
    with pytest.raises(RecistInputError, match="TUORRES has value\\(s\\) 'MEASURABLE' that are not a lesion category"):
        assert_tumour_data(TU_OK.assign(TUORRES="measurable"), TR_OK, settings=SETTINGS)
    with pytest.raises(RecistInputError, match="1 record\\(s\\) without USUBJID or TULNKID"):
        assert_tumour_data(TU_OK.assign(TULNKID=[None]), TR_OK, settings=SETTINGS)
    with pytest.raises(RecistInputError, match="TU: expected a pandas DataFrame, got list"):
        assert_tumour_data([], TR_OK, settings=SETTINGS)


def test_select_evaluator():
    tr = pd.DataFrame(
        {
            "TRSEQ": [1, 2, 3, 4],
            "TREVAL": ["INVESTIGATOR", "INDEPENDENT ASSESSOR", " investigator", "INDEPENDENT ASSESSOR"],
            "TREVALID": [None, "RADIOLOGIST 1", None, "RADIOLOGIST 2"],
        }
    )
    assert select_evaluator(tr, domain="TR", evaluator="Investigator")["TRSEQ"].tolist() == [1, 3]
    assert select_evaluator(tr, domain="TR", evaluator="RADIOLOGIST 2")["TRSEQ"].tolist() == [4]
    with pytest.raises(
        RecistInputError, match="evaluator 'INDEPENDENT ASSESSOR' has records from 'RADIOLOGIST 1', 'RADIOLOGIST 2'"
    ):
        select_evaluator(tr, domain="TR", evaluator="INDEPENDENT ASSESSOR")
    with pytest.raises(RecistInputError, match="TR: records from several evaluators"):
        select_evaluator(tr, domain="TR", evaluator=None)
    with pytest.raises(RecistInputError, match="no record of evaluator 'SPONSOR'"):
        select_evaluator(tr, domain="TR", evaluator="SPONSOR")
    unnamed = tr.drop(columns=["TREVAL", "TREVALID"])
    assert_frame_equal(select_evaluator(unnamed, domain="TR", evaluator="INVESTIGATOR"), unnamed)


def test_create_lesion_records_normalised_with_the_assessment_key():
    tr = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S1", "S1", "S2"],
            "TRLNKID": ["T01", "T01", "t02", "NT01", "T01", "T01"],
            "TRTESTCD": ["LDIAM", "SUMDIAM", "SAXIS", "tumstate", "LDIAM", "LDIAM"],
            "TRORRES": ["30", "50", "8 mm", "present", None, "12"],
            "TRSTRESC": ["30", "50", None, None, None, "12"],
            "TRSTRESN": [30.0, 50.0, nan, nan, nan, np.inf],
            "TRSTAT": [None, None, None, None, "NOT DONE", None],
            "TRGRPID": ["TARGET", None, "TARGET", "NON-TARGET", "TARGET", "TARGET"],
            "TRLNKGRP": [None, None, None, None, None, "A2"],
            "VISITNUM": [1, 1, 1, nan, 2, nan],
            "VISIT": ["BASELINE", "BASELINE", "BASELINE", None, "WEEK 6", None],
            "TRDTC": ["2021-01-02", "2021-01-02", "2021-01-02", "2021-02-16", None, "2021-01-03"],
        }
    )
    out = create_lesion_records(pd.DataFrame(), tr, settings=SETTINGS)
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S1", "S2"],  # the investigator's SUMDIAM is left out
            "TRLNKID": ["T01", "T02", "NT01", "T01", "T01"],
            "TRTESTCD": ["LDIAM", "SAXIS", "TUMSTATE", "LDIAM", "LDIAM"],
            "RESULT": obj("30", "8 MM", "PRESENT", None, "12"),
            # an original result without a standard number is no measurement, nor is infinity
            "NUM": [30.0, nan, nan, nan, nan],
            "NOTDONE": [False, False, False, True, False],
            "TRGRPID": ["TARGET", "TARGET", "NON-TARGET", "TARGET", "TARGET"],
            "TRLNKGRP": obj(None, None, None, None, "A2"),
            "VISITNUM": [1.0, 1.0, nan, 2.0, nan],
            "VISIT": obj("BASELINE", "BASELINE", None, "WEEK 6", None),
            "TRDTC": obj("2021-01-02", "2021-01-02", "2021-02-16", None, "2021-01-03"),
            "_AKEY": [
                "VISITNUM 1 TRDTC 2021-01-02",
                "VISITNUM 1 TRDTC 2021-01-02",
                "TRDTC 2021-02-16",
                "VISITNUM 2",
                "A2",
            ],
        }
    )
    assert_frame_equal(text_nulls_as_none(out[expected.columns]), expected, check_dtype=False)
    keyless = tr.iloc[[0]].assign(VISITNUM=nan, TRDTC=None)
    with pytest.raises(RecistInputError, match=r"TR: 1 record\(s\) .* without USUBJID, TRLNKID or an assessment"):
        create_lesion_records(pd.DataFrame(), keyless, settings=SETTINGS)


def test_create_lesion_catalog_categories_from_tu_and_the_issues():
    tu = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S1", "S1"],
            "TULNKID": ["T01", "T02", "T01", "NT01", "NT01"],
            "TUORRES": ["TARGET", "TARGET", "TARGET", "NON-TARGET", "TARGET"],
            "TULOC": ["LUNG", "LYMPH NODE", "LUNG", "BONE", "BONE"],
        }
    )
    records = pd.DataFrame(
        {"USUBJID": ["S1", "S1", "S1"], "TRLNKID": ["T01", "T09", "T10"], "TRGRPID": ["TARGET", "TARGET", None]}
    )
    out = create_lesion_catalog(tu, records, settings=SETTINGS)
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1"] * 5,
            "TRLNKID": ["T01", "T02", "NT01", "T09", "T10"],
            "LESCAT": obj("TARGET", "TARGET", "NON-TARGET", "TARGET", None),
            "NODAL": [False, True, False, False, False],
            "ISSUE": obj(
                "lesion T01 identified more than once in TU",
                None,
                "lesion NT01 identified in TU with conflicting category or location (first kept)",
                "lesion T09 is in TR but not in TU (category TARGET from TRGRPID)",
                "lesion T10 is in TR but not in TU (ignored)",
            ),
        }
    )
    assert_frame_equal(out, expected, check_dtype=False)


def test_create_assessments_in_time_order_first_is_baseline():
    records = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S1", "S1", "S2"],
            "_AKEY": ["V3", "V1", "V1", "V2", "V2", "V1"],
            "TRLNKGRP": [None] * 6,
            "VISITNUM": [3.0, 1.0, 1.0, 2.0, 2.0, 1.0],
            "VISIT": ["WEEK 12", "BASELINE", "BASELINE", "WEEK 6", "WEEK 6", "BASELINE"],
            "TRDTC": ["2021-03", "2021-01-02", "2021-01-02", "2021-02-17", "2021-02-16", "2021-01-10"],
        }
    )
    out = create_assessments(records)
    expected = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1", "S2"],
            "_AKEY": ["V1", "V2", "V3", "V1"],
            # ADT: the earliest complete date; a partial date only: no ADT, ordered at the start of its month
            "ADT": dates("2021-01-02", "2021-02-16", None, "2021-01-10"),
            "ADTC": ["2021-01-02", "2021-02-16", "2021-03", "2021-01-10"],
            "_SEQ": [0, 1, 2, 0],
            "ABLFL": obj("Y", None, None, "Y"),
            "ISSUES": obj(
                None, "records of this assessment have different dates", "no complete date (ADT missing)", None
            ),
        }
    )
    assert_frame_equal(text_nulls_as_none(out[expected.columns]), expected, check_dtype=False)


VISITS = {"V1": "BASELINE", "V2": "WEEK 6", "V3": "WEEK 12", "V4": "WEEK 18", "V5": "WEEK 24", "V6": "WEEK 30"}


def visits_of(keys: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(s, k, i) for s, ks in keys.items() for i, k in enumerate(ks)]
    return pd.DataFrame(
        {
            "USUBJID": [r[0] for r in rows],
            "_AKEY": [r[1] for r in rows],
            "_SEQ": [r[2] for r in rows],
            "ABLFL": ["Y" if r[2] == 0 else None for r in rows],
            "TRLNKGRP": [None] * len(rows),
            "VISIT": [VISITS[r[1]] for r in rows],
            "ISSUES": [None] * len(rows),
        }
    )


def records_of(rows: list[tuple]) -> pd.DataFrame:
    """(USUBJID, _AKEY, TRLNKID, TRTESTCD, RESULT, NUM, NOTDONE) rows, of assessments keyed by visit."""
    frame = pd.DataFrame(rows, columns=["USUBJID", "_AKEY", "TRLNKID", "TRTESTCD", "RESULT", "NUM", "NOTDONE"])
    return frame.assign(TRLNKGRP=None, VISIT=frame["_AKEY"].map(VISITS))


def test_derive_vars_target_sum_sizes_not_assessed_and_gone():
    visits = visits_of({"S1": ["V1", "V2", "V3", "V4"], "S2": ["V1"]})
    catalog = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2"],
            "TRLNKID": ["T01", "T02", "NT01"],
            "LESCAT": ["TARGET", "TARGET", "NON-TARGET"],
            "NODAL": [False, True, False],
        }
    )
    records = records_of(
        [
            ("S1", "V1", "T01", "LDIAM", "30", 30.0, False),
            ("S1", "V1", "T02", "SAXIS", "20", 20.0, False),
            ("S1", "V1", "T02", "LDIAM", "25", 25.0, False),  # a node counts by its short axis
            ("S1", "V2", "T01", "LDIAM", "0", 0.0, False),
            ("S1", "V2", "T02", "SAXIS", "8", 8.0, False),
            ("S1", "V3", "T01", "LDIAM", "TOO SMALL TO MEASURE", nan, False),
            ("S1", "V3", "T02", "SAXIS", None, nan, True),
            ("S1", "V4", "T01", "LDIAM", "ABC", nan, False),
            ("S2", "V1", "NT01", "TUMSTATE", "PRESENT", nan, False),
        ]
    )
    out = derive_vars_target_sum(visits, records=records, catalog=catalog, settings=SETTINGS)
    expected = pd.DataFrame(
        {
            "SUMDIAM": [50.0, 8.0, 5.0, nan, nan],
            "TRGBASEN": [2, 2, 2, 2, 0],
            "TRGASSN": [2, 2, 1, 0, 0],
            "SUMCOMPL": obj("Y", "Y", "N", "N", None),
            # gone: the non-nodal target 0 mm and the node below 10 mm
            "_GONE": [False, True, False, False, False],
            "_TRGNA": obj(None, None, "T02", "T01, T02", None),
            "ISSUES": obj(None, None, None, "target T01 result 'ABC' is not a measurement", None),
        }
    )
    assert_frame_equal(text_nulls_as_none(out[expected.columns]), expected, check_dtype=False)


def test_derive_vars_nadir_smallest_complete_sum_before_each_assessment():
    visits = pd.DataFrame(
        {
            "USUBJID": ["S1"] * 5 + ["S2"] * 2,
            "ABLFL": ["Y", None, None, None, None, "Y", None],
            "SUMCOMPL": ["Y", "Y", "N", "Y", "Y", "N", "Y"],
            "SUMDIAM": [50.0, 40.0, 45.0, 30.0, 36.0, 20.0, 25.0],
        }
    )
    out = derive_vars_nadir(visits)
    expected = visits.assign(
        BASESUM=[50.0] * 5 + [nan, nan],  # S2: incomplete baseline, no baseline sum and no nadir
        NADIR=[nan, 50.0, 40.0, 40.0, 30.0, nan, nan],  # the incomplete sum 45 never counts
        CHGBASE=[0.0, -10.0, -5.0, -20.0, -14.0, nan, nan],
        CHGNADIR=[nan, -10.0, 5.0, -10.0, 6.0, nan, nan],
        PCHGBASE=[0.0, -20.0, -10.0, -40.0, -28.0, nan, nan],
        PCHGNADIR=[nan, -20.0, 12.5, -25.0, 20.0, nan, nan],
    )
    assert_frame_equal(out, expected)


def test_derive_var_trgresp_each_response_and_its_reason():
    visits = pd.DataFrame(
        {
            "BASESUM": [50.0, 50.0, 50.0, 50.0, 50.0, 50.0, 50.0, nan, nan],
            "NADIR": [50.0, 50.0, 30.0, 20.0, 30.0, 30.0, 30.0, nan, nan],
            "SUMDIAM": [50.0, 35.0, 36.0, 24.0, 20.0, 40.0, 0.0, nan, 20.0],
            "_GONE": [False, False, False, False, False, False, True, False, False],
            "TRGBASEN": [2, 2, 2, 2, 2, 2, 2, 0, 2],
            "TRGASSN": [2, 2, 2, 2, 1, 1, 2, 0, 2],
            "_TRGNA": [None, None, None, None, "T02", "T02", None, None, None],
            "CHGNADIR": [0.0, -15.0, 6.0, 4.0, -10.0, 10.0, -30.0, nan, nan],
            "PCHGNADIR": [0.0, -30.0, 20.0, 20.0, -33.3, 100 / 3, -100.0, nan, nan],
            "PCHGBASE": [0.0, -30.0, -28.0, -52.0, -60.0, -20.0, -100.0, nan, nan],
        }
    )
    out = derive_var_trgresp(visits, settings=SETTINGS)
    assert out["TRGRESP"].tolist() == [
        "SD",
        "PR",  # 30% below baseline
        "PD",  # 20% and 6 mm above the nadir
        "PR",  # 20% above the nadir but only 4 mm: no PD
        "NE",  # a target not assessed
        "PD",  # a target not assessed, but the others already show PD
        "CR",
        None,  # no target lesions
        "NE",  # no complete baseline sum
    ]
    assert out["_TRG_TXT"].tolist() == [
        "target SD: SOD 50 vs baseline 50 (+0%); SOD 50 vs nadir 50 (+0%, +0 mm)",
        "target PR: SOD 35 vs baseline 50 (-30%)",
        "target PD: SOD 36 vs nadir 30 (+20%, +6 mm)",
        "target PR: SOD 24 vs baseline 50 (-52%)",
        "target NE: T02 not assessed",
        "target PD although T02 not assessed: SOD 40 vs nadir 30 (+33.3%, +10 mm)",
        "target CR: all targets gone (nodes < 10 mm)",
        "no target lesions",
        "target NE: baseline sum incomplete",
    ]


def test_derive_var_ntrgresp_states_of_the_non_target_lesions():
    visits = visits_of({"S1": ["V1", "V2", "V3", "V4", "V5", "V6"], "S2": ["V1"]})
    catalog = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2"],
            "TRLNKID": ["NT01", "NT02", "T01"],
            "LESCAT": ["NON-TARGET", "NON-TARGET", "TARGET"],
            "NODAL": False,
        }
    )
    t = "TUMSTATE"
    records = records_of(
        [
            ("S1", "V1", "NT01", t, "PRESENT", nan, False),
            ("S1", "V1", "NT02", t, "ABSENT", nan, False),
            ("S1", "V2", "NT01", t, "ABSENT", nan, False),
            ("S1", "V2", "NT02", t, "ABSENT", nan, False),
            ("S1", "V3", "NT01", t, "EQUIVOCAL", nan, False),
            ("S1", "V3", "NT02", t, "ABSENT", nan, False),
            ("S1", "V4", "NT01", t, None, nan, True),
            ("S1", "V4", "NT02", t, "ABSENT", nan, False),
            ("S1", "V5", "NT01", t, "UNEQUIVOCAL PROGRESSION", nan, False),
            ("S1", "V6", "NT01", t, "WEIRD", nan, False),
            ("S1", "V6", "NT02", t, "ABSENT", nan, False),
            ("S1", "V6", "NT02", t, "PRESENT", nan, False),
            ("S2", "V1", "T01", "LDIAM", "30", 30.0, False),
        ]
    )
    out = derive_var_ntrgresp(visits, records=records, catalog=catalog, settings=SETTINGS)
    expected = pd.DataFrame(
        {
            "NTRGBASEN": [2, 2, 2, 2, 2, 2, 0],
            # an equivocal non-target counts as present; V5: NT02 without a record does not hide the PD
            "NTRGRESP": obj("NON-CR/NON-PD", "CR", "NON-CR/NON-PD", "NE", "PD", "NE", None),
            "_NTG_TXT": [
                "non-target NON-CR/NON-PD",
                "non-target CR: all absent",
                "non-target NON-CR/NON-PD",
                "non-target NE: NT01 not assessed",
                "non-target PD: NT01 unequivocal progression",
                "non-target NE: NT01 not assessed",
                "no non-target lesions",
            ],
            "ISSUES": obj(
                None,
                None,
                None,
                None,
                None,
                "non-target NT01 state 'WEIRD' not recognised (taken as not assessed); "
                "non-target NT02 has conflicting records (worst kept)",
                None,
            ),
        }
    )
    assert_frame_equal(text_nulls_as_none(out[expected.columns]), expected, check_dtype=False)


def test_derive_vars_newlprog_new_equivocal_and_confirmed_later():
    visits = visits_of({"S1": ["V1", "V2", "V3", "V4", "V5"]})
    catalog = pd.DataFrame(
        {
            "USUBJID": ["S1"] * 5,
            "TRLNKID": ["NEW01", "NEW02", "NEW03", "NEW04", "NEW05"],
            "LESCAT": ["NEW"] * 5,
            "NODAL": False,
        }
    )
    t = "TUMSTATE"
    records = records_of(
        [
            ("S1", "V1", "NEW01", t, "PRESENT", nan, False),
            ("S1", "V3", "NEW02", t, "EQUIVOCAL", nan, False),
            ("S1", "V4", "NEW02", t, "UNEQUIVOCAL", nan, False),
            ("S1", "V4", "NEW03", t, "PRESENT", nan, False),
            ("S1", "V5", "NEW04", t, "ABSENT", nan, False),
            ("S1", "V5", "NEW05", t, "???", nan, False),
        ]
    )
    out = derive_vars_newlprog(visits, records=records, catalog=catalog, settings=SETTINGS)
    expected = pd.DataFrame(
        {
            "NEWLPROG": ["N", "N", "EQUIVOCAL", "Y", "N"],
            "NEWLES": obj(None, None, "NEW02", "NEW02, NEW03", None),
            "_NEW_TXT": [
                "no new lesion",
                "no new lesion",
                "equivocal new lesion NEW02",
                "new lesion NEW02, NEW03",
                "no new lesion",
            ],
            "_BACKDATE": obj(
                None, None, "equivocal new lesion NEW02 confirmed at WEEK 18: PD dated from this assessment", None, None
            ),
            "ISSUES": obj(
                "new lesion NEW01 recorded at baseline (ignored)",
                None,
                None,
                None,
                "new lesion NEW05 state '???' not recognised (ignored)",
            ),
        }
    )
    assert_frame_equal(text_nulls_as_none(out[expected.columns]), expected, check_dtype=False)


def test_derive_var_ovrlresp_the_recist_table_and_the_back_dated_pd():
    visits = pd.DataFrame(
        {
            "TRGRESP": ["CR", "CR", "PR", "SD", "NE", "SD", None, "CR", None],
            "NTRGRESP": ["CR", "NON-CR/NON-PD", "NE", "NON-CR/NON-PD", "NON-CR/NON-PD", "PD", "CR", None, None],
            "NEWLPROG": ["N", "N", "N", "EQUIVOCAL", "N", "N", "N", "Y", "N"],
            "_BACKDATE": [
                None,
                None,
                None,
                "equivocal new lesion NEW02 confirmed at WEEK 18",
                None,
                None,
                None,
                None,
                None,
            ],
            "_TRG_TXT": ["t"] * 9,
            "_NTG_TXT": ["n"] * 9,
            "_NEW_TXT": ["w"] * 9,
        }
    )
    out = derive_var_ovrlresp(visits)
    assert out["OVRLPROV"].tolist() == ["CR", "PR", "PR", "SD", "NE", "PD", "CR", "PD", "NE"]
    assert out["OVRLRESP"].tolist() == ["CR", "PR", "PR", "PD", "NE", "PD", "CR", "PD", "NE"]
    assert out["REASON"].tolist()[2:4] == ["t; n; w", "t; n; w; equivocal new lesion NEW02 confirmed at WEEK 18"]
