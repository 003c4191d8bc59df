"""Transport-file rules: what SAS transport v5 and the FDA Study Data Technical
Conformance Guide (TCG) ask of every submitted dataset, checked on the data as
read (names, labels, lengths, ASCII, 200-byte values, numeric types, file size).
The tests themselves are dataset_io.transport_rules, which the XPT writer applies too.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dataset_io.transport_rules import (
    MAX_FILE_BYTES,
    dataset_name_ok,
    file_too_large,
    label_too_long,
    length_too_long,
    name_chars_ok,
    name_too_long,
    printable_ascii,
    value_bytes,
    value_too_long,
)
from specs.limits import MAX_LABEL, MAX_NAME, MAX_VALUE_BYTES

from .context import filled, text_profile
from .model import Hit, Outcome, positions
from .registry import Catalogue

TR = "Transport"
RULES = Catalogue()
add = RULES.add

_XPT_ROW_OVERHEAD = 0


def _dataset_name(ctx, name, frame):
    out = Outcome(1, 0)
    if not dataset_name_ok(name):
        out.hits.append(
            Hit(name, None, None, [name], f"1 to {MAX_NAME} upper-case letters or digits, starting with a letter")
        )
    return out


add(
    "CB-XPT-001",
    "error",
    "The dataset name is at most 8 letters or digits and starts with a letter",
    TR,
    ("ALL",),
    _dataset_name,
    core="CORE-000293",
    ids="CG0205",
)


def _file_name(ctx, name, frame):
    meta = ctx.meta.get(name)
    if meta is None or not meta.path:
        return Outcome(0, 1)
    base = meta.path.replace("\\", "/").rsplit("/", 1)[-1]
    stem, _, ext = base.rpartition(".")
    out = Outcome(1, 0)
    if stem != name.lower():
        out.hits.append(Hit(name, None, None, [base], f"expected {name.lower()}.{ext or 'xpt'}"))
    return out


add("CB-XPT-002", "warning", "The file is named as the dataset, in lower case (dm.xpt)", TR, ("ALL",), _file_name)


def _variable_names(ctx, name, frame):
    out = Outcome(len(frame.columns), 0)
    bad = [str(c) for c in frame.columns if name_too_long(str(c))]
    if bad:
        out.hits.append(
            Hit(name, None, bad[0], [", ".join(bad)], f"{len(bad)} variable(s) longer than {MAX_NAME} characters")
        )
    return out


add(
    "CB-XPT-003",
    "error",
    "Variable names are at most 8 characters",
    TR,
    ("ALL",),
    _variable_names,
    core="CORE-000182",
    ids="CG0310",
)


def _variable_name_chars(ctx, name, frame):
    out = Outcome(len(frame.columns), 0)
    for col in frame.columns:
        if not name_chars_ok(str(col)):
            out.hits.append(
                Hit(
                    name,
                    None,
                    str(col),
                    [str(col)],
                    "upper-case letters, digits and underscores, starting with a letter",
                )
            )
    return out


add(
    "CB-XPT-004",
    "error",
    "Variable names are upper-case letters, digits or underscores and start with a letter",
    TR,
    ("ALL",),
    _variable_name_chars,
)


def _labels(ctx, name):
    """Variable labels as the file (or else the spec) gives them."""
    meta = ctx.meta.get(name)
    if meta is not None and meta.variable_labels:
        return dict(meta.variable_labels)
    if ctx.spec is not None and ctx.spec.has_dataset(name):
        return {v.name: v.label for v in ctx.spec.variables_of(name)}
    return None


def _variable_labels(limit_check, what):
    def check(ctx, name, frame):
        labels = _labels(ctx, name)
        if labels is None:
            return Outcome(0, len(frame.columns))
        out = Outcome(0, 0)
        for col in frame.columns:
            label = labels.get(col)
            if label is None and col not in labels:
                out.not_applicable += 1
                continue
            out.checked += 1
            problem = limit_check(label or "")
            if problem:
                out.hits.append(Hit(name, None, str(col), [label], problem))
        return out

    return check


add(
    "CB-XPT-005",
    "error",
    "Variable labels are at most 40 characters",
    TR,
    ("ALL",),
    _variable_labels(lambda s: f"{len(s)} characters" if label_too_long(s) else None, "length"),
    core="CORE-000019",
    ids="CG0311",
)
add(
    "CB-XPT-006",
    "error",
    "Variable labels are ASCII",
    TR,
    ("ALL",),
    _variable_labels(lambda s: "non-ASCII characters" if not s.isascii() else None, "ascii"),
)
add(
    "CB-XPT-007",
    "warning",
    "Every variable has a label",
    TR,
    ("ALL",),
    _variable_labels(lambda s: "no label" if not s.strip() else None, "present"),
)

# CORE-000594's regex, applied word by word (the same test, without its backtracking on long words)
_SMALL_WORD = r"(?:a|an|the|as|and|per|to|but|or|for|in|is|of|on|with|and/or|within|from)"
_TITLE_WORD = re.compile(rf"^(?:{_SMALL_WORD}|[A-Z]\S*)+$")


def _not_title_case(label: str) -> str | None:
    words = label.split()
    if not words:
        return None
    if not words[0][:1].isupper() or not all(_TITLE_WORD.match(w) for w in words):
        return "not in title case"
    return None


add(
    "CB-XPT-017",
    "error",
    "Variable labels are in title case (small words such as of, and, or, with may be lower case)",
    "SDTMIG 3.4",
    ("SDTM",),
    _variable_labels(_not_title_case, "title case"),
    core="CORE-000594",
    ids="CG0359",
)


def _dataset_label_of(ctx, name):
    meta = ctx.meta.get(name)
    if meta is not None and meta.format in ("xpt", "json", "ndjson"):
        return meta.label or ""
    if ctx.spec is not None and ctx.spec.has_dataset(name):
        return ctx.spec.dataset(name).label or ""
    return None


def _dataset_label(ctx, name, frame):
    label = _dataset_label_of(ctx, name)
    if label is None:
        return Outcome(0, 1)
    out = Outcome(1, 0)
    if not label.strip():
        out.hits.append(Hit(name, None, None, [label], "the dataset has no label"))
    elif label_too_long(label):
        out.hits.append(Hit(name, None, None, [label], f"{len(label)} characters; at most {MAX_LABEL}"))
    elif not label.isascii():
        out.hits.append(Hit(name, None, None, [label], "non-ASCII characters"))
    return out


add("CB-XPT-008", "error", "The dataset has a label of at most 40 ASCII characters", TR, ("ALL",), _dataset_label)


def _text_columns(frame: pd.DataFrame):
    return [col for col in frame.columns if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col])]


def _value_rule(predicate, detail):
    def check(ctx, name, frame):
        columns = _text_columns(frame)
        out = Outcome(len(frame) * len(columns), len(frame) * (len(frame.columns) - len(columns)))
        for col in columns:
            bad = text_profile(ctx, name, col).mask(predicate)
            if bad.any():
                rows = positions(bad)
                vals = frame[col].to_numpy()[rows]
                out.hits.append(Hit(name, rows, str(col), vals, [detail(x) for x in vals]))
        return out

    return check


add(
    "CB-XPT-009",
    "error",
    "Character values are at most 200 bytes",
    TR,
    ("ALL",),
    _value_rule(value_too_long, lambda s: f"{value_bytes(s)} bytes; split the text as SDTMIG 4.5.3 says"),
)
add(
    "CB-XPT-010",
    "error",
    "Character values are printable ASCII",
    TR,
    ("ALL",),
    _value_rule(
        lambda s: not printable_ascii(s),
        lambda s: "characters " + ", ".join(sorted({repr(ch) for ch in s if not ch.isascii() or ord(ch) < 32})),
    ),
)


def _declared_type(ctx, name, column):
    """'text' or 'numeric' per the spec (else the define), or None."""
    numeric = {"integer", "float", "double"}
    if ctx.spec is not None and ctx.spec.has_dataset(name):
        try:
            var = ctx.spec.variable(name, column)
        except KeyError:
            var = None
        if var is not None and var.data_type:
            if var.data_type in numeric:
                return "numeric"
            if var.data_type in ("date", "datetime", "time") and var.display_format:
                return None  # an ADaM numeric date: numbers or datetimes both fine
            return "text"
    define = ctx.define
    if define is not None:
        item = define.variable(name, column)
        if item is not None and item.data_type:
            return "numeric" if item.data_type in numeric else ("text" if item.data_type == "text" else None)
    return None


def _numeric_types(ctx, name, frame):
    out = Outcome(0, 0)
    for col in frame.columns:
        declared = _declared_type(ctx, name, col)
        series = frame[col]
        if declared is None:
            # no metadata: a column mixing numbers and text is always wrong
            mixed = False
            if series.dtype == object:
                prof = text_profile(ctx, name, col)
                mixed = prof.is_str.any() and prof.has_non_str
            if mixed:
                rows = positions(prof.mask(lambda x: x.strip() != ""))
                out.checked += len(series)
                out.hits.append(Hit(name, rows, str(col), series.to_numpy()[rows], "numbers and text in one column"))
            else:
                out.not_applicable += len(series)
            continue
        out.checked += len(series)
        present = filled(series)
        if declared == "numeric":
            if series.dtype == object:
                bad = present & text_profile(ctx, name, col).is_str
                if bad.any():
                    rows = positions(bad)
                    out.hits.append(Hit(name, rows, str(col), series.to_numpy()[rows], "text in a numeric variable"))
        else:
            if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
                if present.any():
                    rows = positions(present)
                    out.hits.append(Hit(name, rows, str(col), series.to_numpy()[rows], "a number in a text variable"))
            else:
                bad = present & ~text_profile(ctx, name, col).is_str
                if bad.any():
                    rows = positions(bad)
                    out.hits.append(Hit(name, rows, str(col), series.to_numpy()[rows], "a number in a text variable"))
    return out


add(
    "CB-XPT-011",
    "error",
    "Variables are stored with their declared type (numeric as SAS numbers, text as characters)",
    TR,
    ("ALL",),
    _numeric_types,
    core="CORE-001082",
    ids="CG0012",
)


def _max_bytes(ctx, name, col) -> int:
    return text_profile(ctx, name, col).max_bytes


def _declared_lengths(ctx, name, frame):
    meta = ctx.meta.get(name)
    if meta is None or not meta.variable_lengths:
        return Outcome(0, len(frame.columns))
    out = Outcome(0, 0)
    for col in _text_columns(frame):
        width = meta.variable_lengths.get(col)
        if not width:
            out.not_applicable += 1
            continue
        out.checked += 1
        longest = _max_bytes(ctx, name, col)
        if length_too_long(width):
            out.hits.append(Hit(name, None, str(col), [width], f"declared length {width} > {MAX_VALUE_BYTES}"))
        elif width > max(longest, 1):
            out.hits.append(
                Hit(name, None, str(col), [width], f"declared length {width}, longest value {longest} bytes")
            )
    return out


add(
    "CB-XPT-012",
    "warning",
    "A character variable's length is that of its longest value (TCG: no padding), and at most 200",
    TR,
    ("ALL",),
    _declared_lengths,
)


def _estimated_bytes(ctx, name, frame) -> int:
    meta = ctx.meta.get(name)
    if meta is not None and meta.file_size is not None:
        return int(meta.file_size)
    width = 0
    for col in frame.columns:
        if frame[col].dtype == object:
            declared = meta.variable_lengths.get(col) if meta is not None else None
            width += int(declared or max(_max_bytes(ctx, name, col), 1))
        else:
            width += 8
    return width * len(frame)


def _file_size(ctx, name, frame):
    size = _estimated_bytes(ctx, name, frame)
    out = Outcome(1, 0)
    if file_too_large(size):
        parts = int(np.ceil(size / MAX_FILE_BYTES))
        out.hits.append(
            Hit(
                name,
                None,
                None,
                [size],
                f"{size / 1024**3:.2f} GB: split into at least {parts} files under 5 GB "
                f"(for example by --CAT or PARCAT1, named {name.lower()}1.xpt, {name.lower()}2.xpt ...), "
                f"keep the whole {name.lower()}.xpt too if the FDA asks, and say so in the reviewer's guide",
            )
        )
    return out


add(
    "CB-XPT-013",
    "error",
    "A dataset file is at most 5 GB (FDA TCG); larger ones are split",
    TR,
    ("ALL",),
    _file_size,
    core="CORE-000765",
    ids="FB2401",
)


def _empty_variables(ctx, name, frame):
    out = Outcome(len(frame.columns), 0)
    if len(frame) == 0:
        return out
    for col in frame.columns:
        if not filled(frame[col]).any():
            core = None
            if ctx.spec is not None and ctx.spec.has_dataset(name):
                try:
                    core = ctx.spec.variable(name, col).effective_core
                except KeyError:
                    core = None
            if core in ("Req", "Exp"):
                continue
            out.hits.append(Hit(name, None, str(col), [None], "no value in any record"))
    return out


add("CB-XPT-014", "notice", "A permissible variable with no values is not submitted", TR, ("SDTM",), _empty_variables)


def _encoding(ctx, name, frame):
    meta = ctx.meta.get(name)
    if meta is None:
        return Outcome(0, 1)
    out = Outcome(1, 0)
    if meta.encoding_problem:
        out.hits.append(Hit(name, None, None, [meta.path], meta.encoding_problem))
    return out


add("CB-XPT-015", "error", "The file is readable as UTF-8 or ASCII text (no other encoding)", TR, ("ALL",), _encoding)

_LOST = re.compile(r"\?\?|^[\s?]*\?[\s?]*$")


def _lost_characters(s: str) -> bool:
    """'?' standing for characters a conversion to ASCII could not write: a run of two or
    more, or a value of question marks alone (a single '?' in a sentence is left alone)."""
    return "?" in s and _LOST.search(s) is not None


add(
    "CB-XPT-016",
    "warning",
    "Text values hold no '?' standing for characters lost in a conversion to ASCII",
    TR,
    ("ALL",),
    _value_rule(
        _lost_characters,
        lambda s: (
            f"{s.count('?')} '?' in {s[:40]!r}: the text was not ASCII; "
            "translate it (FDA TCG 4.1.1.3) rather than replace its characters"
        ),
    ),
)


def _read_whole(ctx, name, frame):
    files = sorted(ctx.meta.items())
    out = Outcome(len(files), 0)
    for dataset, meta in files:
        if meta.unreadable:
            base = (meta.path or dataset).replace("\\", "/").rsplit("/", 1)[-1]
            out.hits.append(
                Hit(
                    dataset,
                    None,
                    None,
                    [base],
                    f"the file could not be read, so {dataset} was not validated: {meta.unreadable}",
                )
            )
    return out


add(
    "CB-XPT-018",
    "error",
    "Every dataset file reads whole (not cut short, changed after it was written, or unreadable)",
    TR,
    ("STUDY",),
    _read_whole,
)
