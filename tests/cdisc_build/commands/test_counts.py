"""What the sdtm and adam stages found, as the exit status counts it."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from cdisc_build.commands.adam import adam_count
from cdisc_build.commands.sdtm import sdtm_count
from cdisc_build.outcome import StageCount


def test_sdtm_counts_issues_failures_and_a_ledger_that_does_not_balance():
    result = SimpleNamespace(
        issues=pd.DataFrame({"severity": ["error", "warning", "warning"]}),
        failures=pd.DataFrame({"severity": ["error"]}),
        ledger=pd.DataFrame({"form": ["dm", "ae", "cm"], "balanced": [True, False, False]}),
    )
    assert sdtm_count(result) == StageCount("sdtm", 4, 2)


def test_sdtm_with_an_empty_ledger():
    result = SimpleNamespace(issues=pd.DataFrame(), failures=pd.DataFrame(), ledger=pd.DataFrame())
    assert sdtm_count(result) == StageCount("sdtm", 0, 0)


def test_adam_counts_issues_and_schema_failures():
    result = SimpleNamespace(
        issues=pd.DataFrame({"severity": ["warning"]}), failures=pd.DataFrame({"severity": ["error", "error"]})
    )
    assert adam_count(result) == StageCount("adam", 2, 1)
