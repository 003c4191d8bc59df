"""SDTM to ADaM: the whole stage.

    sdtm = read_sdtm("out/sdtm")                        # XPT, CSV, parquet or Dataset-JSON
    result = build_adam(sdtm, spec=load_adam_spec(path), settings=config.adam)
    result.datasets["ADRS"]     # the finished datasets
    result.failures             # schema failures of every dataset (pandera, from the spec)
    result.issues               # data problems found on the way (e.g. a PR after a CR)
    write_adam(result, out_dir) # all or nothing

Recipes run in order (ADSL, ADRS, ADTTE, ADTR, ADAE); each may use the
datasets built before it and ends with the same finishing call.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from specs import check_spec, read_workbook
from specs.config import AdamSettings
from specs.findings import SpecError
from specs.model import Spec

from .common import AdamInputError
from .context import ISSUE_COLUMNS, AdamRun
from .finish import concat_failures
from .recipes.adae import build_adae
from .recipes.adrs import build_adrs
from .recipes.adsl import build_adsl
from .recipes.adtr import build_adtr
from .recipes.adtte import build_adtte

RECIPES: list[tuple[str, Callable[[AdamRun], pd.DataFrame]]] = [
    ("ADSL", build_adsl),
    ("ADRS", build_adrs),
    ("ADTTE", build_adtte),
    ("ADTR", build_adtr),
    ("ADAE", build_adae),
]
# the SDTM datasets the recipes read (DM is required)
SDTM_INPUTS = ("DM", "SUPPDM", "EX", "DS", "DD", "AE", "SUPPAE", "CM", "SV", "TU", "TR", "RS", "TS")
# what each recipe reads: SDTM datasets and the ADaM datasets built before it
READS = {
    "ADSL": ("DM", "SUPPDM", "EX", "DS", "DD", "AE", "CM", "SV", "TU", "TR", "RS", "TS"),
    "ADRS": ("ADSL", "RS", "TU", "TR"),
    "ADTTE": ("ADSL", "ADRS"),
    "ADTR": ("ADSL", "ADRS", "TR", "TU"),
    "ADAE": ("ADSL", "AE", "SUPPAE"),
}


@dataclass
class AdamResult:
    spec: Spec
    settings: AdamSettings
    datasets: dict[str, pd.DataFrame]
    failures: pd.DataFrame
    issues: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


def load_adam_spec(path: str | os.PathLike[str]) -> Spec:
    """Read the ADaM spec; raise SpecError with every error that would stop a run."""
    spec, findings = read_workbook(path)
    errors = [f for f in list(findings) + list(check_spec(spec)) if f.severity == "error"]
    if errors:
        raise SpecError(str(path), errors)
    return spec


def read_sdtm(
    folder: str | os.PathLike[str], *, sdtm_spec: Spec | None = None, names: tuple[str, ...] = SDTM_INPUTS
) -> dict[str, pd.DataFrame]:
    """The SDTM datasets of ``folder`` by name (dm.xpt, dm.csv, dm.parquet, dm.json, dm.ndjson).

    One file per dataset, preferring XPT, parquet, Dataset-JSON, then CSV; CSV
    text is given the SDTM spec's types (conform_to_spec) when a spec is given.
    """
    from dataset_io.readers import conform_to_spec, read_datasets

    out = {}
    for name, (frame, metadata) in read_datasets(folder, names).items():
        if metadata.format == "csv" and sdtm_spec is not None and sdtm_spec.has_dataset(name):
            frame = conform_to_spec(frame, sdtm_spec, name)
        out[name] = frame
    if "DM" not in out:
        raise FileNotFoundError(f"{folder}: no DM dataset (dm.xpt, dm.csv, dm.parquet, dm.json or dm.ndjson)")
    return out


def build_adam(
    sdtm: dict[str, pd.DataFrame], *, spec: Spec, settings: AdamSettings, progress: Callable[[str], None] | None = None
) -> AdamResult:
    """Every ADaM dataset of the spec from the SDTM frames."""
    note = progress or (lambda _m: None)
    run = AdamRun(sdtm={k.upper(): v for k, v in sdtm.items()}, spec=spec, settings=settings)
    dm = run.sdtm.get("DM")
    if dm is not None and dm.empty:
        raise AdamInputError(
            "DM has no records: ADSL has one record per DM subject, and every ADaM dataset "
            "is derived from ADSL, so none can be derived"
        )
    timings = {}
    for name, recipe in RECIPES:
        if not spec.has_dataset(name):
            continue
        note(f"deriving {name}")
        start = time.perf_counter()
        run.datasets[name] = recipe(run)
        timings[name] = time.perf_counter() - start
    _report_empty(run)
    issues = pd.DataFrame(run.issues, columns=ISSUE_COLUMNS)
    return AdamResult(
        spec=spec,
        settings=settings,
        datasets=run.datasets,
        failures=concat_failures(run.failures),
        issues=issues,
        timings=timings,
    )


def _empty_sources(run: AdamRun, name: str) -> list[str]:
    """The empty SDTM datasets an ADaM dataset is derived from, each once: read directly ('TR'),
    else through another ADaM dataset ('EX (through ADSL)')."""
    found: dict[str, str | None] = {}
    todo: list[tuple[str, str | None]] = [(name, None)]
    seen = {name}
    while todo:
        current, via = todo.pop(0)
        for source in READS.get(current, ()):
            if source in READS:
                if source not in seen:
                    seen.add(source)
                    todo.append((source, via or source))
            elif source in run.sdtm and run.sdtm[source].empty and source not in found:
                found[source] = via
    return [s if via is None else f"{s} (through {via})" for s, via in found.items()]


def _report_empty(run: AdamRun) -> None:
    """An issue for each SDTM input that has no records (what reads it), and for each ADaM
    dataset that came out with none (from which empty inputs): an empty input is valid, the
    derivations that need its records produce none, and the issue report says so."""
    for source in SDTM_INPUTS:
        frame = run.sdtm.get(source)
        if frame is None or not frame.empty:
            continue
        readers = [name for name in run.datasets if source in READS.get(name, ())]
        run.add_issue(
            source,
            None,
            "empty input",
            f"{source} has no records: the derivations of {', '.join(readers) or 'no ADaM dataset'} "
            f"that need its records produce none from it",
        )
    for name, frame in run.datasets.items():
        if len(frame):
            continue
        sources = _empty_sources(run, name)
        why = (
            f"its input {', '.join(sources)} has no records"
            if len(sources) == 1
            else f"its inputs {', '.join(sources)} have no records"
            if sources
            else "no record of its inputs met its derivations' conditions"
        )
        run.add_issue(name, None, "no records", f"{name} has no records: {why}")


def write_adam(
    result: AdamResult, out_dir: str | os.PathLike[str], *, formats=("xpt",), inputs=(), force: bool = False
) -> dict[str, Path]:
    """Write each dataset (XPT v5; or CSV), the schema failures and the issues, all or nothing
    (dataset_io.outputs.output_folder: `inputs` are the paths it must not touch)."""
    from dataset_io.folder import write_dataset_folder

    return write_dataset_folder(
        out_dir,
        result.spec,
        result.datasets,
        formats=formats,
        command="adam",
        inputs=inputs,
        force=force,
        tables={"schema_failures.csv": result.failures, "issues.csv": result.issues},
    )
