"""What the ADaM datasets take from the spec: ADSL variables by predecessor, SUPP-- qualifiers, single terms."""

import pandas as pd
import pytest

from adam_builder.common import AdamInputError, derive_vars_supp, single_term
from specs.model import Codelist, CodelistTerm, Spec, Variable


def spec_of(*variables):
    return Spec(
        variables=tuple(Variable("ADXX", name, order=i, predecessor=p) for i, (name, p) in enumerate(variables))
    )


def test_supp_qualifiers_join_by_subject_or_by_their_idvar():
    supp = pd.DataFrame(
        {
            "RDOMAIN": ["AE", "AE", "AE", "AE"],
            "USUBJID": ["S1", "S1", "S2", "S1"],
            "IDVAR": ["AESEQ", "AESEQ", "AESEQ", None],
            "IDVARVAL": ["2", "1", "1", None],
            "QNAM": ["AERELAN", "AERELAN", "AERELAN", "HISTOL"],
            "QVAL": ["RELATED", "NOT RELATED", "POSSIBLY RELATED", "ADENOCARCINOMA"],
        }
    )
    ae = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S3"], "AESEQ": [1.0, 2.0, 1.0, 1.0]})
    out = derive_vars_supp(ae, supp=supp, names=["AERELAN", "HISTOL"])
    assert list(out["AERELAN"]) == ["NOT RELATED", "RELATED", "POSSIBLY RELATED", None]
    assert list(out["HISTOL"]) == ["ADENOCARCINOMA", "ADENOCARCINOMA", None, None]


def test_supp_qualifier_of_a_variable_the_dataset_lacks_is_an_error():
    supp = pd.DataFrame(
        {"RDOMAIN": ["AE"], "USUBJID": ["S1"], "IDVAR": ["AESEQ"], "IDVARVAL": ["1"], "QNAM": ["X"], "QVAL": ["v"]}
    )
    with pytest.raises(AdamInputError, match="missing column.*AESEQ"):
        derive_vars_supp(pd.DataFrame({"USUBJID": ["S1"]}), supp=supp, names=["X"])


def test_single_term_of_a_codelist():
    spec = Spec(
        variables=(Variable("ADXX", "AVALU", codelist="U"), Variable("ADXX", "PARCAT1", codelist="P")),
        codelists=(
            Codelist("U", terms=(CodelistTerm("DAYS"),)),
            Codelist("P", terms=(CodelistTerm("A"), CodelistTerm("B"))),
        ),
    )
    assert single_term(spec, "ADXX", "AVALU") == "DAYS"
    assert single_term(spec, "ADXX", "PARCAT1") is None


def test_merge_columns_adds_adsl_columns_under_the_names_given():
    from adam_builder.context import AdamRun
    from specs.config import AdamSettings

    adsl = pd.DataFrame({"USUBJID": ["S1", "S2"], "STUDYID": ["ST", "ST"], "TRT01P": ["A", "B"]})
    run = AdamRun(sdtm={}, spec=Spec(), settings=AdamSettings(), datasets={"ADSL": adsl})
    frame = pd.DataFrame({"USUBJID": ["S2", "S1", "S3"], "AVAL": [1.0, 2.0, 3.0]})
    out = run.merge_columns(frame, {"STUDYID": "STUDYID", "TRTP": "TRT01P"}, dataset="ADXX")
    assert list(out.columns) == ["USUBJID", "AVAL", "STUDYID", "TRTP"]
    assert out["TRTP"].tolist()[:2] == ["B", "A"]
    assert out["TRTP"].isna().tolist() == [False, False, True]
    with pytest.raises(AdamInputError, match=r"ADXX: ADSL has no variable for ADXX\.RACE \(predecessor ADSL\.RACE\)"):
        run.merge_columns(frame, {"RACE": "RACE"}, dataset="ADXX")
