"""RECIST 1.1 engine: small literal TU/TR in, expected per-assessment responses out."""

import numpy as np
import pandas as pd
import pytest

from adam_builder.recist_engine import OUTPUT_COLUMNS, RecistInputError, derive_assessments
from specs.config import RecistSettings

SUBJ = "S-001"
DATES = ["2021-01-05", "2021-02-16", "2021-03-30", "2021-05-11", "2021-06-22"]


def lesions(targets=None, nontargets=None, new=None, nodal=(), subject=SUBJ):
    """TU and TR for one subject.

    Each lesion maps to a list of results by assessment (index 0 = baseline):
    a number (mm), "TSM" (too small to measure), "ND" (not done), a state
    (PRESENT, ABSENT, ...) or None (no record).
    """
    targets, nontargets, new = targets or {}, nontargets or {}, new or {}
    tu_rows, tr_rows = [], []
    for cat, group in (("TARGET", targets), ("NON-TARGET", nontargets), ("NEW", new)):
        for lid, values in group.items():
            tu_rows.append(
                {
                    "USUBJID": subject,
                    "TULNKID": lid,
                    "TUTESTCD": "TUMIDENT",
                    "TUORRES": cat,
                    "TULOC": "LYMPH NODE" if lid in nodal else "LUNG",
                }
            )
            for k, value in enumerate(values):
                if value is None:
                    continue
                test = ("SAXIS" if lid in nodal else "LDIAM") if cat == "TARGET" else "TUMSTATE"
                row = {
                    "USUBJID": subject,
                    "TRLNKID": lid,
                    "TRGRPID": cat,
                    "TRTESTCD": test,
                    "TRLNKGRP": None if k == 0 else f"TA{k:02d}",
                    "VISITNUM": float(1 + k),
                    "VISIT": "SCREENING" if k == 0 else f"TUMOUR ASSESSMENT {k}",
                    "TRDTC": DATES[k],
                    "TRORRES": None,
                    "TRSTRESN": np.nan,
                    "TRSTAT": None,
                    "TREVAL": "INVESTIGATOR",
                }
                if value == "ND":
                    row["TRSTAT"] = "NOT DONE"
                elif value == "TSM":
                    row["TRORRES"] = "TOO SMALL TO MEASURE"
                elif isinstance(value, (int, float)):
                    row["TRORRES"], row["TRSTRESN"] = str(value), float(value)
                else:
                    row["TRORRES"] = value
                tr_rows.append(row)
    tu = pd.DataFrame(tu_rows, columns=["USUBJID", "TULNKID", "TUTESTCD", "TUORRES", "TULOC"])
    tr = pd.DataFrame(tr_rows)
    tr["TRSTRESC"] = tr["TRORRES"]
    return tu, tr


def run(**kw):
    settings = kw.pop("settings", RecistSettings())
    tu, tr = lesions(**kw)
    return derive_assessments(tu, tr, settings=settings).set_index("TRLNKGRP")


def row(out, assessment="TA01"):
    return out.loc[assessment]


# ---------------------------------------------------------------- the RECIST table, row by row


@pytest.mark.parametrize(
    "targets, nontargets, new, expected",
    [
        # target CR, non-target CR, no new lesion -> CR
        ({"T01": [50, 0]}, {"NT01": ["PRESENT", "ABSENT"]}, {}, ("CR", "CR", "N", "CR")),
        # target CR, non-target NON-CR/NON-PD -> PR
        ({"T01": [50, 0]}, {"NT01": ["PRESENT", "PRESENT"]}, {}, ("CR", "NON-CR/NON-PD", "N", "PR")),
        # target CR, non-target NE -> PR
        ({"T01": [50, 0]}, {"NT01": ["PRESENT", "ND"]}, {}, ("CR", "NE", "N", "PR")),
        # target PR, non-target non-PD or NE -> PR
        ({"T01": [50, 30]}, {"NT01": ["PRESENT", "PRESENT"]}, {}, ("PR", "NON-CR/NON-PD", "N", "PR")),
        ({"T01": [50, 30]}, {"NT01": ["PRESENT", "ND"]}, {}, ("PR", "NE", "N", "PR")),
        # target SD, non-target non-PD or NE -> SD
        ({"T01": [50, 45]}, {"NT01": ["PRESENT", "PRESENT"]}, {}, ("SD", "NON-CR/NON-PD", "N", "SD")),
        ({"T01": [50, 45]}, {"NT01": ["PRESENT", "ND"]}, {}, ("SD", "NE", "N", "SD")),
        # target NE, non-target non-PD -> NE
        (
            {"T01": [30, 25], "T02": [20, "ND"]},
            {"NT01": ["PRESENT", "PRESENT"]},
            {},
            ("NE", "NON-CR/NON-PD", "N", "NE"),
        ),
        # target PD, any -> PD
        ({"T01": [50, 61]}, {"NT01": ["PRESENT", "ABSENT"]}, {}, ("PD", "CR", "N", "PD")),
        # any, non-target PD -> PD
        ({"T01": [50, 45]}, {"NT01": ["PRESENT", "UNEQUIVOCAL PROGRESSION"]}, {}, ("SD", "PD", "N", "PD")),
        ({"T01": [50, 0]}, {"NT01": ["PRESENT", "UNEQUIVOCAL PROGRESSION"]}, {}, ("CR", "PD", "N", "PD")),
        # any, any, new lesion -> PD
        ({"T01": [50, 0]}, {"NT01": ["PRESENT", "ABSENT"]}, {"NL01": [None, "PRESENT"]}, ("CR", "CR", "Y", "PD")),
        # no non-target lesions at baseline
        ({"T01": [50, 0]}, {}, {}, ("CR", None, "N", "CR")),
        ({"T01": [50, 40]}, {}, {}, ("SD", None, "N", "SD")),
    ],
)
def test_overall_response_table(targets, nontargets, new, expected):
    out = row(run(targets=targets, nontargets=nontargets, new=new))
    assert (out["TRGRESP"], out["NTRGRESP"], out["NEWLPROG"], out["OVRLRESP"]) == expected


@pytest.mark.parametrize(
    "states, expected",
    [
        (["PRESENT", "ABSENT"], "CR"),
        (["PRESENT", "PRESENT"], "NON-CR/NON-PD"),
        (["PRESENT", "ND"], "NE"),
        (["PRESENT", None], "NE"),  # no record at the assessment
        (["PRESENT", "UNEQUIVOCAL PROGRESSION"], "PD"),
    ],
)
def test_non_target_disease_only(states, expected):
    out = row(run(nontargets={"NT01": states, "NT02": ["PRESENT", "ABSENT" if expected == "CR" else "PRESENT"]}))
    assert out["TRGRESP"] is None
    assert out["NTRGRESP"] == expected
    assert out["OVRLRESP"] == expected
    assert out["TRGBASEN"] == 0 and np.isnan(out["SUMDIAM"])


def test_non_target_only_with_new_lesion_is_pd():
    out = row(run(nontargets={"NT01": ["PRESENT", "ABSENT"]}, new={"NL01": [None, "PRESENT"]}))
    assert (out["NTRGRESP"], out["NEWLPROG"], out["OVRLRESP"]) == ("CR", "Y", "PD")


# ---------------------------------------------------------------- sums, nadir and changes


def test_sums_nadir_and_changes():
    out = run(targets={"T01": [30, 20, 10, 16], "T02": [20, 15, 10, 10]})
    got = out[["BASESUM", "NADIR", "SUMDIAM", "CHGBASE", "PCHGBASE", "CHGNADIR", "PCHGNADIR", "TRGRESP"]]
    expected = pd.DataFrame(
        {
            "BASESUM": [50.0, 50.0, 50.0],
            "NADIR": [50.0, 35.0, 20.0],
            "SUMDIAM": [35.0, 20.0, 26.0],
            "CHGBASE": [-15.0, -30.0, -24.0],
            "PCHGBASE": [-30.0, -60.0, -48.0],
            "CHGNADIR": [-15.0, -15.0, 6.0],
            "PCHGNADIR": [-30.0, -100 * 15 / 35, 30.0],
            "TRGRESP": ["PR", "PR", "PD"],
        },
        index=pd.Index(["TA01", "TA02", "TA03"], name="TRLNKGRP"),
    )
    pd.testing.assert_frame_equal(got, expected, check_exact=False)


def test_nodal_target_measured_by_short_axis():
    tu, tr = lesions(targets={"T01": [40, 0], "T02": [20, 8]}, nodal=("T02",))
    # a longest diameter recorded for the node as well is not used
    extra = tr[tr["TRLNKID"] == "T02"].assign(TRTESTCD="LDIAM", TRORRES="30", TRSTRESC="30", TRSTRESN=30.0)
    out = derive_assessments(tu, pd.concat([tr, extra], ignore_index=True), settings=RecistSettings()).iloc[0]
    assert (out["BASESUM"], out["SUMDIAM"], out["TRGRESP"]) == (60.0, 8.0, "CR")  # node < 10 mm: normal


def test_node_not_back_to_normal_is_not_cr():
    out = row(run(targets={"T01": [40, 0], "T02": [20, 12]}, nodal=("T02",)))
    assert (out["SUMDIAM"], out["TRGRESP"]) == (12.0, "PR")


def test_too_small_counts_five_mm_and_is_not_gone():
    out = row(run(targets={"T01": [50, "TSM"], "T02": [10, 0]}))
    assert (out["SUMDIAM"], out["TRGRESP"], out["SUMCOMPL"]) == (5.0, "PR", "Y")


def test_too_small_setting():
    out = row(run(targets={"T01": [50, "TSM"]}, settings=RecistSettings(too_small_mm=3.0)))
    assert out["SUMDIAM"] == 3.0


def test_reappearance_after_disappearance_is_pd():
    out = run(targets={"T01": [50, 0, 5]})
    assert out["TRGRESP"].tolist() == ["CR", "PD"]
    assert (out.loc["TA02", "NADIR"], out.loc["TA02", "CHGNADIR"]) == (0.0, 5.0)
    assert np.isnan(out.loc["TA02", "PCHGNADIR"])


def test_nadir_skips_assessments_with_a_target_missing():
    out = run(targets={"T01": [40, 10, 30], "T02": [20, "ND", 15]})
    assert out.loc["TA01", "TRGRESP"] == "NE"
    assert out.loc["TA02", "NADIR"] == 60.0  # the incomplete 10 mm is no nadir
    assert out.loc["TA02", "TRGRESP"] == "SD"


# ---------------------------------------------------------------- missing measurements


def test_target_not_done_is_ne_with_the_lesion_named():
    out = row(run(targets={"T01": [40, 30], "T02": [20, "ND"]}))
    assert (out["TRGRESP"], out["OVRLRESP"], out["TRGASSN"], out["TRGBASEN"], out["SUMCOMPL"]) == (
        "NE",
        "NE",
        1,
        2,
        "N",
    )
    assert "T02 not assessed" in out["REASON"]


def test_target_without_a_record_is_ne():
    out = row(run(targets={"T01": [40, 30], "T02": [20, None]}))
    assert out["TRGRESP"] == "NE"
    assert "T02 not assessed" in out["REASON"]


def test_missing_target_but_sum_already_pd():
    out = run(targets={"T01": [40, 40, 72], "T02": [20, 20, None]})  # 72 = nadir 60 + 20%
    ta02 = out.loc["TA02"]
    assert (ta02["SUMDIAM"], ta02["NADIR"], ta02["TRGRESP"], ta02["OVRLRESP"]) == (72.0, 60.0, "PD", "PD")
    assert "T02 not assessed" in ta02["REASON"]


def test_unreadable_measurement_is_not_assessed_and_reported():
    tu, tr = lesions(targets={"T01": [40, 30]})
    tr.loc[1, ["TRORRES", "TRSTRESC", "TRSTRESN"]] = ["SEE COMMENT", "SEE COMMENT", np.nan]
    out = derive_assessments(tu, tr, settings=RecistSettings()).iloc[0]
    assert out["TRGRESP"] == "NE"
    assert "target T01 result 'SEE COMMENT' is not a measurement" in out["ISSUES"]


@pytest.mark.parametrize("orres, stresc", [("1.8", None), ("inf", "inf"), ("Infinity", None), ("nan", "nan")])
def test_a_result_without_a_finite_standard_number_is_not_a_measurement(orres, stresc):
    """A result left unconverted (its unit has no conversion: TRSTRESC/TRSTRESN null, TRORRES as
    collected) or not finite is no size: the assessment is NE, never PR/PD from the raw number."""
    tu, tr = lesions(targets={"T01": [40, 30]})
    tr.loc[1, ["TRORRES", "TRSTRESC", "TRSTRESN"]] = [orres, stresc, np.nan]
    out = derive_assessments(tu, tr, settings=RecistSettings()).iloc[0]
    assert out["TRGRESP"] == "NE"
    assert (
        f"target T01 result '{(stresc or orres).upper()}' is not a measurement" in out["ISSUES"]
    )  # results read upper case


def test_incomplete_baseline_gives_ne():
    out = row(run(targets={"T01": [40, 30], "T02": ["ND", 10]}))
    assert np.isnan(out["BASESUM"])
    assert (out["TRGRESP"], out["REASON"].split(";")[0]) == ("NE", "target NE: baseline sum incomplete")


# ---------------------------------------------------------------- new lesions


def test_equivocal_new_lesion_is_not_pd():
    out = run(targets={"T01": [50, 45, 45]}, new={"NL01": [None, "EQUIVOCAL", None]})
    assert out["NEWLPROG"].tolist() == ["EQUIVOCAL", "N"]
    assert out["OVRLRESP"].tolist() == ["SD", "SD"]
    assert out.loc["TA01", "NEWLES"] == "NL01"


def test_equivocal_new_lesion_confirmed_later_dates_pd_from_first_sighting():
    out = run(targets={"T01": [50, 45, 45, 45]}, new={"NL01": [None, "EQUIVOCAL", "PRESENT", None]})
    assert out["NEWLPROG"].tolist() == ["EQUIVOCAL", "Y", "N"]
    assert out["OVRLPROV"].tolist() == ["SD", "PD", "SD"]
    assert out["OVRLRESP"].tolist() == ["PD", "PD", "SD"]
    assert "equivocal new lesion NL01 confirmed at TA02: PD dated from this assessment" in out.loc["TA01", "REASON"]


def test_equivocal_new_lesion_confirmed_as_unequivocal_state():
    out = run(targets={"T01": [50, 45, 45]}, new={"NL01": [None, "EQUIVOCAL", "UNEQUIVOCAL"]})
    assert out["OVRLRESP"].tolist() == ["PD", "PD"]


def test_new_lesion_absent_is_no_new_lesion():
    out = row(run(targets={"T01": [50, 45]}, new={"NL01": [None, "ABSENT"]}))
    assert (out["NEWLPROG"], out["OVRLRESP"]) == ("N", "SD")


# ---------------------------------------------------------------- layout of the output


def test_one_row_per_post_baseline_assessment_with_the_columns():
    tu, tr = lesions(targets={"T01": [50, 45, 40]}, nontargets={"NT01": ["PRESENT", "PRESENT", "PRESENT"]})
    out = derive_assessments(tu, tr, settings=RecistSettings())
    assert list(out.columns) == OUTPUT_COLUMNS
    assert out[["USUBJID", "TRLNKGRP", "VISITNUM", "VISIT"]].values.tolist() == [
        [SUBJ, "TA01", 2.0, "TUMOUR ASSESSMENT 1"],
        [SUBJ, "TA02", 3.0, "TUMOUR ASSESSMENT 2"],
    ]
    assert out["ADT"].dtype == "datetime64[ns]"
    assert out["ADT"].tolist() == [pd.Timestamp(DATES[1]), pd.Timestamp(DATES[2])]


def test_adt_is_the_earliest_complete_date():
    tu, tr = lesions(targets={"T01": [50, 45]}, nontargets={"NT01": ["PRESENT", "PRESENT"]})
    tr.loc[(tr["TRLNKGRP"] == "TA01") & (tr["TRLNKID"] == "T01"), "TRDTC"] = "2021-02"
    tr.loc[(tr["TRLNKGRP"] == "TA01") & (tr["TRLNKID"] == "NT01"), "TRDTC"] = "2021-02-18"
    out = derive_assessments(tu, tr, settings=RecistSettings()).iloc[0]
    assert (out["ADT"], out["ADTC"]) == (pd.Timestamp("2021-02-18"), "2021-02-18")
    assert "records of this assessment have different dates" in out["ISSUES"]


def test_partial_date_only_leaves_adt_missing():
    tu, tr = lesions(targets={"T01": [50, 45]})
    tr.loc[tr["TRLNKGRP"] == "TA01", "TRDTC"] = "2021-02"
    out = derive_assessments(tu, tr, settings=RecistSettings()).iloc[0]
    assert pd.isna(out["ADT"]) and out["ADTC"] == "2021-02"
    assert "no complete date (ADT missing)" in out["ISSUES"]


def test_subjects_are_kept_apart():
    tu1, tr1 = lesions(targets={"T01": [50, 30]}, subject="A")
    tu2, tr2 = lesions(targets={"T01": [20, 30]}, subject="B")
    out = derive_assessments(pd.concat([tu1, tu2]), pd.concat([tr1, tr2]), settings=RecistSettings())
    assert out.set_index("USUBJID")["TRGRESP"].to_dict() == {"A": "PR", "B": "PD"}


def test_duplicate_records_are_reported():
    tu, tr = lesions(targets={"T01": [50, 45]}, nontargets={"NT01": ["PRESENT", "PRESENT"]})
    dup = tr[(tr["TRLNKGRP"] == "TA01") & (tr["TRLNKID"] == "NT01")].assign(
        TRORRES="UNEQUIVOCAL PROGRESSION", TRSTRESC="UNEQUIVOCAL PROGRESSION"
    )
    out = derive_assessments(tu, pd.concat([tr, dup], ignore_index=True), settings=RecistSettings()).iloc[0]
    assert out["NTRGRESP"] == "PD"  # the worst kept
    assert "non-target NT01 has conflicting records (worst kept)" in out["ISSUES"]


def test_lesion_in_tr_but_not_in_tu_uses_trgrpid_and_is_reported():
    tu, tr = lesions(targets={"T01": [50, 45]}, nontargets={"NT01": ["PRESENT", "PRESENT"]})
    out = derive_assessments(tu[tu["TULNKID"] != "NT01"], tr, settings=RecistSettings()).iloc[0]
    assert out["NTRGRESP"] == "NON-CR/NON-PD"
    assert "lesion NT01 is in TR but not in TU (category NON-TARGET from TRGRPID)" in out["ISSUES"]


# ---------------------------------------------------------------- other layouts (pharmaverse)


def test_pharmaverse_layout_by_settings():
    """TRTESTCD LDIAM/LPERP, no TRLNKGRP (assessments by visit), TUMSTATE UNEQUIVOCAL, several evaluators."""
    tu = pd.DataFrame(
        {
            "USUBJID": ["P1"] * 3,
            "TULNKID": ["T01", "T02", "NT01"],
            "TUORRES": ["TARGET", "TARGET", "NON-TARGET"],
            "TULOC": ["LUNG", "LYMPH NODE", "BONE"],
            "TUEVAL": "INVESTIGATOR",
        }
    )
    rows = []
    for visitnum, visit, date, t1, t2_ld, t2_sa, nt in (
        (1, "SCREENING", "2014-01-02", 21, 33.3, 32, "PRESENT"),
        (2, "WEEK 3", "2014-01-23", 10, 12.0, 9, "PRESENT"),
        (3, "WEEK 6", "2014-02-13", 10, 12.0, 9, "UNEQUIVOCAL"),
    ):
        for lid, test, value in (
            ("T01", "LDIAM", t1),
            ("T01", "LPERP", t1 * 0.9),
            ("T02", "LDIAM", t2_ld),
            ("T02", "LPERP", t2_sa),
            ("NT01", "TUMSTATE", nt),
        ):
            rows.append(
                {
                    "USUBJID": "P1",
                    "TRGRPID": "NON-TARGET" if lid == "NT01" else "TARGET",
                    "TRLNKID": lid,
                    "TRTESTCD": test,
                    "TRORRES": str(value),
                    "TRSTRESC": str(value),
                    "VISITNUM": visitnum,
                    "VISIT": visit,
                    "TRDTC": date,
                    "TREVAL": "INVESTIGATOR",
                }
            )
    tr = pd.DataFrame(rows)
    tr_other = tr.assign(TREVAL="INDEPENDENT ASSESSOR", TRORRES="0", TRSTRESC="0")
    settings = RecistSettings(short_axis_testcd="LPERP")
    out = derive_assessments(tu, pd.concat([tr, tr_other]), settings=settings, evaluator="INVESTIGATOR")
    assert out["TRLNKGRP"].tolist() == [None, None]
    assert out["VISIT"].tolist() == ["WEEK 3", "WEEK 6"]
    assert out["BASESUM"].tolist() == [53.0, 53.0]
    assert out["SUMDIAM"].tolist() == [19.0, 19.0]
    assert out["TRGRESP"].tolist() == ["PR", "PR"]
    assert out["OVRLRESP"].tolist() == ["PR", "PD"]


def test_single_diameter_test_for_every_target():
    tu, tr = lesions(targets={"T01": [40, 20], "T02": [20, 10]}, nodal=("T02",))
    tr["TRTESTCD"] = "DIAMETER"
    out = derive_assessments(tu, tr, settings=RecistSettings(diameter_testcd="DIAMETER")).iloc[0]
    assert (out["SUMDIAM"], out["TRGRESP"]) == (30.0, "PR")


# ---------------------------------------------------------------- input checks


def test_missing_columns_are_named():
    tu, tr = lesions(targets={"T01": [50, 45]})
    with pytest.raises(
        RecistInputError, match=r"TR: missing column\(s\) TRTESTCD, TRORRES \(needed by the RECIST engine\)"
    ):
        derive_assessments(tu, tr.drop(columns=["TRTESTCD", "TRORRES"]), settings=RecistSettings())


def test_unknown_lesion_category_is_refused():
    tu, tr = lesions(targets={"T01": [50, 45]})
    tu.loc[0, "TUORRES"] = "MEASURABLE"
    with pytest.raises(
        RecistInputError, match="TU: TUORRES has value\\(s\\) 'MEASURABLE' that are not a lesion category"
    ):
        derive_assessments(tu, tr, settings=RecistSettings())


def test_several_evaluators_need_a_choice():
    tu, tr = lesions(targets={"T01": [50, 45]})  # TU names no evaluator: all its records count
    both = pd.concat([tr, tr.assign(TREVAL="INDEPENDENT ASSESSOR")])
    with pytest.raises(RecistInputError, match="TR: records from several evaluators .*pass evaluator= one of them"):
        derive_assessments(tu, both, settings=RecistSettings())
    with pytest.raises(RecistInputError, match="TR: no record of evaluator 'RADIOLOGIST 9'"):
        derive_assessments(tu, both, settings=RecistSettings(), evaluator="RADIOLOGIST 9")
    out = derive_assessments(tu, both, settings=RecistSettings(), evaluator="INVESTIGATOR")
    assert len(out) == 1


def test_assessment_needs_a_key():
    tu, tr = lesions(targets={"T01": [50, 45]})
    with pytest.raises(RecistInputError, match="TR: none of TRLNKGRP, VISITNUM, TRDTC is present"):
        derive_assessments(tu, tr.drop(columns=["TRLNKGRP", "VISITNUM", "TRDTC"]), settings=RecistSettings())


def test_inputs_are_not_modified():
    tu, tr = lesions(targets={"T01": [50, 45]})
    before_tu, before_tr = tu.copy(), tr.copy()
    derive_assessments(tu, tr, settings=RecistSettings())
    pd.testing.assert_frame_equal(tu, before_tu)
    pd.testing.assert_frame_equal(tr, before_tr)
