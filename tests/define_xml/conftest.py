"""A small simulated study exported once per session: SDTM (and ADaM when the ADaM
builder exists) as the submission folder, for the define.html and agreement tests."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import pytest

SUBJECTS = 40
SEED = 7


@dataclass
class Stage:
    name: str  # "sdtm" or "adam"
    spec: object  # the spec model restricted to the data written
    frames: dict  # dataset -> frame, as exported
    folder: Path  # the stage folder of the submission (define.xml, define.html, *.xpt)


def _adam_builder():
    """adam_builder.build.build_adam when the ADaM stage exists, else None."""
    if importlib.util.find_spec("adam_builder.build") is None:
        return None
    from adam_builder import build as adam_build

    return getattr(adam_build, "build_adam", None)


@pytest.fixture(scope="session")
def simulated_export(tmp_path_factory) -> dict[str, Stage]:
    from sdtm_builder.build import build_sdtm
    from specs.model import restrict_to_data
    from specs.study import builtin_study
    from study_simulator.api import simulate
    from submission_export.package import export_submission

    root = tmp_path_factory.mktemp("simulated_export")
    config = builtin_study()
    simulate(SUBJECTS, SEED, root / "raw")
    sdtm = build_sdtm(root / "raw" / "edc", config=config)
    sdtm_frames = {name: sdtm.final(name) for name in sdtm.datasets}
    adam = None
    build_adam = _adam_builder()
    if build_adam is not None:
        from adam_builder.build import load_adam_spec

        result = build_adam(sdtm_frames, spec=load_adam_spec(config.workbook("adam_spec")), settings=config.adam)
        final = getattr(result, "final", None)
        adam = (result.spec, {name: (final(name) if final else frame) for name, frame in result.datasets.items()})
    exported = export_submission(root / "out", (sdtm.spec, sdtm_frames), adam, cutoff=config.study.data_cutoff)
    stages = {
        "sdtm": Stage(
            "sdtm",
            restrict_to_data(sdtm.spec, {n: list(f.columns) for n, f in sdtm_frames.items()}),
            sdtm_frames,
            exported.sdtm.folder,
        )
    }
    if adam is not None:
        stages["adam"] = Stage(
            "adam",
            restrict_to_data(adam[0], {n: list(f.columns) for n, f in adam[1].items()}),
            adam[1],
            exported.adam.folder,
        )
    return stages
