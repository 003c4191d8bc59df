"""The issue report: every problem met on the way from raw data to SDTM.

Each entry names the raw file (form), subject, row and field, the value, what
kind of problem it is and what was done about it. Nothing is dropped or
changed without an entry here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

ISSUE_COLUMNS = [
    "severity",
    "kind",
    "form",
    "subject",
    "row",
    "field",
    "value",
    "dataset",
    "variable",
    "action",
    "message",
]


@dataclass
class IssueLog:
    """Collects issue rows; vectorised: one call adds one row per flagged record."""

    _chunks: list[pd.DataFrame] = field(default_factory=list)

    def add(
        self,
        *,
        severity: str,
        kind: str,
        form: str | None,
        message: str,
        action: str,
        subject=None,
        row=None,
        field: str | None = None,
        value=None,
        dataset: str | None = None,
        variable: str | None = None,
    ) -> None:
        """Add one issue, or one per element when subject/row/value are arrays."""
        lengths = [len(x) for x in (subject, row, value) if isinstance(x, (pd.Series, np.ndarray, list))]
        n = lengths[0] if lengths else 1
        if n == 0:
            return

        def column(x):
            if isinstance(x, pd.Series):
                return x.to_numpy(dtype=object)
            if isinstance(x, (np.ndarray, list)):
                return np.asarray(x, dtype=object)
            return np.full(n, x, dtype=object)

        chunk = pd.DataFrame(
            {
                "severity": column(severity),
                "kind": column(kind),
                "form": column(form),
                "subject": column(subject),
                "row": column(row),
                "field": column(field),
                "value": column(value),
                "dataset": column(dataset),
                "variable": column(variable),
                "action": column(action),
                "message": column(message),
            }
        )
        self._chunks.append(chunk)

    def add_rows(self, rows: pd.DataFrame, mask: pd.Series | None = None, **kwargs) -> None:
        """One issue per raw row of `rows` (where `mask`), taking form/subject/row from the lineage."""
        from .raw import FORM, ROW, SUBJECT

        selected = rows if mask is None else rows[mask.reindex(rows.index, fill_value=False).astype(bool)]
        if selected.empty:
            return
        value = kwargs.pop("value", None)
        if isinstance(value, pd.Series):
            value = value.reindex(selected.index)
        if isinstance(kwargs.get("field"), pd.Series):
            kwargs["field"] = kwargs["field"].reindex(selected.index)
        elif value is None and isinstance(kwargs.get("field"), str) and kwargs["field"] in selected.columns:
            value = selected[kwargs["field"]]
        self.add(form=selected[FORM], subject=selected[SUBJECT], row=selected[ROW], value=value, **kwargs)

    def frame(self) -> pd.DataFrame:
        if not self._chunks:
            return pd.DataFrame(columns=ISSUE_COLUMNS)
        table = pd.concat(self._chunks, ignore_index=True)[ISSUE_COLUMNS]
        order = {"error": 0, "warning": 1, "note": 2}
        table["_s"] = table["severity"].map(order).fillna(9)
        table["_r"] = pd.to_numeric(table["row"], errors="coerce")
        table = table.sort_values(["_s", "form", "_r", "field", "kind"], kind="stable", na_position="first")
        return table.drop(columns=["_s", "_r"]).reset_index(drop=True)

    def count(self, severity: str | None = None) -> int:
        table = self.frame()
        return len(table) if severity is None else int((table["severity"] == severity).sum())
