"""Agreement of our CDISCPILOT01 ADaM with the one pharmaverse publishes, per dataset and variable.

    python -m scripts.compare_cdiscpilot_adam OUT_ADAM [--reference ../shared/reference/pharmaverse]

Records are matched by keys (ADSL: USUBJID; ADLB and ADVS: USUBJID, PARAMCD, ADT, and ATPT and
DTYPE where the reference has them; records sharing a key are paired in their order). A cell
agrees when both are null, both are numbers within 1e-9 (relative), both are dates of the same
day, or both are the same text. ADAE has no published reference: its columns that are copies
of AE are compared with AE (matched by USUBJID and AESEQ).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

BDS_VARIABLES = {
    "ADLB": ("AVAL", "BASE", "CHG", "PCHG", "ANRIND", "BNRIND", "ABLFL", "ONTRTFL", "ATOXGRL", "ATOXGRH"),
    "ADVS": ("AVAL", "BASE", "CHG", "PCHG", "ANRIND", "BNRIND", "ABLFL", "ONTRTFL"),
}
REFERENCE_FILES = {"ADSL": "adam/adsl.csv", "ADLB": "adam/adlb.csv.gz", "ADVS": "adam/advs.csv.gz"}


def _cells(series: pd.Series) -> pd.Series:
    """Values as comparable objects: None, float, a day (Timestamp) or stripped text."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.normalize().astype(object).where(series.notna(), None)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype("float64").astype(object).where(series.notna(), None)

    def one(value):
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            return None
        text = str(value).strip()
        return text or None

    return series.astype(object).map(one)


def _equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return bool(np.isclose(float(a), float(b), rtol=1e-9, atol=1e-12))
    except (TypeError, ValueError):
        pass
    try:
        return bool(pd.Timestamp(a).normalize() == pd.Timestamp(b).normalize())
    except (TypeError, ValueError):
        return str(a) == str(b)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool)


def _count_equal(ref: pd.Series, our: pd.Series) -> int:
    """The cells that agree (_equal), numbers compared at once."""
    ref, our = ref.reset_index(drop=True), our.reset_index(drop=True)
    numbers = ref.map(_is_number) & our.map(_is_number)
    close = np.isclose(
        ref[numbers].astype("float64").to_numpy(), our[numbers].astype("float64").to_numpy(), rtol=1e-9, atol=1e-12
    )
    rest = ~numbers
    return int(close.sum()) + sum(_equal(a, b) for a, b in zip(ref[rest], our[rest], strict=True))


def match(ours: pd.DataFrame, reference: pd.DataFrame, keys: Iterable[str]) -> tuple[pd.DataFrame, int, int]:
    """The records of both matched by ``keys`` (the n-th of a key with the n-th), with the
    numbers of reference-only and ours-only records."""
    keys = list(keys)
    left, right = reference.copy(), ours.copy()
    for frame in (left, right):
        for key in keys:
            frame[key] = _cells(frame[key]).map(
                lambda v, day=key.endswith("DT"): "" if v is None else str(v)[:10] if day else str(v)
            )
        frame["__n"] = frame.groupby(keys, sort=False).cumcount()
    merged = left.merge(right, on=[*keys, "__n"], how="outer", suffixes=("__ref", "__ours"), indicator=True)
    return (
        merged[merged["_merge"] == "both"],
        int((merged["_merge"] == "left_only").sum()),
        int((merged["_merge"] == "right_only").sum()),
    )


def agreement(
    ours: pd.DataFrame, reference: pd.DataFrame, *, keys: Iterable[str], variables: Iterable[str]
) -> pd.DataFrame:
    """One row per variable: matched records, agreeing cells, percent, and the records of the
    reference and of ours that found no partner (variables either lacks are left out)."""
    keys = list(keys)
    both, reference_only, ours_only = match(ours, reference, keys)
    rows = []
    for variable in variables:
        if variable in keys or variable not in ours.columns or variable not in reference.columns:
            continue
        ref, our = _cells(both[f"{variable}__ref"]), _cells(both[f"{variable}__ours"])
        equal = _count_equal(ref, our)
        rows.append(
            {
                "variable": variable,
                "records": len(both),
                "equal": equal,
                "percent": round(100 * equal / len(both), 3) if len(both) else 100.0,
                "reference only": reference_only,
                "ours only": ours_only,
            }
        )
    return pd.DataFrame(rows, columns=["variable", "records", "equal", "percent", "reference only", "ours only"])


def bds_keys(reference: pd.DataFrame) -> list[str]:
    return ["USUBJID", "PARAMCD", "ADT", *(k for k in ("ATPT", "DTYPE") if k in reference.columns)]


def compare_all(ours: dict[str, pd.DataFrame], reference_folder: Path) -> dict[str, pd.DataFrame]:
    """The agreement tables of ADSL (the variables both define), ADLB, ADVS and ADAE (its copies of AE)."""
    tables = {}
    for name, file in REFERENCE_FILES.items():
        if name not in ours or not (reference_folder / file).exists():
            continue
        # only an empty cell is missing: the text "NA" is a value (REGION1 North America)
        reference = pd.read_csv(reference_folder / file, low_memory=False, keep_default_na=False, na_values=[""])
        if name == "ADSL":
            variables = [c for c in reference.columns if c in ours[name].columns]
            tables[name] = agreement(ours[name], reference, keys=["USUBJID"], variables=variables)
        else:
            tables[name] = agreement(ours[name], reference, keys=bds_keys(reference), variables=BDS_VARIABLES[name])
    ae_file = reference_folder / "sdtm/ae.csv"
    if "ADAE" in ours and ae_file.exists():
        ae = pd.read_csv(ae_file, low_memory=False)
        copies = [c for c in ae.columns if c in ours["ADAE"].columns]
        tables["ADAE"] = agreement(ours["ADAE"], ae, keys=["USUBJID", "AESEQ"], variables=copies)
    return tables


def read_adam(folder: Path) -> dict[str, pd.DataFrame]:
    from dataset_io.readers import read_datasets

    return {name: frame for name, (frame, _) in read_datasets(folder, ("ADSL", "ADAE", "ADLB", "ADVS")).items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("adam", type=Path, help="the folder our ADaM was written to")
    parser.add_argument(
        "--reference", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/reference/pharmaverse"
    )
    args = parser.parse_args(argv)
    for name, table in compare_all(read_adam(args.adam), args.reference).items():
        print(f"\n{name}")
        print(table.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
