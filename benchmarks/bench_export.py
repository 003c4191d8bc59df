"""XPT export rate: our writer (submission_export.xpt.write_xpt) next to pyreadstat's own.

The frames are read from a built study's SDTM folder (not timed) and given the spec's
types. For each dataset, on the same frames:
- pyreadstat: pyreadstat.write_xport of the transport frame (spec order, SAS numbers) - the floor;
- ours:       write_xpt, everything it does: transport-rule checks, conversion, pyreadstat's
              write, header stamps, and the read-back that compares every value and attribute.
Ours is also broken down (checks / conversion / read-back) so the cost of the guarantee shows.
Prints MB written, seconds and MB/s of each, and the ratio ours / pyreadstat (target <= 1.2).

    python benchmarks/bench_export.py --sdtm /tmp/big/sdtm [--datasets TR RS ...]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sdtm", type=Path, required=True, help="a built study's SDTM folder (XPT files)")
    parser.add_argument("--spec", type=Path, default=ROOT / "specs" / "workbooks" / "sdtm_spec.xlsx")
    parser.add_argument("--datasets", nargs="*", default=None, help="only these datasets")
    parser.add_argument("--keep", type=Path, default=None, help="write here (default: a temporary folder)")
    args = parser.parse_args()

    import pyreadstat

    from sdtm_builder.build import load_sdtm_spec
    from specs.model import restrict_to_data
    from submission_export.readers import conform_to_spec, read_dataset
    from submission_export.xpt import check_transport_rules, transport_frame, verify_xpt, write_xpt

    spec = load_sdtm_spec(args.spec)
    frames = {}
    for path in sorted(args.sdtm.glob("*.xpt")):
        name = path.stem.upper()
        if args.datasets and name not in {d.upper() for d in args.datasets}:
            continue
        frame, _ = read_dataset(path)
        frames[name] = conform_to_spec(frame, spec, name)
    spec = restrict_to_data(spec, {n: list(f.columns) for n, f in frames.items()})
    out = args.keep or Path(tempfile.mkdtemp(prefix="bench_export_"))
    out.mkdir(parents=True, exist_ok=True)

    print(f"{'dataset':<8} {'records':>10} {'MB':>8} {'pyreadstat s':>12} {'ours s':>8} {'ratio':>6} "
          f"{'checks s':>8} {'convert s':>9} {'read-back s':>11}")
    tot = {"mb": 0.0, "pyr": 0.0, "ours": 0.0, "checks": 0.0, "convert": 0.0, "verify": 0.0}
    for name, frame in frames.items():
        variables = spec.variables_of(name)
        ds = spec.dataset(name)
        start = time.perf_counter()
        check_transport_rules(frame, spec, name)
        checks = time.perf_counter() - start
        start = time.perf_counter()
        prepared, formats = transport_frame(frame, spec, name)
        convert = time.perf_counter() - start

        floor_path = out / f"{name.lower()}_pyreadstat.xpt"
        start = time.perf_counter()
        pyreadstat.write_xport(prepared, str(floor_path), file_label=ds.label or "",
                               column_labels=[v.label or "" for v in variables], table_name=name,
                               file_format_version=5, variable_format=formats or None)
        pyr = time.perf_counter() - start
        start = time.perf_counter()
        verify_xpt(floor_path, prepared, spec, name, formats)
        verify = time.perf_counter() - start

        ours_path = out / f"{name.lower()}.xpt"
        start = time.perf_counter()
        write_xpt(frame, spec, name, ours_path)
        ours = time.perf_counter() - start
        mb = ours_path.stat().st_size / 1e6
        for key, value in (("mb", mb), ("pyr", pyr), ("ours", ours), ("checks", checks), ("convert", convert),
                           ("verify", verify)):
            tot[key] += value
        print(f"{name:<8} {len(frame):>10,} {mb:>8.1f} {pyr:>12.2f} {ours:>8.2f} {ours / pyr:>6.2f} "
              f"{checks:>8.2f} {convert:>9.2f} {verify:>11.2f}")
    ratio = tot["ours"] / tot["pyr"]
    print(f"{'all':<8} {'':>10} {tot['mb']:>8.1f} {tot['pyr']:>12.2f} {tot['ours']:>8.2f} {ratio:>6.2f} "
          f"{tot['checks']:>8.2f} {tot['convert']:>9.2f} {tot['verify']:>11.2f}")
    print(f"write rate: pyreadstat {tot['mb'] / tot['pyr']:.1f} MB/s, ours {tot['mb'] / tot['ours']:.1f} MB/s; "
          f"ours adds {100 * (ratio - 1):.0f}% (target <= 20%) -> {'OK' if ratio <= 1.2 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
