"""The main job on the built-in simulated study, as `make demo` runs it.

Runs `cdisc-build demo` (simulate 300 subjects, then sdtm, adam, export, validate,
report) in a child process, several times, and prints the wall seconds of the
whole command (interpreter start and imports included), each stage's seconds and
the peak memory.

    python benchmarks/bench_demo.py [--repeat 3] [--subjects 300]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from benchmarks.harness import run_child  # noqa: E402


def _child_demo(out: str, subjects: str) -> dict:
    import io

    from rich.console import Console

    from cdisc_build.pipeline import run_demo

    result = run_demo(Path(out), subjects=int(subjects), console=Console(file=io.StringIO()))
    return {"stages": result.stages}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--subjects", type=int, default=300)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_demo_"))
    try:
        walls = []
        for i in range(args.repeat):
            start = time.perf_counter()
            r = run_child("benchmarks.bench_demo", "_child_demo", work / f"run{i}", args.subjects)
            walls.append(time.perf_counter() - start)
            stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
            print(
                f"run {i + 1}: {walls[-1]:.1f} s wall (stages: {stages}; sum {sum(r['stages'].values()):.1f}), "
                f"peak {r['peak_mib']:.0f} MiB"
            )
        print(f"demo, {args.subjects} subjects: best {min(walls):.1f} s, worst {max(walls):.1f} s wall (limit 30 s)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
