"""The declarations of study.toml (specs.config): one place for every key, its type, default and meaning."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from specs.config import (
    TABLES,
    AdamSettings,
    Problem,
    RawSettings,
    RecistSettings,
    ReportSettings,
    StudyConfigError,
    check_table,
    keys,
    settings_markdown,
    with_values,
)

ROOT = Path(__file__).resolve().parents[2]


def test_every_key_has_a_meaning_and_the_readme_shows_the_generated_table():
    for table in TABLES:
        for key, spec in keys(table).items():
            assert spec.metadata["meaning"].strip(), f"[{table}] {key}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_markdown() in readme, "README.md: paste the output of specs.config.settings_markdown()"


def test_the_generated_table_rows():
    rows = settings_markdown().splitlines()
    assert rows[:3] == [
        "| key | type | default | meaning |",
        "|---|---|---|---|",
        "| `[study] id` | text | required | the study identifier (STUDYID) |",
    ]
    assert '| `[raw] record_position_field` | text | `"RECORDPOSITION"` |' in settings_markdown()
    assert (
        "| `[recist] sd_min_days` | integer | `35` | SD counts from this many days after the reference start |" in rows
    )
    assert any(r.startswith('| `[adam] fatal_outcomes` | list of text | `["FATAL"]` |') for r in rows)
    assert not any("[report] fatal_outcomes" in r or "[adam] recist" in r for r in rows)  # derived fields


def test_defaults():
    assert RawSettings().record_position_field == "RECORDPOSITION"
    assert AdamSettings().fatal_outcomes == ReportSettings().fatal_outcomes == ("FATAL",)
    assert AdamSettings().missed_gap_days == 2 * 42 + 7


def test_a_settings_class_reports_every_refused_value_at_once():
    with pytest.raises(StudyConfigError) as info:
        ReportSettings(confidence=1.5, swimmer_max_subjects=0, rate_months=(0, 6))
    assert info.value.problems == (
        Problem("must be at least 0.5 and below 1 (the level of the intervals)", "report", "confidence"),
        Problem("must all be positive", "report", "rate_months"),
        Problem("must be at least 1", "report", "swimmer_max_subjects"),
    )
    assert str(info.value).splitlines()[0] == (
        "[report] confidence: must be at least 0.5 and below 1 (the level of the intervals)"
    )


def test_check_table_converts_and_refuses():
    values, problems = check_table("report", {"rate_months": [3, 6], "confidence": 1, "tumour_sum": "SDIAM"})
    assert values == {"rate_months": (3, 6), "confidence": 1.0}
    assert problems == [Problem("unknown setting; did you mean tumour_sum_param?", "report", "tumour_sum")]
    values, problems = check_table("raw", {"duplicate_rows": "drop", "record_position_field": " "})
    assert values == {}
    assert [str(p) for p in problems] == [
        '[raw] duplicate_rows = "drop": must be "reject" or "keep"',
        '[raw] record_position_field = " ": must not be empty',
    ]


def test_with_values_checks_as_the_file_does():
    settings = with_values(RecistSettings(), "recist", {"sd_min_days": 42, "nodal_locations": ["node"]})
    assert (settings.sd_min_days, settings.nodal_locations) == (42, ("NODE",))
    assert dataclasses.replace(settings, sd_min_days=35, nodal_locations=("LYMPH NODE",)) == RecistSettings()
    with pytest.raises(StudyConfigError) as info:
        with_values(RecistSettings(), "recist", {"sd_min_days": -1, "max_ne_between": -2})
    assert info.value.lines == [
        "[recist] max_ne_between = -2: must not be negative",
        "[recist] sd_min_days = -1: must not be negative",
    ]


@pytest.mark.parametrize("module", ["config.py", "study.py"])
def test_the_settings_import_no_stage(module):
    import ast

    tree = ast.parse((ROOT / "specs" / module).read_text(encoding="utf-8"))
    modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0]
    modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    stages = ("sdtm_builder", "adam_builder", "analysis_report", "study_simulator", "cdisc_build", "define_xml")
    assert [m for m in modules if m.split(".")[0] in stages] == []
