"""The submission package: the eCTD module 5 folder of SAS transport v5, Dataset-JSON 1.1 and Define-XML 2.1.

from submission_export import export_submission
"""

from .package import ExportError, ExportResult, export_submission

__all__ = ["ExportError", "ExportResult", "export_submission"]
