"""`cdisc-build config check STUDY.toml`: every problem of a study settings file, at once.

One line per problem, naming the file, the [table], the key (and the value as
written) and what is wrong. Exit status: 0 when the file is clean, 1 when it has
problems, 2 on bad usage.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

console = Console(soft_wrap=True)

config_app = typer.Typer(help="Check a study settings file (study.toml).", no_args_is_help=True, rich_markup_mode=None)


@config_app.command("check")
def config_check(
    study: Path = typer.Argument(..., help="The study settings file (.toml)."),
) -> None:
    """Check a study settings file: every table, key, type and value, the workbooks it names."""
    from specs.config import StudyConfigError
    from specs.study import StudyConfig

    try:
        StudyConfig.load(study)
    except StudyConfigError as exc:
        for line in exc.lines:
            console.print(Text(line), highlight=False)
        count = len(exc.problems)
        console.print(Text(f"{count} problem{'s' if count != 1 else ''}", style="red"), highlight=False)
        raise typer.Exit(1) from None
    console.print(Text(f"{study}: no problems", style="green"), highlight=False)
