"""Terminal displays shared by the stage commands."""

from __future__ import annotations

import pandas as pd
from rich.table import Table


def datasets_table(title: str, datasets: dict[str, pd.DataFrame], failures: pd.DataFrame) -> Table:
    """One row per dataset: its records and its schema failures."""
    table = Table(title=title)
    table.add_column("dataset")
    table.add_column("records", justify="right")
    table.add_column("schema failures", justify="right")
    counts = failures.groupby("dataset").size() if not failures.empty else pd.Series(dtype=int)
    for name, frame in datasets.items():
        table.add_row(name, f"{len(frame):,}", str(int(counts.get(name, 0))))
    return table
