"""Strictness settings: a TOML file raises, lowers or switches off rules.

    # conformance.toml
    [rules."CB-SDTM-055"]
    severity = "off"                  # error | warning | notice | off
    reason = "single-arm study: ARMCD and ACTARMCD differ only for untreated subjects"

    [rules."CORE-000868"]             # a CORE id names every rule that matches it
    severity = "warning"
    reason = "..."

Every change needs a reason; the reason is written into the report beside the rule.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import RULES, core_ids
from .model import SEVERITIES, Strictness

LEVELS = SEVERITIES + ("off",)


class ConfigError(ValueError):
    """The strictness config is wrong: names every problem at once."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


@dataclass(frozen=True)
class Config:
    changes: dict = field(default_factory=dict)  # rule id -> Strictness
    source: str | None = None

    def strictness(self, rule_id: str) -> Strictness | None:
        return self.changes.get(rule_id)


def parse_config(data: dict, source: str = "config") -> Config:
    problems: list[str] = []
    unknown_top = sorted(set(data) - {"rules"})
    if unknown_top:
        problems.append(f'unknown section(s) {", ".join(unknown_top)}: only [rules."ID"] tables are read')
    by_core: dict[str, list[str]] = {}
    for r in RULES:
        for c in core_ids(r):
            by_core.setdefault(c, []).append(r.id)
    known = {r.id for r in RULES}
    changes: dict[str, Strictness] = {}
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        problems.append(f'rules must be a table of [rules."ID"] tables, got {type(rules).__name__} {rules!r}')
        rules = {}
    for key, table in rules.items():
        if not isinstance(table, dict):
            problems.append(f"rules.{key} must be a table with severity and reason")
            continue
        targets = [key] if key in known else by_core.get(key, [])
        if not targets:
            problems.append(f"rules.{key}: no rule with this id or CORE id in the catalogue")
            continue
        severity = str(table.get("severity", "")).strip().lower()
        reason = str(table.get("reason", "")).strip()
        extra = sorted(set(table) - {"severity", "reason"})
        if extra:
            problems.append(f"rules.{key}: unknown key(s) {', '.join(extra)}")
        if severity not in LEVELS:
            problems.append(f"rules.{key}: severity {table.get('severity')!r} is not one of {', '.join(LEVELS)}")
            continue
        if not reason:
            problems.append(f"rules.{key}: a reason is required (it is written into the report)")
            continue
        for target in targets:
            changes[target] = Strictness(target, severity, reason)
    if problems:
        raise ConfigError(source, problems)
    return Config(changes, source)


def load_config(path: str | os.PathLike[str]) -> Config:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"not valid TOML: {exc}"]) from None
    return parse_config(data, str(path))


def as_config(config) -> Config:
    if config is None:
        return Config()
    if isinstance(config, Config):
        return config
    if isinstance(config, dict):
        return parse_config(config)
    return load_config(config)
