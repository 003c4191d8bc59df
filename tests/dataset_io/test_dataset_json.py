"""Dataset-JSON 1.1: valid against the official schemas, read back equal, OIDs as define.xml's."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from shared_data import shared_path

from dataset_io.dataset_json import read_dataset_json, validate_dataset_json, write_dataset_json
from dataset_io.readers import read_dataset


@pytest.mark.parametrize("suffix", ["json", "ndjson"])
def test_valid_against_the_official_schema_and_read_back_equal(tmp_path, suffix, make_spec, make_frame):
    schemas = shared_path("standards", "dataset-json-1.1")
    path = tmp_path / f"adsl.{suffix}"
    write_dataset_json(
        make_frame(),
        make_spec(),
        "ADSL",
        path,
        settings=__import__("dataset_io.dataset_json", fromlist=["JsonSettings"]).JsonSettings(
            creation_datetime="2024-06-30T00:00:00"
        ),
    )
    assert validate_dataset_json(path, schemas) == []
    frame, meta = read_dataset_json(path)
    pd.testing.assert_frame_equal(frame, make_frame(), check_dtype=False)
    assert meta["itemGroupOID"] == "IG.ADSL"
    assert meta["datasetJSONCreationDateTime"] == "2024-06-30T00:00:00"
    columns = {c["name"]: c for c in meta["columns"]}
    assert columns["USUBJID"] == {
        "itemOID": "IT.ADSL.USUBJID",
        "name": "USUBJID",
        "label": "Unique Subject Identifier",
        "dataType": "string",
        "length": 7,
        "keySequence": 2,
    }
    assert columns["TRTSDT"]["dataType"] == "date" and columns["TRTSDT"]["targetDataType"] == "integer"


def test_a_schema_breach_is_reported(tmp_path, make_spec, make_frame):
    schemas = shared_path("standards", "dataset-json-1.1")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"datasetJSONVersion": "1.1.0", "name": "DM", "columns": [], "rows": []}))
    errors = validate_dataset_json(path, schemas)
    assert any("'datasetJSONCreationDateTime' is a required property" in e for e in errors)
    assert any("'itemGroupOID' is a required property" in e for e in errors)


def test_msg_sample_json_reads_as_its_xpt_twin(make_spec, make_frame):
    folder = shared_path("standards", "submissions", "msg-sdtm-v2")
    for name in ("dm", "ae", "ts"):
        from_json, _ = read_dataset(folder / f"{name}.json")
        from_xpt, meta = read_dataset(folder / f"{name}.xpt")
        pd.testing.assert_frame_equal(from_json, from_xpt, check_dtype=False)
        assert meta.label
