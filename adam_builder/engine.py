"""A dataset of the ADaM spec built from its class and the methods of its variables.

    plan = plan_dataset(spec, "ADLB")        # SpecError naming sheet and row when it cannot be built
    frame = run_plan(plan, run)              # the finished dataset (run: context.AdamRun)

What builds the records (the class of the Datasets sheet):
- SUBJECT LEVEL ANALYSIS DATASET (ADSL): one record per DM subject (adsl.create_adsl);
- any other class: the ``create`` derivations its methods name (their records appended in
  turn), else the one SDTM domain its variables' Predecessors name (ADAE from AE: one record
  per AE record; ADLB from LB); ``records`` derivations (derive_param_*) add more.

Where each variable comes from, checked before anything runs:
- Predecessor ``DOMAIN.VAR`` of the source domain: copied (under the variable's own name:
  AVAL with Predecessor LB.LBSTRESN is LBSTRESN);
- Predecessor ``SUPPxx.QVAL``: the qualifier whose QNAM is the variable's name;
- Predecessor ``ADSL.VAR`` or ``DM.VAR`` in a dataset other than ADSL: merged by USUBJID once
  every record exists;
- an Assigned Value: that value on every record;
- a Method: the calls of its Expression Code (adam_builder.expression), each naming a
  derivation of the library (adam_builder.library); a method without code is accepted only
  when a derivation the dataset calls adds the variable (MT.ADT_RS describes what the OVR
  records carry), or when the variable's value-level rows each have a method with code.
Anything else (no origin the engine can follow, an unknown derivation, code that does not
parse) is an error naming the sheet and row; nothing is dropped silently.

The calls run in the order their ``needs`` and ``adds`` imply (registry.Derivation), ties
broken by the Methods sheet order; identical calls run once.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from specs.findings import Finding, SpecError
from specs.model import Method, Spec, Variable

from .common import AdamInputError, derive_vars_supp, fresh
from .expression import Call, DatasetRef, ExpressionError, SettingRef, parse_expression
from .library import library
from .registry import RECORDS, Derivation

ADSL_CLASS = "SUBJECT LEVEL ANALYSIS DATASET"
MERGE, ASSIGN = "merge ADSL", "assign"
FINISHED = ("ASEQ",)  # derived by the finishing step (finish.finish_adam), after sorting by the keys
RECORD_KINDS = ("create", "records", "filter")
SUBJECT_SOURCES = ("ADSL", "DM")


@dataclass(frozen=True)
class Step:
    """One call of a plan: a derivation with its arguments, and what named it."""

    name: str
    derivation: Derivation
    kwargs: tuple[tuple[str, Any], ...]
    where: str  # "MT.BOR (Methods row 31)", or what the engine does by itself
    needs: tuple[str, ...]
    adds: tuple[str, ...]

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.kwargs)

    @property
    def datasets(self) -> tuple[str, ...]:
        return Call(self.name, self.kwargs, "").datasets

    def describe(self) -> str:
        return f"{self.where}: {self.name}"


@dataclass(frozen=True)
class Plan:
    dataset: str
    steps: tuple[Step, ...]
    source: str | None = None  # the SDTM domain the records come from, when no create call does
    copies: tuple[tuple[str, str], ...] = ()  # (variable, source column) of the source domain
    supp: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (SUPP-- dataset, QNAMs)
    merges: tuple[tuple[str, str], ...] = ()  # (variable, ADSL column) merged by USUBJID
    assigned: tuple[tuple[str, str], ...] = ()  # (variable, value)
    datasets: tuple[str, ...] = field(default=())  # every dataset the plan reads

    @property
    def required(self) -> tuple[str, ...]:
        """The datasets the plan cannot run without (those no call marks optional)."""
        found: dict[str, None] = {}
        if self.source:
            found[self.source] = None
        for step in self.steps:
            for key, value in step.kwargs:
                if isinstance(value, DatasetRef) and key not in step.derivation.optional and value.name != "SDTM":
                    found[value.name] = None
        if self.merges:
            found["ADSL"] = None
        return tuple(found)


def _implicit(frame: pd.DataFrame) -> pd.DataFrame:
    """Stands for what the engine does itself (merging ADSL, Assigned Values)."""
    return frame


_IMPLICIT = Derivation(_implicit)


def _where(method: Method) -> str:
    return f"{method.id} (Methods row {method.loc.row})" if method.loc else method.id


def _var_where(var) -> str:
    row = f", {var.loc.sheet} row {var.loc.row}" if var.loc else ""
    return f"{var.dataset}.{var.name}{row}"


def _finding(message: str, loc, column: str | None = None, code: str = "adam-method") -> Finding:
    return Finding(
        "error",
        code,
        message,
        sheet=loc.sheet if loc else None,
        row=loc.row if loc else None,
        column=column,
    )


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _dataset_class(spec: Spec, name: str) -> str:
    return (spec.dataset(name).dataset_class or "").upper()


def plan_dataset(spec: Spec, name: str, *, derivations: Mapping[str, Derivation] | None = None) -> Plan:
    """The plan of a dataset; SpecError with every variable, method and call it cannot follow."""
    lib = derivations if derivations is not None else library()
    methods = {m.id: m for m in spec.methods}
    method_rank = {m.id: i for i, m in enumerate(spec.methods)}
    problems: list[Finding] = []
    variables = spec.variables_of(name)
    is_adsl = _dataset_class(spec, name) == ADSL_CLASS or name == "ADSL"

    calls: dict[Any, Step] = {}
    call_rank: dict[Any, tuple[int, int]] = {}

    def add_method(method_id: str, user, loc) -> bool:
        """The calls of a method; False when it has no code."""
        method = methods.get(method_id)
        if method is None:
            problems.append(
                _finding(f"{_var_where(user)}: method {method_id} is not in the Methods sheet", loc, "Method")
            )
            return True
        if not (method.expression_code or "").strip():
            return False
        try:
            parsed = parse_expression(method.expression_code or "")
        except ExpressionError as exc:
            problems.append(_finding(f"method {method.id}: {exc}", method.loc, "Expression Code"))
            return True
        for line, call in enumerate(parsed):
            derivation = lib.get(call.name)
            if derivation is None:
                problems.append(
                    _finding(
                        f"method {method.id} (used by {_var_where(user)}) calls {call.name!r}, which is not a "
                        "derivation of the library (cdisc-build adam --list-derivations lists them)",
                        method.loc,
                        "Expression Code",
                    )
                )
                continue
            bad = _bad_keywords(derivation, call)
            if bad:
                problems.append(_finding(f"method {method.id}: {call.name}: {bad}", method.loc, "Expression Code"))
                continue
            key = (call.name, _freeze(call.arguments))
            kwargs = call.arguments
            if key not in calls:
                calls[key] = Step(
                    call.name,
                    derivation,
                    call.kwargs,
                    _where(method),
                    () if derivation.kind == "create" else derivation.needed(kwargs),
                    derivation.added(kwargs),
                )
                call_rank[key] = (method_rank.get(method.id, 0), line)
        return True

    copies: list[tuple[str, str]] = []
    supp: dict[str, list[str]] = {}
    merges: list[tuple[str, str]] = []
    assigned: list[tuple[str, str]] = []
    needs_code: list[tuple[Variable, str]] = []
    sources: dict[str, list[Variable]] = {}
    for var in variables:
        pred = (var.predecessor or "").strip()
        origin, _, column = pred.partition(".")
        origin = origin.upper()
        if var.method:
            value_rows = spec.value_list(name, var.name)
            has_code = add_method(var.method, var, var.loc)
            vl_ok = bool(value_rows)
            for row in value_rows:
                if row.method:
                    vl_ok &= add_method(row.method, var, row.loc)
                else:
                    vl_ok = False
            if not has_code and not vl_ok:
                needs_code.append((var, var.method))
        elif var.assigned_value not in (None, ""):
            assigned.append((var.name, str(var.assigned_value)))
        elif pred and column:
            if origin.startswith("SUPP"):
                supp.setdefault(origin, []).append(var.name)
            elif origin in SUBJECT_SOURCES and not is_adsl:
                if var.name != "USUBJID":  # the key the merge is by
                    merges.append((var.name, column))
            else:
                sources.setdefault(origin, []).append(var)
                copies.append((var.name, column))
        else:
            needs_code.append((var, ""))

    steps = [calls[k] for k in sorted(calls, key=lambda k: call_rank[k])]
    if merges:
        # merged once the first records exist (what the methods read), and again once every record
        # exists (the records a derive_param_* makes from nothing get them too)
        names = tuple(v for v, _ in merges)
        what = f"{name}: the ADSL variables by Predecessor"
        steps.insert(0, Step(MERGE, _IMPLICIT, (("again", True),), what, (RECORDS,), names))
        steps.insert(0, Step(MERGE, _IMPLICIT, (), what, (), names))
    if assigned:
        names = tuple(v for v, _ in assigned)
        steps.insert(0, Step(ASSIGN, _IMPLICIT, (), f"{name}: the Assigned Values", (RECORDS,), names))
    creates = [s for s in steps if s.derivation.kind == "create"]
    steps = creates + [s for s in steps if s.derivation.kind != "create"]  # records first made, then the rest
    source: str | None = None
    if is_adsl:
        source = "DM"
        stray = [v for s, vs in sources.items() if s != "DM" for v in vs]
    elif creates:
        stray = []  # the create calls carry their domain's variables (checked when the dataset is built)
        copies = []
    elif len(sources) == 1:
        source = next(iter(sources))  # records derivations (derive_param_*) add to its records
        stray = []
    elif not sources and any(s.derivation.kind == "records" for s in steps):
        stray = []  # derive_param_* make every record (ADTTE)
    else:
        stray = []
        where = spec.dataset(name).loc
        what = ", ".join(sorted(sources)) or "none"
        problems.append(
            _finding(
                f"{name}: nothing makes its records: no method of its variables names a create derivation, "
                f"and its Predecessors name {what} (one SDTM domain is needed)",
                where,
                "Class",
                "adam-records",
            )
        )
    for var in stray:
        problems.append(
            _finding(
                f"{_var_where(var)}: Predecessor {var.predecessor} is not the dataset's source ({source})",
                var.loc,
                "Predecessor",
            )
        )
    added = {a for s in steps for a in s.adds}
    for var, method_id in needs_code:
        if var.name in added or var.name in FINISHED or (is_adsl and var.name in ("STUDYID", "USUBJID")):
            continue
        if method_id:
            m = methods[method_id]
            problems.append(
                _finding(
                    f"{_var_where(var)}: its method {method_id} has no Expression Code naming a derivation "
                    "of the library, and no derivation of the dataset adds the variable",
                    m.loc,
                    "Expression Code",
                )
            )
        else:
            problems.append(
                _finding(
                    f"{_var_where(var)}: no Method, Assigned Value or Predecessor says how it is derived",
                    var.loc,
                    "Method",
                )
            )
    if problems:
        raise SpecError(spec.source or "the ADaM spec", problems)
    read = {ref for s in steps for ref in s.datasets}
    if source:
        read.add(source)
    read.update(supp)
    if merges:
        read.add("ADSL")
    return Plan(
        dataset=name,
        steps=tuple(_order(steps, name)),
        source=source,
        copies=tuple(copies),
        supp=tuple((k, tuple(v)) for k, v in supp.items()),
        merges=tuple(merges),
        assigned=tuple(assigned),
        datasets=tuple(sorted(read)),
    )


def _bad_keywords(derivation: Derivation, call: Call) -> str | None:
    params = inspect.signature(derivation.function).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    names = list(params)
    allowed = set(names[1:] if derivation.kind != "create" else names)
    unknown = [k for k, _ in call.kwargs if k not in allowed]
    if unknown:
        return f"no keyword {', '.join(unknown)} (it takes {', '.join(sorted(allowed))})"
    return None


def _order(steps: list[Step], dataset: str) -> list[Step]:
    """Steps in an order where each runs once what it needs is there, the first ready in
    Methods sheet order. Creates come first. A column derivation that a records derivation
    needs (directly or through another) runs early, once a step has added what it needs; any
    other runs late, after every records step and every step adding what it needs (so a
    relative day is computed on every record, those derive_param_* made included)."""
    early = _early(steps)
    pending = list(steps)
    done: list[Step] = []
    while pending:
        for i, step in enumerate(pending):
            others = pending[:i] + pending[i + 1 :]
            if step.derivation.kind != "create" and any(o.derivation.kind == "create" for o in others):
                continue
            late = step.derivation.kind == "columns" and id(step) not in early
            # a column the step adds itself is one it may read (where DTYPE is absent), not a need
            needs = tuple(n for n in step.needs if n not in step.adds)
            needs = (*needs, RECORDS) if late else needs
            if all(_met(need, done, others, late=late) for need in needs):
                done.append(pending.pop(i))
                break
        else:
            loop = "; ".join(f"{s.describe()} needs {', '.join(s.needs)}" for s in pending)
            raise AdamInputError(f"{dataset}: the methods need each other's results in a loop: {loop}")
    return done


def _early(steps: list[Step]) -> set[int]:
    """The steps a records step needs, directly or through other steps (by id)."""
    wanted = {need for s in steps if s.derivation.kind in RECORD_KINDS for need in s.needs}
    early: set[int] = set()
    grew = True
    while grew:
        grew = False
        for step in steps:
            if id(step) not in early and step.derivation.kind not in RECORD_KINDS and wanted & set(step.adds):
                early.add(id(step))
                wanted.update(step.needs)
                grew = True
    return early


def _met(need: str, done: list[Step], pending: list[Step], *, late: bool) -> bool:
    if need == RECORDS:
        return not any(s.derivation.kind in RECORD_KINDS for s in pending)
    if late:
        return not any(need in s.adds for s in pending)
    return any(need in s.adds for s in done) or not any(need in s.adds for s in pending)


# -- running a plan --------------------------------------------------------


def resolve(value: Any, *, frames: Mapping[str, pd.DataFrame | None], settings: Any, sdtm: Mapping[str, Any]) -> Any:
    """An argument with its datasets and settings in place."""
    if isinstance(value, DatasetRef):
        return dict(sdtm) if value.name == "SDTM" else frames.get(value.name)
    if isinstance(value, SettingRef):
        current = settings
        for part in value.path:
            current = getattr(current, part)
        return current
    if isinstance(value, list):
        return [resolve(v, frames=frames, settings=settings, sdtm=sdtm) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve(v, frames=frames, settings=settings, sdtm=sdtm) for v in value)
    if isinstance(value, dict):
        return {k: resolve(v, frames=frames, settings=settings, sdtm=sdtm) for k, v in value.items()}
    return value


def _call(step: Step, frame: pd.DataFrame | None, kwargs: dict[str, Any], *, spec: Spec, dataset: str) -> Any:
    params = inspect.signature(step.derivation.function).parameters
    if "spec" in params and "spec" not in kwargs:
        kwargs["spec"] = spec
    if "dataset" in params and "dataset" not in kwargs and step.derivation.kind != "create":
        kwargs["dataset"] = dataset
    if step.derivation.kind == "create":
        return step.derivation.function(**kwargs)
    return step.derivation.function(frame, **kwargs)


def _append(frame: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    if frame is None or frame.empty and not len(frame.columns):
        return new.reset_index(drop=True)
    return pd.concat([frame, new], ignore_index=True)


def run_plan(plan: Plan, run) -> pd.DataFrame:
    """The dataset of ``plan`` before finishing (context.AdamRun.finish keeps, orders, validates)."""
    spec = run.spec
    name = plan.dataset
    frames: dict[str, pd.DataFrame | None] = {**run.sdtm, **run.datasets}
    frame: pd.DataFrame | None = None
    if plan.source:
        src = run.get(plan.source)
        if plan.source == "DM" and (name == "ADSL" or _dataset_class(spec, name) == ADSL_CLASS):
            from .adsl import create_adsl

            frame = create_adsl(src)
        else:
            frame = src.pipe(fresh).reset_index(drop=True)
        for variable, column in plan.copies:
            if variable != column and column in frame.columns:
                frame[variable] = frame[column]
        frame = _numbers_as_specified(frame, spec, name, [v for v, _ in plan.copies])
    for supp_name, qnams in plan.supp:
        if frame is not None:
            frame = derive_vars_supp(frame, supp=run.sdtm.get(supp_name), names=list(qnams))
    for step in plan.steps:
        if step.name == MERGE:
            if frame is not None and "USUBJID" in frame.columns:
                frame = run.merge_columns(frame, dict(plan.merges), dataset=name)
            continue
        if step.name == ASSIGN:
            assert frame is not None
            for variable, value in plan.assigned:
                frame[variable] = value if len(frame) else pd.Series(dtype=object)
            continue
        kwargs = {k: resolve(v, frames=frames, settings=run.settings, sdtm=run.sdtm) for k, v in step.kwargs}
        absent = [
            (k, v.name)
            for k, v in step.kwargs
            if isinstance(v, DatasetRef) and v.name != "SDTM" and frames.get(v.name) is None
        ]
        skip = [n for k, n in absent if step.derivation.optional.get(k) == "skip"]
        if skip:
            run.add_issue(
                name,
                None,
                "not derived",
                f"{step.describe()} not run: the SDTM folder has no {', '.join(skip)}",
                severity="warning",
            )
            if frame is not None and step.derivation.kind == "columns":
                for added in step.adds:
                    if "=" not in added and added not in frame.columns:
                        frame[added] = None
            continue
        for k, _ in absent:
            kwargs[k] = None
        if frame is None and step.derivation.kind != "create":
            frame = pd.DataFrame()
        try:
            result = _call(step, frame, kwargs, spec=spec, dataset=name)
        except AdamInputError as exc:
            raise AdamInputError(f"{step.describe()}: {exc}") from None
        except KeyError as exc:
            what = str(exc.args[0]) if exc.args else str(exc)
            raise AdamInputError(
                f"{step.describe()}: {what}"
                if " " in what
                else f"{step.describe()}: {name} has no variable {what!r}: add it to the spec with the method "
                "that derives it"
            ) from None
        if step.derivation.kind == "create":
            frame = _append(frame, result)
        elif step.derivation.kind == "filter":
            frame, removed = result
            _report(run, name, step, removed)
        elif step.derivation.kind == "check":
            _report(run, name, step, result)
        else:
            frame = result
    if frame is None:
        frame = pd.DataFrame(columns=["USUBJID"])
    for var in spec.variables_of(name):
        if var.name in frame.columns or var.name in FINISHED:
            continue
        # planned, yet absent: an input lacked what its origin reads; never dropped silently
        how = f"its Predecessor {var.predecessor} is not in the input" if var.predecessor else "no record carries it"
        run.add_issue(
            name,
            None,
            "missing variable",
            f"{_var_where(var)}: not derived ({how}); written empty",
            severity="error",
        )
        frame[var.name] = None
    return frame


def _numbers_as_specified(frame: pd.DataFrame, spec: Spec, dataset: str, names: list[str]) -> pd.DataFrame:
    """The copied variables the spec makes numbers (not dates) as numbers, when the input held
    them as text (a CSV read without the SDTM spec of its domain): the derivations compare and
    sort them as numbers (ATPTN 815, VISITNUM 10 after 2)."""
    from specs.schema import NUMERIC_TYPES

    from .finish import _is_date_variable

    for var in spec.variables_of(dataset):
        if var.name not in names or var.name not in frame.columns or var.data_type not in NUMERIC_TYPES:
            continue
        if _is_date_variable(var) or frame[var.name].dtype != object:
            continue
        frame[var.name] = pd.to_numeric(frame[var.name], errors="coerce").astype("float64")
    return frame


def _report(run, dataset: str, step: Step, found: pd.DataFrame) -> None:
    if step.derivation.report is None:
        return
    for usubjid, kind, message in step.derivation.report(found, step.arguments):
        run.add_issue(dataset, usubjid, kind, message)
