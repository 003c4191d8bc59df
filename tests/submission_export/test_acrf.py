"""The annotated CRF: every form and field of the Mapping sheet with its SDTM targets, its pages, one PDF."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from pypdf import PdfReader

from specs import model as m
from submission_export.acrf import annotate_forms, build_acrf


def small_spec() -> m.Spec:
    """DM and AE from two forms; HISTOL a supplemental qualifier of DM; two declarations."""
    histol = m.WhereClause("WC.SUPPDM.QNAM.HISTOL", (m.WhereCondition("SUPPDM", "QNAM", "EQ", ("HISTOL",)),))
    return m.Spec(
        study=m.Study((("StudyName", "S1"),)),
        datasets=(m.Dataset("DM", "Demographics"), m.Dataset("AE", "Adverse Events"), m.Dataset("SUPPDM", "Supp DM")),
        variables=(
            m.Variable("DM", "STUDYID", label="Study Identifier", origin="Protocol"),
            m.Variable("DM", "USUBJID", label="Unique Subject Identifier", origin="Derived"),
            m.Variable("DM", "SEX", label="Sex", origin="Collected"),
            m.Variable("AE", "USUBJID", label="Unique Subject Identifier", origin="Derived"),
            m.Variable("AE", "AETERM", label="Reported Term for the Adverse Event", origin="Collected"),
            m.Variable("AE", "AEENRTPT", label="End Relative to Reference Time Point", origin="Collected"),
            m.Variable("SUPPDM", "QNAM", label="Qualifier Variable Name"),
            m.Variable("SUPPDM", "QVAL", label="Data Value", origin="Collected"),
        ),
        value_level=(m.ValueLevel("SUPPDM", "QVAL", histol.id, label="Histology", origin="Collected"),),
        where_clauses=(histol,),
        mapping=(
            m.MappingRule("DM", "STUDYID", "assign_no_ct", form="dm", field="STUDY"),
            m.MappingRule("DM", "USUBJID", "concat", form="dm", value="{STUDY}-{SUBJECT}"),
            m.MappingRule("DM", "SEX", "assign_ct", form="dm", field="SEX"),
            m.MappingRule("DM", "HISTOL", "assign_no_ct", form="dm", field="HISTOL"),
            m.MappingRule("DM", "", "not_submitted", form="dm", field="FOLDER", comment="EDC folder: DM has no visit"),
            m.MappingRule("AE", "AETERM", "assign_no_ct", form="ae", field="AETERM"),
            m.MappingRule("AE", "AEENRTPT", "hardcode_ct", form="ae", condition="AEONGO EQ Yes", value="ONGOING"),
            m.MappingRule("AE", "", "condition_add", form="ae", condition="AEYN EQ Yes"),
            m.MappingRule("AE", "", "not_submitted", form="ae", condition="AEYN EQ No", comment="no event"),
            m.MappingRule("AE", "", "not_submitted", form="ae", field="NOTE", comment="free text, 头痛 in Chinese"),
        ),
    )


def _annotations(forms):
    return {form.form: [(f.field, f.label, [a.text for a in f.annotations]) for f in form.fields] for form in forms}


def test_every_form_and_field_of_the_mapping_sheet_with_its_targets():
    forms = annotate_forms(small_spec(), subject_field="SUBJECT")
    assert [f.form for f in forms] == ["dm", "ae"]
    assert _annotations(forms) == {
        "dm": [
            ("SUBJECT", None, ["DM.USUBJID = {STUDY}-{SUBJECT}"]),
            ("STUDY", "Study Identifier", ["DM.STUDYID", "DM.USUBJID = {STUDY}-{SUBJECT}"]),
            ("SEX", "Sex", ["DM.SEX"]),
            ("HISTOL", "Histology", ["SUPPDM.QNAM=HISTOL"]),
            ("FOLDER", None, ["NOT SUBMITTED: EDC folder: DM has no visit"]),
        ],
        "ae": [
            ("SUBJECT", None, ["AE.USUBJID"]),
            ("AETERM", "Reported Term for the Adverse Event", ["AE.AETERM"]),
            ("AEONGO", None, ["AE.AEENRTPT = ONGOING when AEONGO EQ Yes"]),
            ("AEYN", None, ["AE records where AEYN EQ Yes", "NOT SUBMITTED where AEYN EQ No: no event"]),
            ("NOTE", None, ["NOT SUBMITTED: free text, 头痛 in Chinese"]),
        ],
    }
    assert forms[0].domains == ("DM", "SUPPDM")
    assert forms[1].domains == ("AE",)


def test_the_raw_fields_no_rule_names_are_listed_with_why_they_are_not_submitted():
    accounting = pd.DataFrame(
        [
            ("dm", "SUBJECT", "mapped", ""),
            ("dm", "STUDY", "mapped", ""),
            ("dm", "EXTRA", "no values", "blank in every row"),
            ("dm", "sex", "mapped", ""),  # the export's spelling is kept
            ("dm", "HISTOL", "mapped", ""),
            ("dm", "FOLDER", "not submitted", "EDC folder: DM has no visit"),
        ],
        columns=["form", "field", "status", "reason"],
    )
    forms = annotate_forms(small_spec(), fields=accounting, subject_field="SUBJECT")
    assert [f.form for f in forms] == ["dm", "ae"]
    dm = _annotations(forms)["dm"]
    assert [f[0] for f in dm] == ["SUBJECT", "STUDY", "EXTRA", "sex", "HISTOL", "FOLDER"]
    assert dm[2] == ("EXTRA", None, ["NOT SUBMITTED: blank in every row"])
    assert dm[3] == ("sex", "Sex", ["DM.SEX"])
    assert _annotations(forms)["ae"] == []  # the export has no ae form: nothing of it to list


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_one_section_per_form_each_on_its_own_page_and_the_outline_by_form_and_by_dataset():
    acrf = build_acrf(small_spec(), subject_field="SUBJECT")
    pages = _text(acrf.pdf)
    assert acrf.page_count == len(pages) == 3  # the legend, then dm, then ae
    assert acrf.form_pages == {"dm": (2,), "ae": (3,)}
    assert "Form dm" in pages[1] and "Form ae" in pages[2]
    reader = PdfReader(io.BytesIO(acrf.pdf))

    def tree(items):
        out = []
        for item in items:
            if isinstance(item, list):
                out.append(tree(item))
            else:
                out.append((item.title, reader.get_destination_page_number(item) + 1))
        return out

    assert tree(reader.outline) == [
        ("Annotated CRF", 1),
        ("Forms", 2),
        [("dm", 2), ("ae", 3)],
        ("Datasets", 2),
        [("DM", 2), [("dm", 2)], ("AE", 3), [("ae", 3)], ("SUPPDM", 2), [("dm", 2)]],
    ]


def test_the_pages_of_each_item_are_where_its_field_is_annotated():
    acrf = build_acrf(small_spec(), subject_field="SUBJECT")
    pages = _text(acrf.pdf)
    assert acrf.pages[("DM", "SEX", None)] == (2,)
    assert acrf.pages[("SUPPDM", "QVAL", "WC.SUPPDM.QNAM.HISTOL")] == (2,)
    assert acrf.pages[("AE", "AETERM", None)] == (3,)
    assert acrf.pages[("AE", "AEENRTPT", None)] == (3,)
    assert ("AE", "AESEV", None) not in acrf.pages
    assert "DM.SEX" in pages[1] and "SUPPDM.QNAM=HISTOL" in pages[1]
    assert "AE.AETERM" in pages[2] and "DM.SEX" not in pages[2]


def test_a_not_submitted_field_shows_its_reason_and_text_outside_the_fonts_is_spelled_in_ascii():
    page = _text(build_acrf(small_spec(), subject_field="SUBJECT").pdf)[2]
    assert "NOT SUBMITTED: free text, TouTong in Chinese" in " ".join(page.split())
    assert "NOT SUBMITTED where AEYN EQ No: no event" in " ".join(page.split())


def test_a_long_form_runs_over_pages_and_each_field_has_the_page_it_is_on():
    spec = small_spec()
    many = tuple(m.MappingRule("AE", "AETERM", "assign_no_ct", form="ae", field=f"TERM{n:03d}") for n in range(120))
    acrf = build_acrf(m.Spec(**{**spec.__dict__, "mapping": spec.mapping + many}))
    pages = _text(acrf.pdf)
    assert acrf.form_pages["ae"] == (3,) and acrf.page_count > 4
    last = len(pages)
    assert "TERM119" in pages[last - 1]
    assert acrf.pages[("AE", "AETERM", None)] == tuple(range(3, last + 1))


def test_the_same_input_gives_the_same_bytes():
    assert build_acrf(small_spec()).pdf == build_acrf(small_spec()).pdf


@pytest.mark.parametrize("study", ["S1", None])
def test_the_study_is_named_on_every_page(study):
    pages = _text(build_acrf(small_spec(), study=study).pdf)
    assert all("Annotated CRF S1" in p for p in pages)
