"""Messy raw input is never a crash, never lost, never altered unseen (issue 15).

Each kind of mess on a small literal export, then a simulated study carrying
several of them through the whole SDTM stage to the transport files.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sdtm_builder.build import build_sdtm, load_sdtm_spec, write_sdtm
from sdtm_builder.issues import IssueLog
from sdtm_builder.mapping import check_mapping, map_dataset
from sdtm_builder.raw import RawDataError, read_form, read_raw
from sdtm_builder.screen import screen_raw
from sdtm_builder.suppqual import split_loses_blanks, split_text
from specs import model as m
from specs import study_workbook
from specs.study import builtin_study
from study_simulator.api import simulate

ISSUE = ["severity", "kind", "form", "subject", "row", "field"]


def _issues(log: IssueLog, *columns: str) -> list[dict]:
    return log.frame()[list(columns or ISSUE)].to_dict("records")


def _write(folder, name: str, data: bytes | str):
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


# --------------------------------------------------------------------------- 1. forms without rows


def test_forms_without_rows_are_screened(tmp_path):
    _write(tmp_path, "dm.csv", "SUBJECT,SEX\n001,Male\n")
    _write(tmp_path, "dd.csv", "SUBJECT,DTHDAT\n")  # nobody died
    _write(tmp_path, "ae.csv", "SUBJECT,AETERM\n001,Rash\n")
    issues = IssueLog()
    rejected = screen_raw(read_raw(tmp_path, "SUBJECT"), demographics_form="dm", subject_field="SUBJECT", issues=issues)
    assert rejected.empty and issues.frame().empty


def test_without_demographics_rows_every_other_row_is_a_subject_not_in_demographics(tmp_path):
    _write(tmp_path, "dm.csv", "SUBJECT,SEX\n")
    _write(tmp_path, "ae.csv", "SUBJECT,AETERM\n001,Rash\n002,Cough\n")
    issues = IssueLog()
    rejected = screen_raw(read_raw(tmp_path, "SUBJECT"), demographics_form="dm", subject_field="SUBJECT", issues=issues)
    assert rejected.to_dict("records") == [{"_FORM": "ae", "_ROW": 1}, {"_FORM": "ae", "_ROW": 2}]
    assert [(i["kind"], i["subject"], i["row"]) for i in _issues(issues)] == [
        ("subject not in demographics", "001", 1),
        ("subject not in demographics", "002", 2),
    ]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    root = tmp_path_factory.mktemp("simulated")
    simulate(40, 7, root)
    return root / "edc"


def _header_only(folder, form: str) -> None:
    path = folder / f"{form}.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")


def _rows(folder, form: str) -> int:
    return len(pd.read_csv(folder / f"{form}.csv", dtype=str, keep_default_na=False))


def test_a_study_in_which_nobody_died_is_built(simulated, tmp_path):
    edc = shutil.copytree(simulated, tmp_path / "edc")
    _header_only(edc, "dd")
    result = build_sdtm(edc, config=builtin_study())
    ledger = result.ledger.set_index("form")
    assert ledger.loc["dd", "read"] == 0 and ledger["balanced"].all()
    assert result.final("DM")["DTHFL"].isna().all() and result.final("DM")["DTHDTC"].isna().all()
    assert len(result.final("DM")) == _rows(edc, "dm")
    write_sdtm(result, tmp_path / "sdtm")


def test_a_study_without_demographics_rows_rejects_every_row(simulated, tmp_path):
    edc = shutil.copytree(simulated, tmp_path / "edc")
    _header_only(edc, "dm")
    result = build_sdtm(edc, config=builtin_study())
    other = {p.stem: _rows(edc, p.stem) for p in edc.glob("*.csv") if p.stem != "dm"}
    unknown = result.issues[result.issues["kind"] == "subject not in demographics"]
    assert unknown.groupby("form").size().to_dict() == {form: n for form, n in other.items() if n}
    ledger = result.ledger.set_index("form")
    assert (ledger["mapped"] == 0).all() and ledger["balanced"].all()
    assert (ledger["rejected"] + ledger["not_submitted"] == ledger["read"]).all()
    assert len(result.final("DM")) == 0


# --------------------------------------------------------------------------- 2. units through the spec


def _spec(dataset, names, *rules, codelists=(), numeric=(), conversions=()):
    return m.Spec(
        datasets=(m.Dataset(dataset, dataset),),
        variables=tuple(
            m.Variable(dataset, n, i + 1, n, "float" if n in numeric else "text") for i, n in enumerate(names)
        ),
        codelists=codelists,
        mapping=rules,
        unit_conversions=conversions,
    )


def R(dataset, order, variable, algorithm, form, **kw):
    return m.MappingRule(dataset, variable, algorithm, order, form, parameters=kw.pop("parameters", ()), **kw)


LENGTH_UNITS = m.Codelist(
    "UNIT_LEN",
    "Unit (length)",
    extensible=True,
    terms=(
        m.CodelistTerm("mm", 1, "C28251", "Millimeter"),
        m.CodelistTerm("cm", 2, "C49668", "Centimeter"),
        m.CodelistTerm("in", 3, "C48500", "Inch"),
    ),
)
# the spec's Unit Conversions sheet: the exact SI definitions (1 cm = 10 mm, 1 in = 25.4 mm)
LENGTH_CONVERSIONS = (m.UnitConversion("cm", "mm", 10.0), m.UnitConversion("in", "mm", 25.4))
MEASURED = "TRDIAM NE ''"
UNIT_RULES = (
    R("TR", 1, "TRORRES", "assign_no_ct", "tr", field="TRDIAM", condition=MEASURED),
    R("TR", 2, "TRORRESU", "assign_ct", "tr", field="TRDIAMU", condition=MEASURED, codelist="UNIT_LEN"),
    R(
        "TR",
        3,
        "TRSTRESC",
        "convert_unit",
        "tr",
        condition=MEASURED,
        value="mm",
        parameters=(("from", "TRORRES"), ("unit", "TRORRESU"), ("as", "text")),
    ),
    R(
        "TR",
        4,
        "TRSTRESN",
        "convert_unit",
        "tr",
        condition=MEASURED,
        value="mm",
        parameters=(("from", "TRORRES"), ("unit", "TRORRESU")),
    ),
    R(
        "TR",
        5,
        "TRSTRESU",
        "convert_unit",
        "tr",
        condition=MEASURED,
        value="mm",
        parameters=(("from", "TRORRES"), ("unit", "TRORRESU"), ("as", "unit")),
    ),
)


def test_a_result_in_another_unit_is_converted_to_the_spec_standard_unit_and_kept_as_collected(tmp_path):
    _write(
        tmp_path,
        "tr.csv",
        "SUBJECT,TRDIAM,TRDIAMU\n01,18,mm\n02,1.8,cm\n03,0.5,in\n04,2.25,Centimeter\n05,12.345,mm\n06,,mm\n",
    )
    spec = _spec(
        "TR",
        ["TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU"],
        *UNIT_RULES,
        codelists=(LENGTH_UNITS,),
        numeric=("TRSTRESN",),
        conversions=LENGTH_CONVERSIONS,
    )
    issues = IssueLog()
    out = map_dataset(read_raw(tmp_path, "SUBJECT"), spec, "TR", issues)
    got = out[["TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU"]].astype(object)
    got = got.where(got.notna(), None).to_dict("records")
    # 1 cm = 10 mm, 1 in = 25.4 mm; a value already in mm stays as collected (no rounding)
    assert got == [
        {"TRORRES": "18", "TRORRESU": "mm", "TRSTRESC": "18", "TRSTRESN": 18.0, "TRSTRESU": "mm"},
        {"TRORRES": "1.8", "TRORRESU": "cm", "TRSTRESC": "18", "TRSTRESN": 18.0, "TRSTRESU": "mm"},
        {"TRORRES": "0.5", "TRORRESU": "in", "TRSTRESC": "12.7", "TRSTRESN": 12.7, "TRSTRESU": "mm"},
        {"TRORRES": "2.25", "TRORRESU": "cm", "TRSTRESC": "22.5", "TRSTRESN": 22.5, "TRSTRESU": "mm"},
        {"TRORRES": "12.345", "TRORRESU": "mm", "TRSTRESC": "12.345", "TRSTRESN": 12.345, "TRSTRESU": "mm"},
        {"TRORRES": None, "TRORRESU": None, "TRSTRESC": None, "TRSTRESN": None, "TRSTRESU": None},
    ]
    assert issues.frame().empty


def test_a_result_that_cannot_be_converted_is_an_error_naming_its_place_and_is_never_relabelled(tmp_path):
    _write(tmp_path, "tr.csv", "SUBJECT,TRDIAM,TRDIAMU\n01,3,furlong\n02,2,\n03,inf,mm\n04,abc,cm\n05,20,mm\n")
    spec = _spec(
        "TR",
        ["TRORRES", "TRORRESU", "TRSTRESC", "TRSTRESN", "TRSTRESU"],
        *UNIT_RULES,
        codelists=(LENGTH_UNITS,),
        numeric=("TRSTRESN",),
    )
    issues = IssueLog()
    out = map_dataset(read_raw(tmp_path, "SUBJECT"), spec, "TR", issues)
    assert out["TRORRES"].tolist() == ["3", "2", "inf", "abc", "20"]  # as collected
    assert out["TRSTRESC"].tolist() == [None, None, None, None, "20"]
    assert out["TRSTRESU"].tolist() == [None, None, None, None, "mm"]
    assert out["TRSTRESN"].isna().tolist() == [True, True, True, True, False]
    errors = [i for i in _issues(issues, *ISSUE, "variable") if i["severity"] == "error"]
    # each result reported once (three rules convert it), on its raw row and field
    assert sorted((i["kind"], i["subject"], i["row"], i["field"]) for i in errors) == [
        ("no unit conversion", "01", 1, "TRDIAMU"),
        ("not a finite number", "03", 3, "TRDIAM"),
        ("not a number", "04", 4, "TRDIAM"),
        ("result without unit", "02", 2, "TRDIAMU"),
    ]
    assert {i["form"] for i in errors} == {"tr"}


def test_the_mapping_check_refuses_a_conversion_it_cannot_read():
    bad = (
        R("TR", 1, "TRSTRESN", "convert_unit", "tr", value="mm", parameters=(("unit", "TRORRESU"),)),
        R("TR", 2, "TRSTRESC", "convert_unit", "tr", value="mm", parameters=(("from", "TRORRES"), ("as", "words"))),
        R("TR", 3, "TRSTRESN", "convert_unit", "tr", value="mm", parameters=(("from", "TRORRES"), ("digits", "two"))),
    )
    messages = [f.message for f in check_mapping(_spec("TR", ["TRSTRESC", "TRSTRESN"], *bad))]
    assert len(messages) == 3
    assert "needs from=VARIABLE" in messages[0] and "as='words'" in messages[1] and "digits='two'" in messages[2]


# The Mapping sheet rules that make the built-in study read TRDIAMU, each in place of the
# built-in rule of its variable and condition (its Order kept; the Codelist of TRORRESU is the
# variable's own, which must hold cm):
# Dataset, Variable, Form, Field, Algorithm, Condition, Value, Parameters
TARGET_MEASURED = "TUCAT EQ Target AND TRTSM NE Yes AND TRNE NE Yes"
TR_UNIT_RULES = [
    ("TR", "TRORRESU", "tr", "TRDIAMU", "assign_ct", TARGET_MEASURED, None, None),
    ("TR", "TRSTRESC", "tr", None, "convert_unit", TARGET_MEASURED, "mm", "from=TRORRES; unit=TRORRESU; as=text"),
    ("TR", "TRSTRESN", "tr", None, "convert_unit", TARGET_MEASURED, "mm", "from=TRORRES; unit=TRORRESU"),
    ("TR", "TRSTRESU", "tr", None, "convert_unit", TARGET_MEASURED, "mm", "from=TRORRES; unit=TRORRESU; as=unit"),
]


def builtin_spec_reading_units() -> m.Spec:
    """The built-in spec with TR_UNIT_RULES in place of its rules for those variables and
    conditions, and cm (C49668) a term of TRORRESU's codelist."""
    spec = load_sdtm_spec(study_workbook("sdtm"))
    unit_codelist = spec.variable("TR", "TRORRESU").codelist
    rules = list(spec.mapping)
    for dataset, variable, form, field, algorithm, condition, value, parameters in TR_UNIT_RULES:
        at = next(
            k for k, r in enumerate(rules) if (r.dataset, r.variable, r.condition) == (dataset, variable, condition)
        )
        pairs = tuple(tuple(p.strip().split("=", 1)) for p in parameters.split(";")) if parameters else ()
        rules[at] = m.MappingRule(
            dataset,
            variable,
            algorithm,
            rules[at].order,
            form,
            field,
            condition,
            unit_codelist if algorithm == "assign_ct" else None,
            value,
            pairs,
            None,
        )
    centimetre = m.CodelistTerm("cm", 99, "C49668", "Centimeter", ("Centimeter",))
    codelists = tuple(
        dataclasses.replace(c, terms=c.terms + (centimetre,))
        if c.id == unit_codelist and "cm" not in c.submission_values
        else c
        for c in spec.codelists
    )
    spec = dataclasses.replace(spec, mapping=tuple(rules), codelists=codelists)
    assert not check_mapping(spec)
    return spec


# --------------------------------------------------------------------------- 3. numbers that are not finite


def test_infinity_and_nan_are_not_numbers_of_a_result(tmp_path):
    texts = ["inf", "-inf", "nan", "Infinity", "1e999", "NaN", "12.5", "abc", ""]
    _write(tmp_path, "lb.csv", "SUBJECT,RES\n" + "".join(f"{k:02d},{t}\n" for k, t in enumerate(texts, start=1)))
    spec = _spec(
        "LB",
        ["LBORRES", "LBSTRESN"],
        R("LB", 1, "LBORRES", "assign_no_ct", "lb", field="RES"),
        R("LB", 2, "LBSTRESN", "assign_number", "lb", field="RES"),
        numeric=("LBSTRESN",),
    )
    issues = IssueLog()
    out = map_dataset(read_raw(tmp_path, "SUBJECT"), spec, "LB", issues)
    assert out["LBORRES"].tolist() == ["inf", "-inf", "nan", "Infinity", "1e999", "NaN", "12.5", "abc", None]
    stresn = out["LBSTRESN"].to_numpy(dtype=float)
    assert np.isnan(stresn[[0, 1, 2, 3, 4, 5, 7, 8]]).all() and stresn[6] == 12.5
    assert [(i["kind"], i["row"], i["field"], i["severity"]) for i in _issues(issues, *ISSUE)] == [
        ("not a finite number", k, "RES", "error") for k in range(1, 7)
    ] + [("not a number", 8, "RES", "error")]


# --------------------------------------------------------------------------- 4. control characters


def test_a_control_character_is_removed_and_reported_with_its_place(tmp_path):
    _write(
        tmp_path,
        "ae.csv",
        b'SUBJECT,AETERM,AECOMM\n001,Nau\x00sea,ok\n002,Rash,"bell\x07\x7f"\n003,"two\nlines","tab\there"\n',
    )
    issues = IssueLog()
    frame = read_raw(tmp_path, "SUBJECT", issues=issues).form("ae")
    assert frame["AETERM"].tolist() == ["Nausea", "Rash", "two\nlines"]  # tab and line breaks are text
    assert frame["AECOMM"].tolist() == ["ok", "bell", "tab\there"]
    got = _issues(issues, "kind", "form", "subject", "row", "field", "value", "action")
    assert got == [
        {
            "kind": "control character",
            "form": "ae",
            "subject": "001",
            "row": 1,
            "field": "AETERM",
            "value": "Nau\\x00sea",
            "action": "removed",
        },
        {
            "kind": "control character",
            "form": "ae",
            "subject": "002",
            "row": 2,
            "field": "AECOMM",
            "value": "bell\\x07\\x7f",
            "action": "removed",
        },
    ]
    with pytest.raises(RawDataError, match=r"ae\.csv: row 1, field AETERM, subject '001'"):
        read_form(tmp_path / "ae.csv", "SUBJECT")  # nobody to report to: refused, never changed unseen


# --------------------------------------------------------------------------- 5. a column named twice


@pytest.mark.parametrize("header", ["SUBJECT,AETERM,AESER,AETERM", "SUBJECT,AETERM,AESER,aeterm"])
def test_a_column_named_twice_is_refused_naming_file_and_column(tmp_path, header):
    _write(tmp_path, "ae.csv", header + "\n001,Rash,No,Itch\n")
    with pytest.raises(RawDataError) as caught:
        read_raw(tmp_path, "SUBJECT")
    message = str(caught.value)
    assert "ae.csv" in message and re.search(r"'aeterm'|'AETERM'", message, flags=re.I)
    assert "columns 2 and 4" in message


# --------------------------------------------------------------------------- 6. messages with their place


def test_a_byte_that_is_not_utf8_is_named_by_file_row_field_and_subject(tmp_path):
    _write(tmp_path, "ae.csv", "SUBJECT,AETERM,AECOMM\n001,Rash,fine\n002,Caf\u00e9,\n".encode("cp1252"))
    with pytest.raises(RawDataError) as caught:
        read_raw(tmp_path, "SUBJECT")
    message = str(caught.value)
    assert "ae.csv" in message and "row 2" in message and "AETERM" in message and "002" in message
    assert "line 3" in message and "0xE9" in message


def test_an_empty_file_is_named(tmp_path):
    _write(tmp_path, "dm.csv", "SUBJECT\n001\n")
    _write(tmp_path, "ae.csv", b"")
    with pytest.raises(RawDataError, match=r"ae\.csv: empty file"):
        read_raw(tmp_path, "SUBJECT")


def test_a_row_with_more_fields_than_the_header_is_named_never_shifted(tmp_path):
    _write(tmp_path, "ae.csv", "SUBJECT,AETERM\n001,Rash,Itch\n")
    with pytest.raises(RawDataError, match=r"ae\.csv: row 1 \(line 2\) has 3 fields, the header 2"):
        read_raw(tmp_path, "SUBJECT")


def test_a_folder_or_a_symlink_loop_named_like_a_form_is_refused_by_name(tmp_path):
    _write(tmp_path, "dm.csv", "SUBJECT\n001\n")
    (tmp_path / "x.csv").mkdir()
    with pytest.raises(RawDataError, match=r"x\.csv: a folder"):
        read_raw(tmp_path, "SUBJECT")
    (tmp_path / "x.csv").rmdir()
    os.symlink(tmp_path / "loop.csv", tmp_path / "loop.csv")
    with pytest.raises(RawDataError, match=r"loop\.csv: cannot be read"):
        read_raw(tmp_path, "SUBJECT")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads a file without read permission")
def test_an_unreadable_file_is_refused_by_name(tmp_path):
    path = _write(tmp_path, "dm.csv", "SUBJECT\n001\n")
    path.chmod(0)
    try:
        with pytest.raises(RawDataError, match=r"dm\.csv: cannot be read"):
            read_raw(tmp_path, "SUBJECT")
    finally:
        path.chmod(0o600)


# --------------------------------------------------------------------------- 7. a subject twice in demographics


@pytest.mark.parametrize("keep", [False, True])
def test_a_further_demographics_row_of_a_subject_is_rejected_naming_it(tmp_path, keep):
    _write(tmp_path, "dm.csv", "SUBJECT,RECORDPOSITION,SEX\n001,0,Male\n002,0,Female\n001,1,Female\n002,0,Female\n")
    issues = IssueLog()
    rejected = screen_raw(
        read_raw(tmp_path, "SUBJECT"),
        demographics_form="dm",
        subject_field="SUBJECT",
        issues=issues,
        keep_duplicates=keep,
    )
    assert sorted(rejected["_ROW"]) == [3, 4]  # a study keeping repeated rows cannot keep them in DM
    table = issues.frame().set_index("row")
    assert table.loc[3, "kind"] == "subject repeated in demographics" and table.loc[3, "subject"] == "001"
    assert table.loc[3, "severity"] == "error" and "first row is row 1" in table.loc[3, "message"]
    assert table.loc[4, "kind"] == "duplicate row" and table.loc[4, "action"] == "record rejected"


# --------------------------------------------------------------------------- 8. long text split between words


def _joins_back(text: str, pieces: list[str]) -> bool:
    """Whether the pieces, in order, are the text with nothing between them or one blank."""
    at = 0
    for k, piece in enumerate(pieces):
        if k and text.startswith(" " + piece, at) and not text.startswith(piece, at):
            at += 1
        if not text.startswith(piece, at):
            return False
        at += len(piece)
    return at == len(text)


def _last_blank_between_words(text: str, limit: int) -> int | None:
    """Where the text's first `limit` characters may end at a blank between two words (the blank's index)."""
    found = [mt.start() for mt in re.finditer(r"(?<=\S) (?=\S)", text[: limit + 2]) if mt.start() <= limit]
    return found[-1] if found else None


words = st.text(st.sampled_from("abcXYZ.-"), min_size=1, max_size=60)
gaps = st.sampled_from([" "] * 8 + ["  ", "\t", " \n "])


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.tuples(words, gaps), min_size=1, max_size=120), limit=st.sampled_from([200, 37]))
def test_split_pieces_never_end_in_a_blank_and_join_back(parts, limit):
    text = "".join(w + g for w, g in parts).strip()
    pieces = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    assert all(p == p.strip() for p in pieces)
    if split_loses_blanks(text, limit):  # only where a run of blanks leaves no cut: not in these texts
        pytest.fail(f"blanks lost splitting {text!r}")
    assert _joins_back(text, pieces)
    rest = text
    for piece in pieces[:-1]:  # each cut at the last blank between words where there is one
        blank = _last_blank_between_words(rest, limit)
        assert len(piece) == (blank if blank is not None else len(piece))
        rest = rest[len(piece) :]
        rest = rest[1:] if blank is not None else rest


def test_split_of_the_texts_that_failed_the_transport_file():
    text = "x" * 199 + " " + "y" * 50  # 250 characters, a blank at position 200
    assert split_text(text) == ["x" * 199, "y" * 50]
    text = "x" * 200 + " " + "y" * 49
    assert split_text(text) == ["x" * 200, "y" * 49]
    long = " ".join(f"word{k % 97}" for k in range(1600))  # about 10,000 characters
    pieces = split_text(long)
    assert " ".join(pieces) == long and all(len(p) <= 200 and p == p.strip() for p in pieces)


def test_a_run_of_blanks_too_long_for_any_piece_is_the_only_loss_and_is_named():
    text = "a" + " " * 250 + "b"
    assert split_text(text) == ["a", "b"] and split_loses_blanks(text)
    assert not split_loses_blanks("a" + " " * 150 + "b" + "c" * 100)


# --------------------------------------------------------------------------- the whole stage on a messy study


@pytest.fixture(scope="module")
def messy(simulated, tmp_path_factory):
    """The simulated export with: a NUL in an AE term, a 250-character term with a blank at
    200, a 10,000-character one, a second demographics row of a subject, a third of the
    target diameters in cm (and one in an unknown unit), built with the spec reading TRDIAMU."""
    edc = shutil.copytree(simulated, tmp_path_factory.mktemp("messy") / "edc")
    read = lambda form: pd.read_csv(edc / f"{form}.csv", dtype=str, keep_default_na=False)  # noqa: E731
    ae = read("ae")
    ae.loc[0, "AETERM"] = "Nau\x00sea"
    ae.loc[1, "AETERM"] = "x" * 199 + " " + "y" * 50
    ae.loc[2, "AETERM"] = " ".join(f"term{k % 89}" for k in range(1600))
    ae.to_csv(edc / "ae.csv", index=False)
    dm = read("dm")
    again = dm.iloc[[2]].assign(SEX="Female" if dm.loc[2, "SEX"] == "Male" else "Male")
    pd.concat([dm, again], ignore_index=True).to_csv(edc / "dm.csv", index=False)
    tr = read("tr")
    measured = tr.index[(tr["TUCAT"] == "Target") & (tr["TRDIAM"] != "")]
    in_cm, unknown = measured[::3], measured[1]
    millimetres = tr.loc[measured, "TRDIAM"].astype(float)
    tr.loc[in_cm, "TRDIAM"] = [format(v / 10, "g") for v in millimetres[in_cm]]
    tr.loc[in_cm, "TRDIAMU"] = "cm"
    tr.loc[unknown, "TRDIAMU"] = "furlong"
    tr.to_csv(edc / "tr.csv", index=False)
    spec = builtin_spec_reading_units()
    result = build_sdtm(edc, config=builtin_study(), spec=spec)
    written = write_sdtm(result, edc.parent / "sdtm")  # the transport file's rules hold
    return dict(
        edc=edc,
        result=result,
        written=written,
        dm=dm,
        millimetres=millimetres,
        in_cm=in_cm,
        unknown=unknown,
        clean=build_sdtm(simulated, config=builtin_study(), spec=spec),
    )


def test_the_messy_study_is_built_and_written_whole(messy):
    result = messy["result"]
    assert result.ledger["balanced"].all()
    assert {"AE", "DM", "TR", "SUPPAE"} <= set(messy["written"])


def test_the_nul_is_removed_from_the_term_and_reported(messy):
    result = messy["result"]
    ae = result.datasets["AE"]
    assert ae.loc[ae["_ROW"] == 1, "AETERM"].tolist() == ["Nausea"]
    hits = result.issues[(result.issues["kind"] == "control character") & (result.issues["form"] == "ae")]
    assert hits[["row", "field", "action"]].to_dict("records") == [{"row": 1, "field": "AETERM", "action": "removed"}]


def test_long_terms_are_split_between_words_into_suppae(messy):
    result = messy["result"]
    ae, supp = result.datasets["AE"], result.final("SUPPAE")
    for row in (2, 3):
        record = ae[ae["_ROW"] == row].iloc[0]
        rest = supp[
            (supp["USUBJID"] == record["USUBJID"])
            & (supp["IDVARVAL"] == f"{record['AESEQ']:.0f}")
            & supp["QNAM"].str.match(r"AETERM\d+$")
        ]
        rest = rest.assign(k=rest["QNAM"].str.slice(6).astype(int)).sort_values("k")["QVAL"].tolist()
        pieces = [record["AETERM"], *rest]
        original = pd.read_csv(messy["edc"] / "ae.csv", dtype=str, keep_default_na=False).loc[row - 1, "AETERM"]
        assert " ".join(pieces) == original and all(len(p) <= 200 and p == p.strip() for p in pieces)


def test_the_second_demographics_row_is_rejected_and_the_first_kept(messy):
    result, dm = messy["result"], messy["dm"]
    subject = dm.loc[2, "SUBJECT"]
    hits = result.issues[result.issues["kind"] == "subject repeated in demographics"]
    assert hits[["form", "subject", "row"]].to_dict("records") == [
        {"form": "dm", "subject": subject, "row": len(dm) + 1}
    ]
    records = result.final("DM")
    records = records[records["USUBJID"].str.endswith(subject)]
    assert len(records) == 1 and records["SEX"].iloc[0] == {"Male": "M", "Female": "F"}[dm.loc[2, "SEX"]]
    assert result.ledger.set_index("form").loc["dm", "rejected"] == 1


def test_diameters_in_cm_reach_tr_in_mm_and_recist_as_if_collected_in_mm(messy):
    from adam_builder.recist_engine import derive_assessments
    from specs.config import RecistSettings

    result = messy["result"]
    tr = result.datasets["TR"].set_index("_ROW")
    for index in messy["in_cm"]:
        record = tr.loc[index + 1]
        assert (record["TRORRESU"], record["TRSTRESU"]) == ("cm", "mm")
        assert record["TRSTRESN"] == messy["millimetres"][index]  # the diameter as the clean export has it
    unknown = tr.loc[messy["unknown"] + 1]
    assert unknown["TRORRESU"] == "furlong" and pd.isna(unknown["TRSTRESN"]) and unknown["TRSTRESU"] is None
    errors = result.issues[
        (result.issues["form"] == "tr")
        & (result.issues["severity"] == "error")
        & (result.issues["kind"] == "no unit conversion")
    ]
    assert errors[["row", "field"]].to_dict("records") == [{"row": messy["unknown"] + 1, "field": "TRDIAMU"}]

    def responses(built):
        table = derive_assessments(built.final("TU"), built.final("TR"), settings=RecistSettings())
        return table.set_index(["USUBJID", "TRLNKGRP"])["OVRLRESP"]

    messy_responses, clean_responses = responses(result), responses(messy["clean"])
    differ = messy_responses.index[messy_responses != clean_responses.reindex(messy_responses.index)]
    unknown_subject = tr.loc[messy["unknown"] + 1, "USUBJID"]
    assert {subject for subject, _ in differ} <= {unknown_subject}  # only the result with no conversion is NE


def test_the_simulator_can_write_diameters_in_cm_and_the_spec_reading_units_restores_them(tmp_path):
    from study_simulator.settings import SimulationSettings

    simulate(30, 9, tmp_path, messy_rate=0.05, settings=SimulationSettings(messy_units=True))
    manifest = pd.read_csv(tmp_path / "truth" / "messy_manifest.csv", dtype=str, keep_default_na=False)
    in_cm = manifest[manifest["KIND"] == "unit_cm"]
    assert len(in_cm) > 0
    raw = pd.read_csv(tmp_path / "edc" / "tr.csv", dtype=str, keep_default_na=False)
    result = build_sdtm(tmp_path / "edc", config=builtin_study(), spec=builtin_spec_reading_units())
    tr = result.datasets["TR"].set_index("_ROW")
    rejected = set(
        result.issues.loc[
            (result.issues["form"] == "tr") & result.issues["action"].str.startswith("record rejected"), "row"
        ]
    )
    checked = 0
    for entry in in_cm.itertuples():
        number, unit = entry.ORIGINAL.split()
        injected, injected_unit = entry.INJECTED.split()
        row = int(entry.ROW)
        assert (
            (raw.loc[row - 1, "TRDIAM"], raw.loc[row - 1, "TRDIAMU"]) == (injected, injected_unit) == (injected, "cm")
        )
        assert float(injected) * 10 == pytest.approx(float(number)) and unit == "mm"
        if row in rejected:  # a subject the messy export dropped from demographics
            continue
        assert (tr.loc[row, "TRORRES"], tr.loc[row, "TRORRESU"], tr.loc[row, "TRSTRESU"]) == (injected, "cm", "mm")
        assert tr.loc[row, "TRSTRESN"] == float(number)
        checked += 1
    assert checked > 0
    # every diameter converts (the messy lab units, x10E9/L among them, are lb's: test_lb_vs)
    assert not ((result.issues["kind"] == "no unit conversion") & (result.issues["form"] == "tr")).any()
