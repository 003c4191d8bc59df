"""A stage's dataset folder: XPT (and CSV) per dataset, report tables, written whole or not at all."""

from __future__ import annotations

import pandas as pd
import pytest

from dataset_io.folder import write_dataset_folder
from dataset_io.outputs import CHECKSUMS, MARKER, OutputFolderError
from dataset_io.readers import read_dataset


def test_datasets_tables_and_the_seal_are_written(tmp_path, make_spec, make_frame):
    out = tmp_path / "adam"
    issues = pd.DataFrame({"severity": ["warning"], "message": ["AGE missing for S1-002"]})
    written = write_dataset_folder(
        out, make_spec(), {"ADSL": make_frame()}, formats=("xpt", "csv"), tables={"issues.csv": issues}, command="adam"
    )
    assert written == {"ADSL": out / "adsl.xpt"}
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, CHECKSUMS, "adsl.xpt", "adsl.csv", "issues.csv"])
    frame, meta = read_dataset(out / "adsl.xpt")
    assert list(frame["USUBJID"]) == ["S1-001", "S1-002", "S1-0003"]
    assert meta.label == "Subject-Level Analysis Dataset"
    assert pd.read_csv(out / "issues.csv")["message"].tolist() == ["AGE missing for S1-002"]


def test_a_permissible_variable_the_data_lacks_is_left_out(tmp_path, make_spec, make_frame):
    frame = make_frame().drop(columns=["DTHFL"])
    write_dataset_folder(tmp_path / "adam", make_spec(), {"ADSL": frame}, command="adam")
    read, _ = read_dataset(tmp_path / "adam" / "adsl.xpt")
    assert "DTHFL" not in read.columns and "AGE" in read.columns


def test_a_dataset_that_breaks_a_rule_leaves_no_folder(tmp_path, make_spec, make_frame):
    frame = make_frame()
    frame.loc[0, "DTHFL"] = "é"  # not ASCII
    with pytest.raises(ValueError, match="not ASCII"):
        write_dataset_folder(tmp_path / "adam", make_spec(), {"ADSL": frame}, command="adam")
    assert not (tmp_path / "adam").exists()


def test_a_folder_of_files_the_toolkit_did_not_write_is_refused(tmp_path, make_spec, make_frame):
    out = tmp_path / "adam"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    with pytest.raises(OutputFolderError):
        write_dataset_folder(out, make_spec(), {"ADSL": make_frame()}, command="adam")
    assert (out / "notes.txt").read_text() == "mine\n"
