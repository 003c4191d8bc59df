"""`cdisc-build recist`: its --set values and where it finds TU, TR and RS."""

from __future__ import annotations

import pandas as pd
import pytest
import typer

from cdisc_build.commands.recist import parse_settings, read_domain


def test_set_values_are_read_as_toml_else_as_text():
    assert parse_settings(["short_axis_testcd=LPERP", "min_lesion_mm=10", "nodes=[1, 2]", "x = 1.5"]) == {
        "short_axis_testcd": "LPERP",
        "min_lesion_mm": 10,
        "nodes": [1, 2],
        "x": 1.5,
    }


@pytest.mark.parametrize("item", ["no-equals", "=5"])
def test_a_set_value_without_a_key_is_bad_usage(item):
    with pytest.raises(typer.BadParameter, match="expected KEY=VALUE"):
        parse_settings([item])


def test_a_domain_is_found_by_its_name_in_any_format(tmp_path):
    pd.DataFrame({"USUBJID": ["S1-001"], "TRTESTCD": ["LDIAM"]}).to_csv(tmp_path / "TR.csv", index=False)
    frame = read_domain(tmp_path, "tr", None)
    assert frame["TRTESTCD"].tolist() == ["LDIAM"]


def test_a_domain_given_by_file_name(tmp_path):
    pd.DataFrame({"USUBJID": ["S1-002"], "TUTESTCD": ["TUMIDENT"]}).to_csv(tmp_path / "tu_onco.csv", index=False)
    assert read_domain(tmp_path, "tu", "tu_onco.csv")["USUBJID"].tolist() == ["S1-002"]
    with pytest.raises(FileNotFoundError, match="tu_other.csv: no such file"):
        read_domain(tmp_path, "tu", "tu_other.csv")


def test_a_missing_domain_names_the_formats_looked_for(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"no RS dataset \(rs\.xpt"):
        read_domain(tmp_path, "rs", None)
