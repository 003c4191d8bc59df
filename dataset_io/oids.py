"""Deterministic OIDs: the same spec always gives the same define.xml identifiers.

    IG.DM   IT.DM.USUBJID   VL.TR.TRORRES   IT.TR.TRORRES.<where clause>
    WC.<id> CL.<id>  MT.<id>  COM.<id>  LF.<id>  RD.<id>  AR.<id>  STD.<n>

Dataset-JSON files carry the same ItemGroupDef and ItemDef OIDs.
"""

from __future__ import annotations

import re
from typing import overload

PREFIXES = ("IG.", "IT.", "VL.", "WC.", "CL.", "MT.", "COM.", "LF.", "RD.", "AR.", "STD.")


def itemgroup_oid(dataset: str) -> str:
    return f"IG.{dataset}"


def item_oid(dataset: str, variable: str) -> str:
    return f"IT.{dataset}.{variable}"


def valuelist_oid(dataset: str, variable: str) -> str:
    return f"VL.{dataset}.{variable}"


def value_item_oid(dataset: str, variable: str, where_clause: str) -> str:
    return f"IT.{dataset}.{variable}.{where_clause}"


def where_oid(clause_id: str) -> str:
    return f"WC.{clause_id}"


def codelist_oid(codelist_id: str) -> str:
    return f"CL.{codelist_id}"


def method_oid(method_id: str) -> str:
    return f"MT.{method_id}"


def comment_oid(comment_id: str) -> str:
    return f"COM.{comment_id}"


def leaf_id(name: str) -> str:
    """A def:leaf ID: an XML NCName (letters, digits, '.', '-', '_')."""
    return "LF." + re.sub(r"[^A-Za-z0-9._-]", "_", name)


def display_oid(display_id: str) -> str:
    return f"RD.{display_id}"


def result_oid(result_id: str) -> str:
    return f"AR.{result_id}"


@overload
def strip_prefix(oid: str, prefix: str) -> str: ...
@overload
def strip_prefix(oid: None, prefix: str) -> None: ...
@overload
def strip_prefix(oid: str | None, prefix: str) -> str | None: ...
def strip_prefix(oid: str | None, prefix: str) -> str | None:
    """The spec ID of an OID: the OID without its conventional prefix (once)."""
    if oid is None:
        return None
    return oid[len(prefix) :] if oid.startswith(prefix) else oid
