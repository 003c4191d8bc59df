"""Pandera schemas built from a dataset's spec.

`build_schema(spec, "DM")` gives a pandera DataFrameSchema that checks, per the
spec: the data type of each variable; that Req and Exp variables are present;
that Req variables are never null; codelist membership (a value outside an
extensible codelist is reported as a warning, outside a closed one as an
error); the maximum length in bytes; the ISO 8601 form of every --DTC; and that
the dataset's keys identify each record.

`validate_frame(frame, spec, "DM")` validates lazily and returns one table with
every failure: dataset, variable, row, key, value, check, severity, message.
Each check is a `SpecCheck`: its name, what it asks (the failure's message) and
the severity of a failure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from .model import Spec, Variable

_NULL = np.array(None, dtype=object)  # None where numpy wants an array
FAILURE_COLUMNS = ["dataset", "variable", "row", "key", "value", "check", "severity", "message"]

_ISO_DTC = re.compile(
    r"^(?P<y>\d{4}|-)"
    r"(?:-(?P<m>\d{2}|-)"
    r"(?:-(?P<d>\d{2}|-)"
    r"(?:T(?P<H>\d{2}|-)"
    r"(?::(?P<M>\d{2}|-)"
    r"(?::(?P<S>\d{2}(?:\.\d+)?))?)?)?)?)?$"
)
_RANGES = {"m": (1, 12), "d": (1, 31), "H": (0, 23), "M": (0, 59), "S": (0, 59)}
TEXT_TYPES = {"text"}
NUMERIC_TYPES = {"integer", "float"}
DTC_TYPES = {"date", "datetime", "time", "partialDate", "partialTime", "partialDatetime", "incompleteDatetime"}
_DATE_FORMAT = re.compile(
    r"^(E8601|B8601|IS8601)?(DATE|DATETIME|TIME|DDMMYY|MMDDYY|YYMMDD|DT|TM|DA)[A-Z]*\d*\.?\d*$", re.I
)


@dataclass(frozen=True)
class SpecCheck:
    """One check the spec implies for a variable (or for the dataset's records).

    test: values (or the frame) -> a boolean Series, True where they pass;
    severity: of a failure (error; warning for a term outside an extensible codelist).
    """

    test: Callable[..., pd.Series]
    name: str
    description: str
    severity: str = "error"

    def pandera(self) -> pa.Check:
        return pa.Check(self.test, name=self.name, description=self.description)


@lru_cache(maxsize=1 << 16)  # the same dates recur in every dataset
def is_iso8601_dtc(value: str) -> bool:
    """True for an SDTM --DTC value: complete or partial ISO 8601, unknown parts as '-'."""
    match = _ISO_DTC.match(value)
    if not match:
        return False
    parts = match.groupdict()
    if value.endswith("-") and len(value) > 1:
        return False  # a trailing unknown part is written by truncation, not a dash
    for name, (low, high) in _RANGES.items():
        text = parts.get(name)
        if text and text != "-":
            number = float(text)
            if not low <= number <= high and not (name == "S" and number < 60):
                return False
    return True


def per_unique(series: pd.Series, test) -> pd.Series:
    """`test` applied to each distinct value only (nulls pass), spread back to every row.

    Clinical columns repeat a few values many times, so this costs the number
    of distinct values, not of rows.
    """
    if isinstance(series.dtype, pd.CategoricalDtype):  # already factorised (as_categorical, validate_frame)
        codes, uniques = series.cat.codes.to_numpy(), series.cat.categories
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    ok = np.fromiter((bool(test(u)) for u in uniques), dtype=bool, count=len(uniques))
    return pd.Series(np.append(ok, True)[codes], index=series.index)  # null (code -1) takes the appended True


def _is_text_categorical(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.CategoricalDtype) and is_text(series.cat.categories)


def _spread(series: pd.Series, ok: np.ndarray) -> pd.Series:
    """A result per category of a categorical spread to its rows (nulls pass)."""
    return pd.Series(np.append(ok, True)[series.cat.codes.to_numpy()], index=series.index)


def as_categorical(values: pd.Series) -> pd.Series:
    """Text values as a categorical of the distinct values, in order of appearance
    (one pass, no sort): several per_unique tests of it cost one factorisation.
    A categorical is returned as it is."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values
    codes, uniques = pd.factorize(values.to_numpy(), use_na_sentinel=True)
    categories = pd.CategoricalDtype(pd.Index(uniques, dtype=object))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=categories), index=values.index, name=values.name)


def text_categorical(values) -> pd.Categorical | None:
    """A column of strings and nulls as a categorical of its distinct strings, in
    order of appearance (every kind of null: code -1); None when it holds
    anything else (numbers, dates), whose equal values of different types
    (1, 1.0, True) a categorical would merge."""
    if isinstance(values, pd.Series):
        values = values.array if isinstance(values.dtype, pd.CategoricalDtype) else values.to_numpy()
    if isinstance(values, pd.Categorical):
        return values if is_text(values.categories) else None
    if values.dtype != object:
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    categories = pd.Index(uniques, dtype=object)
    if not is_text(categories):
        return None
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def is_text(values: pd.Index) -> bool:
    """Every value a str (an empty index is text)."""
    return len(values) == 0 or values.inferred_type == "string"


def text_lengths(texts: pd.Index, encoding: str | None = None) -> np.ndarray:
    """The length of each str in characters (or in bytes of `encoding`), counted at C speed
    when the texts are ASCII (one character, one byte)."""
    texts = list(texts)
    if encoding is None or "".join(texts).isascii():
        return np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    return np.fromiter((len(t.encode(encoding)) for t in texts), dtype=np.int64, count=len(texts))


def _is_dtc(var: Variable) -> bool:
    return var.name.endswith("DTC") or (var.data_type in DTC_TYPES and not _is_numeric_date(var))


def _is_numeric_date(var: Variable) -> bool:
    """An ADaM numeric date/time (integer or float with a date display format)."""
    return var.data_type in NUMERIC_TYPES and bool(var.display_format and _DATE_FORMAT.match(var.display_format))


def _text_checks(var: Variable) -> list[SpecCheck]:
    checks = [
        SpecCheck(
            lambda s: (
                pd.Series(True, index=s.index)
                if _is_text_categorical(s)
                else per_unique(s, lambda v: isinstance(v, str))
            ),
            name="text type",
            description=f"{var.name} is text: every value must be a string",
        )
    ]
    if var.length:
        checks.append(
            SpecCheck(
                lambda s, n=var.length: (
                    _spread(s, text_lengths(s.cat.categories, "utf-8") <= n)
                    if _is_text_categorical(s)
                    else per_unique(s, lambda v: len(str(v).encode("utf-8")) <= n)
                ),
                name=f"length <= {var.length}",
                description=f"{var.name} is at most {var.length} bytes long",
            )
        )
    if _is_dtc(var):
        checks.append(
            SpecCheck(
                lambda s: per_unique(s, lambda v: isinstance(v, str) and is_iso8601_dtc(v)),
                name="ISO 8601",
                description=f"{var.name} is an ISO 8601 date/time",
            )
        )
    return checks


def _numeric_checks(var: Variable) -> list[SpecCheck]:
    if _is_numeric_date(var):
        return [
            SpecCheck(
                lambda s: (
                    pd.Series(True, index=s.index)
                    if s.dtype.kind in "fiuM"
                    else per_unique(s, lambda v: isinstance(v, (int, float, pd.Timestamp)) or hasattr(v, "toordinal"))
                ),
                name="date or number",
                description=f"{var.name} is a numeric date",
            )
        ]
    checks = [
        SpecCheck(
            lambda s: (
                pd.Series(True, index=s.index)
                if s.dtype.kind in "fiu"
                else per_unique(s, lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
            ),
            name="numeric type",
            description=f"{var.name} is numeric",
        )
    ]
    if var.data_type == "integer":
        checks.append(
            SpecCheck(
                lambda s: per_unique(s, lambda v: not isinstance(v, (int, float)) or float(v).is_integer()),
                name="whole number",
                description=f"{var.name} is an integer",
            )
        )
    return checks


def _codelist_check(spec: Spec, var: Variable) -> list[SpecCheck]:
    if not var.codelist or not spec.has_codelist(var.codelist):
        return []  # a dictionary (MedDRA, WHODrug) or a broken reference, reported by check_spec
    codelist = spec.codelist(var.codelist)
    allowed = codelist.submission_values
    if not allowed:
        return []

    # numbers in a numeric codelist compare as their text
    def fn(s, a=allowed):
        return per_unique(s, lambda v: _as_term(v) in a)

    if codelist.extensible:
        return [
            SpecCheck(
                test=fn,
                name=f"codelist {codelist.id} (extensible)",
                description=f"{var.name} value not in extensible codelist {codelist.id}: a new term, reported",
                severity="warning",
            )
        ]
    return [
        SpecCheck(
            test=fn, name=f"codelist {codelist.id}", description=f"{var.name} is a term of codelist {codelist.id}"
        )
    ]


def _as_term(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def variable_checks(spec: Spec, var: Variable) -> list[SpecCheck]:
    """The checks of one variable: its data type, length, ISO 8601 form and codelist."""
    checks = _numeric_checks(var) if var.data_type in NUMERIC_TYPES else _text_checks(var)
    return checks + _codelist_check(spec, var)


def record_checks(spec: Spec, dataset: str) -> list[SpecCheck]:
    """The checks of the dataset's records: its keys identify each one."""
    keys = spec.dataset(dataset).keys
    if not keys:
        return []
    return [
        SpecCheck(
            lambda df, k=tuple(keys): _keys_unique(df, k),
            name="unique keys",
            description=f"{dataset} keys ({', '.join(keys)}) identify one record",
        )
    ]


def build_schema(spec: Spec, dataset: str) -> pa.DataFrameSchema:
    """The pandera schema of one dataset of the spec."""
    return _schema(spec, dataset, {var.name: variable_checks(spec, var) for var in spec.variables_of(dataset)})


def _schema(spec: Spec, dataset: str, checks: dict[str, list[SpecCheck]]) -> pa.DataFrameSchema:
    ds = spec.dataset(dataset)
    columns = {}
    for var in spec.variables_of(dataset):
        core = var.effective_core
        columns[var.name] = pa.Column(
            dtype=None,
            checks=[c.pandera() for c in checks[var.name]],
            nullable=core != "Req",
            required=core in ("Req", "Exp"),
            title=var.label,
        )
    return pa.DataFrameSchema(
        columns=columns,
        checks=[c.pandera() for c in record_checks(spec, dataset)],
        strict=False,
        name=dataset,
        title=ds.label,
    )


def _keys_unique(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.Series:
    """True for each record whose key values no other record shares (missing key columns ignored)."""
    present = [k for k in keys if k in frame.columns]
    if not present:
        return pd.Series(True, index=frame.index)
    return ~frame.duplicated(subset=present, keep=False)


def _factorised(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame as validated: empty strings null (as they are in a transport file)
    and each text column a categorical of its distinct values.

    Every check of a categorical column then tests each distinct value once
    (see per_unique) instead of hashing every row again. A column holding
    anything but strings, None and NaN stays as it is: equal values of
    different types (1, 1.0, True) would share a category, a categorical's
    nulls are all NaN, and the failure table shows each value as it is.
    A column may come factorised already (a text categorical).
    """
    factorised = {}
    for col in columns:
        values = frame[col]
        if isinstance(values.dtype, pd.CategoricalDtype):  # already factorised: blanks made null
            categorical = text_categorical(values)
            values = values.to_numpy() if categorical is None else categorical
        if isinstance(values, pd.Categorical):
            texts = list(values.categories)
            blank = (text_lengths(texts) == 0) | np.fromiter(map(str.isspace, texts), dtype=bool, count=len(texts))
            if blank.any():
                codes = values.codes
                values = pd.Categorical.from_codes(
                    np.where(np.append(blank, False)[codes], -1, codes), dtype=values.dtype
                )
        elif values.dtype == object:
            values = np.asarray(values)
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            blank = np.append([isinstance(u, str) and u.strip() == "" for u in uniques], False)[
                codes
            ]  # -1 (null): False
            nulls = values[codes < 0]
            if all(isinstance(u, str) for u in uniques) and all(isinstance(v, float) for v in nulls[nulls != None]):  # noqa: E711
                values = pd.Categorical.from_codes(
                    np.where(blank, -1, codes), dtype=pd.CategoricalDtype(pd.Index(uniques, dtype=object))
                )
            else:
                values = np.where(blank, _NULL, values)
        factorised[col] = values
    return pd.DataFrame(factorised, index=frame.index, copy=False)


def validate_frame(frame: pd.DataFrame, spec: Spec, dataset: str) -> pd.DataFrame:
    """Validate lazily; every failure as one row (empty table when the frame passes).

    A text column may be given as a categorical of its distinct strings (it saves
    factorising it again).
    """
    checks = {var.name: variable_checks(spec, var) for var in spec.variables_of(dataset)}
    schema = _schema(spec, dataset, checks)
    data = _factorised(frame, [c for c in frame.columns if c in schema.columns])  # the others are not checked
    try:
        schema.validate(data, lazy=True, inplace=True)
        return pd.DataFrame(columns=FAILURE_COLUMNS)
    except SchemaErrors as exc:
        cases = exc.failure_cases
    except SchemaError as exc:  # raised eagerly by some checks
        cases = exc.failure_cases if exc.failure_cases is not None else pd.DataFrame()
    by_name = {(variable, c.name): c for variable, of_variable in checks.items() for c in of_variable}
    keys = [k for k in spec.dataset(dataset).keys if k in frame.columns and k != "STUDYID"]
    shown = _decoded(frame, keys)
    rows = []
    for case in cases.to_dict("records"):
        check = str(case.get("check"))
        index = case.get("index")
        variable = case.get("column")
        value = case.get("failure_case")
        severity = "error"
        if check == "column_in_dataframe":
            variable, value = value, None
            core = spec.variable(dataset, variable).effective_core
            message = f"{dataset}.{variable} ({core}) is missing"
            check = "required column"
        elif check == "not_nullable":
            message = f"{dataset}.{variable} is required and may not be null"
            check = "not null"
        elif check in ("multiple_fields_uniqueness", "unique keys"):
            all_keys = spec.dataset(dataset).keys
            message = f"{dataset} keys ({', '.join(all_keys)}) repeat"
            check = "unique keys"
            variable = ", ".join(all_keys)
            value = None
        elif (variable, check) in by_name:
            failed = by_name[(variable, check)]
            message, severity = failed.description, failed.severity
        else:
            message = check
        row = None if index is None or pd.isna(index) else int(index) if isinstance(index, (int, float)) else index
        key = None
        if row is not None and row in frame.index and keys:
            record = shown.loc[row]
            key = ", ".join(f"{k}={record[k]}" for k in keys)
        rows.append(
            {
                "dataset": dataset,
                "variable": variable,
                "row": row,
                "key": key,
                "value": None if value is None or (isinstance(value, float) and pd.isna(value)) else value,
                "check": check,
                "severity": severity,
                "message": message,
            }
        )
    table = pd.DataFrame(rows, columns=FAILURE_COLUMNS, dtype=object)
    table["row"] = pd.Series([r["row"] for r in rows], dtype=object)
    return table.drop_duplicates(subset=["variable", "row", "check"]).reset_index(drop=True)


def _decoded(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The frame with those of `columns` that are categoricals as their values (None for null)."""
    categorical = [c for c in columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not categorical:
        return frame
    return frame.assign(
        **{
            c: np.append(frame[c].cat.categories.to_numpy(dtype=object), _NULL)[frame[c].cat.codes.to_numpy()]
            for c in categorical
        }
    )
