"""Which CDISC CORE SDTMIG 3.4 rules apply to the SDTM we produce, and which our catalogue implements.

    python -m scripts.conformance_docs      # writes docs/core-coverage.md (and docs/conformance.md)

The CORE catalogue (../shared/standards/conformance-rules/core-sdtmig-3-4-rules.csv)
gives each rule its classes and domains (Include / Exclude) and its conditions as
JSON (a tree of all / any / not over `get_dataset` leaves, each an operator with a
target and a comparator). What we produce is the union of the datasets and
variables of our two SDTM specs (specs/workbooks/sdtm_spec.xlsx and
examples/cdiscpilot01/sdtm_spec.xlsx).

A rule applies when, for at least one dataset we produce that is in its scope
(its observation class and domain are included and not excluded), the condition
tree can be true:

- `all` needs every branch, `any` one branch, `not` its branch;
- a leaf needs its target variable in the dataset ("--" expands to the dataset's
  domain prefix; "DM.RFPENDTC" is RFPENDTC in DM) and every variable its
  comparator or `within` names; a comparator is a variable when it starts with
  "--", has a dataset prefix, or is the name of a variable (of our specs or a
  target of any CORE rule), unless `value_is_literal` says it is a value or the
  target is TSPARMCD (then it is a parameter code); a comparator variable may
  come from another dataset we produce (CORE merges DM, SE, TV ... for it);
- `not_exists` needs nothing (the rule asserts an absence our data may meet);
  `exists` needs what it names, except in a *guard*: a rule whose every leaf is
  `exists`, i.e. one that forbids a variable or dataset: a guard applies to every
  dataset we produce in its scope (it passes there as long as we never add the
  variable) - these rules are about our domains even though the variable is not
  in our spec;
- a dataset-level target of a Domain Presence Check (DM, EX, TM ...) is a
  dataset name: `exists` needs the dataset produced;
- CORE's operation results ($dm_usubjid, $min_ex_exstdtc, $tv_visitnum ...) are
  not in the CSV: `DERIVED` maps each to the dataset and variable it reads
  (from its name and the rule's description); metadata ones (dataset_name,
  variable_label, $records_in_dataset ...) are always available; library ones
  ($required_variables, $allowed_variables, library_variable_role ...) need the
  SDTMIG and CT of the standards library (conformance/ig.py; the spec stands in for
  the guide where a rule checks against the spec).

A rule is implemented when a rule of our catalogue names its CORE id. An
applicable rule not implemented must be listed in NOT_EVALUABLE with the reason
it cannot be evaluated from datasets + spec + define (tests/scripts/
test_core_coverage.py keeps that true).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from conformance.catalogue import RULES, core_ids

ROOT = Path(__file__).resolve().parents[1]
CORE_CSV = ROOT.parent / "shared" / "standards" / "conformance-rules" / "core-sdtmig-3-4-rules.csv"
SPECS = (ROOT / "specs" / "workbooks" / "sdtm_spec.xlsx", ROOT / "examples" / "cdiscpilot01" / "sdtm_spec.xlsx")

# Metadata a rule may read of any dataset (always available from the files, spec or define).
METADATA = {
    "dataset_name",
    "dataset_label",
    "variable_name",
    "variable_label",
    "variable_value",
    "variable_data_type",
    "variable_length",
    "define_variable_role",
    "define_variable_ccode",
    "define_variable_codelist_coded_codes",
    "$dataset_name",
    "$dataset_size",
    "$records_in_dataset",
    "$dataset_variables",
    "$column_order_from_dataset",
    "$domain_label",
    "$list_dataset_names",
    "$study_domains",
    "$domain_list",
    "$domain_is_custom",
    "$rdomain_variables",
    "$VARIABLE_COUNT",
    "$record_count_per_subject_test_timing",
}
# Library metadata (SDTMIG / SDTM model / CT versions): from the standards library (conformance/ig.py).
LIBRARY = {
    "$required_variables",
    "$expected_variables",
    "$allowed_variables",
    "$model_variables",
    "$column_order_from_library",
    "$timing_variables",
    "$TIMING_VARIABLES",
    "$domain_lib_ccode",
    "$VALID_TERM_CODES",
    "$valid_dates",
    "library_variable_role",
    "library_variable_data_type",
}
# CORE operation results -> (dataset, variable) they read; dataset None: any dataset.
DERIVED: dict[str, tuple[str | None, str]] = {
    "$tv_visit": ("TV", "VISIT"),
    "$tv_visitnum": ("TV", "VISITNUM"),
    "$TV_VISITNUM": ("TV", "VISITNUM"),
    "$ta_arm": ("TA", "ARM"),
    "$ta_armcd": ("TA", "ARMCD"),
    "$ta_epoch": ("TA", "EPOCH"),
    "$te_etcd": ("TE", "ETCD"),
    "$ti_ietest": ("TI", "IETEST"),
    "$ti_ietestcd": ("TI", "IETESTCD"),
    "$tm_midstype": ("TM", "MIDSTYPE"),
    "$sv_visitnum": ("SV", "VISITNUM"),
    "$dm_studyid": ("DM", "STUDYID"),
    "$dm_usubjid": ("DM", "USUBJID"),
    "$usubjids_in_dd": ("DD", "USUBJID"),
    "$usubjids_in_ex": ("EX", "USUBJID"),
    "$ex_usubjid": ("EX", "USUBJID"),
    "$max_ex_exendtc": ("EX", "EXENDTC"),
    "$max_ex_exstdtc": ("EX", "EXSTDTC"),
    "$min_ex_exstdtc": ("EX", "EXSTDTC"),
    "$max_ds_dsstdtc": ("DS", "DSSTDTC"),
    "$max_dsstdtc": ("DS", "DSSTDTC"),
    "$min_ds_dsstdtc": ("DS", "DSSTDTC"),
    "$ds_dsdecod": ("DS", "DSDECOD"),
    "$ds_usubjid": ("DS", "USUBJID"),
    "$ae_aeout": ("AE", "AEOUT"),
    "$ae_aesdth": ("AE", "AESDTH"),
    "$disposition_event_count": ("DS", "DSCAT"),
    "$multiple_race": ("DM", "RACE"),
    "$usubjid_distinct": ("SUPPDM", "USUBJID"),
    "$suppdm_race_count": ("SUPPDM", "QNAM"),
    "$age_count": ("TS", "TSPARMCD"),
    "$agetxt_count": ("TS", "TSPARMCD"),
    "$STYPE_INTERVENTIONAL": ("TS", "TSPARMCD"),
    "$HLTSUBJI": ("TS", "TSPARMCD"),
    "$INDIC": ("TS", "TSPARMCD"),
    "$EXVAMT_EXISTS": ("EX", "EXVAMT"),
    "$EXVAMTU_EXISTS": ("EX", "EXVAMTU"),
    "$MIDS_EXISTS": (None, "MIDS"),
    "$RELMIDS_EXISTS": (None, "RELMIDS"),
    "$val_dy": ("DM", "RFSTDTC"),
    "$val_stdy": ("DM", "RFSTDTC"),
    "$val_endy": ("DM", "RFSTDTC"),
}
# Targets whose comparator is a code value, never a variable (TSPARMCD = 'AGE' is the parameter AGE).
_VALUE_TARGETS = {"TSPARMCD"}
_NAME = re.compile(r"^(--[A-Z0-9]{1,8}|[A-Z][A-Z0-9]{0,7})$")

# Applicable CORE rules that our catalogue does not implement, and why they cannot be
# evaluated from the datasets, the spec and the define.xml.
NOT_EVALUABLE: dict[str, str] = {
    "CORE-000761": "needs the list of every published CDISC CT version (date) to check TSVCDVER against; the "
    "standards library holds the versions a user installed, not that list (CB-SDTM-310 checks TSVALCD "
    "wherever the version TSVCDVER names is installed)",
}


@dataclass(frozen=True)
class Produced:
    """The SDTM datasets we produce: name -> (observation class, variables)."""

    classes: dict
    variables: dict

    def names(self) -> list[str]:
        return sorted(self.classes)

    def prefix(self, name: str) -> str | None:
        if name.startswith("SUPP") or name in ("RELREC", "RELSUB", "RELSPEC"):
            return None
        return name[:2]

    def has(self, name: str, variable: str) -> bool:
        return variable in self.variables.get(name, ())

    def anywhere(self, variable: str) -> list[str]:
        return [n for n in self.names() if variable in self.variables[n]]


@lru_cache(maxsize=8)
def _read(path: Path) -> Produced:
    from specs import read_workbook

    spec, _ = read_workbook(path)
    classes = {d.name: (d.dataset_class or "").upper() for d in spec.datasets}
    variables: dict[str, set] = {d.name: set() for d in spec.datasets}
    for v in spec.variables:
        variables.setdefault(v.dataset, set()).add(v.name)
    return Produced(classes, {k: frozenset(v) for k, v in variables.items()})


def studies(spec_paths: tuple[Path, ...] = SPECS) -> list[Produced]:
    """What each spec produces. A rule is judged per study (a rule needing AEENTPT and AEDTC does not
    apply because one study has one and the other the other)."""
    return [_read(Path(p)) for p in spec_paths]


def produced(spec_paths: tuple[Path, ...] = SPECS) -> Produced:
    """The union of the datasets and variables of the specs (for the vocabulary and the docs)."""
    classes: dict[str, str] = {}
    variables: dict[str, set] = {}
    for one in studies(spec_paths):
        for name, cls in one.classes.items():
            classes.setdefault(name, cls)
            variables.setdefault(name, set()).update(one.variables[name])
    return Produced(classes, {k: frozenset(v) for k, v in variables.items()})


def load_core(path: Path = CORE_CSV) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str).fillna("")


# ---------------------------------------------------------------------------
# Scope: the datasets we produce that a rule's classes and domains take in
# ---------------------------------------------------------------------------
def _split(spec: str) -> tuple[list[str], list[str]]:
    data = json.loads(spec) if spec else {}
    return list(data.get("Include", [])), list(data.get("Exclude", []))


def _domain_matches(token: str, name: str, prefix: str | None) -> bool:
    if token == "ALL":
        return True
    if token.endswith("--"):
        return name.startswith(token[:-2])
    return name == token or (prefix == token and not name.startswith("SUPP"))


def scope(row, ours: Produced) -> list[str]:
    cls_in, cls_out = _split(row["classes"])
    dom_in, dom_out = _split(row["domains"])
    out = []
    for name in ours.names():
        cls, prefix = ours.classes[name], ours.prefix(name)
        if cls_in and not ("ALL" in cls_in or cls in cls_in):
            continue
        if cls in cls_out:
            continue
        if dom_in and not any(_domain_matches(d, name, prefix) for d in dom_in):
            continue
        if any(_domain_matches(d, name, prefix) for d in dom_out if d != "ALL"):
            continue
        out.append(name)
    return out


# ---------------------------------------------------------------------------
# Conditions: what each leaf needs of a dataset
# ---------------------------------------------------------------------------
def _leaves(node) -> list[dict]:
    if isinstance(node, dict):
        if "operator" in node:
            return [node]
        return [leaf for v in node.values() for leaf in _leaves(v)]
    if isinstance(node, list):
        return [leaf for v in node for leaf in _leaves(v)]
    return []


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset:
    """Names that are variables: every variable of our specs and every CORE target that looks like one."""
    names = {v for vs in produced().variables.values() for v in vs}
    for _, row in load_core().iterrows():
        if row["rule_type"] == "Domain Presence Check":
            continue
        for leaf in _leaves(json.loads(row["conditions_json"])):
            target = leaf["value"].get("target")
            if isinstance(target, str) and _NAME.match(target):
                names.add(target)
    return frozenset(names)


def _references(leaf: dict, presence: bool) -> list[tuple[str, str]]:
    """(role, name) the leaf needs: role 'target', 'comparator', 'within', 'dataset', 'derived', 'library'."""
    value = leaf["value"]
    refs: list[tuple[str, str]] = []
    target = value.get("target")
    if isinstance(target, str):
        if target in METADATA:
            pass
        elif target in LIBRARY:
            refs.append(("library", target))
        elif target.startswith("$"):
            refs.append(("derived", target))
        elif presence and re.fullmatch(r"[A-Z]{2}[A-Z0-9]{0,6}", target):
            refs.append(("dataset", target))
        else:
            refs.append(("target", target))
    comparators = value.get("comparator")
    comparators = comparators if isinstance(comparators, list) else [comparators]
    for comp in comparators:
        if not isinstance(comp, str) or value.get("value_is_literal") or target in _VALUE_TARGETS:
            continue
        if comp in METADATA:
            continue
        if comp in LIBRARY:
            refs.append(("library", comp))
        elif comp.startswith("$"):
            refs.append(("derived", comp))
        elif (
            "." in comp
            and re.fullmatch(r"[A-Z]+\.[A-Z0-9*\-]+", comp)
            or comp.startswith("--")
            and _NAME.match(comp)
            or _NAME.match(comp)
            and comp in _vocabulary()
        ):
            refs.append(("comparator", comp))
    for key in ("within",):
        w = value.get(key)
        for x in w if isinstance(w, list) else [w]:
            if isinstance(x, str) and _NAME.match(x):
                refs.append(("within", x))
    return refs


@dataclass
class _Need:
    missing: list[str] = field(default_factory=list)
    library: bool = False

    @property
    def ok(self) -> bool:
        return not self.missing


def _expand(name: str, variable: str, ours: Produced) -> str | None:
    if variable.startswith("--"):
        prefix = ours.prefix(name)
        return prefix + variable[2:] if prefix else None
    return variable


_SHARED = {
    "STUDYID",
    "DOMAIN",
    "USUBJID",
    "SUBJID",
    "VISITNUM",
    "VISIT",
    "VISITDY",
    "EPOCH",
    "TAETORD",
    "ELEMENT",
    "ETCD",
    "ARMCD",
    "ARM",
    "SITEID",
}
_STRUCTURE = {"exists", "not_exists"}


def _merged_from(variable: str, name: str, ours: Produced) -> str | None:
    """The dataset a variable of another domain comes from: the dataset's SUPP-- (QNAM, QVAL), one whose
    prefix it carries (DSDECOD: DS, TSPARMCD: TS) or DM (RFSTDTC, DTHFL: CORE merges DM by USUBJID). Shared variables (EPOCH,
    TAETORD, VISITDY) never come from elsewhere: they must be in the dataset itself."""
    supp = "SUPP" + name
    if supp in ours.classes and ours.has(supp, variable) and variable not in ("STUDYID", "USUBJID"):
        return supp  # CORE merges a parent's SUPP-- (QNAM, QVAL) into it
    if variable in _SHARED:
        return None
    own = ours.prefix(name)
    for other in ours.names():
        prefix = ours.prefix(other)
        if other != name and prefix and prefix != own and variable.startswith(prefix) and ours.has(other, variable):
            return other
    if name != "DM" and ours.has("DM", variable):
        return "DM"
    return None


def _foreign(variable: str, name: str, ours: Produced, domains: tuple[str, ...]) -> bool:
    """A literal variable name carrying the code of another domain the rule names (QSEVAL, in a rule
    on QS, FT and RS, is not a variable of RS)."""
    if variable.startswith("--") or variable in _SHARED:
        return False
    own = ours.prefix(name)
    return own is not None and variable[:2] in domains and variable[:2] != own


def _name_leaf(leaf: dict, name: str, ours: Produced) -> bool | None:
    """Leaves on the dataset's name or DOMAIN value with a literal comparator, decided from the name
    (the DOMAIN value is the dataset's prefix); None when the leaf is not one of those."""
    value = leaf["value"]
    target, comp, op = value.get("target"), value.get("comparator"), leaf["operator"]
    if target not in ("dataset_name", "DOMAIN") or not isinstance(comp, str) or comp.startswith("$"):
        return None
    subject = name if target == "dataset_name" else (ours.prefix(name) or "")
    n = value.get("prefix")
    head = subject[:n] if isinstance(n, int) else subject
    if op == "prefix_equal_to":
        return head == comp
    if op == "prefix_not_equal_to" and comp != "DOMAIN":
        return head != comp
    if op == "prefix_matches_regex":
        return bool(re.match(comp, head))
    if op == "not_prefix_matches_regex":
        return not re.match(comp, head)
    return None


def _leaf_need(
    leaf: dict, name: str, ours: Produced, presence: bool, guard: bool, structural: bool, domains: tuple[str, ...]
) -> _Need:
    need = _Need()
    op = leaf["operator"]
    decided = _name_leaf(leaf, name, ours)
    if decided is not None:
        return need if decided else _Need([f"{leaf['value'].get('target')} {op} {leaf['value'].get('comparator')}"])
    if op == "not_exists":
        # the absence the rule asserts (structural rule), or a design it selects (value rule): then
        # the variable or dataset must be absent for the rule to be able to fire
        if structural:
            return need
        target = leaf["value"].get("target", "")
        if presence and target in ours.classes:
            return _Need([f"dataset {target} absent"])
        var = _expand(name, target, ours) if isinstance(target, str) else None
        if var and ours.has(name, var):
            return _Need([f"{var} absent"])
        return need
    if guard and op == "exists":
        target = leaf["value"].get("target", "")
        if isinstance(target, str) and _foreign(target, name, ours, domains):
            return _Need([f"{target} (another domain's variable)"])
        return need
    for role, ref in _references(leaf, presence):
        if role == "library":
            need.library = True
        elif role == "dataset":
            if ref not in ours.classes:
                need.missing.append(f"dataset {ref}")
        elif role == "derived":
            if ref in DERIVED:
                ds, var = DERIVED[ref]
                if ds is None:
                    if not ours.anywhere(var):
                        need.missing.append(f"{var} (any dataset)")
                elif not ours.has(ds, var):
                    need.missing.append(f"{ds}.{var}")
        elif "." in ref:
            ds, var = ref.split(".", 1)
            if "*" in var:
                if ds not in ours.classes:
                    need.missing.append(f"dataset {ds}")
            elif not ours.has(ds, var):
                need.missing.append(f"{ds}.{var}")
        else:
            var = _expand(name, ref, ours)
            if var is None:
                need.missing.append(f"{ref} (no prefix in {name})")
            elif ours.has(name, var):
                continue
            elif not ref.startswith("--") and _merged_from(var, name, ours):
                continue  # another domain's variable, merged in (DM.DTHDTC for DS, SE.SESTDTC for SV ...)
            else:
                need.missing.append(var)
    return need


def _tree_need(node, name: str, ours: Produced, *flags) -> _Need:
    if isinstance(node, dict) and "operator" in node:
        return _leaf_need(node, name, ours, *flags)
    if isinstance(node, dict):
        if "all" in node:
            out = _Need()
            for child in node["all"]:
                n = _tree_need(child, name, ours, *flags)
                out.missing += n.missing
                out.library |= n.library
            return out
        if "any" in node:
            needs = [_tree_need(child, name, ours, *flags) for child in node["any"]]
            good = [n for n in needs if n.ok]
            if good:
                return _Need([], any(n.library for n in good))
            return _Need(sorted({m for n in needs for m in n.missing}), any(n.library for n in needs))
        if "not" in node:
            return _tree_need(node["not"], name, ours, *flags)
    if isinstance(node, list):
        return _tree_need({"all": node}, name, ours, *flags)
    return _Need()


# ---------------------------------------------------------------------------
# The assessment
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Assessment:
    core_id: str
    cdisc_rule_ids: str
    description: str
    applicable: bool
    reason: str
    datasets: tuple[str, ...]  # the datasets it applies to (or the ones in scope when not applicable)
    implemented_by: tuple[str, ...]
    guard: bool = False
    library: bool = False

    @property
    def implemented(self) -> bool:
        return bool(self.implemented_by)


def implementations() -> dict[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for r in RULES:
        for core in core_ids(r):
            out.setdefault(core, []).append(r.id)
    return {k: tuple(v) for k, v in out.items()}


def _about_split(row) -> bool:
    """A rule on the names of split datasets (reads dataset_name and says 'split')."""
    return bool(re.search(r"\bsplit\b", row["description"], re.I)) and "dataset_name" in row["conditions_json"]


def _is_split(name: str) -> bool:
    """A split dataset: a 3-4 character name (or the SUPP-- of one): we produce none."""
    base = name[4:] if name.startswith("SUPP") else name
    return 3 <= len(base) <= 4


def assess_rule(row, studies_: list[Produced], implemented: dict[str, tuple[str, ...]]) -> Assessment:
    conditions = json.loads(row["conditions_json"])
    leaves = _leaves(conditions)
    presence = row["rule_type"] == "Domain Presence Check"
    guard = bool(leaves) and all(leaf["operator"] == "exists" for leaf in leaves)
    structural = bool(leaves) and all(leaf["operator"] in _STRUCTURE for leaf in leaves)
    common = dict(
        core_id=row["core_id"],
        cdisc_rule_ids=row["cdisc_rule_ids"],
        description=row["description"],
        implemented_by=implemented.get(row["core_id"], ()),
        guard=guard,
    )
    good: list = []
    library = False
    missing: dict[str, set[str]] = {}
    in_any_scope: list = []
    for ours in studies_:
        in_scope = scope(row, ours)
        if _about_split(row):
            in_scope = [n for n in in_scope if _is_split(n)]
        for name in in_scope:
            if name not in in_any_scope:
                in_any_scope.append(name)
            need = _tree_need(conditions, name, ours, presence, guard, structural, tuple(_split(row["domains"])[0]))
            if need.ok:
                if name not in good:
                    good.append(name)
                library |= need.library
            else:
                missing.setdefault(name, set()).update(need.missing)
    if not in_any_scope:
        cls_in, _ = _split(row["classes"])
        dom_in, dom_out = _split(row["domains"])
        what = ", ".join(dom_in) if dom_in and dom_in != ["ALL"] else ", ".join(cls_in)
        if _about_split(row):
            what = "split datasets"
        reason = (
            f"no dataset we produce is in scope ({what}"
            + (f"; excluding {', '.join(dom_out)}" if dom_out else "")
            + ")"
        )
        return Assessment(applicable=False, reason=reason, datasets=(), **common)
    if good:
        if guard:
            reason = "guard: forbids a variable or dataset our spec does not have"
        elif library:
            reason = "reads the standards library (SDTMIG model metadata, CT) or the spec"
        else:
            reason = "every variable it needs is in our spec"
        return Assessment(applicable=True, reason=reason, datasets=tuple(sorted(good)), library=library, **common)
    parts = [f"{n}: {', '.join(sorted(m))}" for n, m in sorted(missing.items())]
    if len(parts) > 4:
        parts = parts[:4] + [f"... ({len(parts)} datasets)"]
    return Assessment(
        applicable=False,
        reason="needs what we do not produce - " + "; ".join(parts),
        datasets=tuple(sorted(in_any_scope)),
        **common,
    )


def assess(core: pd.DataFrame | None = None, studies_: list[Produced] | None = None) -> list[Assessment]:
    core = load_core() if core is None else core
    studies_ = studies() if studies_ is None else studies_
    implemented = implementations()
    return [assess_rule(row, studies_, implemented) for _, row in core.iterrows()]


def summary(results: list[Assessment]) -> dict[str, int]:
    applicable = [a for a in results if a.applicable]
    return {
        "total": len(results),
        "applicable": len(applicable),
        "applicable guards": sum(a.guard for a in applicable),
        "implemented among applicable": sum(a.implemented for a in applicable),
        "not evaluable among applicable": sum(
            1 for a in applicable if not a.implemented and a.core_id in NOT_EVALUABLE
        ),
        "applicable, not implemented, no reason": sum(
            1 for a in applicable if not a.implemented and a.core_id not in NOT_EVALUABLE
        ),
        "implemented but judged not applicable": sum(1 for a in results if a.implemented and not a.applicable),
        "not applicable": len(results) - len(applicable),
    }


def _cell(s: str) -> str:
    return str(s).replace("|", "\\|").replace("\n", " ")


def render(results: list[Assessment] | None = None) -> str:
    results = assess() if results is None else results
    s = summary(results)
    lines = [
        "# CDISC CORE SDTMIG 3.4 rules: what applies to our SDTM, what is implemented",
        "",
        "Generated by `python -m scripts.conformance_docs` from "
        "`../shared/standards/conformance-rules/core-sdtmig-3-4-rules.csv` and the datasets and variables of "
        "`specs/workbooks/sdtm_spec.xlsx` and `examples/cdiscpilot01/sdtm_spec.xlsx` (their union: "
        + ", ".join(produced().names())
        + "). The method is in the docstring of `scripts/core_coverage.py`: a "
        "rule applies when a dataset we produce is in its class and domain scope and its condition tree can be "
        'true there with our variables ("--" expanded per domain; a rule whose every condition is `exists` '
        "forbids a variable and applies to every dataset in its scope, as a guard).",
        "",
        "| count | rules |",
        "| --- | ---: |",
        f"| CORE rules | {s['total']} |",
        f"| applicable to what we produce | {s['applicable']} |",
        f"| of which guards (forbid a variable we do not have) | {s['applicable guards']} |",
        f"| implemented among applicable | {s['implemented among applicable']} |",
        f"| applicable, not implemented: cannot be evaluated (below, with the reason) | {s['not evaluable among applicable']} |",
        f"| applicable, not implemented, no reason given | {s['applicable, not implemented, no reason']} |",
        f"| implemented but judged not applicable | {s['implemented but judged not applicable']} |",
        f"| not applicable | {s['not applicable']} |",
        "",
        "## Applicable rules not implemented",
        "",
        "| CORE id | CDISC ids | rule | applies to | why not implemented |",
        "| --- | --- | --- | --- | --- |",
    ]
    for a in results:
        if a.applicable and not a.implemented:
            why = NOT_EVALUABLE.get(a.core_id, "NOT YET IMPLEMENTED")
            lines.append(
                f"| {a.core_id} | {a.cdisc_rule_ids} | {_cell(a.description)} | {', '.join(a.datasets)} | {_cell(why)} |"
            )
    lines += [
        "",
        "## Implemented rules judged not applicable",
        "",
        "Rules of our catalogue that name a CORE rule which cannot fire on what we produce (kept: they "
        "check data we may produce later, or the published samples).",
        "",
        "| CORE id | our rule | reason |",
        "| --- | --- | --- |",
    ]
    for a in results:
        if a.implemented and not a.applicable:
            lines.append(f"| {a.core_id} | {', '.join(a.implemented_by)} | {_cell(a.reason)} |")
    lines += [
        "",
        "## Every CORE rule",
        "",
        "| CORE id | applicable | implemented by | datasets | reason |",
        "| --- | --- | --- | --- | --- |",
    ]
    for a in results:
        lines.append(
            f"| {a.core_id} | {'yes' if a.applicable else 'no'} | {', '.join(a.implemented_by)} | "
            f"{', '.join(a.datasets)} | {_cell(a.reason)} |"
        )
    return "\n".join(lines) + "\n"
