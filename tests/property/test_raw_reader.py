"""Properties of the raw reader (sdtm_builder.raw.read_form / read_raw) on generated files.

What must hold for any file: the reader raises nothing but RawDataError, and a
RawDataError names the file; otherwise every cell the csv module reads is in
the read frame as written, under its header as written, in its row, with the
lineage columns (_FORM the file's stem, _ROW 1..n, _SUBJECT the subject
trimmed). A cell past the header is blank or refused: never silently dropped.
"""

from __future__ import annotations

import csv
import inspect
import io
import tempfile
from pathlib import Path

import pandas as pd
from generated_exports import (
    BOM,
    CHINESE_TEXT,
    CP1252_TEXT,
    EMBEDDED_TEXT,
    FOLDER,
    SUBJECT_FIELD,
    csv_table,
    decoded,
    examples,
    exports,
    names_place,
    undecodable_place,
    work_folder,
)
from hypothesis import event, given
from hypothesis import strategies as st

from sdtm_builder.issues import IssueLog
from sdtm_builder.raw import FORM, LINEAGE, ROW, SUBJECT, RawDataError, read_form, read_raw


def reported_cells(issues: IssueLog | None) -> set[tuple[str, int, str]]:
    """(form, row, field) of every issue the reader reported."""
    if issues is None:
        return set()
    table = issues.frame()
    return {
        (str(f), int(r), str(c))
        for f, r, c in zip(table["form"], table["row"], table["field"], strict=False)
        if pd.notna(r) and pd.notna(c)
    }


def with_issues(function, *args):
    """Call the reader as the build calls it: with an issue log where it takes one (the log, or None)."""
    if "issues" in inspect.signature(function).parameters:
        issues = IssueLog()
        return function(*args, issues=issues), issues
    return function(*args), None


def check_form(name: str, frame: pd.DataFrame, data: bytes, reported: set[tuple[str, int, str]] = frozenset()) -> None:
    """The frame read from file `name` (bytes `data`) holds every cell as the csv module reads it,
    but for the cells in `reported` ((form, row, field) the reader reported)."""
    table = csv_table(data)
    if table is None:  # no header at all (0 bytes): nothing to hold
        assert len(frame) == 0, f"[reader-rows] {name}: {len(frame)} rows read from a file without a header"
        return
    header, rows = table
    if decoded(data) is None:
        event("reader: read a file that is not UTF-8")
    columns = [str(c) for c in frame.columns if c not in LINEAGE]
    assert columns == header, f"[reader-header] {name}: columns {columns!r}, the file's header is {header!r}"
    assert SUBJECT_FIELD in header, f"[reader-no-subject] {name}: read without a {SUBJECT_FIELD} column"
    assert len(frame) == len(rows), f"[reader-rows] {name}: {len(frame)} rows read, the file has {len(rows)}"
    values = frame.iloc[:, : len(header)].to_numpy(dtype=object)
    stem = Path(name).stem
    for i, row in enumerate(rows):
        for j in range(len(header)):
            want = row[j] if j < len(row) else ""
            got = values[i, j]
            if (stem, i + 1, header[j]) in reported and isinstance(got, str):
                continue
            assert isinstance(got, str) and got == want, (
                f"[reader-cell] {name} row {i + 1} {header[j]}: read {got!r}, the file holds {want!r}"
            )
        extra = [c for c in row[len(header) :] if c.strip()]
        assert not extra, f"[reader-cell-past-header] {name} row {i + 1}: cells {extra!r} past the header were dropped"
    assert frame[FORM].tolist() == [stem] * len(rows), f"[reader-lineage] {name}: _FORM is not {stem!r}"
    assert frame[ROW].tolist() == list(range(1, len(rows) + 1)), f"[reader-lineage] {name}: _ROW is not 1..n"
    at = header.index(SUBJECT_FIELD)
    subjects = [(r[at] if at < len(r) else "").strip() for r in rows]
    subjects = [
        s if (stem, i + 1, SUBJECT_FIELD) not in reported else got
        for i, (s, got) in enumerate(zip(subjects, frame[SUBJECT].tolist(), strict=False))
    ]
    assert frame[SUBJECT].tolist() == subjects, f"[reader-lineage] {name}: _SUBJECT is not the subject trimmed"


@examples(ci=40, long=1500)
@given(export=exports(max_mutations=5))
def test_read_raw_keeps_every_cell_or_names_the_file(export):
    """read_raw on a generated export: RawDataError naming a file the mutations changed, or
    every form of the folder with every cell as written."""
    for kind in export.kinds():
        event(f"mutation: {kind}")
    with tempfile.TemporaryDirectory(dir=work_folder()) as tmp:
        folder = export.write(Path(tmp) / "edc")
        files = export.files()
        try:
            raw, issues = with_issues(read_raw, folder, SUBJECT_FIELD)
        except RawDataError as exc:
            message = str(exc)
            event("outcome: RawDataError")
            assert export.touched, f"[reader-refused-clean-export] {message}"
            assert any(name in message for name in export.touched), (
                f"[reader-message-names-no-file] {message!r} names none of {sorted(export.touched)}"
            )
            return
        event("outcome: read")
        stems = {Path(n).stem: n for n, data in files.items() if data != FOLDER}
        assert set(raw.forms) <= set(stems), f"[reader-forms] forms {sorted(set(raw.forms) - set(stems))} are no files"
        for stem, name in stems.items():
            if stem not in raw.forms:
                assert files[name] == b"", f"[reader-form-skipped] {name} was not read and not refused"
                continue
            check_form(name, raw.forms[stem], files[name], reported_cells(issues))


# ---------------------------------------------------------------- one file, any content

_names = st.one_of(
    st.sampled_from(["STUDY", "AETERM", "AESTDAT", "VISIT", "X", "RECORDPOSITION"]),
    st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), min_size=1, max_size=6),
)
_cells = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "NA",
            "null",
            "nan",
            "1e309",
            "01",
            "007",
            "TRUE",
            "#N/A",
            "None",
            *EMBEDDED_TEXT,
            *CHINESE_TEXT,
            *CP1252_TEXT,
            "a\x00b",
        ]
    ),
)


@st.composite
def csv_files(draw) -> tuple[bytes, dict]:
    """A CSV file of any content: its bytes and how it was written."""
    header = draw(st.lists(_names, max_size=4, unique=True))
    if draw(st.integers(0, 9)):  # mostly with the subject column
        header.insert(draw(st.integers(0, len(header))), SUBJECT_FIELD)
    if header and draw(st.integers(0, 9)) == 0:
        header.append(draw(st.sampled_from(header + ["", "_ROW"])))  # a repeated, blank or reserved name
    rows = draw(st.lists(st.lists(_cells, min_size=len(header), max_size=len(header)), max_size=6))
    if rows and draw(st.integers(0, 9)) == 0:  # a ragged row
        i = draw(st.integers(0, len(rows) - 1))
        rows[i] = (
            rows[i][: draw(st.integers(1, max(1, len(header))))] if draw(st.booleans()) else rows[i] + [draw(_cells)]
        )
    how = {
        "encoding": draw(st.sampled_from(["utf-8"] * 4 + ["cp1252"])),
        "bom": draw(st.booleans()),
        "newline": draw(st.sampled_from(["\n", "\r\n"])),
        "quoting": draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
    }
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=how["newline"], quoting=how["quoting"])
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(how["encoding"], errors="replace")
    return ((BOM if how["bom"] and how["encoding"] == "utf-8" else b"") + data), how


@examples(ci=80, long=3000)
@given(file=csv_files())
def test_read_form_keeps_every_cell_or_names_the_file(file):
    """read_form on a CSV file of any content: RawDataError naming the file, or every cell as written."""
    data, how = file
    with tempfile.TemporaryDirectory(dir=work_folder()) as tmp:
        path = Path(tmp) / "form.csv"
        path.write_bytes(data)
        try:
            frame, issues = with_issues(read_form, path, SUBJECT_FIELD)
        except RawDataError as exc:
            event("outcome: RawDataError")
            assert "form.csv" in str(exc), f"[reader-message-names-no-file] {exc}"
            return
        event("outcome: read")
        check_form("form.csv", frame, data, reported_cells(issues))


@examples(ci=30, long=1000)
@given(
    rows=st.lists(
        st.lists(
            st.text(st.characters(codec="ascii", categories=["L", "N", "Zs"]), max_size=8), min_size=3, max_size=3
        ),
        min_size=1,
        max_size=8,
    ),
    at=st.integers(0, 100),
    column=st.integers(0, 2),
    text=st.sampled_from(CP1252_TEXT),
)
def test_a_file_that_is_not_utf8_is_refused_naming_the_file_and_row(rows, at, column, text):
    """One cp1252 value in an otherwise plain file: read as cp1252 with every cell as written,
    or refused with RawDataError naming the file and the row (or line) of the value."""
    row = at % len(rows)
    rows[row][column] = text
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows([[SUBJECT_FIELD, "AETERM", "AECOMM"], *rows])
    data = buffer.getvalue().encode("cp1252")
    place = undecodable_place(data)
    assert place is not None and place["row"] == row + 1  # the oracle finds the value it was given
    with tempfile.TemporaryDirectory(dir=work_folder()) as tmp:
        path = Path(tmp) / "ae.csv"
        path.write_bytes(data)
        try:
            frame, issues = with_issues(read_form, path, SUBJECT_FIELD)
        except RawDataError as exc:
            message = str(exc)
            assert "ae.csv" in message, f"[reader-message-names-no-file] {message}"
            assert names_place(message, place), (
                f"[reader-message-names-no-row] {message!r} does not name data row {place['row']} (line {place['line']})"
            )
            return
        check_form("ae.csv", frame, data, reported_cells(issues))
