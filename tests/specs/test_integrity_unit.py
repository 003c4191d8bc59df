"""specs.integrity.check_spec on small Spec objects built in code (no workbook): the kinds of
problem test_integrity.py's broken workbook does not show (missing labels and types, empty
datasets and codelists, derived variables without a method, where clauses, mapping targets
and not_submitted declarations, CRF documents, analysis results, dictionaries), each next to
the same spec without the problem; and supplemental_qualifiers."""

from __future__ import annotations

from dataclasses import replace

from specs import integrity
from specs import model as m
from specs.findings import Finding


def _base() -> m.Spec:
    return m.Spec(
        datasets=(m.Dataset("DM", "Demographics", keys=("STUDYID", "USUBJID")),),
        variables=(
            m.Variable("DM", "STUDYID", 1, "Study Identifier", "text", 12),
            m.Variable("DM", "USUBJID", 2, "Unique Subject Identifier", "text", 20),
        ),
    )


def _with(**changes) -> m.Spec:
    base = _base()
    return replace(base, **{k: getattr(base, k) + v for k, v in changes.items()})


def _found(spec, algorithms=None):
    return [(f.severity, f.code, f.message, f.column) for f in integrity.check_spec(spec, algorithms=algorithms)]


def test_a_sound_spec_has_no_findings():
    assert integrity.check_spec(_base()) == []


def test_a_dataset_or_variable_without_label_or_type_is_an_error_at_its_sheet_and_row():
    spec = m.Spec(
        datasets=(m.Dataset("DM", None, loc=m.Location("Datasets", 2)),),
        variables=(m.Variable("DM", "USUBJID", 1, None, None, loc=m.Location("Variables", 5)),),
    )
    assert integrity.check_spec(spec) == [
        Finding("error", "missing-value", "dataset DM has no label", "Datasets", 2, "Description"),
        Finding("error", "missing-value", "variable DM.USUBJID has no label", "Variables", 5, "Label"),
        Finding("error", "missing-value", "variable DM.USUBJID has no data type", "Variables", 5, "Data Type"),
    ]


def test_a_long_dataset_name_an_undefined_dataset_and_a_dataset_without_variables():
    spec = _with(
        datasets=(m.Dataset("ADVERSEEV", "Adverse Events"), m.Dataset("CM", "Concomitant Medications")),
        variables=(
            m.Variable("ADVERSEEV", "USUBJID", 1, "Unique Subject Identifier", "text", 20),
            m.Variable("XX", "XXSEQ", 1, "Sequence Number", "integer", 8),
        ),
    )
    assert _found(spec) == [
        ("error", "name-too-long", "dataset name ADVERSEEV has 9 characters (at most 8)", "Dataset"),
        ("error", "broken-reference", "dataset 'XX' is not defined", "Dataset"),
        ("error", "empty-dataset", "dataset CM has no variables", "Dataset"),
    ]


def test_names_and_labels_at_the_limits_are_allowed():
    spec = _with(
        datasets=(m.Dataset("SUPPQUAL", "L" * 40),),
        variables=(m.Variable("SUPPQUAL", "QNAMQNAM", 1, "L" * 40, "text", 8),),
    )
    assert _found(spec) == []


def test_a_derived_variable_needs_a_method_or_a_comment():
    spec = _with(
        variables=(
            m.Variable("DM", "AGE", 3, "Age", "integer", 8, origin="Derived"),
            m.Variable("DM", "AGEU", 4, "Age Units", "text", 5, origin="Derived", method="MT.AGEU"),
            m.Variable(
                "DM", "RFSTDTC", 5, "Subject Reference Start Date/Time", "datetime", origin="Derived", comment="C.1"
            ),
            m.Variable("DM", "SEX", 6, "Sex", "text", 1, origin="Collected"),
        ),
        methods=(m.Method("MT.AGEU", "Age units", "Computation", "Always YEARS"),),
        comments=(m.Comment("C.1", "First dose"),),
    )
    assert _found(spec) == [
        ("warning", "missing-method", "derived variable DM.AGE has neither a method nor a comment", "Method")
    ]


def test_a_codelist_reference_may_name_a_dictionary_and_an_empty_codelist_is_a_warning():
    spec = _with(
        variables=(
            m.Variable("DM", "AETERM", 3, "Reported Term", "text", 200, codelist="MEDDRA"),
            m.Variable("DM", "DTHFL", 4, "Subject Death Flag", "text", 1, codelist="NY"),
        ),
        codelists=(m.Codelist("NY", "No Yes Response"),),
        dictionaries=(m.Dictionary("MEDDRA", "MedDRA", "text", "MedDRA", "26.0"), m.Dictionary("WHODRUG")),
    )
    assert _found(spec) == [
        ("warning", "empty-codelist", "codelist NY has no terms", "Term"),
        ("warning", "orphan", "dictionary WHODRUG is defined but never used", "ID"),
    ]


def _vs(where_clauses, value_level=()) -> m.Spec:
    return _with(
        datasets=(m.Dataset("VS", "Vital Signs"),),
        variables=(
            m.Variable("VS", "VSTESTCD", 1, "Vital Signs Test Short Name", "text", 8),
            m.Variable("VS", "VSORRES", 2, "Result or Finding in Original Units", "text", 20),
        ),
        value_level=value_level,
        where_clauses=where_clauses,
    )


def test_a_where_clause_tests_a_variable_with_a_value_and_is_used():
    used = m.WhereClause("WC.1", (m.WhereCondition("VS", "VSTESTCD", "EQ", ("SYSBP",)),))
    assert _found(_vs((used,), (m.ValueLevel("VS", "VSORRES", "WC.1", 1, data_type="integer"),))) == []
    broken = m.WhereClause("WC.2", (m.WhereCondition("VS", "VSPOS", "EQ", ()),))
    assert _found(_vs((broken,))) == [
        ("error", "broken-reference", "where clause WC.2 tests VS.VSPOS, which is not a variable", "Variable"),
        ("error", "missing-value", "where clause WC.2 has no value for VSPOS", "Value"),
        ("warning", "orphan", "where clause WC.2 is defined but never used", "ID"),
    ]


def test_a_value_level_row_defined_twice_names_where_it_was_first():
    clause = m.WhereClause("WC.1", (m.WhereCondition("VS", "VSTESTCD", "EQ", ("SYSBP",)),))
    rows = (
        m.ValueLevel("VS", "VSORRES", "WC.1", 1, loc=m.Location("ValueLevel", 2)),
        m.ValueLevel("VS", "VSORRES", "WC.1", 2, loc=m.Location("ValueLevel", 3)),
    )
    assert integrity.check_spec(_vs((clause,), rows)) == [
        Finding(
            "error",
            "duplicate-key",
            "value-level row VS.VSORRES.WC.1 is defined twice (first on ValueLevel row 2)",
            "ValueLevel",
            3,
            "Where Clause",
        )
    ]


def _supp_spec(mapping=()) -> m.Spec:
    def qnam(clause_id, comparator, *values):
        return m.WhereClause(clause_id, (m.WhereCondition("SUPPAE", "QNAM", comparator, values),))

    return _with(
        datasets=(m.Dataset("AE", "Adverse Events"), m.Dataset("SUPPAE", "Supplemental Qualifiers for AE")),
        variables=(
            m.Variable("AE", "AETERM", 1, "Reported Term for the Adverse Event", "text", 200),
            m.Variable("SUPPAE", "QNAM", 1, "Qualifier Variable Name", "text", 8),
            m.Variable("SUPPAE", "QVAL", 2, "Data Value", "text", 200),
            m.Variable("SUPPAE", "QLABEL", 3, "Qualifier Variable Label", "text", 40),
        ),
        value_level=(
            m.ValueLevel("SUPPAE", "QVAL", "WC.TRTEM", 1),
            m.ValueLevel("SUPPAE", "QVAL", "WC.SOSP", 2),
            m.ValueLevel("SUPPAE", "QVAL", "WC.IN", 3),
            m.ValueLevel("SUPPAE", "QLABEL", "WC.LABEL", 4),
        ),
        where_clauses=(
            qnam("WC.TRTEM", "EQ", "AETRTEM"),
            qnam("WC.SOSP", "EQ", "AESOSP"),
            qnam("WC.IN", "IN", "AEX1", "AEX2"),
            qnam("WC.LABEL", "EQ", "AELABEL"),
        ),
        mapping=mapping,
    )


def test_supplemental_qualifiers_are_the_qnams_the_qval_where_clauses_select():
    # only QVAL rows, only QNAM EQ conditions; keyed by the parent dataset
    assert integrity.supplemental_qualifiers(_supp_spec()) == {"AE": ("AETRTEM", "AESOSP")}
    assert integrity.supplemental_qualifiers(_base()) == {}


def test_a_mapping_target_is_a_variable_or_a_supplemental_qualifier():
    mapping = (
        m.MappingRule("AE", "AETERM", "assign", 1, "ae", "TERM"),
        m.MappingRule("AE", "AETRTEM", "assign", 2, "ae", "TRTEM"),
        m.MappingRule("AE", "AEX1", "assign", 3, "ae", "X1"),
    )
    assert _found(_supp_spec(mapping)) == [
        (
            "error",
            "broken-reference",
            "mapping target AE.AEX1 is neither a variable nor a supplemental qualifier (QNAM of SUPPAE)",
            "Variable",
        )
    ]


def test_algorithms_are_checked_only_when_the_known_ones_are_given():
    spec = _with(mapping=(m.MappingRule("DM", "USUBJID", "concat_ids", 1, "dm", "SUBJ"),))
    assert _found(spec) == []
    assert _found(spec, algorithms={"concat_ids"}) == []
    assert _found(spec, algorithms=["assign"]) == [
        ("error", "unknown-algorithm", "algorithm 'concat_ids' has no implementation", "Algorithm")
    ]


def test_a_not_submitted_declaration_gives_a_reason_and_a_field_one_no_condition():
    ok = (
        m.MappingRule("DM", "", "not_submitted", 1, "dm", "INITIALS", comment="identifying: never submitted"),
        m.MappingRule("DM", "", "not_submitted", 2, "screen", comment="screening log, not study data"),
    )
    assert _found(_with(mapping=ok)) == []
    bad = (
        m.MappingRule("DM", "", "not_submitted", 1, "screen", comment="  "),
        m.MappingRule("DM", "", "not_submitted", 2, "dm", "INITIALS", condition="SITE = '01'", comment="identifying"),
    )
    assert _found(_with(mapping=bad)) == [
        ("error", "no-reason", "not_submitted (rows of form screen) gives no reason: write why in Comment", "Comment"),
        (
            "error",
            "bad-declaration",
            "not_submitted field dm.INITIALS has a Condition: a field declaration applies to the whole field "
            "(leave Condition empty, or map the rows it selects)",
            "Condition",
        ),
    ]


def test_crf_pages_use_the_blankcrf_document_and_other_documents_need_a_reference():
    documents = (m.Document("blankcrf", "Annotated CRF", "acrf.pdf"), m.Document("SAP", "Analysis Plan", "sap.pdf"))
    paged = _with(variables=(m.Variable("DM", "SEX", 3, "Sex", "text", 1, origin="Collected", pages="12"),))
    assert _found(replace(paged, documents=documents)) == [
        ("warning", "orphan", "document SAP is defined but never used", "ID")
    ]
    assert _found(_with(documents=documents)) == [
        ("warning", "orphan", "document blankcrf is defined but never used", "ID"),
        ("warning", "orphan", "document SAP is defined but never used", "ID"),
    ]


def test_an_analysis_result_references_its_display_document_variables_and_selection():
    adsl = dict(
        datasets=(m.Dataset("ADSL", "Subject-Level Analysis Dataset"),),
        variables=(m.Variable("ADSL", "AGE", 1, "Age", "integer", 8),),
        where_clauses=(m.WhereClause("WC.ADULT", (m.WhereCondition("ADSL", "AGE", "GE", ("18",)),)),),
        analysis_displays=(m.AnalysisDisplay("T.1", "Table 1", document="SAP"),),
        documents=(m.Document("SAP", "Analysis Plan", "sap.pdf"),),
    )
    sound = m.AnalysisResult("T.1", "AR.1", variables=("adsl.age",), selection_criteria="WC.ADULT")
    assert _found(_with(**adsl, analysis_results=(sound,))) == []
    broken = m.AnalysisResult(
        "T.9", "AR.2", variables=("ADSL.AGE", "ADSL.HEIGHT"), selection_criteria="WC.ADULT", programming_document="PGM"
    )
    assert _found(_with(**adsl, analysis_results=(broken,))) == [
        ("error", "broken-reference", "analysis display 'T.9' is not defined", "Display"),
        ("error", "broken-reference", "document 'PGM' is not defined", "Programming Document"),
        ("error", "broken-reference", "analysis variable ADSL.HEIGHT is not a variable", "Variables"),
    ]
