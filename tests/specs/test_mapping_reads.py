"""Which raw fields the Mapping sheet reads and declares, from the spec alone."""

from __future__ import annotations

from specs import model as m
from specs.mapping_reads import (
    CONDITION,
    FIELD,
    SUBJECT,
    TEMPLATE_NAME,
    TIME,
    Declaration,
    by_field,
    declarations,
    mapping_forms,
    mapping_reads,
    resolve,
)

RULES = (
    m.MappingRule(
        "AE", "AESTDTC", "assign_datetime", form="ae", field="AESTDAT", parameters=(("time_field", "AESTTIM"),)
    ),
    m.MappingRule("AE", "AESPID", "concat", form="ae", value="{SITE}-{LINE}"),
    m.MappingRule("AE", "LINE", "assign_no_ct", form="ae", field="POS"),
    m.MappingRule("AE", "AEREFID", "concat", form="ae", value="{LINE}/{AESPID}"),
    m.MappingRule("AE", "AEENRTPT", "hardcode_ct", form="ae", condition="AEONGO EQ Yes", value="ONGOING"),
    m.MappingRule("AE", "", "condition_add", form="ae", condition="AEYN EQ Yes"),
    m.MappingRule("AE", "", "not_submitted", form="ae", condition="AEYN EQ No", comment="no event"),
    m.MappingRule("AE", "", "not_submitted", form="ae", field="NOTE", comment="free text"),
    m.MappingRule("DM", "SEX", "assign_ct", form="dm", field="SEX", condition="EDC.FLAG EQ Y"),
)


def test_every_read_with_its_target_and_how_in_sheet_order():
    reads = [(r.form, r.names, r.target, r.how) for r in mapping_reads(m.Spec(mapping=RULES), subject_field="PT")]
    assert reads == [
        ("ae", ("PT",), "AE.USUBJID", SUBJECT),
        ("ae", ("AESTDAT",), "AE.AESTDTC", FIELD),
        ("ae", ("AESTTIM",), "AE.AESTDTC", TIME),
        ("ae", ("SITE",), "AE.AESPID", TEMPLATE_NAME),
        ("ae", ("LINE",), "AE.AESPID", TEMPLATE_NAME),
        ("ae", ("POS",), "AE.LINE", FIELD),
        # AEREFID reads nothing: LINE and AESPID are the variables set above
        ("ae", ("AEONGO",), "AE.AEENRTPT", CONDITION),
        ("ae", ("AEYN",), "AE", CONDITION),
        ("dm", ("PT",), "DM.USUBJID", SUBJECT),
        ("dm", ("EDC.FLAG", "FLAG"), "DM.SEX", CONDITION),
        ("dm", ("SEX",), "DM.SEX", FIELD),
    ]


def test_declarations_of_fields_and_of_rows():
    assert declarations(m.Spec(mapping=RULES)) == [
        Declaration("ae", "no event", selecting=(("AEYN",),), condition="AEYN EQ No"),
        Declaration("ae", "free text", field="NOTE"),
    ]


def test_a_dotted_name_is_taken_whole_when_the_form_has_it():
    assert resolve(["edc.flag", "FLAG"], ("EDC.FLAG", "FLAG")) == "edc.flag"
    assert resolve(["flag"], ("EDC.FLAG", "FLAG")) == "flag"
    assert resolve(["OTHER"], ("EDC.FLAG", "FLAG")) is None


def test_by_field_with_and_without_the_forms_columns():
    reads = mapping_reads(m.Spec(mapping=RULES))
    assert sorted(by_field(reads, {"dm": ["sex", "FLAG"]})) == [("dm", "FLAG"), ("dm", "sex")]
    assert ("dm", "EDC.FLAG") in by_field(reads)


def test_forms_in_the_order_the_sheet_names_them():
    assert mapping_forms(m.Spec(mapping=RULES)) == ["ae", "dm"]
