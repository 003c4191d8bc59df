"""TA, TE, TV, TI and TS: the trial design, from the study's trial design workbook.

The protocol's design is written once, as SDTM-shaped tables (one sheet per
dataset), and checked here against the spec; STUDYID and DOMAIN are added. TS
gets TSSEQ within each parameter, TSPARM from the TSPARMCD codelist, and the
values only the data can give: SSTDTC (the first informed consent) and DCUTDTC
(the data cut-off of the run).
"""

from __future__ import annotations

import pandas as pd

from specs.model import Spec

from ..context import SdtmRun

DESIGN = ("TA", "TE", "TV", "TI")


def read_design(path) -> dict[str, pd.DataFrame]:
    """The trial design workbook: {sheet: frame}, blank cells as None. A formula whose value
    was not saved (it would read as empty) or is an error value stops the run, naming the cell."""
    from specs.findings import Finding, SpecError
    from specs.workbook import _cell_ref, formula_cells

    problems = [
        Finding(
            "error",
            "formula-without-value",
            f"cell {_cell_ref(row, column)} holds a formula "
            f"(={formula.text}): {formula.unusable}; save the workbook from a spreadsheet "
            f"application or type the value",
            sheet=sheet,
            row=row,
        )
        for sheet, cells in formula_cells(path).items()
        for (row, column), formula in cells.items()
        if formula.unusable
    ]
    if problems:
        raise SpecError(str(path), problems)
    # text such as "NA" (a TSVALNF null flavour) is a value, not a missing cell
    sheets = pd.read_excel(path, sheet_name=None, dtype=object, keep_default_na=False, na_values=[""])
    return {name.strip().upper(): frame.astype(object).where(frame.notna(), None) for name, frame in sheets.items()}


def _design_table(run: SdtmRun, dataset: str) -> pd.DataFrame:
    if dataset not in run.design:
        raise KeyError(f"the trial design workbook has no sheet {dataset}")
    frame = run.design[dataset].copy()
    unknown = [c for c in frame.columns if not any(v.name == c for v in run.spec.variables_of(dataset))]
    if unknown:
        raise KeyError(
            f"trial design sheet {dataset}: column(s) {', '.join(unknown)} are not variables of {dataset} in the spec"
        )
    frame.insert(0, "STUDYID", run.study_id)
    frame.insert(1, "DOMAIN", dataset)
    return frame


def build_design(run: SdtmRun, dataset: str) -> pd.DataFrame:
    return _design_table(run, dataset)


def build_ts(run: SdtmRun) -> pd.DataFrame:
    ts = _design_table(run, "TS")
    # values that come from the data and the run, not the protocol
    dm = run.get("DM")
    consent = dm["RFICDTC"].dropna().astype(str).str.slice(0, 10)
    fill = {"SSTDTC": consent.min() if not consent.empty else None, "DCUTDTC": run.data_cutoff}
    for code, value in fill.items():
        rows = (ts["TSPARMCD"] == code) & ts["TSVAL"].isna()
        ts.loc[rows, "TSVAL"] = value
        ts.loc[rows & pd.Series(value is None, index=ts.index), "TSVALNF"] = "UNK"
    ts["TSPARM"] = ts["TSPARMCD"].map(paired_terms(run.spec, "TS", "TSPARMCD", "TSPARM"))
    ts["TSSEQ"] = (ts.groupby("TSPARMCD").cumcount() + 1).astype("float64")
    return ts


def paired_terms(spec: Spec, dataset: str, code_var: str, name_var: str) -> dict[str, str | None]:
    """{code term: name term} of two paired codelists (TSPARMCD / TSPARM), by NCI code, else by decode."""
    codes, names = (spec.codelist(codelist_id(spec, dataset, var)) for var in (code_var, name_var))
    by_code = {t.nci_code: t.term for t in names.terms if t.nci_code}
    by_decode = {t.decoded_value: t.term for t in names.terms if t.decoded_value}
    return {t.term: by_code.get(t.nci_code or "") or by_decode.get(t.decoded_value or "") for t in codes.terms}


def codelist_id(spec: Spec, dataset: str, variable: str) -> str:
    """The codelist of a variable of the spec; a KeyError when it has none."""
    found = spec.variable(dataset, variable).codelist
    if found is None:
        raise KeyError(f"{dataset}.{variable} has no codelist in the spec")
    return found
