"""`cdisc-build simulate`: the simulated EDC export and its summary."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from cdisc_build.commands.simulate import simulate_command


def test_command_writes_files_and_summary(tmp_path):
    app = typer.Typer()
    app.command()(simulate_command)
    result = CliRunner().invoke(app, ["--subjects", "40", "--seed", "9", "--messy", "0.05", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "40 subjects screened" in result.output and "22 forms" in result.output
    assert (tmp_path / "edc" / "ae.csv").exists() and (tmp_path / "truth" / "messy_manifest.csv").exists()
