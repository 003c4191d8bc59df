"""Generated raw date and time texts, each with what it should read as.

A text is made of parts (day, month, year; hour, minute), each known, unknown
(UN, UNK, ...: what EDC systems write) or junk, written in one of the raw
formats. The expected ISO 8601 value follows the rules SDTM sets and the
project's docs state, computed here in plain Python:

- a complete date is YYYY-MM-DD, when the calendar has that day;
- nothing is imputed: the parts up to the last known one are written, an
  unknown one before it as "-" (2021-03, 2021---12, --03-12, -----T10:30);
- a text with a junk part, a day the calendar does not have, or that does not
  follow the format cannot be read: no value, and flagged unreadable;
- a read text with an unknown part is flagged partial.

Free text is text a read form can hold: the reader takes control characters
out of every value, so none are generated here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from generated_exports import read_text
from hypothesis import strategies as st

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
UNKNOWN = ("UN", "UNK", "UNKN", "XX", "un", "Unk")
DATE_FORMATS = ("DD MON YYYY", "DD-MON-YYYY", "MM/DD/YYYY", "YYYY-MM-DD")
MOST_DAYS = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


@dataclass(frozen=True)
class Part:
    """One part of a date or time: its text, and its number when known (None: unknown;
    `junk`: the text is not a value of this part)."""

    text: str
    number: int | None = None
    junk: bool = False


def _known(low: int, high: int, widths: tuple[int, ...] = (2,)):
    return st.builds(lambda n, w: Part(f"{n:0{w}d}", n), st.integers(low, high), st.sampled_from(widths))


def _unknown():
    return st.sampled_from(UNKNOWN).map(lambda t: Part(t))


def _junk(texts):
    return st.sampled_from(texts).map(lambda t: Part(t, junk=True))


days = st.one_of(_known(1, 31, (1, 2)), _unknown(), _junk(["0", "00", "32", "99", "AB", "1X"]))
month_names = st.one_of(
    st.builds(
        lambda m, case: Part(case(MONTHS[m - 1]), m),
        st.integers(1, 12),
        st.sampled_from([str.upper, str.lower, str.title]),
    ),
    _unknown(),
    _junk(["MAR.", "SEPT", "M", "13", "ABC", "JUNE"]),
)
month_numbers = st.one_of(_known(1, 12, (1, 2)), _unknown(), _junk(["0", "00", "13", "AB"]))
years = st.one_of(_known(1900, 2100, (4,)), _unknown(), _junk(["21", "ABCD", "1O21", "202"]))
hours = st.one_of(_known(0, 23), _unknown(), _junk(["24", "AB", "7P"]))
minutes = st.one_of(_known(0, 59), _unknown(), _junk(["60", "AB"]))


@dataclass(frozen=True)
class DateText:
    """A raw date text and its parts (None parts: the text is blank or free junk)."""

    text: str
    fmt: str
    day: Part | None = None
    month: Part | None = None
    year: Part | None = None

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _render(fmt: str, day: Part, month: Part, year: Part, space: str) -> str:
    text = fmt.replace("YYYY", "\x01").replace("MON", "\x02").replace("MM", "\x02").replace("DD", "\x03")
    text = text.replace(" ", space)
    return text.replace("\x01", year.text).replace("\x02", month.text).replace("\x03", day.text)


@st.composite
def date_texts(draw, fmt: str | None = None) -> DateText:
    """A raw date text written in `fmt` (one of DATE_FORMATS when None), blank, or free text."""
    fmt = fmt or draw(st.sampled_from(DATE_FORMATS))
    kind = draw(st.sampled_from(["parts"] * 6 + ["blank", "free"]))
    if kind == "blank":
        return DateText(draw(st.sampled_from(["", " ", "  \t"])), fmt)
    if kind == "free":
        return DateText(draw(read_text(14)), fmt)
    year = draw(years)
    day = draw(days) if "DD" in fmt else Part("")  # a part the format lacks is unknown
    month = draw(month_names if "MON" in fmt else month_numbers) if "M" in fmt else Part("")
    space = draw(st.sampled_from([" ", " ", "  ", "\t"]))
    around = draw(st.sampled_from([("", ""), (" ", ""), ("", "  "), ("\t", " ")]))
    text = around[0] + _render(fmt, day, month, year, space) + around[1]
    return DateText(text, fmt, day, month, year)


@dataclass(frozen=True)
class TimeText:
    text: str
    hour: Part | None = None
    minute: Part | None = None

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@st.composite
def time_texts(draw) -> TimeText:
    """A raw time text in HH:MI, or blank."""
    if draw(st.integers(0, 5)) == 0:
        return TimeText(draw(st.sampled_from(["", " "])))
    hour, minute = draw(hours), draw(minutes)
    return TimeText(f"{hour.text}:{minute.text}", hour, minute)


@dataclass(frozen=True)
class Expected:
    """What a raw text should read as: `iso` (None: no value), `unreadable`, `partial`.
    `free`: free text, which the format may or may not read; all that must hold is that
    it is not lost (a value, or flagged). `flagged`: no value, flagged unreadable or
    partial (either: every part is unknown)."""

    iso: str | None
    unreadable: bool
    partial: bool
    free: bool = False
    flagged: bool = False


def expected_date(date: DateText, time: TimeText | None = None) -> Expected:
    """What `date` (and `time`) should read as (see the module text)."""
    timed = time is not None and not time.blank
    if date.blank:
        # a time without a date has nothing to be placed on; it must not vanish unflagged
        return Expected(None, False, False, free=True) if timed else Expected(None, False, False)
    if date.day is None:
        return Expected(None, True, False, free=True)
    parts = [date.year, date.month, date.day]
    if any(p.junk for p in parts):
        return Expected(None, True, False)
    year, month, day = (p.number for p in parts)
    if None not in (year, month, day):
        try:
            dt.date(year, month, day)
        except ValueError:
            return Expected(None, True, False)
    elif month is not None and day is not None and day > MOST_DAYS[month]:
        return Expected(None, True, False)  # 31 APR of an unknown year: no year has it
    numbers: list[int | None] = [year, month, day]
    time_bad = False
    if timed:
        if time.hour.junk or time.minute.junk:
            time_bad = True  # flagged; the date stands
            numbers += [None, None]
        else:
            numbers += [time.hour.number, time.minute.number]
    known = [n is not None for n in numbers]
    if not any(known):
        return Expected(None, True, True, flagged=True)  # every part unknown: no value, but flagged
    last = max(i for i, k in enumerate(known) if k)
    iso = ""
    for i in range(last + 1):
        n = numbers[i]
        iso += ("", "-", "-", "T", ":")[i] + (f"{n:0{(4, 2, 2, 2, 2)[i]}d}" if n is not None else "-")
    complete = all(known[: max(last + 1, 3)])
    return Expected(iso, time_bad, not complete)


ISO_8601 = r"(\d{4}|-)(-(\d{2}|-)(-(\d{2}|-)(T(\d{2}|-)(:(\d{2}|-)(:(\d{2}|-))?)?)?)?)?"
