"""Generated raw exports for the property tests, and the oracle they are checked against.

A generated export starts from a small simulated export (`study_simulator`, 10
subjects) and applies a list of generated mutations, the kinds of damage real
EDC exports carry: shuffled columns, a UTF-8 byte order mark, CRLF line ends,
cp1252 bytes, embedded newlines and quotes, NUL bytes, empty (0-byte) and
header-only files, enormous text (10k+ characters, with and without blanks),
missing and extra forms, duplicated headers, ragged rows, Chinese text, values
outside codelists, partial dates (UN/UNK), numbers like inf/nan/1e309, a folder
named like a form, repeated rows.

The oracle reads the bytes written with the csv module and plain Python only,
never through the code under test: how many data rows each file has, its
header and every cell as written.

Hypothesis profiles (HYPOTHESIS_PROFILE, default "ci"):
    ci    bounded examples per property, derandomized (the same examples on every
          run), no example database: what `make test` runs
    long  many times more examples, random, with the example database:
          `make fuzz` and benchmarks/fuzz_raw.py
"""

from __future__ import annotations

import csv
import functools
import io
import os
import random
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# ---------------------------------------------------------------- profiles

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
_SLOW_DATA = (
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.filter_too_much,
)
# no explain phase: it runs each failing example again many times (minutes for a command)
_PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)
settings.register_profile(
    "ci",
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    phases=_PHASES,
    suppress_health_check=_SLOW_DATA,
)
settings.register_profile(
    "long", max_examples=1000, deadline=None, print_blob=True, phases=_PHASES, suppress_health_check=_SLOW_DATA
)
settings.load_profile(PROFILE)


def examples(ci: int, long: int, *, costly: bool = False) -> settings:
    """The number of examples of one property under the profile in use (costly properties get
    fewer). A costly property (a command run per example) is not shrunk under "ci", where a
    failure is shown as generated, to keep the suite's time bounded; "long" shrinks it."""
    if PROFILE == "long":
        return settings(max_examples=long)
    return settings(max_examples=ci, phases=(Phase.explicit, Phase.generate) if costly else _PHASES)


# ---------------------------------------------------------------- the simulated export

SUBJECTS = 10
SEEDS = (3, 17)  # the simulations a generated export starts from
SUBJECT_FIELD = "SUBJECT"
BOM = b"\xef\xbb\xbf"

_WORK = tempfile.TemporaryDirectory(prefix="cdisc-build-property-")  # removed when the session ends


def work_folder() -> Path:
    return Path(_WORK.name)


@functools.cache
def simulated(seed: int) -> dict[str, bytes]:
    """The simulated raw export of `seed`: file name -> bytes (written once per session)."""
    from study_simulator.api import simulate

    out = work_folder() / f"simulated-{seed}"
    simulate(SUBJECTS, seed, out)
    return {p.name: p.read_bytes() for p in sorted((out / "edc").glob("*.csv"))}


# The forms the simulator writes, and their fields by what they hold.
FORMS = (
    "ae",
    "cm",
    "dd",
    "dm",
    "dx",
    "ecog",
    "enr",
    "eos",
    "eot",
    "ex_anlotinib",
    "ex_toripalimab",
    "ic",
    "ie",
    "mh",
    "prtx",
    "rs",
    "sfu",
    "sv",
    "tr",
    "tu",
)
DATE_FIELDS = [
    ("ae", "AESTDAT"),
    ("ae", "AEENDAT"),
    ("dm", "BRTHDAT"),
    ("cm", "CMSTDAT"),
    ("cm", "CMENDAT"),
    ("ic", "ICDAT"),
    ("sv", "VISDAT"),
    ("tr", "TRDAT"),
    ("rs", "RSDAT"),
    ("ex_anlotinib", "EXSTDAT"),
    ("ex_anlotinib", "EXENDAT"),
    ("ex_toripalimab", "EXDAT"),
    ("dd", "DTHDAT"),
    ("eos", "EOSDAT"),
    ("eot", "EOTDAT"),
    ("mh", "MHSTDAT"),
    ("tu", "TUDAT"),
    ("dx", "DXDAT"),
    ("prtx", "PRSTDAT"),
]
NUMBER_FIELDS = [
    ("dm", "AGE"),
    ("ex_anlotinib", "EXDOSE"),
    ("ex_toripalimab", "EXDOSE"),
    ("tr", "TRDIAM"),
    ("ae", "AESOCCD"),
]
CODED_FIELDS = [
    ("dm", "SEX"),
    ("dm", "RACE"),
    ("dm", "ETHNIC"),
    ("ae", "AESER"),
    ("ae", "AEOUT"),
    ("ae", "AETOXGR"),
    ("ae", "AERELANL"),
    ("cm", "CMROUTE"),
    ("tu", "TULOC"),
    ("tu", "TUCAT"),
    ("tr", "TRMETHOD"),
    ("tr", "TRSTAT"),
    ("rs", "OVRLRESP"),
    ("rs", "TRGRESP"),
    ("rs", "NEWLES"),
    ("eot", "EOTREAS"),
    ("eos", "EOSREAS"),
    ("ecog", "ECOGPS"),
    ("dx", "HISTOL"),
    ("sv", "FOLDER"),
    ("prtx", "PRCAT"),
    ("ex_toripalimab", "EXADM"),
    ("ex_toripalimab", "EXDOSU"),
]
TEXT_FIELDS = [
    ("ae", "AETERM"),
    ("ae", "AECOMM"),
    ("cm", "CMTRT"),
    ("cm", "CMINDC"),
    ("mh", "MHTERM"),
    ("prtx", "PRTRT"),
]
# free text mapped as collected (assign_no_ct) to a variable that SUPP-- continues past 200 characters
TEXT_TARGETS = {
    ("ae", "AETERM"): ("AE", "AETERM"),
    ("cm", "CMTRT"): ("CM", "CMTRT"),
    ("mh", "MHTERM"): ("MH", "MHTERM"),
}

# pools of raw values
CP1252_TEXT = ["Café au lait", "Müller", "naïve", "crème brûlée", "€ 12", "patient’s"]
EMBEDDED_TEXT = ["Headache\nand nausea", 'He said "stop"', '"', "a, b", "line\r\nbreak", "\n", '""', "x\ry"]
CHINESE_TEXT = ["头痛", "恶心，呕吐", "肺炎（3级）", "患者自述头晕、乏力", "二甲双胍"]
OUTSIDE_CODELIST = [
    "Maybe",
    "Unknown",
    "yes",
    " Male ",
    "M",
    "Femme",
    "N/A",
    "Other",
    "不适用",
    "99",
    "NOT DONE",
    "Yes;No",
]
PARTIAL_DATES = [
    "UN MAR 2021",
    "UNK JAN 2020",
    "15 UNK 2020",
    "UN UNK 2019",
    "UN UNK UNKN",
    "UNK 2021",
    "31 FEB 2021",
    "2021",
    "12/03/2021",
    " 05 jan 2021 ",
    "00 MAR 2021",
    "XX XXX XXXX",
    "29 FEB 2020",
    "29 FEB 2021",
    "31 APR UNKN",
    "--- MAR 2021",
]
ODD_NUMBERS = [
    "inf",
    "-inf",
    "nan",
    "NaN",
    "Infinity",
    "1e309",
    "-1e309",
    "1e-400",
    "1,5",
    "12 mg",
    "0x1A",
    "  7  ",
    "1e3",
    "",
    "-0",
    "+5",
]
BLANKISH = ["", " ", "\t", "NA", "NULL", "N/A", "None", "-", "#N/A", "nan"]
EXTRA_FORMS = ["notes.csv", "lab.csv", "Extra Form.csv", "ae_v2.csv"]
FOLDER_NAMES = ["zz.csv", "old.csv"]


# ---------------------------------------------------------------- one form file, and mutations


@dataclass
class FormFile:
    """A CSV file being mutated: its header and rows, and how it is written."""

    header: list[str]
    rows: list[list[str]]
    encoding: str = "utf-8"
    bom: bool = False
    newline: str = "\n"
    raw: bytes | None = None  # the bytes as given, until a mutation changes the form

    @classmethod
    def parse(cls, data: bytes) -> FormFile:
        records = csv_records(data.decode("utf-8"))
        return cls(records[0], records[1:], raw=data)

    def changed(self) -> FormFile:
        self.raw = None
        return self

    def to_bytes(self) -> bytes:
        if self.raw is not None:
            return self.raw
        buffer = io.StringIO(newline="")
        # the csv module quotes a field holding a line feed, not one holding a lone carriage return
        # (unless it ends lines): every field is quoted then, so that the value stays in its record
        bare_cr = any("\r" in cell for row in [self.header, *self.rows] for cell in row)
        writer = csv.writer(
            buffer, lineterminator=self.newline, quoting=csv.QUOTE_ALL if bare_cr else csv.QUOTE_MINIMAL
        )
        writer.writerow(self.header)
        writer.writerows(self.rows)
        data = buffer.getvalue().encode(self.encoding, errors="replace")
        return (BOM if self.bom else b"") + data


FOLDER = "folder"  # an entry of the export that is a folder, not a file


@dataclass(frozen=True)
class Mutation:
    """One change to an export. `form` is the file's stem (or a new file's name); `row`
    and `column` pick a cell (an int is taken modulo the rows / columns there are)."""

    kind: str
    form: str
    row: int = 0
    column: str | int = 0
    text: str = ""
    size: int = 0

    def __repr__(self) -> str:
        shown = [repr(self.kind), repr(self.form)]
        for name in ("row", "column", "text", "size"):
            value = getattr(self, name)
            if value != Mutation.__dataclass_fields__[name].default:
                shown.append(f"{name}={value!r}")
        return f"Mutation({', '.join(shown)})"


def _cell(form: FormFile, m: Mutation) -> tuple[int, int] | None:
    """(row, column) the mutation names in the form, or None when it has no such cell."""
    if not form.rows or not form.header:
        return None
    if isinstance(m.column, str):
        if m.column not in form.header:
            return None
        col = form.header.index(m.column)
    else:
        col = m.column % len(form.header)
    row = m.row % len(form.rows)
    if col >= len(form.rows[row]):
        return None
    return row, col


def enormous_text(size: int, blanks: bool) -> str:
    """About `size` characters: words and single blanks, or one word without a blank."""
    if not blanks:
        return ("Lorem" * (size // 5 + 1))[:size]
    words = "pain in the left lower abdomen radiating to the back since cycle 2 "
    return (words * (size // len(words) + 1))[:size].rstrip() + " end"


def apply(files: dict[str, object], m: Mutation, cells: set[tuple[str, str]] | None = None) -> set[str]:
    """Apply one mutation to `files` (file name -> FormFile or FOLDER); the names it changed.
    `cells` gets (file name, column) of each column whose values it changed."""
    cells = set() if cells is None else cells
    name = m.form if m.form.endswith(".csv") else f"{m.form}.csv"
    if m.kind == "extra_form":
        if name in files:
            return set()
        dm = files.get("dm.csv")
        subjects = (
            [
                r[dm.header.index(SUBJECT_FIELD)]
                for r in dm.rows
                if SUBJECT_FIELD in dm.header and len(r) > dm.header.index(SUBJECT_FIELD)
            ]
            if isinstance(dm, FormFile)
            else []
        )
        subjects = subjects or ["101-0001"]
        header = ["STUDY", SUBJECT_FIELD, "NOTE"] if m.text == "with subject" else ["ID", "NOTE"]
        rows = [
            (["SYSU-ANTOR-STS", subjects[i % len(subjects)]] if m.text == "with subject" else [str(i + 1)])
            + [f"note {i + 1}"]
            for i in range(m.size)
        ]
        files[name] = FormFile(header, rows)
        return {name}
    if m.kind == "folder_named_csv":
        if name in files:
            return set()
        files[name] = FOLDER
        return {name}
    form = files.get(name)
    if not isinstance(form, FormFile):
        return set()
    if m.kind == "drop_form":
        del files[name]
        return {name}
    if m.kind == "empty_file":
        form.raw, form.header, form.rows = b"", [], []
        return {name}
    if form.raw == b"":
        return set()
    if m.kind == "header_only":
        form.changed().rows = []
    elif m.kind == "bom":
        form.changed().bom = True
    elif m.kind == "crlf":
        form.changed().newline = "\r\n"
    elif m.kind == "shuffle_columns":
        order = list(range(len(form.header)))
        random.Random(m.size).shuffle(order)
        form.changed()
        form.header = [form.header[i] for i in order]
        form.rows = [[r[i] for i in order if i < len(r)] if len(r) == len(order) else r for r in form.rows]
    elif m.kind == "trailing_delimiter":
        form.changed().rows = [r + [""] for r in form.rows]
    elif m.kind == "drop_column":
        if not form.header:
            return set()
        col = m.column % len(form.header) if isinstance(m.column, int) else None
        if col is None:
            return set()
        cells.add((name, form.header[col]))
        form.changed()
        form.header = form.header[:col] + form.header[col + 1 :]
        form.rows = [r[:col] + r[col + 1 :] for r in form.rows]
    elif m.kind == "duplicate_header":
        if not form.header:
            return set()
        col = m.column % len(form.header) if isinstance(m.column, int) else 0
        form.changed()
        form.header = form.header + [form.header[col]]
        form.rows = [r + [r[col] if m.text == "copy" and col < len(r) else m.text] for r in form.rows]
    elif m.kind == "duplicate_row":
        if not form.rows:
            return set()
        row = m.row % len(form.rows)
        form.changed().rows.insert(row + 1, list(form.rows[row]))
    elif m.kind == "short_row":
        if not form.rows:
            return set()
        row = m.row % len(form.rows)
        keep = max(1, len(form.rows[row]) - max(1, m.size))
        cells.update((name, c) for c in form.header[keep:])
        form.changed().rows[row] = form.rows[row][:keep]
    else:  # a cell's value
        where = _cell(form, m)
        if where is None:
            return set()
        row, col = where
        old = form.rows[row][col]
        if m.kind == "nul":
            at = m.size % (len(old) + 1)
            value = old[:at] + "\x00" + old[at:]
        elif m.kind == "enormous":
            value = enormous_text(m.size, blanks=m.text == "with blanks")
        elif m.kind == "cp1252":
            value = m.text
            form.encoding = "cp1252"
        else:  # embedded, chinese, outside_codelist, partial_date, odd_number, blankish
            value = m.text
        cells.add((name, form.header[col]))
        form.changed().rows[row][col] = value
    return {name}


@dataclass(frozen=True)
class GeneratedExport:
    """A simulated export (by seed) and the mutations applied to it, in order."""

    seed: int
    mutations: tuple[Mutation, ...] = ()

    @functools.cached_property
    def _built(self) -> tuple[dict[str, object], frozenset[str], frozenset[tuple[str, str]]]:
        files: dict[str, object] = {name: FormFile.parse(data) for name, data in simulated(self.seed).items()}
        touched: set[str] = set()
        cells: set[tuple[str, str]] = set()
        for m in self.mutations:
            touched |= apply(files, m, cells)
        return files, frozenset(touched), frozenset(cells)

    @property
    def touched(self) -> frozenset[str]:
        """The names of the files (or folders) the mutations changed, added or removed."""
        return self._built[1]

    @property
    def changed_columns(self) -> frozenset[tuple[str, str]]:
        """(file name, column) of every column some of whose values the mutations changed."""
        return self._built[2]

    def files(self) -> dict[str, bytes | str]:
        """File name -> bytes, or FOLDER for a folder of that name."""
        return {name: (entry if entry == FOLDER else entry.to_bytes()) for name, entry in self._built[0].items()}

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True)
        for name, data in self.files().items():
            if data == FOLDER:
                (folder / name).mkdir()
                (folder / name / "inside.csv").write_bytes(b"SUBJECT\n101-0001\n")
            else:
                (folder / name).write_bytes(data)
        return folder

    @property
    def format_only(self) -> bool:
        """True when every mutation changes how the files are written, not what they hold."""
        return all(m.kind in FORMAT_ONLY for m in self.mutations)

    def kinds(self) -> list[str]:
        return sorted({m.kind for m in self.mutations})


FORMAT_ONLY = {"bom", "crlf", "shuffle_columns"}

# ---------------------------------------------------------------- strategies

# C0 control characters but tab, line feed and carriage return, and DEL: the reader takes them out
# of every value (and reports each), so the mapping never sees them
CONTROL_CHARACTERS = "".join(map(chr, [*range(0, 9), 11, 12, *range(14, 32), 127]))


def read_text(max_size: int = 12) -> st.SearchStrategy[str]:
    """Any text a read form can hold (the reader has taken the control characters out)."""
    return st.text(st.characters(codec="utf-8", exclude_characters=CONTROL_CHARACTERS), max_size=max_size)


_rows = st.integers(0, 400)
_forms = st.sampled_from(FORMS)


def _cells(kind: str, pairs: list[tuple[str, str]], texts) -> st.SearchStrategy[Mutation]:
    return st.builds(
        lambda pair, row, text: Mutation(kind, pair[0], row, pair[1], text), st.sampled_from(pairs), _rows, texts
    )


def _any_cell(kind: str, texts) -> st.SearchStrategy[Mutation]:
    return st.builds(
        lambda form, row, col, text: Mutation(kind, form, row, col, text), _forms, _rows, st.integers(0, 40), texts
    )


def mutations(kinds: set[str] | None = None) -> st.SearchStrategy[Mutation]:
    """One mutation of the kinds given (every kind when None)."""
    everything = {
        "shuffle_columns": st.builds(
            lambda f, s: Mutation("shuffle_columns", f, size=s), _forms, st.integers(1, 10**6)
        ),
        "bom": st.builds(lambda f: Mutation("bom", f), _forms),
        "crlf": st.builds(lambda f: Mutation("crlf", f), _forms),
        "cp1252": st.one_of(
            _cells("cp1252", TEXT_FIELDS, st.sampled_from(CP1252_TEXT)),
            _any_cell("cp1252", st.sampled_from(CP1252_TEXT)),
        ),
        "embedded": st.one_of(
            _cells("embedded", TEXT_FIELDS, st.sampled_from(EMBEDDED_TEXT)),
            _any_cell("embedded", st.sampled_from(EMBEDDED_TEXT)),
        ),
        "nul": st.builds(
            lambda f, r, c, at: Mutation("nul", f, r, c, size=at), _forms, _rows, st.integers(0, 40), st.integers(0, 30)
        ),
        "empty_file": st.builds(lambda f: Mutation("empty_file", f), _forms),
        "header_only": st.builds(lambda f: Mutation("header_only", f), _forms),
        "enormous": st.one_of(
            st.builds(
                lambda pair, r, n, b: Mutation("enormous", pair[0], r, pair[1], b, n),
                st.sampled_from(TEXT_FIELDS),
                _rows,
                st.integers(10_000, 20_000),
                st.sampled_from(["with blanks", "no blanks"]),
            ),
            st.builds(
                lambda f, r, c, n, b: Mutation("enormous", f, r, c, b, n),
                _forms,
                _rows,
                st.integers(0, 40),
                st.integers(10_000, 20_000),
                st.sampled_from(["with blanks", "no blanks"]),
            ),
        ),
        "drop_form": st.builds(lambda f: Mutation("drop_form", f), _forms),
        "extra_form": st.builds(
            lambda f, t, n: Mutation("extra_form", f, text=t, size=n),
            st.sampled_from(EXTRA_FORMS),
            st.sampled_from(["with subject", "no subject"]),
            st.integers(0, 3),
        ),
        "duplicate_header": st.builds(
            lambda f, c, t: Mutation("duplicate_header", f, column=c, text=t),
            _forms,
            st.integers(0, 40),
            st.sampled_from(["copy", "", "Yes", "other value"]),
        ),
        "chinese": st.one_of(
            _cells("chinese", TEXT_FIELDS, st.sampled_from(CHINESE_TEXT)),
            _any_cell("chinese", st.sampled_from(CHINESE_TEXT)),
        ),
        "outside_codelist": _cells("outside_codelist", CODED_FIELDS, st.sampled_from(OUTSIDE_CODELIST)),
        "partial_date": _cells("partial_date", DATE_FIELDS, st.sampled_from(PARTIAL_DATES)),
        "odd_number": _cells("odd_number", NUMBER_FIELDS, st.sampled_from(ODD_NUMBERS)),
        "blankish": _any_cell("blankish", st.sampled_from(BLANKISH)),
        "folder_named_csv": st.builds(lambda f: Mutation("folder_named_csv", f), st.sampled_from(FOLDER_NAMES)),
        "duplicate_row": st.builds(lambda f, r: Mutation("duplicate_row", f, r), _forms, _rows),
        "trailing_delimiter": st.builds(lambda f: Mutation("trailing_delimiter", f), _forms),
        "short_row": st.builds(lambda f, r, n: Mutation("short_row", f, r, size=n), _forms, _rows, st.integers(1, 3)),
        "drop_column": st.builds(lambda f, c: Mutation("drop_column", f, column=c), _forms, st.integers(0, 40)),
    }
    chosen = [s for k, s in everything.items() if kinds is None or k in kinds]
    return st.one_of(chosen)


ALL_KINDS = frozenset(
    {
        "shuffle_columns",
        "bom",
        "crlf",
        "cp1252",
        "embedded",
        "nul",
        "empty_file",
        "header_only",
        "enormous",
        "drop_form",
        "extra_form",
        "duplicate_header",
        "chinese",
        "outside_codelist",
        "partial_date",
        "odd_number",
        "blankish",
        "folder_named_csv",
        "duplicate_row",
        "trailing_delimiter",
        "short_row",
        "drop_column",
    }
)
# the mutations after which the export still holds every form and field the spec reads, each once
VALUE_KINDS = frozenset(
    {
        "shuffle_columns",
        "bom",
        "crlf",
        "embedded",
        "chinese",
        "outside_codelist",
        "partial_date",
        "odd_number",
        "enormous",
        "blankish",
        "duplicate_row",
    }
)


def exports(
    kinds: set[str] | frozenset[str] | None = None, max_mutations: int = 4
) -> st.SearchStrategy[GeneratedExport]:
    return st.builds(
        GeneratedExport, st.sampled_from(SEEDS), st.lists(mutations(kinds), max_size=max_mutations).map(tuple)
    )


# ---------------------------------------------------------------- the oracle: the csv module


def decoded(data: bytes) -> str | None:
    """The text of a file: UTF-8 (a byte order mark is not text); None when it is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def csv_records(text: str) -> list[list[str]]:
    """Every record the csv module reads, blank lines (no field at all) left out."""
    return [r for r in csv.reader(io.StringIO(text, newline="")) if r]


def csv_table(data: bytes) -> tuple[list[str], list[list[str]]] | None:
    """(header, data rows) of a CSV file as the csv module reads it (cp1252 when it is not UTF-8:
    the record structure is the same); None for a file without a header (0 bytes)."""
    text = decoded(data)
    if text is None:
        text = data.decode("cp1252", errors="replace")
    records = csv_records(text)
    if not records:
        return None
    return records[0], records[1:]


def data_rows(data: bytes) -> int:
    table = csv_table(data)
    return 0 if table is None else len(table[1])


def undecodable_place(data: bytes) -> dict[str, int] | None:
    """Where the first byte that is not UTF-8 is: its data row (1-based, the header not
    counted; 0 in the header), its record (1-based, the header counted) and its line
    in the file; None when the file is UTF-8."""
    body = data[len(BOM) :] if data.startswith(BOM) else data
    try:
        body.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        start = exc.start
    before = body[:start].decode("utf-8")
    records = len(list(csv.reader(io.StringIO(before + "x", newline=""))))
    return {"row": records - 1, "record": records, "line": body[:start].count(b"\n") + 1}


def names_place(message: str, place: dict[str, int]) -> bool:
    """Whether a message names the row (or line or record) of `place`."""
    numbers = {place["row"], place["record"], place["line"]}
    found = {int(n) for n in re.findall(r"\b(?:row|line|record)s?\s*:?\s*(\d+)", message, flags=re.IGNORECASE)}
    if place["row"] == 0 and re.search(r"\bheader\b", message, flags=re.IGNORECASE):
        return True
    return bool(found & numbers)


# ---------------------------------------------------------------- folders


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every entry below `root`: relative path -> bytes of a file, None for a folder."""
    out: dict[str, bytes | None] = {}
    for base, dirs, files in os.walk(root):
        here = Path(base)
        for d in dirs:
            out[(here / d).relative_to(root).as_posix()] = None
        for f in files:
            path = here / f
            out[path.relative_to(root).as_posix()] = path.read_bytes()
    return out


def read_csv_dicts(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
