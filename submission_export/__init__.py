"""The submission package: SAS transport v5, Dataset-JSON 1.1 and Define-XML 2.1.

from submission_export import export_submission, write_xpt, read_dataset
"""

from .dataset_json import JsonSettings, read_dataset_json, validate_dataset_json, write_dataset_json
from .package import ExportError, ExportResult, export_submission
from .readers import DatasetMetadata, DatasetReadError, conform_to_spec, read_dataset
from .xpt import Breach, XptRoundTripError, XptRuleError, check_transport_rules, write_xpt

__all__ = [
    "Breach",
    "DatasetMetadata",
    "DatasetReadError",
    "ExportError",
    "ExportResult",
    "JsonSettings",
    "XptRoundTripError",
    "XptRuleError",
    "check_transport_rules",
    "conform_to_spec",
    "export_submission",
    "read_dataset",
    "read_dataset_json",
    "validate_dataset_json",
    "write_dataset_json",
    "write_xpt",
]
