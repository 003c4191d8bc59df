"""Compare a built dataset with a reference version of it, record by record and cell by cell.

    report = compare_datasets(ours, reference, keys=["USUBJID", "AETERM", "AESTDTC"])
    report.records_matched, report.only_ours, report.only_reference
    report.pct_equal                 # cells equal, in the variables both populate
    report.by_variable               # one row per variable: compared, differ, % equal
    report.differences               # one row per differing cell: keys, variable, ours, reference

Records are paired by `keys` (several records with the same keys are paired in
their order of appearance). Values are compared as text after a light
normalisation that both sides of a transport file share: blank and missing are
the same, surrounding spaces are ignored, and numbers compare by value (`63`,
`63.0`). Variables only one side has are listed, not compared; so is a
variable the reference holds as an empty column (it defines nothing to agree
with): `reference_empty` names them and `cells_filled_only_by_us` counts what
we give there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

OCCURRENCE = "_OCC"


def normalise_values(values: pd.Series) -> pd.Series:
    """Text for comparison: None for blank/missing, numbers written plainly."""

    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        text = str(v).strip()
        if text == "" or text.lower() == "nan":
            return None
        try:
            number = float(text)
        except ValueError:
            return text
        if np.isfinite(number):
            return format(number, ".12g")
        return text

    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    table = np.array([one(u) for u in uniques] + [None], dtype=object)
    return pd.Series(table[codes], index=values.index, dtype=object)


@dataclass
class ComparisonReport:
    keys: tuple[str, ...]
    records_ours: int
    records_reference: int
    records_matched: int
    only_ours: pd.DataFrame  # key values of our records without a partner
    only_reference: pd.DataFrame
    variables_compared: list[str]
    variables_only_ours: list[str]
    variables_only_reference: list[str]
    reference_empty: list[str]  # in both, never filled in the reference: not compared
    cells_filled_only_by_us: int  # our non-missing cells in reference_empty variables
    cells: int
    cells_equal: int
    by_variable: pd.DataFrame
    differences: pd.DataFrame = field(repr=False)

    @property
    def pct_equal(self) -> float:
        return 100.0 * self.cells_equal / self.cells if self.cells else 100.0

    @property
    def all_records_matched(self) -> bool:
        return self.only_ours.empty and self.only_reference.empty

    def summary(self) -> str:
        return (
            f"records ours {self.records_ours}, reference {self.records_reference}, matched {self.records_matched}; "
            f"cells equal {self.cells_equal}/{self.cells} ({self.pct_equal:.2f}%) in "
            f"{len(self.variables_compared)} variables"
        )


def _with_occurrence(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for k in keys:
        out[k] = normalise_values(out[k]).fillna("")
    out[OCCURRENCE] = out.groupby(keys, sort=False).cumcount()
    return out


def compare_datasets(ours: pd.DataFrame, reference: pd.DataFrame, keys, *, ignore=()) -> ComparisonReport:
    """Pair the records of `ours` and `reference` by `keys` and compare every shared variable.

    ignore: variables left out of the comparison (listed neither as compared nor as differing).
    """
    keys = list(keys)
    missing = [k for k in keys if k not in ours.columns or k not in reference.columns]
    if missing:
        raise KeyError(
            f"compare_datasets: key variable(s) {', '.join(missing)} missing from "
            f"{'ours' if any(k not in ours.columns for k in missing) else 'the reference'}"
        )
    ignored = set(ignore) | {OCCURRENCE}
    a = _with_occurrence(ours.reset_index(drop=True), keys)
    b = _with_occurrence(reference.reset_index(drop=True), keys)
    join = keys + [OCCURRENCE]
    shared = [c for c in ours.columns if c in reference.columns and c not in keys and c not in ignored]
    only_a = [c for c in ours.columns if c not in reference.columns and c not in ignored]
    only_b = [c for c in reference.columns if c not in ours.columns and c not in ignored]
    merged = a[join + shared].merge(b[join + shared], on=join, how="outer", suffixes=("_ours", "_ref"), indicator=True)
    both = merged[merged["_merge"] == "both"]
    only_ours = merged.loc[merged["_merge"] == "left_only", keys].reset_index(drop=True)
    only_ref = merged.loc[merged["_merge"] == "right_only", keys].reset_index(drop=True)

    rows, diffs = [], []
    empty_ref, filled_by_us = [], 0
    compared = []
    for var in shared:
        x = normalise_values(both[f"{var}_ours"])
        y = normalise_values(both[f"{var}_ref"])
        if normalise_values(reference[var]).isna().all():
            empty_ref.append(var)
            filled_by_us += int(x.notna().sum())
            continue
        compared.append(var)
        equal = (x == y) | (x.isna() & y.isna())
        rows.append(
            {
                "variable": var,
                "compared": int(len(both)),
                "differ": int((~equal).sum()),
                "pct_equal": 100.0 * float(equal.mean()) if len(both) else 100.0,
            }
        )
        if (~equal).any():
            d = both.loc[~equal.to_numpy(), keys].copy()
            d["variable"] = var
            d["ours"] = x[~equal].to_numpy()
            d["reference"] = y[~equal].to_numpy()
            diffs.append(d)
    by_var = pd.DataFrame(rows, columns=["variable", "compared", "differ", "pct_equal"])
    differences = (
        pd.concat(diffs, ignore_index=True) if diffs else pd.DataFrame(columns=keys + ["variable", "ours", "reference"])
    )
    cells = int(by_var["compared"].sum())
    return ComparisonReport(
        keys=tuple(keys),
        records_ours=len(ours),
        records_reference=len(reference),
        records_matched=len(both),
        only_ours=only_ours,
        only_reference=only_ref,
        variables_compared=compared,
        variables_only_ours=only_a,
        variables_only_reference=only_b,
        reference_empty=empty_ref,
        cells_filled_only_by_us=filled_by_us,
        cells=cells,
        cells_equal=cells - int(by_var["differ"].sum()),
        by_variable=by_var,
        differences=differences,
    )
