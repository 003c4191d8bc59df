"""read_dataset for every format; conform_to_spec gives CSV frames the spec's types."""

from __future__ import annotations

import pandas as pd
import pytest
from shared_data import shared_path

from dataset_io.readers import DatasetReadError, conform_to_spec, read_dataset


def test_csv_conformed_to_the_spec_equals_the_frame(tmp_path, make_spec, make_frame):
    path = tmp_path / "adsl.csv"
    path.write_text(
        "STUDYID,USUBJID,AGE,HEIGHT,TRTSDT,TRTSDTM,DTHFL\n"
        "S1,S1-001,54,170.5,2024-01-02,2024-01-02T08:30:00,\n"
        "S1,S1-002,,181.25,,,Y\n"
        "S1,S1-0003,71,,1959-12-31,2024-03-01T23:59:59,\n"
    )
    frame, meta = read_dataset(path)
    assert meta.format == "csv"
    pd.testing.assert_frame_equal(conform_to_spec(frame, make_spec(), "ADSL"), make_frame(), check_dtype=False)


def test_conform_names_every_bad_value(tmp_path, make_spec, make_frame):
    frame = pd.DataFrame({"AGE": ["54", "old"], "TRTSDT": ["2024-01-02", "someday"]})
    with pytest.raises(DatasetReadError) as caught:
        conform_to_spec(frame, make_spec(), "ADSL")
    assert "ADSL.AGE: 1 value(s) are not numbers, e.g. 'old'" in str(caught.value)
    assert "ADSL.TRTSDT: 1 value(s) are not ISO 8601 dates, e.g. 'someday'" in str(caught.value)


def test_parquet(tmp_path, make_spec, make_frame):
    pytest.importorskip("pyarrow", reason="parquet needs pyarrow")
    path = tmp_path / "adsl.parquet"
    make_frame().to_parquet(path)
    frame, meta = read_dataset(path)
    pd.testing.assert_frame_equal(frame, make_frame(), check_dtype=False)


def test_unknown_format_is_refused(tmp_path, make_spec, make_frame):
    path = tmp_path / "adsl.sas7bdat"
    path.write_bytes(b"x")
    with pytest.raises(DatasetReadError, match="unknown dataset format '.sas7bdat'"):
        read_dataset(path)


def test_sas_written_pilot_xpt_with_cp1252_text(make_spec, make_frame):
    path = shared_path("standards", "submissions", "cdiscpilot01", "sdtm", "ts.xpt")
    frame, meta = read_dataset(path)
    assert meta.encoding == "WINDOWS-1252"
    assert any("\u2019" in v for v in frame["TSVAL"].dropna())
