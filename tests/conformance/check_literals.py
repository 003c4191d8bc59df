"""Literal frames for calling a check function directly, and what its outcome says
(shared by the unit tests of conformance.sdtm_checks and conformance.adam_checks)."""

from __future__ import annotations

import pandas as pd

from conformance.context import Context

NAN = float("nan")


def df(**columns) -> pd.DataFrame:
    """A frame of text columns (None for null) unless a column is given as floats."""
    return pd.DataFrame(
        {
            k: pd.Series(v, dtype="float64" if any(isinstance(x, float) for x in v) else object)
            for k, v in columns.items()
        }
    )


def run(check, name, datasets):
    """The check's outcome on dataset ``name`` of ``datasets``."""
    ctx = Context(datasets)
    return check(ctx, name, ctx.frame(name))


def counts(out):
    """(records checked, not applicable, failed)."""
    return (out.checked, out.not_applicable, out.failed)


def rows(out):
    """The row numbers of every hit."""
    return [int(r) for h in out.hits for r in h.rows]
