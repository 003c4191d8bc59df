"""How a derivation of the library is described to the spec-driven engine (adam_builder.engine).

Each module of derivations lists what the spec may call in a ``DERIVATIONS`` dict, name ->
``Derivation``; adam_builder.library gathers them. The engine orders the calls of a dataset by
what each ``needs`` and ``adds`` (columns of the dataset being built; ``PARAMCD=X`` for the
records of a parameter), so a spec never has to list its methods in running order.

kinds:
  create   makes records from its inputs (called without the dataset; its rows are appended)
  records  adds records to the dataset (derive_param_*, derive_*_records)
  columns  adds or replaces columns (derive_var_*, derive_vars_*)
  filter   returns (kept, removed): the removed records are listed in the issue report by
           ``report``, never dropped silently
  check    returns a table of findings; the dataset is unchanged; ``report`` words them
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

Kind = Literal["create", "records", "columns", "filter", "check"]
Names = tuple[str, ...] | Callable[[Mapping[str, Any]], Iterable[str]]
# (USUBJID or None, kind of issue, message) for each finding of a filter or check
Report = Callable[[pd.DataFrame, Mapping[str, Any]], Iterable[tuple[str | None, str, str]]]

RECORDS = "*records"  # a need: every create / records / filter call of the dataset has run


@dataclass(frozen=True)
class Derivation:
    function: Callable[..., Any]
    kind: Kind = "columns"
    needs: Names = (RECORDS,)
    adds: Names = ()
    # dataset keywords that may name an absent SDTM dataset: "none" passes None, "skip" skips the
    # call (its variables stay null) with an issue; any other absent dataset stops the dataset
    optional: Mapping[str, Literal["none", "skip"]] = field(default_factory=dict)
    report: Report | None = None

    def needed(self, kwargs: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(self.needs(kwargs) if callable(self.needs) else self.needs)

    def added(self, kwargs: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(self.adds(kwargs) if callable(self.adds) else self.adds)


def param_token(paramcd: str) -> str:
    """The need/add token of a parameter's records."""
    return f"PARAMCD={paramcd}"


def columns_of(*names: str, **from_kwargs: Any) -> Callable[[Mapping[str, Any]], tuple[str, ...]]:
    """needs/adds: fixed ``names`` plus the values of keywords (``from_kwargs``: keyword -> default;
    a list value contributes each element)."""

    def pick(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
        out = list(names)
        for key, default in from_kwargs.items():
            value = kwargs.get(key, default)
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                out.extend(str(v) for v in value)
            else:
                out.append(str(value))
        return tuple(out)

    return pick


def record_date(row: Any, column: str = "ADT") -> str:
    """The date a report names a record by: its ``column`` as YYYY-MM-DD, or 'an unknown date'."""
    value = getattr(row, column, None)
    return value.date().isoformat() if value is not None and pd.notna(value) else "an unknown date"
