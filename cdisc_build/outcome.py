"""What a command tells a pipeline: its exit status, and messages instead of tracebacks.

Exit status of every command:
    0  clean: nothing at or above the --fail-on severity was found
    1  errors found (at or above --fail-on: error, the default, or warning), or the
       command could not run (a missing or unreadable input, a broken spec or
       settings file, a disk that refused a write): the message says which, and
       names the file, subject, row and field where they exist
    2  bad usage: an unknown option, a missing argument, an output folder refused
       (it is the working folder, holds an input or files the toolkit did not write),
       a SOURCE_DATE_EPOCH that is not a number of seconds

No traceback reaches a user: an error nobody foresaw is printed as one line
naming its kind (CDISC_BUILD_TRACEBACK=1 prints the traceback too).
"""

from __future__ import annotations

import functools
import os
import traceback
from dataclasses import dataclass
from enum import Enum

import typer
from rich.console import Console
from rich.text import Text
from typer.exceptions import TyperException

OK, FOUND, USAGE = 0, 1, 2


class FailOn(str, Enum):
    error = "error"
    warning = "warning"


FAIL_ON_HELP = "Exit 1 when something of this severity or worse was found (error: the default; warning)."
# the options every command that writes a folder, or counts findings, declares the same way
FAIL_ON_OPTION = typer.Option(FailOn.error, "--fail-on", help=FAIL_ON_HELP)
FORCE_OPTION = typer.Option(
    False,
    "--force",
    help="Replace a previous output of another cdisc-build command (never files cdisc-build did not write).",
)


@dataclass(frozen=True)
class StageCount:
    """What one stage found."""

    stage: str
    errors: int
    warnings: int

    def failing(self, fail_on: str | FailOn) -> bool:
        level = fail_on.value if isinstance(fail_on, FailOn) else fail_on
        return self.errors > 0 or (level == "warning" and self.warnings > 0)

    def describe(self) -> str:
        return f"{self.stage}: {self.errors:,} errors, {self.warnings:,} warnings"


def count_severity(*tables) -> tuple[int, int]:
    """(errors, warnings) over tables that have a `severity` column."""
    errors = warnings = 0
    for table in tables:
        if table is None or len(table) == 0 or "severity" not in table.columns:
            continue
        counts = table["severity"].astype(str).str.lower().value_counts()
        errors += int(counts.get("error", 0))
        warnings += int(counts.get("warning", 0))
    return errors, warnings


def print_error(console: Console, message: str, *, label: str = "error") -> None:
    """A message printed as it is (no markup read from it: `[study]` stays)."""
    console.print(Text(f"{label}: ", style="red").append(Text(str(message), style="")), highlight=False)


def print_text(console: Console, message: str, style: str = "") -> None:
    console.print(Text(str(message), style=style), highlight=False)


def _known_errors() -> tuple[type[BaseException], ...]:
    """The errors the stages raise to say an input cannot be used (their messages name the place)."""
    from dataset_io.outputs import OutputFolderError
    from specs.config import StudyConfigError
    from specs.findings import SpecError

    known: list[type[BaseException]] = [SpecError, StudyConfigError, OutputFolderError]
    for module, name in (
        ("specs", "SpecLayoutError"),
        ("specs.ct", "TerminologyError"),
        ("specs.standards", "StandardsError"),
        ("sdtm_builder.raw", "RawDataError"),
        ("dataset_io.readers", "DatasetReadError"),
        ("submission_export.package", "ExportError"),
        ("adam_builder.common", "AdamInputError"),
        ("adam_builder.recist_engine", "RecistInputError"),
        ("analysis_report.tables", "ReportInputError"),
        ("analysis_report.arm", "ReportArmError"),
        ("conformance.config", "ConfigError"),
        ("conformance.explanations", "ExplanationsError"),
        ("define_xml.check", "DefineCheckError"),
        ("dataset_io.xpt", "XptRuleError"),
        ("dataset_io.xpt_native", "XptFormatError"),
        ("adam_builder.dates", "DateError"),
        ("specs.xmlsafe", "XmlInputError"),
        ("define_xml.html", "DefineHtmlError"),
    ):
        try:
            error = getattr(__import__(module, fromlist=[name]), name)
        except (ImportError, AttributeError):
            continue
        known.append(error)
    return tuple(known)


def os_error_message(exc: OSError) -> str:
    where = exc.filename if exc.filename is not None else ""
    if getattr(exc, "filename2", None):
        where = f"{where} -> {exc.filename2}"
    reason = exc.strerror or str(exc)
    return f"{where}: {reason}" if where else reason


def guarded(command, console: Console | None = None):
    """The command with every failure turned into a message and an exit status (see the module text)."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        from dataset_io.outputs import OutputFolderError
        from specs.clock import ClockError, creation_datetime

        out = console or Console(stderr=True, soft_wrap=True)
        try:
            creation_datetime()  # a malformed SOURCE_DATE_EPOCH stops a command before it writes anything
        except ClockError as exc:
            print_error(out, str(exc))
            raise typer.Exit(USAGE) from None
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, TyperException, SystemExit):
            raise
        except OutputFolderError as exc:
            print_error(out, str(exc))
            raise typer.Exit(USAGE) from None
        except KeyboardInterrupt:
            print_error(out, "interrupted; nothing was put in place")
            raise typer.Exit(130) from None
        except OSError as exc:
            print_error(out, os_error_message(exc))
            raise typer.Exit(FOUND) from None
        except MemoryError:
            print_error(out, "out of memory")
            raise typer.Exit(FOUND) from None
        except Exception as exc:  # every failure a message, never a traceback
            if isinstance(exc, _known_errors()):
                print_error(out, str(exc))
            else:
                print_error(
                    out,
                    f"{type(exc).__name__}: {exc} (an unexpected error in cdisc-build; "
                    f"CDISC_BUILD_TRACEBACK=1 shows where)",
                    label="internal error",
                )
                if os.environ.get("CDISC_BUILD_TRACEBACK"):
                    out.print(Text(traceback.format_exc()))
            raise typer.Exit(FOUND) from None

    return run


def finish(console: Console, counts: list[StageCount], fail_on: str | FailOn) -> int:
    """Say which stages found problems at the --fail-on level; the exit status."""
    failing = [c for c in counts if c.failing(fail_on)]
    if failing:
        print_error(
            console,
            "found in "
            + "; ".join(c.describe() for c in failing)
            + f" (--fail-on {fail_on.value if isinstance(fail_on, FailOn) else fail_on})",
        )
        return FOUND
    return OK
