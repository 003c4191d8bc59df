"""The transport-file rules: what SAS transport v5 and the FDA Technical Conformance Guide
allow in a dataset file (names, labels, character values, numbers, file size).

One implementation, used by the writer (`dataset_io.xpt.check_transport_rules`, before a
file is written) and by the conformance checks on data as read (`conformance.transport`).
"""

from __future__ import annotations

import re

import numpy as np

from specs.limits import MAX_LABEL, MAX_NAME, MAX_VALUE_BYTES

from .xpt_native import MAX_EXPONENT, MIN_EXPONENT

MAX_FILE_BYTES = 5 * 1024**3  # TCG: a dataset file is at most 5 GB
_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
_DATASET_NAME = re.compile(r"^[A-Z][A-Z0-9]*$")
TOO_BIG = 2.0 ** (MAX_EXPONENT + 1)
TOO_SMALL = 2.0**MIN_EXPONENT


def name_too_long(name: str) -> bool:
    """A dataset or variable name longer than MAX_NAME characters."""
    return len(name) > MAX_NAME


def name_chars_ok(name: str) -> bool:
    """Upper-case letters, digits and underscores, starting with a letter."""
    return _NAME.match(name) is not None


def name_ok(name: str) -> bool:
    """A SAS name a transport file holds: at most MAX_NAME characters of name_chars_ok."""
    return not name_too_long(name) and name_chars_ok(name)


def dataset_name_ok(name: str) -> bool:
    """A submitted dataset's name (TCG): at most MAX_NAME upper-case letters or digits, starting with a letter."""
    return not name_too_long(name) and _DATASET_NAME.match(name) is not None


def label_too_long(label: str) -> bool:
    """A dataset or variable label longer than MAX_LABEL characters."""
    return len(label) > MAX_LABEL


def value_bytes(value: str) -> int:
    """The length of a character value in a transport file: its UTF-8 bytes."""
    return len(value.encode("utf-8"))


def length_too_long(nbytes):
    """A byte length (an int, or an array of them) over MAX_VALUE_BYTES: a value's, or a
    character variable's declared length."""
    return nbytes > MAX_VALUE_BYTES


def value_too_long(value: str) -> bool:
    """A character value over MAX_VALUE_BYTES bytes."""
    return bool(length_too_long(value_bytes(value)))


def ends_in_blank(value: str) -> bool:
    """A value a transport file does not keep as it is: its trailing blanks are dropped."""
    return value.endswith((" ", "\t"))


def printable_ascii(value: str) -> bool:
    """ASCII without control characters."""
    return value.isascii() and not any(ord(ch) < 32 for ch in value)


def outside_number_range(values: np.ndarray) -> np.ndarray:
    """Finite numbers an IBM hexadecimal float cannot hold (2**-260 <= |x| < 2**249, or zero)."""
    magnitude = np.abs(values)
    return np.isfinite(values) & ((magnitude >= TOO_BIG) | ((magnitude < TOO_SMALL) & (magnitude > 0)))


def file_too_large(size: int) -> bool:
    return size > MAX_FILE_BYTES
