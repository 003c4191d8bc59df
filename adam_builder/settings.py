"""The ADaM settings of a study: RECIST parameters and censoring conventions.

Every number or switch that RECIST.md marks as a *parameter* lives here, read
from the study settings TOML (the ``[recist]`` and ``[adam]`` tables), never
typed into a derivation:

    [recist]  confirmation_days, max_ne_between, sd_min_days,
              assessment_interval_days, window_days (and the other fields of
              adam_builder.recist_rules.RecistSettings)
    [adam]    reference_start, evaluator, new_therapy_censoring,
              missed_assessment_censoring, confirmation_accepts_sd,
              ae_emergent_days, response_day_imputation, fatal_outcomes

    settings = AdamSettings.from_study(builtin_study())
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field

from .recist_rules import RecistSettings


class SettingsError(ValueError):
    """ADaM settings that cannot be used; ``problems`` holds (setting, what is wrong) pairs."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | tuple = ()):
        super().__init__(message)
        self.problems = list(problems)


_IMPUTATIONS = ("first", "mid", "last")
# AdamSettings fields a study may also set in its [recist] table (the response rules count from them)
RECIST_TABLE_KEYS = ("reference_start", "evaluator")
# AdamSettings fields that are not keys of the settings tables
_NOT_TABLE_KEYS = ("recist", "data_cutoff")


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
    fatal_outcomes: tuple[str, ...] = ("FATAL",)  # AEOUT values of a fatal adverse event
    data_cutoff: str | None = None  # ISO date; DCUTDT when TS gives none

    def __post_init__(self) -> None:
        problems = []  # (setting, what is wrong)
        if self.response_day_imputation not in _IMPUTATIONS:
            problems.append(("response_day_imputation", f"must be one of {', '.join(_IMPUTATIONS)}"))
        if not self.reference_start or not self.reference_start.endswith("DT"):
            problems.append(("reference_start", "must be an ADSL date variable (e.g. TRTSDT, RANDDT)"))
        for name in ("confirmation_days", "max_ne_between", "sd_min_days", "assessment_interval_days", "window_days"):
            if getattr(self.recist, name) < 0:
                problems.append((name, "must not be negative"))
        if problems:
            value = {f.name: getattr(self.recist, f.name) for f in dataclasses.fields(RecistSettings)}
            value.update((f.name, getattr(self, f.name)) for f in dataclasses.fields(self))
            raise SettingsError(
                "ADaM settings: " + "; ".join(f"{k} {value[k]!r}: {why}" for k, why in problems), problems
            )

    @classmethod
    def table_types(cls) -> dict[str, dict[str, object]]:
        """The keys of the study settings' ``[recist]`` and ``[adam]`` tables and the type of each.

        The one source of both is the fields of RecistSettings and of this class
        (specs.study checks a study's settings file against it on load).
        """
        own = {k: v for k, v in typing.get_type_hints(cls).items() if k not in _NOT_TABLE_KEYS}
        recist = typing.get_type_hints(RecistSettings) | {k: own[k] for k in RECIST_TABLE_KEYS}
        return {"recist": recist, "adam": own}

    @property
    def missed_gap_days(self) -> int:
        """An event this many days or more after the last adequate assessment follows two missed ones."""
        return 2 * self.recist.assessment_interval_days + self.recist.window_days

    @classmethod
    def from_dict(
        cls, recist: dict | None = None, adam: dict | None = None, *, data_cutoff: str | None = None
    ) -> AdamSettings:
        """From the ``[recist]`` and ``[adam]`` tables; unknown keys are an error naming them."""
        recist = dict(recist or {})
        adam = dict(adam or {})
        tables = cls.table_types()
        kwargs = {k: recist.pop(k) for k in list(recist) if k in RECIST_TABLE_KEYS}
        unknown = [f"[recist] {k}" for k in recist if k not in tables["recist"]]
        unknown += [f"[adam] {k}" for k in adam if k not in tables["adam"]]
        if unknown:
            raise SettingsError(
                f"unknown ADaM setting(s): {', '.join(unknown)}; known: [recist] "
                f"{', '.join(sorted(tables['recist']))}; "
                f"[adam] {', '.join(sorted(set(tables['adam']) - set(RECIST_TABLE_KEYS)))}"
            )
        from_dict = getattr(RecistSettings, "from_dict", None)
        rules_obj = from_dict(recist) if callable(from_dict) else RecistSettings(**recist)
        kwargs.update((k, tuple(v) if isinstance(v, list) else v) for k, v in adam.items())  # TOML lists
        return cls(recist=rules_obj, data_cutoff=data_cutoff, **kwargs)

    @classmethod
    def from_study(cls, config) -> AdamSettings:
        """From a specs.study.StudyConfig."""
        return cls.from_dict(getattr(config, "recist", {}), getattr(config, "adam", {}), data_cutoff=config.data_cutoff)
