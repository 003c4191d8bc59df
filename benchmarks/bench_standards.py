"""What the standards library costs a command: installing the published files once, then loading
the guides and terminology each command needs, each in a fresh interpreter.

- install:  `cdisc-build standards add` of every package in ../shared/standards (done once per machine);
- validate: what `cdisc-build validate` loads (SDTMIG, ADaMIG, SDTM and ADaM CT with their codelists);
- template: what `spec template --standard sdtmig-3.4` loads (SDTMIG, SDTM CT codelists);
- rules:    the extra time the guide and terminology rules add to validating the CDISC pilot SDTM.
The target is under one second to load, per command. Loading is timed after the imports
(pandas, pyarrow: paid by every command with or without the standards), printed beside it.

    python benchmarks/bench_standards.py              # into a temporary library
    python benchmarks/bench_standards.py --library DIR  # an installed library (skips the install)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere
from benchmarks.harness import run_child  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "standards"
PACKAGES = (
    "ct/sdtmct-2025-03-28.csv.gz",
    "ct/adamct-2026-03-27.csv",
    "ct/define-xmlct-2026-03-27.csv",
    "ig/sdtmig-3.4",
    "ig/adamig-1.3",
)
PILOT = SHARED / "submissions" / "cdiscpilot01" / "sdtm"


def install(library: str) -> dict:
    from specs.standards import StandardsLibrary

    start = time.perf_counter()
    lib = StandardsLibrary(library)
    for package in PACKAGES:
        lib.add(SHARED / package, force=True)
    return {"seconds": time.perf_counter() - start, "bytes": sum(p.size for p in lib.packages())}


def load_validate(library: str) -> dict:
    start = time.perf_counter()
    from conformance.ig import resolve_standards
    from specs.standards import StandardsLibrary

    imported = time.perf_counter()
    standards = resolve_standards(library=StandardsLibrary(library))
    codelists = len(standards.codelists)
    sdtm = standards.sdtm
    assert sdtm is not None
    sdtm.allowed("AE", "AE", None)  # the class tables, built once
    return {"seconds": time.perf_counter() - imported, "imports": imported - start, "codelists": codelists}


def load_template(library: str) -> dict:
    start = time.perf_counter()
    from specs.standards import StandardsLibrary

    imported = time.perf_counter()
    lib = StandardsLibrary(library)
    guide = lib.guide("sdtmig")
    variables = sum(len(guide.variables(d)) for d in guide.datasets)
    codelists = len(lib.terminology("sdtmct").codelists)
    return {
        "seconds": time.perf_counter() - imported,
        "imports": imported - start,
        "variables": variables,
        "codelists": codelists,
    }


def rules_on_pilot(library: str) -> dict:
    from conformance import run_validation
    from conformance.ig import resolve_standards
    from conformance.reader import read_folder
    from specs.standards import StandardsLibrary

    datasets, meta, _ = read_folder(PILOT)
    define = PILOT / "define.xml"
    start = time.perf_counter()
    run_validation(datasets, define=define, meta=meta)
    without = time.perf_counter() - start
    start = time.perf_counter()
    standards = resolve_standards(library=StandardsLibrary(library))
    report = run_validation(datasets, define=define, meta=meta, standards=standards)
    with_standards = time.perf_counter() - start
    ours = [r for r in report.results if r.rule.check.__module__ == "conformance.ig_checks"]
    return {
        "without": without,
        "with": with_standards,
        "rules": len(ours),
        "findings": sum(r.failed for r in ours),
        "records": int(sum(len(f) for f in datasets.values())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--library", type=Path, help="an installed standards library (default: a temporary one)")
    args = parser.parse_args()
    if not SHARED.exists():
        raise SystemExit(f"nothing to measure: {SHARED} is absent")
    with tempfile.TemporaryDirectory() as tmp:
        library = str(args.library or Path(tmp) / "standards")
        os.environ["CDISC_BUILD_STANDARDS"] = library
        if args.library is None:
            done = run_child("benchmarks.bench_standards", "install", library)
            print(f"install {len(PACKAGES)} packages: {done['seconds']:.2f} s, {done['bytes'] / 1e6:.1f} MB on disk")
        worst = 0.0
        for label, function in (("validate", "load_validate"), ("spec template", "load_template")):
            best = min(
                (run_child("benchmarks.bench_standards", function, library) for _ in range(3)),
                key=lambda r: r["seconds"],
            )
            worst = max(worst, best["seconds"])
            what = ", ".join(f"{k} {v:,}" for k, v in best.items() if k not in ("seconds", "peak_mib", "imports"))
            print(
                f"load for {label:<14} {best['seconds']:.3f} s ({what}), after {best['imports']:.2f} s of imports "
                f"every command pays; peak {best['peak_mib']:.0f} MiB"
            )
        print(f"worst load: {worst:.3f} s (target < 1 s) -> {'OK' if worst < 1 else 'TOO SLOW'}")
        if PILOT.exists():
            r = run_child("benchmarks.bench_standards", "rules_on_pilot", library)
            print(
                f"CDISC pilot SDTM ({r['records']:,} records): validate {r['without']:.2f} s without the standards, "
                f"{r['with']:.2f} s with them ({r['rules']} guide and CT rules, {r['findings']:,} findings)"
            )


if __name__ == "__main__":
    main()
