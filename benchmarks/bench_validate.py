"""Conformance validation speed and memory against the read floor.

For each study folder, in separate child processes (so each peak memory is its own):
- read:     only read the dataset files, as the validator reads them (conformance.reader.read_folder);
- validate: read the same files and run the whole catalogue (spec schemas, transport, SDTMIG/FDA
            rules, define checks when a define.xml is given), as `cdisc-build validate` does, without
            writing the report.
Prints wall seconds, the records and findings, peak RSS, and the ratio validate / read
(the target is at most 3).

    python benchmarks/bench_validate.py                       # the CDISC pilot SDTM
    python benchmarks/bench_validate.py --study /tmp/big/sdtm # and a built study's SDTM (e.g. 100,000 subjects)

Build the 100,000-subject study's SDTM once and keep it, e.g.:
    python -c "from study_simulator.api import simulate; simulate(100000, 2026, '/tmp/big/raw')"
    python -c "from sdtm_builder.build import build_sdtm, write_sdtm; from specs.study import builtin_study; \\
               write_sdtm(build_sdtm('/tmp/big/raw/edc', config=builtin_study()), '/tmp/big/sdtm')"
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PILOT = ROOT.parent / "shared" / "standards" / "submissions" / "cdiscpilot01" / "sdtm"


def _child(kind: str, folder: str, spec: str | None, define: str | None) -> dict:
    import time

    from conformance.reader import read_folder

    spec_model = None
    if spec:
        from specs import load_spec

        spec_model = load_spec(spec).spec
    start = time.perf_counter()
    datasets, meta, notes = read_folder(folder, spec=spec_model)
    read = time.perf_counter() - start
    out = {
        "seconds": read,
        "read_seconds": read,
        "records": int(sum(len(f) for f in datasets.values())),
        "datasets": len(datasets),
    }
    if kind == "validate":
        from conformance import run_validation

        report = run_validation(datasets, spec=spec_model, define=define, meta=meta)
        out["seconds"] = time.perf_counter() - start
        out["findings"] = int(len(report.findings))
        out["crashed"] = [r.rule.id for r in report.results if r.error]
        slow = sorted(
            ((r.rule.id, r.seconds) for r in report.results if getattr(r, "seconds", None)), key=lambda x: -x[1]
        )
        out["slowest"] = slow[:5]
    return out


def _run_child(kind: str, folder: Path, spec: Path | None, define: Path | None) -> dict:
    code = (
        f"import json, resource, sys; sys.path.insert(0, {str(ROOT)!r}); "
        f"from benchmarks.bench_validate import _child; "
        f"r = _child({kind!r}, {str(folder)!r}, {str(spec) if spec else None!r}, {str(define) if define else None!r}); "
        "r['peak_mib'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; print(json.dumps(r))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{kind} child failed on {folder}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pilot", type=Path, default=PILOT, help="the CDISC pilot SDTM folder (with its define.xml)")
    parser.add_argument("--study", type=Path, default=None, help="a built study's SDTM folder (XPT files)")
    parser.add_argument(
        "--spec",
        type=Path,
        default=ROOT / "specs" / "workbooks" / "sdtm_spec.xlsx",
        help="the spec workbook of --study",
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each child; the fastest is shown")
    args = parser.parse_args()

    targets = []
    if args.pilot and args.pilot.exists():
        define = args.pilot / "define.xml"
        targets.append(("CDISC pilot SDTM", args.pilot, None, define if define.exists() else None))
    if args.study:
        targets.append((f"study {args.study}", args.study, args.spec, None))
    if not targets:
        raise SystemExit("nothing to measure: the pilot folder is absent and no --study was given")

    print(
        f"{'data':<34} {'datasets':>8} {'records':>11} {'read s':>7} {'validate s':>10} {'ratio':>6} "
        f"{'read MiB':>9} {'valid. MiB':>10} {'findings':>9}"
    )
    worst = 0.0
    for label, folder, spec, define in targets:
        read = min((_run_child("read", folder, spec, define) for _ in range(args.repeat)), key=lambda r: r["seconds"])
        valid = min(
            (_run_child("validate", folder, spec, define) for _ in range(args.repeat)), key=lambda r: r["seconds"]
        )
        ratio = valid["seconds"] / read["seconds"]
        worst = max(worst, ratio)
        print(
            f"{label[:34]:<34} {read['datasets']:>8} {read['records']:>11,} {read['seconds']:>7.2f} "
            f"{valid['seconds']:>10.2f} {ratio:>6.2f} {read['peak_mib']:>9.0f} {valid['peak_mib']:>10.0f} "
            f"{valid['findings']:>9,}"
        )
        if valid["crashed"]:
            print(f"  rules that could not run: {', '.join(valid['crashed'])}")
    print(f"worst ratio validate / read: {worst:.2f} (target <= 3) -> {'OK' if worst <= 3 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
