"""`config check` (cdisc_build.commands.config) called on its own: one line per problem naming the
file, the [table] and the key, a count in the right number, and the exit status.

The end-to-end cases through the whole `cdisc-build` app (a clean file, five problems at once,
usage) are in tests/cdisc_build/test_config_command.py."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from cdisc_build.commands.config import config_check

RAW = '[raw]\nsubject_field = "SUBJ"\ndemographics_form = "dm"\n'


@pytest.fixture
def check():
    app = typer.Typer()
    app.command()(config_check)

    def invoke(*args):
        return CliRunner().invoke(app, [str(a) for a in args])

    return invoke


def settings(folder, text: str):
    (folder / "sdtm.xlsx").write_bytes(b"")
    path = folder / "study.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_one_problem_is_counted_in_the_singular(check, tmp_path):
    path = settings(tmp_path, '[study]\nid = "S1"\nsdtm_spec = "sdtm.xlsx"\n[raw]\nsubject_field = "SUBJ"\n')
    path.write_text(path.read_text() + "demographics_form = 3\n", encoding="utf-8")
    result = check(path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}: [raw] demographics_form = 3: must be text in quotes (TOML string), not a whole number",
        "1 problem",
    ]


def test_a_missing_workbook_a_bad_date_and_a_key_outside_its_table_are_all_listed(check, tmp_path):
    path = settings(
        tmp_path,
        'id = "S1"\n[study]\nsdtm_spec = "missing.xlsx"\ndata_cutoff = "2023-13-01"\n' + RAW,
    )
    result = check(path)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[-1] == "4 problems"
    assert sorted(lines[:-1]) == sorted(
        [
            f'{path}: id = "S1": a setting outside any table; it belongs in [study]',
            f'{path}: [study] sdtm_spec = "missing.xlsx": no such file ({tmp_path / "missing.xlsx"})',
            f'{path}: [study] data_cutoff = "2023-13-01": is not a date of the calendar',
            f"{path}: [study] id: missing; required: the study identifier (STUDYID)",
        ]
    )


def test_a_file_that_is_not_toml_is_one_problem_naming_the_file(check, tmp_path):
    path = tmp_path / "study.toml"
    path.write_text("[study\nid = 1\n", encoding="utf-8")
    result = check(path)
    assert result.exit_code == 1
    first, count = result.output.splitlines()
    assert first.startswith(f"{path}: not valid TOML (")
    assert count == "1 problem"


def test_a_folder_given_as_the_file(check, tmp_path):
    result = check(tmp_path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [f"{tmp_path}: is a folder, not a study settings file", "1 problem"]


def test_a_clean_file_returns_and_a_bad_one_exits_1_when_called_directly(tmp_path, capsys):
    path = settings(tmp_path, '[study]\nid = "S1"\nsdtm_spec = "sdtm.xlsx"\n' + RAW)
    assert config_check(path) is None
    assert capsys.readouterr().out == f"{path}: no problems\n"
    path.write_text('[study]\nid = "S1"\nsdtm_spec = "sdtm.xlsx"\n' + RAW + "[reprot]\n", encoding="utf-8")
    with pytest.raises(typer.Exit) as stop:
        config_check(path)
    assert stop.value.exit_code == 1
    assert capsys.readouterr().out.splitlines() == [
        f"{path}: [reprot]: unknown table; did you mean [report]?",
        "1 problem",
    ]
