"""Validation against the implementation guides and controlled terminology of the standards
library, with no spec: the rule examples, the choice of CT version, and a folder with the
defects a reviewer would look for, found through `cdisc-build validate`."""

from __future__ import annotations

import csv
import gzip
import json

import pytest
from rule_examples import assert_fails, assert_passes, rules_of, study
from shared_data import shared_path
from typer.testing import CliRunner

from cdisc_build.cli import app
from conformance import run_validation
from conformance.ig import resolve_standards, standards_for
from specs.standards import StandardsError, StandardsLibrary

runner = CliRunner()


@pytest.mark.parametrize("rule_id", rules_of("ig_checks"))
def test_rule_passes_its_passing_example(rule_id):
    assert_passes(rule_id)


@pytest.mark.parametrize("rule_id", rules_of("ig_checks"))
def test_rule_fails_its_failing_example(rule_id):
    assert_fails(rule_id)


def test_without_a_library_the_rules_are_not_applicable_and_the_notes_say_why(tmp_path):
    standards = resolve_standards(library=StandardsLibrary(tmp_path))
    report = run_validation(study("DM: STUDYID|DOMAIN|USUBJID|SEX\nS1|DM|P-1|X"), standards=standards)
    ours = [r for r in report.results if r.rule.check.__module__ == "conformance.ig_checks"]
    assert ours and all(r.status == "not applicable" for r in ours)
    assert any("no sdtmig package" in n for n in report.notes)
    assert any("no sdtmct package" in n for n in report.notes)
    assert report.standards == []


# -- which CT version ---------------------------------------------------------------
def test_the_define_declares_the_version(standards_library):
    library = StandardsLibrary(standards_library)
    declared = (("IG", "", "3.4"), ("CT", "SDTM", "2015-12-18"), ("CT", "ADaM", "2026-03-27"))
    standards = resolve_standards(declared, library=library)
    assert standards.ct_versions["sdtmct"] == ("2015-12-18", "declared by define.xml")
    assert standards.ct_title() == "SDTM CT 2015-12-18, ADaM CT 2026-03-27"


def test_ct_asked_for_when_the_define_declares_none(standards_library):
    library = StandardsLibrary(standards_library)
    standards = resolve_standards((), ("2015-12-18",), library=library)
    assert standards.ct_versions["sdtmct"] == ("2015-12-18", "asked for with --ct")
    newest = resolve_standards((), (), library=library)
    assert newest.ct_versions["sdtmct"] == ("2025-03-28", "the newest in the standards library")
    assert newest.ct_versions["adamct"][0] == "2026-03-27"


def test_a_declared_version_the_library_lacks_falls_back_with_a_note(standards_library):
    library = StandardsLibrary(standards_library)
    standards = resolve_standards((("CT", "SDTM", "2014-09-26"),), ("2015-12-18",), library=library)
    assert standards.ct_versions["sdtmct"][0] == "2015-12-18"
    assert any("declares SDTM CT 2014-09-26" in n for n in standards.notes)


def test_a_version_asked_for_that_the_library_lacks_is_an_error(standards_library):
    with pytest.raises(StandardsError, match="no standards package sdtmct-2001-01-01"):
        resolve_standards((), ("2001-01-01",), library=StandardsLibrary(standards_library))
    with pytest.raises(StandardsError, match="give a version"):
        resolve_standards((), ("latest",), library=StandardsLibrary(standards_library))


def test_the_version_is_read_from_a_define_2_1(standards_library, tmp_path):
    define = tmp_path / "define.xml"
    define.write_text(
        '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.1">'
        "<Study><MetaDataVersion><def:Standards>"
        '<def:Standard OID="STD.1" Name="SDTMIG" Type="IG" Version="3.4"/>'
        '<def:Standard OID="STD.2" Name="CDISC/NCI" Type="CT" PublishingSet="SDTM" Version="2015-12-18"/>'
        "</def:Standards></MetaDataVersion></Study></ODM>"
    )
    standards = standards_for(define, library=StandardsLibrary(standards_library))
    assert standards.ct_versions["sdtmct"] == ("2015-12-18", "declared by define.xml")


# -- a folder with the defects, through the command line ------------------------------
def _published_codelist(code: str) -> tuple[str, set[str]]:
    """(extensible, terms) of a codelist, read from the published CT file itself."""
    path = shared_path("standards", "ct", "sdtmct-2025-03-28.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["codelist_code"] == code]
    return rows[0]["extensible"], {r["submission_value"] for r in rows}


def test_validate_without_a_spec_finds_each_defect_and_names_the_ct(use_standards, tmp_path):
    # what the published files say, read here without the code under test
    sex_ext, sex_terms = _published_codelist("C66731")
    ny_ext, ny_terms = _published_codelist("C66742")
    assert sex_ext.lower() == "false" and "X" not in sex_terms and {"F", "M"} <= sex_terms
    assert ny_ext.lower() == "false" and "MAYBE" not in ny_terms
    data = tmp_path / "data"
    data.mkdir()
    # DM: SEX = "X" for P-2; COUNTRY (Req) null for P-2; ARMCD, ACTARMCD ... (Exp) absent
    (data / "dm.csv").write_text(
        "STUDYID,DOMAIN,USUBJID,SUBJID,RFSTDTC,SITEID,SEX,COUNTRY\n"
        "S1,DM,P-1,1,2020-01-10,01,F,CHN\n"
        "S1,DM,P-2,2,2020-01-11,01,X,\n"
    )
    # AE: AESER carries a sponsor term in the non-extensible No Yes Response codelist
    (data / "ae.csv").write_text(
        "STUDYID,DOMAIN,USUBJID,AESEQ,AETERM,AEDECOD,AESER,AESTDTC\n"
        "S1,AE,P-1,1,Headache,Headache,N,2020-01-12\n"
        "S1,AE,P-2,1,Nausea,Nausea,MAYBE,2020-01-13\n"
    )
    out = tmp_path / "rep"
    result = runner.invoke(app, ["validate", str(data), "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert "SDTM CT 2025-03-28" in result.output
    report = json.loads((out / "conformance_report.json").read_text())
    assert "SDTM CT 2025-03-28 (the newest in the standards library)" in report["standards"]
    found = {(f["rule"], f["dataset"], f["variable"], f["usubjid"], f["value"]) for f in report["findings"]}
    assert ("CB-SDTM-306", "DM", "SEX", "P-2", "X") in found
    assert ("CB-SDTM-306", "AE", "AESER", "P-2", "MAYBE") in found
    assert ("CB-SDTM-302", "DM", "COUNTRY", "P-2", None) in found
    expected_absent = {f["variable"] for f in report["findings"] if f["rule"] == "CB-SDTM-301" and f["dataset"] == "DM"}
    assert {"ARMCD", "ARM", "ACTARMCD", "ACTARM", "RFXSTDTC", "AGE"} <= expected_absent
    # the valid values pass: F, N and the populated COUNTRY of P-1 are not reported
    assert not any(f["usubjid"] == "P-1" and f["rule"] in ("CB-SDTM-302", "CB-SDTM-306") for f in report["findings"])


def test_validate_ct_option_picks_the_older_package(use_standards, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "dm.csv").write_text("STUDYID,DOMAIN,USUBJID,SUBJID,SITEID,SEX,COUNTRY\nS1,DM,P-1,1,01,F,CHN\n")
    out = tmp_path / "rep"
    result = runner.invoke(app, ["validate", str(data), "--ct", "2015-12-18", "--out", str(out)])
    assert (
        "SDTM CT 2015-12-18 (asked for with --ct)"
        in json.loads((out / "conformance_report.json").read_text())["standards"]
    ), result.output
    bad = runner.invoke(app, ["validate", str(data), "--ct", "1999-01-01", "--out", str(tmp_path / "rep2")])
    assert bad.exit_code == 2 and "sdtmct-1999-01-01" in bad.output


# -- the model read from the published SDTMIG --------------------------------------------
def _ig_rows(dataset: str) -> list[dict]:
    with open(shared_path("standards", "ig", "sdtmig-3.4", "Variables.csv"), encoding="utf-8-sig") as f:
        return [r for r in csv.DictReader(f) if r["Dataset Name"] == dataset]


def test_allowed_variables_of_a_domain_and_of_its_class(standards_library):
    standards = resolve_standards(library=StandardsLibrary(standards_library))
    model = standards.sdtm
    assert model is not None
    ae = model.allowed("AE", "AE", None)
    # every AE variable the guide lists, read from the published file
    assert {r["Variable Name"] for r in _ig_rows("AE")} <= set(ae)
    # an Events variable another Events domain defines (MH: MHENRTPT -> AEENRTPT), and shared timing
    assert {"AEENRTPT", "VISITNUM", "EPOCH", "AESTDY"} <= set(ae)
    # a Findings or Interventions variable is not an Events variable
    assert not {"AEORRES", "AETESTCD", "AETRT", "AEXYZ"} & set(ae)
    # a special-purpose dataset takes only its own variables
    dm = model.allowed("DM", "DM", None)
    assert set(dm) == {r["Variable Name"] for r in _ig_rows("DM")}
    # a custom Findings domain: the class's variables with its prefix
    xp = model.allowed("XP", "XP", "FINDINGS")
    assert {"XPTESTCD", "XPORRES", "XPSTRESN", "USUBJID"} <= set(xp) and "XPTERM" not in xp


def test_rs_takes_the_clinical_classification_test_codes(standards_library):
    # ECOG101 is a term of ECOG1TC (C101815) in the published CT, not of RSTESTCD's C96782
    with gzip.open(shared_path("standards", "ct", "sdtmct-2025-03-28.csv.gz"), "rt", encoding="utf-8") as f:
        codelists = {r["codelist_code"] for r in csv.DictReader(f) if r["submission_value"] == "ECOG101"}
    assert codelists == {"C101815"}
    standards = resolve_standards(library=StandardsLibrary(standards_library))
    rs = (
        "RS: STUDYID|DOMAIN|USUBJID|RSSEQ:n|RSTESTCD|RSTEST\n"
        "S1|RS|P-1|1|ECOG101|ECOG1-Performance Status\n"
        "S1|RS|P-1|2|OVRLRESP|Overall Response\n"
        "S1|RS|P-1|3|MYSCORE|My Score"
    )
    report = run_validation(study(rs), standards=standards)
    found = report.findings[report.findings["rule"] == "CB-SDTM-307"]
    assert sorted(found["value"]) == ["MYSCORE", "My Score"]
