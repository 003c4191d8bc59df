"""The problems real EDC exports have, injected on purpose and listed.

Each injection is a (form, field, kind). Every eligible row of the form gets it
with probability ``rate`` (at least one row per injection when ``rate`` > 0 and
the form has an eligible row); a row takes at most one injection. Every change
is written to ``truth/messy_manifest.csv`` with the row number it has in the
written file (1 = first data row after the header).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from .dates import format_edc_date, parse_edc_date
from .settings import MEDICAL_HISTORY, SimulationSettings

MANIFEST_COLUMNS = ["FILE", "ROW", "FIELD", "KIND", "SUBJECT", "ORIGINAL", "INJECTED"]

PARTIAL_DATES = [
    ("AE", "AESTDAT"),
    ("AE", "AEENDAT"),
    ("CM", "CMSTDAT"),
    ("CM", "CMENDAT"),
    ("MH", "MHSTDAT"),
    ("PRTX", "PRSTDAT"),
    ("DX", "DXDAT"),
]
NON_ASCII = [("AE", "AETERM"), ("MH", "MHTERM"), ("AE", "AECOMM")]
LONG_TEXT = [("AE", "AECOMM"), ("RS", "RSCOMM")]
OUT_OF_CODELIST = {
    ("DM", "SEX"): {"Male": "M", "Female": "F"},
    ("AE", "AESER"): {"Yes": "Y", "No": "N"},
    ("AE", "AEOUT"): {
        "Recovered/Resolved": "Resolved",
        "Recovering/Resolving": "Improving",
        "Not recovered/Not resolved": "Ongoing",
    },
    ("RS", "OVRLRESP"): {
        "SD": "Stable disease",
        "PR": "Partial response",
        "PD": "Progression",
        "CR": "Complete response",
        "NE": "Not done",
    },
    ("TR", "TRSTAT"): {"Present": "Present (stable)", "Absent": "Disappeared"},
    ("ECOG", "ECOGPS"): {},  # the bare code: "1 - Restricted ..." -> "1"
}
END_BEFORE_START = [("AE", "AESTDAT", "AEENDAT"), ("CM", "CMSTDAT", "CMENDAT")]
DUPLICATES = ["AE", "CM", "TR", "SV", "EXANL", "LB", "VS"]
# lb: a unit outside the CRF's answers ("mg%": a CDISC synonym of mg/dL; "x10E9/L": no CDISC unit at all)
LAB_UNIT_SPELLING = {"mg/dL": "mg%", "10^9/L": "x10E9/L"}
LAB_COUNTS = ("Leukocytes", "Neutrophils", "Lymphocytes", "Platelets")
LONG_COMMENTS = (
    "Subject reported the event by telephone between visits; the investigator reviewed the home blood pressure "
    "diary, the local laboratory results and the concomitant medication log before assessing the grade, and the "
    "sponsor's medical monitor was informed by e-mail on the same day.",
    "Scan performed at an outside hospital because the site CT scanner was under maintenance; images were uploaded "
    "to the site PACS and re-read by the site radiologist, who confirmed the measurements recorded on this page and "
    "noted slice thickness of five millimetres.",
)
CHINESE_COMMENTS = ("患者自述症状已缓解", "外院检查结果，已核实", "受试者电话随访")


def _plain(number: Decimal) -> str:
    """A decimal as plain text: 1.8, 12, 0.5."""
    return format(number.normalize(), "f")


class Injector:
    """Injects messiness form by form (forms may arrive one at a time).

    Each form gets its own random stream (from ``seed`` and the form's name), so
    the result does not depend on the order forms are processed in. DM must be
    processed before ENR (the subjects dropped from DM are listed against their
    ENR row).
    """

    def __init__(self, seed: int, rate: float, s: SimulationSettings, files: dict[str, str]):
        self.seed = seed
        self.rate = rate
        self.files = files
        self.entries: list[dict] = []
        self.dropped_from_dm = np.array([], dtype=object)
        self.units = s.messy_units
        chinese = {p.term: p.chinese for p in s.ae_profile}
        chinese.update({"Infusion related reaction": "输液反应", "Haemorrhage": "出血", "Sepsis": "脓毒症"})
        chinese.update(dict(MEDICAL_HISTORY))
        self.chinese = chinese

    @staticmethod
    def _lab_results(frame: pd.DataFrame, choose, record, set_values) -> None:
        """The lb form's problems: results below or above a limit ("<3.4", ">150"), units outside the
        CRF's answers, missing reference ranges, impossible values (a negative count, a haemoglobin
        ten times too high: 150 g/dL)."""
        result = frame["LBORRES"].to_numpy(dtype=object)
        number = pd.to_numeric(pd.Series(result), errors="coerce").to_numpy(dtype=float)
        low = pd.to_numeric(frame["LBORNRLO"], errors="coerce").to_numpy(dtype=float)
        high = pd.to_numeric(frame["LBORNRHI"], errors="coerce").to_numpy(dtype=float)
        test = frame["LBTEST"].to_numpy(dtype=object)
        unit = frame["LBORRESU"].to_numpy(dtype=object)
        with np.errstate(invalid="ignore"):
            below = number < low
            above = number > 3 * high
        rows = choose(below)
        new = np.array(["<" + v for v in frame["LBORNRLO"].to_numpy(dtype=object)[rows]], dtype=object)
        record(rows, "LBORRES", "result_below_limit", result[rows], new)
        set_values("LBORRES", rows, new)
        rows = choose(above)
        limit = [_plain(Decimal(h) * 3) for h in frame["LBORNRHI"].to_numpy(dtype=object)[rows]]
        new = np.array([">" + v for v in limit], dtype=object)
        record(rows, "LBORRES", "result_above_limit", result[rows], new)
        set_values("LBORRES", rows, new)
        rows = choose(pd.Series(unit).isin(list(LAB_UNIT_SPELLING)).to_numpy())
        new = np.array([LAB_UNIT_SPELLING[u] for u in unit[rows]], dtype=object)
        record(rows, "LBORRESU", "unit_outside_codelist", unit[rows], new)
        set_values("LBORRESU", rows, new)
        rows = choose(~np.isnan(low) & ~np.isnan(high) & ~np.isnan(number))
        empty = np.full(rows.size, "", dtype=object)
        for field in ("LBORNRLO", "LBORNRHI"):
            record(rows, field, "missing_reference_range", frame[field].to_numpy(dtype=object)[rows], empty)
            set_values(field, rows, empty)
        counts = pd.Series(test).isin(LAB_COUNTS).to_numpy() & (number > 0)
        rows = choose(counts)
        new = np.array(["-" + v for v in result[rows]], dtype=object)
        record(rows, "LBORRES", "impossible_value", result[rows], new)
        set_values("LBORRES", rows, new)
        rows = choose((test == "Hemoglobin") & ~np.isnan(number))
        new = np.array([_plain(Decimal(v) * 10) for v in result[rows]], dtype=object)
        record(rows, "LBORRES", "impossible_value", result[rows], new)
        set_values("LBORRES", rows, new)

    def manifest(self) -> pd.DataFrame:
        manifest = pd.DataFrame(self.entries, columns=MANIFEST_COLUMNS)
        return manifest.sort_values(["FILE", "ROW", "KIND"], kind="stable").reset_index(drop=True)

    def apply(self, form: str, frame: pd.DataFrame) -> pd.DataFrame:
        """The messy version of one form (the input frame is modified)."""
        if self.rate <= 0:
            return frame
        rate = self.rate
        key = [self.seed, 1] + [ord(c) for c in form]
        rng = np.random.default_rng(np.random.SeedSequence(key))
        used = np.zeros(len(frame), dtype=bool)
        pending: list[dict] = []  # positions are original row indices until the end

        def choose(eligible: np.ndarray) -> np.ndarray:
            idx = np.flatnonzero(eligible & ~used)
            if idx.size == 0:
                return idx
            chosen = idx[rng.random(idx.size) < rate]
            if chosen.size == 0:
                chosen = idx[rng.integers(0, idx.size, 1)]
            used[chosen] = True
            return chosen

        def record(rows, field, kind, original, injected):
            subjects = frame["SUBJECT"].to_numpy()[rows]
            for r, subj, o, v in zip(rows, subjects, original, injected, strict=False):
                pending.append(
                    {"pos": int(r), "FIELD": field, "KIND": kind, "SUBJECT": subj, "ORIGINAL": o, "INJECTED": v}
                )

        def set_values(field, rows, values):
            column = frame[field].to_numpy(dtype=object).copy()
            column[rows] = values
            frame[field] = column

        def complete_date(field):
            values = frame[field].to_numpy(dtype=object)
            return pd.Series(values).str.match(r"^\d{2} [A-Z]{3} \d{4}$").fillna(False).to_numpy(dtype=bool)

        for f, field in PARTIAL_DATES:
            if f != form:
                continue
            rows = choose(complete_date(field))
            old = frame[field].to_numpy(dtype=object)[rows]
            unk_month = rng.random(rows.size) < 0.3
            new = np.array(
                [("UN UNK " + v[-4:]) if m else ("UN " + v[3:]) for v, m in zip(old, unk_month, strict=False)],
                dtype=object,
            )
            set_values(field, rows, new)
            record(rows, field, "partial_date", old, new)

        for f, field in NON_ASCII:
            if f != form:
                continue
            values = frame[field].to_numpy(dtype=object)
            if field.endswith("COMM"):
                rows = choose(values == "")
                new = np.asarray(CHINESE_COMMENTS, dtype=object)[rng.integers(0, len(CHINESE_COMMENTS), rows.size)]
            else:
                known = pd.Series(values).map(self.chinese).notna().to_numpy()
                rows = choose(known)
                new = np.array([self.chinese[v] for v in values[rows]], dtype=object)
            old = values[rows]
            set_values(field, rows, new)
            record(rows, field, "non_ascii_text", old, new)

        for f, field in LONG_TEXT:
            if f != form:
                continue
            values = frame[field].to_numpy(dtype=object)
            rows = choose(values == "")
            new = np.asarray(LONG_COMMENTS, dtype=object)[rng.integers(0, len(LONG_COMMENTS), rows.size)]
            set_values(field, rows, new)
            record(rows, field, "long_text", values[rows], new)

        for (f, field), mapping in OUT_OF_CODELIST.items():
            if f != form:
                continue
            values = frame[field].to_numpy(dtype=object)
            if mapping:
                rows = choose(pd.Series(values).isin(list(mapping)).to_numpy())
                new = np.array([mapping[v] for v in values[rows]], dtype=object)
            else:
                rows = choose(pd.Series(values).str.contains(" - ", regex=False).fillna(False).to_numpy(dtype=bool))
                new = np.array([v.split(" - ")[0] for v in values[rows]], dtype=object)
            set_values(field, rows, new)
            record(rows, field, "out_of_codelist", values[rows], new)

        for f, start_field, end_field in END_BEFORE_START:
            if f != form:
                continue
            rows = choose(complete_date(start_field) & complete_date(end_field))
            start = parse_edc_date(frame[start_field].to_numpy(dtype=object)[rows]).to_numpy()
            old = frame[end_field].to_numpy(dtype=object)[rows]
            new = format_edc_date(start - rng.integers(1, 31, rows.size))
            set_values(end_field, rows, new)
            record(rows, end_field, "end_before_start", old, new)

        if form == "TR":
            target_post = (
                (frame["TUCAT"].to_numpy() == "Target")
                & (frame["FOLDER"].to_numpy() != "SCRN")
                & (frame["TRDIAM"].to_numpy() != "")
            )
            rows = choose(target_post)
            old = frame["TRDIAM"].to_numpy(dtype=object)[rows]
            empty = np.full(rows.size, "", dtype=object)
            set_values("TRDIAM", rows, empty)
            record(rows, "TRDIAM", "missing_measurement", old, empty)
            if self.units:  # the same diameter in cm (TRDIAMU says so): the SDTM standard result is still mm
                diam = frame["TRDIAM"].to_numpy(dtype=object)
                rows = choose(
                    (frame["TUCAT"].to_numpy() == "Target") & (frame["TRDIAMU"].to_numpy() == "mm") & (diam != "")
                )
                new = np.array([_plain(Decimal(v) / 10) for v in diam[rows]], dtype=object)
                record(rows, "TRDIAM", "unit_cm", diam[rows] + " mm", new + " cm")
                set_values("TRDIAM", rows, new)
                set_values("TRDIAMU", rows, np.full(rows.size, "cm", dtype=object))

        if form == "LB":
            self._lab_results(frame, choose, record, set_values)

        keep = np.ones(len(frame), dtype=bool)
        if form == "DM":  # subjects missing from demographics: their DM row is dropped
            drop_rows = choose(np.ones(len(frame), dtype=bool))
            self.dropped_from_dm = frame["SUBJECT"].to_numpy()[drop_rows]
            keep[drop_rows] = False
        if form == "ENR":
            rows = np.flatnonzero(frame["SUBJECT"].isin(self.dropped_from_dm).to_numpy())
            record(
                rows,
                "SUBJECT",
                "subject_not_in_demographics",
                np.full(rows.size, "", dtype=object),
                frame["SUBJECT"].to_numpy()[rows],
            )

        # duplicates, then final row numbers
        n = len(frame)
        dup = choose(np.ones(n, dtype=bool)) if form in DUPLICATES else np.array([], dtype=np.int64)
        order_key = np.concatenate([np.arange(n) * 2, dup * 2 + 1])
        keep_all = np.concatenate([keep, np.ones(dup.size, dtype=bool)])
        sort = np.argsort(order_key, kind="stable")
        sort = sort[keep_all[sort]]
        src_key = order_key[sort]
        originals = src_key % 2 == 0
        row_of = np.full(n, -1, dtype=np.int64)
        row_of[src_key[originals] // 2] = np.flatnonzero(originals) + 1
        file = self.files[form]
        for e in pending:
            pos = e.pop("pos")
            self.entries.append({"FILE": file, "ROW": int(row_of[pos]), **e})
        dup_src = src_key[~originals] // 2
        dup_rows = np.flatnonzero(~originals) + 1
        subjects = frame["SUBJECT"].to_numpy()
        for original, r in zip(dup_src, dup_rows, strict=False):
            self.entries.append(
                {
                    "FILE": file,
                    "ROW": int(r),
                    "FIELD": "",
                    "KIND": "duplicate_row",
                    "SUBJECT": subjects[original],
                    "ORIGINAL": str(row_of[original]),
                    "INJECTED": "",
                }
            )
        if dup.size == 0 and keep.all():
            return frame
        take = np.concatenate([np.arange(n), dup])[sort]
        return frame.iloc[take].reset_index(drop=True)
