"""What every SDTM recipe receives: the raw export, the spec, the trial design,
the issue log and the datasets built so far (with their lineage columns)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from specs.model import Spec

from .issues import IssueLog
from .mapping import map_dataset
from .raw import FORM, ROW, FieldValues, RawData


@dataclass
class SdtmRun:
    raw: RawData
    spec: Spec
    issues: IssueLog
    design: dict[str, pd.DataFrame]
    study_id: str
    data_cutoff: str | None = None
    transliterate: bool = False
    participation_end: str = "death"  # [sdtm] participation_end: RFPENDTC of a subject who died
    rejected: pd.DataFrame | None = None  # raw rows (_FORM, _ROW) that make no record
    datasets: dict[str, pd.DataFrame] = field(default_factory=dict)
    joined: list[pd.DataFrame] = field(default_factory=list)
    field_values: FieldValues | None = None  # the raw fields' distinct values, shared with the screening

    def __post_init__(self) -> None:
        if self.field_values is None:
            self.field_values = FieldValues(self.raw)

    def map(self, dataset: str) -> pd.DataFrame:
        """The dataset's Mapping-sheet rules applied to the raw export, rejected rows left out.

        Rejected rows are mapped too, so that the problems of their fields are
        reported, and then dropped.
        """
        from .checks import check_dates, check_results, source_field

        frame = map_dataset(
            self.raw, self.spec, dataset, self.issues, joined=self.joined, field_values=self.field_values
        )
        fields = lambda var: source_field(self, frame, dataset, var)  # noqa: E731
        check_dates(frame, dataset=dataset, issues=self.issues, fields=fields)
        check_results(frame, dataset=dataset, issues=self.issues, fields=fields)
        if self.rejected is not None and len(self.rejected):
            keys = pd.MultiIndex.from_frame(self.rejected[[FORM, ROW]])
            rejected = pd.MultiIndex.from_frame(frame[[FORM, ROW]]).isin(keys)
            if rejected.any():
                frame = frame[~rejected]
        return frame

    def get(self, dataset: str) -> pd.DataFrame:
        try:
            return self.datasets[dataset]
        except KeyError:
            raise KeyError(
                f"{dataset} is needed here but has not been built yet (built: {', '.join(self.datasets) or 'none'})"
            ) from None
