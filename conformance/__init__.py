"""Conformance: the spec's schemas, transport-file rules, a catalogue of SDTMIG 3.4,
ADaMIG 1.3 and FDA business rules named by their CDISC CORE ids, and define.xml
checks, with a report a sponsor can act on.

    >>> from conformance import run_validation, write_report
    >>> report = run_validation({"DM": dm, "AE": ae}, spec=spec)
    >>> write_report(report, "out/")
"""

from __future__ import annotations

from .catalogue import RULES, rule
from .config import Config, ConfigError, load_config, parse_config
from .context import Context, DatasetMeta
from .define import DefineMetadata, read_define_metadata
from .engine import run_validation
from .model import Hit, Outcome, Rule, RuleResult, Strictness, ValidationReport
from .report import print_summary, report_dict, write_report

__all__ = [
    "RULES",
    "Config",
    "ConfigError",
    "Context",
    "DatasetMeta",
    "DefineMetadata",
    "Hit",
    "Outcome",
    "Rule",
    "RuleResult",
    "Strictness",
    "ValidationReport",
    "load_config",
    "parse_config",
    "print_summary",
    "read_define_metadata",
    "report_dict",
    "rule",
    "run_validation",
    "write_report",
]
