"""A literal ADaM spec with the Analysis Results the report computes, and a small literal ADaM study."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from specs.model import AnalysisDisplay, AnalysisResult, Spec, Variable, WhereClause, WhereCondition

RATE = "Proportion of subjects with AVALC 'Y'; exact Clopper-Pearson interval."
KM = "Kaplan-Meier estimate of AVAL with CNSR 1 as censored."
FREQ = "Frequency of subjects by AVALC."


def _result(display: str, rid: str, variables: str, selection: str, documentation: str) -> AnalysisResult:
    return AnalysisResult(
        display=display,
        id=rid,
        description=rid,
        variables=tuple(v.strip() for v in variables.split(",")),
        selection_criteria=selection,
        documentation=documentation,
    )


RESULTS = (
    _result("T1", "AR.ORR", "ADRS.AVALC", "WC.AR.ORR", RATE),
    _result("T1", "AR.RSP", "ADRS.AVALC", "ADRS.PARAMCD EQ RSP AND ADRS.RSPEVLFL EQ Y", RATE),
    _result("T1", "AR.DCR", "ADRS.AVALC", "PARAMCD EQ CDCR AND RSPEVLFL EQ Y", RATE),
    _result("T1", "AR.DCRU", "ADRS.AVALC", "PARAMCD EQ DCR AND RSPEVLFL EQ Y", RATE),
    _result("T2", "AR.CBOR", "ADRS.AVALC", "PARAMCD EQ CBOR AND RSPEVLFL EQ Y", FREQ),
    _result("T2", "AR.BOR", "ADRS.AVALC", "PARAMCD EQ BOR AND RSPEVLFL EQ Y", FREQ),
    _result("F1", "AR.PFS", "ADTTE.AVAL, ADTTE.CNSR", "PARAMCD EQ PFS AND FASFL EQ Y", KM),
    _result("F1", "AR.OS", "ADTTE.AVAL, ADTTE.CNSR", "PARAMCD EQ OS AND FASFL EQ Y", KM),
    _result("F1", "AR.DOR", "ADTTE.AVAL, ADTTE.CNSR", "PARAMCD EQ DOR AND RSPEVLFL EQ Y", KM),
    _result("T3", "AR.TEAE", "ADAE.AEBODSYS, ADAE.AEDECOD, ADAE.ATOXGRN", "TRTEMFL EQ Y AND SAFFL EQ Y", FREQ),
)


def arm_spec(*results: AnalysisResult) -> Spec:
    """The literal ADaM spec: ADSL with its population flags, WC.AR.ORR, and `results` (default: RESULTS)."""
    flags = (
        ("FASFL", "Full Analysis Set Population Flag"),
        ("RSPEVLFL", "Response Evaluable Population Flag"),
        ("SAFFL", "Safety Population Flag"),
    )
    return Spec(
        variables=tuple(Variable("ADSL", name, order=i, label=label) for i, (name, label) in enumerate(flags, 1)),
        where_clauses=(
            WhereClause(
                "WC.AR.ORR",
                (WhereCondition("ADRS", "PARAMCD", "EQ", ("CRSP",)), WhereCondition("ADRS", "RSPEVLFL", "EQ", ("Y",))),
            ),
        ),
        analysis_displays=tuple(AnalysisDisplay(d, title=d) for d in ("T1", "T2", "F1", "T3")),
        analysis_results=results or RESULTS,
    )


def with_result(rid: str, **changes) -> Spec:
    """The literal spec with one result changed."""
    return arm_spec(*(replace(r, **changes) if r.id == rid else r for r in RESULTS))


def without(rid: str) -> Spec:
    return arm_spec(*(r for r in RESULTS if r.id != rid))


# subjects A-D are in every population; E is in the full analysis set and the safety population but has
# no measurable disease (not response evaluable); F is in no population
SUBJECTS = ["A", "B", "C", "D", "E", "F"]


def adsl() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": SUBJECTS,
            "FASFL": ["Y", "Y", "Y", "Y", "Y", "N"],
            "RSPEVLFL": ["Y", "Y", "Y", "Y", "N", "N"],
            "SAFFL": ["Y", "Y", "Y", "Y", "Y", "N"],
            "TRTSDT": pd.to_datetime(["2020-01-01"] * 6),
            "TRTEDT": pd.to_datetime(["2020-06-01"] * 6),
        }
    )


def adrs() -> pd.DataFrame:
    """Per-subject parameters; the population flags carried from ADSL."""
    rows = {
        "CBOR": ["PR", "SD", "PD", None, "NE", "CR"],
        "BOR": ["PR", "PR", "PD", None, "NE", "CR"],
        "CRSP": ["Y", "N", "N", None, "N", "Y"],
        "RSP": ["Y", "Y", "N", None, "N", "Y"],
        "CDCR": ["Y", "Y", "N", None, "N", "Y"],
        "DCR": ["Y", "Y", "N", None, "N", "Y"],
    }
    flags = adsl().set_index("USUBJID")
    frames = []
    for paramcd, values in rows.items():
        # D has no record of any parameter
        kept = [(s, v) for s, v in zip(SUBJECTS, values, strict=True) if v is not None]
        frame = pd.DataFrame({"USUBJID": [s for s, _ in kept], "PARAMCD": paramcd, "AVALC": [v for _, v in kept]})
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    for flag in ("FASFL", "RSPEVLFL", "SAFFL"):
        out[flag] = out["USUBJID"].map(flags[flag])
    out["ADY"] = 43.0
    return out


def adtte() -> pd.DataFrame:
    """PFS and OS for every subject, DOR for the confirmed responders (A; F is outside every population)."""
    rows = [
        ("PFS", "A", 300, 0),
        ("PFS", "B", 200, 0),
        ("PFS", "C", 100, 0),
        ("PFS", "D", 50, 1),
        ("PFS", "E", 150, 0),
        ("PFS", "F", 10, 0),
        ("OS", "A", 600, 1),
        ("OS", "B", 400, 0),
        ("OS", "C", 300, 0),
        ("OS", "D", 100, 1),
        ("OS", "E", 200, 0),
        ("OS", "F", 20, 0),
        ("DOR", "A", 250, 0),
        ("DOR", "F", 5, 1),
    ]
    frame = pd.DataFrame(rows, columns=["PARAMCD", "USUBJID", "AVAL", "CNSR"])
    frame["PARAM"] = frame["PARAMCD"].map(
        {"PFS": "Progression-Free Survival (days)", "OS": "Overall Survival", "DOR": "Duration of Response"}
    )
    frame["EVNTDESC"] = frame["CNSR"].map({0: "Event", 1: None})
    frame["CNSDTDSC"] = frame["CNSR"].map({0: None, 1: "Last contact"})
    flags = adsl().set_index("USUBJID")
    for flag in ("FASFL", "RSPEVLFL", "SAFFL"):
        frame[flag] = frame["USUBJID"].map(flags[flag])
    return frame


def adae() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "USUBJID": ["A", "A", "A", "B", "B", "C", "E", "F"],
            "AEBODSYS": ["Vascular disorders"] * 3
            + ["Vascular disorders", "Investigations", "Investigations", "Investigations", "Investigations"],
            "AEDECOD": [
                "Hypertension",
                "Hypertension",
                "Haemorrhage",
                "Hypertension",
                "ALT increased",
                "ALT increased",
                "ALT increased",
                "ALT increased",
            ],
            "ATOXGRN": [1, 3, 5, 2, 4, 1, 3, 2],
            "AESER": ["N", "N", "Y", "N", "N", "N", "N", "N"],
            "AEREL": [
                "RELATED",
                "RELATED",
                "NOT RELATED",
                "NOT RELATED",
                "RELATED",
                "NOT RELATED",
                "RELATED",
                "RELATED",
            ],
            "AEACN": ["DOSE NOT CHANGED"] * 4 + ["DRUG WITHDRAWN"] + ["DOSE NOT CHANGED"] * 3,
            "AEOUT": ["RECOVERED/RESOLVED"] * 2 + ["FATAL"] + ["RECOVERED/RESOLVED"] * 5,
            "TRTEMFL": ["Y", "Y", "Y", "Y", "Y", "N", "Y", "Y"],
        }
    )
    frame["SAFFL"] = frame["USUBJID"].map(adsl().set_index("USUBJID")["SAFFL"])
    return frame


def adtr() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": ["A", "A", "B", "B", "C", "E"],
            "PARAMCD": "SDIAM",
            "PCHG": [-40.0, -45.0, -10.0, -10.0, 25.0, 5.0],
            "ADY": [43.0, 85.0, 43.0, 43.0, 43.0, 43.0],
            "ABLFL": None,
            "DTYPE": [None, "MINIMUM", None, "MINIMUM", "MINIMUM", "MINIMUM"],
            "ANL01FL": "Y",
        }
    )


def study() -> dict[str, pd.DataFrame]:
    return {"ADSL": adsl(), "ADRS": adrs(), "ADTTE": adtte(), "ADTR": adtr(), "ADAE": adae()}


# the laboratory and vital sign parameters: PARAMCD -> (PARAMN, PARAM, direction, CTCAE term)
LAB_PARAMS = {
    "ALT": (1, "Alanine Aminotransferase (U/L)", "H", "Alanine aminotransferase increased"),
    "HGB": (2, "Hemoglobin (g/L)", "L", "Anemia"),
}
VS_PARAMS = {
    "SYSBP": (1, "Systolic Blood Pressure (mmHg)", "H", "Hypertension (systolic)"),
    "DIABP": (2, "Diastolic Blood Pressure (mmHg)", "H", "Hypertension (diastolic)"),
    "HR": (3, "Heart Rate (beats/min)", "H", None),
}


def _bds(rows: list[tuple], params: dict) -> pd.DataFrame:
    """A BDS frame from (USUBJID, PARAMCD, AVISIT, ABLFL, ONTRTFL, DTYPE, AVAL, grade) rows: the grade is
    ATOXGRL or ATOXGRH as the parameter's direction says; BTOXGRL / BTOXGRH and BASE are the subject's
    baseline record's (null when it has none); the flags carried from ADSL."""
    frame = pd.DataFrame(
        rows, columns=["USUBJID", "PARAMCD", "AVISIT", "ABLFL", "ONTRTFL", "DTYPE", "AVAL", "grade"]
    ).astype({"grade": "object"})
    frame["PARAMN"] = frame["PARAMCD"].map(lambda p: params[p][0])
    frame["PARAM"] = frame["PARAMCD"].map(lambda p: params[p][1])
    baseline = frame[frame["ABLFL"] == "Y"].set_index(["USUBJID", "PARAMCD"])
    keys = pd.MultiIndex.from_frame(frame[["USUBJID", "PARAMCD"]])
    frame["BASE"] = baseline["AVAL"].reindex(keys).to_numpy()
    base_grade = baseline["grade"].reindex(keys).to_numpy()
    for low_high in ("L", "H"):
        mine = frame["PARAMCD"].map(lambda p, d=low_high: params[p][2] == d and params[p][3] is not None)
        frame[f"ATOXDSC{low_high}"] = frame["PARAMCD"].map(lambda p: params[p][3]).where(mine, None)
        frame[f"ATOXGR{low_high}"] = frame["grade"].where(mine, None)
        frame[f"BTOXGR{low_high}"] = pd.Series(base_grade, index=frame.index).where(mine, None)
    frame["CHG"] = frame["AVAL"] - frame["BASE"]
    frame["SAFFL"] = frame["USUBJID"].map(adsl().set_index("USUBJID")["SAFFL"])
    frame["TRTA"] = "ANLOTINIB + TORIPALIMAB"
    frame["ANL01FL"] = frame["DTYPE"].map(lambda d: "Y" if d is None else None)
    return frame.drop(columns="grade")


def adlb() -> pd.DataFrame:
    """ALT (high: A worst 3 on treatment, 4 after it; B 1 -> 1; C without baseline, 2; D baseline only;
    E 2 -> 4; F outside the safety population) and HGB (low: A 0 -> 2; B 1 -> not gradable)."""
    rows = [
        ("A", "ALT", "BASELINE", "Y", None, None, 20.0, "0"),
        ("A", "ALT", "WEEK 3", None, "Y", None, 50.0, "1"),
        ("A", "ALT", "WEEK 6", None, "Y", None, 200.0, "3"),
        ("A", "ALT", "WEEK 6", None, "Y", "MAXIMUM", 200.0, "3"),
        ("A", "ALT", "WEEK 6", None, "Y", "MINIMUM", 50.0, "1"),
        ("A", "ALT", "FOLLOW-UP", None, None, None, 900.0, "4"),
        ("B", "ALT", "BASELINE", "Y", None, None, 60.0, "1"),
        ("B", "ALT", "WEEK 3", None, "Y", None, 70.0, "1"),
        ("B", "ALT", "WEEK 3", None, "Y", "MAXIMUM", 70.0, "1"),
        ("C", "ALT", "WEEK 3", None, "Y", None, 150.0, "2"),
        ("C", "ALT", "WEEK 3", None, "Y", "MAXIMUM", 150.0, "2"),
        ("D", "ALT", "BASELINE", "Y", None, None, 25.0, "0"),
        ("E", "ALT", "BASELINE", "Y", None, None, 130.0, "2"),
        ("E", "ALT", "WEEK 3", None, "Y", None, 800.0, "4"),
        ("E", "ALT", "WEEK 3", None, "Y", "MAXIMUM", 800.0, "4"),
        ("F", "ALT", "BASELINE", "Y", None, None, 20.0, "0"),
        ("F", "ALT", "WEEK 3", None, "Y", None, 900.0, "4"),
        ("A", "HGB", "BASELINE", "Y", None, None, 130.0, "0"),
        ("A", "HGB", "WEEK 3", None, "Y", None, 90.0, "2"),
        ("A", "HGB", "WEEK 3", None, "Y", "MINIMUM", 90.0, "2"),
        ("B", "HGB", "BASELINE", "Y", None, None, 110.0, "1"),
        ("B", "HGB", "WEEK 3", None, "Y", None, None, None),
    ]
    frame = _bds(rows, LAB_PARAMS)
    frame["PARCAT1"] = frame["PARAMCD"].map({"ALT": "CHEMISTRY", "HGB": "HEMATOLOGY"})
    return frame


def advs() -> pd.DataFrame:
    """SYSBP and DIABP graded as hypertension (A: baseline 1, worst 3 by DIABP; B: 3 -> 3; C: worst 2 by
    DIABP, 3 after treatment; D: no vital signs; E: 0 -> 1, no DIABP; F outside the safety population) and HR."""
    rows = [
        ("A", "SYSBP", "BASELINE", "Y", None, None, 130.0, "1"),
        ("A", "SYSBP", "WEEK 3", None, "Y", None, 150.0, "2"),
        ("A", "SYSBP", "WEEK 6", None, "Y", None, 145.0, "1"),
        ("A", "SYSBP", "WEEK 3", None, "Y", "MAXIMUM", 150.0, "2"),
        ("A", "DIABP", "BASELINE", "Y", None, None, 80.0, "0"),
        ("A", "DIABP", "WEEK 3", None, "Y", None, 105.0, "3"),
        ("A", "DIABP", "WEEK 3", None, "Y", "MAXIMUM", 105.0, "3"),
        ("B", "SYSBP", "BASELINE", "Y", None, None, 165.0, "3"),
        ("B", "SYSBP", "WEEK 3", None, "Y", None, 170.0, "3"),
        ("B", "DIABP", "BASELINE", "Y", None, None, 85.0, "1"),
        ("B", "DIABP", "WEEK 3", None, "Y", None, 88.0, "1"),
        ("C", "SYSBP", "BASELINE", "Y", None, None, 119.0, "0"),
        ("C", "SYSBP", "WEEK 3", None, "Y", None, 125.0, "0"),
        ("C", "SYSBP", "FOLLOW-UP", None, None, None, 185.0, "3"),
        ("C", "DIABP", "WEEK 3", None, "Y", None, 92.0, "2"),
        ("E", "SYSBP", "BASELINE", "Y", None, None, 120.0, "0"),
        ("E", "SYSBP", "WEEK 3", None, "Y", None, 135.0, "1"),
        ("E", "HR", "WEEK 3", None, "Y", None, 80.0, None),
        ("F", "SYSBP", "BASELINE", "Y", None, None, 120.0, "0"),
        ("F", "SYSBP", "WEEK 3", None, "Y", None, 190.0, "3"),
    ]
    return _bds(rows, VS_PARAMS)


def study_with_labs() -> dict[str, pd.DataFrame]:
    return {**study(), "ADLB": adlb(), "ADVS": advs()}
