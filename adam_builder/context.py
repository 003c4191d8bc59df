"""What the ADaM recipes share: the SDTM inputs, the spec, the settings, the datasets built so far."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from specs.config import AdamSettings
from specs.model import Spec

from .common import AdamInputError, derive_vars_merged
from .finish import finish_adam

ISSUE_COLUMNS = ["dataset", "USUBJID", "severity", "kind", "message"]


@dataclass
class AdamRun:
    sdtm: dict[str, pd.DataFrame]
    spec: Spec
    settings: AdamSettings
    datasets: dict[str, pd.DataFrame] = field(default_factory=dict)  # finished ADaM datasets
    failures: list[pd.DataFrame] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)

    def get(self, name: str) -> pd.DataFrame:
        """An SDTM dataset; an empty frame when the input folder has none (marked so, for
        common.assert_columns to say the dataset is absent)."""
        frame = self.sdtm.get(name)
        if frame is not None:
            return frame
        absent = pd.DataFrame(columns=["USUBJID"])
        absent.attrs["absent"] = name
        return absent

    def has(self, name: str) -> bool:
        frame = self.sdtm.get(name)
        return frame is not None and not frame.empty

    def finish(self, frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
        """The finishing call every recipe ends with: keep, order, sort, ASEQ, validate."""
        finished, failures = finish_adam(frame, spec=self.spec, dataset=dataset)
        self.failures.append(failures)
        return finished

    def add_issue(
        self, dataset: str, usubjid: str | None, kind: str, message: str, *, severity: str = "warning"
    ) -> None:
        self.issues.append(
            {"dataset": dataset, "USUBJID": usubjid, "severity": severity, "kind": kind, "message": message}
        )

    def merge_columns(self, frame: pd.DataFrame, names: dict[str, str], *, dataset: str) -> pd.DataFrame:
        """``frame`` with ADSL columns (``names``: variable -> ADSL column) joined by USUBJID; an
        ADSL column ADSL lacks is an error naming the dataset and the variable."""
        adsl = self.datasets.get("ADSL")
        if adsl is None:
            raise AdamInputError(f"{dataset}: its ADSL variables need ADSL, which was neither derived nor given")
        missing = [
            f"{dataset}.{name} (predecessor ADSL.{column})" for name, column in names.items() if column not in adsl
        ]
        if missing:
            raise AdamInputError(f"{dataset}: ADSL has no variable for {', '.join(missing)}")
        add = pd.DataFrame({"USUBJID": adsl["USUBJID"], **{name: adsl[column] for name, column in names.items()}})
        return derive_vars_merged(frame, dataset_add=add, by=["USUBJID"], new_vars=list(names), dataset="ADSL")

    def spec_names(self, dataset: str) -> list[str]:
        return [v.name for v in self.spec.variables_of(dataset)]
