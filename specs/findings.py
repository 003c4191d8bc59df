"""Problems found in a spec workbook, each with the sheet, row and column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SEVERITIES = ("error", "warning", "note")


@dataclass(frozen=True)
class Finding:
    """One problem: where it is (sheet, row, column), what it is, how bad.

    severity: "error" (the spec cannot be trusted), "warning" (it can, but
    something is off, such as an orphan), "note" (something the reader did not
    take, such as an unknown column).
    """

    severity: str
    code: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"sheet {self.sheet}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        return ", ".join(parts) if parts else "workbook"

    def __str__(self) -> str:
        return f"{self.severity.upper()} [{self.code}] {self.where()}: {self.message}"


class SpecLayoutError(ValueError):
    """The workbook is not in the spec layout: names what it lacks."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path} is not a spec workbook in the P21 layout:\n{lines}")


class SpecError(ValueError):
    """A spec cannot drive a run: every error, with sheet, row and column; nothing was built."""

    def __init__(self, path: str, findings: list[Finding]):
        self.path = path
        self.findings = list(findings)
        lines = "\n".join(f"  - {f}" for f in self.findings)
        super().__init__(f"{path}: the spec has {len(self.findings)} error(s); nothing was built:\n{lines}")


def count(findings: Iterable[Finding], severity: str) -> int:
    return sum(1 for f in findings if f.severity == severity)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    order = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(
        findings,
        key=lambda f: (order.get(f.severity, 9), f.sheet or "", f.row or 0, f.column or "", f.code, f.message),
    )


def findings_table(findings: Iterable[Finding]):
    """The findings as a pandas DataFrame (severity, code, sheet, row, column, message)."""
    import pandas as pd

    rows = [
        {
            "severity": f.severity,
            "code": f.code,
            "sheet": f.sheet,
            "row": f.row,
            "column": f.column,
            "message": f.message,
        }
        for f in sort_findings(findings)
    ]
    return pd.DataFrame(rows, columns=["severity", "code", "sheet", "row", "column", "message"])
