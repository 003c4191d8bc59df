"""XML the toolkit is given is parsed without trusting it: a define.xml that declares a DTD
(external entities reading local files, "billion laughs", an external DTD) is refused with
a message naming the file, by every reader, and `validate --define` prints it (exit 2)."""

from __future__ import annotations

import time

import pytest
from typer.testing import CliRunner

from cdisc_build.cli import app
from conformance.define import read_define_metadata
from define_xml.build import build_define, define_bytes
from define_xml.check import DefineCheckError, check_define
from define_xml.html import DefineHtmlError, render_html
from define_xml.read import read_define
from specs.model import Dataset, Spec, Study, Variable
from specs.xmlsafe import XmlInputError, parse_xml

SECRET = "the-secret-content-of-a-local-file"


def _define() -> bytes:
    spec = Spec(
        study=Study((("StudyName", "T1"), ("StandardName", "SDTMIG"), ("StandardVersion", "3.4"))),
        datasets=(Dataset("DM", "Demographics", dataset_class="SPECIAL PURPOSE", keys=("STUDYID", "USUBJID")),),
        variables=(
            Variable("DM", "STUDYID", 1, "Study Identifier", "text", 8),
            Variable("DM", "USUBJID", 2, "Unique Subject Identifier", "text", 20),
        ),
    )
    return define_bytes(build_define(spec))


def _with_doctype(doctype: bytes, reference: bytes = b"") -> bytes:
    """The define with a DOCTYPE after its prolog and, optionally, an entity reference in a label."""
    data = _define()
    root = data.index(b"<ODM")
    data = data[:root] + doctype + b"\n" + data[root:]
    if reference:
        data = data.replace(b">Demographics<", b">" + reference + b"<", 1)
    return data


def _attacks(tmp_path) -> dict[str, bytes]:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    laughs = b"".join(b'<!ENTITY l%d "%s">' % (i, (b"&l%d;" % (i - 1)) * 10) for i in range(1, 10))
    return {
        "external entity (XXE)": _with_doctype(
            b'<!DOCTYPE ODM [<!ENTITY x SYSTEM "' + secret.as_uri().encode() + b'">]>', b"&x;"
        ),
        "billion laughs": _with_doctype(b'<!DOCTYPE ODM [<!ENTITY l0 "lol">' + laughs + b"]>", b"&l9;"),
        "external DTD": _with_doctype(b'<!DOCTYPE ODM SYSTEM "http://127.0.0.1:9/odm.dtd">'),
        "parameter entity": _with_doctype(
            b'<!DOCTYPE ODM [<!ENTITY % p SYSTEM "' + secret.as_uri().encode() + b'"> %p;]>'
        ),
        "internal entity, UTF-16": _with_doctype(b'<!DOCTYPE ODM [<!ENTITY x "y">]>', b"&x;")
        .decode("utf-8")
        .replace('encoding="UTF-8"', 'encoding="UTF-16"')
        .encode("utf-16"),
    }


ATTACKS = ["external entity (XXE)", "billion laughs", "external DTD", "parameter entity", "internal entity, UTF-16"]


def test_the_define_as_written_reads(tmp_path):
    path = tmp_path / "define.xml"
    path.write_bytes(_define())
    spec, _ = read_define(path)
    assert [d.name for d in spec.datasets] == ["DM"]
    assert set(read_define_metadata(path).datasets) == {"DM"}
    assert parse_xml(path).getroot().get("FileOID") == "T1.SDTM.define"


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_reader_refuses_a_document_with_a_dtd_naming_the_file(tmp_path, attack):
    path = tmp_path / "define.xml"
    path.write_bytes(_attacks(tmp_path)[attack])
    start = time.perf_counter()
    for read in (read_define, read_define_metadata, parse_xml):
        with pytest.raises(XmlInputError) as caught:
            read(path)
        message = str(caught.value)
        assert str(path) in message and "DTD" in message and "refused" in message, message
        assert SECRET not in message
    with pytest.raises(DefineCheckError) as caught:
        check_define(path)
    assert str(path) in str(caught.value) and "DTD" in str(caught.value)
    with pytest.raises(DefineHtmlError) as caught:
        render_html(path)
    assert str(path) in str(caught.value) and "DTD" in str(caught.value)
    assert time.perf_counter() - start < 10


def test_a_document_that_is_not_well_formed_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "define.xml"
    path.write_bytes(_define()[:-40])
    with pytest.raises(XmlInputError, match="not well-formed XML") as caught:
        read_define(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("attack", ["external entity (XXE)", "billion laughs"])
def test_validate_prints_the_refusal_and_exits_2(tmp_path, attack):
    data = tmp_path / "data"
    data.mkdir()
    (data / "dm.csv").write_text("STUDYID,DOMAIN,USUBJID,SUBJID,SITEID,SEX,COUNTRY\nT1,DM,P-1,1,01,F,CHN\n")
    define = tmp_path / "define.xml"
    define.write_bytes(_attacks(tmp_path)[attack])
    result = CliRunner().invoke(app, ["validate", str(data), "--define", str(define), "--out", str(tmp_path / "rep")])
    assert result.exit_code == 2, result.output
    assert "refused" in result.output and "define.xml" in result.output
    assert "Traceback" not in result.output and SECRET not in result.output
    assert not (tmp_path / "rep").exists()
