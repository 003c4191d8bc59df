"""`cdisc-build export` end to end on CSV input."""

from __future__ import annotations

import dataclasses
import shutil

from shared_data import shared_path
from typer.testing import CliRunner

from cdisc_build.cli import app
from specs import write_workbook
from specs.workbook import read_workbook


def test_export_command_writes_the_folder(tmp_path):
    spec, _ = read_workbook(shared_path("standards", "specs", "metacore", "SDTM_spec_CDISC_pilot.xlsx"))
    broken = {w.id for w in spec.where_clauses if any(c.variable in ("", ".") for c in w.conditions)}
    spec = dataclasses.replace(
        spec,
        where_clauses=tuple(w for w in spec.where_clauses if w.id not in broken),
        value_level=tuple(v for v in spec.value_level if v.where_clause not in broken),
    )
    workbook = write_workbook(spec, tmp_path / "spec.xlsx")
    data = tmp_path / "sdtm"
    data.mkdir()
    import pandas as pd

    frame = pd.read_csv(shared_path("reference", "pharmaverse", "sdtm", "ex.csv"), dtype=str, keep_default_na=False)
    frame.reindex(columns=[v.name for v in spec.variables_of("EX")]).to_csv(data / "ex.csv", index=False)
    result = CliRunner().invoke(
        app, ["export", "--sdtm", str(data), "--sdtm-spec", str(workbook), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "1 datasets (EX)" in result.output
    assert (tmp_path / "out" / "m5" / "datasets" / "tdf-sdtm" / "tabulations" / "sdtm" / "ex.xpt").is_file()
    shutil.rmtree(tmp_path / "out")
