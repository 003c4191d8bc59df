"""XPT export rate: our writer (dataset_io.xpt.write_xpt) next to pyreadstat's own.

The frames are read from a built study's SDTM folder (not timed) and given the spec's
types. For each dataset, on the same frames:
- pyreadstat: pyreadstat.write_xport of the transport frame (spec order, SAS numbers,
  prepared untimed) - the floor;
- ours:       write_xpt with its default verification, everything it does: transport-rule
              checks, conversion and encoding, the numpy writer, and the verification
              (the file read back and every value decoded and compared, the header parsed,
              pyreadstat's read of the metadata).
Ours is broken down (checks / prepare / write / verify) so the cost of the guarantee shows,
and its bytes are compared with pyreadstat's (header timestamps aside; not timed).
Prints MB written, seconds and MB/s of each, and the ratio ours / pyreadstat (target <= 1.2).

    python benchmarks/bench_export.py --sdtm /tmp/big/sdtm [--datasets TR RS ...] [--full]
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
    parser.add_argument(
        "--full", action="store_true", help="also time write_xpt(verify='full') (pyreadstat reads every value)"
    )
    args = parser.parse_args()

    import pyreadstat

    from dataset_io.readers import conform_to_spec, read_dataset
    from dataset_io.xpt import _fix_header_stamps, sas_timestamp, transport_frame, write_xpt
    from sdtm_builder.build import load_sdtm_spec
    from specs.model import restrict_to_data

    full_spec = load_sdtm_spec(args.spec)
    paths = [
        p
        for p in sorted(args.sdtm.glob("*.xpt"))
        if not args.datasets or p.stem.upper() in {d.upper() for d in args.datasets}
    ]

    def frames():
        """One dataset at a time (a 100,000-subject study does not fit in memory at once)."""
        for path in paths:
            name = path.stem.upper()
            frame, _ = read_dataset(path)
            frame = conform_to_spec(frame, full_spec, name)
            yield name, frame, restrict_to_data(full_spec, {name: list(frame.columns)})

    out = args.keep or Path(tempfile.mkdtemp(prefix="bench_export_"))
    out.mkdir(parents=True, exist_ok=True)
    stamp = "2000-01-01T00:00:00"

    print(
        f"{'dataset':<8} {'records':>10} {'MB':>8} {'pyreadstat s':>12} {'ours s':>8} {'ratio':>6} "
        f"{'checks s':>8} {'prepare s':>9} {'write s':>8} {'verify s':>8} {'same bytes':>10}"
        + (f" {'full s':>8}" if args.full else "")
    )
    keys = ("mb", "pyr", "ours", "checks", "prepare", "write", "verify", "full")
    tot = dict.fromkeys(keys, 0.0)
    all_same = True
    for name, frame, spec in frames():
        variables = spec.variables_of(name)
        ds = spec.dataset(name)
        prepared, formats = transport_frame(frame, spec, name)

        floor_path = out / f"{name.lower()}_pyreadstat.xpt"
        start = time.perf_counter()
        pyreadstat.write_xport(
            prepared,
            str(floor_path),
            file_label=ds.label or "",
            column_labels=[v.label or "" for v in variables],
            table_name=name,
            file_format_version=5,
            variable_format=formats or None,
        )
        pyr = time.perf_counter() - start
        del prepared

        ours_path = out / f"{name.lower()}.xpt"
        steps: dict[str, float] = {}
        start = time.perf_counter()
        write_xpt(frame, spec, name, ours_path, timestamp=stamp, timings=steps)
        ours = time.perf_counter() - start
        full = 0.0
        if args.full:
            start = time.perf_counter()
            write_xpt(frame, spec, name, ours_path, timestamp=stamp, verify="full")
            full = time.perf_counter() - start

        _fix_header_stamps(str(floor_path), sas_timestamp(stamp))
        same = floor_path.read_bytes() == ours_path.read_bytes()
        all_same &= same
        floor_path.unlink()
        mb = ours_path.stat().st_size / 1e6
        values = {"mb": mb, "pyr": pyr, "ours": ours, "full": full, **steps}
        for key in keys:
            tot[key] += values.get(key, 0.0)
        if not args.keep:
            ours_path.unlink()
        print(
            f"{name:<8} {len(frame):>10,} {mb:>8.1f} {pyr:>12.2f} {ours:>8.2f} {ours / pyr:>6.2f} "
            f"{steps['checks']:>8.2f} {steps['prepare']:>9.2f} {steps['write']:>8.2f} {steps['verify']:>8.2f} "
            f"{'yes' if same else 'NO':>10}" + (f" {full:>8.2f}" if args.full else "")
        )
    ratio = tot["ours"] / tot["pyr"]
    print(
        f"{'all':<8} {'':>10} {tot['mb']:>8.1f} {tot['pyr']:>12.2f} {tot['ours']:>8.2f} {ratio:>6.2f} "
        f"{tot['checks']:>8.2f} {tot['prepare']:>9.2f} {tot['write']:>8.2f} {tot['verify']:>8.2f} "
        f"{'yes' if all_same else 'NO':>10}" + (f" {tot['full']:>8.2f}" if args.full else "")
    )
    print(
        f"write rate: pyreadstat {tot['mb'] / tot['pyr']:.1f} MB/s, ours {tot['mb'] / tot['ours']:.1f} MB/s; "
        f"ours / pyreadstat = {ratio:.2f} (target <= 1.2) -> {'OK' if ratio <= 1.2 else 'TOO SLOW'}; "
        f"bytes identical to pyreadstat's: {'all' if all_same else 'NOT ALL'}"
    )
    if args.full:
        print(f"with verify='full': {tot['mb'] / tot['full']:.1f} MB/s ({tot['full'] / tot['pyr']:.2f}x pyreadstat)")


if __name__ == "__main__":
    main()
