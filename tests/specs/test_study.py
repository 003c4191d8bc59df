"""The study settings file (study.toml): checked whole on load, every problem named by file, [table] and key."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import pytest

from specs.config import AdamSettings, RecistSettings, ReportSettings, StudyConfigError, keys
from specs.study import StudyConfig, builtin_study

ROOT = Path(__file__).resolve().parents[2]

BASE = """\
[study]
id = "S1"
sdtm_spec = "sdtm.xlsx"

[raw]
subject_field = "SUBJ"
demographics_form = "dm"
"""


def write(folder: Path, text: str, *, workbooks=("sdtm.xlsx",)) -> Path:
    """study.toml with ``text`` in ``folder``, beside empty files named ``workbooks``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in workbooks:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"")
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path, **load) -> list[str]:
    with pytest.raises(StudyConfigError) as info:
        StudyConfig.load(path, **load)
    assert isinstance(info.value, ValueError)
    assert str(info.value) == "\n".join(info.value.lines)
    assert all(p.file == path for p in info.value.problems)
    return info.value.lines


def only_problem(path: Path) -> str:
    found = problems(path)
    assert len(found) == 1, found
    return found[0]


# ---------------------------------------------------------------- files that load


def test_the_built_in_study_and_the_second_study_load():
    config = builtin_study()
    folder = config.path.parent
    assert (config.study.sdtm_spec, config.study.adam_spec, config.study.trial_design) == (
        folder / "sdtm_spec.xlsx",
        folder / "adam_spec.xlsx",
        folder / "trial_design.xlsx",
    )
    assert config.study.data_cutoff == "2023-06-30" and config.sdtm.transliterate is False
    assert config.adam.evaluator == "INVESTIGATOR" and config.adam.recist.confirmation_days == 28
    assert config.adam.data_cutoff == config.report.data_cutoff == "2023-06-30"
    assert config.report.study_id == "SYSU-ANTOR-STS"
    assert config.raw.record_position_field == "RECORDPOSITION"
    assert config.validation.explanations == folder / "validation_explanations.csv"
    pilot = StudyConfig.load(ROOT / "examples" / "cdiscpilot01" / "study.toml")
    assert (pilot.study.id, pilot.study.adam_spec, pilot.study.trial_design, pilot.study.data_cutoff) == (
        "CDISCPILOT01",
        ROOT / "examples" / "cdiscpilot01" / "adam_spec.xlsx",
        None,
        None,
    )
    assert pilot.raw.duplicate_rows == "keep"


def test_a_minimal_file_loads_with_the_defaults(tmp_path):
    config = StudyConfig.load(write(tmp_path, BASE))
    assert config.study.id == "S1" and config.study.sdtm_spec == (tmp_path / "sdtm.xlsx").resolve()
    assert (config.study.adam_spec, config.study.trial_design, config.study.data_cutoff) == (None, None, None)
    assert (config.sdtm.transliterate, config.raw.duplicate_rows, config.adam, config.report) == (
        False,
        "reject",
        AdamSettings(),
        ReportSettings(study_id="S1"),
    )


def _toml_value(value) -> str:
    # JSON spells text, numbers, booleans and lists as TOML does
    return json.dumps(list(value) if isinstance(value, tuple) else value)


@pytest.mark.parametrize(
    "table, cls, derived",
    [
        ("recist", RecistSettings, ()),
        ("adam", AdamSettings, ("recist", "data_cutoff")),
        ("report", ReportSettings, ("fatal_outcomes", "study_id", "data_cutoff")),
    ],
)
def test_every_field_of_the_settings_classes_is_a_key_of_its_table(tmp_path, table, cls, derived):
    names = [f.name for f in dataclasses.fields(cls) if f.name not in derived]
    assert list(keys(table)) == names
    lines = [f"{f.name} = {_toml_value(f.default)}" for f in dataclasses.fields(cls) if f.name in names]
    config = StudyConfig.load(write(tmp_path, BASE + f"[{table}]\n" + "\n".join(lines) + "\n"))
    # the settings built from them are the defaults
    assert (config.adam, config.report) == (AdamSettings(), ReportSettings(study_id="S1"))


def test_the_tables_make_typed_settings(tmp_path):
    path = write(
        tmp_path,
        BASE.replace("[raw]", 'data_cutoff = "2023-06-30"\n[raw]')
        + 'record_position_field = "RECPOS"\n'
        + '[recist]\nconfirmation_days = 21\nshort_axis_testcd = " lperp"\n'
        + '[adam]\nevaluator = "INDEPENDENT ASSESSOR"\nreference_start = "RANDDT"\nfatal_outcomes = ["FATAL", "DIED"]\n'
        + "[report]\nrate_months = [3, 6]\n",
    )
    config = StudyConfig.load(path)
    assert config.raw.record_position_field == "RECPOS"
    assert config.adam == AdamSettings(
        recist=RecistSettings(confirmation_days=21, short_axis_testcd="LPERP"),
        evaluator="INDEPENDENT ASSESSOR",
        reference_start="RANDDT",
        fatal_outcomes=("FATAL", "DIED"),
        data_cutoff="2023-06-30",
    )
    # the report's fatal outcomes are the one setting of [adam]
    assert config.report == ReportSettings(
        rate_months=(3, 6), fatal_outcomes=("FATAL", "DIED"), study_id="S1", data_cutoff="2023-06-30"
    )


def test_the_evaluator_and_the_reference_start_are_set_in_adam_only(tmp_path):
    path = write(tmp_path, BASE + '[recist]\nevaluator = "INDEPENDENT ASSESSOR"\nreference_start = "RANDDT"\n')
    assert problems(path) == [
        f"{path}: [recist] evaluator: unknown setting; it belongs in [adam]",
        f"{path}: [recist] reference_start: unknown setting; it belongs in [adam]",
    ]


def test_fatal_outcomes_is_set_in_adam_only(tmp_path):
    path = write(tmp_path, BASE + '[report]\nfatal_outcomes = ["FATAL"]\n')
    assert only_problem(path) == f"{path}: [report] fatal_outcomes: unknown setting; it belongs in [adam]"


# ---------------------------------------------------------------- unknown tables and keys


def test_a_misspelt_key_is_refused_with_the_closest_name(tmp_path):
    path = write(tmp_path, BASE + "[recist]\nconfirm_days = 28\n")
    assert only_problem(path) == f"{path}: [recist] confirm_days: unknown setting; did you mean confirmation_days?"


def test_a_key_of_another_table_is_refused_naming_its_table(tmp_path):
    path = write(tmp_path, BASE + '[report]\nevaluator = "INVESTIGATOR"\n')
    assert only_problem(path) == f"{path}: [report] evaluator: unknown setting; it belongs in [adam]"


def test_an_unknown_key_far_from_any_lists_the_known_keys(tmp_path):
    path = write(tmp_path, BASE + "[sdtm]\nzzz = 1\n")
    assert only_problem(path) == f"{path}: [sdtm] zzz: unknown setting; known: transliterate, participation_end"


def test_a_misspelt_table_is_refused_with_the_closest_name(tmp_path):
    path = write(tmp_path, BASE + "[reprot]\nconfidence = 0.9\n")
    assert only_problem(path) == f"{path}: [reprot]: unknown table; did you mean [report]?"


def test_a_setting_outside_any_table_is_refused(tmp_path):
    path = write(tmp_path, "transliterate = true\n" + BASE)
    assert only_problem(path) == f"{path}: transliterate = true: a setting outside any table; it belongs in [sdtm]"


def test_a_table_written_as_a_value_is_refused(tmp_path):
    path = write(tmp_path, "recist = 3\n" + BASE)
    assert only_problem(path) == f"{path}: recist = 3: must be a table ([recist]), not a whole number"


def test_missing_required_settings_are_named(tmp_path):
    path = write(tmp_path, '[study]\nsdtm_spec = "sdtm.xlsx"\n')
    assert problems(path) == [
        f"{path}: [study] id: missing; required: the study identifier (STUDYID)",
        f"{path}: [raw] subject_field: missing; required: the raw export's subject column",
        f"{path}: [raw] demographics_form: missing; required: the raw form that defines the subjects",
    ]
    assert problems(path, require=[("raw", "subject_field")]) == [
        f"{path}: [raw] subject_field: missing; required: the raw export's subject column"
    ]


def test_a_command_requires_only_the_keys_it_uses(tmp_path):
    # the adam, recist and report commands require none: [study] and [raw] may be left out
    path = write(tmp_path, '[study]\nadam_spec = "adam.xlsx"\n[adam]\nevaluator = "X"\n', workbooks=("adam.xlsx",))
    config = StudyConfig.load(path, require=())
    assert (config.adam.evaluator, config.study.adam_spec, config.study.id) == ("X", (tmp_path / "adam.xlsx"), "")
    with pytest.raises(StudyConfigError, match=r"\[study\] sdtm_spec: missing; required: the SDTM spec workbook"):
        config.workbook("sdtm_spec")
    # the keys given are still checked
    path = write(tmp_path, '[adam]\nevaluator = 3\n[raw]\nsubject = "S"\n')
    assert problems(path, require=()) == [
        f"{path}: [adam] evaluator = 3: must be text in quotes (TOML string), not a whole number",
        f"{path}: [raw] subject: unknown setting; did you mean subject_field?",
    ]


# ---------------------------------------------------------------- types: refused, never converted


def test_text_where_a_whole_number_is_expected(tmp_path):
    path = write(tmp_path, BASE + '[recist]\nconfirmation_days = "28"\n')
    assert only_problem(path) == (
        f'{path}: [recist] confirmation_days = "28": must be a whole number (TOML integer), not text'
    )


@pytest.mark.parametrize("value", ['"no"', '"false"', "0", '"yes"'])
def test_a_boolean_must_be_true_or_false(tmp_path, value):
    path = write(tmp_path, BASE + f"[sdtm]\ntransliterate = {value}\n")
    kind = "a whole number" if value == "0" else "text"
    assert only_problem(path) == (
        f"{path}: [sdtm] transliterate = {value}: must be true or false (TOML boolean), not {kind}"
    )


@pytest.mark.parametrize("value, expected", [("true", True), ("false", False)])
def test_toml_booleans_are_taken(tmp_path, value, expected):
    assert StudyConfig.load(write(tmp_path, BASE + f"[sdtm]\ntransliterate = {value}\n")).sdtm.transliterate is expected


def test_numbers(tmp_path):
    # a whole number where a number is expected is taken; a decimal where a whole number is expected is not
    config = StudyConfig.load(write(tmp_path, BASE + "[recist]\npr_change = -1\n[report]\nconfidence = 0.9\n"))
    assert config.adam.recist.pr_change == -1.0 and isinstance(config.adam.recist.pr_change, float)
    path = write(tmp_path, BASE + '[recist]\nsd_min_days = 35.0\npd_change = "0.2"\n[adam]\nae_emergent_days = true\n')
    assert problems(path) == [
        f"{path}: [recist] sd_min_days = 35.0: must be a whole number (TOML integer), not a decimal number",
        f'{path}: [recist] pd_change = "0.2": must be a number (TOML integer or float), not text',
        f"{path}: [adam] ae_emergent_days = true: must be a whole number (TOML integer), not a boolean",
    ]


def test_lists(tmp_path):
    path = write(
        tmp_path,
        BASE + '[report]\nrelated_terms = "RELATED"\nrate_months = [6, "12"]\n'
        '[recist]\nnodal_locations = ["LYMPH NODE", 3]\n',
    )
    assert problems(path) == [
        f'{path}: [report] related_terms = "RELATED": must be a list (write ["RELATED"]), not text',
        f'{path}: [report] rate_months = [6, "12"]: item 2 ("12") must be a number (TOML integer or float), not text',
        f'{path}: [recist] nodal_locations = ["LYMPH NODE", 3]: item 2 (3) must be text in quotes (TOML string), '
        "not a whole number",
    ]
    config = StudyConfig.load(write(tmp_path, BASE + '[report]\nrelated_terms = ["RELATED", "POSSIBLY RELATED"]\n'))
    assert config.report.related_terms == ("RELATED", "POSSIBLY RELATED")


def test_text_settings(tmp_path):
    path = write(
        tmp_path,
        BASE.replace('id = "S1"', "id = 17").replace('"dm"', '"  "') + '[adam]\nevaluator = ["INVESTIGATOR"]\n',
    )
    assert problems(path) == [
        f"{path}: [study] id = 17: must be text in quotes (TOML string), not a whole number",
        f'{path}: [raw] demographics_form = "  ": must not be empty',
        f'{path}: [adam] evaluator = ["INVESTIGATOR"]: must be text in quotes (TOML string), not a list',
    ]


def test_a_sub_table_where_a_value_is_expected(tmp_path):
    path = write(tmp_path, BASE + "[recist.window_days]\nbefore = 7\n")
    assert only_problem(path) == (
        f"{path}: [recist] window_days = {{ before = 7 }}: must be a whole number (TOML integer), not a table"
    )


def test_duplicate_rows_is_reject_or_keep(tmp_path):
    path = write(tmp_path, BASE + 'duplicate_rows = "drop"\n')
    assert only_problem(path) == f'{path}: [raw] duplicate_rows = "drop": must be "reject" or "keep"'


# ---------------------------------------------------------------- the data cut-off


@pytest.mark.parametrize("written", ['"2023-06-30"', "2023-06-30", '" 2023-06-30 "'])
def test_the_cutoff_is_an_iso_date_quoted_or_not(tmp_path, written):
    path = write(tmp_path, BASE.replace('sdtm_spec = "sdtm.xlsx"', f'sdtm_spec = "sdtm.xlsx"\ndata_cutoff = {written}'))
    config = StudyConfig.load(path)
    assert config.study.data_cutoff == "2023-06-30" and isinstance(config.study.data_cutoff, str)
    assert config.adam.data_cutoff == "2023-06-30"


@pytest.mark.parametrize(
    "written, why",
    [
        ('"2023-06"', 'must be a complete ISO 8601 date, YYYY-MM-DD (e.g. "2023-06-30")'),
        ('"30/06/2023"', 'must be a complete ISO 8601 date, YYYY-MM-DD (e.g. "2023-06-30")'),
        ('"2023-02-30"', "is not a date of the calendar"),
        ("2023-06-30T12:00:00", "must be a date, not a date-time (write the date alone, e.g. 2023-06-30)"),
        ("20230630", 'must be a date ("2023-06-30" or 2023-06-30), not a whole number'),
    ],
)
def test_a_cutoff_that_is_not_a_complete_date_is_refused(tmp_path, written, why):
    path = write(tmp_path, BASE.replace('sdtm_spec = "sdtm.xlsx"', f'sdtm_spec = "sdtm.xlsx"\ndata_cutoff = {written}'))
    assert only_problem(path) == f"{path}: [study] data_cutoff = {written}: {why}"


# ---------------------------------------------------------------- the workbooks named


def test_workbooks_in_the_folder_or_below_are_taken(tmp_path):
    text = BASE.replace('"sdtm.xlsx"', '"specs/sdtm.xlsx"') + ""
    text = text.replace("[raw]", f'adam_spec = "{tmp_path / "adam.xlsx"}"\ntrial_design = "./specs/../td.xlsx"\n[raw]')
    config = StudyConfig.load(write(tmp_path, text, workbooks=("specs/sdtm.xlsx", "adam.xlsx", "td.xlsx")))
    assert (config.study.sdtm_spec, config.study.adam_spec, config.study.trial_design) == (
        (tmp_path / "specs" / "sdtm.xlsx").resolve(),
        (tmp_path / "adam.xlsx").resolve(),
        (tmp_path / "td.xlsx").resolve(),
    )


def test_a_workbook_outside_the_folder_is_refused(tmp_path):
    (tmp_path / "elsewhere.xlsx").write_bytes(b"")
    folder = tmp_path / "study"
    path = write(folder, BASE.replace('"sdtm.xlsx"', '"../elsewhere.xlsx"'))
    assert only_problem(path) == (
        f'{path}: [study] sdtm_spec = "../elsewhere.xlsx": resolves to {(tmp_path / "elsewhere.xlsx").resolve()}, '
        f"outside the folder of the settings file ({folder.resolve()}); "
        "a study's workbooks and documents must be in that folder or below it"
    )
    path = write(folder, BASE.replace('"sdtm.xlsx"', json.dumps(str(tmp_path / "elsewhere.xlsx"))))
    assert "outside the folder of the settings file" in only_problem(path)


@pytest.mark.skipif(os.name == "nt", reason="symbolic links")
def test_a_link_leading_outside_the_folder_is_refused(tmp_path):
    (tmp_path / "elsewhere.xlsx").write_bytes(b"")
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "sdtm.xlsx").symlink_to(tmp_path / "elsewhere.xlsx")
    path = write(folder, BASE, workbooks=())
    assert "resolves to" in only_problem(path) and "outside the folder" in only_problem(path)


def test_a_missing_workbook_and_a_folder_are_refused(tmp_path):
    (tmp_path / "adam").mkdir()
    path = write(tmp_path, BASE.replace("[raw]", 'adam_spec = "adam"\ntrial_design = "td.xlsx"\n[raw]'))
    assert problems(path) == [
        f'{path}: [study] adam_spec = "adam": is a folder, not a file ({(tmp_path / "adam").resolve()})',
        f'{path}: [study] trial_design = "td.xlsx": no such file ({(tmp_path / "td.xlsx").resolve()})',
    ]


def test_the_explanations_file_of_validation_is_a_file_of_the_folder(tmp_path):
    path = write(
        tmp_path,
        BASE + '[validation]\nexplanations = "checks/explained.csv"\n',
        workbooks=("sdtm.xlsx", "checks/explained.csv"),
    )
    assert StudyConfig.load(path).validation.explanations == (tmp_path / "checks" / "explained.csv").resolve()
    path = write(tmp_path, BASE + '[validation]\nexplanations = "none.csv"\n')
    assert problems(path) == [
        f'{path}: [validation] explanations = "none.csv": no such file ({(tmp_path / "none.csv").resolve()})'
    ]
    assert StudyConfig.load(write(tmp_path, BASE)).validation.explanations is None


def test_an_empty_workbook_path_is_refused(tmp_path):
    path = write(tmp_path, BASE.replace("[raw]", 'trial_design = ""\n[raw]'))
    assert only_problem(path) == (
        f'{path}: [study] trial_design = "": names no file (leave the setting out when the study has none)'
    )


# ---------------------------------------------------------------- the values, checked by the settings classes


def test_values_the_settings_classes_refuse_are_named_by_table_and_key(tmp_path):
    path = write(
        tmp_path,
        BASE + '[recist]\nwindow_days = -7\n[adam]\nresponse_day_imputation = "middle"\n'
        'reference_start = "TRTSDTM"\n[report]\nconfidence = 1.5\n',
    )
    assert problems(path) == [
        f'{path}: [adam] response_day_imputation = "middle": must be "first", "mid" or "last"',
        f"{path}: [recist] window_days = -7: must not be negative",
        f'{path}: [adam] reference_start = "TRTSDTM": must be an ADSL date variable (e.g. TRTSDT, RANDDT)',
        f"{path}: [report] confidence = 1.5: must be at least 0.5 and below 1 (the level of the intervals)",
    ]


# ---------------------------------------------------------------- all at once, plain text


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        BASE.replace("[raw]", 'data_cutoff = "2023-13-01"\n[raw]')
        + '[sdtm]\ntransliterate = "no"\n[recist]\nconfirmation_days = "28"\nconfirm_days = 28\n'
        + '[adam]\nresponse_day_imputation = "middle"\n[reprot]\n',
    )
    found = problems(path)
    assert found == [
        f'{path}: [study] data_cutoff = "2023-13-01": is not a date of the calendar',
        f'{path}: [sdtm] transliterate = "no": must be true or false (TOML boolean), not text',
        f'{path}: [recist] confirmation_days = "28": must be a whole number (TOML integer), not text',
        f"{path}: [recist] confirm_days: unknown setting; did you mean confirmation_days?",
        f'{path}: [adam] response_day_imputation = "middle": must be "first", "mid" or "last"',
        f"{path}: [reprot]: unknown table; did you mean [report]?",
    ]
    # each problem is also given by its parts
    with pytest.raises(StudyConfigError) as info:
        StudyConfig.load(path)
    first = info.value.problems[0]
    assert (first.file, first.table, first.key, first.value, first.what) == (
        path,
        "study",
        "data_cutoff",
        '"2023-13-01"',
        "is not a date of the calendar",
    )


def test_a_file_that_cannot_be_read(tmp_path):
    assert only_problem(tmp_path / "none.toml") == f"{tmp_path / 'none.toml'}: the study settings file does not exist"
    assert only_problem(tmp_path) == f"{tmp_path}: is a folder, not a study settings file"
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\n", encoding="utf-8")
    assert only_problem(bad).startswith(f"{bad}: not valid TOML (")


def test_the_study_s_own_acrf_and_its_documents_are_files_beside_the_settings(tmp_path):
    text = BASE.replace(
        'sdtm_spec = "sdtm.xlsx"', 'sdtm_spec = "sdtm.xlsx"\nacrf = "docs/acrf.pdf"\ndocuments = ["protocol.pdf"]'
    )
    path = write(tmp_path, text, workbooks=("sdtm.xlsx", "docs/acrf.pdf", "protocol.pdf"))
    config = StudyConfig.load(path)
    assert config.study.acrf == (tmp_path / "docs" / "acrf.pdf").resolve()
    assert config.study.documents == ((tmp_path / "protocol.pdf").resolve(),)
    assert StudyConfig.load(write(tmp_path / "none", BASE)).study.documents == ()


def test_a_document_that_is_not_there_is_refused_naming_the_item(tmp_path):
    text = BASE.replace('sdtm_spec = "sdtm.xlsx"', 'sdtm_spec = "sdtm.xlsx"\ndocuments = ["protocol.pdf", "sap.pdf"]')
    path = write(tmp_path, text, workbooks=("sdtm.xlsx", "protocol.pdf"))
    assert only_problem(path) == (
        f'{path}: [study] documents = ["protocol.pdf", "sap.pdf"]: item 2 ("sap.pdf") no such file '
        f"({(tmp_path / 'sap.pdf').resolve()})"
    )
    path = write(
        tmp_path, BASE.replace('sdtm_spec = "sdtm.xlsx"', 'sdtm_spec = "sdtm.xlsx"\ndocuments = "protocol.pdf"')
    )
    assert only_problem(path) == (
        f'{path}: [study] documents = "protocol.pdf": must be a list (write ["protocol.pdf"]), not text'
    )
