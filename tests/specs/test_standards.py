"""The standards library: installing the published files, looking packages up, and what is refused."""

from __future__ import annotations

import csv
import gzip
import json

import pytest
from shared_data import shared_path

from specs.standards import StandardsError, StandardsLibrary, ct_package_of, library_path

# the NCI EVS tab-delimited layout as the NCI publishes it (header and two codelists)
EVS_HEADER = (
    "Code\tCodelist Code\tCodelist Extensible (Yes/No)\tCodelist Name\tCDISC Submission Value\t"
    "CDISC Synonym(s)\tCDISC Definition\tNCI Preferred Term"
)
EVS_ROWS = [
    "C66731\t\tNo\tSex\tSEX\tSex\tThe assemblage of physical properties ...\tCDISC SDTM Sex of Individual Terminology",
    "C16576\tC66731\t\tSex\tF\tFemale\tA person who belongs to the sex that normally produces ova.\tFemale",
    "C20197\tC66731\t\tSex\tM\tMale\tA person who belongs to the sex that normally produces sperm.\tMale",
    "C66742\t\tNo\tNo Yes Response\tNY\tYes No Response\tA term ...\tCDISC SDTM Yes No Unknown or Not Applicable Response Terminology",
    "C49487\tC66742\t\tNo Yes Response\tN\tNo\tThe non-affirmative response to a question.\tNo",
]


def _evs_file(tmp_path, name="SDTM Terminology 2030-01-31.txt", rows=EVS_ROWS):
    path = tmp_path / name
    path.write_text("\n".join([EVS_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def test_nci_evs_layout_is_read_into_codelists(tmp_path):
    lib = StandardsLibrary(tmp_path / "lib")
    info = lib.add(_evs_file(tmp_path))
    assert (info.name, info.version, info.rows, info.codelists) == ("sdtmct", "2030-01-31", 3, 2)
    ct = lib.terminology("sdtmct", "2030-01-31")
    sex = ct.codelist("C66731")
    assert sex is not None
    assert (sex.submission_value, sex.name, sex.extensible) == ("SEX", "Sex", False)
    assert sex.terms == {"C16576": "F", "C20197": "M"}
    assert ct.packages == ("sdtmct-2030-01-31",)


def test_evs_term_of_an_unknown_codelist_is_refused(tmp_path):
    path = _evs_file(tmp_path, rows=EVS_ROWS[1:3])  # terms without their codelist row
    with pytest.raises(StandardsError, match="C66731"):
        StandardsLibrary(tmp_path / "lib").add(path)


def test_name_and_version_from_options_when_the_file_name_does_not_tell(tmp_path):
    path = _evs_file(tmp_path, name="terms.txt")
    lib = StandardsLibrary(tmp_path / "lib")
    with pytest.raises(StandardsError, match="--name"):
        lib.add(path)
    with pytest.raises(StandardsError, match="YYYY-MM-DD"):
        lib.add(path, name="sdtmct", version="Q1")
    assert lib.add(path, name="sdtmct", version="2031-06-30").key == "sdtmct-2031-06-30"


def test_newest_release_is_found_without_a_version(tmp_path):
    lib = StandardsLibrary(tmp_path / "lib")
    lib.add(_evs_file(tmp_path, name="SDTM Terminology 2024-12-20.txt"))
    lib.add(_evs_file(tmp_path, name="SDTM Terminology 2025-03-28.txt"))
    assert lib.find("sdtmct").version == "2025-03-28"
    assert lib.find("sdtmct", "2024-12-20").version == "2024-12-20"
    with pytest.raises(StandardsError, match=r"sdtmct-2019-01-01 .*installed: sdtmct-2024-12-20, sdtmct-2025-03-28"):
        lib.find("sdtmct", "2019-01-01")


def test_install_never_replaces_what_it_did_not_write(tmp_path):
    root = tmp_path / "lib"
    foreign = root / "sdtmct-2030-01-31"
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("mine", encoding="utf-8")
    lib = StandardsLibrary(root)
    with pytest.raises(StandardsError, match="not written by the standards library"):
        lib.add(_evs_file(tmp_path), force=True)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_reinstall_needs_force_and_replaces_whole(tmp_path):
    lib = StandardsLibrary(tmp_path / "lib")
    lib.add(_evs_file(tmp_path))
    with pytest.raises(StandardsError, match="already installed"):
        lib.add(_evs_file(tmp_path))
    info = lib.add(_evs_file(tmp_path, rows=EVS_ROWS[:2]), force=True)
    assert info.rows == 1
    assert lib.terminology("sdtmct").codelist("C66731").terms == {"C16576": "F"}  # type: ignore[union-attr]
    assert sorted(p.name for p in (tmp_path / "lib").iterdir()) == ["sdtmct-2030-01-31"]  # no staging left


def test_a_csv_without_the_columns_is_refused_with_its_name(tmp_path):
    path = tmp_path / "adamct-2026-03-27.csv"
    path.write_text("code,value\nC1,X\n", encoding="utf-8")
    with pytest.raises(StandardsError, match=r"adamct-2026-03-27.csv: .*codelist_code"):
        StandardsLibrary(tmp_path / "lib").add(path)
    assert not (tmp_path / "lib" / "adamct-2026-03-27").exists()


def test_library_folder_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CDISC_BUILD_STANDARDS", str(tmp_path / "x"))
    assert library_path() == tmp_path / "x"
    monkeypatch.delenv("CDISC_BUILD_STANDARDS")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert library_path() == tmp_path / "data" / "cdisc-build" / "standards"


def test_publishing_sets():
    assert ct_package_of("SDTM") == "sdtmct"
    assert ct_package_of("ADaM") == "adamct"
    assert ct_package_of("DEFINE-XML") == "define-xmlct"
    assert ct_package_of("HL7") is None


# -- the published packages (../shared/standards) --------------------------------------------
def test_published_sdtm_ct_counts_match_the_file(standards_library):
    path = shared_path("standards", "ct", "sdtmct-2025-03-28.csv.gz")
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ct = StandardsLibrary(standards_library).terminology("sdtmct", "2025-03-28")
    assert len(ct.terms) == len(rows) == 43698
    assert len(ct.codelists) == len({r["codelist_code"] for r in rows}) == 1158
    # SDTM CT: Sex (C66731) is closed with F, M, U and INTERSEX; Route (C66729) is extensible
    assert ct.codelist("C66731").values == {"F", "M", "U", "INTERSEX"}  # type: ignore[union-attr]
    assert ct.codelist("C66731").extensible is False  # type: ignore[union-attr]
    assert ct.codelist("C66729").extensible is True  # type: ignore[union-attr]


def test_published_sdtmig_dm(standards_library):
    ig = StandardsLibrary(standards_library).guide("sdtmig")
    assert ig.title == "SDTMIG 3.4"
    dm = ig.variables("DM")
    # SDTMIG 3.4 section 5.2: the Req variables of DM, in the guide's order
    assert [v.name for v in dm if v.core == "Req"] == [
        "STUDYID", "DOMAIN", "USUBJID", "SUBJID", "SITEID", "SEX", "COUNTRY"
    ]  # fmt: skip
    sex = ig.variable("DM", "SEX")
    assert sex is not None and sex.codelists == ("C66731",) and sex.data_type == "Char"
    assert ig.variable("DM", "DOMAIN").value_list == ("DM",)  # type: ignore[union-attr]
    assert ig.model_of("SUPPAE") == "SUPPQUAL"
    assert ig.model_of("QSPH") == "QS"
    assert ig.model_of("XY") is None
    assert len(ig.datasets) == 63


def test_published_adamig(standards_library):
    ig = StandardsLibrary(standards_library).guide("adamig", "1.3")
    assert set(ig.datasets) == {"ADSL", "BDS", "TTE"}
    adsl = [v.name for v in ig.variables("ADSL")]
    assert adsl[:4] == ["STUDYID", "USUBJID", "SUBJID", "SITEID"]
    assert "PARAMCD" in [v.name for v in ig.variables("BDS")]


def test_installed_package_records_its_source(standards_library):
    info = StandardsLibrary(standards_library).find("sdtmct", "2025-03-28")
    manifest = json.loads((info.path / "package.json").read_text(encoding="utf-8"))  # type: ignore[operator]
    assert manifest["source"] == "sdtmct-2025-03-28.csv.gz"
    assert len(manifest["sha256"]) == 64


def test_adamig_names_with_placeholders():
    """ADaMIG 1.3 section 3.1.1: xx and zz are 01-99, y and w 1-9, '*' any prefix."""
    from specs.standards import name_pattern

    assert name_pattern("TRTxxP").fullmatch("TRT01P") and not name_pattern("TRTxxP").fullmatch("TRT1P")
    assert name_pattern("SITEGRy").fullmatch("SITEGR2") and not name_pattern("SITEGRy").fullmatch("SITEGR")
    assert name_pattern("*DT").fullmatch("TRTSDT") and not name_pattern("*DT").fullmatch("TRTSDTM")
    assert name_pattern("ANLzzFL").fullmatch("ANL01FL")
