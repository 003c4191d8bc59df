"""simulate(): the whole study, from a seed to the files."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dataset_io.outputs import output_folder
from specs.fileio import atomic_write_bytes

from .course import simulate_course, simulate_subjects, simulate_tumours
from .forms import (
    FILES,
    Study,
    _numbered,
    build_disposition,
    build_labs,
    build_screening,
    build_treatment,
    build_tumour,
)
from .messy import Injector
from .settings import SimulationSettings
from .treatment import simulate_treatment
from .truth import assessment_truth, hypertension_truth, investigator_responses, lab_truth, subject_truth

EDC_DIR = "edc"
TRUTH_DIR = "truth"


@dataclass
class SimulationResult:
    """What was written, for the command's summary."""

    out: Path
    n_subjects: int
    n_treated: int
    rows: dict[str, int] = field(default_factory=dict)  # file name -> data rows
    manifest_rows: int = 0


def _folders(tumours) -> np.ndarray:
    t, c = tumours.kept.shape
    cols = np.arange(c)
    unscheduled = (cols > 0) & ~tumours.scheduled
    uns_no = np.cumsum(tumours.kept & unscheduled[None, :], axis=1)
    ta = np.empty(c, dtype=object)
    ta[:] = ""
    ta[tumours.scheduled] = _numbered("TA", tumours.visit_no[tumours.scheduled])
    ta[0] = "SCRN"
    folders = np.broadcast_to(ta, (t, c)).copy()
    uns = _numbered("UNS", np.arange(c + 1))
    folders[:, unscheduled] = uns[uns_no[:, unscheduled]]
    return folders


def study_settings(study: str | os.PathLike[str] | None = None) -> SimulationSettings:
    """The simulation of a study settings file (study.toml; None: the built-in study)."""
    from specs.study import StudyConfig, builtin_study

    return SimulationSettings.from_study(StudyConfig.load(study, require=()) if study else builtin_study())


def build_study(n_subjects: int, seed: int, settings: SimulationSettings | None = None) -> tuple[Study, list]:
    """The simulated study in memory (settings: default those of the built-in study), and the
    random streams left for the forms."""
    s = settings or study_settings()
    root = np.random.SeedSequence(seed)
    rngs = [np.random.default_rng(child) for child in root.spawn(9)]  # a child keeps its stream as more are added
    subjects = simulate_subjects(rngs[0], n_subjects, s)
    course = simulate_course(rngs[1], subjects, s)
    treated = subjects.treated
    tumours = simulate_tumours(rngs[2], course, s, consent_day=subjects.consent[treated] - subjects.first_dose[treated])
    treatment = simulate_treatment(rngs[3], course, tumours, s)
    inv, altered = investigator_responses(rngs[4], tumours, s)
    study = Study(s, subjects, course, tumours, treatment, inv, _folders(tumours), altered)
    return study, rngs


def iter_forms(study: Study, rngs: list):
    """(form OID, DataFrame with private columns), one form at a time, DM before ENR."""
    groups = (
        lambda: build_screening(study, rngs[5]),
        lambda: build_treatment(study, rngs[6]),
        lambda: build_tumour(study),
        lambda: build_disposition(study, rngs[7]),
        lambda: build_labs(study, rngs[8]),
    )
    for make in groups:
        group = make()
        for name in [f for f in FILES if f in group]:
            yield name, group.pop(name)
        del group


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Each file appears whole or not at all."""
    atomic_write_bytes(path, frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def simulate(
    n_subjects: int,
    seed: int,
    out: str | Path,
    *,
    settings: SimulationSettings | None = None,
    study: str | os.PathLike[str] | None = None,
    messy_rate: float | None = None,
    disagreement_rate: float | None = None,
    force: bool = False,
) -> SimulationResult:
    """Simulate the study and write ``out/edc/*.csv`` and ``out/truth/*.csv``.

    Forms are built, made messy and written one at a time, so memory holds one
    group of forms at once. `out` is written through dataset_io.outputs.output_folder:
    refused when it holds anything but a previous simulation (`force`: a previous
    output of another command), and put in place whole at the end.

    settings: the whole simulation; else that of the study settings file `study`
    (its identifier, data cut-off and RECIST parameters; None: the built-in study).
    """
    if settings is not None and study is not None:
        raise ValueError("simulate: give settings or a study settings file, not both")
    s = settings or study_settings(study)
    if messy_rate is not None:
        s = s.with_options(messy_rate=messy_rate)
    if disagreement_rate is not None:
        s = s.with_options(investigator_disagreement_rate=disagreement_rate)
    if n_subjects < 1:
        raise ValueError(f"simulate: the number of subjects must be at least 1, got {n_subjects}")
    for name, value in (("messy rate", s.messy_rate), ("disagreement rate", s.investigator_disagreement_rate)):
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"simulate: the {name} must be between 0 and 1, got {value}")
    out = Path(out)
    with output_folder(out, command="simulate", force=force) as staging:
        result = _simulate(n_subjects, seed, staging, s)
    result.out = out
    return result


def _simulate(n_subjects: int, seed: int, out: Path, s: SimulationSettings) -> SimulationResult:
    (out / EDC_DIR).mkdir(parents=True, exist_ok=True)
    (out / TRUTH_DIR).mkdir(parents=True, exist_ok=True)
    study, rngs = build_study(n_subjects, seed, s)
    result = SimulationResult(out=out, n_subjects=n_subjects, n_treated=int(study.subjects.treated.size))
    alive = np.full(n_subjects, np.nan)
    injector = Injector(seed, s.messy_rate, s, FILES)
    for name, frame in iter_forms(study, rngs):
        days = frame["_alive"].to_numpy(dtype=float)
        ok = ~np.isnan(days)
        np.fmax.at(alive, frame["_subj"].to_numpy()[ok], days[ok])
        frame = frame.drop(columns=["_subj", "_alive"])
        frame = injector.apply(name, frame)
        _write_csv(frame, out / EDC_DIR / FILES[name])
        result.rows[FILES[name]] = len(frame)
        del frame
    result.rows = {FILES[name]: result.rows[FILES[name]] for name in FILES}

    truth_subjects = subject_truth(study.subjects, study.course, study.tumours, study.treatment, alive, s)
    _write_csv(truth_subjects, out / TRUTH_DIR / "subjects.csv")
    assert study.altered is not None  # build_study sets it
    truth_assess = assessment_truth(study.subjects, study.tumours, study.inv, study.altered, study.folders)
    _write_csv(truth_assess, out / TRUTH_DIR / "assessments.csv")
    _write_csv(lab_truth(study), out / TRUTH_DIR / "lab_grades.csv")
    _write_csv(hypertension_truth(study), out / TRUTH_DIR / "hypertension.csv")
    manifest = injector.manifest()
    _write_csv(manifest, out / TRUTH_DIR / "messy_manifest.csv")
    result.manifest_rows = len(manifest)
    return result
