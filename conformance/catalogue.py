"""The whole rule catalogue, in report order: the rule table, with the transport rules after the spec's."""

from __future__ import annotations

import pandas as pd

from . import transport
from .model import Rule
from .table import load_rules

_TABLE = load_rules()
RULES: tuple[Rule, ...] = (
    tuple(r for r in _TABLE if r.standard == "Spec")
    + tuple(transport.RULES)
    + tuple(r for r in _TABLE if r.standard != "Spec")
)
_BY_ID = {r.id: r for r in RULES}
if len(_BY_ID) != len(RULES):  # pragma: no cover - guarded by the registry too
    raise RuntimeError("a rule id is used twice in the catalogue")


def rule(rule_id: str) -> Rule:
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"no rule {rule_id!r} in the catalogue") from None


def core_ids(r: Rule) -> tuple[str, ...]:
    """The CORE ids a rule matches (a rule may stand for two CORE rules that say the same)."""
    return tuple(x.strip() for x in (r.core_id or "").split(";") if x.strip())


def catalogue_table() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "rule": r.id,
                "standard": r.standard,
                "severity": r.severity,
                "core_id": r.core_id or "",
                "cdisc_rule_ids": r.cdisc_rule_ids or "",
                "applies_to": ", ".join(r.applies_to),
                "message": r.message,
            }
            for r in RULES
        ]
    )


def catalogue_markdown() -> str:
    """The catalogue as a Markdown table (id, standard, severity, CORE id, message)."""
    lines = [
        "| id | standard | severity | CORE id | CDISC ids | applies to | message |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in RULES:
        message = r.message.replace("|", "\\|")
        lines.append(
            f"| {r.id} | {r.standard} | {r.severity} | {r.core_id or ''} | {r.cdisc_rule_ids or ''} | "
            f"{', '.join(r.applies_to)} | {message} |"
        )
    return "\n".join(lines) + "\n"


def counts() -> dict[str, int]:
    """Rules per standard, and how many name a CORE rule."""
    out: dict[str, int] = {}
    for r in RULES:
        out[r.standard] = out.get(r.standard, 0) + 1
    out["total"] = len(RULES)
    out["with CORE id"] = sum(1 for r in RULES if r.core_id)
    out["CORE ids named"] = len({c for r in RULES for c in core_ids(r)})
    return out
