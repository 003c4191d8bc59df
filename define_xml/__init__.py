"""Define-XML 2.1: build from the spec, write, check (schema and OIDs), render HTML, read back.

from define_xml import build_define, write_define, check_define, write_html, read_define
"""

from .build import BuildNotes, DefineSettings, Standard, build_define, define_bytes, write_define
from .check import DefineCheckError, DefineIssue, check_define, check_oids, validate_schema
from .html import render_html, write_html
from .read import read_define

__all__ = [
    "BuildNotes",
    "DefineCheckError",
    "DefineIssue",
    "DefineSettings",
    "Standard",
    "build_define",
    "check_define",
    "check_oids",
    "define_bytes",
    "read_define",
    "render_html",
    "validate_schema",
    "write_define",
    "write_html",
]
