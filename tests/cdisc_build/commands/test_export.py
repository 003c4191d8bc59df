"""`cdisc-build export` end to end on CSV input."""

from __future__ import annotations

import dataclasses
import shutil

from shared_data import shared_path
from typer.testing import CliRunner

from cdisc_build.cli import app
from specs import write_workbook
from specs.workbook import read_workbook


def _pilot_input(tmp_path):
    """The CDISC pilot spec (its Documents sheet names acrf.pdf; it has no Mapping sheet) and its EX as CSV."""
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
    return workbook, data


def test_export_command_writes_the_folder(tmp_path):
    workbook, data = _pilot_input(tmp_path)
    result = CliRunner().invoke(
        app, ["export", "--sdtm", str(data), "--sdtm-spec", str(workbook), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "1 datasets (EX)" in result.output
    assert (tmp_path / "out" / "m5" / "datasets" / "tdf-sdtm" / "tabulations" / "sdtm" / "ex.xpt").is_file()
    shutil.rmtree(tmp_path / "out")


def test_export_puts_the_study_s_own_acrf_and_documents_in_the_package(tmp_path):
    workbook, data = _pilot_input(tmp_path)
    (tmp_path / "ours.pdf").write_bytes(b"%PDF-1.4 our aCRF")
    (tmp_path / "protocol.pdf").write_bytes(b"%PDF-1.4 protocol")
    args = ["export", "--sdtm", str(data), "--sdtm-spec", str(workbook), "--out", str(tmp_path / "out")]
    args += ["--acrf", str(tmp_path / "ours.pdf"), "--document", str(tmp_path / "protocol.pdf")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "m5" / "datasets" / "tdf-sdtm" / "tabulations" / "sdtm"
    assert (folder / "acrf.pdf").read_bytes() == b"%PDF-1.4 our aCRF"  # under the name the Documents sheet gives
    assert not (folder / "protocol.pdf").exists()
    assert "no Documents sheet names protocol.pdf; not copied" in " ".join(result.output.split())
    assert 'xlink:href="acrf.pdf"' in (folder / "define.xml").read_text(encoding="utf-8")


def test_export_without_an_acrf_leaves_the_spec_s_out_of_define_and_says_so(tmp_path):
    workbook, data = _pilot_input(tmp_path)
    args = ["export", "--sdtm", str(data), "--sdtm-spec", str(workbook), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    folder = tmp_path / "out" / "m5" / "datasets" / "tdf-sdtm" / "tabulations" / "sdtm"
    assert not (folder / "acrf.pdf").exists()  # no Mapping sheet: nothing to annotate
    assert "acrf.pdf" not in (folder / "define.xml").read_text(encoding="utf-8")
    assert "note: document blankcrf (acrf.pdf) is not in the package" in " ".join(result.output.split())
