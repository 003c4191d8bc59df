"""The rule table (conformance/rules.toml) read into `Rule`s.

One row per rule: its metadata (id, standard, severity, the datasets or classes
it applies to and those it excludes, the CDISC CORE ids and CDISC rule ids it
matches, its message and an optional description) and the check that does the
work, named as it is registered in `checks.CHECKS`, with the arguments that
check takes. Loading binds each row to its check and refuses a table with an
unknown field, an unknown check, an argument the check does not take or one it
needs missing, an id used twice, or a severity or standard we do not know.
"""

from __future__ import annotations

import inspect
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

# The modules of named checks register them in CHECKS when imported.
from . import adam_checks, define, ig_checks, required, sdtm_checks, spec_checks  # noqa: F401
from .checks import CHECKS, Check
from .model import SEVERITIES, STANDARDS, Rule

TABLE = Path(__file__).with_name("rules.toml")

REQUIRED_FIELDS = ("id", "standard", "severity", "applies_to", "message", "check")
OPTIONAL_FIELDS = ("excludes", "core_id", "cdisc_rule_ids", "description", "args")


class RuleTableError(ValueError):
    """The rule table is not one we can run."""


def load_rules(text: str | None = None, checks: Mapping[str, Callable[..., Check]] = CHECKS) -> tuple[Rule, ...]:
    """The rules of the table (the shipped one unless `text` is given), in table order."""
    if text is None:
        text = TABLE.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleTableError(f"the rule table is not valid TOML: {exc}") from None
    extra = set(data) - {"rule"}
    if extra:
        raise RuleTableError(f"the rule table has {', '.join(sorted(extra))}: only [[rule]] rows are read")
    rules: list[Rule] = []
    seen: set[str] = set()
    for number, row in enumerate(data.get("rule", []), start=1):
        rule = _rule(row, number, checks)
        if rule.id in seen:
            raise RuleTableError(f"rule id {rule.id} is used twice")
        seen.add(rule.id)
        rules.append(rule)
    return tuple(rules)


def _rule(row: dict[str, Any], number: int, checks: Mapping[str, Callable[..., Check]]) -> Rule:
    where = f"rule {row.get('id', f'number {number}')}"
    missing = [f for f in REQUIRED_FIELDS if f not in row]
    if missing:
        raise RuleTableError(f"{where}: no {', '.join(missing)}")
    unknown = sorted(set(row) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        raise RuleTableError(f"{where}: unknown field {', '.join(unknown)}")
    if row["severity"] not in SEVERITIES:
        raise RuleTableError(f"{where}: severity {row['severity']!r} is not one of {', '.join(SEVERITIES)}")
    if row["standard"] not in STANDARDS:
        raise RuleTableError(f"{where}: standard {row['standard']!r} is not one of {', '.join(STANDARDS)}")
    return Rule(
        id=row["id"],
        severity=row["severity"],
        message=row["message"],
        standard=row["standard"],
        applies_to=tuple(row["applies_to"]),
        check=_bind(where, row["check"], row.get("args", {}), checks),
        core_id=row.get("core_id"),
        cdisc_rule_ids=row.get("cdisc_rule_ids"),
        excludes=tuple(row.get("excludes", ())),
        description=row.get("description"),
    )


def _bind(where: str, name: str, args: dict[str, Any], checks: Mapping[str, Callable[..., Check]]) -> Check:
    """The check `name` built with `args` (lists given as tuples)."""
    if name not in checks:
        raise RuleTableError(f"{where}: no check named {name!r}")
    factory = checks[name]
    parameters = inspect.signature(factory).parameters
    unknown = sorted(set(args) - set(parameters))
    if unknown:
        raise RuleTableError(f"{where}: check {name} takes no argument {', '.join(unknown)}")
    missing = [p.name for p in parameters.values() if p.default is inspect.Parameter.empty and p.name not in args]
    if missing:
        raise RuleTableError(f"{where}: check {name} needs the argument {', '.join(missing)}")
    return factory(**{k: tuple(v) if isinstance(v, list) else v for k, v in args.items()})
