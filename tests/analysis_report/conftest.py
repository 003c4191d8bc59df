"""A simulated study through SDTM and ADaM, once per session, for the report tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest


@dataclass
class Study:
    root: Path
    adam: dict[str, pd.DataFrame]
    adam_result: object  # the AdamResult (spec, datasets, failures, issues)
    truth: pd.DataFrame  # the simulator's subjects.csv, treated subjects, indexed by USUBJID
    config: object


def simulate_to_adam(root: Path, subjects: int, seed: int) -> Study:
    from adam_builder.build import build_adam, load_adam_spec
    from sdtm_builder.build import build_sdtm
    from specs.study import builtin_study
    from study_simulator.api import simulate

    config = builtin_study()
    simulate(subjects, seed, root / "raw")
    sdtm = build_sdtm(root / "raw" / "edc", config=config)
    adam = build_adam(
        {n: sdtm.final(n) for n in sdtm.datasets},
        spec=load_adam_spec(config.workbook("adam_spec")),
        settings=config.adam,
    )
    truth = pd.read_csv(root / "raw" / "truth" / "subjects.csv", dtype=str, keep_default_na=False)
    truth = truth[truth["STATUS"] == "TREATED"].copy()
    truth.index = f"{config.study.id}-" + truth["SUBJECT"]
    return Study(root, adam.datasets, adam, truth, config)


@pytest.fixture(scope="session")
def simulated_adam(tmp_path_factory) -> Study:
    return simulate_to_adam(tmp_path_factory.mktemp("report_study"), 150, 3)
