"""SAS transport (XPT) version 5, bytes in and out with numpy.

The writer side of `xpt.write_xpt`: the header records and the fixed-width
observations, vectorised over whole columns; and the reader side its verification
uses (and the tests compare with pyreadstat): the header's layout and a decode of
every observation; and `check_complete`, whether a file's length fits its layout
(the readers refuse a file cut short, which pyreadstat reads as far as it goes).

The layout (SAS TS-140), every record 80 bytes:

    LIBRARY header, "SAS SAS SASLIB 6.06 bsd4.2 ... <created>", "<modified>"
    MEMBER header, DSCRPTR header, "SAS <name> SASDATA 6.06 bsd4.2 ... <created>",
    "<modified> <16 blanks> <dataset label, 40> <type, 8>"
    NAMESTR header (number of variables), one 140-byte namestr per variable,
    blank-padded to a whole record
    OBS header, then the observations back to back, blank-padded to a whole record.

Numbers are 8-byte IBM System/360 hexadecimal floats, big-endian; a SAS missing
value is 0x2E ('.') and seven zero bytes. Text is ASCII, left-aligned and padded
with blanks to the variable's length. The bytes are those pyreadstat (ReadStat)
writes for the same frame with `file_format_version=5`, timestamps aside: the
same overflow (binary exponent over 248 becomes the largest magnitude) and
underflow (below 2**-260 becomes 0) as its converter.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

RECORD = 80
NAMESTR_LEN = 140
BLANK = 0x20
MISSING_WORD = np.uint64(0x2E00000000000000)  # SAS '.' missing
# ReadStat's converter gives up above binary exponent 248 and below -260
MAX_EXPONENT = 248
MIN_EXPONENT = -260
_OVERFLOW = np.uint64(0x7FFFFFFFFFFFFFFF)
_SIGN = np.uint64(0x8000000000000000)
_MANTISSA = np.uint64(0x000FFFFFFFFFFFFF)
_HIDDEN = np.uint64(0x0010000000000000)
_IBM_MANTISSA = np.uint64(0x00FFFFFFFFFFFFFF)
# first byte of the SAS missing values . ._ .A-.Z (mantissa zero)
_MISSING_FIRST = np.zeros(256, dtype=bool)
_MISSING_FIRST[[0x2E, 0x5F, *range(0x41, 0x5B)]] = True

_HEADER = b"HEADER RECORD*******%-8sHEADER RECORD!!!!!!!"
NAMESTR_DTYPE = np.dtype(
    [
        ("ntype", ">i2"),
        ("nhfun", ">i2"),
        ("nlng", ">i2"),
        ("nvar0", ">i2"),
        ("nname", "S8"),
        ("nlabel", "S40"),
        ("nform", "S8"),
        ("nfl", ">i2"),
        ("nfd", ">i2"),
        ("nfj", ">i2"),
        ("nfill", "V2"),
        ("niform", "S8"),
        ("nifl", ">i2"),
        ("nifd", ">i2"),
        ("npos", ">i4"),
        ("rest", "V52"),
    ]
)
assert NAMESTR_DTYPE.itemsize == NAMESTR_LEN


class XptFormatError(ValueError):
    """Bytes that are not a SAS transport v5 file as this module reads them."""


# ---------------------------------------------------------------------------
# Numbers: IEEE 754 double <-> IBM System/360 hexadecimal float
# ---------------------------------------------------------------------------
def ibm_words(values: np.ndarray) -> np.ndarray:
    """float64 values as 64-bit IBM hex float words (uint64; store them big-endian).

    x = 1.f * 2**e is written as 0.M * 16**E with E = e//4 + 1 and M the 53-bit
    mantissa shifted left by e mod 4 (at most 56 bits, so exact). NaN is the SAS
    missing value; zero, -0 and |x| < 2**-260 are 0; |x| >= 2**249 and infinities
    are the largest magnitude with the sign (as ReadStat writes them).
    """
    x = np.ascontiguousarray(values, dtype=np.float64)
    bits = x.view(np.uint64)
    sign = bits & _SIGN
    exponent = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 1023
    mantissa = ((bits & _MANTISSA) | _HIDDEN) << (exponent & 3).astype(np.uint64)
    hexp = ((exponent >> 2) + 65).astype(np.uint64) << np.uint64(56)
    out = sign | hexp | mantissa
    under = exponent < MIN_EXPONENT  # zero, subnormals, tiny
    if under.any():
        out[under] = 0
    over = exponent > MAX_EXPONENT  # huge, inf, nan
    if over.any():
        out[over] = sign[over] | _OVERFLOW
        nan = np.isnan(x)
        out[nan] = MISSING_WORD
    return out


def ibm_bytes(values: np.ndarray) -> np.ndarray:
    """float64 values as an (n, 8) uint8 array of big-endian IBM hex floats."""
    return ibm_words(values).astype(">u8").view(np.uint8).reshape(-1, 8)


def ieee_from_ibm(words: np.ndarray) -> np.ndarray:
    """64-bit IBM hex float words (uint64, native order) as float64; SAS missing values as NaN,
    the overflow word (0x7FFFFFFFFFFFFFFF and its negative) as +-inf, as ReadStat reads them."""
    words = np.asarray(words, dtype=np.uint64)
    mantissa = words & _IBM_MANTISSA
    exponent = ((words >> np.uint64(56)) & np.uint64(0x7F)).astype(np.int32)
    out = np.ldexp(mantissa.astype(np.float64), 4 * (exponent - 64) - 56)
    out[(words & ~_SIGN) == _OVERFLOW] = np.inf  # what the writer makes of |x| >= 2**249 (as ReadStat reads it)
    negative = (words & _SIGN) != 0
    np.negative(out, out=out, where=negative)
    zero_mantissa = mantissa == 0
    if zero_mantissa.any():
        first = (words >> np.uint64(56)).astype(np.uint8)
        out[zero_mantissa & _MISSING_FIRST[first]] = np.nan
    return out


def ieee_from_ibm_bytes(block: np.ndarray) -> np.ndarray:
    """An (n, w) uint8 block of big-endian IBM floats (w 2..8, SAS drops trailing bytes) as float64."""
    n, width = block.shape
    if width == 8:
        words = np.ascontiguousarray(block).view(">u8").reshape(n).astype(np.uint64)
    else:
        full = np.zeros((n, 8), dtype=np.uint8)
        full[:, :width] = block
        words = full.view(">u8").reshape(n).astype(np.uint64)
    return ieee_from_ibm(words)


# ---------------------------------------------------------------------------
# Formats: 'DATE9.' -> ('DATE', 9, 0), as ReadStat parses them
# ---------------------------------------------------------------------------
_FORMAT = re.compile(r"^(\$?[A-Za-z_](?:[A-Za-z0-9_]*[A-Za-z_])?)?(\d*)(?:\.(\d*))?$")


def parse_format(text: str) -> tuple[str, int, int] | None:
    """(name, width, decimals) of a SAS format ('E8601DT19.3' -> ('E8601DT', 19, 3)); None if unparseable."""
    match = _FORMAT.match(text or "")
    if not match or not text:
        return None
    name, width, decimals = match.group(1) or "", match.group(2) or "0", match.group(3) or "0"
    if int(width) > 32767 or int(decimals) > 32767:
        return None
    return name, int(width), int(decimals)


# ---------------------------------------------------------------------------
# Headers
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """One variable of a transport file: what its namestr says."""

    name: str
    label: str
    numeric: bool
    length: int
    position: int
    format: tuple[str, int, int] | None = None  # (name, width, decimals)

    @property
    def format_text(self) -> str | None:
        """The format as ReadStat reports it ('DATE9', '8.2'), None when there is none."""
        if self.format is None:
            return None
        name, width, decimals = self.format
        text = name + (str(width) if width else "")
        return text + (f".{decimals}" if decimals else "")


def _pad(text: bytes, width: int) -> bytes:
    return text[:width].ljust(width, b" ")


def _record(text: bytes) -> bytes:
    return _pad(text, RECORD)


def _header_record(name: bytes, *numbers: int) -> bytes:
    nums = (list(numbers) + [0] * 6)[:6]
    return _record(_HEADER % name + b"".join(b"%05d" % n for n in nums))


def build_header(dataset: str, label: str, fields: list[Field], stamp: bytes) -> bytes:
    """Every header record up to and including the OBS header (ASCII names and labels)."""
    parts = [
        _header_record(b"LIBRARY"),
        _record(b"SAS     SAS     SASLIB  6.06    bsd4.2  " + b" " * 24 + stamp),
        _record(stamp),
        _header_record(b"MEMBER", 0, 0, 0, 160, 0, 140),
        _header_record(b"DSCRPTR"),
        _record(b"SAS     " + _pad(dataset.encode("ascii"), 8) + b"SASDATA 6.06    bsd4.2  " + b" " * 24 + stamp),
        _record(stamp + b" " * 16 + _pad(label.encode("ascii"), 40) + b" " * 8),
        _header_record(b"NAMESTR", 0, len(fields)),
    ]
    namestrs = np.zeros(len(fields), dtype=NAMESTR_DTYPE)
    for i, f in enumerate(fields):
        fmt_name, fmt_width, fmt_decimals = f.format or ("", 0, 0)
        namestrs[i] = (
            1 if f.numeric else 2,
            0,
            f.length,
            i + 1,
            _pad(f.name.encode("ascii"), 8),
            _pad(f.label.encode("ascii"), 40),
            _pad(fmt_name.encode("ascii"), 8),
            fmt_width,
            fmt_decimals,
            1 if f.numeric else 0,
            b"\0\0",
            b" " * 8,
            0,
            0,
            f.position,
            b"\0" * 52,
        )
    block = namestrs.tobytes()
    parts.append(block + b" " * (-len(block) % RECORD))
    parts.append(_header_record(b"OBS"))
    return b"".join(parts)


@dataclass(frozen=True)
class Layout:
    """What a transport file's headers say (its first member)."""

    dataset: str
    label: str
    created: bytes
    fields: tuple[Field, ...]
    data_offset: int  # where the observations start
    row_length: int


def read_layout(head: bytes) -> Layout:
    """Parse the header records of a v5 transport file (the bytes from its start on)."""

    def rec(i: int) -> bytes:
        return head[i * RECORD : (i + 1) * RECORD]

    library = _HEADER % b"LIBRARY"
    if len(head) < 8 * RECORD and head[: len(library)] == library[: len(head)]:
        raise XptFormatError(
            f"the file ends inside its header records ({len(head)} bytes; the header "
            f"records before the variables are {8 * RECORD}): it was cut short"
        )
    if not rec(0).startswith(library):
        raise XptFormatError("no LIBRARY header record: not a SAS transport v5 file")
    if not rec(3).startswith(_HEADER % b"MEMBER") or not rec(4).startswith(_HEADER % b"DSCRPTR"):
        raise XptFormatError("no MEMBER/DSCRPTR header records where expected")
    try:
        namestr_len = int(rec(3)[74:78])
    except ValueError as exc:
        raise XptFormatError(f"bad namestr length in the MEMBER header: {rec(3)!r}") from exc
    if namestr_len not in (136, 140):
        raise XptFormatError(f"namestr length {namestr_len}, expected 140 (or 136)")
    member = rec(5)
    dataset = member[8:16].decode("ascii", "replace").rstrip()
    created = member[64:80]
    label = rec(6)[32:72].decode("ascii", "replace").rstrip()
    if not rec(7).startswith(_HEADER % b"NAMESTR"):
        raise XptFormatError("no NAMESTR header record where expected")
    try:
        count = int(rec(7)[54:58])
    except ValueError as exc:
        raise XptFormatError(f"bad variable count in the NAMESTR header: {rec(7)!r}") from exc
    start = 8 * RECORD
    size = count * namestr_len
    raw = head[start : start + size]
    if len(raw) < size:
        raise XptFormatError(f"the file ends inside the namestr records ({count} variables): it was cut short")
    if namestr_len == 136:
        raw = b"".join(raw[i * 136 : (i + 1) * 136] + b"\0" * 4 for i in range(count))
    namestrs = np.frombuffer(raw, dtype=NAMESTR_DTYPE, count=count)
    obs = start + size + (-size % RECORD)
    if len(head) < obs + RECORD and head[obs:] == (_HEADER % b"OBS")[: max(0, len(head) - obs)]:
        raise XptFormatError("the file ends before the OBS header record: it was cut short")
    if not head[obs : obs + RECORD].startswith(_HEADER % b"OBS"):
        raise XptFormatError("no OBS header record after the namestr records")
    fields = []
    for ns in namestrs:
        form = ns["nform"].decode("ascii", "replace").rstrip()
        has_format = bool(form) or int(ns["nfl"]) or int(ns["nfd"])
        fields.append(
            Field(
                name=ns["nname"].decode("ascii", "replace").rstrip(),
                label=ns["nlabel"].decode("ascii", "replace").rstrip(),
                numeric=int(ns["ntype"]) == 1,
                length=int(ns["nlng"]),
                position=int(ns["npos"]),
                format=(form, int(ns["nfl"]), int(ns["nfd"])) if has_format else None,
            )
        )
    row_length = max((f.position + f.length for f in fields), default=0)
    return Layout(dataset, label, created, tuple(fields), obs + RECORD, row_length)


# ---------------------------------------------------------------------------
# Text columns: distinct values as a table of fixed-width rows
# ---------------------------------------------------------------------------
def text_table(joined: bytes, lengths: np.ndarray, width: int) -> np.ndarray:
    """(k + 1, width) uint8: row i the i-th value (its bytes `lengths[i]` long, all of them
    back to back in `joined`) left-aligned and blank-padded; the last row all blanks
    (missing), so codes of -1 pick it."""
    k = len(lengths)
    table = np.full((k + 1, width), BLANK, dtype=np.uint8)
    data = np.frombuffer(joined, dtype=np.uint8)
    if data.size:
        rows = np.repeat(np.arange(k), lengths)
        starts = np.cumsum(lengths) - lengths
        cols = np.arange(data.size) - np.repeat(starts, lengths)
        table[rows, cols] = data
    return table


def decode_text(block: np.ndarray, encoding: str = "ascii") -> list[str]:
    """Rows of an (n, w) uint8 block as text, trailing blanks removed (NUL bytes kept)."""
    n, width = block.shape
    raw = np.ascontiguousarray(block).tobytes()
    return [raw[i : i + width].rstrip(b" ").decode(encoding) for i in range(0, n * width, width)]


# ---------------------------------------------------------------------------
# A whole file: the observations decoded
# ---------------------------------------------------------------------------
def observation_rows(layout: Layout, data_length: int, data: np.ndarray | None = None) -> int:
    """Rows in `data_length` bytes of observations: whole rows, less trailing all-blank rows
    that fit in the final record's padding."""
    if layout.row_length == 0:
        return 0
    rows = data_length // layout.row_length
    if data is not None:
        while rows > 0 and (rows - 1) * layout.row_length > data_length - RECORD:
            row = data[(rows - 1) * layout.row_length : rows * layout.row_length]
            if not (row == BLANK).all():
                break
            rows -= 1
    return rows


# ---------------------------------------------------------------------------
# A whole file: does its length fit the layout?
# ---------------------------------------------------------------------------
_V8_START = b"HEADER RECORD*******LIB"  # LIBV8 (SAS transport version 8/9)


def _members(find, size: int, start: int) -> list[int]:
    """Offsets of the MEMBER header records (at record boundaries) from `start` on."""
    member = _HEADER % b"MEMBER"
    out = []
    at = find(member, start)
    while at != -1:
        if at % RECORD == 0:
            out.append(at)
        at = find(member, at + 1)
    return out


def check_complete(source) -> None:
    """Raise XptFormatError when the length of a transport file (a path, or its bytes) does not
    fit its layout: it is not a whole number of 80-byte records, it ends inside the header
    records or the namestrs, or its observations end inside an observation (what follows the
    last whole observation is more than the blank padding of the final record, or not blank).

    A version 5 file carries no record count, so a file cut on an observation boundary fits
    its layout; only its checksum can tell (dataset_io.outputs.manifest_problem). Of a version 8
    file only the whole records are checked. Bytes that are not a transport file at all are
    left to the reader to refuse.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
        size = len(raw)
        read_at = lambda offset, n: raw[offset : offset + n]  # noqa: E731
        scan = lambda: _members(raw.find, size, 0)  # noqa: E731
        return _check_complete(size, read_at, scan)
    import mmap

    with open(source, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size

        def read_at(offset: int, n: int) -> bytes:
            handle.seek(offset)
            return handle.read(n)

        def scan() -> list[int]:
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                return _members(view.find, size, 0)

        return _check_complete(size, read_at, scan)


def _check_complete(size: int, read_at, scan) -> None:
    first = read_at(0, RECORD)
    library = _HEADER % b"LIBRARY"
    v5 = first.startswith(library) or (size < RECORD and first == library[:size])
    if not v5 and not first.startswith(_V8_START):
        return  # not a transport file: the reader refuses it
    if size % RECORD:
        raise XptFormatError(f"{size:,} bytes are not a whole number of 80-byte records: the file was cut short")
    if not v5:
        return
    members = [3 * RECORD]
    layout = _member_layout(read_at, size, members[0])
    ends_ok = _observations_end(read_at, layout, layout.data_offset, size)
    if ends_ok is None:
        return
    # several members (a SAS library): each one's observations end where the next MEMBER header begins
    members = [at for at in scan() if at >= members[0]]
    if len(members) < 2:
        raise XptFormatError(ends_ok)
    for i, at in enumerate(members):
        layout = _member_layout(read_at, size, at)
        end = members[i + 1] if i + 1 < len(members) else size
        problem = _observations_end(read_at, layout, layout.data_offset, end)
        if problem is not None:
            raise XptFormatError(f"member {layout.dataset or i + 1}: {problem}")


def _member_layout(read_at, size: int, at: int) -> Layout:
    """The layout of the member whose MEMBER header is at `at` (offsets in the file)."""
    library = read_at(0, 3 * RECORD)
    head = read_at(at, 5 * RECORD)  # MEMBER, DSCRPTR, two descriptor records, NAMESTR
    try:
        count = int(head[4 * RECORD + 54 : 4 * RECORD + 58])
    except ValueError:
        count = 0
    namestrs = count * NAMESTR_LEN
    head += read_at(at + 5 * RECORD, namestrs + (-namestrs % RECORD) + RECORD)
    layout = read_layout(library + head)
    shift = at - 3 * RECORD
    return Layout(
        layout.dataset, layout.label, layout.created, layout.fields, layout.data_offset + shift, layout.row_length
    )


def _observations_end(read_at, layout: Layout, start: int, end: int) -> str | None:
    """Why the observations from `start` to `end` do not end with a whole observation and the
    blank padding of the final record (None when they do)."""
    length = end - start
    if layout.row_length == 0:
        return None
    rows, rest = divmod(length, layout.row_length)
    if rest == 0 or (rest < RECORD and not read_at(end - rest, rest).strip(b" ")):
        return None
    return (
        f"the file ends inside an observation: its {length:,} bytes of observations are {rows:,} "
        f"observations of {layout.row_length} bytes and {rest} bytes more, which are not the blank "
        f"padding of the last record: it was cut short"
    )


def read_observations(path, encoding: str = "ascii") -> tuple[Layout, dict[str, np.ndarray]]:
    """Every value of a v5 transport file: numbers float64 (missing NaN), text as str ('' for blank)."""
    with open(path, "rb") as handle:
        raw = handle.read()
    check_complete(raw)
    layout = read_layout(raw)
    data = np.frombuffer(raw, dtype=np.uint8, offset=layout.data_offset)
    n = observation_rows(layout, data.size, data)
    rows = (
        data[: n * layout.row_length].reshape(n, layout.row_length) if layout.row_length else np.zeros((0, 0), np.uint8)
    )
    out: dict[str, np.ndarray] = {}
    for f in layout.fields:
        block = rows[:, f.position : f.position + f.length]
        if f.numeric:
            out[f.name] = ieee_from_ibm_bytes(block)
        else:
            out[f.name] = np.array(decode_text(block, encoding), dtype=object)
    return layout, out
