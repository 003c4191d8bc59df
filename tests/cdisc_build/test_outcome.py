"""Exit status and messages: what a stage found, and failures turned into one line."""

from __future__ import annotations

import pandas as pd
import pytest
import typer
from rich.console import Console

from cdisc_build.outcome import FOUND, OK, USAGE, FailOn, StageCount, count_severity, finish, guarded
from dataset_io.outputs import OutputFolderError


def quiet() -> Console:
    return Console(record=True, width=200, file=open("/dev/null", "w"))  # noqa: SIM115


def test_count_severity_over_tables_with_and_without_a_severity_column():
    issues = pd.DataFrame({"severity": ["Error", "warning", "note", "error"]})
    failures = pd.DataFrame({"severity": ["warning"]})
    other = pd.DataFrame({"message": ["no severity here"]})
    assert count_severity(issues, failures, other, None, pd.DataFrame()) == (2, 2)


def test_a_stage_fails_on_errors_and_on_warnings_only_when_asked():
    warned = StageCount("adam", 0, 3)
    assert not warned.failing(FailOn.error) and warned.failing("warning")
    assert StageCount("sdtm", 1, 0).failing("error")
    assert warned.describe() == "adam: 0 errors, 3 warnings"


def test_finish_names_the_failing_stages():
    console = quiet()
    counts = [StageCount("sdtm", 0, 2), StageCount("validate sdtm", 4, 1)]
    assert finish(console, counts, FailOn.error) == FOUND
    assert console.export_text().strip() == "error: found in validate sdtm: 4 errors, 1 warnings (--fail-on error)"
    assert finish(quiet(), [StageCount("sdtm", 0, 2)], "error") == OK


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (OutputFolderError("out: holds files cdisc-build did not write"), USAGE, "error: out: holds files"),
        (FileNotFoundError(2, "No such file or directory", "raw/dm.csv"), FOUND, "error: raw/dm.csv: No such file"),
        (ZeroDivisionError("division by zero"), FOUND, "internal error: ZeroDivisionError: division by zero"),
    ],
)
def test_guarded_turns_a_failure_into_a_message_and_an_exit_status(error, status, message):
    console = quiet()

    def command():
        raise error

    with pytest.raises(typer.Exit) as stopped:
        guarded(command, console)()
    assert stopped.value.exit_code == status
    assert console.export_text().startswith(message)


def test_guarded_lets_a_command_exit_as_it_says():
    def command():
        raise typer.Exit(0)

    with pytest.raises(typer.Exit) as stopped:
        guarded(command, quiet())()
    assert stopped.value.exit_code == 0
