"""Study metadata: the immutable spec model, the P21-layout workbook reader and
writer, integrity checks, controlled terminology and schema generation.

    >>> from specs import load_spec
    >>> report = load_spec("specs/workbooks/sdtm_spec.xlsx")
    >>> report.spec.dataset("DM").label
    'Demographics'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .findings import Finding, SpecLayoutError, count
from .integrity import check_spec
from .model import Spec
from .workbook import read_workbook, template_spec, write_workbook

__all__ = [
    "Finding",
    "Spec",
    "SpecLayoutError",
    "SpecReport",
    "check_spec",
    "load_spec",
    "read_workbook",
    "study_workbook",
    "template_spec",
    "write_workbook",
]


@dataclass(frozen=True)
class SpecReport:
    """A loaded spec with every finding of the reader and the integrity checks."""

    spec: Spec
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return count(self.findings, "error")

    @property
    def warnings(self) -> int:
        return count(self.findings, "warning")

    @property
    def ok(self) -> bool:
        return self.errors == 0


def load_spec(path: str | os.PathLike[str], algorithms=None) -> SpecReport:
    """Read a workbook and check it; raises SpecLayoutError for another layout."""
    spec, read_findings = read_workbook(path)
    return SpecReport(spec, tuple(read_findings) + tuple(check_spec(spec, algorithms=algorithms)))


def study_workbook(name: str) -> Path:
    """Path of one of the built-in study's workbooks: 'sdtm' or 'adam'."""
    return Path(str(resources.files("specs") / "workbooks" / f"{name}_spec.xlsx"))
