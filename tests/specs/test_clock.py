"""The creation time of the files: SOURCE_DATE_EPOCH when set, the clock otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from cdisc_build.cli import app
from specs.clock import ClockError, creation_datetime, iso_datetime


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [
        ("0", "1970-01-01T00:00:00"),
        ("1767225600", "2026-01-01T00:00:00"),  # written from a calendar: 56 years of days * 86400
        ("1688083199", "2023-06-29T23:59:59"),
        (" 86400 ", "1970-01-02T00:00:00"),
    ],
)
def test_source_date_epoch_is_the_creation_time(epoch, expected):
    assert creation_datetime({"SOURCE_DATE_EPOCH": epoch}) == expected


def test_without_it_the_clock(monkeypatch):
    before = datetime.now(UTC).replace(microsecond=0)
    stamp = creation_datetime({})
    after = datetime.now(UTC)
    assert before <= datetime.fromisoformat(stamp).replace(tzinfo=UTC) <= after
    assert creation_datetime({"SOURCE_DATE_EPOCH": ""}) != "1970-01-01T00:00:00"


@pytest.mark.parametrize("epoch", ["yesterday", "-1", "1.5", "1e9", "99999999999999999999"])
def test_a_malformed_value_is_refused_naming_it(epoch):
    with pytest.raises(ClockError, match="SOURCE_DATE_EPOCH"):
        creation_datetime({"SOURCE_DATE_EPOCH": epoch})


def test_a_command_refuses_a_malformed_value_before_it_writes(monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "last tuesday")
    out = tmp_path / "raw"
    result = CliRunner().invoke(app, ["simulate", "--subjects", "5", "--out", str(out)])
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH='last tuesday' is not a number of seconds" in result.output
    assert not out.exists()


def test_a_date_becomes_a_date_time():
    assert iso_datetime("2023-06-30") == "2023-06-30T00:00:00"
    assert iso_datetime("2023-06-30T12:05:00") == "2023-06-30T12:05:00"
