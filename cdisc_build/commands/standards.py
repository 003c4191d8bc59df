"""`cdisc-build standards add|list`: the standards library (IG metadata and CT packages).

Exit status: 0 on success, 1 when a file cannot be installed or a package is not there.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ..outcome import guarded, print_error, print_text

console = Console(soft_wrap=True)

standards_app = typer.Typer(
    help="The standards library: SDTMIG/ADaMIG metadata and controlled terminology packages.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

LIBRARY_OPTION = typer.Option(
    None,
    "--library",
    file_okay=False,
    help="The library folder (default: $CDISC_BUILD_STANDARDS, else ~/.local/share/cdisc-build/standards).",
)


def add_command(
    sources: list[Path] = typer.Argument(
        ...,
        exists=True,
        help="CT files (NCI EVS .txt, or CSV/.csv.gz, named like sdtmct-2025-03-28.csv) or IG folders "
        "(CDISC Library export: Datasets.csv or DataStructures.csv, Variables.csv).",
    ),
    name: str | None = typer.Option(None, "--name", help="The package name when the file name does not tell it."),
    version: str | None = typer.Option(None, "--version", help="The release when the file name does not tell it."),
    force: bool = typer.Option(False, "--force", help="Replace a package of the same name and version."),
    library: Path | None = LIBRARY_OPTION,
) -> None:
    """Install controlled terminology or implementation-guide metadata into the library."""
    from specs.standards import StandardsError, StandardsLibrary

    lib = StandardsLibrary(library)
    failed = 0
    for source in sources:
        try:
            info = lib.add(source, name=name, version=version, force=force)
        except StandardsError as exc:
            print_error(console, str(exc))
            failed += 1
            continue
        print_text(console, f"installed {info.describe()}: {info.size / 1e6:.1f} MB in {info.path}")
    if failed:
        raise typer.Exit(1)


def list_command(library: Path | None = LIBRARY_OPTION) -> None:
    """List the installed packages, newest release of each name last."""
    from specs.standards import StandardsLibrary

    lib = StandardsLibrary(library)
    packages = lib.packages()
    if not packages:
        print_text(console, f"no packages in {lib.root}; install them with `cdisc-build standards add FILE`")
        return
    print_text(console, f"{lib.root}:")
    for info in packages:
        print_text(console, f"  {info.describe()}, {info.size / 1e6:.1f} MB")


standards_app.command("add")(guarded(add_command))
standards_app.command("list")(guarded(list_command))
