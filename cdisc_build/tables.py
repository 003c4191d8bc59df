"""Writing report tables as CSV or xlsx, chosen by the file's suffix."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from specs.fileio import atomic_write_bytes, save_workbook


def write_table(table: pd.DataFrame, path: str | Path, sheet: str = "Sheet1") -> Path:
    """Write `table` to .csv or .xlsx, atomically and reproducibly."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return atomic_write_bytes(path, table.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    if path.suffix.lower() == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = sheet
        ws.append(list(table.columns))
        for row in table.itertuples(index=False):
            ws.append([None if pd.isna(v) else v for v in row])
        return save_workbook(wb, path)
    raise ValueError(f"{path}: a table is written as .csv or .xlsx, not {path.suffix or 'no suffix'}")
