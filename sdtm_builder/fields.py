"""Every collected field accounted for: read by the Mapping sheet, declared not submitted, or reported.

The ledger counts raw rows; this counts raw fields. A field of a raw form is

- **mapped** when a Mapping rule reads it: as its Field, in its Condition, in a
  concat Value template, as a `time_field=` Parameter; the study's subject
  column is read by every rule set that takes the form (it names the subject of
  each record and is the key of `join=subject`);
- **not submitted** when the spec declares it so: a `not_submitted` row with
  Form and Field, the reason in Comment; or when every row holding a value of it
  is a row the spec does not submit (a `not_submitted` row without Field) or a
  rejected row;
- **no values** when it is blank in every row (nothing to lose), whatever
  reads or declares it (the targets say where its values would go);
- **unaccounted** otherwise: a collected value nothing reads. That is an error:
  one issue per field in the SDTM stage (`field not mapped`), one finding in
  `cdisc-build spec check WORKBOOK --raw DIR`.

`account_fields` gives one row per form and field: rows (read), with_value (a
non-blank value), mapped (rows with a value that became records of a dataset
whose rules read the field), targets (DATASET.VARIABLE of each rule that reads
it, ';'-joined; a dataset name alone where the field selects the dataset's
records), status and reason. A status is decided in this order: no values,
mapped, not submitted, unaccounted.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from specs.findings import Finding
from specs.mapping_reads import by_field, declarations, is_field_declaration, mapping_reads, resolve
from specs.model import Spec

from .issues import IssueLog
from .raw import FORM, LINEAGE, ROW, FieldValues, RawData

FIELD_COLUMNS = ["form", "field", "rows", "with_value", "mapped", "targets", "status", "reason"]
MAPPED, NOT_SUBMITTED, NO_VALUES, UNACCOUNTED = "mapped", "not submitted", "no values", "unaccounted"


def field_readers(
    spec: Spec, forms: dict[str, list[str]], subject_field: str | None
) -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str], list[str]]]:
    """({(form, field): the targets of the rules that read it},
        {(form, field): the reasons of the row declarations whose Condition reads it}).

    forms: {form: its columns}. Which rule reads which field is specs.mapping_reads'; a
    field name is matched as check_fields matches it (case-insensitive; a dotted EDC name whole).
    """
    targets = {
        key: list(dict.fromkeys(read.target for read in reads))
        for key, reads in by_field(mapping_reads(spec, subject_field=subject_field), forms).items()
    }
    selects: dict[tuple[str, str], list[str]] = {}
    for declared in declarations(spec):
        if declared.field is None and declared.form in forms:
            for names in declared.selecting:
                field = resolve(forms[declared.form], names)
                if field is not None and declared.reason not in selects.setdefault((declared.form, field), []):
                    selects[(declared.form, field)].append(declared.reason)
    return targets, selects


def field_declarations(spec: Spec, forms: dict[str, list[str]]) -> dict[tuple[str, str], list[str]]:
    """{(form, field): the reasons the spec gives for not submitting it}."""
    out: dict[tuple[str, str], list[str]] = {}
    for declared in declarations(spec):
        if declared.field is not None and declared.form in forms:
            field = resolve(forms[declared.form], [declared.field])
            if field is not None:
                out.setdefault((declared.form, field), []).append(declared.reason)
    return out


def _has_value(values: FieldValues, form: str, field: str) -> np.ndarray:
    """For each row of the form, whether the field holds a value (trimmed, not blank)."""
    codes, cleaned = values.distinct_text(form, field)  # shared with the screening and the mapping
    present = np.fromiter((v is not None for v in cleaned), dtype=bool, count=len(cleaned))
    return present[codes]


def _row_marks(frame: pd.DataFrame, rows) -> np.ndarray:
    """For each row of the form, whether its _ROW is among `rows`."""
    from .finish import _marked

    if not len(rows):
        return np.zeros(len(frame), dtype=bool)
    return _marked(frame[ROW].to_numpy(), [np.asarray(rows, dtype=np.int64)])


def account_fields(
    raw: RawData,
    spec: Spec,
    *,
    subject_field: str | None,
    records: dict[str, pd.DataFrame] | None = None,
    not_submitted: pd.DataFrame | None = None,
    rejected: pd.DataFrame | None = None,
    field_values: FieldValues | None = None,
) -> pd.DataFrame:
    """One row per raw form and field (FIELD_COLUMNS), forms and fields in export order.

    records: {dataset: its records' _FORM, _ROW} (rows joined onto records count
    for the dataset they were joined to); None when nothing was built (the
    spec check): `mapped` is then left empty.
    not_submitted: the rows the spec does not submit (_FORM, _ROW, reason).
    rejected: the rows the screening rejected (_FORM, _ROW).
    field_values: the raw fields' distinct values, when already found.
    """
    field_values = field_values or FieldValues(raw)
    forms = {name: [c for c in frame.columns if c not in LINEAGE] for name, frame in raw.forms.items()}
    targets, selects = field_readers(spec, forms, subject_field)
    declared = field_declarations(spec, forms)
    not_submitted = not_submitted if not_submitted is not None else pd.DataFrame(columns=[FORM, ROW, "reason"])
    rejected = rejected if rejected is not None else pd.DataFrame(columns=[FORM, ROW])
    by_form: dict[str, dict[str, list[np.ndarray]]] = {}  # form: dataset: the form's rows that are its records
    for dataset, rows in (records or {}).items():
        forms_of, names = pd.factorize(rows[FORM].to_numpy())
        numbers = rows[ROW].to_numpy()
        for k, form in enumerate(names):
            by_form.setdefault(form, {}).setdefault(dataset, []).append(numbers[forms_of == k])
    out = []
    for name in sorted(raw.forms):
        frame = raw.forms[name]
        ns = not_submitted[not_submitted[FORM] == name]
        in_ns = _row_marks(frame, ns[ROW])
        reason_of = pd.Series(ns["reason"].to_numpy(), index=ns[ROW].to_numpy()) if len(ns) else pd.Series(dtype=object)
        in_rejected = _row_marks(frame, rejected.loc[rejected[FORM] == name, ROW])
        by_dataset = {
            dataset: _row_marks(frame, np.concatenate(parts)) for dataset, parts in by_form.get(name, {}).items()
        }
        for field in forms[name]:
            has = _has_value(field_values, name, field)
            read = targets.get((name, field), [])
            datasets = {t.split(".")[0] for t in read}
            mapped = None
            if records is not None:
                became = np.zeros(len(frame), dtype=bool)
                for dataset in datasets:
                    if dataset in by_dataset:
                        became |= by_dataset[dataset]
                mapped = int((has & became).sum())
            reasons = declared.get((name, field), [])
            kept = has & ~in_ns & ~in_rejected  # values in rows the spec submits
            if not has.any():  # nothing to lose: the rules that would read it are still listed
                status, reason = NO_VALUES, "blank in every row"
            elif read:
                status, reason = MAPPED, ""
            elif reasons:
                status, reason = NOT_SUBMITTED, "; ".join(dict.fromkeys(reasons))
            elif (name, field) in selects:
                status = NOT_SUBMITTED
                reason = "selects the rows not submitted: " + "; ".join(dict.fromkeys(selects[(name, field)]))
            elif not kept.any():
                status = NOT_SUBMITTED
                why = list(dict.fromkeys(reason_of.reindex(frame[ROW].to_numpy()[has & in_ns]).dropna().astype(str)))
                if (has & in_rejected & ~in_ns).any():
                    why.append("rows rejected (see the issues)")
                reason = "rows not submitted: " + "; ".join(why)
            else:
                status, reason = (
                    UNACCOUNTED,
                    (
                        f"{int(kept.sum())} row(s) hold a value that no Mapping rule reads "
                        "and the spec does not declare not submitted"
                    ),
                )
            out.append(
                {
                    "form": name,
                    "field": field,
                    "rows": len(frame),
                    "with_value": int(has.sum()),
                    "mapped": mapped,
                    "targets": ";".join(read),
                    "status": status,
                    "reason": reason,
                }
            )
    table = pd.DataFrame(out, columns=FIELD_COLUMNS)
    table["mapped"] = table["mapped"].astype("Int64")
    return table


def report_unaccounted(fields: pd.DataFrame, issues: IssueLog) -> None:
    """One error issue per field whose values nothing reads nor declares."""
    for row in fields[fields["status"] == UNACCOUNTED].itertuples(index=False):
        issues.add(
            severity="error",
            kind="field not mapped",
            form=row.form,
            field=row.field,
            action="not in SDTM",
            message=f"{row.form}.{row.field}: {row.reason}; map it, or declare it not submitted "
            "(a not_submitted row with Form, Field and the reason in Comment)",
        )


def unaccounted_findings(fields: pd.DataFrame) -> list[Finding]:
    """The spec check's findings: an error per unaccounted field, naming form and field."""
    return [
        Finding(
            "error", "field-not-mapped", f"raw field {row.form}.{row.field}: {row.reason}", "Mapping", None, "Field"
        )
        for row in fields[fields["status"] == UNACCOUNTED].itertuples(index=False)
    ]


def study_subject_field(workbook: str | os.PathLike[str]) -> str | None:
    """The raw subject column of the study whose settings (a .toml beside the workbook) name
    `workbook` as their SDTM spec; None when there are none."""
    from specs.study import StudyConfig

    target = Path(workbook).resolve()
    for path in sorted(Path(workbook).resolve().parent.glob("*.toml")):
        try:
            config = StudyConfig.load(path)
        except Exception:  # another kind of settings file: not this study's
            continue
        if config.study.sdtm_spec is not None and config.study.sdtm_spec.resolve() == target:
            return config.raw.subject_field
    return None


def check_raw_fields(
    spec: Spec, raw_dir: str | os.PathLike[str], *, workbook: str | os.PathLike[str], subject_field: str | None = None
) -> tuple[pd.DataFrame, list[Finding]]:
    """(the field table, the findings) of a raw export against the spec, without building anything.

    The subject column is the study settings' (see study_subject_field) unless
    given. Rows the spec does not submit are found by its row declarations;
    rows the screening would reject are not looked for. Every Mapping rule
    naming a form or field the export lacks is an error too.
    """
    from .mapping import check_fields, not_submitted_rows
    from .raw import RawDataError, read_raw

    subject = subject_field or study_subject_field(workbook)
    if subject is None:
        raise RawDataError(
            f"{workbook}: no study settings (a .toml naming it as sdtm_spec) beside it give the raw "
            "export's subject column"
        )
    raw = read_raw(raw_dir, subject)
    findings = [
        Finding("error", "missing-raw-field", problem, "Mapping", None, "Field") for problem in check_fields(raw, spec)
    ]
    fields = account_fields(raw, spec, subject_field=subject, not_submitted=not_submitted_rows(raw, spec))
    return fields, findings + unaccounted_findings(fields)


__all__ = [
    "FIELD_COLUMNS",
    "account_fields",
    "check_raw_fields",
    "field_readers",
    "is_field_declaration",
    "report_unaccounted",
    "study_subject_field",
    "unaccounted_findings",
]
