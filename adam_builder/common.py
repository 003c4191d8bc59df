"""Derivations every ADaM dataset uses: input checks, merges, flags, parameters from the spec."""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.model import Spec


class AdamInputError(ValueError):
    """An input dataset lacks what a derivation needs."""


def assert_columns(frame: pd.DataFrame, columns, *, dataset: str) -> None:
    """Raise naming the dataset and every missing column."""
    missing = [c for c in columns if c not in frame.columns]
    if missing and frame.attrs.get("absent"):
        raise AdamInputError(
            f"{dataset}: missing column(s) {', '.join(missing)}: the SDTM folder has no "
            f"{frame.attrs['absent']} dataset, which the derivation needs"
        )
    if missing:
        raise AdamInputError(
            f"{dataset}: missing column(s) {', '.join(missing)} "
            f"(it has {', '.join(map(str, frame.columns)) or 'no columns'})"
        )


def text(series: pd.Series) -> pd.Series:
    """Text values stripped, blanks as None."""
    out = series.astype(object)
    out = out.where(out.notna(), None)
    return out.map(lambda v: (v.strip() or None) if isinstance(v, str) else (None if v is None else str(v)))


def number(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("float64")


def empty_like(columns) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


def derive_vars_merged(
    frame: pd.DataFrame, *, dataset_add: pd.DataFrame, by: list[str], new_vars: list[str], dataset: str = "dataset_add"
) -> pd.DataFrame:
    """Add ``new_vars`` of ``dataset_add`` (one record per ``by``) to ``frame``; existing columns are replaced."""
    assert_columns(dataset_add, [*by, *new_vars], dataset=dataset)
    add = dataset_add[[*by, *new_vars]]
    if add.duplicated(subset=by).any():
        dups = add.loc[add.duplicated(subset=by, keep=False), by].drop_duplicates().head(5).to_dict("records")
        raise AdamInputError(f"{dataset}: more than one record per {', '.join(by)}, e.g. {dups}")
    out = frame.drop(columns=[c for c in new_vars if c in frame.columns])
    merged = out.merge(add, on=by, how="left", validate="many_to_one")
    merged.index = frame.index
    return merged


def decode_map(spec: Spec, codelist: str) -> dict[str, str]:
    """Term -> decoded value of a codelist of the spec."""
    return {t.term: t.decoded_value for t in spec.codelist(codelist).terms if t.decoded_value is not None}


def encode_map(spec: Spec, codelist: str) -> dict[str, float]:
    """Decoded value -> numeric term (for the '(N)' codelists: '1' decodes 'CR')."""
    return {t.decoded_value: float(t.term) for t in spec.codelist(codelist).terms if t.decoded_value is not None}


def codelist_of(spec: Spec, dataset: str, variable: str) -> str:
    return spec.variable(dataset, variable).codelist


def derive_vars_param(frame: pd.DataFrame, *, spec: Spec, dataset: str) -> pd.DataFrame:
    """PARAM and PARAMN from PARAMCD, by the decodes of the spec's PARAMCD and PARAMN codelists."""
    assert_columns(frame, ["PARAMCD"], dataset=dataset)
    out = frame.copy()
    param = decode_map(spec, codelist_of(spec, dataset, "PARAMCD"))
    out["PARAM"] = out["PARAMCD"].map(param)
    if spec.has_dataset(dataset) and any(v.name == "PARAMN" for v in spec.variables_of(dataset)):
        numbers = encode_map(spec, codelist_of(spec, dataset, "PARAMN"))
        out["PARAMN"] = out["PARAM"].map(numbers).astype("float64")
    return out


def derive_var_extreme_flag(
    frame: pd.DataFrame,
    *,
    by: list[str],
    order: list[str],
    new_var: str,
    mode: str = "first",
    ascending: list[bool] | bool = True,
    filter: pd.Series | None = None,
) -> pd.DataFrame:
    """``new_var`` 'Y' on the first (or last) record per ``by`` in ``order``, among ``filter`` records."""
    out = frame.copy()
    keep = pd.Series(True, index=out.index) if filter is None else filter.fillna(False).astype(bool)
    sub = out[keep].sort_values(order, ascending=ascending, kind="mergesort", na_position="last")
    pick = (
        sub.groupby(by, sort=False, dropna=False).head(1)
        if mode == "first"
        else sub.groupby(by, sort=False, dropna=False).tail(1)
    )
    out[new_var] = np.where(out.index.isin(pick.index), "Y", None).astype(object)
    return out


def yes_no(condition, *, no: str | None = "N") -> np.ndarray:
    return np.where(np.asarray(condition, dtype=bool), "Y", no).astype(object)


def first_per_subject(frame: pd.DataFrame, mask: pd.Series, *, order: list[str], by: str = "USUBJID") -> pd.DataFrame:
    """The first record per subject among ``mask`` records, in ``order``."""
    sub = frame[mask.fillna(False).astype(bool)].sort_values([by, *order], kind="mergesort", na_position="last")
    return sub.drop_duplicates(subset=[by], keep="first").set_index(by)
