"""When the files were made: the clock, or SOURCE_DATE_EPOCH for a reproducible build.

define.xml's CreationDateTime, Dataset-JSON's datasetJSONCreationDateTime and the
transport files' created/modified stamps say when the files were written. Read
from the clock, two runs differ in those bytes; the reproducible-builds
convention (https://reproducible-builds.org/specs/source-date-epoch/) fixes
them: when the environment variable SOURCE_DATE_EPOCH holds a number of seconds
since 1970-01-01T00:00:00Z, that instant is used instead of the clock. The data
cut-off is a different date (define.xml's AsOfDateTime, Dataset-JSON's
dbLastModifiedDateTime), never the creation time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime

VARIABLE = "SOURCE_DATE_EPOCH"


class ClockError(ValueError):
    """SOURCE_DATE_EPOCH is set but is not a number of seconds."""


def creation_datetime(environ: Mapping[str, str] | None = None) -> str:
    """The creation date-time of the files, ISO 8601 in UTC to the second ('2026-12-06T02:30:00').

    SOURCE_DATE_EPOCH (in `environ`, by default the process environment) when it
    is set, else the clock. A value that is not a non-negative integer raises
    ClockError: a reproducible build that silently fell back to the clock would
    not be reproducible.
    """
    env = os.environ if environ is None else environ
    raw = env.get(VARIABLE)
    if raw is None or raw == "":
        moment = datetime.now(UTC)
    else:
        text = raw.strip()
        if not text.isdigit():
            raise ClockError(f"{VARIABLE}={raw!r} is not a number of seconds since 1970-01-01T00:00:00Z")
        try:
            moment = datetime.fromtimestamp(int(text), UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ClockError(f"{VARIABLE}={raw!r} is out of range: {exc}") from exc
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def iso_datetime(date: str) -> str:
    """An ISO 8601 date or date-time as a date-time ('2023-06-30' -> '2023-06-30T00:00:00')."""
    return date if "T" in date else f"{date}T00:00:00"
