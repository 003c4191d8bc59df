"""The transport-file rules at their edges (8-character names, 40-character labels, 200-byte values)."""

from __future__ import annotations

import numpy as np

from dataset_io.transport_rules import (
    dataset_name_ok,
    ends_in_blank,
    file_too_large,
    label_too_long,
    length_too_long,
    name_chars_ok,
    name_ok,
    outside_number_range,
    printable_ascii,
    value_bytes,
    value_too_long,
)


def test_names_are_at_most_eight_upper_case_letters_digits_or_underscores():
    assert name_ok("AESTDTC") and name_ok("QNAM_1") and name_ok("ABCDEFGH")
    assert not name_ok("ABCDEFGHI")  # 9 characters
    assert not name_ok("1AB") and not name_ok("ae") and not name_ok("")
    assert name_chars_ok("LONGERTHANEIGHT") and not name_chars_ok("A-B")


def test_a_dataset_name_holds_no_underscore():
    assert dataset_name_ok("SUPPAE") and dataset_name_ok("AE")
    assert not dataset_name_ok("SUPP_AE") and not dataset_name_ok("SUPPQUALX")


def test_labels_are_at_most_40_characters():
    assert not label_too_long("x" * 40)
    assert label_too_long("x" * 41)


def test_values_are_counted_in_utf8_bytes():
    assert value_bytes("é") == 2
    assert not value_too_long("a" * 200)
    assert value_too_long("a" * 201)
    assert value_too_long("é" * 101)  # 202 bytes in 101 characters
    assert list(length_too_long(np.array([199, 200, 201]))) == [False, False, True]
    assert length_too_long(201) and not length_too_long(200)


def test_blanks_ascii_and_control_characters():
    assert ends_in_blank("a ") and ends_in_blank("a\t") and not ends_in_blank(" a")
    assert printable_ascii("Grade 3") and not printable_ascii("Grade\x013") and not printable_ascii("café")


def test_numbers_outside_what_an_ibm_float_holds():
    values = np.array([0.0, 1.0, 2.0**249, 2.0**248, 2.0**-261, 2.0**-260, np.nan, -(2.0**250)])
    assert list(outside_number_range(values)) == [False, False, True, False, True, False, False, True]


def test_a_file_over_5_gb_is_too_large():
    assert not file_too_large(5 * 1024**3) and file_too_large(5 * 1024**3 + 1)
