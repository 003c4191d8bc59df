"""The ADaM settings of a study: RECIST parameters and censoring conventions.

Every number or switch that RECIST.md marks as a *parameter* lives here, read
from the study settings TOML (the ``[recist]`` and ``[adam]`` tables), never
typed into a derivation:

    [recist]  confirmation_days, max_ne_between, sd_min_days,
              assessment_interval_days, window_days (and the other fields of
              adam_builder.recist_rules.RecistSettings)
    [adam]    reference_start, evaluator, new_therapy_censoring,
              missed_assessment_censoring, confirmation_accepts_sd,
              ae_emergent_days, response_day_imputation

    settings = AdamSettings.from_study(builtin_study())
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from .recist_rules import RecistSettings


class SettingsError(ValueError):
    pass


_IMPUTATIONS = ("first", "mid", "last")


@dataclass(frozen=True)
class AdamSettings:
    """What a study decides about its ADaM derivations."""

    recist: RecistSettings = field(default_factory=RecistSettings)
    reference_start: str = "TRTSDT"  # ADSL date the response rules count from (RANDDT where randomised)
    evaluator: str = "INVESTIGATOR"  # RSEVAL / TUEVAL / TREVAL of the records used
    new_therapy_censoring: bool = True  # PFS/DOR: censor before a new anti-cancer therapy
    missed_assessment_censoring: bool = True  # PFS/DOR: censor an event after >= 2 missed assessments
    confirmation_accepts_sd: bool = False  # an SD between a PR and its confirmation is allowed
    ae_emergent_days: int = 30  # treatment-emergent window after the last dose
    response_day_imputation: str = "last"  # a missing day of RSDTC / TRDTC
    data_cutoff: str | None = None  # ISO date; DCUTDT when TS gives none

    def __post_init__(self) -> None:
        problems = []
        if self.response_day_imputation not in _IMPUTATIONS:
            problems.append(f"response_day_imputation {self.response_day_imputation!r} is not one of {', '.join(_IMPUTATIONS)}")
        if not self.reference_start or not self.reference_start.endswith("DT"):
            problems.append(f"reference_start {self.reference_start!r} is not an ADSL date variable (e.g. TRTSDT, RANDDT)")
        r = self.recist
        for name in ("confirmation_days", "max_ne_between", "sd_min_days", "assessment_interval_days", "window_days"):
            if getattr(r, name) < 0:
                problems.append(f"{name} is negative ({getattr(r, name)})")
        if problems:
            raise SettingsError("ADaM settings: " + "; ".join(problems))

    @property
    def missed_gap_days(self) -> int:
        """An event this many days or more after the last adequate assessment follows two missed ones."""
        return 2 * self.recist.assessment_interval_days + self.recist.window_days

    @classmethod
    def from_dict(cls, recist: dict | None = None, adam: dict | None = None, *,
                  data_cutoff: str | None = None) -> "AdamSettings":
        """From the ``[recist]`` and ``[adam]`` tables; unknown keys are an error naming them."""
        recist = dict(recist or {})
        adam = dict(adam or {})
        own = {f.name for f in dataclasses.fields(cls)} - {"recist", "data_cutoff"}
        rules = {f.name for f in dataclasses.fields(RecistSettings)}
        kwargs = {k: recist.pop(k) for k in list(recist) if k in ("reference_start", "evaluator")}
        unknown = [f"[recist] {k}" for k in recist if k not in rules]
        unknown += [f"[adam] {k}" for k in adam if k not in own]
        if unknown:
            raise SettingsError(f"unknown ADaM setting(s): {', '.join(unknown)}; known: [recist] "
                                f"{', '.join(sorted(rules | {'reference_start', 'evaluator'}))}; "
                                f"[adam] {', '.join(sorted(own - {'reference_start', 'evaluator'}))}")
        from_dict = getattr(RecistSettings, "from_dict", None)
        rules_obj = from_dict(recist) if callable(from_dict) else RecistSettings(**recist)
        kwargs.update(adam)
        return cls(recist=rules_obj, data_cutoff=data_cutoff, **kwargs)

    @classmethod
    def from_study(cls, config) -> "AdamSettings":
        """From a specs.study.StudyConfig."""
        return cls.from_dict(getattr(config, "recist", {}), getattr(config, "adam", {}), data_cutoff=config.data_cutoff)
