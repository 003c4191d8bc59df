"""The laboratory and vital sign tables: CTCAE grade shifts and the hypertension summary.

    lab_grades(adsl, adlb)                   per safety subject, parameter and direction: baseline and worst grade
    lab_shift_table(grades)                  baseline grade by worst post-baseline grade (ICH E3 14.3.4)
    lab_grade_summary_table(grades)          worst grade >= 1, >= 3, shifts to grade 3-4 from grade 0-2
    hypertension_grades(adsl, advs)          per safety subject: baseline and worst hypertension grade
    hypertension_table(grades)               subjects by worst hypertension grade
    blood_pressure_table(adsl, advs)         mean (SD) of the maximum post-baseline SBP and DBP against baseline

The subjects are those of the safety population (ADSL SAFFL 'Y'). A direction of a parameter is
graded where its records carry a CTCAE term (ATOXDSCL low, ATOXDSCH high). The baseline grade is
BTOXGRL / BTOXGRH (carried on every record); the worst post-baseline grade is the highest ATOXGRL /
ATOXGRH over the subject's post-baseline on-treatment observed records (ONTRTFL 'Y', ABLFL not 'Y',
DTYPE null: the MAXIMUM / MINIMUM copies are never counted twice). A grade the data do not give
(no record, a value not gradable) is Missing, and the subject stays in the denominator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .tables import _need, pct, population

GRADES = ("0", "1", "2", "3", "4")
MISSING = "Missing"
# (direction, CTCAE term, analysis grade, baseline grade)
DIRECTIONS = (("Low", "ATOXDSCL", "ATOXGRL", "BTOXGRL"), ("High", "ATOXDSCH", "ATOXGRH", "BTOXGRH"))
HYPERTENSION = ("SYSBP", "DIABP")
HYPERTENSION_GRADES = ("0", "1", "2", "3")
# the columns of a BDS dataset every table here reads
_BDS = ["USUBJID", "PARAMCD", "PARAM", "ONTRTFL", "ABLFL", "DTYPE"]


def _grade(values: pd.Series) -> pd.Series:
    """CTCAE grades given as text ("0".."4") as numbers; NaN where none is given."""
    return pd.to_numeric(values.astype("string").str.strip(), errors="coerce")


def _label(grade: float) -> str:
    return MISSING if pd.isna(grade) else str(int(grade))


def _observed(frame: pd.DataFrame) -> pd.Series:
    """The observed records (DTYPE null: not a derived MAXIMUM / MINIMUM copy)."""
    return frame["DTYPE"].isna() | frame["DTYPE"].astype("string").str.strip().eq("")


def _post_baseline(frame: pd.DataFrame) -> pd.Series:
    """The post-baseline on-treatment observed records: ONTRTFL 'Y', ABLFL not 'Y', DTYPE null."""
    return frame["ONTRTFL"].eq("Y") & ~frame["ABLFL"].eq("Y") & _observed(frame)


def _safety_records(adsl: pd.DataFrame, frame: pd.DataFrame, dataset: str, columns: list[str]) -> pd.DataFrame:
    _need(frame, dataset, [*_BDS, *columns])
    subjects = population(adsl, "SAFFL")
    return frame[frame["USUBJID"].isin(subjects)]


def lab_grades(adsl: pd.DataFrame, adlb: pd.DataFrame, dataset: str = "ADLB") -> pd.DataFrame:
    """One row per safety subject with a record of a parameter, per graded direction of that parameter:
    PARAMCD, Parameter (PARAM), Direction, CTCAE term, Baseline (grade, NaN: missing), Worst (the worst
    post-baseline on-treatment grade, NaN: missing), in PARAMN (else PARAMCD) order, low before high."""
    directions = [d for d in DIRECTIONS if d[1] in adlb.columns]
    _need(adlb, dataset, [*_BDS, *(c for d in directions for c in d[1:])])
    records = _safety_records(adsl, adlb, dataset, [])
    ordered = ["PARAMN", "PARAMCD"] if "PARAMN" in records.columns else ["PARAMCD"]
    params = records.drop_duplicates("PARAMCD").sort_values(ordered, kind="mergesort")
    out = []
    post = _post_baseline(records)
    for paramcd, param in zip(params["PARAMCD"], params["PARAM"], strict=True):
        of_param = records["PARAMCD"] == paramcd
        subjects = pd.Index(records.loc[of_param, "USUBJID"].unique(), name="USUBJID")
        for direction, term_var, grade_var, base_var in directions:
            terms = records.loc[of_param, term_var].dropna()
            terms = terms[terms.astype(str).str.strip() != ""]
            if terms.empty:
                continue
            rows = records[of_param]
            baseline = _grade(rows[base_var]).groupby(rows["USUBJID"]).max().reindex(subjects)
            on_treatment = rows[post[of_param]]
            worst = _grade(on_treatment[grade_var]).groupby(on_treatment["USUBJID"]).max().reindex(subjects)
            out.append(
                pd.DataFrame(
                    {
                        "PARAMCD": paramcd,
                        "Parameter": param,
                        "Direction": direction,
                        "CTCAE term": str(terms.mode().iloc[0]),
                        "USUBJID": subjects,
                        "Baseline": baseline.to_numpy(dtype="float64"),
                        "Worst": worst.to_numpy(dtype="float64"),
                    }
                )
            )
    columns = ["PARAMCD", "Parameter", "Direction", "CTCAE term", "USUBJID", "Baseline", "Worst"]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=columns)


_KEYS = ["PARAMCD", "Parameter", "Direction", "CTCAE term"]


def lab_shift_table(grades: pd.DataFrame) -> pd.DataFrame:
    """Per parameter and direction (lab_grades), the subjects by baseline grade (rows 0-4, Missing, Total)
    and worst post-baseline grade (columns 0-4, Missing, Total), n and % of N (the parameter's subjects)."""
    categories = (*GRADES, MISSING)
    columns = [*_KEYS, "Baseline grade"]
    for worst in (*categories, "Total"):
        name = f"Worst grade {worst}" if worst != MISSING else "Worst grade missing"
        columns += [name, f"{name} %"] if worst != "Total" else ["Total", "Total %"]
    columns.append("N")
    out = []
    for keys, block in grades.groupby(_KEYS, sort=False):
        n = len(block)
        baseline, worst = block["Baseline"].map(_label), block["Worst"].map(_label)
        for row_label in (*categories, "Total"):
            row: dict[str, object] = dict(zip(_KEYS, keys, strict=True))
            row["Baseline grade"] = row_label
            in_row = baseline.index if row_label == "Total" else baseline.index[baseline == row_label]
            for worst_label in categories:
                k = int((worst.loc[in_row] == worst_label).sum())
                name = f"Worst grade {worst_label}" if worst_label != MISSING else "Worst grade missing"
                row[name], row[f"{name} %"] = k, pct(k, n)
            row["Total"], row["Total %"] = len(in_row), pct(len(in_row), n)
            row["N"] = n
            out.append(row)
    return pd.DataFrame(out, columns=columns)


def lab_grade_summary_table(grades: pd.DataFrame) -> pd.DataFrame:
    """Per parameter and direction: subjects with a worst post-baseline grade >= 1 and >= 3, and those
    whose grade rose to 3-4 from a baseline grade of 0-2, each n and % of N (the parameter's subjects)."""
    out = []
    for keys, block in grades.groupby(_KEYS, sort=False):
        n = len(block)
        row: dict[str, object] = dict(zip(_KEYS, keys, strict=True))
        row["N"] = n
        kinds = (
            ("Grade >= 1", block["Worst"] >= 1),
            ("Grade >= 3", block["Worst"] >= 3),
            ("Grade 3-4 from baseline grade 0-2", block["Worst"].between(3, 4) & block["Baseline"].between(0, 2)),
        )
        for label, mask in kinds:
            k = int(mask.sum())
            row[label], row[f"{label} %"] = k, pct(k, n)
        out.append(row)
    columns = [*_KEYS, "N"] + [
        c for label in ("Grade >= 1", "Grade >= 3", "Grade 3-4 from baseline grade 0-2") for c in (label, f"{label} %")
    ]
    return pd.DataFrame(out, columns=columns)


def hypertension_grades(adsl: pd.DataFrame, advs: pd.DataFrame, dataset: str = "ADVS") -> pd.DataFrame:
    """Every safety subject (index USUBJID) with its hypertension grade at baseline (the higher of the SYSBP
    and DIABP BTOXGRH) and worst post-baseline on-treatment (the higher of their ATOXGRH); NaN: missing."""
    records = _safety_records(adsl, advs, dataset, ["ATOXGRH", "BTOXGRH"])
    subjects = population(adsl, "SAFFL")
    pressure = records[records["PARAMCD"].isin(HYPERTENSION)]
    baseline = _grade(pressure["BTOXGRH"]).groupby(pressure["USUBJID"]).max()
    post = pressure[_post_baseline(pressure)]
    worst = _grade(post["ATOXGRH"]).groupby(post["USUBJID"]).max()
    return pd.DataFrame(
        {
            "Baseline": baseline.reindex(subjects).to_numpy("float64"),
            "Worst": worst.reindex(subjects).to_numpy("float64"),
        },
        index=subjects,
    )


def hypertension_table(grades: pd.DataFrame) -> pd.DataFrame:
    """Safety subjects by worst post-baseline hypertension grade (0-3, any higher grade found, Missing, Total),
    then grade >= 3 and grade >= 3 from a baseline grade <= 2; n and % of N (the safety population)."""
    n = len(grades)
    worst = grades["Worst"].map(_label)
    found = sorted({g for g in worst if g not in (*HYPERTENSION_GRADES, MISSING)}, key=int)
    rows = []
    for label in (*HYPERTENSION_GRADES, *found, MISSING):
        k = int((worst == label).sum())
        rows.append((label, k))
    rows.append(("Total", n))
    rows.append(("Grade >= 3", int((grades["Worst"] >= 3).sum())))
    rows.append(
        ("Grade >= 3 from baseline grade <= 2", int(((grades["Worst"] >= 3) & (grades["Baseline"] <= 2)).sum()))
    )
    return pd.DataFrame(
        [{"Worst hypertension grade": label, "Subjects": k, "%": pct(k, n), "N": n} for label, k in rows]
    )


def _mean_sd(values: pd.Series) -> tuple[float, float]:
    values = values.dropna().astype("float64")
    mean = round(float(values.mean()), 1) if len(values) else np.nan
    sd = round(float(values.std(ddof=1)), 1) if len(values) > 1 else np.nan
    return mean, sd


def blood_pressure_table(adsl: pd.DataFrame, advs: pd.DataFrame, dataset: str = "ADVS") -> pd.DataFrame:
    """SYSBP and DIABP: over the safety subjects with a baseline and a post-baseline on-treatment value,
    the mean (SD) of the baseline, of the maximum post-baseline value and of its change from baseline."""
    records = _safety_records(adsl, advs, dataset, ["AVAL"])
    out = []
    for paramcd in HYPERTENSION:
        rows = records[records["PARAMCD"] == paramcd]
        if rows.empty:
            continue
        base_rows = rows[rows["ABLFL"].eq("Y") & _observed(rows)]
        baseline = base_rows.groupby("USUBJID")["AVAL"].first()
        post = rows[_post_baseline(rows)]
        maximum = post.groupby("USUBJID")["AVAL"].max()
        both = pd.DataFrame({"base": baseline, "max": maximum}).dropna()
        row: dict[str, object] = {"PARAMCD": paramcd, "Parameter": str(rows["PARAM"].iloc[0]), "N": len(both)}
        for label, values in (
            ("Baseline", both["base"]),
            ("Maximum post-baseline", both["max"]),
            ("Change", both["max"] - both["base"]),
        ):
            row[f"{label} mean"], row[f"{label} SD"] = _mean_sd(values)
        out.append(row)
    columns = ["PARAMCD", "Parameter", "N"] + [
        f"{label} {s}" for label in ("Baseline", "Maximum post-baseline", "Change") for s in ("mean", "SD")
    ]
    return pd.DataFrame(out, columns=columns)


__all__ = [
    "GRADES",
    "MISSING",
    "blood_pressure_table",
    "hypertension_grades",
    "hypertension_table",
    "lab_grade_summary_table",
    "lab_grades",
    "lab_shift_table",
]
