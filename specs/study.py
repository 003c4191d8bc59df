"""Study settings: which spec workbooks, the raw export's conventions, the cut-off.

A study is described by a small TOML file beside its workbooks (see
specs/workbooks/study.toml for the built-in study):

    [study]  id, sdtm_spec, adam_spec, trial_design, data_cutoff
    [raw]    subject_field, demographics_form, duplicate_rows ("reject", the
             default, or "keep": rows repeating an earlier row are kept, reported)
    [sdtm]   transliterate
    [recist] the RECIST 1.1 parameters of the study (adam_builder.recist_rules.RecistSettings);
             reference_start and evaluator (of AdamSettings) may be set here too
    [adam]   the ADaM derivation settings: censoring conventions (see adam_builder.settings)
    [report] the analysis report's settings (see analysis_report.settings)

StudyConfig.load checks the whole file and reports every problem at once, one
line each, naming the file, the [table] and the key:

- a table or a key that is not one of these is refused, with the closest known
  name (or the table it belongs to);
- a value of the wrong type is refused, never converted: text where a boolean,
  a number or a list is expected ("28", "no") included; a boolean is TOML
  true or false; a whole number is taken where a number is expected;
- the keys of [recist], [adam] and [report] and their types are the fields of
  RecistSettings, AdamSettings and ReportSettings (the one place they are
  written), and their values pass those classes' own checks (a negative
  interval, a confidence of 1.5); reference_start or evaluator set in both
  [recist] and [adam] must agree;
- data_cutoff is a complete ISO 8601 date, quoted ("2023-06-30") or a TOML
  date (2023-06-30, taken as the text "2023-06-30"); a partial date, a
  date-time or a time is refused;
- sdtm_spec, adam_spec and trial_design are paths relative to the settings
  file that name an existing file in the settings file's folder or below it;
  a path that resolves (links followed) outside that folder is refused;
- id, subject_field and demographics_form are not empty; duplicate_rows is
  "reject" or "keep".
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path


class StudyConfigError(ValueError):
    """The study settings cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, message: str, problems: typing.Sequence[str] = ()):
        super().__init__(message)
        self.problems = tuple(problems) or (message,)


class _Date:
    """The type of data_cutoff: a complete ISO 8601 date, as text or a TOML date."""


class _File:
    """The type of a workbook path: text naming a file in the settings file's folder or below."""


# The settings of this module's own tables ([recist], [adam] and [report] come from their classes).
_OWN_TABLES: dict[str, dict[str, object]] = {
    "study": {"id": str, "sdtm_spec": _File, "adam_spec": _File, "trial_design": _File, "data_cutoff": _Date},
    "raw": {"subject_field": str, "demographics_form": str, "duplicate_rows": str},
    "sdtm": {"transliterate": bool},
}
_REQUIRED = {
    ("study", "id"): "the study identifier (STUDYID)",
    ("study", "sdtm_spec"): "the SDTM spec workbook",
    ("raw", "subject_field"): "the raw export's subject column",
    ("raw", "demographics_form"): "the raw form that defines the subjects",
}
_NOT_EMPTY = {("study", "id"), ("raw", "subject_field"), ("raw", "demographics_form")}
_DUPLICATE_ROWS = ("reject", "keep")


def setting_tables() -> dict[str, dict[str, object]]:
    """Every table of the study settings file: its keys and the type of each."""
    from adam_builder.settings import AdamSettings
    from analysis_report.settings import ReportSettings

    return {**_OWN_TABLES, **AdamSettings.table_types(), "report": ReportSettings.table_types()}


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
    def load(cls, path: str | os.PathLike[str]) -> StudyConfig:
        """Read and check a study settings file; StudyConfigError lists every problem."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise StudyConfigError(f"{path}: the study settings file does not exist") from None
        except IsADirectoryError:
            raise StudyConfigError(f"{path}: is a folder, not a study settings file") from None
        except UnicodeDecodeError as exc:
            raise StudyConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:
            raise StudyConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise StudyConfigError(f"{path}: not valid TOML ({exc})") from None
        checked = _Check(path, data)
        if checked.problems:
            lines = [f"{path}: {p}" for p in checked.problems]
            raise StudyConfigError("\n".join(lines), lines)
        study, raw, sdtm = (checked.values.get(name, {}) for name in ("study", "raw", "sdtm"))
        return cls(
            path=path,
            study_id=study["id"],
            sdtm_spec=study["sdtm_spec"],
            adam_spec=study.get("adam_spec"),
            trial_design=study.get("trial_design"),
            data_cutoff=study.get("data_cutoff"),
            subject_field=raw["subject_field"],
            demographics_form=raw["demographics_form"],
            transliterate=sdtm.get("transliterate", False),
            recist=dict(data.get("recist", {})),
            adam=dict(data.get("adam", {})),
            report=dict(data.get("report", {})),
            duplicate_rows=raw.get("duplicate_rows", "reject"),
        )


def builtin_study() -> StudyConfig:
    """The settings of the built-in simulated study."""
    return StudyConfig.load(Path(str(resources.files("specs") / "workbooks" / "study.toml")))


# ---------------------------------------------------------------------------
# The check
# ---------------------------------------------------------------------------
class _Check:
    """Every problem of one settings file (``problems``) and its checked values (``values``)."""

    def __init__(self, path: Path, data: dict):
        self.path = path
        self.tables = setting_tables()
        self.problems: list[str] = []
        self.values: dict[str, dict] = {}
        for name, table in data.items():
            self._table(name, table)
        for (name, key), what in _REQUIRED.items():
            if isinstance(data.get(name, {}), dict) and key not in data.get(name, {}):
                self.problems.append(f"[{name}] {key}: missing; required: {what}")
        # the settings classes' own checks, on the keys of the right type (the others are reported above)
        recist, adam = self.values.get("recist", {}), self.values.get("adam", {})
        self._agree(recist, adam)
        self._adam_values(recist, adam)
        self._report_values(self.values.get("report", {}))

    def _table(self, name: str, table) -> None:
        if name not in self.tables:
            if isinstance(table, dict):
                self.problems.append(f"[{name}]: unknown table{_suggest(name, self.tables, '[{}]')}")
            else:
                homes = [t for t, keys in self.tables.items() if name in keys]
                where = (
                    " or ".join(f"[{t}]" for t in homes)
                    if homes
                    else "one of the tables " + ", ".join(f"[{t}]" for t in self.tables)
                )
                self.problems.append(f"{name} = {_toml(table)}: a setting outside any table; it belongs in {where}")
            return
        if not isinstance(table, dict):
            self.problems.append(f"{name} = {_toml(table)}: must be a table ([{name}]), not {_kind(table)}")
            return
        values = self.values.setdefault(name, {})
        for key, value in table.items():
            known = self.tables[name]
            if key not in known:
                homes = [t for t, keys in self.tables.items() if key in keys]
                hint = (
                    f"; it belongs in {' or '.join(f'[{t}]' for t in homes)}" if homes else _suggest(key, known, "{}")
                )
                self.problems.append(f"[{name}] {key}: unknown setting{hint}")
                continue
            checked, why = self._value(name, key, value, known[key])
            if why:
                self.problems.append(f"[{name}] {key} = {_toml(value)}: {why}")
            else:
                values[key] = checked

    def _value(self, table: str, key: str, value, kind) -> tuple[object, str | None]:
        if kind is _Date:
            return _cutoff(value)
        why = _type_problem(value, str if kind is _File else kind)
        if why:
            return None, why
        if (table, key) in _NOT_EMPTY and not value.strip():
            return None, "must not be empty"
        if (table, key) == ("raw", "duplicate_rows") and value not in _DUPLICATE_ROWS:
            return None, f"must be {' or '.join(json.dumps(v) for v in _DUPLICATE_ROWS)}"
        if kind is _File:
            return self._file(value)
        return value, None

    def _file(self, value: str) -> tuple[Path | None, str | None]:
        if not value.strip():
            return None, "names no file (leave the setting out when the study has none)"
        folder = self.path.parent.resolve()
        target = (folder / value).resolve()
        if target != folder and folder not in target.parents:
            return None, (
                f"resolves to {target}, outside the folder of the settings file ({folder}); "
                "a study's workbooks must be in that folder or below it"
            )
        if target.is_dir():
            return None, f"is a folder, not a file ({target})"
        if not target.is_file():
            return None, f"no such file ({target})"
        return target, None

    def _agree(self, recist: dict, adam: dict) -> None:
        from adam_builder.settings import RECIST_TABLE_KEYS

        for key in RECIST_TABLE_KEYS:
            if key in recist and key in adam and recist[key] != adam[key]:
                self.problems.append(
                    f"[recist] {key} = {_toml(recist[key])}: [adam] sets {key} = "
                    f"{_toml(adam[key])}; set it in one table only, or to the same value"
                )

    def _adam_values(self, recist: dict, adam: dict) -> None:
        from adam_builder.recist_rules import RecistSettingsError
        from adam_builder.settings import AdamSettings, SettingsError

        try:
            AdamSettings.from_dict(recist, adam)
        except SettingsError as exc:
            for key, why in exc.problems or [(None, str(exc))]:
                table = "adam" if key in adam or (key not in recist and key in self.tables["adam"]) else "recist"
                source = adam if table == "adam" else recist
                shown = f" = {_toml(source[key])}" if key in source else ""
                self.problems.append(f"[{table}] {key}{shown}: {why}" if key else f"[recist]/[adam]: {why}")
        except RecistSettingsError as exc:
            self.problems.append(str(exc))

    def _report_values(self, report: dict) -> None:
        from analysis_report.settings import ReportSettings, ReportSettingsError

        try:
            ReportSettings.from_table(report)
        except ReportSettingsError as exc:
            for key, why in exc.problems or [(None, str(exc))]:
                shown = f" = {_toml(report[key])}" if key in report else ""
                self.problems.append(f"[report] {key}{shown}: {why}" if key else f"[report]: {why}")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _cutoff(value) -> tuple[str | None, str | None]:
    """data_cutoff as ISO 8601 text, or why it is not a date."""
    if isinstance(value, dt.datetime):
        return None, "must be a date, not a date-time (write the date alone, e.g. 2023-06-30)"
    if isinstance(value, dt.date):
        return value.isoformat(), None
    if not isinstance(value, str):
        return None, f'must be a date ("2023-06-30" or 2023-06-30), not {_kind(value)}'
    text = value.strip()
    try:
        if _ISO_DATE.fullmatch(text):
            return dt.date.fromisoformat(text).isoformat(), None
    except ValueError:
        return None, "is not a date of the calendar"
    return None, 'must be a complete ISO 8601 date, YYYY-MM-DD (e.g. "2023-06-30")'


_NOUNS = {bool: "booleans (true or false)", int: "whole numbers", float: "numbers", str: "text"}


def _type_problem(value, kind) -> str | None:
    """Why ``value`` (as TOML read it) is not of the type ``kind`` (a settings field's type), or None."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [k for k in typing.get_args(kind) if k is not type(None)]
        reasons = [_type_problem(value, k) for k in options]
        return None if any(r is None for r in reasons) else reasons[0]
    if origin is tuple:
        item = typing.get_args(kind)[0]
        if not isinstance(value, list):
            if _type_problem(value, item) is None:
                return f"must be a list (write [{_toml(value)}]), not {_kind(value)}"
            return f"must be a list of {_NOUNS.get(item, item)}, not {_kind(value)}"
        for number, each in enumerate(value, start=1):
            why = _type_problem(each, item)
            if why:
                return f"item {number} ({_toml(each)}) {why}"
        return None
    if kind is bool:
        return None if isinstance(value, bool) else f"must be true or false (TOML boolean), not {_kind(value)}"
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"must be a whole number (TOML integer), not {_kind(value)}"
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"must be a number (TOML integer or float), not {_kind(value)}"
    if kind is str:
        return None if isinstance(value, str) else f"must be text in quotes (TOML string), not {_kind(value)}"
    raise TypeError(f"no check for settings of type {kind!r}")


def _kind(value) -> str:
    """What TOML made of a value, in words."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    return type(value).__name__


def _toml(value, limit: int = 60) -> str:
    """A value as it is written in TOML (shortened past ``limit`` characters)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (int, float)):
        text = repr(value)
    elif isinstance(value, (dt.date, dt.time)):
        text = value.isoformat()
    elif isinstance(value, list):
        text = "[" + ", ".join(_toml(v, limit) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {_toml(v, limit)}" for k, v in value.items()) + " }"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _suggest(name: str, known, form: str) -> str:
    """'; did you mean X?' for the closest known name, else the known names."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {form.format(close[0])}?"
    return "; known: " + ", ".join(form.format(k) for k in known)
