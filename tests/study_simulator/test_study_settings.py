"""The simulator reads the study's settings file: identifier, data cut-off and RECIST parameters."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from specs.config import RecistSettings
from specs.study import builtin_study
from study_simulator.api import simulate, study_settings
from study_simulator.settings import SimulationSettings

ROOT = Path(__file__).resolve().parents[2]

STUDY = """\
[study]
id = "SIM-2"
data_cutoff = 2024-01-31

[recist]
sd_min_days = 49
assessment_interval_days = 56
window_days = 5
confirmation_days = 30
"""


def test_the_built_in_study_gives_the_default_simulation():
    assert SimulationSettings.from_study(builtin_study()) == SimulationSettings() == study_settings()


def test_the_simulation_takes_its_numbers_from_the_study_file(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(STUDY, encoding="utf-8")
    s = study_settings(path)
    assert (s.study_id, s.data_cutoff, s.assessment_interval_days, s.assessment_window_days) == (
        "SIM-2",
        "2024-01-31",
        56,
        5,
    )
    assert s.recist == RecistSettings(sd_min_days=49, assessment_interval_days=56, window_days=5, confirmation_days=30)
    # the rest of the simulation is the built-in one
    assert s.cycle_days == SimulationSettings().cycle_days and s.ae_profile == SimulationSettings().ae_profile


def test_a_study_without_a_cutoff_keeps_the_simulation_default(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text('[study]\nid = "SIM-3"\n', encoding="utf-8")
    assert study_settings(path).data_cutoff == SimulationSettings().data_cutoff


def test_simulate_with_a_study_file(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(STUDY, encoding="utf-8")
    simulate(3, 7, tmp_path / "out", study=path)
    dm = (tmp_path / "out" / "edc" / "dm.csv").read_text(encoding="utf-8")
    assert "SIM-2" in dm and "SYSU-ANTOR-STS" not in dm
    with pytest.raises(ValueError, match="not both"):
        simulate(3, 7, tmp_path / "other", settings=SimulationSettings(), study=path)


def test_the_simulation_settings_import_nothing_from_the_adam_stage():
    tree = ast.parse((ROOT / "study_simulator" / "settings.py").read_text(encoding="utf-8"))
    modules = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [m for m in modules if m and m.startswith("adam_builder")]
