"""adam_builder.build: each dataset of the built-in spec derived on a literal study of two or three subjects.

Each dataset gets literal SDTM frames, the ADaM datasets built before it and a small spec
naming the variables it must keep, whose methods (Expression Code) are those of the built-in
ADaM spec; the expected dataset is written by hand from the rules of the derivations the
methods chain (ADaMIG 1.3, ../shared/RECIST.md).
"""

from dataclasses import replace

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from adam_builder.build import build_adam
from adam_builder.common import single_term
from adam_builder.context import AdamRun
from specs import load_spec, study_workbook
from specs.config import AdamSettings
from specs.model import (
    Codelist,
    CodelistTerm,
    Dataset,
    Spec,
    ValueLevel,
    Variable,
    WhereClause,
    WhereCondition,
)

from .adtte_texts import TTE_CENSOR_DATES, TTE_EVENTS, described

DT = "datetime64[ns]"
BUILTIN = load_spec(study_workbook("adam")).spec


def with_builtin_methods(spec: Spec) -> Spec:
    """``spec`` whose variables take the origin, method and predecessor the built-in ADaM spec
    gives the same variable, with its methods, value-level rows and where clauses."""
    variables = []
    for var in spec.variables:
        try:
            builtin = BUILTIN.variable(var.dataset, var.name)
        except KeyError:
            variables.append(var)
            continue
        variables.append(
            replace(
                var,
                origin=builtin.origin,
                method=builtin.method,
                predecessor=var.predecessor or builtin.predecessor,
                assigned_value=builtin.assigned_value,
            )
        )
    names = {(v.dataset, v.name) for v in variables}
    own = {(r.dataset, r.variable, r.where_clause) for r in spec.value_level}
    value_level = spec.value_level + tuple(  # the built-in rows for their methods only
        replace(r, codelist=None)
        for r in BUILTIN.value_level
        if (r.dataset, r.variable) in names and (r.dataset, r.variable, r.where_clause) not in own
    )
    clauses = {w.id for w in spec.where_clauses}
    return replace(
        spec,
        variables=tuple(variables),
        methods=BUILTIN.methods,
        value_level=value_level,
        where_clauses=spec.where_clauses + tuple(w for w in BUILTIN.where_clauses if w.id not in clauses),
    )


def derive(run: AdamRun, name: str) -> pd.DataFrame:
    """Dataset ``name`` of ``run.spec`` (with the built-in methods) from ``run``'s SDTM and the
    datasets given to it; its issues and failures are added to ``run``'s."""
    result = build_adam(
        run.sdtm, spec=with_builtin_methods(run.spec), settings=run.settings, given=dict(run.datasets), only=(name,)
    )
    run.issues.extend({k: v for k, v in row.items() if k != "severity"} for row in result.issues.to_dict("records"))
    run.failures.append(result.failures)
    return result.datasets[name]


nan = np.nan
TEXT, NUM, DATE = "text", "float", "date"


def dates(*values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values, dtype=object)).to_numpy(dtype=DT)


def spec_of(dataset: str, keys: tuple[str, ...], variables: list, **parts) -> Spec:
    """``variables``: (name, kind), (name, kind, codelist) or (name, kind, codelist, predecessor);
    kind text, float or date (DATE9.)."""
    made = []
    for order, item in enumerate(variables, start=1):
        name, kind, codelist, predecessor = (*item, None, None)[:4]
        made.append(
            Variable(
                dataset,
                name,
                order=order,
                data_type="integer" if kind == DATE else kind,
                display_format="DATE9." if kind == DATE else None,
                codelist=codelist,
                predecessor=predecessor,
            )
        )
    return Spec(datasets=(Dataset(dataset, keys=keys),), variables=tuple(made), **parts)


def from_adsl(name: str, kind: str, codelist: str | None = None, *, source: str = "ADSL") -> tuple:
    """A variable the dataset takes from ADSL, declared as a real spec does: predecessor ADSL.name
    (or DM.name: DM reaches the analysis datasets through ADSL)."""
    return (name, kind, codelist, f"{source}.{name}")


# the dataset's identifiers, with the predecessors a real spec gives them
IDS = [from_adsl("STUDYID", TEXT, source="DM"), from_adsl("USUBJID", TEXT, source="DM")]


def decodes(codelist: str, pairs: dict) -> Codelist:
    return Codelist(codelist, terms=tuple(CodelistTerm(t, decoded_value=v) for t, v in pairs.items()))


def adsl_frame(**columns) -> pd.DataFrame:
    """A finished ADSL of S1 and S2 with the variables the recipes merge."""
    base = {
        "STUDYID": ["X", "X"],
        "USUBJID": ["S1", "S2"],
        "SUBJID": ["1", "2"],
        "SITEID": ["01", "01"],
        "AGE": [45.0, 67.0],
        "SEX": ["F", "M"],
        "RACE": ["ASIAN", "ASIAN"],
        "TRT01P": ["ANLO+TORI", "ANLO+TORI"],
        "TRT01A": ["ANLO+TORI", None],
        "TRTSDT": dates("2021-01-05", "2021-01-05"),
        "TRTEDT": dates("2021-03-01", "2021-04-01"),
        "SAFFL": ["Y", "Y"],
        "FASFL": ["Y", "Y"],
        "RSPEVLFL": ["Y", "N"],
        "DTHDT": dates(None, "2021-04-20"),
        "DCUTDT": dates("2021-09-30", "2021-09-30"),
        "LSTALVDT": dates("2021-06-10", "2021-04-20"),
        "NACTDT": dates(None, None),
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_build_adsl():
    dm = pd.DataFrame(
        {
            "STUDYID": ["X"] * 3,
            "USUBJID": ["S1", "S2", "S3"],
            "AGE": [45, 67, 30],
            "ARMCD": ["A", "A", None],
            "ARMNRS": [None, None, "SCREEN FAILURE"],
            "RFICDTC": ["2020-12-20", "2020-12-21", "2020-12-22"],
            "DTHDTC": [None, "2021-05-12", None],
        }
    )
    ex = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2"],
            "EXTRT": ["ANLOTINIB", "ANLOTINIB"],
            "EXDOSE": [12, 12],
            "EXSTDTC": ["2021-01-05", "2021-01-08"],
            "EXENDTC": ["2021-03-01", "2021-04-01"],
        }
    )
    ds = pd.DataFrame(
        {
            "USUBJID": ["S1", "S2", "S2", "S3"],
            "DSCAT": ["DISPOSITION EVENT"] * 4,
            "DSSCAT": ["END OF TREATMENT", "END OF TREATMENT", "END OF STUDY", "END OF STUDY"],
            "DSDECOD": ["PROGRESSIVE DISEASE", "ADVERSE EVENT", "DEATH", "SCREEN FAILURE"],
            "DSTERM": ["Progressive disease", "Adverse event", "Death", "Screen failure"],
            "DSSTDTC": ["2021-03-05", "2021-04-05", "2021-05-12", "2020-12-28"],
        }
    )
    sdtm = {
        "DM": dm,
        "EX": ex,
        "DS": ds,
        "TS": pd.DataFrame({"TSPARMCD": ["DCUTDTC"], "TSVAL": ["2021-09-30"]}),
        "TU": pd.DataFrame(
            {"USUBJID": ["S1"], "TUORRES": ["TARGET"], "TUEVAL": ["INVESTIGATOR"], "TUDTC": ["2021-01-02"]}
        ),
        "SV": pd.DataFrame({"USUBJID": ["S1", "S1"], "SVSTDTC": ["2021-01-05", "2021-06-10"]}),
        "CM": pd.DataFrame({"USUBJID": ["S1"], "CMCAT": ["SUBSEQUENT ANTI-CANCER THERAPY"], "CMSTDTC": ["2021-04-01"]}),
    }
    spec = spec_of(
        "ADSL",
        ("STUDYID", "USUBJID"),
        [
            ("STUDYID", TEXT),
            ("USUBJID", TEXT),
            ("AGE", NUM),
            ("AGEGR1", TEXT, "AGEGR1"),
            ("TRTSDT", DATE),
            ("TRTEDT", DATE),
            ("TRTDURD", NUM),
            ("SAFFL", TEXT),
            ("FASFL", TEXT),
            ("RSPEVLFL", TEXT),
            ("EOTSTT", TEXT),
            ("EOSSTT", TEXT),
            ("EOSDT", DATE),
            ("DCUTDT", DATE),
            ("LSTALVDT", DATE),
            ("DTHDT", DATE),
            ("DTHFL", TEXT),
            ("DTHCAUS", TEXT),
            ("NACTDT", DATE),
            ("RFICDT", DATE),
        ],
        codelists=(Codelist("AGEGR1", terms=(CodelistTerm("<65"), CodelistTerm(">=65"))),),
    )
    run = AdamRun(sdtm=sdtm, spec=spec, settings=AdamSettings())
    out = derive(run, "ADSL")
    expected = pd.DataFrame(
        {
            "STUDYID": ["X"] * 3,
            "USUBJID": ["S1", "S2", "S3"],
            "AGE": [45.0, 67.0, 30.0],
            "AGEGR1": ["<65", ">=65", "<65"],
            "TRTSDT": dates("2021-01-05", "2021-01-08", None),
            "TRTEDT": dates("2021-03-01", "2021-04-01", None),
            "TRTDURD": [56.0, 84.0, nan],
            "SAFFL": ["Y", "Y", "N"],
            "FASFL": ["Y", "Y", "N"],
            "RSPEVLFL": ["Y", "N", "N"],
            "EOTSTT": ["DISCONTINUED", "DISCONTINUED", None],  # S3 never treated
            "EOSSTT": ["ONGOING", "DISCONTINUED", "DISCONTINUED"],
            "EOSDT": dates(None, "2021-05-12", "2020-12-28"),
            "DCUTDT": dates("2021-09-30", "2021-09-30", "2021-09-30"),
            # S1: the last visit; S2: the death date; S3: the screen-failure record
            "LSTALVDT": dates("2021-06-10", "2021-05-12", "2020-12-28"),
            "DTHDT": dates(None, "2021-05-12", None),
            "DTHFL": [None, "Y", None],
            "DTHCAUS": [None, "DEATH", None],  # no DD nor fatal AE: the DS death record's term
            "NACTDT": dates("2021-04-01", None, None),
            "RFICDT": dates("2020-12-20", "2020-12-21", "2020-12-22"),
        }
    )
    assert_frame_equal(out, expected)
    assert all(f.empty for f in run.failures)


def test_build_adae():
    ae = pd.DataFrame(
        {
            "STUDYID": ["X"] * 4,
            "USUBJID": ["S1", "S1", "S1", "S2"],
            "AESEQ": [1, 2, 3, 1],
            "AEDECOD": ["HYPERTENSION", "DIARRHOEA", "RASH", "FATIGUE"],
            "AEBODSYS": ["VASCULAR DISORDERS", "GASTROINTESTINAL DISORDERS", "SKIN DISORDERS", "GENERAL DISORDERS"],
            "AESTDTC": ["2021-01", "2021-04-15", "2020-12-20", "2021-02-01"],
            "AEENDTC": ["2021-01-20", "", "2020-12-30", None],
            "AETOXGR": ["3", "2", "1", "1"],
        }
    )
    supp = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S1"],
            "IDVAR": ["AESEQ"] * 3,  # record-level qualifiers: joined by AESEQ
            "IDVARVAL": ["1", "1", "2"],
            "QNAM": ["AERELAN", "AERELTR", "AERELAN"],
            "QVAL": ["RELATED", "NOT RELATED", "NOT RELATED"],
        }
    )
    spec = spec_of(
        "ADAE",
        ("STUDYID", "USUBJID", "AESEQ"),
        [
            *IDS,
            ("AESEQ", NUM),
            ("AEDECOD", TEXT),
            ("AERELAN", TEXT),
            ("AERELTR", TEXT),
            from_adsl("TRT01A", TEXT),
            ("TRTA", TEXT),
            from_adsl("TRTSDT", DATE),
            from_adsl("TRTEDT", DATE),
            ("ASTDT", DATE),
            ("ASTDTF", TEXT),
            ("ASTDY", NUM),
            ("AENDT", DATE),
            ("TRTEMFL", TEXT),
            ("ATOXGRN", NUM),
            ("RELANFL", TEXT),
            ("RELTRFL", TEXT),
            ("AOCC01FL", TEXT),
        ],
    )
    adsl = adsl_frame(TRTSDT=dates("2021-01-05", None), TRTEDT=dates("2021-03-01", None), DTHDT=dates(None, None))
    run = AdamRun(sdtm={"AE": ae, "SUPPAE": supp}, spec=spec, settings=AdamSettings(), datasets={"ADSL": adsl})
    out = derive(run, "ADAE")
    expected = pd.DataFrame(
        {
            "STUDYID": ["X"] * 4,
            "USUBJID": ["S1", "S1", "S1", "S2"],
            "AESEQ": [1.0, 2.0, 3.0, 1.0],
            "AEDECOD": ["HYPERTENSION", "DIARRHOEA", "RASH", "FATIGUE"],
            "AERELAN": ["RELATED", "NOT RELATED", None, None],
            "AERELTR": ["NOT RELATED", None, None, None],
            "TRT01A": ["ANLO+TORI", "ANLO+TORI", "ANLO+TORI", None],
            "TRTA": ["ANLO+TORI", "ANLO+TORI", "ANLO+TORI", None],
            "TRTSDT": dates("2021-01-05", "2021-01-05", "2021-01-05", None),
            "TRTEDT": dates("2021-03-01", "2021-03-01", "2021-03-01", None),
            "ASTDT": dates("2021-01-05", "2021-04-15", "2020-12-20", "2021-02-01"),
            "ASTDTF": ["D", None, None, None],
            "ASTDY": [1.0, 101.0, -16.0, nan],
            "AENDT": dates("2021-01-20", None, "2020-12-30", None),
            # after last dose + 30 days; before first dose; a subject never dosed
            "TRTEMFL": ["Y", None, None, None],
            "ATOXGRN": [3.0, 2.0, 1.0, 1.0],
            "RELANFL": ["Y", None, None, None],
            "RELTRFL": [None, None, None, None],
            "AOCC01FL": ["Y", None, None, None],
        }
    )
    assert_frame_equal(out, expected)


ADRS_CODES = {
    "OVR": "Overall Response",
    "OVRC": "Overall Response (computed)",
    "BOR": "Best Overall Response",
    "CBOR": "Confirmed Best Overall Response",
    "RSP": "Responder",
    "CRSP": "Confirmed Responder",
    "DCR": "Disease Control",
    "CDCR": "Confirmed Disease Control",
    "PD": "Disease Progression",
    "DEATH": "Death",
    "LSTA": "Last Disease Assessment",
    "MDIS": "Measurable Disease at Baseline",
}


def tumour_data():
    tu = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1"],
            "TULNKID": ["T01", "T02"],
            "TUORRES": ["TARGET", "TARGET"],
            "TULOC": ["LUNG", "LIVER"],
            "TUEVAL": ["INVESTIGATOR"] * 2,
            "TUDTC": ["2021-01-02"] * 2,
        }
    )
    tr = pd.DataFrame(
        {
            "USUBJID": ["S1"] * 6,
            "TRSEQ": [1, 2, 3, 4, 5, 6],
            "TRLNKID": ["T01", "T02", "T01", "T02", "T01", "T02"],
            "TRTESTCD": ["LDIAM"] * 6,
            "TRORRES": ["30", "10", "20", "10", "20", None],
            "TRSTRESC": ["30", "10", "20", "10", "20", None],
            "TRSTRESN": [30.0, 10.0, 20.0, 10.0, 20.0, nan],
            "TRSTAT": [None, None, None, None, None, "NOT DONE"],
            "TREVAL": ["INVESTIGATOR"] * 6,
            "VISIT": ["SCREENING", "SCREENING", "WEEK 6", "WEEK 6", "WEEK 12", "WEEK 12"],
            "VISITNUM": [1, 1, 2, 2, 3, 3],
            "TRDTC": ["2021-01-02", "2021-01-02", "2021-02-16", "2021-02-16", "2021-03-30", "2021-03-30"],
        }
    )
    return tu, tr


def test_build_adrs():
    rs = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2", "S2"],
            "RSSEQ": [1, 2, 1, 2],
            "RSTESTCD": ["OVRLRESP"] * 4,
            "RSEVAL": ["INVESTIGATOR"] * 4,
            "RSSTRESC": ["PR", "PR", "SD", "PD"],
            "RSDTC": ["2021-02-16", "2021-03-30", "2021-02-16", "2021-03-30"],
            "VISIT": ["WEEK 6", "WEEK 12", "WEEK 6", "WEEK 12"],
            "VISITNUM": [2, 3, 2, 3],
        }
    )
    tu, tr = tumour_data()
    tr = tr.assign(
        TRORRES=["30", "10", "20", "0", "20", "0"], TRSTRESC=None, TRSTRESN=[30.0, 10, 20, 0, 20, 0], TRSTAT=None
    )
    spec = spec_of(
        "ADRS",
        ("STUDYID", "USUBJID", "PARAMCD", "PARCAT2", "ADT"),
        [
            *IDS,
            from_adsl("TRTSDT", DATE),
            ("PARAMCD", TEXT, "PARAMCD"),
            ("PARAM", TEXT),
            ("PARCAT1", TEXT, "PARCAT1"),
            ("PARCAT2", TEXT),
            ("AVALC", TEXT),
            ("AVAL", NUM),
            ("ADT", DATE),
            ("ADY", NUM),
            ("ANL01FL", TEXT),
            ("ANL02FL", TEXT),
        ],
        codelists=(
            decodes("PARAMCD", ADRS_CODES),
            Codelist("PARCAT1", terms=(CodelistTerm("TUMOR RESPONSE"),)),
            decodes(
                "RSPN", {"1": "CR", "2": "PR", "3": "SD", "4": "NON-CR/NON-PD", "5": "PD", "6": "NE", "7": "MISSING"}
            ),
        ),
        value_level=(ValueLevel("ADRS", "AVAL", "WC.BOR", codelist="RSPN"),),
        where_clauses=(WhereClause("WC.BOR", (WhereCondition("ADRS", "PARAMCD", "IN", ("BOR", "CBOR")),)),),
    )
    run = AdamRun(
        sdtm={"RS": rs, "TU": tu, "TR": tr}, spec=spec, settings=AdamSettings(), datasets={"ADSL": adsl_frame()}
    )
    out = derive(run, "ADRS")
    inv, cmp = "INVESTIGATOR", "COMPUTED"
    rows = [
        # USUBJID, PARAMCD, PARCAT2, AVALC, AVAL, ADT, ADY, ANL01FL, ANL02FL
        ("S1", "BOR", inv, "PR", 2.0, "2021-02-16", 43.0, None, None),
        ("S1", "CBOR", inv, "PR", 2.0, "2021-02-16", 43.0, None, None),
        ("S1", "CDCR", inv, "Y", nan, "2021-02-16", 43.0, None, None),
        ("S1", "CRSP", inv, "Y", nan, "2021-02-16", 43.0, None, None),
        ("S1", "DCR", inv, "Y", nan, "2021-02-16", 43.0, None, None),
        ("S1", "DEATH", None, "N", nan, None, nan, None, None),
        ("S1", "LSTA", inv, "PR", nan, "2021-03-30", 85.0, None, None),
        ("S1", "MDIS", inv, "Y", nan, None, nan, None, None),
        # the engine: 30 + 10 at baseline, 20 + 0 = -50%: PR at both assessments
        ("S1", "OVR", inv, "PR", nan, "2021-02-16", 43.0, "Y", "Y"),
        ("S1", "OVR", inv, "PR", nan, "2021-03-30", 85.0, "Y", "Y"),
        ("S1", "OVRC", cmp, "PR", nan, "2021-02-16", 43.0, "Y", "Y"),
        ("S1", "OVRC", cmp, "PR", nan, "2021-03-30", 85.0, "Y", "Y"),
        ("S1", "PD", inv, "N", nan, None, nan, None, None),
        ("S1", "RSP", inv, "Y", nan, "2021-02-16", 43.0, None, None),
        ("S2", "BOR", inv, "SD", 3.0, "2021-02-16", 43.0, None, None),
        ("S2", "CBOR", inv, "SD", 3.0, "2021-02-16", 43.0, None, None),
        ("S2", "CDCR", inv, "Y", nan, "2021-02-16", 43.0, None, None),
        ("S2", "CRSP", inv, "N", nan, None, nan, None, None),
        ("S2", "DCR", inv, "Y", nan, "2021-02-16", 43.0, None, None),
        ("S2", "DEATH", None, "Y", nan, "2021-04-20", 106.0, None, None),
        ("S2", "LSTA", inv, "PD", nan, "2021-03-30", 85.0, None, None),
        ("S2", "MDIS", inv, "N", nan, None, nan, None, None),
        ("S2", "OVR", inv, "SD", nan, "2021-02-16", 43.0, "Y", "Y"),
        ("S2", "OVR", inv, "PD", nan, "2021-03-30", 85.0, "Y", "Y"),
        ("S2", "PD", inv, "Y", nan, "2021-03-30", 85.0, None, None),
        ("S2", "RSP", inv, "N", nan, None, nan, None, None),
    ]
    columns = ["USUBJID", "PARAMCD", "PARCAT2", "AVALC", "AVAL", "ADT", "ADY", "ANL01FL", "ANL02FL"]
    expected = pd.DataFrame(rows, columns=columns).assign(ADT=lambda f: dates(*f["ADT"]))
    assert_frame_equal(out[columns], expected)
    assert out["PARCAT1"].eq("TUMOR RESPONSE").all()
    assert out.loc[out["PARAMCD"] == "CBOR", "PARAM"].tolist() == ["Confirmed Best Overall Response"] * 2
    assert run.issues == []


def test_build_adrs_lists_a_pr_after_a_cr():
    rs = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1"],
            "RSTESTCD": ["OVRLRESP"] * 2,
            "RSSTRESC": ["CR", "PR"],
            "RSDTC": ["2021-02-16", "2021-03-30"],
        }
    )
    spec = spec_of(
        "ADRS",
        ("USUBJID", "PARAMCD", "ADT"),
        [
            ("USUBJID", TEXT),
            from_adsl("TRTSDT", DATE),
            ("PARAMCD", TEXT, "PARAMCD"),
            ("AVALC", TEXT),
            ("ANL01FL", TEXT),
            ("ANL02FL", TEXT),
        ],
        codelists=(decodes("PARAMCD", ADRS_CODES),),
    )
    run = AdamRun(sdtm={"RS": rs}, spec=spec, settings=AdamSettings(), datasets={"ADSL": adsl_frame().iloc[[0]]})
    derive(run, "ADRS")
    # without TU and TR the computed response and MDIS are not derived, and the report says so
    assert [i["message"] for i in run.issues if i["kind"] == "not derived"] == [
        "MT.OVRC (Methods row 28): create_computed_records not run: the SDTM folder has no TU, TR",
        "MT.MDIS (Methods row 36): derive_param_mdis not run: the SDTM folder has no TU",
    ]
    assert [i for i in run.issues if i["kind"] != "not derived"] == [
        {
            "dataset": "ADRS",
            "USUBJID": "S1",
            "kind": "PR after CR",
            "message": "overall response PR on 2021-03-30 after CR on 2021-02-16 without progression: "
            "check the assessments (BOR derived as recorded)",
        }
    ]


def test_single_term_of_a_variable_codelist():
    spec = Spec(
        datasets=(Dataset("ADRS"), Dataset("ADTTE")),
        variables=(
            Variable("ADRS", "PARCAT1", codelist="ONE"),
            Variable("ADRS", "PARCAT2", codelist="TWO"),
            Variable("ADRS", "PARCAT3"),
            Variable("ADTTE", "AVALU", codelist="ONE"),
            Variable("ADTTE", "PARCAT1", codelist="UNKNOWN"),
        ),
        codelists=(
            Codelist("ONE", terms=(CodelistTerm("DAYS"),)),
            Codelist("TWO", terms=(CodelistTerm("A"), CodelistTerm("B"))),
        ),
    )
    assert single_term(spec, "ADRS", "PARCAT1") == "DAYS"
    assert single_term(spec, "ADRS", "PARCAT2") is None  # two terms
    assert single_term(spec, "ADRS", "PARCAT3") is None  # no codelist
    assert single_term(spec, "ADTTE", "AVALU") == "DAYS"
    assert single_term(spec, "ADTTE", "PARCAT1") is None  # a codelist the spec lacks


def test_build_adtr():
    tu, tr = tumour_data()
    adrs = pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": ["PD"], "AVALC": ["N"], "ADT": dates(None)})
    spec = spec_of(
        "ADTR",
        ("STUDYID", "USUBJID", "PARAMCD", "ADT", "DTYPE"),
        [
            *IDS,
            from_adsl("TRTSDT", DATE),
            ("PARAMCD", TEXT, "PARAMCD"),
            ("PARAM", TEXT),
            ("AVAL", NUM),
            ("ADT", DATE),
            ("ADY", NUM),
            ("AVISIT", TEXT),
            ("AVISITN", NUM),
            ("ABLFL", TEXT),
            ("BASE", NUM),
            ("CHG", NUM),
            ("PCHG", NUM),
            ("ANL01FL", TEXT),
            ("DTYPE", TEXT),
        ],
        codelists=(decodes("PARAMCD", {"LDIAM1": "Lesion 1", "LDIAM2": "Lesion 2", "SDIAM": "Sum of Diameters"}),),
    )
    run = AdamRun(
        sdtm={"TU": tu, "TR": tr},
        spec=spec,
        settings=AdamSettings(),
        datasets={"ADSL": adsl_frame().iloc[[0]], "ADRS": adrs},
    )
    out = derive(run, "ADTR")
    bl, w6, w12 = "2021-01-02", "2021-02-16", "2021-03-30"
    rows = [
        # PARAMCD, AVAL, ADT, ADY, AVISIT, AVISITN, ABLFL, BASE, CHG, PCHG, DTYPE
        ("LDIAM1", 30.0, bl, -3.0, "BASELINE", 0.0, "Y", 30.0, nan, nan, None),
        ("LDIAM1", 20.0, w6, 43.0, "WEEK 6", 2.0, None, 30.0, -10.0, -100 / 3, None),
        ("LDIAM1", 20.0, w12, 85.0, "WEEK 12", 3.0, None, 30.0, -10.0, -100 / 3, None),
        ("LDIAM2", 10.0, bl, -3.0, "BASELINE", 0.0, "Y", 10.0, nan, nan, None),
        ("LDIAM2", 10.0, w6, 43.0, "WEEK 6", 2.0, None, 10.0, 0.0, 0.0, None),
        ("SDIAM", 40.0, bl, -3.0, "BASELINE", 0.0, "Y", 40.0, nan, nan, None),
        # keys sort a missing DTYPE last: the derived record comes first on its date
        ("SDIAM", 30.0, w6, 43.0, "BEST RESPONSE", 999.0, None, 40.0, -10.0, -25.0, "MINIMUM"),
        ("SDIAM", 30.0, w6, 43.0, "WEEK 6", 2.0, None, 40.0, -10.0, -25.0, None),
    ]
    columns = ["PARAMCD", "AVAL", "ADT", "ADY", "AVISIT", "AVISITN", "ABLFL", "BASE", "CHG", "PCHG", "DTYPE"]
    expected = pd.DataFrame(rows, columns=columns).assign(ADT=lambda f: dates(*f["ADT"]))
    assert_frame_equal(out[columns], expected)
    assert out["ANL01FL"].eq("Y").all()
    assert out["PARAM"].tolist()[:2] == ["Lesion 1", "Lesion 1"]
    # the lesion not done at week 12 and the sum it leaves incomplete are listed, not kept
    assert [(i["USUBJID"], i["kind"], i["message"]) for i in run.issues] == [
        ("S1", "not evaluable", "LDIAM2 on 2021-03-30 has no value (a target lesion not assessed); record left out"),
        ("S1", "not evaluable", "SDIAM on 2021-03-30 has no value (a target lesion not assessed); record left out"),
    ]


def test_build_adtte():
    adrs = pd.DataFrame(
        {
            "USUBJID": ["S1", "S1", "S2", "S2", "S1", "S2", "S1", "S2"],
            "PARAMCD": ["OVR", "OVR", "OVR", "OVR", "CBOR", "CBOR", "CRSP", "CRSP"],
            "AVALC": ["PR", "PR", "SD", "PD", "PR", "SD", "Y", "N"],
            "ADT": dates(
                "2021-02-16", "2021-03-30", "2021-02-16", "2021-03-30", "2021-02-16", "2021-02-16", "2021-02-16", None
            ),
            "ANL01FL": ["Y", "Y", "Y", "Y", None, None, None, None],
            "ASEQ": [1.0, 2.0, 1.0, 2.0, 3.0, 3.0, 4.0, 4.0],
        }
    )
    spec = spec_of(
        "ADTTE",
        ("STUDYID", "USUBJID", "PARAMCD"),
        [
            *IDS,
            ("PARAMCD", TEXT, "PARAMCD"),
            ("PARAM", TEXT),
            ("AVAL", NUM),
            ("AVALU", TEXT, "UNIT"),
            ("CNSR", NUM),
            ("STARTDT", DATE),
            ("ADT", DATE),
            ("EVNTDESC", TEXT, "EVNTDESC"),
            ("CNSDTDSC", TEXT, "CNSDTDSC"),
            from_adsl("SEX", TEXT),
        ],
        codelists=(
            decodes(
                "PARAMCD", {"PFS": "Progression-Free Survival", "OS": "Overall Survival", "DOR": "Duration of Response"}
            ),
            Codelist("UNIT", terms=(CodelistTerm("DAYS"),)),
            described("EVNTDESC", TTE_EVENTS),
            described("CNSDTDSC", TTE_CENSOR_DATES),
        ),
    )
    run = AdamRun(sdtm={}, spec=spec, settings=AdamSettings(), datasets={"ADSL": adsl_frame(), "ADRS": adrs})
    out = derive(run, "ADTTE")
    start, w6, w12 = "2021-01-05", "2021-02-16", "2021-03-30"
    rows = [
        # USUBJID, PARAMCD, PARAM, AVAL, CNSR, STARTDT, ADT, EVNTDESC
        ("S1", "DOR", "Duration of Response", 43.0, 1.0, w6, w12, "Last adequate assessment"),
        ("S1", "OS", "Overall Survival", 157.0, 1.0, start, "2021-06-10", "Last known alive"),
        ("S1", "PFS", "Progression-Free Survival", 85.0, 1.0, start, w12, "Last adequate assessment"),
        ("S2", "OS", "Overall Survival", 106.0, 0.0, start, "2021-04-20", "Death"),
        ("S2", "PFS", "Progression-Free Survival", 85.0, 0.0, start, w12, "Disease progression"),
    ]
    columns = ["USUBJID", "PARAMCD", "PARAM", "AVAL", "CNSR", "STARTDT", "ADT", "EVNTDESC"]
    expected = pd.DataFrame(rows, columns=columns).assign(
        STARTDT=lambda f: dates(*f["STARTDT"]), ADT=lambda f: dates(*f["ADT"])
    )
    assert_frame_equal(out[columns], expected)
    assert out["AVALU"].eq("DAYS").all()
    assert out["SEX"].tolist() == ["F", "F", "F", "M", "M"]
