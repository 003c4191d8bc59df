"""Loading a study settings file (study.toml) into typed settings, checked whole.

The tables and keys of the file are declared in specs.config (the README's
table of them is generated from there). ``StudyConfig.load`` reads the file,
checks every table (unknown tables and keys, wrong types, values the settings
classes refuse) and raises one StudyConfigError listing every problem, each
naming the file, the [table] and the key.

Each command asks for the keys it uses: ``require`` names the (table, key)
pairs that must be set; by default every required key of the file (the full
build: sdtm, run, demo, config check). The adam, recist and report commands
require none, so a settings file holding only [study] adam_spec and the ADaM
tables serves them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from .config import (
    TABLES,
    AdamSettings,
    Problem,
    RawSettings,
    RecistSettings,
    ReportSettings,
    SdtmSettings,
    StudyConfigError,
    StudySettings,
    ValidationSettings,
    build,
    check_table,
    keys,
    kind_words,
    required_keys,
    suggest_table,
    toml_text,
)


@dataclass(frozen=True)
class StudyConfig:
    """The settings of one study, one typed object per table of its settings file."""

    path: Path
    study: StudySettings = field(default_factory=StudySettings)
    raw: RawSettings = field(default_factory=RawSettings)
    sdtm: SdtmSettings = field(default_factory=SdtmSettings)
    adam: AdamSettings = field(default_factory=AdamSettings)  # its recist: the [recist] table
    report: ReportSettings = field(default_factory=ReportSettings)
    validation: ValidationSettings = field(default_factory=ValidationSettings)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, require: Iterable[tuple[str, str]] | None = None) -> StudyConfig:
        """Read and check a study settings file; StudyConfigError lists every problem.

        require: the (table, key) pairs the caller uses that have no default;
        None: every required key (specs.config.required_keys).
        """
        path = Path(path)
        data = _read(path)
        needed = required_keys() if require is None else list(require)
        problems: list[Problem] = []
        checked: dict[str, dict[str, object]] = {name: {} for name in TABLES}
        for name, table in data.items():
            problems += _table(name, table, path, checked)
        for name, key in needed:
            if isinstance(data.get(name, {}), dict) and key not in data.get(name, {}):
                meaning = keys(name)[key].metadata["meaning"]
                problems.append(Problem(f"missing; required: {meaning}", name, key))
        config, built = _build(path, checked)
        problems += built
        if problems:
            raise StudyConfigError([_in_file(p, path) for p in problems])
        assert config is not None
        return config

    def workbook(self, key: str) -> Path:
        """The workbook ``[study] key`` names; StudyConfigError when the file sets none."""
        path = getattr(self.study, key)
        if path is None:
            meaning = keys("study")[key].metadata["meaning"]
            raise StudyConfigError([Problem(f"missing; required: {meaning}", "study", key, file=self.path)])
        return path


def builtin_study() -> StudyConfig:
    """The settings of the built-in simulated study."""
    return StudyConfig.load(Path(str(resources.files("specs") / "workbooks" / "study.toml")))


def _read(path: Path) -> dict:
    def fail(why: str) -> StudyConfigError:
        return StudyConfigError([Problem(why, file=path)])

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("the study settings file does not exist") from None
    except IsADirectoryError:
        raise fail("is a folder, not a study settings file") from None
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise fail(f"cannot be read ({exc.strerror or exc})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise fail(f"not valid TOML ({exc})") from None


def _table(name: str, table: object, path: Path, checked: dict[str, dict[str, object]]) -> list[Problem]:
    if name not in TABLES:
        if isinstance(table, dict):
            return [Problem(f"unknown table{suggest_table(name)}", name)]
        homes = [t for t in TABLES if name in keys(t)]
        where = " or ".join(f"[{t}]" for t in homes) or "one of the tables " + ", ".join(f"[{t}]" for t in TABLES)
        return [Problem(f"a setting outside any table; it belongs in {where}", None, name, toml_text(table))]
    if not isinstance(table, dict):
        return [Problem(f"must be a table ([{name}]), not {kind_words(table)}", None, name, toml_text(table))]
    checked[name], found = check_table(name, table, folder=path.parent)
    return found


def _build(path: Path, checked: dict[str, dict[str, object]]) -> tuple[StudyConfig | None, list[Problem]]:
    """The settings of each table from its checked values; the values the classes refuse."""
    study, found = build(StudySettings, "study", checked["study"])
    raw, more = build(RawSettings, "raw", checked["raw"])
    found += more
    sdtm, more = build(SdtmSettings, "sdtm", checked["sdtm"])
    found += more
    recist, more = build(RecistSettings, "recist", checked["recist"])
    found += more
    cutoff = checked["study"].get("data_cutoff")
    adam, more = build(AdamSettings, "adam", checked["adam"], recist=recist or RecistSettings(), data_cutoff=cutoff)
    found += more
    fatal = adam.fatal_outcomes if isinstance(adam, AdamSettings) else AdamSettings.fatal_outcomes
    report, more = build(
        ReportSettings,
        "report",
        checked["report"],
        study_id=checked["study"].get("id", ""),
        data_cutoff=cutoff,
        fatal_outcomes=fatal,
    )
    found += more
    validation, more = build(ValidationSettings, "validation", checked["validation"])
    found += more
    if found:
        return None, found
    assert isinstance(study, StudySettings) and isinstance(raw, RawSettings) and isinstance(sdtm, SdtmSettings)
    assert isinstance(adam, AdamSettings) and isinstance(report, ReportSettings)
    assert isinstance(validation, ValidationSettings)
    return StudyConfig(path=path, study=study, raw=raw, sdtm=sdtm, adam=adam, report=report, validation=validation), []


def _in_file(problem: Problem, path: Path) -> Problem:
    return replace(problem, file=path)
