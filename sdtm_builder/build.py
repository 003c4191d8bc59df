"""Raw EDC export to SDTM: the whole stage.

    result = build_sdtm(raw_dir, config=builtin_study())
    result.datasets["DM"]      # the finished datasets (lineage columns kept)
    result.issues              # every problem, by file, subject, row and field
    result.ledger              # per raw form: read = mapped + not submitted + rejected
    result.fields              # per raw form and field: mapped, not submitted (why) or unaccounted
    write_sdtm(result, out_dir)

Order: the raw export is read and screened (duplicates, subjects absent from
demographics, non-ASCII and long text); the spec's Mapping sheet is checked
(an algorithm without implementation stops the run before anything is read);
the recipes run (trial design, the collected domains, DM, SE, TS); every
collected field is accounted for (fields.py: read by a rule, declared not
submitted, or reported); then every dataset gets the same finishing: visits,
--SEQ, study days, EPOCH, checks of dates and results, SUPP--, the schema from
the spec.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from specs import check_spec, read_workbook
from specs.findings import SpecError
from specs.integrity import supplemental_qualifiers
from specs.limits import MAX_NAME
from specs.model import Spec
from specs.study import StudyConfig

from .algorithms import ALGORITHMS, check_mapping
from .context import SdtmRun
from .fields import FIELD_COLUMNS, account_fields, report_unaccounted
from .finish import derive_var_stresn, drop_lineage, finish_dataset, reconcile, text_columns
from .issues import IssueLog
from .mapping import check_fields, not_submitted_rows
from .raw import FORM, ROW, RawDataError, read_raw
from .recipes import dm as dm_recipe
from .recipes import events, trial_design
from .recipes import se as se_recipe
from .screen import scan_text, screen_raw
from .suppqual import check_ascii, create_supp, long_text_mask, split_long_text
from .timing import (
    derive_var_dy,
    derive_var_epoch,
    derive_var_seq,
    derive_var_taetord,
    derive_vars_visit,
    derive_vars_visit_from_sv,
)


@dataclass
class SdtmResult:
    spec: Spec
    datasets: dict[str, pd.DataFrame]  # finished, lineage columns kept
    failures: pd.DataFrame  # schema failures of every dataset
    issues: pd.DataFrame
    ledger: pd.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    fields: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FIELD_COLUMNS))  # fields.account_fields
    empty: dict[str, pd.DataFrame] = field(default_factory=dict)  # datasets without a record: not written

    def final(self, dataset: str) -> pd.DataFrame:
        """The dataset as submitted (lineage dropped)."""
        return drop_lineage(self.datasets[dataset])


# The recipes, in the order they run. A recipe may use the datasets built before it.
RECIPES: list[tuple[str, Callable[[SdtmRun], pd.DataFrame]]] = [
    ("TA", lambda run: trial_design.build_design(run, "TA")),
    ("TE", lambda run: trial_design.build_design(run, "TE")),
    ("TV", lambda run: trial_design.build_design(run, "TV")),
    ("TI", lambda run: trial_design.build_design(run, "TI")),
    ("EX", lambda run: events.build_mapped(run, "EX")),
    ("DS", lambda run: events.build_mapped(run, "DS")),
    ("AE", events.build_ae),
    ("CM", lambda run: events.build_mapped(run, "CM")),
    ("MH", lambda run: events.build_mapped(run, "MH")),
    ("PR", lambda run: events.build_mapped(run, "PR")),
    ("SV", events.build_sv),
    ("TU", lambda run: events.build_mapped(run, "TU")),
    ("TR", lambda run: events.build_mapped(run, "TR")),
    ("RS", lambda run: events.build_mapped(run, "RS")),
    ("DM", dm_recipe.build_dm),
    ("SE", se_recipe.build_se),
    ("TS", trial_design.build_ts),
]
DESIGN_DATASETS = {"TA", "TE", "TV", "TI", "TS"}


def recipe_plan(spec: Spec) -> list[tuple[str, Callable[[SdtmRun], pd.DataFrame]]]:
    """The recipes to run for this spec, in order.

    The datasets with a dedicated recipe run in RECIPES order; every other
    dataset of the spec that the Mapping sheet describes gets the plain mapped
    recipe, in spec order, before DM (whose derivations may use any dataset).
    SUPP-- datasets are made by the finishing step, not by a recipe.
    """
    dedicated = {name for name, _ in RECIPES}
    mapped = {rule.dataset for rule in spec.mapping}
    generic = [
        (d.name, partial(events.build_mapped, dataset=d.name))
        for d in spec.datasets
        if d.name not in dedicated and d.name in mapped and not d.name.startswith("SUPP")
    ]
    plan: list[tuple[str, Callable[[SdtmRun], pd.DataFrame]]] = []
    for name, recipe in RECIPES:
        if name == "DM":
            plan.extend(generic)
            generic = []
        if spec.has_dataset(name):
            plan.append((name, recipe))
    return plan + generic


def load_sdtm_spec(path: str | os.PathLike[str]) -> Spec:
    """Read the SDTM spec; raise SpecError with every error that would stop a run."""
    spec, read_findings = read_workbook(path)
    errors = [f for f in read_findings if f.severity == "error"]
    errors += [f for f in check_spec(spec, algorithms=ALGORITHMS) if f.severity == "error"]
    errors += check_mapping(spec)
    if errors:
        raise SpecError(str(path), errors)
    return spec


def build_sdtm(
    raw_dir: str | os.PathLike[str],
    *,
    config: StudyConfig,
    spec: Spec | None = None,
    progress: Callable[[str], None] | None = None,
) -> SdtmResult:
    """Build every SDTM dataset of the spec from the raw export in `raw_dir`."""
    import time

    note = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    spec = spec or load_sdtm_spec(config.sdtm_spec)
    issues = IssueLog()
    note("reading the raw export")
    raw = read_raw(raw_dir, config.subject_field, issues=issues)  # control characters removed are reported
    missing = check_fields(raw, spec)
    if missing:
        raise RawDataError(
            f"{raw_dir}: the raw export does not have what the spec's Mapping sheet reads:\n"
            + "\n".join(f"  - {p}" for p in missing)
        )
    scan_text(raw, issues=issues)
    rejected = screen_raw(
        raw,
        demographics_form=config.demographics_form,
        subject_field=config.subject_field,
        issues=issues,
        keep_duplicates=getattr(config, "duplicate_rows", "reject") == "keep",
    )
    timings["read"] = time.perf_counter() - clock
    design = trial_design.read_design(config.trial_design) if config.trial_design else {}
    run = SdtmRun(
        raw=raw,
        spec=spec,
        issues=issues,
        design=design,
        study_id=config.study_id,
        data_cutoff=config.data_cutoff,
        transliterate=config.transliterate,
        rejected=rejected,
    )
    for name, recipe in recipe_plan(spec):
        note(f"mapping {name}")
        start = time.perf_counter()
        run.datasets[name] = recipe(run)
        timings[name] = time.perf_counter() - start
    not_submitted = not_submitted_rows(raw, spec)
    # every collected field accounted for (finishing adds or drops no record; the values are still factorised)
    records = {
        name: frame[[FORM, ROW]]
        for name, frame in run.datasets.items()
        if FORM in frame.columns and ROW in frame.columns
    }
    for part in run.joined:  # rows joined onto records count for the dataset they were joined to
        for dataset, rows in part.groupby("_DATASET", sort=False):
            records[dataset] = (
                pd.concat([records[dataset], rows[[FORM, ROW]]]) if dataset in records else rows[[FORM, ROW]]
            )
    fields = account_fields(
        raw, spec, subject_field=config.subject_field, records=records, not_submitted=not_submitted, rejected=rejected
    )
    report_unaccounted(fields, issues)
    raw.forget_distinct()  # the raw fields are not read again
    note("finishing")
    start = time.perf_counter()
    finished, failures = finish_all(run)
    timings["finish"] = time.perf_counter() - start
    # a collected dataset without a record is not submitted (CO of a study without comments); DM, which every
    # submission has, and the trial design stay (empty, they are errors the validation names)
    empty: dict[str, pd.DataFrame] = {}
    for name in [n for n, frame in finished.items() if frame.empty and n != "DM" and n not in DESIGN_DATASETS]:
        issues.add(
            severity="note",
            kind="empty dataset",
            form=None,
            dataset=name,
            action="not written",
            message=f"{name} has no record: an empty dataset is not submitted (SDTMIG 3.4)",
        )
        empty[name] = finished.pop(name)
    ledger = reconcile(raw, finished, not_submitted, issues, joined=run.joined)
    return SdtmResult(
        spec=spec,
        datasets=finished,
        failures=failures,
        issues=issues.frame(),
        ledger=ledger,
        timings=timings,
        fields=fields,
        empty=empty,
    )


def _main_date(dataset: str, frame: pd.DataFrame) -> str | None:
    """The date that places a record in time: --STDTC, else --DTC."""
    for name in (f"{dataset}STDTC", f"{dataset}DTC"):
        if name in frame.columns:
            return name
    return None


def finish_all(run: SdtmRun) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The finishing every dataset gets, then SUPP-- and the schema checks."""
    spec, issues = run.spec, run.issues
    dm = run.datasets.get("DM")
    se = run.datasets.get("SE")
    tv = run.datasets.get("TV")
    qnams = supplemental_qualifiers(spec)
    out: dict[str, pd.DataFrame] = {}
    supp: dict[str, pd.DataFrame] = {}
    failures = []
    # SV first: it numbers the unscheduled visits the other datasets refer to
    order = sorted(run.datasets, key=lambda n: n != "SV")
    sv = None
    for name in order:
        frame = run.datasets[name]
        names = {v.name for v in spec.variables_of(name)}
        if name not in DESIGN_DATASETS:
            frame = text_columns(frame)  # each text column factorised once for the steps below
            date = _main_date(name, frame)
            if "VISITNUM" in names and "VISIT" in frame.columns and tv is not None and date:
                frame = derive_vars_visit(frame, tv=tv, visit_source="VISIT", dtc=date)
                if sv is not None:
                    frame = derive_vars_visit_from_sv(frame, sv=sv, dtc=date)
                if "VISITDY" in names:
                    frame["VISITDY"] = frame["VISITNUM"].map(tv.set_index("VISITNUM")["VISITDY"]).astype("float64")
            if dm is not None:  # DM's own --DY (DMDY) counts from its RFSTDTC too
                for var in names:
                    if var.startswith(name) and var.endswith("DY") and not var.endswith("VISITDY"):
                        dtc = var[:-2] + "DTC"
                        if dtc in frame.columns:
                            frame = derive_var_dy(frame, dm=dm, dtc=dtc, dy=var)
            if se is not None and date and name != "SE":
                if "EPOCH" in names:
                    frame = derive_var_epoch(frame, se=se, dtc=date)
                if "TAETORD" in names:
                    frame = derive_var_taetord(frame, se=se, dtc=date)
            if f"{name}SEQ" in names and f"{name}SEQ" not in frame.columns:  # a recipe may number its own
                frame = derive_var_seq(frame, seq_var=f"{name}SEQ", keys=spec.dataset(name).keys)
            if f"{name}STRESN" in names and f"{name}STRESC" in frame.columns:
                frame = derive_var_stresn(frame, stresc=f"{name}STRESC", stresn=f"{name}STRESN")
            frame = text_columns(frame)  # and the text columns derived above
            frame = check_ascii(frame, dataset=name, issues=issues, transliterate=run.transliterate)
            frame, overflow = split_text_variables(frame, spec=spec, dataset=name, issues=issues)
            for qnam in [q for q in overflow if spec_has_variable(spec, name, q)]:  # CO's COVAL1..n: in the dataset
                frame[qnam] = overflow.pop(qnam)
            quals = {q: frame[q] for q in qnams.get(name, ()) if q in frame.columns}
            for q in list(quals):  # a qualifier's value over 200 characters continues in QNAM1, QNAM2 ...
                long = long_text_mask(quals[q])
                if long.any():
                    issues.add_rows(
                        frame,
                        long,
                        severity="warning",
                        kind="text over 200 characters",
                        field=None,
                        value=quals[q],
                        dataset=f"SUPP{name}",
                        variable=q,
                        action=f"first 200 characters in QNAM {q}; the rest in the QNAMs that follow",
                        message="SDTMIG 3.4 section 4.5.3.2",
                    )
                    split, extra = split_long_text(pd.DataFrame({q: quals[q]}), variable=q)
                    quals[q] = split[q]
                    overflow.update(extra)
            quals.update(overflow)
            supp_name = f"SUPP{name}"
            if quals and spec.has_dataset(supp_name):
                idvar = f"{name}SEQ" if f"{name}SEQ" in frame.columns else None
                labels = {q: f"{q[:-1]} (continued)" for q in overflow}
                supp[supp_name] = create_supp(
                    frame, spec=spec, supp=supp_name, rdomain=name, idvar=idvar, qualifiers=quals, labels=labels
                )
            elif overflow:
                cut = pd.concat(list(overflow.values()), axis=1).notna().any(axis=1)
                issues.add_rows(
                    frame,
                    cut,
                    severity="error",
                    kind="text over 200 characters",
                    field=None,
                    dataset=name,
                    action="cut to 200 characters",
                    message=f"{supp_name} is not in the spec to hold the rest of the text",
                )
        finished, fails = finish_dataset(frame, spec=spec, dataset=name)
        out[name] = finished
        failures.append(fails)
        if name == "SV":
            sv = finished
    out = {name: out[name] for name in run.datasets}  # back in recipe order
    for name, frame in supp.items():
        finished, fails = finish_dataset(frame, spec=spec, dataset=name)
        out[name] = finished
        failures.append(fails)
    table = (
        pd.concat([f for f in failures if not f.empty], ignore_index=True)
        if any(not f.empty for f in failures)
        else pd.DataFrame(columns=["dataset", "variable", "row", "key", "value", "check", "severity", "message"])
    )
    return out, table


def split_text_variables(frame: pd.DataFrame, *, spec: Spec, dataset: str, issues: IssueLog):
    """Text over 200 characters: the first 200 stay, the rest goes to SUPP--, each reported.

    A dataset whose spec has the continuation variables (CO: COVAL1, COVAL2 ...)
    keeps the rest in them instead (SDTMIG 3.4 CO assumption).
    """
    overflow: dict[str, pd.Series] = {}
    for var in spec.variables_of(dataset):
        if var.data_type != "text" or var.name not in frame.columns:
            continue
        long = long_text_mask(frame[var.name])
        if not long.any():
            continue
        own = spec_has_variable(
            spec, dataset, f"{var.name[: MAX_NAME - 1] if len(var.name) >= MAX_NAME else var.name}1"
        )
        issues.add_rows(
            frame,
            long,
            severity="warning",
            kind="text over 200 characters",
            field=None,
            value=frame[var.name],
            dataset=dataset,
            variable=var.name,
            action=f"first 200 characters kept; the rest in {f'{var.name}1, ...' if own else f'SUPP{dataset}'}",
            message="SDTMIG 3.4 section 4.5.3.2",
        )
        frame, extra = split_long_text(frame, variable=var.name)
        overflow.update(extra)
    return frame, overflow


def spec_has_variable(spec: Spec, dataset: str, name: str) -> bool:
    return any(v.name == name for v in spec.variables_of(dataset))


def lineage_table(result: SdtmResult) -> pd.DataFrame:
    """Every SDTM record and the raw row it came from: DATASET, USUBJID, SEQ, FORM, ROW."""
    parts = []
    for name, frame in result.datasets.items():
        if FORM not in frame.columns or "USUBJID" not in frame.columns:
            continue
        seq = frame[f"{name}SEQ"] if f"{name}SEQ" in frame.columns else pd.Series(np.nan, index=frame.index)
        parts.append(
            pd.DataFrame(
                {
                    "DATASET": name,
                    "USUBJID": frame["USUBJID"],
                    "SEQ": seq.astype("float64"),
                    "FORM": frame[FORM],
                    "ROW": frame[ROW],
                }
            )
        )
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["DATASET", "USUBJID", "SEQ", "FORM", "ROW"])
    )


def write_sdtm(
    result: SdtmResult, out_dir: str | os.PathLike[str], *, formats=("xpt",), inputs=(), force: bool = False
) -> dict[str, Path]:
    """Write each dataset (XPT v5; or CSV), the issue report and the ledger, all or nothing.

    The folder is refused when writing it could destroy something (see
    dataset_io.outputs.output_folder: `inputs` are the paths it must not touch;
    `force` replaces an output of another command), built beside `out_dir` and
    put in place whole at the end, so a failure leaves no half-written output.
    """
    from dataset_io.folder import write_dataset_folder

    frames = {name: drop_lineage(frame, copy=False) for name, frame in result.datasets.items()}  # written, not changed
    return write_dataset_folder(
        out_dir,
        result.spec,
        frames,
        formats=formats,
        command="sdtm",
        inputs=inputs,
        force=force,
        tables={
            "issues.csv": result.issues,
            "ledger.csv": result.ledger,
            "fields.csv": result.fields,
            "schema_failures.csv": result.failures,
            "lineage.csv": lineage_table(result),
        },
    )
