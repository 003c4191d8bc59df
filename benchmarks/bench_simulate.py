"""Wall time and peak memory of `simulate` for 1,000, 10,000 and 100,000 subjects.

Each size runs in its own child process, so the peak resident memory reported
(ru_maxrss of the child) is that run's alone. Usage:
    python benchmarks/bench_simulate.py [--sizes 1000 10000 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile

CHILD = r"""
import json, resource, sys, time
from study_simulator.api import simulate
n, seed, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
t0 = time.perf_counter()
result = simulate(n, seed, out)
wall = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"wall": wall, "peak": peak, "rows": sum(result.rows.values())}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{'subjects':>10} {'rows':>11} {'wall s':>8} {'s/1k subj':>10} {'peak MiB':>9}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as out:
            done = subprocess.run(
                [sys.executable, "-c", CHILD, str(n), str(args.seed), out], capture_output=True, text=True, check=True
            )
        stats = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{n:>10,} {stats['rows']:>11,} {stats['wall']:>8.1f} {1000 * stats['wall'] / n:>10.3f} {stats['peak'] / 2**20:>9.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
