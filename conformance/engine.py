"""Running the catalogue over a study: run_validation(datasets, spec, define, config)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .catalogue import RULES
from .config import Config, as_config
from .context import Context, DatasetMeta, text
from .define import DefineMetadata, from_spec, read_define_metadata
from .explanations import Explanations, apply_explanations, read_explanations
from .ig import StudyStandards
from .model import FINDING_COLUMNS, SEVERITY_RANK, Hit, Outcome, Rule, RuleResult, ValidationReport, empty_findings

# Keys that name a record where a dataset has no --SEQ (and no spec says).
_DEFAULT_KEYS = {
    "TS": ("TSPARMCD", "TSSEQ"),
    "TA": ("ARMCD", "TAETORD"),
    "TE": ("ETCD",),
    "TV": ("VISITNUM", "ARMCD"),
    "TI": ("IETESTCD", "TIVERS"),
    "TD": ("TDORDER",),
    "TM": ("MIDSTYPE",),
    "SV": ("VISITNUM",),
    "ADSL": (),
    "DM": (),
}


def _as_spec(spec):
    if spec is None:
        return None
    if hasattr(spec, "spec") and hasattr(spec, "findings"):  # a SpecReport
        return spec.spec
    if isinstance(spec, (str, os.PathLike)):
        from specs import load_spec

        return load_spec(spec).spec
    return spec


def _as_define(define) -> DefineMetadata | None:
    if define is None or isinstance(define, DefineMetadata):
        return define
    if isinstance(define, (str, os.PathLike)):
        return read_define_metadata(define)
    if hasattr(define, "datasets") and hasattr(define, "variables_of"):  # a spec model (define_xml.read_define)
        return from_spec(define)
    raise TypeError(f"define must be a define.xml path, DefineMetadata or a spec model, not {type(define).__name__}")


def run_validation(
    datasets: dict[str, pd.DataFrame],
    spec=None,
    define=None,
    config=None,
    meta: dict[str, DatasetMeta] | None = None,
    rules: tuple[Rule, ...] | None = None,
    standards: StudyStandards | None = None,
    explanations=None,
) -> ValidationReport:
    """Run every rule of the catalogue (as the config sets it) over the datasets.

    datasets: name -> DataFrame (names are upper-cased). spec: a Spec, SpecReport
    or workbook path (enables the spec's schemas). define: a define.xml path,
    DefineMetadata or spec model (enables the define checks). config: a Config,
    a dict as the TOML reads, or a TOML path. standards: the guides and controlled
    terminology to check against (conformance.ig.resolve_standards); without them the
    rules that need them are not applicable. A rule that raises is reported
    ('crashed', with the error) and never stops the run. explanations: the study's
    explanations of its findings (conformance.explanations.Explanations, or a CSV path),
    each finding they match marked with its text; no severity changes.
    """
    cfg: Config = as_config(config)
    ctx = Context(datasets, spec=_as_spec(spec), define=_as_define(define), meta=meta, standards=standards)
    results: list[RuleResult] = []
    pieces: list[pd.DataFrame] = []
    notes: list[str] = list(standards.notes) if standards is not None else []
    records = _RecordKeys(ctx)
    for rule in rules if rules is not None else RULES:
        strict = cfg.strictness(rule.id)
        severity = strict.severity if strict else rule.severity
        if severity == "off":
            results.append(RuleResult(rule, "off", 0, 0, 0, (), strict))
            continue
        total, touched, errors, failed_runs = Outcome(), [], [], []
        targets = (
            [None]
            if "STUDY" in rule.applies_to
            else [n for n in ctx.names() if ctx.matches(n, rule.applies_to, rule.excludes)]
        )
        for name in targets:
            try:
                outcome = rule.check(ctx, name, ctx.datasets[name] if name is not None else None)
            except Exception as exc:  # noqa: BLE001 - a rule that cannot run is an error finding, never raised
                hit, error = _could_not_run(ctx, rule, name, exc)
                failed_runs.append(hit)
                errors.append(error)
                notes.append(f"rule {rule.id} could not run{f' on {name}' if name else ''}: {error}")
                continue
            if name is not None and (outcome.checked or outcome.hits):
                touched.append(name)
            total.add(outcome)
        crashed = "; ".join(errors) or None
        if total.hits:
            pieces.append(_findings(rule, severity, total.hits, records))
        if failed_runs:
            pieces.append(_findings(rule, "error", failed_runs, records))
            touched.extend(h.dataset for h in failed_runs)
        datasets_hit = sorted(set(touched) | {h.dataset for h in total.hits})
        results.append(
            RuleResult(
                rule, severity, total.checked, total.failed, total.not_applicable, tuple(datasets_hit), strict, crashed
            )
        )
    findings = pd.concat(pieces, ignore_index=True) if pieces else empty_findings()
    if not findings.empty:
        findings["_rank"] = findings["severity"].map(SEVERITY_RANK)
        findings["_row"] = pd.to_numeric(findings["row"], errors="coerce")
        findings = findings.sort_values(["_rank", "rule", "dataset", "_row"], kind="stable", na_position="first")
        findings = findings.drop(columns=["_rank", "_row"]).reset_index(drop=True)
    sources = {n: m.path for n, m in ctx.meta.items() if m.path}
    used = standards.describe() if standards is not None else []
    report = ValidationReport(
        findings, results, {n: len(f) for n, f in sorted(ctx.datasets.items())}, sources, notes, used
    )
    if explanations is None:
        return report
    if not isinstance(explanations, Explanations):
        explanations = read_explanations(explanations)
    return apply_explanations(report, explanations)


def _could_not_run(ctx: Context, rule: Rule, name: str | None, exc: Exception) -> tuple[Hit, str]:
    """The error finding of a rule that raised on a dataset: a variable it reads that is not
    there (KeyError), named with the dataset that lacks it, or the error itself."""
    if isinstance(exc, KeyError) and exc.args and isinstance(exc.args[0], str):
        column = exc.args[0]
        lacking = [
            n for n in ([name] if name else []) + ["DM"] if n in ctx.datasets and column not in ctx.datasets[n].columns
        ]
        if lacking:
            where = lacking[0]
            detail = (
                f"the rule could not run: it reads {column}, which {where} lacks "
                f"(validation of {name or 'the study'} by this rule is incomplete)"
            )
            return Hit(name or where, None, column, [column], detail), f"{where} has no {column}"
    error = f"{type(exc).__name__}: {exc}"
    return Hit(name or "STUDY", None, None, [None], f"the rule could not run: {error}"), error


class _RecordKeys:
    """For each dataset: the subject and a record key (--SEQ, else the keys) of every row."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self._cache: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def get(self, name: str) -> tuple[np.ndarray, np.ndarray] | None:
        frame = self.ctx.frame(name)
        if frame is None:
            return None
        if name not in self._cache:
            n = len(frame)
            subjects = (
                text(frame["USUBJID"]).to_numpy() if "USUBJID" in frame.columns else np.array([""] * n, dtype=object)
            )
            keys = self._key_columns(name, frame)
            if keys:
                parts = [text(frame[k]).map(lambda x, k=k: f"{k}={x}") for k in keys]
                record = parts[0]
                for p in parts[1:]:
                    record = record + ", " + p
                record = record.to_numpy()
            else:
                record = np.array([None] * n, dtype=object)
            self._cache[name] = (subjects, record)
        return self._cache[name]

    def _key_columns(self, name, frame) -> tuple[str, ...]:
        seq = self.ctx.var(name, "--SEQ")
        for candidate in (seq, "ASEQ"):
            if candidate in frame.columns and not self.ctx.is_supp(name):
                return (candidate,)
        if self.ctx.is_supp(name):
            return tuple(k for k in ("RDOMAIN", "IDVAR", "IDVARVAL", "QNAM") if k in frame.columns)
        keys = self.ctx.keys_of(name) or _DEFAULT_KEYS.get(name, ())
        if not keys and self.ctx.is_adam(name):
            keys = tuple(k for k in ("PARAMCD", "AVISIT", "ADT") if k in frame.columns)
        return tuple(k for k in keys if k in frame.columns)


def _findings(rule: Rule, severity: str, hits: list[Hit], records: _RecordKeys) -> pd.DataFrame:
    frames = []
    for h in hits:
        if h.rows is None:
            values = list(h.values) if h.values is not None else [None]
            n = 1
            data = {
                "dataset": [h.dataset],
                "usubjid": [None],
                "record": [None],
                "row": [None],
                "value": [_clean(values[0]) if values else None],
            }
        else:
            n = len(h.rows)
            keyed = records.get(h.dataset)
            if keyed is not None and len(h.rows) and len(keyed[0]) > int(h.rows.max()):
                subjects = [s or None for s in keyed[0][h.rows]]
                recs = list(keyed[1][h.rows])
            else:
                subjects, recs = [None] * n, [None] * n
            values = list(h.values) if h.values is not None else [None] * n
            data = {
                "dataset": [h.dataset] * n,
                "usubjid": subjects,
                "record": recs,
                "row": [int(r) + 1 for r in h.rows],
                "value": [_clean(v) for v in values],
            }
        data["variable"] = [h.variable] * n
        if h.detail is None or isinstance(h.detail, str):
            data["detail"] = [h.detail] * n
        else:
            data["detail"] = (
                [None if d in ("", None) else str(d) for d in h.detail][:n] if len(h.detail) == n else [None] * n
            )
        data["rule"] = [rule.id] * n
        data["core_id"] = [rule.core_id] * n
        data["severity"] = [severity] * n
        data["message"] = [rule.message] * n
        data["explanation"] = [None] * n
        frames.append(pd.DataFrame(data, columns=FINDING_COLUMNS, dtype=object))
    return pd.concat(frames, ignore_index=True)


def _clean(value):
    """A value for the report: text or a plain number; missing as None."""
    if value is None:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        value = float(value)
        return None if np.isnan(value) else value
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return (
            None
            if pd.isna(value)
            else str(
                pd.Timestamp(value).date()
                if pd.Timestamp(value) == pd.Timestamp(value).normalize()
                else pd.Timestamp(value)
            )
        )
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(map(str, value))
    return value if isinstance(value, (str, int, float, bool)) else str(value)
