"""The trial design workbook: a formula whose value was never saved stops the run, naming the cell."""

from __future__ import annotations

import openpyxl
import pytest

from sdtm_builder.recipes.trial_design import read_design
from specs.findings import SpecError
from specs.study import builtin_study


def test_the_built_in_design_reads():
    design = read_design(builtin_study().study.trial_design)
    assert {"TA", "TE", "TV", "TI", "TS"} <= set(design)


def test_a_formula_without_its_value_is_an_error_naming_the_cell(tmp_path):
    book = openpyxl.load_workbook(builtin_study().study.trial_design)
    sheet = book["TS"] if "TS" in book.sheetnames else book[book.sheetnames[0]]
    sheet["B2"] = '=CONCATENATE("A","B")'  # openpyxl saves no value with it
    path = tmp_path / "design.xlsx"
    book.save(path)
    with pytest.raises(SpecError) as raised:
        read_design(path)
    text = str(raised.value)
    assert sheet.title in text and "B2" in text and "formula" in text
