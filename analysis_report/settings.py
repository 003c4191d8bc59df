"""The analysis report's settings, read from the study settings' ``[report]`` table.

    [report]  efficacy_population, safety_population, rate_months, confidence,
              swimmer_max_subjects, related_terms, withdrawal_actions, fatal_outcomes,
              tumour_sum_param, best_change_dtype

    settings = ReportSettings.from_study(builtin_study())
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

DAYS_PER_MONTH = 30.4375  # 365.25 / 12


class ReportSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class ReportSettings:
    efficacy_population: str = "FASFL"  # ADSL flag of ORR, DCR and the time-to-event analyses
    safety_population: str = "SAFFL"  # ADSL flag of the adverse event summary
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
        problems = []
        if not 0.5 <= self.confidence < 1:
            problems.append(f"confidence {self.confidence} is not between 0.5 and 1")
        if any(m <= 0 for m in self.rate_months):
            problems.append(f"rate_months {list(self.rate_months)} must all be positive")
        for name in ("efficacy_population", "safety_population"):
            if not str(getattr(self, name)).endswith("FL"):
                problems.append(f"{name} {getattr(self, name)!r} is not an ADSL flag variable (…FL)")
        if self.swimmer_max_subjects < 1:
            problems.append(f"swimmer_max_subjects {self.swimmer_max_subjects} must be at least 1")
        if problems:
            raise ReportSettingsError("report settings: " + "; ".join(problems))

    @property
    def level(self) -> str:
        """The confidence level as the report prints it ("95%")."""
        return f"{self.confidence * 100:g}%"

    @classmethod
    def from_study(cls, config) -> "ReportSettings":
        values = dict(config.report)
        known = {f.name for f in dataclasses.fields(cls)} - {"study_id", "data_cutoff"}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ReportSettingsError(f"{config.path}: [report] has unknown setting(s) {', '.join(unknown)}; "
                                      f"known: {', '.join(sorted(known))}")
        for name in ("rate_months", "related_terms", "withdrawal_actions", "fatal_outcomes"):
            if name in values:
                values[name] = tuple(values[name])
        return cls(study_id=config.study_id, data_cutoff=config.data_cutoff, **values)
