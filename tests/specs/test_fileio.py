"""specs.fileio: CSV text equal to pandas' to_csv, atomic files and folders, ordinary file modes."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from dataset_io.outputs import output_folder
from specs.fileio import atomic_write_bytes, csv_text, write_table, write_tables


def _frames():
    n = 250_001  # past one chunk of to_csv rows for the narrow frames
    yield (
        "text with quoting",
        pd.DataFrame({"A": ["plain", "a,b", 'say "hi"', "two\nlines", None, "", "中文"], "B": [1, 2, 3, 4, 5, 6, 7]}),
    )
    yield "floats", pd.DataFrame({"X": [0.0, -0.0, 1.5, np.nan, 1e-12, 123456789.123, np.inf]})
    yield "ints and bools", pd.DataFrame({"I": [1, -2, 3], "B": [True, False, True]})
    yield "mixed object", pd.DataFrame({"M": [1, 1.0, True, "1", None, np.nan, pd.NA]}, dtype=object)
    yield "nullable", pd.DataFrame({"N": pd.array([1, None, 3], dtype="Int64"), "C": pd.Categorical(["x", None, "y"])})
    yield (
        "dates",
        pd.DataFrame(
            {
                "D": pd.to_datetime(["2020-01-02", None, "2021-03-04"], format="ISO8601"),
                "T": pd.to_datetime(["2020-01-02 10:11:12", "2020-01-02 00:00:00", None], format="ISO8601"),
            }
        ),
    )
    crossing = ["2020-01-02"] * (n - 1) + ["2020-01-02 00:00:01"]
    yield "dates across chunks", pd.DataFrame({"D": pd.to_datetime(crossing, format="ISO8601")})
    yield "single empty column", pd.DataFrame({"E": ["", None, "a"]})
    yield "no rows", pd.DataFrame({"A": pd.Series([], dtype=object), "B": pd.Series([], dtype=float)})
    yield "no columns", pd.DataFrame(index=range(3))


@pytest.mark.parametrize("name, frame", list(_frames()), ids=[n for n, _ in _frames()])
def test_csv_text_is_what_to_csv_writes(name, frame):
    assert csv_text(frame) == frame.to_csv(index=False, lineterminator="\n")


def test_write_table_and_tables(tmp_path):
    frame = pd.DataFrame({"A": ["x", None], "B": [1.5, np.nan]})
    csv = write_table(frame, tmp_path / "t.csv")
    assert csv.read_text(encoding="utf-8") == "A,B\nx,1.5\n,\n"
    book = write_tables({"one": frame, "two": frame.head(1)}, tmp_path / "t.xlsx")
    sheets = pd.read_excel(book, sheet_name=None)
    assert list(sheets) == ["one", "two"] and len(sheets["two"]) == 1
    with pytest.raises(ValueError, match="as .csv or .xlsx"):
        write_table(frame, tmp_path / "t.txt")


def test_files_and_folders_get_ordinary_modes(tmp_path):
    mask = os.umask(0o022)
    try:
        path = atomic_write_bytes(tmp_path / "f.bin", b"x")
        assert path.stat().st_mode & 0o777 == 0o644
        with output_folder(tmp_path / "out", command="test") as tmp:
            (tmp / "a.txt").write_text("a")
        assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755
    finally:
        os.umask(mask)
