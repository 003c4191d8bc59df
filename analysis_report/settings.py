"""The analysis report's settings, read from the study settings' ``[report]`` table.

[report]  rate_months, confidence, swimmer_max_subjects, related_terms, withdrawal_actions, fatal_outcomes,
          tumour_sum_param, best_change_dtype

settings = ReportSettings.from_study(builtin_study())

The populations of the analyses are not settings: they come with each result from the ADaM
spec's Analysis Results Metadata (analysis_report.arm).
"""

from __future__ import annotations

import typing
from dataclasses import dataclass

DAYS_PER_MONTH = 30.4375  # 365.25 / 12
# ReportSettings fields that are not keys of the [report] table (they come from [study])
_NOT_TABLE_KEYS = ("study_id", "data_cutoff")


class ReportSettingsError(ValueError):
    """Report settings that cannot be used; ``problems`` holds (setting, what is wrong) pairs."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | tuple = ()):
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class ReportSettings:
    rate_months: tuple[float, ...] = (6, 12, 24)  # Kaplan-Meier rates at these months
    confidence: float = 0.95
    swimmer_max_subjects: int = 60  # responders shown in the swimmer plot (the longest on treatment)
    related_terms: tuple[str, ...] = ("RELATED",)  # AEREL values that count as treatment-related
    withdrawal_actions: tuple[str, ...] = ("DRUG WITHDRAWN",)  # AEACN* values: the event stopped a study drug
    fatal_outcomes: tuple[str, ...] = ("FATAL",)  # AEOUT values of a fatal event (grade 5 counts too)
    tumour_sum_param: str = "SDIAM"  # ADTR PARAMCD of the sum of target lesion diameters
    best_change_dtype: str = "MINIMUM"  # ADTR DTYPE of each subject's best (smallest) sum
    study_id: str = ""
    data_cutoff: str | None = None

    def __post_init__(self) -> None:
        problems = []  # (setting, what is wrong)
        if not 0.5 <= self.confidence < 1:
            problems.append(("confidence", "must be at least 0.5 and below 1 (the level of the intervals)"))
        if any(m <= 0 for m in self.rate_months):
            problems.append(("rate_months", "must all be positive"))
        if self.swimmer_max_subjects < 1:
            problems.append(("swimmer_max_subjects", "must be at least 1"))
        if problems:
            raise ReportSettingsError(
                "report settings: " + "; ".join(f"{name} {getattr(self, name)!r}: {why}" for name, why in problems),
                problems,
            )

    @classmethod
    def table_types(cls) -> dict[str, object]:
        """The keys of the study settings' ``[report]`` table and the type of each: this class's fields
        (specs.study checks a study's settings file against them on load)."""
        return {k: v for k, v in typing.get_type_hints(cls).items() if k not in _NOT_TABLE_KEYS}

    @property
    def level(self) -> str:
        """The confidence level as the report prints it ("95%")."""
        return f"{self.confidence * 100:g}%"

    @classmethod
    def from_study(cls, config) -> ReportSettings:
        return cls.from_table(
            config.report, study_id=config.study_id, data_cutoff=config.data_cutoff, where=f"{config.path}: "
        )

    @classmethod
    def from_table(
        cls, table: dict, *, study_id: str = "", data_cutoff: str | None = None, where: str = ""
    ) -> ReportSettings:
        """From the values of a ``[report]`` table (lists become tuples); unknown keys are an error."""
        values = dict(table)
        types = cls.table_types()
        unknown = sorted(set(values) - set(types))
        if unknown:
            raise ReportSettingsError(
                f"{where}[report] has unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(types))}"
            )
        for name, kind in types.items():
            if name in values and typing.get_origin(kind) is tuple:
                values[name] = tuple(values[name])
        return cls(study_id=study_id, data_cutoff=data_cutoff, **values)
