"""Properties of the raw date parser (sdtm_builder.dates) on generated date and time texts.

Each generated text carries what it should read as (date_texts: the rules of
SDTM and of the project's docs, in plain Python). The parser must give exactly
that value and those flags; free text it may read or not, but never lose (a
non-blank text is a value or flagged). No exception escapes.
"""

from __future__ import annotations

import datetime as dt
import math
import re

import pandas as pd
from date_texts import DATE_FORMATS, ISO_8601, DateText, Part, date_texts, expected_date, time_texts
from generated_exports import examples
from hypothesis import event, given
from hypothesis import strategies as st

from sdtm_builder.algorithms import parse_dates_any
from sdtm_builder.dates import compute_study_day, parse_dates


def _check_reading(texts: list[str], expected, iso, unreadable, partial) -> None:
    assert len(iso) == len(unreadable) == len(partial) == len(texts), "[dates-length] one reading per text"
    for i, (text, want) in enumerate(zip(texts, expected, strict=False)):
        got = (iso.iloc[i], bool(unreadable.iloc[i]), bool(partial.iloc[i]))
        if want.free:
            value = got[0]
            assert value is not None or got[1] or got[2], (
                f"[dates-value-lost] {text!r}: no value and not flagged (unreadable or partial)"
            )
            assert value is None or re.fullmatch(ISO_8601, value), f"[dates-not-iso] {text!r} -> {value!r}"
            continue
        if want.flagged:
            assert got[0] is None and (got[1] or got[2]), (
                f"[dates-unknown-parts] {text!r}: every part unknown, read as {got}; expected no value, flagged"
            )
            continue
        assert got[0] == want.iso, f"[dates-iso] {text!r}: {got[0]!r}, expected {want.iso!r}"
        assert got[1] == want.unreadable, (
            f"[dates-unreadable] {text!r}: unreadable={got[1]}, expected {want.unreadable}"
        )
        assert got[2] == want.partial, f"[dates-partial] {text!r}: partial={got[2]}, expected {want.partial}"


@examples(ci=60, long=3000)
@given(fmt=st.sampled_from(DATE_FORMATS), data=st.data())
def test_parse_dates_reads_each_text_as_the_rules_say(fmt, data):
    """Every generated date text in one format: the ISO value, unreadable and partial flags as
    expected; repeated texts (the parser reads each distinct text once) read alike."""
    dates = data.draw(st.lists(date_texts(fmt), min_size=1, max_size=12))
    dates = dates + data.draw(st.lists(st.sampled_from(dates), max_size=4))  # repeats
    texts = [d.text for d in dates]
    parsed = parse_dates(pd.Series(texts, dtype=object), fmt)
    _check_reading(texts, [expected_date(d) for d in dates], parsed.iso, parsed.unreadable, parsed.partial)
    event(f"formats: {fmt}")


def test_a_partial_date_with_a_day_no_year_has_is_unreadable():
    """30 FEB and 31 APR of an unknown year, which the property above finds only now and then
    (no calendar has those days): unreadable, as a complete 31 FEB is."""
    dates = [
        DateText(text, "DD MON YYYY", Part(day, int(day)), Part(mon, month), Part("UN"))
        for text, day, mon, month in (("30 FEB UN", "30", "FEB", 2), ("31 APR UNKN", "31", "APR", 4))
    ]
    parsed = parse_dates(pd.Series([d.text for d in dates], dtype=object), "DD MON YYYY")
    _check_reading(
        [d.text for d in dates], [expected_date(d) for d in dates], parsed.iso, parsed.unreadable, parsed.partial
    )


@examples(ci=60, long=3000)
@given(data=st.data())
def test_parse_dates_with_times(data):
    """Dates (DD MON YYYY) with times (HH:MI): the time's parts follow the date's; an
    unreadable time is flagged and the date stands; a time is never dropped unflagged."""
    pairs = data.draw(st.lists(st.tuples(date_texts("DD MON YYYY"), time_texts()), min_size=1, max_size=12))
    texts = [f"{d.text!r} {t.text!r}" for d, t in pairs]
    parsed = parse_dates(
        pd.Series([d.text for d, _ in pairs], dtype=object),
        "DD MON YYYY",
        pd.Series([t.text for _, t in pairs], dtype=object),
        "HH:MI",
    )
    _check_reading(texts, [expected_date(d, t) for d, t in pairs], parsed.iso, parsed.unreadable, parsed.partial)


@examples(ci=40, long=2000)
@given(formats=st.sampled_from([("DD MON YYYY", "YYYY"), ("MM/DD/YYYY", "YYYY-MM-DD")]), data=st.data())
def test_alternative_formats_read_each_text_with_the_format_it_is_in(formats, data):
    """`format=A|B`: a text written in either format reads as that format says (the
    formats generated here never read each other's texts)."""
    dates = data.draw(st.lists(st.one_of(*(date_texts(f) for f in formats)), min_size=1, max_size=10))
    texts = [d.text for d in dates]
    parsed = parse_dates_any(pd.Series(texts, dtype=object), "|".join(formats))
    _check_reading(texts, [expected_date(d) for d in dates], parsed.iso, parsed.unreadable, parsed.partial)


_day = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2060, 12, 31))


@st.composite
def _dtc(draw) -> tuple[str | None, dt.date | None]:
    """An ISO 8601 value and its complete date (None when it has none)."""
    day = draw(_day)
    kind = draw(st.sampled_from(["date", "datetime", "month", "year", "none", "unknown month"]))
    if kind == "date":
        return day.isoformat(), day
    if kind == "datetime":
        return f"{day.isoformat()}T{draw(st.integers(0, 23)):02d}:{draw(st.integers(0, 59)):02d}", day
    if kind == "month":
        return day.isoformat()[:7], None
    if kind == "year":
        return day.isoformat()[:4], None
    if kind == "unknown month":
        return f"{day.year}---{day.day:02d}", None
    return None, None


@examples(ci=60, long=3000)
@given(pairs=st.lists(st.tuples(_dtc(), _dtc()), min_size=1, max_size=15))
def test_study_day_counts_from_the_reference_with_no_day_zero(pairs):
    """--DY: day 1 on the reference date, the day before is -1, never 0; missing when
    either date is not complete."""
    days = compute_study_day(
        pd.Series([p[0][0] for p in pairs], dtype=object), pd.Series([p[1][0] for p in pairs], dtype=object)
    )
    for (date, ref), got in zip(pairs, days.tolist(), strict=False):
        if date[1] is None or ref[1] is None:
            assert math.isnan(got), f"[study-day] {date[0]!r} from {ref[0]!r}: {got}, expected missing"
            continue
        diff = (date[1] - ref[1]).days
        assert got == (diff + 1 if diff >= 0 else diff), f"[study-day] {date[0]!r} from {ref[0]!r}: {got}"
