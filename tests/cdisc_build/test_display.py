"""The datasets table the sdtm and adam commands print."""

from __future__ import annotations

import pandas as pd
from rich.console import Console

from cdisc_build.display import datasets_table


def test_one_row_per_dataset_with_its_records_and_schema_failures():
    datasets = {"DM": pd.DataFrame({"USUBJID": ["1", "2"]}), "AE": pd.DataFrame({"USUBJID": ["1"] * 1200})}
    failures = pd.DataFrame({"dataset": ["AE", "AE", "AE"], "check": ["a", "b", "c"]})
    table = datasets_table("SDTM datasets", datasets, failures)
    assert [c.header for c in table.columns] == ["dataset", "records", "schema failures"]
    assert list(table.columns[0].cells) == ["DM", "AE"]
    assert list(table.columns[1].cells) == ["2", "1,200"]
    assert list(table.columns[2].cells) == ["0", "3"]
    console = Console(record=True, width=80, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(table)
    assert "SDTM datasets" in console.export_text()


def test_no_failures_at_all():
    table = datasets_table("ADaM datasets", {"ADSL": pd.DataFrame({"A": [1]})}, pd.DataFrame())
    assert list(table.columns[2].cells) == ["0"]
