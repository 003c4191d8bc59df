"""What a recipe receives: the mapping of a dataset without the rejected rows, the datasets built so far."""

from __future__ import annotations

import pandas as pd
import pytest

from sdtm_builder.context import SdtmRun
from sdtm_builder.issues import IssueLog
from sdtm_builder.raw import RawData
from specs import model as m

SPEC = m.Spec(
    datasets=(m.Dataset("AE", "Adverse Events"),),
    variables=(m.Variable("AE", "AETERM", 1, "Reported Term", "text"),),
    mapping=(m.MappingRule("AE", "AETERM", "assign_no_ct", order=1, form="ae", field="TERM"),),
)
FORM = pd.DataFrame(
    {"TERM": [" Rash", "Cough", "Fever"], "_FORM": "ae", "_ROW": [1, 2, 3], "_SUBJECT": ["1", "1", "2"]}
)


def test_map_leaves_out_the_rejected_rows():
    rejected = pd.DataFrame({"_FORM": ["ae"], "_ROW": [2]})
    run = SdtmRun(RawData("raw", {"ae": FORM}), SPEC, IssueLog(), {}, "S", rejected=rejected)
    ae = run.map("AE")
    assert ae[["AETERM", "_ROW"]].values.tolist() == [["Rash", 1], ["Fever", 3]]


def test_a_dataset_not_built_yet_is_named():
    run = SdtmRun(RawData("raw", {"ae": FORM}), SPEC, IssueLog(), {}, "S")
    run.datasets["AE"] = run.map("AE")
    with pytest.raises(KeyError, match="DM is needed here but has not been built yet \\(built: AE\\)"):
        run.get("DM")
