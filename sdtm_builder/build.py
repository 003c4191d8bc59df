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
submitted, or reported); then every dataset takes the common steps its spec
variables call for (recipes/common.py: visits, study days, EPOCH, --SEQ,
--STRESN, SUPP--) and the schema from the spec.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from specs import check_spec, read_workbook
from specs.findings import SpecError
from specs.model import Spec
from specs.study import StudyConfig

from .context import SdtmRun
from .fields import FIELD_COLUMNS, account_fields, report_unaccounted
from .finish import drop_lineage, finish_dataset, reconcile
from .issues import IssueLog
from .mapping import ALGORITHMS, check_fields, check_mapping, not_submitted_rows
from .raw import FORM, ROW, FieldValues, RawDataError, read_raw
from .recipes import dm as dm_recipe
from .recipes import events, trial_design
from .recipes import se as se_recipe
from .recipes.common import DESIGN_DATASETS, derivation_plan, derive_common
from .screen import scan_text, screen_raw


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


# The datasets with a recipe of their own, in the order they run: a recipe may use the datasets
# built before it (SV: TV; DM: EX, DS and every other dataset; SE: TA, TE, DM, DS and EX; TS: DM).
ORDER = ("TA", "TE", "TV", "TI", "EX", "DS", "AE", "CM", "MH", "PR", "SV", "TU", "TR", "RS", "DM", "SE", "TS")


def build_dataset(run: SdtmRun, name: str) -> pd.DataFrame:
    """The dataset made by its recipe: the trial design from the design workbook, the
    collected datasets mapped by the spec's rules and given their domain's derivations."""
    if name in ("TA", "TE", "TV", "TI"):
        return trial_design.build_design(run, name)
    if name == "TS":
        return trial_design.build_ts(run)
    if name == "AE":
        return events.build_ae(run)
    if name == "SV":
        return events.build_sv(run)
    if name == "DM":
        return dm_recipe.build_dm(run)
    if name == "SE":
        return se_recipe.build_se(run)
    return events.build_mapped(run, name)


def recipe_plan(spec: Spec) -> list[str]:
    """The datasets to build for this spec, in the order their recipes run.

    The datasets of ORDER come in that order; every other dataset of the spec
    that the Mapping sheet describes is mapped, in spec order, before DM (whose
    derivations may use any dataset). SUPP-- datasets are made with their
    parent (derive_vars_supp), not by a recipe.
    """
    mapped = {rule.dataset for rule in spec.mapping}
    others = [
        d.name for d in spec.datasets if d.name not in ORDER and d.name in mapped and not d.name.startswith("SUPP")
    ]
    plan: list[str] = []
    for name in ORDER:
        if name == "DM":
            plan.extend(others)
            others = []
        if spec.has_dataset(name):
            plan.append(name)
    return plan + others


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
    spec = spec or load_sdtm_spec(config.workbook("sdtm_spec"))
    issues = IssueLog()
    note("reading the raw export")
    raw = read_raw(raw_dir, config.raw.subject_field, issues=issues)  # control characters removed are reported
    missing = check_fields(raw, spec)
    if missing:
        raise RawDataError(
            f"{raw_dir}: the raw export does not have what the spec's Mapping sheet reads:\n"
            + "\n".join(f"  - {p}" for p in missing)
        )
    field_values = FieldValues(raw)  # each raw field's distinct values, found once for every reader
    scan_text(raw, issues=issues, field_values=field_values)
    rejected = screen_raw(
        raw,
        demographics_form=config.raw.demographics_form,
        subject_field=config.raw.subject_field,
        issues=issues,
        ignore_fields=(config.raw.record_position_field,),
        keep_duplicates=config.raw.duplicate_rows == "keep",
        field_values=field_values,
    )
    timings["read"] = time.perf_counter() - clock
    design = trial_design.read_design(config.study.trial_design) if config.study.trial_design else {}
    run = SdtmRun(
        raw=raw,
        spec=spec,
        issues=issues,
        design=design,
        study_id=config.study.id,
        data_cutoff=config.study.data_cutoff,
        transliterate=config.sdtm.transliterate,
        participation_end=config.sdtm.participation_end,
        rejected=rejected,
        field_values=field_values,
    )
    for name in recipe_plan(spec):
        note(f"mapping {name}")
        start = time.perf_counter()
        run.datasets[name] = build_dataset(run, name)
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
        raw,
        spec,
        subject_field=config.raw.subject_field,
        records=records,
        not_submitted=not_submitted,
        rejected=rejected,
        field_values=field_values,
    )
    report_unaccounted(fields, issues)
    field_values.clear()  # the raw fields are not read again
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


def finish_all(run: SdtmRun) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Every dataset given the common steps of its plan (recipes/common.py), its SUPP-- made,
    then each put in spec order and checked against the spec's schema (finish_dataset).

    SV is finished first: the other datasets take the numbers of unscheduled visits from it.
    """
    spec = run.spec
    out: dict[str, pd.DataFrame] = {}
    supp: dict[str, pd.DataFrame] = {}
    failures = []
    sv = None
    for name in sorted(run.datasets, key=lambda n: n != "SV"):
        frame = run.datasets[name]
        if name not in DESIGN_DATASETS:
            frame, supp_frame = derive_common(run, frame, derivation_plan(spec, name), sv=sv)
            if supp_frame is not None:
                supp[f"SUPP{name}"] = supp_frame
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
                    "SEQ": pd.to_numeric(seq, errors="coerce").astype("Int64"),  # written 1, not 1.0
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
