"""The benchmarks' shared harness: run one measured function in a child process.

Each measurement gets a fresh interpreter, so its peak memory (the child's
maximum resident set size) is its own and no cache of a previous one helps it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_child(module: str, function: str, *args) -> dict:
    """Call `module.function(*args)` in a child; its dict result plus `peak_mib`."""
    code = (
        f"import json, resource, sys; sys.path.insert(0, {str(ROOT)!r}); "
        f"from {module} import {function} as f; r = f(*{list(map(str, args))!r}); "
        "r['peak_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; print(json.dumps(r))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{module}.{function}{tuple(args)} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
