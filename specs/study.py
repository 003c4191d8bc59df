"""Study settings: which spec workbooks, the raw export's conventions, the cut-off.

A study is described by a small TOML file beside its workbooks (see
specs/workbooks/study.toml for the built-in study):

    [study]  id, sdtm_spec, adam_spec, trial_design, data_cutoff
    [raw]    subject_field, demographics_form, duplicate_rows ("reject", the
             default, or "keep": rows repeating an earlier row are kept, reported)
    [sdtm]   transliterate
    [recist] the RECIST 1.1 parameters of the study (see adam_builder)
    [adam]   the ADaM derivation settings: censoring conventions (see adam_builder.settings)
    [report] the analysis report's settings (see analysis_report.settings)
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path


class StudyConfigError(ValueError):
    pass


@dataclass(frozen=True)
class StudyConfig:
    path: Path
    study_id: str
    sdtm_spec: Path
    adam_spec: Path | None
    trial_design: Path | None
    data_cutoff: str | None
    subject_field: str
    demographics_form: str
    transliterate: bool = False
    recist: dict = field(default_factory=dict)
    duplicate_rows: str = "reject"
    adam: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "StudyConfig":
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StudyConfigError(f"{path}: the study settings file does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise StudyConfigError(f"{path}: not valid TOML ({exc})") from None
        study, raw, sdtm = data.get("study", {}), data.get("raw", {}), data.get("sdtm", {})
        missing = [f"[study] {k}" for k in ("id", "sdtm_spec") if k not in study]
        missing += [f"[raw] {k}" for k in ("subject_field", "demographics_form") if k not in raw]
        if missing:
            raise StudyConfigError(f"{path}: missing setting(s) {', '.join(missing)}")
        duplicate_rows = raw.get("duplicate_rows", "reject")
        if duplicate_rows not in ("reject", "keep"):
            raise StudyConfigError(f"{path}: [raw] duplicate_rows is {duplicate_rows!r}; expected 'reject' or 'keep'")

        def rel(name: str) -> Path | None:
            return (path.parent / study[name]).resolve() if study.get(name) else None

        return cls(
            path=path, study_id=study["id"], sdtm_spec=rel("sdtm_spec"), adam_spec=rel("adam_spec"),
            trial_design=rel("trial_design"), data_cutoff=study.get("data_cutoff"),
            subject_field=raw["subject_field"], demographics_form=raw["demographics_form"],
            transliterate=bool(sdtm.get("transliterate", False)), recist=dict(data.get("recist", {})),
            adam=dict(data.get("adam", {})), report=dict(data.get("report", {})), duplicate_rows=duplicate_rows,
        )


def builtin_study() -> StudyConfig:
    """The settings of the built-in simulated study."""
    return StudyConfig.load(Path(str(resources.files("specs") / "workbooks" / "study.toml")))
