"""The study a rule looks at, and the small vectorised helpers rules share.

`Context` holds the datasets (upper-case name -> DataFrame), the spec, the
parsed define.xml and what the reader learnt about each file (labels, lengths,
file size). It tells a rule each dataset's domain prefix and observation class
and resolves "--" variable names (`ctx.var("AE", "--SEQ")` is "AESEQ").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

# SDTMIG 3.4 observation classes of the standard domains (used when no spec says).
SDTM_CLASSES = {
    "INTERVENTIONS": "AG CM EC EX ML PR SU",
    "EVENTS": "AE BE CE DS DV HO MH",
    "FINDINGS": "BS CP CV DA DD EG FT GF IE IS LB MB MI MK MS NV OE PC PE PP QS RE RP RS SC SS TR TU UR VS SR",
    "FINDINGS ABOUT": "FA",
    "SPECIAL PURPOSE": "CO DM SE SM SV",
    "TRIAL DESIGN": "TA TD TE TI TM TS TV",
    "RELATIONSHIP": "RELREC RELSUB RELSPEC",
    "STUDY REFERENCE": "OI",
}
_DOMAIN_CLASS = {d: c for c, ds in SDTM_CLASSES.items() for d in ds.split()}
_SPEC_CLASS = {
    "SUBJECT LEVEL ANALYSIS DATASET": "ADSL",
    "BASIC DATA STRUCTURE": "BDS",
    "OCCURRENCE DATA STRUCTURE": "OCCDS",
    "ADAM OTHER": "ADAM OTHER",
}
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
SAS_EPOCH = pd.Timestamp("1960-01-01")


@dataclass(frozen=True)
class DatasetMeta:
    """What the file said about a dataset, beyond its values."""

    name: str
    path: str | None = None
    format: str | None = None  # xpt, json, ndjson, csv, parquet
    label: str | None = None
    file_size: int | None = None
    variable_labels: dict = field(default_factory=dict)
    variable_lengths: dict = field(default_factory=dict)  # declared storage width (XPT)
    variable_types: dict = field(default_factory=dict)  # 'text' / 'numeric' as stored
    encoding_problem: str | None = None
    unreadable: str | None = None  # why the file could not be read (its dataset is then not validated)


class Context:
    """The datasets of one study with the spec, define metadata and file metadata."""

    def __init__(
        self,
        datasets: dict[str, pd.DataFrame],
        spec=None,
        define=None,
        meta: dict[str, DatasetMeta] | None = None,
        standards=None,
    ):
        self.datasets = {str(k).upper(): v for k, v in datasets.items()}
        self.spec = spec
        self.define = define
        self.standards = standards  # conformance.ig.StudyStandards, or None: no guide, no terminology
        self.meta = {str(k).upper(): v for k, v in (meta or {}).items()}
        self._cache: dict = {}

    # -- datasets and their kinds ------------------------------------------
    def frame(self, name: str) -> pd.DataFrame | None:
        return self.datasets.get(name)

    def names(self) -> list[str]:
        return sorted(self.datasets)

    def is_adam(self, name: str) -> bool:
        if self.spec is not None and self.spec.has_dataset(name):
            cls = (self.spec.dataset(name).dataset_class or "").upper()
            if cls in _SPEC_CLASS or cls.startswith("ADAM"):
                return True
            if cls in SDTM_CLASSES:
                return False
        return name.startswith("AD") and name not in ("AD",)

    def is_supp(self, name: str) -> bool:
        return name.startswith("SUPP") or name.startswith("SQAP")

    def dataset_class(self, name: str) -> str | None:
        """SDTM observation class, or ADSL / BDS / OCCDS / ADAM OTHER for ADaM."""
        key = ("class", name)
        if key in self._cache:
            return self._cache[key]
        cls = None
        if self.spec is not None and self.spec.has_dataset(name):
            raw = (self.spec.dataset(name).dataset_class or "").upper()
            cls = _SPEC_CLASS.get(raw, raw or None)
        if cls is None:
            if self.is_supp(name):
                cls = "RELATIONSHIP"
            elif self.is_adam(name):
                frame = self.datasets.get(name)
                if name == "ADSL":
                    cls = "ADSL"
                elif frame is not None and "PARAMCD" in frame.columns:
                    cls = "BDS"
                else:
                    cls = (
                        "OCCDS"
                        if frame is not None and any(c.endswith("TERM") or c.endswith("DECOD") for c in frame.columns)
                        else "ADAM OTHER"
                    )
            else:
                cls = _DOMAIN_CLASS.get(self.domain(name) or name)
        self._cache[key] = cls
        return cls

    def domain(self, name: str) -> str | None:
        """The 2-letter prefix of an SDTM dataset's variables (DOMAIN value, else the name)."""
        key = ("domain", name)
        if key not in self._cache:
            self._cache[key] = self._domain(name)
        return self._cache[key]

    def _domain(self, name: str) -> str | None:
        if self.is_supp(name) or self.is_adam(name) or name in ("RELREC", "RELSUB", "RELSPEC"):
            return None
        frame = self.datasets.get(name)
        if frame is not None and "DOMAIN" in frame.columns:
            values = frame["DOMAIN"].dropna()
            values = values[values.astype(str).str.strip() != ""]
            if len(values):
                return str(values.iloc[0]).strip().upper()
        return name[:2]

    def var(self, name: str, variable: str) -> str:
        """Resolve '--XXX' to the dataset's prefixed name."""
        if variable.startswith("--"):
            return (self.domain(name) or "") + variable[2:]
        return variable

    def has(self, name: str, *variables: str) -> bool:
        frame = self.datasets.get(name)
        return frame is not None and all(self.var(name, v) in frame.columns for v in variables)

    def col(self, frame: pd.DataFrame, name: str, variable: str) -> pd.Series | None:
        column = self.var(name, variable)
        return frame[column] if column in frame.columns else None

    def matches(self, name: str, applies_to: tuple[str, ...], excludes: tuple[str, ...] = ()) -> bool:
        tokens = self._tokens(name)
        if any(e in tokens for e in excludes):
            return False
        return any(a in tokens for a in applies_to)

    def _tokens(self, name: str) -> set[str]:
        key = ("tokens", name)
        if key not in self._cache:
            tokens = {name, "ALL"}
            adam = self.is_adam(name)
            tokens.add("ADAM" if adam else "SDTM")
            cls = self.dataset_class(name)
            if cls:
                tokens.add(cls)
            if not adam:
                dom = self.domain(name)
                if dom:
                    tokens.add(dom)
                if self.is_supp(name):
                    tokens.add("SUPP--")
                if cls in ("INTERVENTIONS", "EVENTS", "FINDINGS", "FINDINGS ABOUT"):
                    tokens.add("GENERAL")
            self._cache[key] = tokens
        return self._cache[key]

    # -- shared look-ups -----------------------------------------------------
    @cached_property
    def dm(self) -> pd.DataFrame | None:
        return self.datasets.get("DM")

    @cached_property
    def adsl(self) -> pd.DataFrame | None:
        return self.datasets.get("ADSL")

    def dm_value(self, frame: pd.DataFrame, variable: str) -> pd.Series | None:
        """DM.variable for each record of frame, by USUBJID (None when DM lacks it)."""
        dm = self.dm
        if dm is None or variable not in dm.columns or "USUBJID" not in frame.columns or "USUBJID" not in dm.columns:
            return None
        lookup = dm.drop_duplicates("USUBJID").set_index("USUBJID")[variable]
        return frame["USUBJID"].map(lookup)

    def keys_of(self, name: str) -> tuple[str, ...]:
        if self.spec is not None and self.spec.has_dataset(name):
            return tuple(k for k in self.spec.dataset(name).keys if k not in ("STUDYID", "USUBJID"))
        return ()


# ---------------------------------------------------------------------------
# Vectorised helpers
# ---------------------------------------------------------------------------
def _uniques(series: pd.Series):
    """codes and unique values (codes -1 for NaN/None), so per-value work runs once per distinct value."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes, list(uniques)


def _per_value(series: pd.Series, fn, missing, dtype=object) -> np.ndarray:
    codes, uniques = _uniques(series)
    table = np.array([fn(u) for u in uniques] + [missing], dtype=dtype)
    return table[codes]


def blank(series: pd.Series) -> pd.Series:
    """True where a value is missing: None, NaN or a blank string."""
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        return pd.Series(
            _per_value(series, lambda u: isinstance(u, str) and u.strip() == "", True, bool), index=series.index
        )
    return series.isna()


def filled(series: pd.Series) -> pd.Series:
    return ~blank(series)


def _as_text(v) -> str:
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return str(int(v))
    return str(v).strip()


def text(series: pd.Series) -> pd.Series:
    """Values as stripped strings ('' for missing); whole numbers lose their '.0'."""
    return pd.Series(_per_value(series, _as_text, ""), index=series.index, dtype=object)


def number(series: pd.Series) -> pd.Series:
    """Values as float64 (NaN where not a number)."""
    if pd.api.types.is_numeric_dtype(series) and series.dtype != bool:
        return series.astype("float64")

    def convert(v):
        try:
            return float(v.strip()) if isinstance(v, str) else float(v)
        except (TypeError, ValueError):
            return np.nan

    return pd.Series(_per_value(series, convert, np.nan, "float64"), index=series.index)


def dtc_date(series: pd.Series) -> pd.Series:
    """The date of each --DTC value whose date portion is complete (else NaT).

    Vectorised: each distinct value is parsed once, all of them in one to_datetime call."""
    codes, uniques = _uniques(series)
    heads = np.array(
        [u.strip()[:10] if isinstance(u, str) and _FULL_DATE.match(u.strip()) else None for u in uniques] + [None],
        dtype=object,
    )
    parsed = pd.to_datetime(pd.Series(heads, dtype=object), format="%Y-%m-%d", errors="coerce")
    table = parsed.to_numpy(dtype="datetime64[ns]")
    return pd.Series(table[codes], index=series.index)


def complete_date(series: pd.Series) -> pd.Series:
    """True where the date portion of a --DTC value is a complete, valid date."""
    return dtc_date(series).notna()


def study_day(dates: pd.Series, reference: pd.Series) -> pd.Series:
    """SDTM study day: day 1 is the reference day, the day before is -1 (no day 0)."""
    delta = (dates - reference).dt.days.astype("float64")
    return delta.where(delta < 0, delta + 1)


def dtc_after(first: pd.Series, second: pd.Series) -> pd.Series:
    """True where ISO 8601 value `first` is later than `second`, compared at the
    precision both carry (so '2020-03' is after '2020-02-15', but '2020-02' is not
    after '2020-02-15'). Missing values never compare."""
    a = text(first)
    b = text(second)
    ok = (a != "") & (b != "") & a.str.match(r"^\d{4}") & b.str.match(r"^\d{4}")
    out = pd.Series(False, index=first.index)
    if not ok.any():
        return out
    a, b = a[ok], b[ok]
    # drop a 'T' with no time after it, and compare by the shorter length
    length = np.minimum(a.str.len().to_numpy(), b.str.len().to_numpy())
    result = np.zeros(len(a), dtype=bool)
    for n in np.unique(length):
        sel = length == n
        result[sel] = a[sel].str[: int(n)].to_numpy() > b[sel].str[: int(n)].to_numpy()
    out[ok] = result
    return out


def as_date(series: pd.Series) -> pd.Series:
    """An ADaM date as datetime64: datetime64 as is, numbers as SAS day counts,
    text as ISO 8601 dates."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.normalize()
    if pd.api.types.is_numeric_dtype(series):
        return SAS_EPOCH + pd.to_timedelta(series.astype("float64"), unit="D")
    values = text(series)
    return pd.to_datetime(values.str[:10].where(values.str.match(_FULL_DATE)), format="%Y-%m-%d", errors="coerce")


def is_numeric_text(series: pd.Series) -> pd.Series:
    """True where a text value is a number (as SDTM --STRESC holds one)."""
    values = text(series)
    return values.str.match(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class TextProfile:
    """Per-row facts about a text column, computed once per distinct value."""

    def __init__(self, series: pd.Series):
        codes, uniques = _uniques(series)
        self.codes = codes
        self.uniques = uniques
        n = len(uniques)
        self._is_str = np.array([isinstance(u, str) for u in uniques] + [False], dtype=bool)
        self._bytes = np.array(
            [len(u.encode("utf-8")) if isinstance(u, str) else 0 for u in uniques] + [0], dtype=np.int64
        )
        self.n = n

    def mask(self, predicate) -> np.ndarray:
        table = np.array([isinstance(u, str) and bool(predicate(u)) for u in self.uniques] + [False], dtype=bool)
        return table[self.codes]

    @property
    def is_str(self) -> np.ndarray:
        return self._is_str[self.codes]

    @property
    def nbytes(self) -> np.ndarray:
        return self._bytes[self.codes]

    @property
    def max_bytes(self) -> int:
        return int(self._bytes.max()) if len(self._bytes) else 0

    @property
    def has_non_str(self) -> bool:
        return any(not isinstance(u, str) for u in self.uniques)


def text_profile(ctx: Context, name: str, column: str) -> TextProfile:
    key = ("profile", name, column)
    if key not in ctx._cache:
        ctx._cache[key] = TextProfile(ctx.datasets[name][column])
    return ctx._cache[key]
