"""The whole rule catalogue, in report order: the rule table, with the transport rules after the spec's."""

from __future__ import annotations

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
if len(_BY_ID) != len(RULES):  # a transport rule with the id of a rule of the table
    raise RuntimeError("a rule id is used twice in the catalogue")


def rule(rule_id: str) -> Rule:
    try:
        return _BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"no rule {rule_id!r} in the catalogue") from None


def core_ids(r: Rule) -> tuple[str, ...]:
    """The CORE ids a rule matches (a rule may stand for two CORE rules that say the same)."""
    return tuple(x.strip() for x in (r.core_id or "").split(";") if x.strip())
