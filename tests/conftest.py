"""What every test shares: a standards library of its own, and a fixed creation time.

No test reads the user's library (~/.local/share/cdisc-build/standards): the session's
CDISC_BUILD_STANDARDS is an empty folder unless a test installs packages. `standards_library`
is a library with the packages of ../shared/standards installed once per session (skipping,
saying why, when that folder is absent); `use_standards` makes it the library of the commands
a test runs. SOURCE_DATE_EPOCH is fixed for the session (REPRODUCIBLE_EPOCH), so the
creation date-times the files carry are the same on every run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from shared_data import shared_path

# the packages tests install, as published in ../shared/standards
SHARED_PACKAGES = (
    "ct/sdtmct-2025-03-28.csv.gz",
    "ct/sdtmct-2015-12-18.csv",
    "ct/adamct-2026-03-27.csv",
    "ct/define-xmlct-2026-03-27.csv",
    "ig/sdtmig-3.4",
    "ig/adamig-1.3",
)


# 2026-01-01T00:00:00Z
REPRODUCIBLE_EPOCH = "1767225600"


@pytest.fixture(scope="session", autouse=True)
def _reproducible_creation_time():
    before = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = REPRODUCIBLE_EPOCH
    yield
    if before is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = before


@pytest.fixture(scope="session", autouse=True)
def _empty_standards_library(tmp_path_factory):
    before = os.environ.get("CDISC_BUILD_STANDARDS")
    os.environ["CDISC_BUILD_STANDARDS"] = str(tmp_path_factory.mktemp("no-standards"))
    yield
    if before is None:
        os.environ.pop("CDISC_BUILD_STANDARDS", None)
    else:
        os.environ["CDISC_BUILD_STANDARDS"] = before


@pytest.fixture(scope="session")
def standards_library(tmp_path_factory) -> Path:
    """A library folder holding the SDTMIG 3.4 and ADaMIG 1.3 metadata and the CT packages."""
    from specs.standards import StandardsLibrary

    root = tmp_path_factory.mktemp("standards")
    library = StandardsLibrary(root)
    for package in SHARED_PACKAGES:
        library.add(shared_path("standards", *package.split("/")))
    return root


@pytest.fixture
def use_standards(standards_library, monkeypatch) -> Path:
    """The shared packages as the library of everything the test runs."""
    monkeypatch.setenv("CDISC_BUILD_STANDARDS", str(standards_library))
    return standards_library
