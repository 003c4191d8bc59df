"""Collecting rules written in code into a catalogue, with the ids checked for repeats
(the transport rules; every other rule is a row of conformance/rules.toml)."""

from __future__ import annotations

from .model import Rule, as_tuple


class Catalogue(list):
    """An ordered list of rules; `add` builds and appends one."""

    def add(
        self,
        id: str,
        severity: str,
        message: str,
        standard: str,
        applies_to,
        check,
        core: str | None = None,
        ids: str | None = None,
        excludes=(),
        description: str | None = None,
    ) -> Rule:
        if any(r.id == id for r in self):
            raise ValueError(f"rule id {id} is used twice")
        rule = Rule(
            id=id,
            severity=severity,
            message=message,
            standard=standard,
            applies_to=as_tuple(applies_to),
            check=check,
            core_id=core,
            cdisc_rule_ids=ids,
            excludes=as_tuple(excludes),
            description=description,
        )
        self.append(rule)
        return rule
