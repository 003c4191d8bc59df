"""conformance.config on its own: parse_config, load_config and as_config with small literal
configs (CORE ids naming several rules, a second CORE id, case of the severity, every kind of
problem gathered, bad TOML). test_config.py covers a config applied in a validation run."""

from __future__ import annotations

import pytest

from conformance import config as cfg
from conformance.model import Strictness


def test_an_empty_config_changes_nothing():
    got = cfg.parse_config({}, source="empty.toml")
    assert got.changes == {}
    assert got.source == "empty.toml"
    assert got.strictness("CB-SDTM-001") is None


def test_a_rule_id_gets_its_severity_and_reason_and_others_none():
    got = cfg.parse_config({"rules": {"CB-SDTM-055": {"severity": "off", "reason": "single-arm study"}}})
    assert got.changes == {"CB-SDTM-055": Strictness("CB-SDTM-055", "off", "single-arm study")}
    assert got.strictness("CB-SDTM-055").severity == "off"
    assert got.strictness("CB-SDTM-030") is None


def test_severity_is_read_without_case_or_blanks_and_reason_is_stripped():
    got = cfg.parse_config({"rules": {"CB-SDTM-001": {"severity": "  WARNING ", "reason": "  later  "}}})
    assert got.strictness("CB-SDTM-001") == Strictness("CB-SDTM-001", "warning", "later")


def test_a_core_id_names_every_rule_that_matches_it():
    # rules.toml: CB-SPEC-001 and CB-SDTM-265 both carry core_id CORE-000355
    got = cfg.parse_config({"rules": {"CORE-000355": {"severity": "notice", "reason": "reviewed"}}})
    assert got.changes == {
        "CB-SPEC-001": Strictness("CB-SPEC-001", "notice", "reviewed"),
        "CB-SDTM-265": Strictness("CB-SDTM-265", "notice", "reviewed"),
    }


def test_the_second_core_id_of_a_rule_names_it_too():
    # rules.toml: CB-SDTM-218 has core_id "CORE-000074; CORE-000052"
    got = cfg.parse_config({"rules": {"CORE-000052": {"severity": "warning", "reason": "r"}}})
    assert list(got.changes) == ["CB-SDTM-218"]


def test_a_transport_rule_written_in_code_can_be_changed():
    got = cfg.parse_config({"rules": {"CB-XPT-002": {"severity": "error", "reason": "file names matter here"}}})
    assert got.strictness("CB-XPT-002").severity == "error"


def test_unknown_section_non_table_and_unknown_key_are_all_reported():
    with pytest.raises(cfg.ConfigError) as err:
        cfg.parse_config(
            {
                "general": {"x": 1},
                "output": {},
                "rules": {
                    "CB-SDTM-001": "off",
                    "CB-SDTM-002": {"severity": "off", "reason": "r", "note": "n", "by": "me"},
                },
            },
            source="strict.toml",
        )
    assert err.value.problems == [
        'unknown section(s) general, output: only [rules."ID"] tables are read',
        "rules.CB-SDTM-001 must be a table with severity and reason",
        "rules.CB-SDTM-002: unknown key(s) by, note",
    ]
    assert str(err.value) == "strict.toml: " + "; ".join(err.value.problems)


def test_a_missing_severity_is_not_a_level():
    with pytest.raises(cfg.ConfigError) as err:
        cfg.parse_config({"rules": {"CB-SDTM-001": {"reason": "r"}}})
    assert err.value.problems == ["rules.CB-SDTM-001: severity None is not one of error, warning, notice, off"]


def test_a_blank_reason_is_no_reason():
    with pytest.raises(cfg.ConfigError, match="a reason is required"):
        cfg.parse_config({"rules": {"CB-SDTM-001": {"severity": "off", "reason": "   "}}})


def test_load_config_reads_toml_from_a_file(tmp_path):
    path = tmp_path / "conformance.toml"
    path.write_text('[rules."CB-SDTM-030"]\nseverity = "warning"\nreason = "death flag derived later"\n')
    got = cfg.load_config(path)
    assert got.source == str(path)
    assert got.changes == {"CB-SDTM-030": Strictness("CB-SDTM-030", "warning", "death flag derived later")}


def test_load_config_refuses_text_that_is_not_toml(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[rules."CB-SDTM-030"\nseverity = "warning"\n')
    with pytest.raises(cfg.ConfigError) as err:
        cfg.load_config(path)
    (problem,) = err.value.problems
    assert problem.startswith("not valid TOML: ")
    assert str(err.value).startswith(f"{path}: not valid TOML: ")


def test_load_config_names_the_file_in_its_problems(tmp_path):
    path = tmp_path / "unknown.toml"
    path.write_text('[rules."CB-NOPE-999"]\nseverity = "off"\nreason = "x"\n')
    with pytest.raises(cfg.ConfigError) as err:
        cfg.load_config(path)
    assert str(err.value) == f"{path}: rules.CB-NOPE-999: no rule with this id or CORE id in the catalogue"


def test_as_config_takes_nothing_a_config_a_dict_or_a_path(tmp_path):
    assert cfg.as_config(None) == cfg.Config()
    given = cfg.Config({"CB-SDTM-001": Strictness("CB-SDTM-001", "off", "r")}, "mine")
    assert cfg.as_config(given) is given
    from_dict = cfg.as_config({"rules": {"CB-SDTM-001": {"severity": "notice", "reason": "r"}}})
    assert (from_dict.source, from_dict.strictness("CB-SDTM-001").severity) == ("config", "notice")
    path = tmp_path / "c.toml"
    path.write_text('[rules."CB-SDTM-001"]\nseverity = "error"\nreason = "r"\n')
    from_path = cfg.as_config(str(path))
    assert (from_path.source, from_path.strictness("CB-SDTM-001").severity) == (str(path), "error")
    with pytest.raises(cfg.ConfigError):
        cfg.as_config({"rules": {"CB-SDTM-001": {"severity": "fatal", "reason": "r"}}})


@pytest.mark.parametrize("rules", ["off", ["CB-SDTM-001"]])
def test_rules_that_are_not_a_table_are_a_config_error(rules):
    with pytest.raises(cfg.ConfigError, match="rules must be a table"):
        cfg.parse_config({"rules": rules})
