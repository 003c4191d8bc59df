"""The committed docs are the script's output, and the catalogue table is drawn from the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalogue import RULES
from scripts import conformance_docs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", ["conformance.md", "core-coverage.md"])
def test_the_committed_docs_are_the_scripts_output(name):
    committed = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert committed == conformance_docs.render()[name], f"docs/{name} is stale: run python -m scripts.conformance_docs"


def test_the_catalogue_table_has_a_row_per_rule_with_pipes_escaped():
    lines = conformance_docs.catalogue_markdown().splitlines()
    assert lines[0] == "| id | standard | severity | CORE id | CDISC ids | applies to | message |"
    assert len(lines) == 2 + len(RULES)
    assert lines[2].startswith(f"| {RULES[0].id} | {RULES[0].standard} | {RULES[0].severity} |")
    assert all(line.count(" | ") == 6 for line in lines[2:])


def test_counts_per_standard_add_up_to_the_total():
    c = conformance_docs.counts()
    per_standard = sum(v for k, v in c.items() if k not in ("total", "with CORE id", "CORE ids named"))
    assert per_standard == c["total"] == len(RULES)
    assert c["with CORE id"] == sum(1 for r in RULES if r.core_id)


def test_main_writes_both_docs_into_the_folder_given(tmp_path):
    conformance_docs.main([str(tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conformance.md", "core-coverage.md"]
