"""Dataset files in and out: SAS transport v5, Dataset-JSON 1.1, parquet and CSV readers and
writers, the transport-file rules, and the all-or-nothing output folder.

from dataset_io import read_dataset, write_xpt, write_dataset_json, output_folder
"""

from .dataset_json import JsonSettings, read_dataset_json, validate_dataset_json, write_dataset_json
from .outputs import OutputFolderError, check_output_folder, output_folder
from .readers import DatasetMetadata, DatasetReadError, conform_to_spec, read_dataset
from .xpt import Breach, XptRoundTripError, XptRuleError, check_transport_rules, write_xpt

__all__ = [
    "Breach",
    "DatasetMetadata",
    "DatasetReadError",
    "JsonSettings",
    "OutputFolderError",
    "XptRoundTripError",
    "XptRuleError",
    "check_output_folder",
    "check_transport_rules",
    "conform_to_spec",
    "output_folder",
    "read_dataset",
    "read_dataset_json",
    "validate_dataset_json",
    "write_dataset_json",
    "write_xpt",
]
