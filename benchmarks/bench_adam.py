"""ADaM derivation speed and memory against the read-and-write floor.

For each size: simulate the study and build its SDTM (XPT, not timed), then in
separate child processes (each peak memory its own):
- derive: read the SDTM transport files, derive every ADaM dataset (build_adam),
  write the ADaM transport files and reports (write_adam);
- floor: only read the same SDTM files and write the same ADaM files (the ADaM
  frames are prepared beforehand and not timed).
Prints wall seconds, peak RSS and the ratio derive / floor (the issue asks <= 3).

    python benchmarks/bench_adam.py [--sizes 1000 10000 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from benchmarks.harness import run_child  # noqa: E402


def _child_derive(sdtm: str, out: str) -> dict:
    from adam_builder.build import adam_inputs, build_adam, load_adam_spec, read_sdtm, write_adam
    from specs.study import builtin_study

    warnings.simplefilter("ignore")
    config = builtin_study()
    spec = load_adam_spec(config.workbook("adam_spec"))
    start = time.perf_counter()
    frames = read_sdtm(sdtm, names=adam_inputs(spec))
    read = time.perf_counter()
    result = build_adam(frames, spec=spec, settings=config.adam)
    derived = time.perf_counter()
    write_adam(result, out)
    end = time.perf_counter()
    with open(Path(out).parent / "adam_frames.pkl", "wb") as handle:
        pickle.dump(result.datasets, handle)
    return {
        "seconds": end - start,
        "read_seconds": read - start,
        "derive_seconds": derived - read,
        "write_seconds": end - derived,
        "records": int(sum(len(f) for f in result.datasets.values())),
        "timings": result.timings,
    }


def _child_floor(sdtm: str, out: str) -> dict:
    from adam_builder.build import adam_inputs, load_adam_spec, read_sdtm
    from dataset_io.xpt import write_xpt
    from specs.model import restrict_to_data
    from specs.study import builtin_study

    spec = load_adam_spec(builtin_study().workbook("adam_spec"))
    with open(Path(out).parent / "adam_frames.pkl", "rb") as handle:
        frames = pickle.load(handle)
    names = adam_inputs(spec)
    spec = restrict_to_data(spec, {n: list(f.columns) for n, f in frames.items()})
    start = time.perf_counter()
    read_sdtm(sdtm, names=names)
    Path(out).mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        write_xpt(frame, spec, name, Path(out) / spec.dataset(name).leaf_href)
    return {"seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", type=Path, default=None, help="keep the simulated studies and outputs here")
    args = parser.parse_args()
    from sdtm_builder.build import build_sdtm, write_sdtm
    from specs.study import builtin_study
    from study_simulator.api import simulate

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_adam_"))
    print(
        f"{'subjects':>9} {'records':>9} {'derive s':>9} {'read s':>7} {'calc s':>7} {'write s':>8} "
        f"{'floor s':>8} {'ratio':>6} {'derive MiB':>11} {'floor MiB':>10}"
    )
    for n in args.sizes:
        root = work / f"n{n}"
        if not (root / "sdtm" / "dm.xpt").exists():
            simulate(n, args.seed, root / "raw")
            write_sdtm(build_sdtm(root / "raw" / "edc", config=builtin_study()), root / "sdtm")
        derive = run_child("benchmarks.bench_adam", "_child_derive", str(root / "sdtm"), str(root / "adam"))
        floor = run_child("benchmarks.bench_adam", "_child_floor", str(root / "sdtm"), str(root / "floor"))
        print(
            f"{n:>9,} {derive['records']:>9,} {derive['seconds']:>9.1f} {derive['read_seconds']:>7.1f} "
            f"{derive['derive_seconds']:>7.1f} {derive['write_seconds']:>8.1f} {floor['seconds']:>8.1f} "
            f"{derive['seconds'] / floor['seconds']:>6.2f} {derive['peak_mib']:>11,.0f} {floor['peak_mib']:>10,.0f}",
            flush=True,
        )
        print("          per dataset: " + ", ".join(f"{k} {v:.1f}s" for k, v in derive["timings"].items()), flush=True)


if __name__ == "__main__":
    main()
