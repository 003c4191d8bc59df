"""The catalogue: ids, CORE ids checked against the CORE catalogue."""

from __future__ import annotations

import re

import pandas as pd
from shared_data import shared_path

from conformance.catalogue import RULES, core_ids


def test_at_least_80_rules_with_stable_well_formed_ids():
    assert len(RULES) >= 80
    assert all(re.fullmatch(r"CB-(SDTM|ADAM|FDA|XPT|DEF|SPEC)-\d{3}", r.id) for r in RULES)
    assert len({r.id for r in RULES}) == len(RULES)


def test_every_core_id_is_in_the_core_catalogue_with_the_same_cdisc_ids():
    table = pd.read_csv(shared_path("standards", "conformance-rules", "core-sdtmig-3-4-rules.csv")).set_index("core_id")
    for r in RULES:
        for core in core_ids(r):
            assert core in table.index, f"{r.id}: {core} is not in the CORE catalogue"
        if r.core_id and r.cdisc_rule_ids:
            theirs = {x for c in core_ids(r) for x in str(table.loc[c, "cdisc_rule_ids"]).split(";")}
            ours = set(r.cdisc_rule_ids.split(";")) - {"TRC1736a", "TRC1734c"}
            assert ours <= theirs | {"TRC1736a", "TRC1734c"}, f"{r.id}: {ours - theirs} not ids of {r.core_id}"
