"""SDTM to ADaM: the whole stage, driven by the ADaM spec.

    sdtm = read_sdtm("out/sdtm")                        # XPT, CSV, parquet or Dataset-JSON
    result = build_adam(sdtm, spec=load_adam_spec(path), settings=config.adam)
    result.datasets["ADRS"]     # the finished datasets
    result.failures             # schema failures of every dataset (pandera, from the spec)
    result.issues               # data problems found on the way (e.g. a PR after a CR)
    write_adam(result, out_dir) # all or nothing

Every dataset of the spec is planned first (engine.plan_dataset: its class, the methods of its
variables, the derivations of the library they call; a SpecError names every sheet and row it
cannot follow), then built in an order where each comes after the ADaM datasets it reads.
A dataset whose inputs are absent is not built, and an error issue names what it lacks; a
dataset given whole (``given={"ADSL": frame}``, the command's --adsl) is used as it is.
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
from specs.findings import Finding, SpecError
from specs.model import Spec

from .common import AdamInputError
from .context import ISSUE_COLUMNS, AdamRun
from .engine import Plan, plan_dataset, run_plan
from .finish import concat_failures

# the SDTM datasets read when the spec does not say (DM is required)
SDTM_INPUTS = ("DM", "SUPPDM", "EX", "DS", "DD", "AE", "SUPPAE", "CM", "SV", "TU", "TR", "RS", "TS")


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
    plan_adam(spec)  # SpecError naming every variable, method and call it cannot follow
    return spec


def read_sdtm(
    folder: str | os.PathLike[str], *, sdtm_spec: Spec | None = None, names: tuple[str, ...] | None = None
) -> dict[str, pd.DataFrame]:
    """The SDTM datasets of ``folder`` by name (dm.xpt, dm.csv, dm.parquet, dm.json, dm.ndjson).

    One file per dataset, preferring XPT, parquet, Dataset-JSON, then CSV; CSV
    text is given the SDTM spec's types (conform_to_spec) when a spec is given.
    ``names``: the datasets to read (default SDTM_INPUTS; adam_inputs(spec) gives those an
    ADaM spec reads).
    """
    from dataset_io.readers import conform_to_spec, read_datasets

    out = {}
    for name, (frame, metadata) in read_datasets(folder, names or SDTM_INPUTS).items():
        if metadata.format == "csv" and sdtm_spec is not None and sdtm_spec.has_dataset(name):
            frame = conform_to_spec(frame, sdtm_spec, name)
        out[name] = frame
    if "DM" not in out:
        raise FileNotFoundError(f"{folder}: no DM dataset (dm.xpt, dm.csv, dm.parquet, dm.json or dm.ndjson)")
    return out


def read_given(path: str | os.PathLike[str], *, spec: Spec, name: str) -> pd.DataFrame:
    """A dataset given whole (e.g. the sponsor's ADSL): XPT, parquet, Dataset-JSON or CSV (CSV
    text typed by the ADaM spec's variables of ``name``); it must have USUBJID, once per record
    for ADSL."""
    from dataset_io.readers import conform_to_spec, read_dataset

    frame, metadata = read_dataset(path)
    if metadata.format == "csv" and spec.has_dataset(name):
        frame = conform_to_spec(frame, spec, name)
    if "USUBJID" not in frame.columns:
        raise AdamInputError(f"{path}: the given {name} has no USUBJID")
    if name == "ADSL" and frame["USUBJID"].duplicated().any():
        dups = frame.loc[frame["USUBJID"].duplicated(), "USUBJID"].head(5).tolist()
        raise AdamInputError(f"{path}: the given ADSL has more than one record per USUBJID, e.g. {dups}")
    return frame


def plan_adam(spec: Spec, *, only: tuple[str, ...] | None = None) -> dict[str, Plan]:
    """The plan of every dataset of the spec (or of ``only`` and what they read), in build order;
    SpecError with every problem of every dataset at once."""
    plans: dict[str, Plan] = {}
    problems: list[Finding] = []
    for dataset in spec.datasets:
        try:
            plans[dataset.name] = plan_dataset(spec, dataset.name)
        except SpecError as exc:
            problems.extend(exc.findings)
    if problems:
        raise SpecError(spec.source or "the ADaM spec", problems)
    wanted = set(only or plans)
    unknown = sorted(wanted - set(plans))
    if unknown:
        raise AdamInputError(f"{', '.join(unknown)}: not a dataset of the ADaM spec ({', '.join(plans)})")
    todo = list(wanted)
    while todo:
        for read in plans[todo.pop()].datasets:
            if read in plans and read not in wanted:
                wanted.add(read)
                todo.append(read)
    ordered: list[str] = []
    pending = [name for name in plans if name in wanted]
    while pending:
        ready = next(
            (n for n in pending if all(r not in pending or r == n for r in plans[n].datasets if r in plans)), None
        )
        if ready is None:
            raise AdamInputError(f"the ADaM datasets read each other in a loop: {', '.join(pending)}")
        ordered.append(ready)
        pending.remove(ready)
    return {name: plans[name] for name in ordered}


def adam_inputs(spec: Spec) -> tuple[str, ...]:
    """The SDTM datasets the spec's plans read (its own ADaM datasets aside), DM first."""
    plans = plan_adam(spec)
    names = {read for plan in plans.values() for read in plan.datasets if read not in plans and read != "SDTM"}
    if any("SDTM" in plan.datasets for plan in plans.values()):
        names.update(SDTM_INPUTS)
    return ("DM", *sorted(names - {"DM"}))


def build_adam(
    sdtm: dict[str, pd.DataFrame],
    *,
    spec: Spec,
    settings: AdamSettings,
    progress: Callable[[str], None] | None = None,
    given: dict[str, pd.DataFrame] | None = None,
    only: tuple[str, ...] | None = None,
) -> AdamResult:
    """Every ADaM dataset of the spec (or of ``only``) from the SDTM frames; ``given`` datasets
    (e.g. a sponsor's ADSL) are used as they are instead of being derived, and are not part of
    the result (they are the caller's input, not this run's output)."""
    # pandas copy-on-write: each derivation derives into a shallow copy (common.fresh), and only
    # the columns it writes are copied; the inputs stay as they were
    with pd.option_context("mode.copy_on_write", True):
        return _build_adam(sdtm, spec=spec, settings=settings, progress=progress, given=given, only=only)


def _build_adam(
    sdtm: dict[str, pd.DataFrame],
    *,
    spec: Spec,
    settings: AdamSettings,
    progress: Callable[[str], None] | None,
    given: dict[str, pd.DataFrame] | None,
    only: tuple[str, ...] | None,
) -> AdamResult:
    note = progress or (lambda _m: None)
    run = AdamRun(sdtm={k.upper(): v for k, v in sdtm.items()}, spec=spec, settings=settings)
    plans = plan_adam(spec, only=only)
    for name, frame in (given or {}).items():
        run.datasets[name.upper()] = frame
    dm = run.sdtm.get("DM")
    if dm is not None and dm.empty and "ADSL" not in run.datasets:
        raise AdamInputError(
            "DM has no records: ADSL has one record per DM subject, and every ADaM dataset "
            "is derived from ADSL, so none can be derived"
        )
    timings = {}
    for name, plan in plans.items():
        if name in run.datasets:
            continue
        lacking = [d for d in plan.required if d not in run.sdtm and d not in run.datasets]
        if lacking:
            what = ", ".join(lacking)
            run.add_issue(
                name,
                None,
                "not derived",
                f"{name} not derived: it needs {what}, which "
                + ("neither the SDTM folder nor a given dataset has" if len(lacking) == 1 else "are absent")
                + f" ({'; '.join(_users(plan, lacking))})",
                severity="error",
            )
            continue
        note(f"deriving {name}")
        start = time.perf_counter()
        try:
            run.datasets[name] = run.finish(run_plan(plan, run), name)
        except AdamInputError as exc:
            if not given and only is None:
                raise
            # partial input: the datasets that can be derived are, and this one is named
            run.add_issue(name, None, "not derived", f"{name} not derived: {exc}", severity="error")
            continue
        timings[name] = time.perf_counter() - start
    _report_empty(run, plans)
    issues = pd.DataFrame(run.issues, columns=ISSUE_COLUMNS)
    return AdamResult(
        spec=spec,
        settings=settings,
        datasets={k: v for k, v in run.datasets.items() if k in plans and k not in (given or {})},
        failures=concat_failures(run.failures),
        issues=issues,
        timings=timings,
    )


def _users(plan: Plan, lacking: list[str]) -> list[str]:
    """What of the plan reads each lacking dataset."""
    out = []
    for name in lacking:
        users = [s.describe() for s in plan.steps if name in s.datasets]
        if plan.source == name:
            users.insert(0, "the source of its records")
        if name == "ADSL" and plan.merges:
            users.append("its ADSL variables")
        out.append(f"{name}: {', '.join(dict.fromkeys(users))}")
    return out


def _empty_sources(run: AdamRun, plans: dict[str, Plan], name: str) -> list[str]:
    """The empty SDTM datasets an ADaM dataset is derived from, each once: read directly ('TR'),
    else through another ADaM dataset ('EX (through ADSL)')."""
    found: dict[str, str | None] = {}
    todo: list[tuple[str, str | None]] = [(name, None)]
    seen = {name}
    while todo:
        current, via = todo.pop(0)
        for source in plans[current].datasets if current in plans else ():
            if source in plans:
                if source not in seen:
                    seen.add(source)
                    todo.append((source, via or source))
            elif source in run.sdtm and run.sdtm[source].empty and source not in found:
                found[source] = via
    return [s if via is None else f"{s} (through {via})" for s, via in found.items()]


def _report_empty(run: AdamRun, plans: dict[str, Plan]) -> None:
    """An issue for each SDTM input that has no records (what reads it), and for each ADaM
    dataset that came out with none (from which empty inputs): an empty input is valid, the
    derivations that need its records produce none, and the issue report says so."""
    for source, frame in run.sdtm.items():
        if frame is None or not frame.empty:
            continue
        readers = [name for name in run.datasets if name in plans and source in plans[name].datasets]
        run.add_issue(
            source,
            None,
            "empty input",
            f"{source} has no records: the derivations of {', '.join(readers) or 'no ADaM dataset'} "
            f"that need its records produce none from it",
        )
    for name, frame in run.datasets.items():
        if len(frame) or name not in plans:
            continue
        sources = _empty_sources(run, plans, name)
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
