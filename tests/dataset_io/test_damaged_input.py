"""Damaged dataset files are errors naming the file, never read in part without a word.

A transport file cut anywhere its layout can tell (inside a record, the headers, the
namestrs or an observation) is refused by every reader of ours; a cut exactly on an
observation boundary that falls on a record boundary cannot be seen in the file itself
(SAS transport v5 holds no record count) and is found through the checksums.md5 the
toolkit writes into every folder. A broken Dataset-JSON file names the file, the column
and the row.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from shared_data import shared_path

from dataset_io.dataset_json import write_dataset_json
from dataset_io.outputs import CHECKSUMS, output_folder
from dataset_io.readers import DatasetReadError, read_dataset, read_datasets
from dataset_io.xpt import write_xpt
from dataset_io.xpt_native import XptFormatError, check_complete, read_observations
from specs.model import Dataset, Spec, Study, Variable

RECORD = 80


def _spec() -> Spec:
    """Rows of 10 + 8 + 8 + 14 = 40 bytes: two observations fill one 80-byte record."""
    variables = (
        Variable("XX", "USUBJID", 1, "Unique Subject Identifier", "text", 10),
        Variable("XX", "XXSEQ", 2, "Sequence Number", "integer", 8),
        Variable("XX", "XXVAL", 3, "Value", "float", 8),
        Variable("XX", "XXTERM", 4, "Term", "text", 14),
    )
    return Spec(study=Study((("StudyName", "T"),)), datasets=(Dataset("XX", "Test"),), variables=variables)


def _frame(n: int = 25) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "USUBJID": [f"P-{i:08d}" for i in range(n)],
            "XXSEQ": np.arange(1.0, n + 1),
            "XXVAL": np.linspace(0.5, 99.5, n),
            "XXTERM": [f"term number {i:02d}" for i in range(n)],
        }
    )


def _observations_start(raw: bytes) -> int:
    """Where the observations begin: after the OBS header record (found in the bytes)."""
    at = raw.index(b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!")
    return at + RECORD


@pytest.fixture
def xpt(tmp_path) -> Path:
    path = tmp_path / "xx.xpt"
    write_xpt(_frame(), _spec(), "XX", path)
    return path


def _cut(path: Path, size: int, to: Path) -> Path:
    to.write_bytes(path.read_bytes()[:size])
    return to


def test_the_fixture_rows_are_40_bytes_as_pyreadstat_reads_them(xpt):
    _, meta = pyreadstat.read_xport(str(xpt), metadataonly=True)
    assert sum(meta.variable_storage_width.values()) == 40  # the cuts below rely on it


@pytest.mark.parametrize(
    "where",
    [
        "half",
        "inside the first record",
        "inside the headers",
        "inside the namestrs",
        "before the OBS header",
        "inside an observation",
        "empty",
    ],
)
def test_a_transport_file_cut_where_its_layout_shows_it_is_refused_naming_the_file(xpt, tmp_path, where):
    raw = xpt.read_bytes()
    start = _observations_start(raw)
    size = {
        "half": len(raw) // 2 + 7,
        "inside the first record": 50,
        "inside the headers": 5 * RECORD,
        "inside the namestrs": 8 * RECORD + 140 + 20,
        "before the OBS header": start - RECORD,
        "inside an observation": start + 3 * 40 + 20,
        "empty": 0,
    }[where]
    assert size < len(raw)
    (tmp_path / "cut").mkdir()
    cut = _cut(xpt, size, tmp_path / "cut" / "xx.xpt")
    with pytest.raises(DatasetReadError) as caught:
        read_dataset(cut)
    assert str(cut) in str(caught.value)
    assert "cut short" in str(caught.value)
    with pytest.raises(XptFormatError):  # our own reader refuses it too
        read_observations(cut)


def test_70_percent_of_a_file_cut_on_a_record_boundary_is_refused(tmp_path):
    """An odd row length (42 bytes): a cut on a record boundary falls inside an observation."""
    spec = _spec()
    spec = Spec(
        study=spec.study,
        datasets=spec.datasets,
        variables=spec.variables + (Variable("XX", "XXFL", 5, "Flag", "text", 2),),
    )
    frame = _frame(60).assign(XXFL="YN")
    path = tmp_path / "xx.xpt"
    write_xpt(frame, spec, "XX", path)
    raw = path.read_bytes()
    cut = _cut(path, int(len(raw) * 0.7) // RECORD * RECORD, tmp_path / "cut.xpt")
    with pytest.raises(DatasetReadError, match="ends inside an observation"):
        read_dataset(cut)


def test_every_whole_file_reads_as_written(xpt):
    frame, meta = read_dataset(xpt)
    assert meta.records == 25
    pd.testing.assert_series_equal(frame["USUBJID"], _frame()["USUBJID"].astype(object), check_names=False)


@pytest.mark.parametrize(
    "folder",
    [
        ("standards", "submissions", "cdiscpilot01", "sdtm"),
        ("standards", "submissions", "cdiscpilot01", "adam"),
        ("standards", "submissions", "msg-sdtm-v2"),
    ],
)
def test_every_sas_written_published_file_fits_its_layout(folder):
    files = sorted(shared_path(*folder).glob("*.xpt"))
    assert files
    for path in files:
        check_complete(path)  # raises on a file its layout says is cut


def _sealed_folder(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    with output_folder(out, command="adam") as tmp:
        write_xpt(_frame(), _spec(), "XX", tmp / "xx.xpt")
        _frame().to_csv(tmp / "yy.csv", index=False)
    assert (out / CHECKSUMS).is_file()
    return out


def test_a_cut_on_an_observation_and_record_boundary_is_found_by_the_checksums(tmp_path):
    out = _sealed_folder(tmp_path)
    path = out / "xx.xpt"
    frame, _ = read_dataset(path)
    assert len(frame) == 25  # untouched: reads fine
    raw = path.read_bytes()
    size = _observations_start(raw) + 10 * 40  # 10 whole observations = 5 whole records
    assert size % RECORD == 0
    path.write_bytes(raw[:size])
    check_complete(path)  # the file itself cannot tell ...
    with pytest.raises(DatasetReadError) as caught:  # ... its checksum can
        read_dataset(path)
    message = str(caught.value)
    assert str(path) in message and CHECKSUMS in message and "cut short or changed" in message
    with pytest.raises(DatasetReadError, match="xx.xpt"):
        read_datasets(out, ["XX"])
    # the same bytes in a folder without checksums.md5: read as they are (nothing lists them)
    elsewhere = tmp_path / "loose"
    elsewhere.mkdir()
    shutil.copy(path, elsewhere / "xx.xpt")
    frame, _ = read_dataset(elsewhere / "xx.xpt")
    assert len(frame) == 10


def test_a_changed_csv_is_found_by_the_checksums(tmp_path):
    out = _sealed_folder(tmp_path)
    path = out / "yy.csv"
    assert len(read_dataset(path)[0]) == 25
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-5]))  # five records dropped, the file still well-formed
    with pytest.raises(DatasetReadError, match="yy.csv"):
        read_dataset(path)


def test_the_stage_readers_go_through_the_check(tmp_path):
    """read_sdtm (adam), read_adam (report) and the validator's reader refuse a file the
    checksums say was changed."""
    from adam_builder.build import read_sdtm
    from analysis_report.build import read_adam
    from conformance.reader import read_file, read_folder

    out = tmp_path / "out"
    frame = _frame()
    with output_folder(out, command="sdtm") as tmp:
        for name in ("dm", "adsl", "adrs", "adtte", "adae", "adtr"):
            write_xpt(frame, _spec(), "XX", tmp / f"{name}.xpt")
        frame.assign(STUDYID="S1").to_csv(tmp / "ae.csv", index=False)
    raw = (out / "dm.xpt").read_bytes()
    (out / "dm.xpt").write_bytes(raw[: _observations_start(raw) + 20 * 40])
    (out / "adsl.xpt").write_bytes((out / "dm.xpt").read_bytes())
    (out / "ae.csv").write_text((out / "ae.csv").read_text().replace("P-00000003", "P-00000004"))
    with pytest.raises(DatasetReadError, match="dm.xpt"):
        read_sdtm(out)
    with pytest.raises(DatasetReadError, match="adsl.xpt"):
        read_adam(out)
    with pytest.raises(ValueError, match="ae.csv"):
        read_file(out / "ae.csv")
    datasets, meta, notes = read_folder(out)
    assert "DM" not in datasets and "AE" not in datasets and "ADRS" in datasets
    assert meta["DM"].unreadable and "dm.xpt" in meta["DM"].unreadable
    assert meta["AE"].unreadable and "ae.csv" in meta["AE"].unreadable
    assert any(n.startswith("dm.xpt could not be read") for n in notes)
    assert ".cdisc-build.json" not in " ".join(notes)  # the marker is not a dataset


# ---------------------------------------------------------------------------
# Dataset-JSON
# ---------------------------------------------------------------------------
def _json_file(tmp_path: Path, suffix: str) -> Path:
    path = tmp_path / f"xx{suffix}"
    write_dataset_json(_frame(3), _spec(), "XX", path)
    return path


@pytest.mark.parametrize("suffix", [".json", ".ndjson"])
def test_a_text_in_a_number_column_names_file_column_and_row(tmp_path, suffix):
    path = _json_file(tmp_path, suffix)
    path.write_text(path.read_text().replace("50.0", '"forty-two"', 1))
    with pytest.raises(DatasetReadError) as caught:
        read_dataset(path)
    message = str(caught.value)
    assert str(path) in message and "XXVAL" in message and "row 2" in message and "forty-two" in message
    assert "could not convert" not in message


@pytest.mark.parametrize("suffix", [".json", ".ndjson"])
def test_a_row_with_a_value_missing_names_the_row(tmp_path, suffix):
    path = _json_file(tmp_path, suffix)
    path.write_text(path.read_text().replace('"term number 01"', "", 1).replace(",]", "]"))
    with pytest.raises(DatasetReadError) as caught:
        read_dataset(path)
    assert str(path) in str(caught.value) and "row 2" in str(caught.value)
    assert "3 values" in str(caught.value) and "4 columns" in str(caught.value)


@pytest.mark.parametrize("suffix", [".json", ".ndjson"])
def test_a_file_that_is_not_json_names_the_file(tmp_path, suffix):
    path = _json_file(tmp_path, suffix)
    path.write_text(path.read_text()[:-25])
    with pytest.raises(DatasetReadError) as caught:
        read_dataset(path)
    assert str(path) in str(caught.value)


def test_an_ndjson_file_short_of_its_declared_records_is_refused(tmp_path):
    path = _json_file(tmp_path, ".ndjson")
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))  # the last row, a whole line, dropped
    with pytest.raises(DatasetReadError, match="declares 3 records, the file holds 2 rows"):
        read_dataset(path)


def test_a_column_missing_from_the_metadata_is_refused(tmp_path):
    import json

    path = _json_file(tmp_path, ".json")
    doc = json.loads(path.read_text())
    del doc["columns"][2]
    path.write_text(json.dumps(doc))
    with pytest.raises(DatasetReadError, match="row 1 holds 4 values; the metadata declares 3 columns"):
        read_dataset(path)


@pytest.mark.parametrize(
    "name, content",
    [("xx.parquet", b"PAR1 not a parquet file"), ("xx.csv", b'USUBJID,XXSEQ\nP-1,"1\n'), ("yy.csv", b"")],
)
def test_a_damaged_parquet_or_csv_file_names_the_file(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DatasetReadError) as caught:
        read_dataset(path)
    assert str(path) in str(caught.value)
