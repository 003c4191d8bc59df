"""Our own transport v5 bytes: IBM floats, the same bytes as pyreadstat, read back by
pyreadstat as the frame, our decoder agreeing with pyreadstat on every value (a simulated
study's files and the SAS-written published ones), reproducible, corruption caught."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from shared_data import shared_path

import dataset_io.xpt as xpt
from dataset_io.readers import read_dataset
from dataset_io.xpt import (
    XptRoundTripError,
    XptRuleError,
    _fix_header_stamps,
    sas_timestamp,
    transport_frame,
    write_xpt,
)
from dataset_io.xpt_native import ibm_words, ieee_from_ibm, parse_format, read_layout, read_observations
from specs.model import Dataset, Spec, Study, Variable

# value -> the 8 bytes of its IBM System/360 hexadecimal float (as SAS and ReadStat write it)
KNOWN = [
    (0.0, "0000000000000000"),
    (-0.0, "0000000000000000"),
    (1.0, "4110000000000000"),
    (-1.0, "c110000000000000"),
    (0.1, "401999999999999a"),
    (0.5, "4080000000000000"),
    (100.0, "4264000000000000"),
    (1 / 3, "4055555555555554"),
    (-2.5e-05, "bd1a36e2eb1c432d"),
    (123456789.12345679, "4775bcd151f9add4"),
    (2.0**248, "7f10000000000000"),  # largest binary exponent ReadStat writes
    (2.0**-260, "0010000000000000"),  # smallest magnitude (16**-65)
    (1e-78, "001da48ce468e7c7"),
    (2.0**249, "7fffffffffffffff"),  # overflow: the largest magnitude, sign kept
    (-1e300, "ffffffffffffffff"),
    (np.inf, "7fffffffffffffff"),
    (5.3e-79, "0000000000000000"),  # underflow to zero
    (5e-324, "0000000000000000"),
    (np.nan, "2e00000000000000"),  # SAS missing '.'
]


def test_ibm_float_bytes_of_known_values():
    values = np.array([v for v, _ in KNOWN])
    words = ibm_words(values).astype(">u8").tobytes()
    assert [words[i * 8 : (i + 1) * 8].hex() for i in range(len(KNOWN))] == [h for _, h in KNOWN]


def test_ibm_floats_decode_exactly():
    words = np.array([int(h, 16) for _, h in KNOWN], dtype=np.uint64)
    back = ieee_from_ibm(words)
    for (value, _), got in zip(KNOWN, back, strict=False):
        if np.isnan(value):
            assert np.isnan(got)
        elif abs(value) >= 2.0**249:
            assert got == np.copysign(np.inf, value)  # as pyreadstat reads the overflow word
        elif abs(value) < 2.0**-260:
            assert got == 0.0
        else:
            assert got == value
    # the other SAS missing values (._ .A-.Z): first byte, zero mantissa
    assert np.isnan(ieee_from_ibm(np.array([0x5F << 56, 0x41 << 56, 0x5A << 56], dtype=np.uint64))).all()
    rng = np.random.default_rng(5)
    values = rng.standard_normal(20_000) * 10.0 ** rng.integers(-75, 74, 20_000)
    values = values[(np.abs(values) >= 2.0**-260) & (np.abs(values) < 2.0**249)]
    assert len(values) > 19_000 and (ieee_from_ibm(ibm_words(values)) == values).all()


def test_our_ibm_bytes_are_readstats_for_any_value(tmp_path):
    rng = np.random.default_rng(9)
    values = np.concatenate([[v for v, _ in KNOWN], rng.standard_normal(5_000) * 10.0 ** rng.integers(-80, 80, 5_000)])
    path = tmp_path / "n.xpt"
    pyreadstat.write_xport(pd.DataFrame({"A": values}), str(path), file_format_version=5)
    raw = path.read_bytes()
    start = raw.index(b"HEADER RECORD*******OBS") + 80
    theirs = np.frombuffer(raw[start : start + 8 * len(values)], dtype=">u8")
    assert (theirs == ibm_words(values)).all()


def test_formats_parse_as_readstat_parses_them():
    assert parse_format("DATE9.") == ("DATE", 9, 0)
    assert parse_format("E8601DT19.3") == ("E8601DT", 19, 3)
    assert parse_format("8.2") == ("", 8, 2)
    assert parse_format("$CHAR20.") == ("$CHAR", 20, 0)
    assert parse_format("DATETIME") == ("DATETIME", 0, 0)
    assert parse_format("X.Y") is None and parse_format("") is None


def _pyreadstat_bytes(frame, spec, dataset, path, stamp):
    prepared, formats = transport_frame(frame, spec, dataset)
    pyreadstat.write_xport(
        prepared,
        str(path),
        file_label=spec.dataset(dataset).label,
        column_labels=[v.label for v in spec.variables_of(dataset)],
        table_name=dataset,
        file_format_version=5,
        variable_format=formats or None,
    )
    _fix_header_stamps(str(path), sas_timestamp(stamp))
    return path.read_bytes()


def _mixed():
    """A frame of every kind of value: long and empty text, missing everywhere, extreme numbers, dates."""
    rng = np.random.default_rng(3)
    n = 1_003
    words = np.array(["", "A", "ALPHA BETA", "x" * 200, "  leading", "Z-9_%"], dtype=object)
    text = words[rng.integers(0, len(words), n)]
    text[rng.random(n) < 0.2] = None
    numbers = rng.standard_normal(n) * 10.0 ** rng.integers(-60, 60, n)
    numbers[rng.random(n) < 0.1] = np.nan
    numbers[:4] = [0.0, -0.0, 2.0**248, -(2.0**-260)]
    days = pd.to_datetime("1960-01-01") + pd.to_timedelta(rng.integers(-40_000, 40_000, n), unit="D")
    frame = pd.DataFrame(
        {
            "TXT": text,
            "NUM": numbers,
            "INT": rng.integers(-5, 1_000_000, n).astype(float),
            "DT": days,
            "DTM": days + pd.to_timedelta(rng.integers(0, 86_400, n), unit="s"),
            "EMPTY": [None] * n,
        }
    )
    frame.loc[5, "DT"] = pd.NaT
    variables = [
        Variable("MX", "TXT", 1, "Some text", "text", 200),
        Variable("MX", "NUM", 2, "A number", "float", 8),
        Variable("MX", "INT", 3, "A whole number", "integer", 8, display_format="8."),
        Variable("MX", "DT", 4, "A date", "date", 8, display_format="DATE9."),
        Variable("MX", "DTM", 5, "A datetime", "datetime", 8, display_format="E8601DT19."),
        Variable("MX", "EMPTY", 6, "Never filled", "text", 1),
    ]
    spec = Spec(
        study=Study((("StudyName", "T"),)), datasets=(Dataset("MX", "Mixed Values"),), variables=tuple(variables)
    )
    return frame, spec


@pytest.mark.parametrize("case", ["adsl", "mixed", "no rows"])
def test_our_bytes_are_pyreadstats_and_read_back_as_the_frame(case, tmp_path, make_spec, make_frame):
    frame, spec, name = (make_frame(), make_spec(), "ADSL") if case == "adsl" else (*_mixed(), "MX")
    if case == "no rows":
        frame = frame.iloc[:0]
    stamp = "2023-11-05T07:08:09"
    lengths = write_xpt(frame, spec, name, tmp_path / "ours.xpt", timestamp=stamp, verify="full")
    ours = (tmp_path / "ours.xpt").read_bytes()
    assert ours == _pyreadstat_bytes(frame, spec, name, tmp_path / "theirs.xpt", stamp)
    assert len(ours) % 80 == 0
    back, meta = read_dataset(tmp_path / "ours.xpt")
    assert meta.lengths == lengths
    if case == "mixed":
        expected = frame.assign(TXT=frame["TXT"].where(frame["TXT"] != "", None))
        assert lengths["TXT"] == 200 and lengths["EMPTY"] == 1
        assert meta.formats["DTM"] == "E8601DT19" and meta.formats["INT"] == "8"
        pd.testing.assert_frame_equal(back, expected, check_dtype=False)


@pytest.fixture(scope="module")
def study_files(tmp_path_factory):
    """A small simulated study's SDTM datasets written by ours (verify='full': pyreadstat agrees too)."""
    from sdtm_builder.build import build_sdtm
    from sdtm_builder.finish import drop_lineage
    from specs.model import restrict_to_data
    from specs.study import builtin_study
    from study_simulator.api import simulate

    root = tmp_path_factory.mktemp("xpt_study")
    simulate(25, 4, root / "raw")
    result = build_sdtm(root / "raw" / "edc", config=builtin_study())
    frames = {name: drop_lineage(result.final(name)) for name in result.datasets}
    spec = restrict_to_data(result.spec, {n: list(f.columns) for n, f in frames.items()})
    paths = []
    for name, frame in frames.items():
        path = root / "out" / f"{name.lower()}.xpt"
        write_xpt(frame, spec, name, path, verify="full")
        paths.append(path)
    return paths


def _assert_decoder_agrees_with_pyreadstat(path, encoding="ascii"):
    layout, ours = read_observations(path, encoding)
    back, meta = pyreadstat.read_xport(
        str(path), disable_datetime_conversion=True, encoding=None if encoding == "ascii" else "WINDOWS-1252"
    )
    assert [f.name for f in layout.fields] == list(meta.column_names)
    assert [f.label for f in layout.fields] == [x or "" for x in meta.column_labels]
    assert {f.name: f.length for f in layout.fields} == meta.variable_storage_width
    assert {f.name: f.format_text for f in layout.fields} == {
        k: v or None for k, v in meta.original_variable_types.items()
    }
    assert layout.dataset == meta.table_name and layout.label == (meta.file_label or "")
    for f in layout.fields:
        theirs = back[f.name].to_numpy()
        assert len(ours[f.name]) == len(theirs), path
        if f.numeric:
            theirs = theirs.astype("float64")
            same = (ours[f.name] == theirs) | (np.isnan(ours[f.name]) & np.isnan(theirs))
        else:
            same = ours[f.name] == theirs.astype(object)
        assert same.all(), (path.name, f.name, np.flatnonzero(~same)[:5])
    return sum(len(v) for v in ours.values())


def test_our_decoder_equals_pyreadstat_on_every_value_of_a_study(study_files):
    assert len(study_files) > 10
    assert sum(_assert_decoder_agrees_with_pyreadstat(p) for p in study_files) > 10_000


@pytest.mark.parametrize("folder", [("msg-sdtm-v2",), ("cdiscpilot01", "sdtm")])
def test_our_decoder_equals_pyreadstat_on_sas_written_files(folder):
    paths = sorted(shared_path("standards", "submissions", *folder).glob("*.xpt"))
    assert len(paths) > 10
    for path in paths:
        _assert_decoder_agrees_with_pyreadstat(path, "cp1252")


def test_same_bytes_whatever_the_run_and_only_the_stamps_follow_the_timestamp(tmp_path):
    frame, spec = _mixed()
    write_xpt(frame, spec, "MX", tmp_path / "a.xpt", timestamp="2024-06-30T00:00:00")
    write_xpt(frame.copy(), spec, "MX", tmp_path / "b.xpt", timestamp="2024-06-30T00:00:00")
    write_xpt(frame, spec, "MX", tmp_path / "c.xpt", timestamp="2031-02-03T04:05:06")
    a, b, c = ((tmp_path / f"{x}.xpt").read_bytes() for x in "abc")
    assert a == b
    assert a.count(b"30JUN24:00:00:00") == 4 and c.count(b"03FEB31:04:05:06") == 4
    assert a.replace(b"30JUN24:00:00:00", b"03FEB31:04:05:06") == c
    assert read_layout(a).created == b"30JUN24:00:00:00"


def _corrupting(monkeypatch, where):
    """Make write_xpt's writer flip one byte at the offset `where(bytes)` gives."""
    original = xpt._write_rows

    def write_then_flip(handle, plan):
        original(handle, plan)
        handle.flush()
        with open(handle.name, "rb") as f:
            data = f.read()
        offset = where(data, plan)
        handle.seek(offset)
        handle.write(bytes([data[offset] ^ 0x01]))
        handle.seek(0, 2)

    monkeypatch.setattr(xpt, "_write_rows", write_then_flip)


@pytest.mark.parametrize(
    "place", ["numeric", "text", "missing text", "padding", "dataset label", "format width", "variable length"]
)
def test_a_flipped_byte_is_caught_and_nothing_is_left(place, tmp_path, monkeypatch, make_spec, make_frame):
    frame, spec = make_frame(), make_spec()
    start = lambda plan: len(plan.header)  # noqa: E731
    offsets = {
        "numeric": lambda data, plan: start(plan) + plan.row_length + 17 + 3,  # row 2, HEIGHT
        "text": lambda data, plan: start(plan) + 2 * plan.row_length + 2 + 6,  # row 3, USUBJID '3'
        "missing text": lambda data, plan: start(plan) + plan.row_length - 1,  # row 1, DTHFL blank
        "padding": lambda data, plan: len(data) - 1,  # blank after the last row
        "dataset label": lambda data, plan: 6 * 80 + 33,  # 'u' of Subject
        "format width": lambda data, plan: 8 * 80 + 4 * 140 + 65,  # TRTSDT nfl 9 -> 8
        "variable length": lambda data, plan: 8 * 80 + 1 * 140 + 5,  # USUBJID nlng 7 -> 6
    }
    _corrupting(monkeypatch, offsets[place])
    with pytest.raises(XptRoundTripError) as caught:
        write_xpt(frame, spec, "ADSL", tmp_path / "adsl.xpt")
    assert "does not read back as written" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_flipped_byte_in_a_big_file_is_caught(tmp_path, monkeypatch):
    frame, spec = _mixed()
    frame = pd.concat([frame] * 40, ignore_index=True)  # several write chunks
    _corrupting(monkeypatch, lambda data, plan: len(plan.header) + (len(frame) - 7) * plan.row_length + 100)
    with pytest.raises(XptRoundTripError, match=rf"TXT row {len(frame) - 6}: reads back as"):
        write_xpt(frame, spec, "MX", tmp_path / "mx.xpt")
    assert list(tmp_path.iterdir()) == []


def test_numbers_a_transport_file_cannot_hold_and_bad_formats_are_breaches(tmp_path, make_spec, make_frame):
    frame = make_frame()
    frame["HEIGHT"] = [1e80, 1e-300, 5.0]
    spec = make_spec(extra_variables=[Variable("ADSL", "BADF", 8, "Bad format", "float", 8, display_format="X.Y")])
    frame["BADF"] = [1.0, 2.0, 3.0]
    with pytest.raises(XptRuleError) as caught:
        write_xpt(frame, spec, "ADSL", tmp_path / "adsl.xpt")
    assert {(b.rule, b.variable, b.row) for b in caught.value.breaches} == {
        ("numeric-range", "HEIGHT", 1),
        ("numeric-range", "HEIGHT", 2),
        ("format-syntax", "BADF", None),
    }


def test_each_distinct_text_value_is_tested_once_and_every_row_reported(tmp_path, make_spec, make_frame):
    frame = pd.concat([make_frame()] * 1_000, ignore_index=True)
    frame.loc[[10, 2_500], "DTHFL"] = "Y "
    frame.loc[7, "STUDYID"] = 5
    with pytest.raises(XptRuleError) as caught:
        write_xpt(frame, make_spec(), "ADSL", tmp_path / "adsl.xpt")
    assert {(b.rule, b.variable, b.row) for b in caught.value.breaches} == {
        ("trailing-blank", "DTHFL", 11),
        ("trailing-blank", "DTHFL", 2_501),
        ("text-type", "STUDYID", 8),
    }
