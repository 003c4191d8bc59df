"""Small simulated studies shared by the simulator tests (built once per session)."""

import pandas as pd
import pytest

from study_simulator.api import simulate


def read(folder, name):
    return pd.read_csv(folder / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def clean_study(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    simulate(400, 11, out)
    return out


@pytest.fixture(scope="session")
def messy_study(tmp_path_factory):
    out = tmp_path_factory.mktemp("messy")
    simulate(300, 12, out, messy_rate=0.02)
    return out
