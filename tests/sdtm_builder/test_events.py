"""The AE and SV derivations beyond the mapping."""

from __future__ import annotations

import pandas as pd

from sdtm_builder.recipes.events import derive_var_any_related, derive_var_single_action
from specs import model as m


def test_ae_single_action_and_any_relationship():
    ae = pd.DataFrame(
        {
            "A": ["DOSE REDUCED", "DRUG WITHDRAWN", "NOT APPLICABLE", "NOT APPLICABLE", None],
            "B": ["DOSE REDUCED", "DOSE NOT CHANGED", "DRUG INTERRUPTED", "NOT APPLICABLE", None],
        }
    )
    assert derive_var_single_action(ae, per_drug=["A", "B"])["AEACN"].tolist() == [
        "DOSE REDUCED",
        "MULTIPLE",
        "DRUG INTERRUPTED",
        "NOT APPLICABLE",
        None,
    ]
    rel = m.Codelist(
        "REL",
        "Rel",
        terms=(m.CodelistTerm("NOT RELATED"), m.CodelistTerm("POSSIBLY RELATED"), m.CodelistTerm("RELATED")),
    )
    rels = pd.DataFrame({"A": ["NOT RELATED", "RELATED", None], "B": ["POSSIBLY RELATED", "NOT RELATED", None]})
    assert derive_var_any_related(rels, per_drug=["A", "B"], codelist=rel)["AEREL"].tolist() == [
        "POSSIBLY RELATED",
        "RELATED",
        None,
    ]


def test_sv_marks_the_planned_visits_and_keeps_occurrence_for_them_only():
    from sdtm_builder.context import SdtmRun
    from sdtm_builder.issues import IssueLog
    from sdtm_builder.raw import RawData
    from sdtm_builder.recipes.events import build_sv

    spec = m.Spec(
        datasets=(m.Dataset("SV", "Subject Visits"),),
        variables=tuple(
            m.Variable("SV", name, k, name, "text") for k, name in enumerate(("VISIT", "SVPRESP", "SVOCCUR"), 1)
        ),
        mapping=(
            m.MappingRule("SV", "VISIT", "assign_no_ct", order=1, form="sv", field="VISIT"),
            m.MappingRule("SV", "SVOCCUR", "assign_no_ct", order=2, form="sv", field="DONE"),
        ),
    )
    form = pd.DataFrame(
        {"VISIT": ["WEEK 2", "UNSCHEDULED"], "DONE": ["N", "Y"], "_FORM": "sv", "_ROW": [1, 2], "_SUBJECT": "1"}
    )
    run = SdtmRun(RawData("raw", {"sv": form}), spec, IssueLog(), {}, "S")
    run.datasets["TV"] = pd.DataFrame({"VISITNUM": [2.0], "VISIT": ["WEEK 2"]})
    sv = build_sv(run)
    assert sv[["VISIT", "SVPRESP", "SVOCCUR"]].values.tolist() == [["WEEK 2", "Y", "N"], ["UNSCHEDULED", None, None]]
