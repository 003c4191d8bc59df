"""The published, SAS-written transport files (the CDISC pilot SDTM and the SDTM MSG v2
sample): each read and written back with our writer gives the same values and attributes;
each MSG v2 XPT reads as the same frame as its Dataset-JSON twin.

Attributes compared: dataset name and label, variable names and order, labels, types
(text / numeric) and display formats. Lengths are the one deliberate difference: SAS
pads (AETERM $200); our writer gives each text variable the length of its longest value
(FDA TCG), so the written length is that, and never more than the source's.

The pilot's define.xml is Define-XML 1.0, which define_xml.read does not read: its spec
comes from the files' own metadata (readers.spec_from_metadata) with the dataset labels
the define gives (the pilot's XPT headers carry none). Its ts.xpt holds cp1252 text (a
right single quotation mark): it is read as Windows-1252 and said so, and writing it back
is refused with every non-ASCII value listed, never a crash.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from lxml import etree
from shared_data import shared_path

from dataset_io.readers import read_dataset, spec_from_metadata
from dataset_io.xpt import XptRuleError, write_xpt
from define_xml.read import read_define
from specs.model import restrict_to_data

PILOT = ("standards", "submissions", "cdiscpilot01", "sdtm")
MSG = ("standards", "submissions", "msg-sdtm-v2")
PILOT_FILES = [
    "ae",
    "cm",
    "dm",
    "ds",
    "ex",
    "mh",
    "relrec",
    "sc",
    "se",
    "suppae",
    "suppdm",
    "suppds",
    "sv",
    "ta",
    "te",
    "ti",
    "tv",
]
MSG_FILES = [
    "ae",
    "cm",
    "dd",
    "di",
    "dm",
    "ds",
    "ec",
    "ex",
    "fa",
    "ie",
    "lb",
    "mh",
    "oe",
    "qsph",
    "qssl",
    "relrec",
    "rs",
    "se",
    "suppdm",
    "suppec",
    "sv",
    "ta",
    "te",
    "ti",
    "ts",
    "tv",
    "vs",
]


def _define10_labels(path: Path) -> dict[str, str]:
    """Dataset name -> def:Label of a Define-XML 1.0 document."""
    tree = etree.parse(str(path))
    out = {}
    for group in tree.iter("{http://www.cdisc.org/ns/odm/v1.2}ItemGroupDef"):
        label = group.get("{http://www.cdisc.org/ns/def/v1.0}Label")
        if label:
            out[group.get("Name")] = label
    return out


def _round_trip(source: Path, spec, tmp_path: Path, expected_label=None):
    frame, meta = read_dataset(source)
    name = meta.name
    target = tmp_path / source.name
    lengths = write_xpt(frame, spec, name, target)
    back, written = read_dataset(target)
    pd.testing.assert_frame_equal(back, frame, check_dtype=True, obj=f"{source.name} values")
    assert written.name == name
    assert written.label == (expected_label if expected_label is not None else meta.label)
    assert list(written.labels.items()) == list(meta.labels.items()), f"{source.name}: variable labels"
    assert written.types == meta.types, f"{source.name}: types"
    assert {k: (v or None) for k, v in written.formats.items()} == {k: (v or None) for k, v in meta.formats.items()}
    for column, width in written.lengths.items():
        if written.types[column] == "text":
            longest = max((len(x.encode("utf-8")) for x in frame[column].dropna()), default=0)
            assert width == max(longest, 1) == lengths[column], (source.name, column)
            assert width <= meta.lengths[column], (source.name, column)
        else:
            assert width == meta.lengths[column] == 8, (source.name, column)
    return meta


@pytest.mark.parametrize("name", PILOT_FILES)
def test_pilot_xpt_writes_back_with_the_same_values_and_attributes(name, tmp_path):
    folder = shared_path(*PILOT)
    labels = _define10_labels(folder / "define.xml")
    frame, meta = read_dataset(folder / f"{name}.xpt")
    assert meta.label is None, "the pilot's XPT headers carry no dataset label (its define.xml does)"
    spec = spec_from_metadata({meta.name: meta})
    spec = spec.__class__(
        study=spec.study,
        variables=spec.variables,
        datasets=tuple(d.__class__(d.name, labels[d.name], leaf=d.leaf) for d in spec.datasets),
    )
    _round_trip(folder / f"{name}.xpt", spec, tmp_path, expected_label=labels[meta.name])


def test_pilot_ts_cp1252_text_is_read_and_reported_on_writing(tmp_path):
    folder = shared_path(*PILOT)
    frame, meta = read_dataset(folder / "ts.xpt")
    assert meta.encoding == "WINDOWS-1252"
    odd = frame["TSVAL"].dropna()
    odd = odd[~odd.map(str.isascii)]
    assert len(odd) >= 1 and all("\u2019" in v for v in odd)
    spec = spec_from_metadata({"TS": meta})
    spec = spec.__class__(
        study=spec.study, variables=spec.variables, datasets=(spec.datasets[0].__class__("TS", "Trial Summary"),)
    )
    with pytest.raises(XptRuleError) as caught:
        write_xpt(frame, spec, "TS", tmp_path / "ts.xpt")
    reported = {b.row for b in caught.value.breaches if b.rule == "non-ascii"}
    assert reported == {int(i) + 1 for i in odd.index}
    assert all(b.variable == "TSVAL" for b in caught.value.breaches)
    assert f"TS.TSVAL row {min(reported)}: value" in str(caught.value)
    assert not (tmp_path / "ts.xpt").exists()
    # the rest of the file round-trips once those values are made ASCII (as the SDTM builder would)
    fixed = frame.assign(TSVAL=frame["TSVAL"].map(lambda v: v.replace("\u2019", "'") if isinstance(v, str) else v))
    write_xpt(fixed, spec, "TS", tmp_path / "ts.xpt")
    back, _ = read_dataset(tmp_path / "ts.xpt")
    pd.testing.assert_frame_equal(back, fixed)


@pytest.fixture(scope="module")
def msg_spec():
    spec, notes = read_define(shared_path(*MSG, "define.xml"))
    return spec


@pytest.mark.parametrize("name", MSG_FILES)
def test_msg_xpt_writes_back_with_the_same_values_and_attributes(name, msg_spec, tmp_path):
    source = shared_path(*MSG, f"{name}.xpt")
    frame, meta = read_dataset(source)
    spec = restrict_to_data(msg_spec, {meta.name: list(frame.columns)})
    meta = _round_trip(source, spec, tmp_path)
    assert meta.label == msg_spec.dataset(meta.name).label


@pytest.mark.parametrize("name", MSG_FILES)
def test_msg_xpt_reads_as_its_dataset_json_twin(name):
    folder = shared_path(*MSG)
    from_xpt, xmeta = read_dataset(folder / f"{name}.xpt")
    from_json, jmeta = read_dataset(folder / f"{name}.json")
    pd.testing.assert_frame_equal(from_json, from_xpt, check_dtype=False, obj=f"{name}: Dataset-JSON vs XPT")
    assert jmeta.label == xmeta.label
    assert jmeta.labels == xmeta.labels
