"""Derivations every ADaM dataset uses: input checks, merges, flags, parameters from the spec."""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.model import Spec

from .registry import Derivation, columns_of

# a missing value as an array, for np.where and np.select (their results then hold objects)
NONE = np.array(None, dtype=object)


def fresh(frame):
    """The frame (or series) a derivation derives into, leaving its input as it was: a shallow
    copy under pandas copy-on-write (the mode build_adam runs in: a column written to the copy
    copies only that column), a deep copy otherwise."""
    return frame.copy(deep=not pd.get_option("mode.copy_on_write"))


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


def _text_value(v):
    return (v.strip() or None) if isinstance(v, str) else (None if v is None else str(v))


def text(series: pd.Series) -> pd.Series:
    """Text values stripped, blanks as None (each distinct value converted once)."""
    codes, uniques = pd.factorize(series.astype(object), use_na_sentinel=True)
    converted = np.array([_text_value(v) for v in uniques] + [None], dtype=object)
    return pd.Series(converted[codes], index=series.index, dtype=object)


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


def derive_vars_supp(frame: pd.DataFrame, *, supp: pd.DataFrame | None, names: list[str]) -> pd.DataFrame:
    """Each of ``names`` that is a QNAM of ``supp`` (a SUPP-- dataset) as a variable holding QVAL.

    A qualifier with a blank IDVAR joins by USUBJID (subject level, e.g. SUPPDM); one with
    IDVAR (e.g. AESEQ) joins by USUBJID and that variable of ``frame`` equal to IDVARVAL
    (compared as numbers when the variable is numeric). The first record per key counts.
    """
    out = frame.pipe(fresh)
    if supp is None or supp.empty:
        return out
    name = (
        f"SUPP{supp['RDOMAIN'].dropna().iloc[0]}" if "RDOMAIN" in supp and supp["RDOMAIN"].notna().any() else "SUPP--"
    )
    assert_columns(supp, ["USUBJID", "QNAM", "QVAL"], dataset=name)
    rows = supp[supp["QNAM"].isin(names)]
    idvar = text(rows["IDVAR"]).fillna("") if "IDVAR" in rows.columns else pd.Series("", index=rows.index)
    for key_var, group in rows.groupby(idvar, sort=False):
        if key_var:
            assert_columns(group, ["IDVARVAL"], dataset=name)
            assert_columns(out, [key_var], dataset=f"the dataset {name} qualifies")
            numeric = pd.api.types.is_numeric_dtype(out[key_var])
            supp_key = number(group["IDVARVAL"]) if numeric else text(group["IDVARVAL"])
            frame_key = number(out[key_var]) if numeric else text(out[key_var])
            keys = pd.MultiIndex.from_arrays([group["USUBJID"], supp_key])
            targets = pd.MultiIndex.from_arrays([out["USUBJID"], frame_key])
        else:
            keys, targets = pd.Index(group["USUBJID"]), pd.Index(out["USUBJID"])
        for qnam in dict.fromkeys(group["QNAM"]):
            values = pd.Series(group["QVAL"].to_numpy(dtype=object), index=keys)[(group["QNAM"] == qnam).to_numpy()]
            values = values[~values.index.duplicated()]
            mapped = values.reindex(targets).to_numpy(dtype=object)
            out[qnam] = np.where(pd.isna(mapped), NONE, mapped)
    return out


def derive_var_single_term(frame: pd.DataFrame, *, spec: Spec, dataset: str, new_var: str) -> pd.DataFrame:
    """``new_var`` on every record: the one term of its codelist in the spec (e.g. ADTTE.AVALU
    'DAYS'); an error naming the variable when its codelist has more terms or none."""
    value = single_term(spec, dataset, new_var)
    if value is None:
        raise AdamInputError(f"{dataset}.{new_var}: its codelist in the spec does not have exactly one term")
    out = frame.pipe(fresh)
    out[new_var] = value if len(out) else None
    return out


def derive_var_assigned(
    frame: pd.DataFrame,
    *,
    new_var: str,
    value: str | float | None,
    exclude_params: tuple[str, ...] | list[str] = (),
    only_missing: bool = True,
) -> pd.DataFrame:
    """``new_var`` = ``value`` on the records whose PARAMCD is not in ``exclude_params`` (every
    record when the dataset has no PARAMCD); with ``only_missing`` a value already there stays."""
    out = frame.pipe(fresh)
    mask = pd.Series(True, index=out.index)
    if exclude_params and "PARAMCD" in out.columns:
        mask &= ~out["PARAMCD"].isin(list(exclude_params))
    if new_var in out.columns:
        if only_missing:
            mask &= out[new_var].isna()
        column = out[new_var].astype(object)
    else:
        column = pd.Series(None, index=out.index, dtype=object)
    column[mask] = value
    out[new_var] = column
    return out


def derive_var_copy(frame: pd.DataFrame, *, new_var: str, source: str, dataset: str = "dataset") -> pd.DataFrame:
    """``new_var`` = the values of ``source`` (e.g. TRTA from TRT01A in a single-period study)."""
    assert_columns(frame, [source], dataset=dataset)
    out = frame.pipe(fresh)
    out[new_var] = out[source]
    return out


def derive_var_decode(
    frame: pd.DataFrame, *, spec: Spec, new_var: str, source: str, codelist: str, dataset: str = "dataset"
) -> pd.DataFrame:
    """``new_var``: the decoded value of ``source`` by the spec's ``codelist`` (its terms are
    values of ``source``): RACEGR1 from RACE, REGION1 from COUNTRY, ASEVN from AESEV. Null where
    ``source`` is null or not a term of the codelist."""
    assert_columns(frame, [source], dataset=dataset)
    if not spec.has_codelist(codelist):
        raise AdamInputError(f"{dataset}.{new_var}: the spec has no codelist {codelist}")
    decodes = decode_map(spec, codelist)
    values = frame[source].map(lambda v: None if pd.isna(v) else decodes.get(str(v)))
    out = frame.pipe(fresh)
    out[new_var] = values.astype(object).where(values.notna(), None)
    return out


def single_term(spec: Spec, dataset: str, variable: str) -> str | None:
    """The one term of the variable's codelist (e.g. ADTTE.AVALU 'DAYS'); None when the
    codelist has more terms, none, or is not in the spec."""
    codelist = spec.variable(dataset, variable).codelist
    terms = spec.codelist(codelist).terms if codelist and spec.has_codelist(codelist) else ()
    return terms[0].term if len(terms) == 1 else None


def decode_map(spec: Spec, codelist: str) -> dict[str, str]:
    """Term -> decoded value of a codelist of the spec."""
    return {t.term: t.decoded_value for t in spec.codelist(codelist).terms if t.decoded_value is not None}


def encode_map(spec: Spec, codelist: str) -> dict[str, float]:
    """Decoded value -> numeric term (for the '(N)' codelists: '1' decodes 'CR')."""
    return {t.decoded_value: float(t.term) for t in spec.codelist(codelist).terms if t.decoded_value is not None}


def codelist_of(spec: Spec, dataset: str, variable: str) -> str:
    """The codelist the spec gives the variable; a variable without one is an error naming it."""
    codelist = spec.variable(dataset, variable).codelist
    if not codelist:
        raise AdamInputError(f"{dataset}.{variable}: the spec gives it no codelist")
    return codelist


def derive_vars_param(frame: pd.DataFrame, *, spec: Spec, dataset: str) -> pd.DataFrame:
    """PARAM and PARAMN from PARAMCD, by the decodes of the spec's PARAMCD and PARAMN codelists."""
    assert_columns(frame, ["PARAMCD"], dataset=dataset)
    out = frame.pipe(fresh)
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
    out = frame.pipe(fresh)
    keep = pd.Series(True, index=out.index) if filter is None else filter.fillna(False).astype(bool)
    sub = out[keep].sort_values(order, ascending=ascending, kind="mergesort", na_position="last")
    pick = (
        sub.groupby(by, sort=False, dropna=False).head(1)
        if mode == "first"
        else sub.groupby(by, sort=False, dropna=False).tail(1)
    )
    out[new_var] = np.where(out.index.isin(pick.index), "Y", NONE).astype(object)
    return out


def yes_no(condition, *, no: str | None = "N") -> np.ndarray:
    return np.where(np.asarray(condition, dtype=bool), "Y", NONE if no is None else no).astype(object)


def first_per_subject(frame: pd.DataFrame, mask: pd.Series, *, order: list[str], by: str = "USUBJID") -> pd.DataFrame:
    """The first record per subject among ``mask`` records, in ``order``."""
    sub = frame[mask.fillna(False).astype(bool)].sort_values([by, *order], kind="mergesort", na_position="last")
    return sub.drop_duplicates(subset=[by], keep="first").set_index(by)


DERIVATIONS = {
    "derive_vars_merged": Derivation(derive_vars_merged, needs=columns_of(by=None), adds=columns_of(new_vars=None)),
    "derive_vars_supp": Derivation(derive_vars_supp, needs=(), adds=columns_of(names=None), optional={"supp": "none"}),
    "derive_vars_param": Derivation(derive_vars_param, adds=("PARAM", "PARAMN")),
    "derive_var_single_term": Derivation(derive_var_single_term, adds=columns_of(new_var=None)),
    "derive_var_assigned": Derivation(derive_var_assigned, adds=columns_of(new_var=None)),
    "derive_var_copy": Derivation(derive_var_copy, needs=columns_of(source=None), adds=columns_of(new_var=None)),
    "derive_var_decode": Derivation(derive_var_decode, needs=columns_of(source=None), adds=columns_of(new_var=None)),
}
