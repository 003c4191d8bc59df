"""The simulated study's submission: the spec, the transport files and define.xml agree on
every variable's name (and order), label, type, length and codelist; define.xml passes
the Define-XML 2.1 schema and the OID check. SDTM always; ADaM once the ADaM builder
exists."""

from __future__ import annotations

import importlib.util

import pytest

from dataset_io.readers import read_dataset
from dataset_io.xpt import is_numeric_variable
from define_xml.check import check_define
from define_xml.read import read_define

_ISO_TYPES = (
    "date",
    "datetime",
    "time",
    "partialDate",
    "partialTime",
    "partialDatetime",
    "incompleteDatetime",
    "durationDatetime",
    "intervalDatetime",
)


def _stage(simulated_export, stage):
    if stage == "adam" and importlib.util.find_spec("adam_builder.build") is None:
        pytest.skip("adam_builder/build.py (build_adam) does not exist yet: SDTM only")
    return simulated_export[stage]


@pytest.mark.parametrize("stage", ["sdtm", "adam"])
def test_spec_transport_files_and_define_agree_on_every_variable(simulated_export, stage):
    s = _stage(simulated_export, stage)
    spec = s.spec
    assert check_define(s.folder / "define.xml") == []
    define, notes = read_define(s.folder / "define.xml")
    assert sorted(d.name for d in define.datasets) == sorted(s.frames) == sorted(d.name for d in spec.datasets)
    problems, checked = [], 0
    for ds in define.datasets:
        frame, meta = read_dataset(s.folder / ds.leaf_href)
        spec_vars = spec.variables_of(ds.name)
        defined = {v.name: v for v in define.variables_of(ds.name)}
        names = [v.name for v in spec_vars]
        if not (names == list(defined) == list(frame.columns) == list(meta.labels)):
            problems.append(
                f"{ds.name}: variables differ: spec {names}, define {list(defined)}, file {list(frame.columns)}"
            )
            continue
        if not (spec.dataset(ds.name).label == ds.label == meta.label):
            problems.append(
                f"{ds.name}: dataset label spec {spec.dataset(ds.name).label!r}, define {ds.label!r}, "
                f"file {meta.label!r}"
            )
        for sv in spec_vars:
            dv, where = defined[sv.name], f"{ds.name}.{sv.name}"
            checked += 1
            if not (sv.label == dv.label == meta.labels[sv.name]):
                problems.append(f"{where}: label spec {sv.label!r}, define {dv.label!r}, file {meta.labels[sv.name]!r}")
            numeric = is_numeric_variable(sv)
            if meta.types[sv.name] != ("numeric" if numeric else "text"):
                problems.append(f"{where}: stored as {meta.types[sv.name]}, spec type {sv.data_type}")
            if dv.data_type != sv.data_type:
                problems.append(f"{where}: type spec {sv.data_type}, define {dv.data_type}")
            width = meta.lengths[sv.name]
            if numeric:
                if width != 8 or (dv.length not in (None, 8)):
                    problems.append(f"{where}: numeric length file {width}, define {dv.length}")
            else:
                longest = max((len(x.encode("utf-8")) for x in frame[sv.name].dropna()), default=0)
                if width != max(longest, 1):
                    problems.append(f"{where}: file length {width}, longest value {longest}")
                if dv.data_type not in _ISO_TYPES and dv.length != width:
                    problems.append(f"{where}: define length {dv.length}, file length {width}")
                if sv.length is not None and width > sv.length:
                    problems.append(f"{where}: file length {width} over the spec's {sv.length}")
            if (sv.codelist or None) != (dv.codelist or None):
                problems.append(f"{where}: codelist spec {sv.codelist}, define {dv.codelist}")
            elif sv.codelist and not spec.has_codelist(sv.codelist):  # an external dictionary (MedDRA)
                ours = {(x.id, x.dictionary, x.version) for x in spec.dictionaries if x.id == sv.codelist}
                theirs = {(x.id, x.dictionary, x.version) for x in define.dictionaries if x.id == dv.codelist}
                if not ours or ours != theirs:
                    problems.append(f"{where}: dictionary spec {ours}, define {theirs}")
            elif sv.codelist:
                ours, theirs = spec.codelist(sv.codelist), define.codelist(dv.codelist)
                if ours.submission_values != theirs.submission_values:
                    problems.append(
                        f"{where}: codelist {sv.codelist} terms differ: spec only "
                        f"{sorted(ours.submission_values - theirs.submission_values)}, define only "
                        f"{sorted(theirs.submission_values - ours.submission_values)}"
                    )
                used = {
                    (str(int(x)) if float(x).is_integer() else repr(float(x))) if numeric else x
                    for x in frame[sv.name].dropna()
                } - {""}
                if ours.terms and not ours.extensible and not used <= ours.submission_values:
                    problems.append(
                        f"{where}: values {sorted(used - ours.submission_values)} not in closed codelist {sv.codelist}"
                    )
    assert not problems, f"{len(problems)} disagreement(s):\n" + "\n".join(problems[:40])
    assert checked == len(spec.variables)
