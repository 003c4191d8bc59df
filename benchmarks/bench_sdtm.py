"""SDTM build speed and memory against the read-and-write floor.

For each size: simulate the study (not timed), then in separate child processes
(so each peak memory is its own):
- build: read the raw export, map every domain, finish, validate, write the XPT
  files and reports (`build_sdtm` + `write_sdtm`);
- floor: only read the raw CSVs and write the same XPT files (the SDTM frames
  are prepared beforehand and not timed).
Prints wall seconds, peak RSS and the ratio build / floor.

    python benchmarks/bench_sdtm.py [--sizes 1000 10000 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from benchmarks.harness import run_child  # noqa: E402


def _child_build(raw: str, out: str) -> dict:
    from sdtm_builder.build import build_sdtm, write_sdtm
    from specs.study import builtin_study

    start = time.perf_counter()
    result = build_sdtm(raw, config=builtin_study())
    built = time.perf_counter()
    write_sdtm(result, out)
    end = time.perf_counter()
    with open(Path(out).parent / "frames.pkl", "wb") as handle:
        pickle.dump({n: result.final(n) for n in result.datasets}, handle)
    return {
        "seconds": end - start,
        "map_seconds": built - start,
        "write_seconds": end - built,
        "records": int(sum(len(f) for f in result.datasets.values())),
    }


def _child_floor(raw: str, out: str) -> dict:
    from dataset_io.xpt import write_xpt
    from sdtm_builder.build import load_sdtm_spec
    from sdtm_builder.raw import read_raw
    from specs.model import restrict_to_data
    from specs.study import builtin_study

    config = builtin_study()
    spec = load_sdtm_spec(config.workbook("sdtm_spec"))
    with open(Path(out).parent / "frames.pkl", "rb") as handle:
        frames = pickle.load(handle)
    spec = restrict_to_data(spec, {n: list(f.columns) for n, f in frames.items()})
    start = time.perf_counter()
    read_raw(raw, config.raw.subject_field)
    for name, frame in frames.items():
        write_xpt(frame, spec, name, Path(out) / spec.dataset(name).leaf_href)
    return {"seconds": time.perf_counter() - start}


def _child_floor_pyreadstat(raw: str, out: str) -> dict:
    """The same floor with pyreadstat's own writer (the usual tool) instead of ours."""
    import pyreadstat

    from dataset_io.xpt import transport_frame
    from sdtm_builder.build import load_sdtm_spec
    from sdtm_builder.raw import read_raw
    from specs.model import restrict_to_data
    from specs.study import builtin_study

    config = builtin_study()
    spec = load_sdtm_spec(config.workbook("sdtm_spec"))
    with open(Path(out).parent / "frames.pkl", "rb") as handle:
        frames = pickle.load(handle)
    spec = restrict_to_data(spec, {n: list(f.columns) for n, f in frames.items()})
    prepared = {n: transport_frame(f, spec, n) for n, f in frames.items()}
    Path(out).mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    read_raw(raw, config.raw.subject_field)
    for name, (frame, formats) in prepared.items():
        pyreadstat.write_xport(
            frame,
            str(Path(out) / spec.dataset(name).leaf_href),
            file_format_version=5,
            table_name=name,
            file_label=spec.dataset(name).label or "",
            column_labels=[v.label or "" for v in spec.variables_of(name) if v.name in frame.columns],
            variable_format=formats or None,
        )
    return {"seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", type=Path, default=None, help="keep the simulated exports and outputs here")
    args = parser.parse_args()
    from study_simulator.api import simulate

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_sdtm_"))
    print(
        "floor: read the raw CSVs and write the same XPT files with our writer; "
        "floor(pyreadstat): the same with pyreadstat's writer"
    )
    print(
        f"{'subjects':>9} {'records':>11} {'build s':>8} {'map s':>7} {'write s':>8} {'floor s':>8} {'ratio':>6} "
        f"{'floor(prs) s':>12} {'ratio(prs)':>10} {'build MiB':>10} {'floor MiB':>10}"
    )
    for n in args.sizes:
        root = work / f"n{n}"
        simulate(n, args.seed, root / "raw")
        build = run_child("benchmarks.bench_sdtm", "_child_build", str(root / "raw" / "edc"), str(root / "sdtm"))
        floor = run_child("benchmarks.bench_sdtm", "_child_floor", str(root / "raw" / "edc"), str(root / "floor"))
        floor_prs = run_child(
            "benchmarks.bench_sdtm", "_child_floor_pyreadstat", str(root / "raw" / "edc"), str(root / "floor_prs")
        )
        print(
            f"{n:>9,} {build['records']:>11,} {build['seconds']:>8.1f} {build['map_seconds']:>7.1f} "
            f"{build['write_seconds']:>8.1f} {floor['seconds']:>8.1f} {build['seconds'] / floor['seconds']:>6.2f} "
            f"{floor_prs['seconds']:>12.1f} {build['seconds'] / floor_prs['seconds']:>10.2f} "
            f"{build['peak_mib']:>10,.0f} {floor['peak_mib']:>10,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
