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
