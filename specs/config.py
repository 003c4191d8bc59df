"""The study settings file (study.toml): every table and key, declared once.

Each table of the file is one frozen dataclass below, each key one field of it,
declared with ``setting(default, meaning, ...)``: the field's annotation is the
key's type, its default the value when the key is left out, its meaning the text
of the messages and of the generated table of the README (``settings_markdown``).

    [study]   StudySettings    the study, its workbooks and its data cut-off
    [raw]     RawSettings      the raw EDC export's conventions
    [sdtm]    SdtmSettings     the SDTM mapping's choices
    [recist]  RecistSettings   the RECIST 1.1 parameters of the study
    [adam]    AdamSettings     the ADaM derivations: reference start, evaluator, censoring
    [report]  ReportSettings   the analysis report
    [validation] ValidationSettings  the validation report: the study's explanations of its findings

Fields declared with ``derived(...)`` are not keys of the file: the loader
(specs.study.StudyConfig) fills them from another table (AdamSettings.recist is
the [recist] table, ReportSettings.fatal_outcomes is [adam] fatal_outcomes).

``check_table`` checks one table as TOML read it: unknown keys (with the closest
known name, or the table a key belongs to), values of the wrong type (refused,
never converted: "28" is not a whole number, "no" is not a boolean; a whole
number is taken where a number is expected), and the values each class refuses
in its own ``problems`` method (a negative interval, a confidence of 1.5).
Every problem is a ``Problem`` (file, table, key, value as written, what is
wrong); ``StudyConfigError`` carries all of them at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import json
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# ---------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a study settings file."""

    what: str  # what is wrong
    table: str | None = None  # None: the file as a whole (or a setting outside any table)
    key: str | None = None
    value: str | None = None  # the value as written in TOML
    file: Path | None = None

    def __str__(self) -> str:
        place = f"[{self.table}]" if self.table else ""
        if self.key:
            place = f"{place} {self.key}" if place else self.key
        if self.value is not None:
            place = f"{place} = {self.value}"
        text = f"{place}: {self.what}" if place else self.what
        return f"{self.file}: {text}" if self.file is not None else text


class StudyConfigError(ValueError):
    """Study settings that cannot be used; ``problems`` holds every one of them."""

    def __init__(self, problems: Sequence[Problem | str]):
        self.problems: tuple[Problem, ...] = tuple(p if isinstance(p, Problem) else Problem(p) for p in problems)
        super().__init__("\n".join(self.lines))

    @property
    def lines(self) -> list[str]:
        """One line per problem: file, [table], key, value, what is wrong."""
        return [str(p) for p in self.problems]


# ---------------------------------------------------------------------------
# Declaring a setting
# ---------------------------------------------------------------------------
FILE = "file"  # a path relative to the settings file, naming a file in its folder or below
DATE = "date"  # a complete ISO 8601 date, quoted or a TOML date


def setting(
    default: typing.Any,
    meaning: str,
    *,
    kind: str | None = None,
    choices: tuple[str, ...] = (),
    not_empty: bool = False,
    upper: bool = False,
    required: bool = False,
) -> typing.Any:
    """A key of the settings file: its default and its meaning.

    kind: FILE or DATE (the annotation is then Path | None or str | None);
    choices: the values allowed; not_empty: text that must hold more than blanks;
    upper: text (and lists of text) taken stripped and in capitals;
    required: the commands that use it refuse a file without it (see specs.study).
    """
    metadata = {"meaning": meaning, "kind": kind, "choices": choices, "not_empty": not_empty, "upper": upper}
    return field(default=default, metadata={**metadata, "required": required})


def derived(default: typing.Any, source: str, *, factory: bool = False) -> typing.Any:
    """A field that is not a key of its table: the loader fills it from ``source``."""
    if factory:
        return field(default_factory=default, metadata={"derived": source})
    return field(default=default, metadata={"derived": source})


def must_be_one_of(choices: Sequence[str]) -> str:
    """'must be "a", "b" or "c"'."""
    words = [json.dumps(c) for c in choices]
    return "must be " + (", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0])


def _raise(table: str, problems: list[tuple[str, str]]) -> None:
    if problems:
        raise StudyConfigError([Problem(why, table, key) for key, why in problems])


# ---------------------------------------------------------------------------
# The tables
# ---------------------------------------------------------------------------
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class StudySettings:
    """[study]: the study, its workbooks and its data cut-off."""

    id: str = setting("", "the study identifier (STUDYID)", not_empty=True, required=True)
    sdtm_spec: Path | None = setting(None, "the SDTM spec workbook", kind=FILE, required=True)
    adam_spec: Path | None = setting(None, "the ADaM spec workbook (none: the study stops at SDTM)", kind=FILE)
    trial_design: Path | None = setting(None, "the trial design workbook (TA, TE, TV, TI, TS)", kind=FILE)
    data_cutoff: str | None = setting(None, "the data cut-off date (DCUTDT when TS gives none)", kind=DATE)
    acrf: Path | None = setting(
        None,
        "the study's own annotated CRF (PDF), put in the SDTM package; define.xml refers to the spec's Pages "
        "in it (none: an aCRF is generated from the raw forms and the Mapping sheet, and its pages are used)",
        kind=FILE,
    )
    documents: tuple[Path, ...] = setting(
        (),
        "documents define.xml refers to (protocol, SAP ...): each is put in the package of the stage whose "
        "Documents sheet names its file; a document the sheet names that is not here is left out of define.xml",
        kind=FILE,
    )

    def problems(self) -> list[tuple[str, str]]:
        return []


DUPLICATE_ROWS = ("reject", "keep")


@dataclass(frozen=True)
class RawSettings:
    """[raw]: the raw EDC export's conventions."""

    subject_field: str = setting("", "the raw export's subject column", not_empty=True, required=True)
    demographics_form: str = setting("", "the raw form that defines the subjects", not_empty=True, required=True)
    duplicate_rows: str = setting(
        "reject",
        "a row repeating an earlier row of its form: rejected, or kept (both reported)",
        choices=DUPLICATE_ROWS,
    )
    record_position_field: str = setting(
        "RECORDPOSITION",
        "the EDC's record position column, which differs between two copies of one record",
        not_empty=True,
    )

    def problems(self) -> list[tuple[str, str]]:
        return []


@dataclass(frozen=True)
class SdtmSettings:
    """[sdtm]: the SDTM mapping's choices."""

    transliterate: bool = setting(False, "spell non-ASCII text in ASCII (pinyin) instead of writing '?'")
    participation_end: str = setting(
        "death",
        "DM.RFPENDTC of a subject who died: the death date (a record dated later, such as the contact "
        "that learned of the death, follows it), or the latest date of any record",
        choices=("death", "last date"),
    )

    def problems(self) -> list[tuple[str, str]]:
        return []


_NON_NEGATIVE = ("confirmation_days", "max_ne_between", "sd_min_days", "assessment_interval_days", "window_days")


@dataclass(frozen=True)
class RecistSettings:
    """[recist]: the thresholds of RECIST 1.1 a study may set, and how TU/TR record the lesions."""

    pr_change: float = setting(-0.30, "target PR: sum of diameters change from baseline at or below this")
    pd_change: float = setting(0.20, "target PD: sum of diameters change from the nadir at or above this ...")
    pd_absolute_mm: float = setting(5.0, "... and an absolute increase of at least this many mm")
    too_small_mm: float = setting(5.0, "a target too small to measure counts as this many mm")
    node_normal_mm: float = setting(10.0, "a lymph node below this short axis (mm) is normal")
    confirmation_days: int = setting(28, "CR/PR confirmed by a response at least this many days later")
    max_ne_between: int = setting(1, "NE assessments allowed between a response and its confirmation")
    sd_min_days: int = setting(35, "SD counts from this many days after the reference start")
    assessment_interval_days: int = setting(42, "scheduled interval between tumour assessments (days)")
    window_days: int = setting(7, "allowed deviation from the scheduled day (days)")
    longest_diameter_testcd: str = setting("LDIAM", "TRTESTCD of a non-nodal target's measurement", upper=True)
    short_axis_testcd: str = setting("SAXIS", "TRTESTCD of a nodal target's measurement", upper=True)
    diameter_testcd: str = setting(
        "", 'when set: TRTESTCD measuring every target, nodal or not (pharmaverse "DIAMETER")', upper=True
    )
    state_testcd: str = setting("TUMSTATE", "TRTESTCD of a non-target or new lesion's state", upper=True)
    target_category: str = setting("TARGET", "TUORRES (or TRGRPID) of a target lesion", upper=True)
    nontarget_category: str = setting("NON-TARGET", "TUORRES (or TRGRPID) of a non-target lesion", upper=True)
    new_category: str = setting("NEW", "TUORRES (or TRGRPID) of a new lesion", upper=True)
    nodal_locations: tuple[str, ...] = setting(("LYMPH NODE",), "TULOC values of a lymph node", upper=True)
    too_small_results: tuple[str, ...] = setting(
        ("TOO SMALL TO MEASURE",), "TRORRES of a target too small to measure", upper=True
    )
    present_states: tuple[str, ...] = setting(("PRESENT",), "TRORRES of a lesion present", upper=True)
    absent_states: tuple[str, ...] = setting(("ABSENT",), "TRORRES of a lesion gone", upper=True)
    progression_states: tuple[str, ...] = setting(
        ("UNEQUIVOCAL PROGRESSION", "UNEQUIVOCAL"),
        "TRORRES of a non-target in progression, or of a new lesion beyond doubt",
        upper=True,
    )
    equivocal_states: tuple[str, ...] = setting(("EQUIVOCAL",), "TRORRES of an equivocal new lesion", upper=True)
    not_done_status: str = setting("NOT DONE", "TRSTAT of a lesion not evaluable", upper=True)

    def __post_init__(self) -> None:
        _raise("recist", self.problems())

    def problems(self) -> list[tuple[str, str]]:
        return [(name, "must not be negative") for name in _NON_NEGATIVE if getattr(self, name) < 0]


IMPUTATIONS = ("first", "mid", "last")
RESPONSE_DATES = ("first response", "best response")


@dataclass(frozen=True)
class AdamSettings:
    """[adam]: what a study decides about its ADaM derivations (the FDA 2018 censoring conventions)."""

    recist: RecistSettings = derived(RecistSettings, "the [recist] table", factory=True)
    reference_start: str = setting("TRTSDT", "ADSL date the response rules count from (RANDDT in a randomised study)")
    evaluator: str = setting("INVESTIGATOR", "whose tumour assessments are used (RSEVAL / TUEVAL / TREVAL)")
    new_therapy_censoring: bool = setting(
        True, "PFS/DOR: censor at the last adequate assessment before a new anti-cancer therapy"
    )
    missed_assessment_censoring: bool = setting(
        True, "PFS/DOR: censor an event after two or more missed assessments (gap > 2 x interval + window)"
    )
    confirmation_accepts_sd: bool = setting(False, "an SD between a PR and its confirmation is allowed")
    ae_emergent_days: int = setting(30, "an AE is treatment-emergent up to this many days after the last dose")
    response_day_imputation: str = setting("last", "the day imputed when RSDTC / TRDTC lacks one", choices=IMPUTATIONS)
    response_date: str = setting(
        "first response",
        "ADRS RSP/CRSP date, and the start of DOR: the first (confirmed) CR or PR, as RECIST 1.1 dates a "
        "response, or the first assessment with the best response",
        choices=RESPONSE_DATES,
    )
    fatal_outcomes: tuple[str, ...] = setting(
        ("FATAL",), "AEOUT values of a fatal event (ADSL and the report's AE summary; grade 5 counts too)"
    )
    data_cutoff: str | None = derived(None, "[study] data_cutoff")

    def __post_init__(self) -> None:
        _raise("adam", self.problems())

    def problems(self) -> list[tuple[str, str]]:
        found = []
        if self.response_day_imputation not in IMPUTATIONS:
            found.append(("response_day_imputation", must_be_one_of(IMPUTATIONS)))
        if self.response_date not in RESPONSE_DATES:
            found.append(("response_date", must_be_one_of(RESPONSE_DATES)))
        if not self.reference_start or not self.reference_start.endswith("DT"):
            found.append(("reference_start", "must be an ADSL date variable (e.g. TRTSDT, RANDDT)"))
        if self.ae_emergent_days < 0:
            found.append(("ae_emergent_days", "must not be negative"))
        return found

    @property
    def missed_gap_days(self) -> int:
        """An event this many days or more after the last adequate assessment follows two missed ones."""
        return 2 * self.recist.assessment_interval_days + self.recist.window_days


@dataclass(frozen=True)
class ReportSettings:
    """[report]: the analysis report."""

    rate_months: tuple[float, ...] = setting((6, 12, 24), "Kaplan-Meier rates reported at these months")
    confidence: float = setting(0.95, "level of every confidence interval")
    swimmer_max_subjects: int = setting(
        60, "the swimmer plot shows at most this many responders (the longest on treatment)"
    )
    related_terms: tuple[str, ...] = setting(("RELATED",), "AEREL values counted as treatment-related")
    withdrawal_actions: tuple[str, ...] = setting(("DRUG WITHDRAWN",), "AEACN values: the event stopped a study drug")
    tumour_sum_param: str = setting("SDIAM", "ADTR PARAMCD of the sum of target lesion diameters")
    best_change_dtype: str = setting("MINIMUM", "ADTR DTYPE of each subject's best (smallest) sum")
    fatal_outcomes: tuple[str, ...] = derived(("FATAL",), "[adam] fatal_outcomes")
    study_id: str = derived("", "[study] id")
    data_cutoff: str | None = derived(None, "[study] data_cutoff")

    def __post_init__(self) -> None:
        _raise("report", self.problems())

    def problems(self) -> list[tuple[str, str]]:
        found = []
        if not 0.5 <= self.confidence < 1:
            found.append(("confidence", "must be at least 0.5 and below 1 (the level of the intervals)"))
        if any(m <= 0 for m in self.rate_months):
            found.append(("rate_months", "must all be positive"))
        if self.swimmer_max_subjects < 1:
            found.append(("swimmer_max_subjects", "must be at least 1"))
        return found

    @property
    def level(self) -> str:
        """The confidence level as the report prints it ("95%")."""
        return f"{self.confidence * 100:g}%"


@dataclass(frozen=True)
class ValidationSettings:
    """[validation]: the validation report."""

    explanations: Path | None = setting(
        None,
        "the study's explanations of its validation findings (CSV: rule, dataset, variable, explanation): "
        "the validation report shows each finding's; severities and the exit status unchanged",
        kind=FILE,
    )

    def problems(self) -> list[tuple[str, str]]:
        return []


# The tables of the file, in the order the README lists them.
TABLES: dict[str, type] = {
    "study": StudySettings,
    "raw": RawSettings,
    "sdtm": SdtmSettings,
    "recist": RecistSettings,
    "adam": AdamSettings,
    "report": ReportSettings,
    "validation": ValidationSettings,
}


def keys(table: str) -> dict[str, dataclasses.Field]:
    """The keys of one table: its class's fields that are not derived."""
    return {f.name: f for f in dataclasses.fields(TABLES[table]) if "derived" not in f.metadata}


def required_keys() -> list[tuple[str, str]]:
    """(table, key) of every required setting."""
    return [(t, k) for t in TABLES for k, f in keys(t).items() if f.metadata["required"]]


# ---------------------------------------------------------------------------
# Checking a table
# ---------------------------------------------------------------------------


def check_table(
    table: str, values: Mapping[str, object], *, folder: Path | None = None
) -> tuple[dict[str, object], list[Problem]]:
    """(the checked values, the problems) of one table as TOML read it.

    Unknown keys and values of the wrong type are problems; the checked values
    are converted to the field types (lists to tuples, a whole number to a
    float where a number is expected, FILE paths resolved against ``folder``).
    """
    known = keys(table)
    checked: dict[str, object] = {}
    found: list[Problem] = []
    hints = typing.get_type_hints(TABLES[table])
    for key, value in values.items():
        if key not in known:
            homes = [t for t in TABLES if key in keys(t)]
            hint = f"; it belongs in {' or '.join(f'[{t}]' for t in homes)}" if homes else _suggest(key, known, "{}")
            found.append(Problem(f"unknown setting{hint}", table, key))
            continue
        result, why = _value(known[key], hints[key], value, folder)
        if why:
            found.append(Problem(why, table, key, toml_text(value)))
        else:
            checked[key] = result
    return checked, found


def build(
    cls: type, table: str, values: Mapping[str, object], **derived_values: object
) -> tuple[object, list[Problem]]:
    """(the settings, []) from checked values, or (None, the values the class refuses)."""
    try:
        return cls(**values, **derived_values), []
    except StudyConfigError as exc:
        return None, [
            dataclasses.replace(
                p, table=p.table or table, value=toml_text(values[p.key]) if p.key and p.key in values else None
            )
            for p in exc.problems
        ]


_S = typing.TypeVar("_S")


def with_values(settings: _S, table: str, values: Mapping[str, object]) -> _S:
    """A copy of ``settings`` (of the class of ``table``) with some keys set, checked as in the file."""
    checked, found = check_table(table, values)
    if not found:
        try:
            return dataclasses.replace(settings, **checked)  # type: ignore[type-var]
        except StudyConfigError as exc:
            found = [
                dataclasses.replace(p, value=toml_text(values[p.key]) if p.key and p.key in values else None)
                for p in exc.problems
            ]
    raise StudyConfigError(found)


def _value(spec: dataclasses.Field, kind: object, value: object, folder: Path | None) -> tuple[object, str | None]:
    meta = spec.metadata
    if meta["kind"] == DATE:
        return _date(value)
    if meta["kind"] == FILE and typing.get_origin(kind) is tuple:
        return _files(value, folder or Path.cwd())
    why = _type_problem(value, str if meta["kind"] == FILE else kind)
    if why:
        return None, why
    if meta["not_empty"] and isinstance(value, str) and not value.strip():
        return None, "must not be empty"
    if meta["choices"] and value not in meta["choices"]:
        return None, must_be_one_of(meta["choices"])
    if meta["kind"] == FILE:
        assert isinstance(value, str)
        return _file(value, folder or Path.cwd())
    if isinstance(value, list):
        items = [v.strip().upper() if meta["upper"] and isinstance(v, str) else v for v in value]
        return tuple(items), None
    if isinstance(value, str) and meta["upper"]:
        return value.strip().upper(), None
    if kind is float and isinstance(value, int):
        return float(value), None
    return value, None


def _files(value: object, folder: Path) -> tuple[tuple[Path, ...] | None, str | None]:
    """A list of files, each as _file takes it."""
    why = _type_problem(value, tuple[str, ...])
    if why:
        return None, why
    assert isinstance(value, list)
    paths = []
    for number, each in enumerate(value, start=1):
        path, why = _file(each, folder)
        if why:
            return None, f"item {number} ({toml_text(each)}) {why}"
        assert path is not None
        paths.append(path)
    return tuple(paths), None


def _file(value: str, folder: Path) -> tuple[Path | None, str | None]:
    if not value.strip():
        return None, "names no file (leave the setting out when the study has none)"
    folder = folder.resolve()
    target = (folder / value).resolve()
    if target != folder and folder not in target.parents:
        return None, (
            f"resolves to {target}, outside the folder of the settings file ({folder}); "
            "a study's workbooks and documents must be in that folder or below it"
        )
    if target.is_dir():
        return None, f"is a folder, not a file ({target})"
    if not target.is_file():
        return None, f"no such file ({target})"
    return target, None


def _date(value: object) -> tuple[str | None, str | None]:
    """A date as ISO 8601 text, or why it is not a date."""
    if isinstance(value, dt.datetime):
        return None, "must be a date, not a date-time (write the date alone, e.g. 2023-06-30)"
    if isinstance(value, dt.date):
        return value.isoformat(), None
    if not isinstance(value, str):
        return None, f'must be a date ("2023-06-30" or 2023-06-30), not {kind_words(value)}'
    text = value.strip()
    try:
        if _ISO_DATE.fullmatch(text):
            return dt.date.fromisoformat(text).isoformat(), None
    except ValueError:
        return None, "is not a date of the calendar"
    return None, 'must be a complete ISO 8601 date, YYYY-MM-DD (e.g. "2023-06-30")'


_NOUNS = {bool: "booleans (true or false)", int: "whole numbers", float: "numbers", str: "text"}


def _type_problem(value: object, kind: object) -> str | None:
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
                return f"must be a list (write [{toml_text(value)}]), not {kind_words(value)}"
            return f"must be a list of {_NOUNS.get(item, item)}, not {kind_words(value)}"
        for number, each in enumerate(value, start=1):
            why = _type_problem(each, item)
            if why:
                return f"item {number} ({toml_text(each)}) {why}"
        return None
    if kind is bool:
        return None if isinstance(value, bool) else f"must be true or false (TOML boolean), not {kind_words(value)}"
    if kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else f"must be a whole number (TOML integer), not {kind_words(value)}"
    if kind is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"must be a number (TOML integer or float), not {kind_words(value)}"
    if kind is str:
        return None if isinstance(value, str) else f"must be text in quotes (TOML string), not {kind_words(value)}"
    raise TypeError(f"no check for settings of type {kind!r}")


def kind_words(value: object) -> str:
    """What TOML made of a value, in words."""
    for kind, words in (
        (bool, "a boolean"),
        (int, "a whole number"),
        (float, "a decimal number"),
        (str, "text"),
        (list, "a list"),
        (dict, "a table"),
        (dt.datetime, "a date-time"),
        (dt.date, "a date"),
        (dt.time, "a time"),
    ):
        if isinstance(value, kind):
            return words
    return type(value).__name__


def toml_text(value: object, limit: int = 60) -> str:
    """A value as it is written in TOML (shortened past ``limit`` characters)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, (int, float)):
        text = repr(value)
    elif isinstance(value, (dt.date, dt.time)):
        text = value.isoformat()
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(toml_text(v, limit) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {toml_text(v, limit)}" for k, v in value.items()) + " }"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def suggest_table(name: str) -> str:
    return _suggest(name, TABLES, "[{}]")


def _suggest(name: str, known: typing.Iterable[str], form: str) -> str:
    """'; did you mean X?' for the closest known name, else the known names."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    if close:
        return f"; did you mean {form.format(close[0])}?"
    return "; known: " + ", ".join(form.format(k) for k in known)


# ---------------------------------------------------------------------------
# The documentation
# ---------------------------------------------------------------------------
def _type_words(spec: dataclasses.Field, kind: object) -> str:
    if spec.metadata["kind"] == FILE:
        return "list of paths" if typing.get_origin(kind) is tuple else "path"
    if spec.metadata["kind"] == DATE:
        return "date"
    if typing.get_origin(kind) is tuple:
        return f"list of {_TYPE_WORDS[typing.get_args(kind)[0]]}"
    return _TYPE_WORDS[kind]


_TYPE_WORDS: dict[object, str] = {bool: "boolean", int: "integer", float: "number", str: "text"}


def _default_words(spec: dataclasses.Field) -> str:
    if spec.metadata["required"]:
        return "required"
    if spec.default is None:
        return "none"
    return f"`{toml_text(spec.default, limit=200)}`"


def settings_markdown() -> str:
    """The table of every key of study.toml (type, default, meaning), as the README shows it."""
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for table, cls in TABLES.items():
        hints = typing.get_type_hints(cls)
        for key, spec in keys(table).items():
            meaning = spec.metadata["meaning"].replace("|", "\\|")
            if spec.metadata["choices"]:
                meaning += " (" + " or ".join(f'"{c}"' for c in spec.metadata["choices"]) + ")"
            lines.append(
                f"| `[{table}] {key}` | {_type_words(spec, hints[key])} | {_default_words(spec)} | {meaning} |"
            )
    return "\n".join(lines) + "\n"
