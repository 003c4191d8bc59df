"""SDTMIG 3.4 rules (and the FDA business rules on SDTM data).

Each rule names the CDISC CORE rule it matches (core) and that rule's CDISC ids
(ids: CGnnnn are SDTMIG conformance rules, FBnnnn FDA business rules). Rules
with no CORE id are ours, from the SDTMIG text.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from specs.limits import MAX_LABEL, MAX_NAME

from . import checks as c
from .checks import Vars, hit, not_applicable
from .context import (
    blank,
    complete_date,
    dtc_after,
    dtc_date,
    filled,
    is_numeric_text,
    number,
    study_day,
    text,
    text_profile,
)
from .model import Hit, Outcome, positions
from .registry import Catalogue

SD = "SDTMIG 3.4"
FDA = "FDA"
RULES = Catalogue()
add = RULES.add

YN = ("Y", "N")


# ---------------------------------------------------------------------------
# Identity and structure
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-001",
    "error",
    "--SEQ is unique within USUBJID in a domain",
    SD,
    ("SDTM",),
    c.unique(("--SEQ",), by=("USUBJID",)),
    core="CORE-000544",
    ids="CG0028",
    excludes=("TS", "SUPP--"),
)
add(
    "CB-SDTM-002",
    "error",
    "USUBJID is in DM",
    SD,
    ("SDTM",),
    c.in_reference("USUBJID", "DM"),
    core="CORE-000201",
    ids="CG0029",
    excludes=("DM", "TRIAL DESIGN"),
)


def _studyid_is_dm(ctx, name, frame):
    dm = ctx.dm
    if dm is None or name == "DM" or "STUDYID" not in frame.columns or "STUDYID" not in dm.columns:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    known = set(text(dm["STUDYID"])) - {""}
    bad = ~text(frame["STUDYID"]).isin(known)
    out = Outcome(len(frame), 0)
    if bad.any():
        out.hits.append(hit(v, bad, "STUDYID", detail=f"DM.STUDYID is {', '.join(sorted(known))}"))
    return out


add(
    "CB-SDTM-003", "error", "STUDYID equals DM.STUDYID", SD, ("SDTM",), _studyid_is_dm, core="CORE-000172", ids="CG0409"
)


def _dm_present(ctx, name, frame):
    sdtm = [n for n in ctx.names() if not ctx.is_adam(n)]
    if not sdtm:
        return Outcome(0, 0)
    out = Outcome(1, 0)
    if "DM" not in ctx.datasets:
        out.hits.append(Hit("DM", None, None, ["DM"], "the study has SDTM datasets but no DM"))
    return out


add(
    "CB-SDTM-004",
    "error",
    "A DM dataset is present",
    SD,
    ("STUDY",),
    _dm_present,
    core="CORE-000581",
    ids="CG0368;TRC1736a",
)
add(
    "CB-SDTM-005",
    "error",
    "DOMAIN is 2 characters long",
    SD,
    ("SDTM",),
    c.record_rule(("DOMAIN",), lambda v: text(v["DOMAIN"]).str.len() != 2, "DOMAIN"),
    core="CORE-000180",
    ids="CG0308",
    excludes=("RELATIONSHIP",),
)


def _name_starts_with_domain(ctx, name, frame):
    if "DOMAIN" not in frame.columns:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    bad = filled(frame["DOMAIN"]) & ~text(frame["DOMAIN"]).map(lambda d: name.startswith(d.upper()))
    out = Outcome(len(frame), 0)
    if bad.any():
        out.hits.append(hit(v, bad, "DOMAIN", detail=f"dataset {name}"))
    return out


add(
    "CB-SDTM-006",
    "error",
    "The dataset name begins with the DOMAIN value",
    SD,
    ("SDTM",),
    _name_starts_with_domain,
    core="CORE-000598",
    ids="CG0413",
    excludes=("SUPP--", "RELATIONSHIP"),
)


def _has_records(ctx, name, frame):
    out = Outcome(1, 0)
    if len(frame) == 0:
        out.hits.append(Hit(name, None, None, [0], "the dataset has no records"))
    return out


add(
    "CB-SDTM-007",
    "error",
    "A dataset has records (an empty dataset is not submitted)",
    SD,
    ("SDTM",),
    _has_records,
    core="CORE-000579",
    ids="CG0408",
)
add(
    "CB-SDTM-008",
    "error",
    "USUBJID is unique in DM",
    SD,
    ("DM",),
    c.unique(("USUBJID",), by=()),
    core="CORE-000351",
    ids="CG0151",
)
add(
    "CB-SDTM-009",
    "error",
    "SUBJID is unique in DM",
    SD,
    ("DM",),
    c.unique(("SUBJID",), by=()),
    core="CORE-000186",
    ids="CG0150",
)

# ---------------------------------------------------------------------------
# Study days
# ---------------------------------------------------------------------------
for _id, _dy in (("CB-SDTM-010", "--DY"), ("CB-SDTM-011", "--STDY"), ("CB-SDTM-012", "--ENDY")):
    add(
        _id,
        "error",
        f"{_dy} is never 0 (there is no day 0)",
        SD,
        ("SDTM",),
        c.record_rule(
            (_dy,), lambda v, d=_dy: number(v[d]) == 0, _dy, applicable=lambda v, d=_dy: number(v[d]).notna()
        ),
    )


def _study_day_rule(dy: str, dtc: str):
    def failing(v):
        expected = study_day(v.date(dtc), v.date("DM.RFSTDTC"))
        return number(v[dy]) != expected

    def applicable(v):
        return number(v[dy]).notna() & v.date(dtc).notna() & v.date("DM.RFSTDTC").notna()

    def detail(v):
        expected = study_day(v.date(dtc), v.date("DM.RFSTDTC"))
        return [f"expected {int(e)}" if pd.notna(e) else "" for e in expected]

    return c.record_rule(
        (dy, dtc, "DM.RFSTDTC"), failing, dy, applicable=applicable, show=(dy, dtc, "DM.RFSTDTC"), detail=detail
    )


add(
    "CB-SDTM-013",
    "error",
    "--DY is computed from --DTC and DM.RFSTDTC by the SDTMIG study day algorithm",
    SD,
    ("SDTM",),
    _study_day_rule("--DY", "--DTC"),
    core="CORE-000529",
    ids="CG0006;FB1603",
    excludes=("DM",),
)
add(
    "CB-SDTM-014",
    "error",
    "--STDY is computed from --STDTC and DM.RFSTDTC by the SDTMIG study day algorithm",
    SD,
    ("SDTM",),
    _study_day_rule("--STDY", "--STDTC"),
    core="CORE-000552",
    ids="CG0220",
    excludes=("DM",),
)
add(
    "CB-SDTM-015",
    "error",
    "--ENDY is computed from --ENDTC and DM.RFSTDTC by the SDTMIG study day algorithm",
    SD,
    ("SDTM",),
    _study_day_rule("--ENDY", "--ENDTC"),
    core="CORE-000553",
    ids="CG0222",
    excludes=("DM",),
)


def _day_null_when_partial(dy: str, dtc: str):
    return c.record_rule(
        (dy, dtc, "DM.RFSTDTC"),
        lambda v: number(v[dy]).notna(),
        dy,
        applicable=lambda v: ~(v.date(dtc).notna() & v.date("DM.RFSTDTC").notna()),
        show=(dy, dtc, "DM.RFSTDTC"),
    )


add(
    "CB-SDTM-016",
    "error",
    "--DY is null when the date of --DTC or DM.RFSTDTC is incomplete",
    SD,
    ("SDTM",),
    _day_null_when_partial("--DY", "--DTC"),
    core="CORE-000354",
    ids="CG0007",
    excludes=("DM",),
)
add(
    "CB-SDTM-017",
    "error",
    "--STDY is null when the date of --STDTC or DM.RFSTDTC is incomplete",
    SD,
    ("SDTM",),
    _day_null_when_partial("--STDY", "--STDTC"),
    core="CORE-000138",
    ids="CG0221",
    excludes=("DM",),
)
add(
    "CB-SDTM-018",
    "error",
    "--ENDY is null when the date of --ENDTC or DM.RFSTDTC is incomplete",
    SD,
    ("SDTM",),
    _day_null_when_partial("--ENDY", "--ENDTC"),
    core="CORE-000139",
    ids="CG0223",
    excludes=("DM",),
)
add(
    "CB-FDA-001",
    "warning",
    "--DY is populated when --DTC is populated",
    FDA,
    ("SDTM",),
    c.record_rule(
        ("--DY", "--DTC", "DM.RFSTDTC"),
        lambda v: number(v["--DY"]).isna(),
        "--DY",
        applicable=lambda v: v.date("--DTC").notna() & v.date("DM.RFSTDTC").notna(),
        show=("--DY", "--DTC"),
    ),
    core="CORE-000853",
    ids="FB1602",
    excludes=("DM",),
)
add(
    "CB-FDA-002",
    "warning",
    "--DY is in the dataset when --DTC is",
    FDA,
    ("SDTM",),
    c.variable_requires("--DTC", "--DY"),
    core="CORE-000321",
    ids="FB3201",
    excludes=("DM", "TRIAL DESIGN"),
)
add(
    "CB-FDA-003",
    "warning",
    "--STDY is in the dataset when --STDTC is",
    FDA,
    ("SDTM",),
    c.variable_requires("--STDTC", "--STDY"),
    core="CORE-000328",
    ids="FB3202",
    excludes=("DM",),
)
add(
    "CB-FDA-004",
    "warning",
    "--ENDY is in the dataset when --ENDTC is",
    FDA,
    ("SDTM",),
    c.variable_requires("--ENDTC", "--ENDY"),
    core="CORE-000776",
    ids="FB3203",
    excludes=("DM",),
)
add(
    "CB-FDA-005",
    "warning",
    "--DY is no later than --ENDY",
    FDA,
    ("FINDINGS",),
    c.record_rule(
        ("--DY", "--ENDY"),
        lambda v: number(v["--DY"]) > number(v["--ENDY"]),
        "--DY",
        applicable=lambda v: number(v["--DY"]).notna() & number(v["--ENDY"]).notna(),
        show=("--DY", "--ENDY"),
    ),
    core="CORE-000707",
    ids="FB3208",
)

# ---------------------------------------------------------------------------
# Dates in order
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-019",
    "error",
    "--STDTC is not after --ENDTC",
    FDA,
    ("INTERVENTIONS", "EVENTS", "SPECIAL PURPOSE"),
    c.not_after("--STDTC", "--ENDTC"),
    core="CORE-000718",
    ids="FB3209",
    excludes=("DM",),
)
add(
    "CB-SDTM-020",
    "error",
    "--DTC is not after --ENDTC",
    FDA,
    ("FINDINGS",),
    c.not_after("--DTC", "--ENDTC"),
    core="CORE-000866",
    ids="FB3210",
)
add(
    "CB-SDTM-021",
    "error",
    "RFSTDTC is not after RFENDTC",
    FDA,
    ("DM",),
    c.not_after("RFSTDTC", "RFENDTC"),
    core="CORE-000711",
    ids="FB3404",
)
add(
    "CB-SDTM-022",
    "error",
    "RFICDTC is not after RFSTDTC",
    FDA,
    ("DM",),
    c.not_after("RFICDTC", "RFSTDTC"),
    core="CORE-000713",
    ids="FB3411",
)
add(
    "CB-SDTM-023",
    "error",
    "RFICDTC is not after RFXSTDTC",
    FDA,
    ("DM",),
    c.not_after("RFICDTC", "RFXSTDTC"),
    core="CORE-000658",
    ids="FB3412",
)
add(
    "CB-SDTM-024",
    "error",
    "RFXSTDTC is not after RFXENDTC",
    FDA,
    ("DM",),
    c.not_after("RFXSTDTC", "RFXENDTC"),
    core="CORE-000714",
    ids="FB3408",
)
add(
    "CB-SDTM-025",
    "warning",
    "--DTC is not after DM.RFPENDTC (end of participation)",
    FDA,
    ("INTERVENTIONS", "EVENTS", "FINDINGS", "SPECIAL PURPOSE"),
    c.not_after("--DTC", "DM.RFPENDTC"),
    core="CORE-000720",
    ids="FB3406",
    excludes=("DM",),
)
add(
    "CB-SDTM-026",
    "warning",
    "--ENDTC is not after DM.RFPENDTC (end of participation)",
    FDA,
    ("INTERVENTIONS", "EVENTS", "FINDINGS", "SPECIAL PURPOSE"),
    c.not_after("--ENDTC", "DM.RFPENDTC"),
    core="CORE-000952",
    ids="FB3407",
    excludes=("DM", "DS"),
)


def _ae_before_last_ds(ctx, name, frame):
    ds = ctx.frame("DS")
    if ds is None or not {"USUBJID", "DSSTDTC"} <= set(ds.columns) or "AESTDTC" not in frame.columns:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    dates = ds[filled(ds["DSSTDTC"])]
    latest = dates.assign(_d=text(dates["DSSTDTC"])).groupby(text(dates["USUBJID"]))["_d"].max()
    last = text(frame["USUBJID"]).map(latest)
    app = filled(frame["AESTDTC"]) & last.notna()
    bad = app & dtc_after(frame["AESTDTC"], last.fillna(""))
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "AESTDTC", detail=[f"latest DSSTDTC {x}" for x in last.fillna("")]))
    return out


add(
    "CB-SDTM-027",
    "warning",
    "AESTDTC is not after the subject's latest DSSTDTC",
    FDA,
    ("AE",),
    _ae_before_last_ds,
    core="CORE-000717",
    ids="FB3401",
)
add(
    "CB-SDTM-028",
    "warning",
    "When an end (--ENDTC) is populated, the start (--STDTC) is too",
    FDA,
    ("INTERVENTIONS", "EVENTS"),
    c.if_filled_then_filled("--ENDTC", "--STDTC"),
    core="CORE-000892",
    ids="FB4301",
)

# ---------------------------------------------------------------------------
# DM: death
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-029",
    "error",
    "DTHFL is 'Y' or null",
    SD,
    ("DM",),
    c.value_in("DTHFL", ("Y",)),
    core="CORE-000006",
    ids="CG0131",
)
add(
    "CB-SDTM-030",
    "error",
    "DTHFL is 'Y' when DTHDTC is populated",
    SD,
    ("DM",),
    c.record_rule(
        ("DTHDTC", "DTHFL"),
        lambda v: text(v["DTHFL"]) != "Y",
        "DTHFL",
        applicable=lambda v: filled(v["DTHDTC"]),
        show=("DTHDTC", "DTHFL"),
    ),
    core="CORE-000007",
    ids="CG0435;FB0606",
)
add(
    "CB-SDTM-031",
    "warning",
    "DTHDTC is populated when DTHFL is 'Y'",
    FDA,
    ("DM",),
    c.record_rule(
        ("DTHDTC", "DTHFL"),
        lambda v: blank(v["DTHDTC"]),
        "DTHDTC",
        applicable=lambda v: text(v["DTHFL"]) == "Y",
        show=("DTHFL", "DTHDTC"),
    ),
    core="CORE-000705",
    ids="FB0610",
)


def _dthfl_when(reference: str, ref_filter, what: str):
    """DM.DTHFL is Y for every subject with a record in `reference` matching ref_filter."""

    def check(ctx, name, frame):
        ref = ctx.frame(reference)
        if (
            ref is None
            or "DTHFL" not in frame.columns
            or "USUBJID" not in frame.columns
            or "USUBJID" not in ref.columns
        ):
            return not_applicable(frame)
        try:
            ref = ref[ref_filter(ref).fillna(False).astype(bool)]
        except KeyError:
            return not_applicable(frame)
        v = Vars(ctx, name, frame)
        app = text(frame["USUBJID"]).isin(set(text(ref["USUBJID"])))
        bad = app & (text(frame["DTHFL"]) != "Y")
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        if bad.any():
            out.hits.append(hit(v, bad, "DTHFL", detail=f"the subject has {what}"))
        return out

    return check


add(
    "CB-SDTM-032",
    "error",
    "DTHFL is 'Y' when DS has a DEATH record for the subject",
    SD,
    ("DM",),
    _dthfl_when("DS", lambda d: text(d["DSDECOD"]) == "DEATH", "a DS record with DSDECOD DEATH"),
    core="CORE-000252",
    ids="CG0136;FB0605",
)
add(
    "CB-SDTM-033",
    "error",
    "DTHFL is 'Y' when AE has AESDTH = 'Y' for the subject",
    SD,
    ("DM",),
    _dthfl_when("AE", lambda d: text(d["AESDTH"]) == "Y", "an AE record with AESDTH Y"),
    core="CORE-000253",
    ids="CG0135;FB0604",
)
add(
    "CB-SDTM-034",
    "error",
    "DTHFL is 'Y' when AE has AEOUT = 'FATAL' for the subject",
    SD,
    ("DM",),
    _dthfl_when("AE", lambda d: text(d["AEOUT"]) == "FATAL", "an AE record with AEOUT FATAL"),
    core="CORE-000254",
    ids="CG0134;FB0603",
)
add(
    "CB-SDTM-035",
    "warning",
    "When DTHFL is 'Y', DS has a record with DSDECOD = 'DEATH' for the subject",
    FDA,
    ("DM",),
    c.subject_has_record(
        "DS",
        lambda d: text(d["DSDECOD"]) == "DEATH",
        lambda v: text(v["DTHFL"]) == "Y",
        "DTHFL",
        "DS record with DSDECOD DEATH",
    ),
    core="CORE-000679",
    ids="FB0608",
)
add(
    "CB-SDTM-036",
    "warning",
    "When DTHFL is 'Y', AE has a record with AEOUT = 'FATAL' for the subject",
    FDA,
    ("DM",),
    c.subject_has_record(
        "AE",
        lambda d: text(d["AEOUT"]) == "FATAL",
        lambda v: text(v["DTHFL"]) == "Y",
        "DTHFL",
        "AE record with AEOUT FATAL",
    ),
    core="CORE-001078",
    ids="FB0609",
)
add(
    "CB-SDTM-037",
    "error",
    "DSSTDTC of a DEATH record equals DM.DTHDTC",
    SD,
    ("DS",),
    c.record_rule(
        ("DSDECOD", "DSSTDTC", "DM.DTHDTC"),
        lambda v: text(v["DSSTDTC"]) != text(v["DM.DTHDTC"]),
        "DSSTDTC",
        applicable=lambda v: (text(v["DSDECOD"]) == "DEATH") & filled(v["DSSTDTC"]),
        show=("DSSTDTC", "DM.DTHDTC"),
    ),
    core="CORE-000034; CORE-000913",
    ids="CG0069;FB0611",
)
add(
    "CB-SDTM-038",
    "warning",
    "AEENDTC of a fatal adverse event equals DM.DTHDTC",
    FDA,
    ("AE",),
    c.record_rule(
        ("AEOUT", "AEENDTC", "DM.DTHDTC"),
        lambda v: text(v["AEENDTC"]) != text(v["DM.DTHDTC"]),
        "AEENDTC",
        applicable=lambda v: text(v["AEOUT"]) == "FATAL",
        show=("AEENDTC", "DM.DTHDTC"),
    ),
    core="CORE-000841",
    ids="FB0612",
)

# ---------------------------------------------------------------------------
# DM: arms, age, reference dates
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-039",
    "error",
    "ARMCD and ARM have a one-to-one relationship",
    FDA,
    ("DM", "TA", "TV"),
    c.one_to_one("ARMCD", "ARM"),
    core="CORE-000318",
    ids="FB0902",
)
add(
    "CB-SDTM-040",
    "error",
    "ACTARMCD and ACTARM have a one-to-one relationship",
    FDA,
    ("DM",),
    c.one_to_one("ACTARMCD", "ACTARM"),
    core="CORE-000791",
    ids="FB0903",
)
add(
    "CB-SDTM-041",
    "error",
    "ARMCD is populated when ARM is",
    SD,
    ("DM",),
    c.if_filled_then_filled("ARM", "ARMCD"),
    core="CORE-000119",
    ids="CG0521",
)
add(
    "CB-SDTM-042",
    "error",
    "ACTARMCD is populated when ACTARM is",
    SD,
    ("DM",),
    c.if_filled_then_filled("ACTARM", "ACTARMCD"),
    core="CORE-000120",
    ids="CG0522",
)
add(
    "CB-SDTM-043",
    "error",
    "ARMNRS is populated when ARMCD is null",
    SD,
    ("DM",),
    c.if_blank_then_filled("ARMCD", "ARMNRS"),
    core="CORE-000045",
    ids="CG0517",
)
add(
    "CB-SDTM-044",
    "error",
    "ARMNRS is populated when ARM is null",
    SD,
    ("DM",),
    c.if_blank_then_filled("ARM", "ARMNRS"),
    core="CORE-000046",
    ids="CG0519",
)
add(
    "CB-SDTM-045",
    "error",
    "ARMNRS is populated when ACTARMCD is null",
    SD,
    ("DM",),
    c.if_blank_then_filled("ACTARMCD", "ARMNRS"),
    core="CORE-000223",
    ids="CG0513",
)
add(
    "CB-SDTM-046",
    "error",
    "ARMNRS is populated when ACTARM is null",
    SD,
    ("DM",),
    c.if_blank_then_filled("ACTARM", "ARMNRS"),
    core="CORE-000224",
    ids="CG0515",
)
add(
    "CB-SDTM-047",
    "error",
    "ARMNRS is null when both ARMCD and ACTARMCD are populated",
    SD,
    ("DM",),
    c.record_rule(
        ("ARMCD", "ACTARMCD", "ARMNRS"),
        lambda v: filled(v["ARMNRS"]),
        "ARMNRS",
        applicable=lambda v: filled(v["ARMCD"]) & filled(v["ACTARMCD"]),
        show=("ARMCD", "ACTARMCD", "ARMNRS"),
    ),
    core="CORE-000121",
    ids="CG0520",
)
add(
    "CB-SDTM-048",
    "error",
    "ARMCD is in TA.ARMCD",
    SD,
    ("DM",),
    c.in_reference("ARMCD", "TA"),
    core="CORE-000210",
    ids="CG0516",
)
add(
    "CB-SDTM-049",
    "error",
    "ARM is in TA.ARM",
    SD,
    ("DM",),
    c.in_reference("ARM", "TA"),
    core="CORE-000047",
    ids="CG0518",
)
add(
    "CB-SDTM-050",
    "error",
    "ACTARMCD is in TA.ARMCD",
    SD,
    ("DM",),
    c.in_reference("ACTARMCD", "TA", "ARMCD"),
    core="CORE-000208",
    ids="CG0512",
)
add(
    "CB-SDTM-051",
    "error",
    "ACTARM is in TA.ARM",
    SD,
    ("DM",),
    c.in_reference("ACTARM", "TA", "ARM"),
    core="CORE-000209",
    ids="CG0514",
)
add(
    "CB-SDTM-052",
    "error",
    "ARMCD is at most 20 characters",
    SD,
    ("DM", "TA"),
    c.max_length("ARMCD", 20),
    core="CORE-000010",
    ids="CG0153",
)
add(
    "CB-SDTM-053",
    "error",
    "ACTARMCD is at most 20 characters",
    SD,
    ("DM",),
    c.max_length("ACTARMCD", 20),
    core="CORE-000185",
    ids="CG0123",
)
add(
    "CB-SDTM-054",
    "error",
    "ARM does not hold a reason for no arm (Screen Failure, Not Assigned, Unplanned Treatment, Not Treated): use ARMNRS",
    SD,
    ("DM", "TA", "TV"),
    c.value_not_in("ARM", ("SCREEN FAILURE", "NOT ASSIGNED", "UNPLANNED TREATMENT", "NOT TREATED")),
    core="CORE-000115",
    ids="CG0570",
)
add(
    "CB-SDTM-055",
    "notice",
    "ARMCD equals ACTARMCD (the subject got the treatment planned)",
    FDA,
    ("DM",),
    c.equal_values("ARMCD", "ACTARMCD"),
    core="CORE-000655",
    ids="FB2501",
)
add(
    "CB-SDTM-056",
    "notice",
    "ARM equals ACTARM (the subject got the treatment planned)",
    FDA,
    ("DM",),
    c.equal_values("ARM", "ACTARM"),
    core="CORE-000656",
    ids="FB2502",
)
add(
    "CB-SDTM-057",
    "error",
    "AGEU is populated when AGE is",
    SD,
    ("DM",),
    c.if_filled_then_filled("AGE", "AGEU"),
    core="CORE-000189",
    ids="CG0665",
)
add(
    "CB-SDTM-058",
    "error",
    "AGE is populated when AGEU is",
    SD,
    ("DM",),
    c.if_filled_then_filled("AGEU", "AGE"),
    core="CORE-000190",
    ids="CG0666",
)
add(
    "CB-SDTM-059", "error", "AGE is not negative", FDA, ("DM",), c.not_negative("AGE"), core="CORE-000310", ids="FB4001"
)
add(
    "CB-SDTM-060",
    "warning",
    "AGE is populated for every subject but screen failures (ARMNRS populated)",
    FDA,
    ("DM",),
    c.record_rule(
        ("AGE",),
        lambda v: blank(v["AGE"]),
        "AGE",
        applicable=lambda v: blank(v["ARMNRS"]) if v.present("ARMNRS") else pd.Series(True, index=v.frame.index),
    ),
    core="CORE-001043",
    ids="FB0501",
)


def _ex_bound(variable: str, first: bool):
    """RFXSTDTC is the earliest EXSTDTC; RFXENDTC the latest EXSTDTC or EXENDTC."""

    def check(ctx, name, frame):
        ex = ctx.frame("EX")
        if ex is None or variable not in frame.columns or "USUBJID" not in ex.columns or "EXSTDTC" not in ex.columns:
            return not_applicable(frame)
        cols = ["EXSTDTC"] if first else [x for x in ("EXSTDTC", "EXENDTC") if x in ex.columns]
        values = pd.concat([pd.DataFrame({"u": text(ex["USUBJID"]), "d": text(ex[col])}) for col in cols])
        values = values[values["d"] != ""]
        bound = values.groupby("u")["d"].min() if first else values.groupby("u")["d"].max()
        v = Vars(ctx, name, frame)
        expected = text(frame["USUBJID"]).map(bound)
        app = expected.notna()
        got = text(frame[variable])
        # equal at the precision both carry (a date equals a datetime on that day)
        n = np.minimum(got.str.len().to_numpy(), expected.fillna("").str.len().to_numpy())
        same = pd.Series(
            [g[:k] == e[:k] and k > 0 for g, e, k in zip(got, expected.fillna(""), n, strict=False)], index=frame.index
        )
        bad = app & ~same
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        if bad.any():
            out.hits.append(hit(v, bad, variable, detail=[f"EX gives {e}" for e in expected.fillna("")]))
        return out

    return check


add(
    "CB-SDTM-061",
    "error",
    "RFXSTDTC equals the subject's earliest EXSTDTC",
    SD,
    ("DM",),
    _ex_bound("RFXSTDTC", True),
    core="CORE-000239",
    ids="CG0148",
)
add(
    "CB-SDTM-062",
    "error",
    "RFXENDTC equals the subject's latest EXSTDTC or EXENDTC",
    SD,
    ("DM",),
    _ex_bound("RFXENDTC", False),
    core="CORE-000238",
    ids="CG0147",
)


def _dm_subject_in_ex(ctx, name, frame):
    ex = ctx.frame("EX")
    if ex is None or "USUBJID" not in frame.columns:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    app = blank(frame["ARMNRS"]) if "ARMNRS" in frame.columns else pd.Series(True, index=frame.index)
    bad = app & ~text(frame["USUBJID"]).isin(set(text(ex["USUBJID"])))
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "USUBJID", detail="no EX record and ARMNRS is null"))
    return out


add(
    "CB-SDTM-063",
    "error",
    "A subject with no EX record has ARMNRS populated (screen failure, not assigned, not treated)",
    FDA,
    ("DM",),
    _dm_subject_in_ex,
    core="CORE-000885; CORE-000886",
    ids="FB2302;FB2306",
)
add(
    "CB-SDTM-064",
    "error",
    "A subject with EX records is assigned to an arm (ARMCD populated)",
    FDA,
    ("DM",),
    c.record_rule(
        ("ARMCD",),
        lambda v: blank(v["ARMCD"]),
        "ARMCD",
        applicable=lambda v: (
            text(v.frame["USUBJID"]).isin(set(text(v.ctx.frame("EX")["USUBJID"])))
            if v.ctx.frame("EX") is not None and "USUBJID" in v.frame.columns
            else pd.Series(False, index=v.frame.index)
        ),
    ),
    core="CORE-000927",
    ids="FB2304",
)
add(
    "CB-SDTM-065",
    "error",
    "A subject with ACTARMCD populated has disposition (DS) records",
    SD,
    ("DM",),
    c.subject_has_record("DS", None, lambda v: filled(v["ACTARMCD"]), "ACTARMCD", "DS record"),
    core="CORE-000296",
    ids="CG0540",
)


def _rficdtc_is_first_consent(ctx, name, frame):
    ds = ctx.frame("DS")
    if ds is None or "RFICDTC" not in frame.columns or not {"USUBJID", "DSDECOD", "DSSTDTC"} <= set(ds.columns):
        return not_applicable(frame)
    consent = ds[text(ds["DSDECOD"]) == "INFORMED CONSENT OBTAINED"]
    consent = consent[filled(consent["DSSTDTC"])]
    first = (
        pd.Series(text(consent["DSSTDTC"]).to_numpy(), index=text(consent["USUBJID"]).to_numpy()).groupby(level=0).min()
    )
    v = Vars(ctx, name, frame)
    expected = text(frame["USUBJID"]).map(first)
    app = expected.notna()
    bad = app & (text(frame["RFICDTC"]) != expected.fillna(""))
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "RFICDTC", detail=[f"earliest consent DSSTDTC {e}" for e in expected.fillna("")]))
    return out


add(
    "CB-SDTM-066",
    "error",
    "RFICDTC equals the earliest DSSTDTC of an INFORMED CONSENT OBTAINED record",
    SD,
    ("DM",),
    _rficdtc_is_first_consent,
    core="CORE-000370; CORE-000363",
    ids="CG0143;CG0068",
)

# ---------------------------------------------------------------------------
# AE
# ---------------------------------------------------------------------------
_AE_YN = (
    ("CB-SDTM-067", "AESER", "CORE-000087", "CG0387"),
    ("CB-SDTM-068", "AESCAN", "CORE-000123", "CG0388"),
    ("CB-SDTM-069", "AESCONG", "CORE-000124", "CG0389"),
    ("CB-SDTM-070", "AESDISAB", "CORE-000125", "CG0390"),
    ("CB-SDTM-071", "AESDTH", "CORE-000126", "CG0391"),
    ("CB-SDTM-072", "AESHOSP", "CORE-000127", "CG0392"),
    ("CB-SDTM-073", "AESLIFE", "CORE-000128", "CG0393"),
    ("CB-SDTM-074", "AESOD", "CORE-000129", "CG0394"),
    ("CB-SDTM-075", "AESMIE", "CORE-000130", "CG0395"),
    ("CB-SDTM-076", "AECONTRT", "CORE-000131", "CG0396"),
)
for _id, _var, _core, _cg in _AE_YN:
    add(_id, "error", f"{_var} is 'Y' or 'N' when populated", SD, ("AE",), c.value_in(_var, YN), core=_core, ids=_cg)

_SERIOUS = ("AESCAN", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESOD", "AESMIE")


def _any_criterion(v: Vars) -> pd.Series:
    out = pd.Series(False, index=v.frame.index)
    for s in _SERIOUS:
        if v.present(s):
            out |= text(v[s]) == "Y"
    return out


add(
    "CB-SDTM-077",
    "error",
    "AESER is 'Y' when a seriousness criterion (AESCAN ... AESMIE) is 'Y'",
    SD,
    ("AE",),
    c.record_rule(("AESER",), lambda v: text(v["AESER"]) != "Y", "AESER", applicable=_any_criterion),
    core="CORE-000022",
    ids="CG0041",
)
add(
    "CB-SDTM-078",
    "error",
    "When AESER is 'Y', at least one seriousness criterion is 'Y'",
    SD,
    ("AE",),
    c.record_rule(
        ("AESER",),
        lambda v: ~_any_criterion(v),
        "AESER",
        applicable=lambda v: (
            (text(v["AESER"]) == "Y") & pd.Series(any(v.present(s) for s in _SERIOUS), index=v.frame.index)
        ),
    ),
    core="CORE-000266",
    ids="CG0042",
)
add(
    "CB-SDTM-079",
    "warning",
    "AEENDTC is null when AEOUT is NOT RECOVERED/NOT RESOLVED",
    FDA,
    ("AE",),
    c.when_value("AEOUT", ("NOT RECOVERED/NOT RESOLVED",), "AEENDTC", "blank"),
    core="CORE-000657",
    ids="FB3409",
)
add(
    "CB-SDTM-080",
    "warning",
    "AEENDTC is populated when AEOUT is RECOVERED/RESOLVED",
    FDA,
    ("AE",),
    c.when_value("AEOUT", ("RECOVERED/RESOLVED",), "AEENDTC", "filled"),
    core="CORE-000659",
    ids="FB3410",
)
add(
    "CB-SDTM-081",
    "error",
    "--TOXGR is populated when --TOX is",
    SD,
    ("AE",),
    c.if_filled_then_filled("--TOX", "--TOXGR"),
    core="CORE-000102",
    ids="CG0428",
)
add(
    "CB-SDTM-082",
    "error",
    "--BDSYCD is populated when --BODSYS is",
    SD,
    ("EVENTS",),
    c.if_filled_then_filled("--BODSYS", "--BDSYCD"),
    core="CORE-000024",
    ids="CG0082",
)
add(
    "CB-SDTM-083",
    "error",
    "--DECOD is populated when --PTCD is",
    SD,
    ("EVENTS",),
    c.if_filled_then_filled("--PTCD", "--DECOD"),
    core="CORE-000267",
    ids="CG0050",
)
for _id, _a, _b, _core, _ids in (
    ("CB-SDTM-084", "--BODSYS", "--BDSYCD", "CORE-000184", "CG0083;FB0910"),
    ("CB-SDTM-085", "--DECOD", "--PTCD", "CORE-000268", "CG0049;FB0909"),
    ("CB-SDTM-086", "--LLTCD", "--LLT", "CORE-000706", "FB0906"),
    ("CB-SDTM-087", "--HLTCD", "--HLT", "CORE-000723", "FB0907"),
    ("CB-SDTM-088", "--HLGTCD", "--HLGT", "CORE-000719", "FB0908"),
    ("CB-SDTM-089", "--SOCCD", "--SOC", "CORE-000716", "FB0911"),
):
    add(
        _id,
        "error",
        f"{_a} and {_b} have a one-to-one relationship",
        SD if _ids.startswith("CG") else FDA,
        ("EVENTS",),
        c.one_to_one(_a, _b),
        core=_core,
        ids=_ids,
    )
add(
    "CB-SDTM-090",
    "error",
    "--BODSYS equals --SOC (the primary SOC is used for analysis)",
    SD,
    ("EVENTS",),
    c.equal_values("--BODSYS", "--SOC"),
    core="CORE-000264",
    ids="CG0039",
    excludes=("DS", "DV", "HO"),
)
add(
    "CB-SDTM-091",
    "error",
    "--BDSYCD equals --SOCCD (the primary SOC is used for analysis)",
    SD,
    ("EVENTS",),
    c.equal_values("--BDSYCD", "--SOCCD"),
    core="CORE-000362",
    ids="CG0037",
    excludes=("DS", "DV", "HO"),
)

# ---------------------------------------------------------------------------
# Categories and 'OTHER' / 'MULTIPLE'
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-092",
    "error",
    "--CAT differs from --DECOD",
    SD,
    ("EVENTS",),
    c.different_values("--CAT", "--DECOD"),
    core="CORE-000196",
    ids="CG0337",
)
add(
    "CB-SDTM-093",
    "error",
    "--SCAT differs from --DECOD",
    SD,
    ("EVENTS",),
    c.different_values("--SCAT", "--DECOD"),
    core="CORE-000195",
    ids="CG0338",
)
add(
    "CB-SDTM-094",
    "error",
    "--CAT differs from --BODSYS",
    SD,
    ("EVENTS",),
    c.different_values("--CAT", "--BODSYS"),
    core="CORE-000197",
    ids="CG0339",
)
add(
    "CB-SDTM-095",
    "error",
    "--SCAT differs from --BODSYS",
    SD,
    ("EVENTS",),
    c.different_values("--SCAT", "--BODSYS"),
    core="CORE-000198",
    ids="CG0340",
)
add(
    "CB-SDTM-096",
    "error",
    "--SCAT differs from --CAT",
    SD,
    ("SDTM",),
    c.different_values("--SCAT", "--CAT"),
    core="CORE-000237",
    ids="CG0027",
)
add(
    "CB-SDTM-097",
    "error",
    "--CAT differs from DOMAIN",
    SD,
    ("SDTM",),
    c.different_values("--CAT", "DOMAIN"),
    core="CORE-000272",
    ids="CG0336",
)
add(
    "CB-SDTM-098",
    "error",
    "--CAT is populated when --SCAT is",
    SD,
    ("SDTM",),
    c.if_filled_then_filled("--SCAT", "--CAT"),
    core="CORE-000103",
    ids="CG0429",
    excludes=("TRIAL DESIGN",),
)
add(
    "CB-SDTM-099",
    "error",
    "--CAT is in the dataset when --SCAT is",
    SD,
    ("SDTM",),
    c.variable_requires("--SCAT", "--CAT"),
    core="CORE-000104",
    ids="CG0430",
    excludes=("TRIAL DESIGN",),
)
for _id, _var, _word, _cls, _core, _cg in (
    ("CB-SDTM-100", "--TERM", "OTHER", "EVENTS", "CORE-000161", "CG0343"),
    ("CB-SDTM-101", "--TERM", "MULTIPLE", "EVENTS", "CORE-000164", "CG0346"),
    ("CB-SDTM-102", "--TRT", "OTHER", "INTERVENTIONS", "CORE-000160", "CG0342"),
    ("CB-SDTM-103", "--TRT", "MULTIPLE", "INTERVENTIONS", "CORE-000163", "CG0345"),
    ("CB-SDTM-104", "--TESTCD", "OTHER", "FINDINGS", "CORE-000159", "CG0341"),
    ("CB-SDTM-105", "--TESTCD", "MULTIPLE", "FINDINGS", "CORE-000162", "CG0344"),
):
    add(_id, "error", f"{_var} is not '{_word}'", SD, (_cls,), c.value_not_in(_var, (_word,)), core=_core, ids=_cg)

# ---------------------------------------------------------------------------
# Interventions
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-106",
    "error",
    "--DOSE is not negative",
    FDA,
    ("INTERVENTIONS",),
    c.not_negative("--DOSE"),
    core="CORE-000308",
    ids="FB4002",
)
add(
    "CB-SDTM-107",
    "error",
    "--DOSTOT is not negative",
    FDA,
    ("INTERVENTIONS",),
    c.not_negative("--DOSTOT"),
    core="CORE-000517",
    ids="FB4003",
)
add(
    "CB-SDTM-108",
    "error",
    "--DOSE and --DOSTXT are not both populated",
    SD,
    ("INTERVENTIONS",),
    c.not_both_filled("--DOSE", "--DOSTXT"),
    core="CORE-000092",
    ids="CG0110;CG0111",
)


def _dosu_needed(v: Vars) -> pd.Series:
    out = pd.Series(False, index=v.frame.index)
    for x in ("--DOSE", "--DOSTOT", "--DOSTXT"):
        if v.present(x):
            out |= filled(v[x])
    return out


add(
    "CB-SDTM-109",
    "error",
    "--DOSU is populated when --DOSE, --DOSTOT or --DOSTXT is",
    SD,
    ("INTERVENTIONS",),
    c.record_rule(("--DOSU",), lambda v: blank(v["--DOSU"]), "--DOSU", applicable=_dosu_needed),
    core="CORE-000093",
    ids="CG0114",
)
add(
    "CB-SDTM-110",
    "error",
    "--DOSTXT is not a number (a numeric dose goes in --DOSE)",
    SD,
    ("INTERVENTIONS",),
    c.record_rule(
        ("--DOSTXT",), lambda v: is_numeric_text(v["--DOSTXT"]), "--DOSTXT", applicable=lambda v: filled(v["--DOSTXT"])
    ),
    core="CORE-000094",
    ids="CG0112",
)
add(
    "CB-SDTM-111",
    "error",
    "EXDOSE is 0 when EXTRT is PLACEBO",
    SD,
    ("EX",),
    c.record_rule(
        ("EXTRT", "EXDOSE"),
        lambda v: number(v["EXDOSE"]) != 0,
        "EXDOSE",
        applicable=lambda v: text(v["EXTRT"]).str.upper() == "PLACEBO",
        show=("EXTRT", "EXDOSE"),
    ),
    core="CORE-000005",
    ids="CG0102",
)
add(
    "CB-SDTM-112",
    "error",
    "--CLASCD and --CLAS have a one-to-one relationship",
    FDA,
    ("CM",),
    c.one_to_one("--CLASCD", "--CLAS"),
    core="CORE-000792",
    ids="FB0905",
)


def _ex_present(ctx, name, frame):
    dm = ctx.dm
    if dm is None or "ACTARMCD" not in dm.columns:
        return Outcome(0, 0)
    treated = filled(dm["ACTARMCD"]).any()
    out = Outcome(1, 0)
    if treated and "EX" not in ctx.datasets:
        out.hits.append(Hit("EX", None, None, ["EX"], "DM has subjects with an actual arm but there is no EX dataset"))
    return out


add(
    "CB-SDTM-113",
    "error",
    "EX is present when subjects received study treatment",
    SD,
    ("STUDY",),
    _ex_present,
    core="CORE-000739",
    ids="CG0407",
)
add(
    "CB-SDTM-114",
    "error",
    "--STRF is null when --OCCUR is 'N'",
    SD,
    ("INTERVENTIONS", "EVENTS"),
    c.when_value("--OCCUR", ("N",), "--STRF", "blank"),
    core="CORE-000240",
    ids="CG0420",
)
add(
    "CB-SDTM-115",
    "error",
    "--ENRF is null when --OCCUR is 'N'",
    SD,
    ("INTERVENTIONS", "EVENTS"),
    c.when_value("--OCCUR", ("N",), "--ENRF", "blank"),
    core="CORE-000241",
    ids="CG0421",
)
add(
    "CB-SDTM-116",
    "error",
    "--ENRTPT is BEFORE, COINCIDENT, ONGOING, AFTER or UNKNOWN",
    SD,
    ("SDTM",),
    c.value_in("--ENRTPT", ("BEFORE", "COINCIDENT", "ONGOING", "AFTER", "UNKNOWN")),
    core="CORE-000572",
    ids="CG0235",
)
add(
    "CB-SDTM-117",
    "error",
    "--STRTPT is BEFORE, COINCIDENT or UNKNOWN",
    SD,
    ("SDTM",),
    c.value_in("--STRTPT", ("BEFORE", "COINCIDENT", "UNKNOWN")),
    core="CORE-000763",
    ids="CG0232",
)
add(
    "CB-SDTM-118",
    "error",
    "--ENRTPT is populated when --ENTPT is",
    SD,
    ("SDTM",),
    c.if_filled_then_filled("--ENTPT", "--ENRTPT"),
    core="CORE-000106",
    ids="CG0045",
)
add(
    "CB-SDTM-119",
    "error",
    "--STRTPT is populated when --STTPT is",
    SD,
    ("SDTM",),
    c.if_filled_then_filled("--STTPT", "--STRTPT"),
    core="CORE-000085",
    ids="CG0059",
)
add(
    "CB-SDTM-120",
    "error",
    "--ENRTPT is in the dataset when --ENTPT is",
    SD,
    ("SDTM",),
    c.variable_requires("--ENTPT", "--ENRTPT"),
    core="CORE-000084",
    ids="CG0057",
)
add(
    "CB-SDTM-121",
    "error",
    "--ENTPT is in the dataset when --ENRTPT is",
    SD,
    ("SDTM",),
    c.variable_requires("--ENRTPT", "--ENTPT"),
    core="CORE-000171",
    ids="CG0058",
)
add(
    "CB-SDTM-122",
    "error",
    "--STTPT is in the dataset when --STRTPT is",
    SD,
    ("SDTM",),
    c.variable_requires("--STRTPT", "--STTPT"),
    core="CORE-000258",
    ids="CG0062",
)
add(
    "CB-SDTM-123",
    "error",
    "--STRTPT is in the dataset when --STTPT is",
    SD,
    ("SDTM",),
    c.variable_requires("--STTPT", "--STRTPT"),
    core="CORE-000261",
    ids="CG0060",
)

# ---------------------------------------------------------------------------
# DS
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-124",
    "error",
    "DSDECOD is COMPLETED when DSTERM is COMPLETED",
    SD,
    ("DS",),
    c.when_value("DSTERM", ("COMPLETED",), "DSDECOD", "in", ("COMPLETED",)),
    core="CORE-000033",
    ids="CG0065",
)
add(
    "CB-SDTM-125",
    "warning",
    "DSCAT is populated",
    FDA,
    ("DS",),
    c.required_filled("DSCAT"),
    core="CORE-000522",
    ids="FB1401",
)
add(
    "CB-SDTM-126",
    "error",
    "At most one DISPOSITION EVENT record per subject per DSSCAT per EPOCH",
    SD,
    ("DS",),
    c.record_rule(
        ("DSCAT", "DSSCAT", "EPOCH"),
        lambda v: pd.DataFrame({k: text(v[k]) for k in ("USUBJID", "DSSCAT", "EPOCH")}).duplicated(keep=False),
        "EPOCH",
        applicable=lambda v: text(v["DSCAT"]) == "DISPOSITION EVENT",
        show=("DSSCAT", "EPOCH"),
    ),
    core="CORE-000213; CORE-000214; CORE-000215",
    ids="CG0536;CG0538;CG0539",
)

# ---------------------------------------------------------------------------
# Visits, epochs, elements
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-127",
    "error",
    "VISITNUM is among the subject's SV.VISITNUM",
    SD,
    ("GENERAL",),
    c.in_reference("VISITNUM", "SV", by_subject=True),
    core="CORE-000168",
    ids="CG0034",
)


def _visit_known(ctx, name, frame):
    """Every visit is planned (TV) or was done (SV): VISITNUM in TV or in the subject's SV."""
    tv, sv = ctx.frame("TV"), ctx.frame("SV")
    if "VISITNUM" not in frame.columns or (tv is None and sv is None) or name in ("TV", "SV"):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    visit = text(frame["VISITNUM"])
    app = visit != ""
    ok = pd.Series(False, index=frame.index)
    if tv is not None and "VISITNUM" in tv.columns:
        ok |= visit.isin(set(text(tv["VISITNUM"])))
    if sv is not None and {"VISITNUM", "USUBJID"} <= set(sv.columns) and "USUBJID" in frame.columns:
        known = set(zip(text(sv["USUBJID"]), text(sv["VISITNUM"]), strict=False))
        ok |= pd.Series(list(zip(text(frame["USUBJID"]), visit, strict=False)), index=frame.index).isin(known)
    bad = app & ~ok
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "VISITNUM", show=("VISITNUM", "VISIT")))
    return out


add("CB-SDTM-128", "error", "Every visit is in TV (planned) or in the subject's SV (done)", SD, ("SDTM",), _visit_known)
add(
    "CB-SDTM-129",
    "error",
    "VISIT and VISITNUM have a one-to-one relationship",
    SD,
    ("SDTM",),
    c.one_to_one("VISITNUM", "VISIT"),
    core="CORE-000361",
    ids="CG0035;FB0919",
)
add(
    "CB-SDTM-130",
    "error",
    "VISITNUM is unique within a subject in SV",
    SD,
    ("SV",),
    c.unique(("VISITNUM",), by=("USUBJID",)),
    core="CORE-000204",
    ids="CG0410",
)


def _visitdy_planned(ctx, name, frame):
    tv = ctx.frame("TV")
    if tv is None or "VISITNUM" not in tv.columns:
        return not_applicable(frame)
    return c.record_rule(
        ("VISITDY", "VISITNUM"),
        lambda v: ~text(v["VISITNUM"]).isin(set(text(tv["VISITNUM"]))),
        "VISITDY",
        applicable=lambda v: number(v["VISITDY"]).notna(),
        show=("VISITNUM", "VISITDY"),
    )(ctx, name, frame)


add(
    "CB-SDTM-131",
    "error",
    "VISITDY is null when VISITNUM is not in TV (unplanned visits have no planned day)",
    SD,
    ("SDTM",),
    _visitdy_planned,
    core="CORE-000140",
    ids="CG0225",
    excludes=("TV",),
)
add(
    "CB-SDTM-132",
    "error",
    "EPOCH is in TA.EPOCH",
    SD,
    ("SDTM",),
    c.in_reference("EPOCH", "TA"),
    core="CORE-000271",
    ids="CG0009",
    excludes=("TA",),
)
add(
    "CB-SDTM-133",
    "warning",
    "EPOCH is populated for subject-level observations",
    FDA,
    ("GENERAL",),
    c.required_filled("EPOCH"),
    core="CORE-000701",
    ids="FB2201",
    excludes=("DD", "PP", "MH"),
)


def _epoch_matches_se(date_var: str | None = None):
    """A record's EPOCH is the epoch of the subject's element (SE) that holds its date."""

    def check(ctx, name, frame):
        se = ctx.frame("SE")
        if se is None or name == "SE" or "EPOCH" not in frame.columns or "USUBJID" not in frame.columns:
            return not_applicable(frame)
        if not {"USUBJID", "SESTDTC", "EPOCH"} <= set(se.columns):
            return not_applicable(frame)
        v = Vars(ctx, name, frame)
        cls = ctx.dataset_class(name)
        candidates = [date_var] if date_var else (["--DTC"] if cls == "FINDINGS" else ["--STDTC", "--DTC"])
        if name == "SV":
            candidates = ["SVSTDTC"]
        dates = None
        for cand in candidates:
            if v.present(cand):
                dates = dtc_date(v[cand])
                break
        if dates is None:
            return not_applicable(frame)
        app = dates.notna() & filled(frame["EPOCH"])
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        if not app.any():
            return out
        if ("se-elements",) not in ctx._cache:  # SE's elements with their dates, built once per run
            elements = pd.DataFrame(
                {
                    "u": text(se["USUBJID"]),
                    "start": dtc_date(se["SESTDTC"]),
                    "end": dtc_date(se["SEENDTC"]) if "SEENDTC" in se.columns else pd.NaT,
                    "epoch": text(se["EPOCH"]),
                }
            )
            ctx._cache[("se-elements",)] = elements[elements["start"].notna()]
        elements = ctx._cache[("se-elements",)]
        records = pd.DataFrame(
            {
                "pos": np.arange(len(frame)),
                "u": text(frame["USUBJID"]).to_numpy(),
                "d": dates.to_numpy(),
                "epoch": text(frame["EPOCH"]).to_numpy(),
            }
        )[app.to_numpy()]
        joined = records.merge(elements, on="u", how="left", suffixes=("", "_se"))
        inside = (joined["start"] <= joined["d"]) & (joined["end"].isna() | (joined["d"] <= joined["end"]))
        joined["match"] = inside & (joined["epoch"] == joined["epoch_se"])
        has_element = joined.assign(inside=inside).groupby("pos")["inside"].any()
        matched = joined.groupby("pos")["match"].any()
        bad_pos = matched.index[(~matched) & has_element.reindex(matched.index, fill_value=False)]
        if len(bad_pos):  # the expected epochs, joined as text, only for the failing records
            wrong = joined[inside & joined["pos"].isin(bad_pos)]
            expected = wrong.groupby("pos")["epoch_se"].agg(lambda s: "/".join(sorted(set(s))))
            mask = np.zeros(len(frame), dtype=bool)
            mask[bad_pos.to_numpy()] = True
            detail = np.array([""] * len(frame), dtype=object)
            for p in bad_pos:
                detail[p] = f"SE gives {expected.get(p, '')}"
            out.hits.append(hit(v, mask, "EPOCH", detail=detail))
        return out

    return check


add(
    "CB-SDTM-134",
    "error",
    "EPOCH is consistent with SE: it is the epoch of the subject's element on the record's date",
    SD,
    ("GENERAL",),
    _epoch_matches_se(),
)
add(
    "CB-SDTM-135",
    "error",
    "SV EPOCH matches the SE element that holds SVSTDTC",
    SD,
    ("SV",),
    _epoch_matches_se("SVSTDTC"),
    core="CORE-000097",
    ids="CG0218",
)


def _se_next_start(ctx, name, frame):
    """SEENDTC equals the next element's SESTDTC; only the last element may lack an end."""
    need = {"USUBJID", "SESTDTC", "SEENDTC"}
    if not need <= set(frame.columns):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    data = pd.DataFrame(
        {
            "u": text(frame["USUBJID"]),
            "s": text(frame["SESTDTC"]),
            "e": text(frame["SEENDTC"]),
            "o": number(frame["SESEQ"]) if "SESEQ" in frame.columns else 0.0,
        }
    )
    data = data.sort_values(["u", "s", "o"], kind="stable")
    data["next"] = data.groupby("u")["s"].shift(-1)
    has_next = data["next"].notna()
    bad_sorted = has_next & (data["e"] != data["next"].fillna(""))
    bad = pd.Series(False, index=frame.index)
    bad[data.index[bad_sorted.to_numpy()]] = True
    nxt = pd.Series("", index=frame.index, dtype=object)
    nxt[data.index] = data["next"].fillna("").to_numpy()
    out = Outcome(int(has_next.sum()), int(len(frame) - has_next.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "SEENDTC", detail=[f"next SESTDTC {x}" for x in nxt]))
    return out


add(
    "CB-SDTM-136",
    "error",
    "SEENDTC equals the SESTDTC of the subject's next element",
    SD,
    ("SE",),
    _se_next_start,
    core="CORE-000352",
    ids="CG0207",
)


def _se_end_unless_last(ctx, name, frame):
    if not {"USUBJID", "SESTDTC", "SEENDTC"} <= set(frame.columns):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    start = text(frame["SESTDTC"])
    last = start.groupby(text(frame["USUBJID"])).transform("max")
    app = start != last
    bad = app & blank(frame["SEENDTC"])
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "SEENDTC"))
    return out


add(
    "CB-SDTM-137",
    "error",
    "SEENDTC is populated for every element but the subject's last",
    SD,
    ("SE",),
    _se_end_unless_last,
    core="CORE-000527",
    ids="CG0209",
)


def _seq_chronological(ctx, name, frame):
    seq, start = ctx.var(name, "--SEQ"), ctx.var(name, "--STDTC")
    if not {"USUBJID", seq, start} <= set(frame.columns):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    data = pd.DataFrame({"u": text(frame["USUBJID"]), "q": number(frame[seq]), "s": text(frame[start])})
    data = data.sort_values(["u", "q"], kind="stable")
    prev = data.groupby("u")["s"].shift(1)
    bad_sorted = prev.notna() & (data["s"] != "") & (prev != "") & (data["s"] < prev.fillna(""))
    bad = pd.Series(False, index=frame.index)
    bad[data.index[bad_sorted.to_numpy()]] = True
    out = Outcome(len(frame), 0)
    if bad.any():
        out.hits.append(hit(v, bad, seq, show=("--SEQ", "--STDTC")))
    return out


add(
    "CB-SDTM-138",
    "error",
    "--SEQ follows the chronological order of --STDTC within a subject",
    SD,
    ("SE",),
    _seq_chronological,
    core="CORE-000535",
    ids="CG0620;CG0662",
)
add(
    "CB-SDTM-139",
    "error",
    "SESTDTC is populated",
    SD,
    ("SE",),
    c.required_filled("SESTDTC"),
    core="CORE-000002",
    ids="CG0208",
)
add(
    "CB-SDTM-140",
    "error",
    "ETCD is in TE.ETCD (or is UNPLAN)",
    SD,
    ("SE", "TA"),
    c.in_reference("ETCD", "TE", applicable=lambda v: text(v["ETCD"]) != "UNPLAN"),
    core="CORE-000173",
    ids="CG0414",
)
add(
    "CB-SDTM-141",
    "error",
    "ELEMENT is null when ETCD is UNPLAN",
    SD,
    ("SE",),
    c.when_value("ETCD", ("UNPLAN",), "ELEMENT", "blank"),
    core="CORE-000009",
    ids="CG0152",
)
add(
    "CB-SDTM-142",
    "error",
    "TAETORD is null when ETCD is UNPLAN",
    SD,
    ("SE",),
    c.when_value("ETCD", ("UNPLAN",), "TAETORD", "blank"),
    core="CORE-000020",
    ids="CG0206",
)
add(
    "CB-SDTM-143",
    "error",
    "SEUPDES is populated when ETCD is UNPLAN",
    SD,
    ("SE",),
    c.when_value("ETCD", ("UNPLAN",), "SEUPDES", "filled"),
    core="CORE-000256",
    ids="CG0210",
)
add(
    "CB-SDTM-144",
    "error",
    "SEUPDES is null unless ETCD is UNPLAN",
    SD,
    ("SE",),
    c.record_rule(
        ("ETCD", "SEUPDES"),
        lambda v: filled(v["SEUPDES"]),
        "SEUPDES",
        applicable=lambda v: text(v["ETCD"]) != "UNPLAN",
        show=("ETCD", "SEUPDES"),
    ),
    core="CORE-000095",
    ids="CG0211",
)
add(
    "CB-SDTM-145",
    "error",
    "ETCD is at most 8 characters",
    SD,
    ("TA", "TE", "SE"),
    c.max_length("ETCD", MAX_NAME),
    core="CORE-000143",
    ids="CG0246",
)
add(
    "CB-SDTM-146",
    "error",
    "ETCD and ELEMENT have a one-to-one relationship",
    SD,
    ("TE", "TA", "SE"),
    c.one_to_one("ETCD", "ELEMENT"),
    core="CORE-000132",
    ids="CG0154;FB0914",
)

# ---------------------------------------------------------------------------
# Trial design
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-147",
    "error",
    "TAETORD is unique within an arm",
    SD,
    ("TA",),
    c.unique(("TAETORD",), by=("ARMCD",)),
    core="CORE-000144",
    ids="CG0247",
)
add(
    "CB-SDTM-148",
    "error",
    "TAETORD is an integer",
    SD,
    ("TA",),
    c.record_rule(
        ("TAETORD",),
        lambda v: ~number(v["TAETORD"]).map(lambda x: float(x).is_integer() if pd.notna(x) else False),
        "TAETORD",
        applicable=lambda v: filled(v["TAETORD"]),
    ),
    core="CORE-000534",
    ids="CG0248",
)
add(
    "CB-SDTM-149",
    "error",
    "TEENRL or TEDUR is populated for each element",
    SD,
    ("TE",),
    c.record_rule(
        ("ETCD",),
        lambda v: (
            (blank(v["TEENRL"]) if v.present("TEENRL") else True) & (blank(v["TEDUR"]) if v.present("TEDUR") else True)
        ),
        "TEENRL",
    ),
    core="CORE-000027",
    ids="CG0328;CG0329",
)
add(
    "CB-SDTM-150",
    "error",
    "TV.ARMCD is in TA.ARMCD",
    SD,
    ("TV",),
    c.in_reference("ARMCD", "TA"),
    core="CORE-000155",
    ids="CG0293",
)
add(
    "CB-SDTM-151",
    "error",
    "TV.ARM is in TA.ARM",
    SD,
    ("TV",),
    c.in_reference("ARM", "TA"),
    core="CORE-000156",
    ids="CG0294",
)
add(
    "CB-SDTM-152",
    "error",
    "TV.ARMCD is at most 20 characters",
    SD,
    ("TV",),
    c.max_length("ARMCD", 20),
    core="CORE-000157",
    ids="CG0297",
)


def _ti_unique(ctx, name, frame):
    """CORE-000146 applies when TI has no TIVERS; with TIVERS, IETESTCD is unique within each version."""
    columns = ("TIVERS", "IETESTCD") if "TIVERS" in frame.columns else ("IETESTCD",)
    return c.unique(columns, by=(), variable="IETESTCD")(ctx, name, frame)


add(
    "CB-SDTM-153",
    "error",
    "IETESTCD is unique in TI (within TIVERS when TI has it)",
    SD,
    ("TI",),
    _ti_unique,
    core="CORE-000146; CORE-000145",
    ids="CG0256;CG0255",
)
add(
    "CB-SDTM-154",
    "error",
    "IETESTCD and IETEST have a one-to-one relationship",
    FDA,
    ("TI",),
    c.one_to_one("IETESTCD", "IETEST"),
    core="CORE-000743",
    ids="FB0918",
)
add(
    "CB-SDTM-155",
    "error",
    "IETESTCD is at most 8 letters, digits or underscores and does not start with a digit",
    SD,
    ("TI",),
    c.pattern("IETESTCD", r"^[A-Za-z_][A-Za-z0-9_]{0,7}$"),
    core="CORE-000541",
    ids="CG0372",
)
add(
    "CB-SDTM-156",
    "error",
    "IECAT is populated when IESCAT is",
    SD,
    ("TI",),
    c.if_filled_then_filled("IESCAT", "IECAT"),
    core="CORE-000785",
    ids="CG0429",
)
add(
    "CB-SDTM-157",
    "error",
    "TSVAL or TSVALNF is populated",
    SD,
    ("TS",),
    c.record_rule(
        ("TSVAL",), lambda v: blank(v["TSVAL"]) & (blank(v["TSVALNF"]) if v.present("TSVALNF") else True), "TSVAL"
    ),
    core="CORE-000149",
    ids="CG0259",
)
add(
    "CB-SDTM-158",
    "error",
    "TSVAL and TSVALNF are not both populated",
    SD,
    ("TS",),
    c.not_both_filled("TSVAL", "TSVALNF"),
    core="CORE-000150",
    ids="CG0260",
)
add(
    "CB-SDTM-159",
    "error",
    "TSVAL is populated when TSVAL1 is",
    SD,
    ("TS",),
    c.if_filled_then_filled("TSVAL1", "TSVAL"),
    core="CORE-000151",
    ids="CG0261",
)
add(
    "CB-SDTM-160",
    "error",
    "TSVCDREF is populated when TSVCDVER is",
    SD,
    ("TS",),
    c.if_filled_then_filled("TSVCDVER", "TSVCDREF"),
    core="CORE-000153",
    ids="CG0266",
)
add(
    "CB-SDTM-161",
    "error",
    "TSSEQ is unique within TSPARMCD",
    SD,
    ("TS",),
    c.unique(("TSSEQ",), by=("TSPARMCD",)),
    core="CORE-000154",
    ids="CG0268",
)
add(
    "CB-SDTM-162",
    "error",
    "TSPARMCD and TSPARM have a one-to-one relationship",
    SD,
    ("TS",),
    c.one_to_one("TSPARMCD", "TSPARM"),
    core="CORE-000179",
    ids="CG0307;FB0916",
)
add(
    "CB-SDTM-163",
    "error",
    "TSVALCD and TSVAL have a one-to-one relationship",
    SD,
    ("TS",),
    c.one_to_one("TSVALCD", "TSVAL"),
    core="CORE-000728; CORE-000152",
    ids="FB0904;CG0265",
)
add(
    "CB-SDTM-164",
    "error",
    "TSPARMCD is at most 8 characters",
    SD,
    ("TS",),
    c.max_length("TSPARMCD", MAX_NAME),
    core="CORE-000147",
    ids="CG0257",
)
add(
    "CB-SDTM-165",
    "error",
    "TSPARM is at most 40 characters",
    SD,
    ("TS",),
    c.max_length("TSPARM", MAX_LABEL),
    core="CORE-000148",
    ids="CG0258",
)
_ISO_DURATION = r"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
add(
    "CB-SDTM-166",
    "error",
    "TSVAL of AGEMAX is an ISO 8601 duration",
    SD,
    ("TS",),
    c.record_rule(
        ("TSPARMCD", "TSVAL"),
        lambda v: ~text(v["TSVAL"]).str.match(_ISO_DURATION),
        "TSVAL",
        applicable=lambda v: (text(v["TSPARMCD"]) == "AGEMAX") & filled(v["TSVAL"]),
        show=("TSPARMCD", "TSVAL"),
    ),
    core="CORE-000294",
    ids="CG0270",
)
add(
    "CB-SDTM-167",
    "error",
    "TSVAL of SSTDTC is an ISO 8601 date",
    SD,
    ("TS",),
    c.record_rule(
        ("TSPARMCD", "TSVAL"),
        lambda v: ~text(v["TSVAL"]).str.match(r"^\d{4}-\d{2}-\d{2}$") | dtc_date(v["TSVAL"]).isna(),
        "TSVAL",
        applicable=lambda v: text(v["TSPARMCD"]) == "SSTDTC",
        show=("TSPARMCD", "TSVAL"),
    ),
    core="CORE-000505",
    ids="CG0285;TRC1734c",
)
_NULL_FLAVOURS = (
    "NI",
    "INV",
    "DER",
    "OTH",
    "PINF",
    "NINF",
    "UNC",
    "MSK",
    "NA",
    "UNK",
    "ASKU",
    "NAV",
    "NASK",
    "NAVU",
    "QS",
    "TRC",
    "NP",
    "UNKNOWN",
    "NOT APPLICABLE",
    "NOT AVAILABLE",
    "NO INFORMATION",
    "MASKED",
)
add(
    "CB-SDTM-168",
    "error",
    "TSVAL does not hold a null flavour (put it in TSVALNF)",
    SD,
    ("TS",),
    c.value_not_in("TSVAL", _NULL_FLAVOURS),
    core="CORE-000787",
    ids="CG0291",
)


def _ts_has(parameter: str):
    def check(ctx, name, frame):
        sdtm = [n for n in ctx.names() if not ctx.is_adam(n)]
        if not sdtm:
            return Outcome(0, 0)
        ts = ctx.frame("TS")
        out = Outcome(1, 0)
        if ts is None or "TSPARMCD" not in ts.columns:
            out.hits.append(Hit("TS", None, "TSPARMCD", [parameter], "there is no TS dataset"))
        elif not (
            (text(ts["TSPARMCD"]) == parameter) & filled(ts["TSVAL"] if "TSVAL" in ts.columns else ts["TSPARMCD"])
        ).any():
            out.hits.append(Hit("TS", None, "TSPARMCD", [parameter], f"TS has no {parameter} record with TSVAL"))
        return out

    return check


add(
    "CB-FDA-006",
    "error",
    "TS is present with the study start date (TSPARMCD SSTDTC): FDA technical rejection criterion 1734",
    FDA,
    ("STUDY",),
    _ts_has("SSTDTC"),
)

# ---------------------------------------------------------------------------
# Findings: tests, results, tumours
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-169",
    "error",
    "--TESTCD is at most 8 letters, digits or underscores and does not start with a digit",
    SD,
    ("FINDINGS",),
    c.pattern("--TESTCD", r"^[A-Za-z_][A-Za-z0-9_]{0,7}$"),
    core="CORE-000220",
    ids="CG0372",
)
add(
    "CB-SDTM-170",
    "error",
    "--TEST is at most 40 characters",
    SD,
    ("FINDINGS",),
    c.max_length("--TEST", MAX_LABEL),
    core="CORE-000199",
    ids="CG0406",
    excludes=("IE",),
)
add(
    "CB-SDTM-171",
    "error",
    "--TESTCD and --TEST have a one-to-one relationship",
    FDA,
    ("FINDINGS", "FINDINGS ABOUT"),
    c.one_to_one("--TESTCD", "--TEST"),
    core="CORE-000303",
    ids="FB0901",
)
add(
    "CB-SDTM-172",
    "error",
    "--ORRES and --STAT are not both populated",
    SD,
    ("FINDINGS",),
    c.not_both_filled("--STAT", "--ORRES"),
    core="CORE-000099",
    ids="CG0422",
)
add(
    "CB-SDTM-173",
    "error",
    "--ORRES is populated unless --STAT is (or --DRVFL is 'Y')",
    SD,
    ("FINDINGS",),
    c.record_rule(
        ("--ORRES",),
        lambda v: blank(v["--ORRES"]),
        "--ORRES",
        applicable=lambda v: (
            (blank(v["--STAT"]) if v.present("--STAT") else pd.Series(True, index=v.frame.index))
            & ((text(v["--DRVFL"]) != "Y") if v.present("--DRVFL") else True)
        ),
    ),
    core="CORE-000200",
    ids="CG0348",
)
add(
    "CB-SDTM-174",
    "error",
    "--STRESC is populated when --ORRES is",
    SD,
    ("FINDINGS",),
    c.if_filled_then_filled("--ORRES", "--STRESC"),
    core="CORE-000021",
    ids="CG0397",
)
add(
    "CB-SDTM-175",
    "warning",
    "--REASND is populated when --STAT is NOT DONE",
    FDA,
    ("FINDINGS", "FINDINGS ABOUT"),
    c.when_value("--STAT", ("NOT DONE",), "--REASND", "filled"),
    core="CORE-000774",
    ids="FB4202",
)
add(
    "CB-SDTM-176",
    "error",
    "--REASND is null unless --STAT is NOT DONE",
    SD,
    ("SDTM",),
    c.record_rule(
        ("--REASND",),
        lambda v: (text(v["--STAT"]) != "NOT DONE") if v.present("--STAT") else True,
        "--REASND",
        applicable=lambda v: filled(v["--REASND"]),
        show=("--STAT", "--REASND"),
    ),
    core="CORE-000225",
    ids="CG0094",
    excludes=("EX", "AE", "DS", "DV", "IE"),
)


def _stresn_matches_stresc(v: Vars) -> pd.Series:
    stresn = number(v["--STRESN"]) if v.present("--STRESN") else pd.Series(np.nan, index=v.frame.index)
    return stresn.isna() | ~np.isclose(number(v["--STRESC"]).fillna(np.inf), stresn.fillna(-np.inf), rtol=1e-9, atol=0)


add(
    "CB-SDTM-177",
    "error",
    "--STRESN equals --STRESC when --STRESC is a number",
    FDA,
    ("FINDINGS",),
    c.record_rule(
        ("--STRESC",),
        _stresn_matches_stresc,
        "--STRESN",
        applicable=lambda v: is_numeric_text(v["--STRESC"]),
        show=("--STRESC", "--STRESN"),
    ),
    core="CORE-000542; CORE-000863",
    ids="FB3102;FB3101",
)
add(
    "CB-SDTM-178",
    "error",
    "--STRESN is null when --STRESC is not a number",
    FDA,
    ("FINDINGS",),
    c.record_rule(
        ("--STRESC", "--STRESN"),
        lambda v: number(v["--STRESN"]).notna(),
        "--STRESN",
        applicable=lambda v: ~is_numeric_text(v["--STRESC"]),
        show=("--STRESC", "--STRESN"),
    ),
    core="CORE-000732",
    ids="FB3103",
)
add(
    "CB-SDTM-179",
    "error",
    "--STRESC is populated when --STRESU is",
    SD,
    ("FINDINGS",),
    c.if_filled_then_filled("--STRESU", "--STRESC"),
    core="CORE-000133",
    ids="CG0426",
)


def _units_consistent(ctx, name, frame):
    v = Vars(ctx, name, frame)
    if not v.present("--TESTCD") or not v.present("--STRESU"):
        return not_applicable(frame)
    app = filled(v["--STRESU"])
    keys = [x for x in ("--TESTCD", "--CAT", "--SCAT", "--SPEC", "--METHOD") if v.present(x)]
    data = pd.DataFrame({k: text(v[k]) for k in keys})
    data["u"] = text(v["--STRESU"])
    data = data[app]
    n = data.groupby(keys)["u"].transform("nunique")
    bad = pd.Series(False, index=frame.index)
    bad[data.index] = (n > 1).to_numpy()
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "--STRESU", show=(*keys, "--STRESU")))
    return out


add(
    "CB-SDTM-180",
    "warning",
    "--STRESU is the same for every record of a test (--TESTCD, --CAT, --SCAT, --SPEC, --METHOD)",
    FDA,
    ("FINDINGS", "FINDINGS ABOUT"),
    _units_consistent,
    core="CORE-000699",
    ids="FB3001",
)
add(
    "CB-SDTM-181",
    "error",
    "--STDTC is not a variable of a Findings domain",
    SD,
    ("FINDINGS",),
    c.variable_absent("--STDTC"),
    core="CORE-000207",
    ids="CG0467",
)


def _lesion_in_tu(ctx, name, frame):
    """Every TR lesion (TRLNKID) is identified in TU for the subject (and evaluator, when both say)."""
    tu = ctx.frame("TU")
    if tu is None or not {"USUBJID", "TRLNKID"} <= set(frame.columns) or not {"USUBJID", "TULNKID"} <= set(tu.columns):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    by_eval = "TREVAL" in frame.columns and "TUEVAL" in tu.columns
    ref = pd.DataFrame({"u": text(tu["USUBJID"]), "l": text(tu["TULNKID"]), "e": text(tu["TUEVAL"]) if by_eval else ""})
    known = set(zip(ref["u"], ref["l"], ref["e"], strict=False))
    keys = list(
        zip(
            text(frame["USUBJID"]),
            text(frame["TRLNKID"]),
            text(frame["TREVAL"]) if by_eval else [""] * len(frame),
            strict=False,
        )
    )
    app = filled(frame["TRLNKID"])
    bad = app & ~pd.Series(keys, index=frame.index).isin(known)
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "TRLNKID", show=("TRLNKID", "TREVAL") if by_eval else ("TRLNKID",)))
    return out


add(
    "CB-SDTM-182",
    "error",
    "Every TR lesion (TRLNKID) is identified in TU (TULNKID) for the subject and evaluator",
    SD,
    ("TR",),
    _lesion_in_tu,
)
add(
    "CB-SDTM-183",
    "error",
    "Every TR assessment group (TRLNKGRP) has the RS response it links to (RSLNKGRP)",
    SD,
    ("TR",),
    c.in_reference("TRLNKGRP", "RS", "RSLNKGRP", by_subject=True),
)
add(
    "CB-SDTM-184",
    "error",
    "Every RS assessment with RSLNKGRP links to TR measurements (TRLNKGRP)",
    SD,
    ("RS",),
    c.in_reference("RSLNKGRP", "TR", "TRLNKGRP", by_subject=True),
)
add(
    "CB-SDTM-185",
    "warning",
    "Every TU lesion has TR results (TULNKID in TRLNKID)",
    SD,
    ("TU",),
    c.in_reference("TULNKID", "TR", "TRLNKID", by_subject=True),
)
add(
    "CB-SDTM-186",
    "error",
    "TULNKID identifies one lesion per subject and evaluator",
    SD,
    ("TU",),
    lambda ctx, name, frame: c.unique(
        ("TULNKID",), by=tuple(x for x in ("USUBJID", "TUEVAL", "TUEVALID") if x in frame.columns)
    )(ctx, name, frame),
)


def _linked_elsewhere(suffix: str):
    def check(ctx, name, frame):
        column = ctx.var(name, suffix)
        if column not in frame.columns:
            return not_applicable(frame)
        others = [
            n for n in ctx.names() if n != name and not ctx.is_adam(n) and ctx.var(n, suffix) in ctx.datasets[n].columns
        ]
        out = Outcome(len(frame), 0)
        if not others:
            out.hits.append(Hit(name, None, column, [column], f"no other domain has {suffix}"))
        return out

    return check


add(
    "CB-SDTM-187",
    "error",
    "--LNKID in one domain is also in another domain",
    SD,
    ("SDTM",),
    _linked_elsewhere("--LNKID"),
    core="CORE-000571",
    ids="CG0024",
)
add(
    "CB-SDTM-188",
    "error",
    "--LNKGRP in one domain is also in another domain",
    SD,
    ("SDTM",),
    _linked_elsewhere("--LNKGRP"),
    core="CORE-000358",
    ids="CG0022",
)
add(
    "CB-SDTM-189",
    "error",
    "--LOC is in the dataset when --LAT is",
    SD,
    ("SDTM",),
    c.variable_requires("--LAT", "--LOC"),
    core="CORE-000079",
    ids="CG0095",
)
add(
    "CB-SDTM-190",
    "error",
    "--LOC is in the dataset when --DIR is",
    SD,
    ("SDTM",),
    c.variable_requires("--DIR", "--LOC"),
    core="CORE-000098",
    ids="CG0116",
)
add(
    "CB-SDTM-191",
    "error",
    "--LOC is in the dataset when --PORTOT is",
    SD,
    ("SDTM",),
    c.variable_requires("--PORTOT", "--LOC"),
    core="CORE-000096",
    ids="CG0115",
)
add(
    "CB-SDTM-192",
    "error",
    "--TPTNUM is in the dataset when --TPT is",
    SD,
    ("SDTM",),
    c.variable_requires("--TPT", "--TPTNUM"),
    core="CORE-000026",
    ids="CG0468",
)
add(
    "CB-SDTM-193",
    "error",
    "--TPT is in the dataset when --TPTNUM is",
    SD,
    ("SDTM",),
    c.variable_requires("--TPTNUM", "--TPT"),
    core="CORE-000166; CORE-000029",
    ids="CG0091;CG0661",
)
add(
    "CB-SDTM-194",
    "error",
    "--TPTREF is in the dataset when --ELTM is",
    SD,
    ("SDTM",),
    c.variable_requires("--ELTM", "--TPTREF"),
    core="CORE-000167",
    ids="CG0092",
)

# ---------------------------------------------------------------------------
# Supplemental qualifiers
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-195",
    "error",
    "IDVAR is populated when RDOMAIN is not DM",
    SD,
    ("SUPP--",),
    c.record_rule(
        ("RDOMAIN", "IDVAR"),
        lambda v: blank(v["IDVAR"]),
        "IDVAR",
        applicable=lambda v: text(v["RDOMAIN"]) != "DM",
        show=("RDOMAIN", "IDVAR"),
    ),
    core="CORE-000134",
    ids="CG0203",
)
add(
    "CB-SDTM-196",
    "error",
    "IDVARVAL is populated when IDVAR is",
    SD,
    ("SUPP--",),
    c.if_filled_then_filled("IDVAR", "IDVARVAL"),
    core="CORE-000135",
    ids="CG0204",
)
add(
    "CB-SDTM-197",
    "error",
    "IDVAR is populated when IDVARVAL is",
    SD,
    ("SUPP--",),
    c.if_filled_then_filled("IDVARVAL", "IDVAR"),
    core="CORE-000218",
    ids="CG0465",
)
add(
    "CB-SDTM-198",
    "error",
    "IDVAR, IDVARVAL and QNAM identify one record per subject and parent domain",
    SD,
    ("SUPP--",),
    lambda ctx, name, frame: (
        c.unique(
            tuple(x for x in ("RDOMAIN", "IDVAR", "IDVARVAL", "QNAM") if x in frame.columns),
            by=("USUBJID",),
            variable="QNAM",
        )(ctx, name, frame)
        if "QNAM" in frame.columns
        else not_applicable(frame)
    ),
    core="CORE-000203",
    ids="CG0411",
)
add(
    "CB-SDTM-199",
    "error",
    "QNAM is at most 8 upper-case letters, digits or underscores and does not start with a digit",
    SD,
    ("SUPP--",),
    c.pattern("QNAM", r"^[A-Z_][A-Z0-9_]{0,7}$"),
    core="CORE-000221",
    ids="CG0417",
)
add(
    "CB-SDTM-200",
    "error",
    "QLABEL is at most 40 characters",
    SD,
    ("SUPP--",),
    c.max_length("QLABEL", MAX_LABEL),
    core="CORE-000222",
    ids="CG0416",
)
add(
    "CB-SDTM-201",
    "error",
    "QNAM and QLABEL have a one-to-one relationship",
    FDA,
    ("SUPP--",),
    c.one_to_one("QNAM", "QLABEL"),
    core="CORE-000302",
    ids="FB0920",
)
add(
    "CB-SDTM-202",
    "error",
    "RDOMAIN equals characters 5 and 6 of the SUPP-- dataset name",
    SD,
    ("SUPP--",),
    lambda ctx, name, frame: c.record_rule(("RDOMAIN",), lambda v: text(v["RDOMAIN"]) != name[4:6], "RDOMAIN")(
        ctx, name, frame
    ),
    core="CORE-000538",
    ids="CG0334",
)


def _rdomain_present(ctx, name, frame):
    if "RDOMAIN" not in frame.columns:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    domains = {ctx.domain(n) for n in ctx.names()} | set(ctx.names())
    app = filled(frame["RDOMAIN"])
    bad = app & ~text(frame["RDOMAIN"]).isin(domains)
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "RDOMAIN", detail="no such dataset in the study"))
    return out


add(
    "CB-SDTM-203",
    "error",
    "RDOMAIN names a dataset present in the study",
    SD,
    ("SUPP--", "RELREC", "CO"),
    _rdomain_present,
    core="CORE-000457; CORE-000502",
    ids="CG0373;CG0369",
)


def _parent_frame(ctx, rdomain: str):
    if rdomain in ctx.datasets:
        return ctx.datasets[rdomain]
    for n in ctx.names():
        if not ctx.is_adam(n) and not ctx.is_supp(n) and ctx.domain(n) == rdomain:
            return ctx.datasets[n]
    return None


def _idvar_valid(ctx, name, frame):
    if not {"RDOMAIN", "IDVAR"} <= set(frame.columns):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    app = filled(frame["IDVAR"]) & text(frame["RDOMAIN"]).map(lambda d: _parent_frame(ctx, d) is not None)
    bad = app & pd.Series(
        [
            iv not in _parent_frame(ctx, d).columns if a else False
            for d, iv, a in zip(text(frame["RDOMAIN"]), text(frame["IDVAR"]), app, strict=False)
        ],
        index=frame.index,
    )
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "IDVAR", show=("RDOMAIN", "IDVAR")))
    return out


add(
    "CB-SDTM-204",
    "error",
    "IDVAR is a variable of the RDOMAIN dataset",
    SD,
    ("SUPP--",),
    _idvar_valid,
    core="CORE-000712",
    ids="CG0370",
)


def _parent_record(ctx, name, frame):
    if not {"RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL"} <= set(frame.columns):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    app = pd.Series(False, index=frame.index)
    bad = pd.Series(False, index=frame.index)
    rd, iv = text(frame["RDOMAIN"]), text(frame["IDVAR"])
    for (d, var), idx in frame.groupby([rd, iv]).groups.items():
        parent = _parent_frame(ctx, d)
        if not var or parent is None or var not in parent.columns or "USUBJID" not in parent.columns:
            continue
        known = set(zip(text(parent["USUBJID"]), text(parent[var]), strict=False))
        sub = frame.loc[idx]
        keys = pd.Series(list(zip(text(sub["USUBJID"]), text(sub["IDVARVAL"]), strict=False)), index=idx)
        app[idx] = True
        bad[idx] = ~keys.isin(known)
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "IDVARVAL", show=("RDOMAIN", "IDVAR", "IDVARVAL")))
    return out


add(
    "CB-SDTM-205",
    "error",
    "IDVARVAL is the value of IDVAR in a record of the subject in the RDOMAIN dataset",
    SD,
    ("SUPP--",),
    _parent_record,
    core="CORE-000206",
    ids="CG0371",
)
add(
    "CB-SDTM-206",
    "error",
    "SUPPDM does not hold population flags (they belong in ADaM)",
    SD,
    ("SUPP--",),
    c.record_rule(
        ("RDOMAIN", "QNAM"),
        lambda v: (
            text(v["QNAM"])
            .str.upper()
            .str.contains(r"(?:ENRFL|SAFFL|EFFFL|ITTFL|PPROTFL|COMPLFL|COMPLT|FULLSET|ITT|PPROT|SAFETY)")
        ),
        "QNAM",
        applicable=lambda v: text(v["RDOMAIN"]).str.upper() == "DM",
    ),
    core="CORE-000211",
    ids="CG0528",
)

# ---------------------------------------------------------------------------
# Variables that SDTMIG 3.4 does not allow (deprecated, SEND-only or class-restricted)
# ---------------------------------------------------------------------------
_ABSENT = (
    ("CB-SDTM-207", "AEOCCUR", ("AE",), "CORE-000012", "CG0040"),
    ("CB-SDTM-208", "AESTAT", ("AE",), "CORE-000013", "CG0044"),
    ("CB-SDTM-209", "AEREASND", ("AE",), "CORE-000075", "CG0304"),
    ("CB-SDTM-210", "TRLOC", ("TR",), "CORE-000003", "CG0299"),
    ("CB-SDTM-211", "TRLAT", ("TR",), "CORE-000078", "CG0300"),
    ("CB-SDTM-212", "TRDIR", ("TR",), "CORE-000077", "CG0301"),
    ("CB-SDTM-213", "TRPORTOT", ("TR",), "CORE-000076", "CG0302"),
    ("CB-SDTM-214", "--METHOD", ("INTERVENTIONS",), "CORE-000048", "CG0621"),
    ("CB-SDTM-215", "--USCHFL", ("SDTM",), "CORE-000049", "CG0507;CG0622"),
    ("CB-SDTM-216", "--RSTIND", ("INTERVENTIONS", "FINDINGS"), "CORE-000050", "CG0623"),
    ("CB-SDTM-217", "--RSTMOD", ("INTERVENTIONS", "FINDINGS"), "CORE-000051", "CG0624"),
    ("CB-SDTM-218", "--IMPLBL", ("SDTM",), "CORE-000074; CORE-000052", "CG0508;CG0625"),
    ("CB-SDTM-219", "--DTHREL", ("SDTM",), "CORE-000054; CORE-000226", "CG0627;CG0352"),
    ("CB-SDTM-220", "--EXCLFL", ("SDTM",), "CORE-000242; CORE-000055", "CG0353;CG0628"),
    ("CB-SDTM-221", "--REASEX", ("SDTM",), "CORE-000243; CORE-000056", "CG0354;CG0629"),
    ("CB-SDTM-222", "FETUSID", ("SDTM",), "CORE-000057", "CG0509;CG0630"),
    ("CB-SDTM-223", "RPHASE", ("SDTM",), "CORE-000058", "CG0631"),
    ("CB-SDTM-224", "RPPLDY", ("SDTM",), "CORE-000059", "CG0632"),
    ("CB-SDTM-225", "RPPLSTDY", ("SDTM",), "CORE-000060", "CG0633"),
    ("CB-SDTM-226", "RPPLENDY", ("SDTM",), "CORE-000061", "CG0634"),
    ("CB-SDTM-227", "--RPDY", ("SDTM",), "CORE-000064", "CG0637"),
    ("CB-SDTM-228", "--RPSTDY", ("SDTM",), "CORE-000065", "CG0638"),
    ("CB-SDTM-229", "--RPENDY", ("SDTM",), "CORE-000066", "CG0639"),
    ("CB-SDTM-230", "--DETECT", ("SDTM",), "CORE-000244; CORE-000067", "CG0355;CG0640"),
    ("CB-SDTM-231", "--NOMDY", ("SDTM",), "CORE-000245", "CG0510;CG0635"),
    ("CB-SDTM-232", "--NOMLBL", ("SDTM",), "CORE-000246", "CG0511;CG0636"),
    ("CB-SDTM-233", "--RESLOC", ("FINDINGS",), "CORE-000247", "CG0552;CG0626"),
    ("CB-SDTM-234", "AGETXT", ("DM",), "CORE-000068", "CG0641"),
    ("CB-SDTM-235", "SPECIES", ("DM",), "CORE-000174; CORE-000069", "CG0356;CG0642"),
    ("CB-SDTM-236", "STRAIN", ("DM",), "CORE-000175; CORE-000070", "CG0357;CG0643"),
    ("CB-SDTM-237", "SBSTRAIN", ("DM",), "CORE-000176; CORE-000071", "CG0358;CG0644"),
    ("CB-SDTM-238", "RPATHCD", ("DM",), "CORE-000073", "CG0533"),
)
for _id, _var, _where, _core, _cg in _ABSENT:
    add(
        _id,
        "error",
        f"{_var} is not a variable of an SDTMIG 3.4 dataset here",
        SD,
        _where,
        c.variable_absent(_var),
        core=_core,
        ids=_cg,
        excludes=("SUPP--",) if _where == ("SDTM",) else (),
    )

# ---------------------------------------------------------------------------
# Values (FDA business rules)
# ---------------------------------------------------------------------------


def _text_values_rule(predicate, what: str):
    def check(ctx, name, frame):
        Vars(ctx, name, frame)
        out = Outcome(0, 0)
        columns = [col for col in frame.columns if frame[col].dtype == object]
        out.checked = len(frame) * len(columns)
        for col in columns:
            bad = text_profile(ctx, name, col).mask(predicate)
            if bad.any():
                out.hits.append(Hit(name, positions(bad), col, frame[col].to_numpy()[positions(bad)], what))
        return out

    return check


add(
    "CB-FDA-007",
    "warning",
    "Text values do not start with a space",
    FDA,
    ("ALL",),
    _text_values_rule(lambda s: s[:1] == " " and s.strip() != "", "leading space"),
    core="CORE-000867",
    ids="FB1501",
)
add(
    "CB-FDA-008",
    "warning",
    "Text values are not '.' alone (missing text is blank)",
    FDA,
    ("ALL",),
    _text_values_rule(lambda s: s.strip() == ".", "'.' as a value"),
    core="CORE-000890",
    ids="FB1502",
)


# ---------------------------------------------------------------------------
# Data review notices
# ---------------------------------------------------------------------------
_COMPLETE_DATE = __import__("re").compile(r"^\d{4}-\d{2}-\d{2}")


def _partial_dates(ctx, name, frame):
    columns = [col for col in frame.columns if str(col).endswith("DTC") and frame[col].dtype == object]
    if not columns:
        return not_applicable(frame)
    out = Outcome(0, 0)
    for col in columns:
        profile = text_profile(ctx, name, col)
        present = profile.mask(lambda s: s.strip() != "")
        out.checked += int(present.sum())
        out.not_applicable += int(len(frame) - present.sum())
        bad = profile.mask(lambda s: s.strip() != "" and not _COMPLETE_DATE.match(s.strip()))
        if bad.any():
            rows = positions(bad)
            out.hits.append(
                Hit(
                    name,
                    rows,
                    str(col),
                    frame[col].to_numpy()[rows],
                    "the date is incomplete: allowed in SDTM (no imputation); review how ADaM imputes it",
                )
            )
    return out


add(
    "CB-SDTM-239",
    "notice",
    "The date part of a --DTC value is complete (an incomplete date is allowed and listed for review)",
    SD,
    ("SDTM",),
    _partial_dates,
)


# ---------------------------------------------------------------------------
# CORE rules added from the applicability analysis (conformance/core_coverage.py)
# ---------------------------------------------------------------------------
for _id, _var, _where, _excl, _core, _cg in (
    ("CB-SDTM-240", "--BEATNO", ("FINDINGS",), ("EG",), "CORE-000072", "CG0542"),
    ("CB-SDTM-241", "--AGENT", ("FINDINGS",), ("MS",), "CORE-000111", "CG0564"),
    ("CB-SDTM-242", "--CONC", ("FINDINGS",), ("MS",), "CORE-000112", "CG0565"),
    ("CB-SDTM-243", "--CONCU", ("FINDINGS",), ("MS",), "CORE-000113", "CG0566"),
    ("CB-SDTM-244", "--EVDTYP", ("EVENTS",), ("MH",), "CORE-000114", "CG0567"),
):
    add(
        _id,
        "error",
        f"{_var} is not a variable of this dataset ({', '.join(_where)} but {', '.join(_excl)})",
        SD,
        _where,
        c.variable_absent(_var),
        core=_core,
        ids=_cg,
        excludes=_excl,
    )

add(
    "CB-SDTM-245",
    "error",
    "AGE is populated when AGEU is, unless AGETXT is",
    SD,
    ("DM",),
    c.record_rule(
        ("AGEU", "AGE"),
        lambda v: blank(v["AGE"]) & (blank(v["AGETXT"]) if v.present("AGETXT") else True),
        "AGE",
        applicable=lambda v: filled(v["AGEU"]),
        show=("AGEU", "AGE"),
    ),
    core="CORE-000122",
    ids="CG0434",
)
add(
    "CB-SDTM-246",
    "error",
    "RFENDTC is populated when ARM is (a subject assigned to an arm has an end of participation)",
    SD,
    ("DM",),
    c.if_filled_then_filled("ARM", "RFENDTC"),
    core="CORE-000191",
    ids="CG0529",
)
add(
    "CB-SDTM-247",
    "error",
    "RFENDTC is null when ARMNRS is populated",
    SD,
    ("DM",),
    c.not_both_filled("ARMNRS", "RFENDTC"),
    core="CORE-000192",
    ids="CG0530",
)
add(
    "CB-SDTM-248",
    "error",
    "RFSTDTC (start of treatment) is null when ARMNRS is populated, unless ARMNRS is UNPLANNED TREATMENT",
    SD,
    ("DM",),
    c.record_rule(
        ("ARMNRS", "RFSTDTC"),
        lambda v: filled(v["RFSTDTC"]),
        "RFSTDTC",
        applicable=lambda v: filled(v["ARMNRS"]) & (text(v["ARMNRS"]).str.upper() != "UNPLANNED TREATMENT"),
        show=("ARMNRS", "RFSTDTC"),
    ),
    core="CORE-000758",
    ids="CG0534",
)


def _dataset_label(ctx, name) -> str | None:
    meta = ctx.meta.get(name)
    if meta is not None and meta.label:
        return meta.label
    if ctx.spec is not None and ctx.spec.has_dataset(name):
        return ctx.spec.dataset(name).label
    if ctx.define is not None and name in getattr(ctx.define, "datasets", {}):
        return ctx.define.datasets[name].label
    return None


def _scat_not_label(ctx, name, frame):
    label = _dataset_label(ctx, name)
    if not label:
        return not_applicable(frame)
    return c.record_rule(
        ("--SCAT",),
        lambda v: text(v["--SCAT"]).str.upper() == label.strip().upper(),
        "--SCAT",
        applicable=lambda v: filled(v["--SCAT"]),
    )(ctx, name, frame)


add(
    "CB-SDTM-249",
    "error",
    "--SCAT differs from the dataset label",
    SD,
    ("SDTM",),
    _scat_not_label,
    core="CORE-000219",
    ids="CG0350",
)


def _on_or_after(a: pd.Series, b: pd.Series) -> pd.Series:
    """a is surely on or after b: later at the precision both carry, or the same complete date (a partial
    '2012' against '2012-09-07' may be either, so it is not reported)."""
    da, db = dtc_date(a), dtc_date(b)
    return dtc_after(a, b) | (da.notna() & db.notna() & (da == db))


add(
    "CB-SDTM-250",
    "warning",
    "MHSTDTC is before DM.RFSTDTC (medical history starts before the study)",
    SD,
    ("MH",),
    c.record_rule(
        ("MHSTDTC", "DM.RFSTDTC"),
        lambda v: _on_or_after(v["MHSTDTC"], v["DM.RFSTDTC"]),
        "MHSTDTC",
        applicable=lambda v: filled(v["MHSTDTC"]) & filled(v["DM.RFSTDTC"]),
        show=("MHSTDTC", "DM.RFSTDTC"),
    ),
    core="CORE-000236",
    ids="CG0079",
)
add(
    "CB-SDTM-251",
    "warning",
    "MHENDTC is before DM.RFSTDTC (medical history ended before the study)",
    SD,
    ("MH",),
    c.record_rule(
        ("MHENDTC", "DM.RFSTDTC"),
        lambda v: _on_or_after(v["MHENDTC"], v["DM.RFSTDTC"]),
        "MHENDTC",
        applicable=lambda v: filled(v["MHENDTC"]) & filled(v["DM.RFSTDTC"]),
        show=("MHENDTC", "DM.RFSTDTC"),
    ),
    core="CORE-000250",
    ids="CG0078",
)


def _visitdy_is_tv(ctx, name, frame):
    tv = ctx.frame("TV")
    if tv is None or not {"VISITNUM", "VISITDY"} <= set(tv.columns):
        return not_applicable(frame)
    planned = tv[number(tv["VISITDY"]).notna()]
    days = pd.Series(number(planned["VISITDY"]).to_numpy(), index=text(planned["VISITNUM"]).to_numpy())
    days = days[~days.index.duplicated()]
    return c.record_rule(
        ("VISITNUM", "VISITDY"),
        lambda v: number(v["VISITDY"]) != text(v["VISITNUM"]).map(days).astype("float64"),
        "VISITDY",
        applicable=lambda v: text(v["VISITNUM"]).isin(set(days.index)),
        show=("VISITNUM", "VISITDY"),
        detail=lambda v: [f"TV.VISITDY {d:g}" if pd.notna(d) else "" for d in text(v["VISITNUM"]).map(days)],
    )(ctx, name, frame)


add(
    "CB-SDTM-252",
    "error",
    "VISITDY of a planned visit (VISITNUM in TV) equals TV.VISITDY",
    SD,
    ("SDTM",),
    _visitdy_is_tv,
    core="CORE-000249",
    ids="CG0032",
    excludes=("TV",),
)
add(
    "CB-FDA-009",
    "warning",
    "A duration (--DUR) is not negative",
    FDA,
    ("SDTM",),
    c.record_rule(
        ("--DUR",),
        lambda v: text(v["--DUR"]).str.contains("-", regex=False),
        "--DUR",
        applicable=lambda v: filled(v["--DUR"]),
    ),
    core="CORE-000305",
    ids="FB4005",
)


def _supp_race_needs_multiple(ctx, name, frame):
    dm = ctx.dm
    if (
        name != "SUPPDM"
        or dm is None
        or not {"USUBJID", "RACE"} <= set(dm.columns)
        or not {"USUBJID", "QNAM"} <= set(frame.columns)
    ):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    qnam = text(frame["QNAM"]).str.upper()
    app = qnam.str.match(r"^RACE[A-Z0-9]") & ~qnam.str.endswith("OTH")
    race = text(frame["USUBJID"]).map(dm.drop_duplicates("USUBJID").set_index("USUBJID")["RACE"].map(_race_text))
    bad = app & (race.fillna("") != "MULTIPLE")
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "QNAM", detail=[f"DM.RACE {r}" for r in race.fillna("")]))
    return out


def _race_text(x) -> str:
    return str(x).strip().upper() if isinstance(x, str) else ""


add(
    "CB-SDTM-253",
    "error",
    "When SUPPDM holds several races (QNAM RACE1, RACE2 ...), DM.RACE is MULTIPLE",
    SD,
    ("SUPP--",),
    _supp_race_needs_multiple,
    core="CORE-000337",
    ids="CG0140",
)


def _category_splits(ctx, name, frame):
    v = Vars(ctx, name, frame)
    if not v.present("--CAT"):
        return not_applicable(frame)
    cat = text(v["--CAT"])
    out = Outcome(1, 0)
    if len(frame) > 1 and (cat != "").all() and cat.nunique() == 1:
        out.hits.append(Hit(name, None, v.column("--CAT"), [cat.iloc[0]], "every record has the same category"))
    return out


add(
    "CB-SDTM-254",
    "warning",
    "MHCAT does not put every record in one category (then leave it out)",
    SD,
    ("MH",),
    _category_splits,
    core="CORE-000365",
    ids="CG0077",
)

# The SDTM v2.0 timing variables (Table 2.2.5 of the model): a general-class domain has at least one.
_TIMING = (
    "VISITNUM",
    "VISIT",
    "VISITDY",
    "TAETORD",
    "EPOCH",
    "--DTC",
    "--STDTC",
    "--ENDTC",
    "--DY",
    "--STDY",
    "--ENDY",
    "--NOMDY",
    "--NOMLBL",
    "--DUR",
    "--TPT",
    "--TPTNUM",
    "--ELTM",
    "--TPTREF",
    "--RFTDTC",
    "--STRF",
    "--ENRF",
    "--EVLINT",
    "--EVINTX",
    "--STRTPT",
    "--STTPT",
    "--ENRTPT",
    "--ENTPT",
    "--STINT",
    "--ENINT",
    "--DETECT",
    "MIDS",
    "RELMIDS",
    "MIDSDTC",
)


def _has_timing(ctx, name, frame):
    columns = {ctx.var(name, t) for t in _TIMING}
    out = Outcome(1, 0)
    if not columns & set(frame.columns):
        out.hits.append(Hit(name, None, None, [name], "no timing variable (VISITNUM, EPOCH, --DTC, --STDTC ...)"))
    return out


add(
    "CB-SDTM-255",
    "error",
    "A general-class dataset has at least one timing variable",
    SD,
    ("INTERVENTIONS", "EVENTS", "FINDINGS"),
    _has_timing,
    core="CORE-000575",
    ids="CG0219",
    excludes=("IE", "SC"),
)
add(
    "CB-SDTM-256",
    "error",
    "ETCD identifies one record in TE (one ELEMENT, TESTRL, TEENRL, TEDUR per element)",
    SD,
    ("TE",),
    c.unique(("ETCD",), by=()),
    core="CORE-000580",
    ids="CG0325",
)


def _tsval_in_order(ctx, name, frame):
    """TSVALn is populated only when TSVAL(n-1) is (TSVAL, TSVAL1, TSVAL2 ...)."""
    numbered = sorted((int(m.group(1)), col) for col in frame.columns if (m := re.fullmatch(r"TSVAL(\d+)", str(col))))
    if "TSVAL" not in frame.columns or not numbered:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    out = Outcome(len(frame), 0)
    for n, col in numbered:
        before = f"TSVAL{n - 1}" if n > 1 else "TSVAL"
        gap = filled(frame[col]) & (blank(frame[before]) if before in frame.columns else True)
        if gap.any():
            out.hits.append(hit(v, gap, col, detail=f"{before} is null"))
    return out


add(
    "CB-SDTM-257",
    "error",
    "TSVALn is populated only when TSVAL(n-1) is (TSVAL, TSVAL1, TSVAL2 ...)",
    SD,
    ("TS",),
    _tsval_in_order,
    core="CORE-000582",
    ids="CG0262",
)


def _tpt_per_visit(ctx, name, frame):
    v = Vars(ctx, name, frame)
    if v.present("--TPTREF") or not all(v.present(x) for x in ("VISITNUM", "--TPT", "--TPTNUM")):
        return not_applicable(frame)
    return c.one_to_one("--TPT", "--TPTNUM", within=("VISITNUM",))(ctx, name, frame)


add(
    "CB-SDTM-258",
    "error",
    "Without --TPTREF, --TPT and --TPTNUM have a one-to-one relationship within VISITNUM",
    SD,
    ("SDTM",),
    _tpt_per_visit,
    core="CORE-000685",
    ids="CG0571;FB0923",
)
add(
    "CB-FDA-010",
    "warning",
    "--DTC is in the dataset when --DY is",
    FDA,
    ("SDTM",),
    c.variable_requires("--DY", "--DTC"),
    core="CORE-000700",
    ids="FB3204",
    excludes=("TRIAL DESIGN", "RELATIONSHIP"),
)
add(
    "CB-FDA-011",
    "warning",
    "--STDTC is in the dataset when --STDY is",
    FDA,
    ("SDTM",),
    c.variable_requires("--STDY", "--STDTC"),
    core="CORE-000862",
    ids="FB3205",
    excludes=("TRIAL DESIGN", "RELATIONSHIP"),
)
add(
    "CB-FDA-012",
    "warning",
    "--ENDTC is in the dataset when --ENDY is",
    FDA,
    ("SDTM",),
    c.variable_requires("--ENDY", "--ENDTC"),
    core="CORE-000864",
    ids="FB3206",
    excludes=("TRIAL DESIGN", "RELATIONSHIP"),
)
add(
    "CB-FDA-013",
    "warning",
    "--STDY is not after --ENDY",
    FDA,
    ("INTERVENTIONS", "EVENTS", "SPECIAL PURPOSE"),
    c.record_rule(
        ("--STDY", "--ENDY"),
        lambda v: number(v["--STDY"]) > number(v["--ENDY"]),
        "--STDY",
        applicable=lambda v: number(v["--STDY"]).notna() & number(v["--ENDY"]).notna(),
        show=("--STDY", "--ENDY"),
    ),
    core="CORE-000708",
    ids="FB3207",
)


def _dy_for_complete_dtc(ctx, name, frame):
    """A complete --DTC with no --DY variable in the dataset: every such record is a finding."""
    v = Vars(ctx, name, frame)
    if not v.present("--DTC") or v.present("--DY"):
        return not_applicable(frame) if not v.present("--DTC") else Outcome(len(frame), 0)
    app = complete_date(v["--DTC"])
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if app.any():
        out.hits.append(hit(v, app, "--DTC", detail=f"{v.column('--DY')} is not in the dataset"))
    return out


add(
    "CB-FDA-014",
    "warning",
    "--DY is in the dataset for records with a complete --DTC",
    FDA,
    ("SDTM",),
    _dy_for_complete_dtc,
    core="CORE-000793",
    ids="FB1601",
    excludes=("TRIAL DESIGN", "RELATIONSHIP"),
)
add(
    "CB-FDA-015",
    "warning",
    "ETHNIC is HISPANIC OR LATINO or NOT HISPANIC OR LATINO",
    FDA,
    ("DM",),
    c.value_in("ETHNIC", ("HISPANIC OR LATINO", "NOT HISPANIC OR LATINO")),
    core="CORE-000726",
    ids="FB5701",
)
add(
    "CB-SDTM-259",
    "error",
    "IECAT is in the dataset when IESCAT is",
    SD,
    ("TI",),
    c.variable_requires("IESCAT", "IECAT"),
    core="CORE-000786",
    ids="CG0430",
)


def _ts_values(ts: pd.DataFrame) -> dict[str, list[str]]:
    if ts is None or "TSPARMCD" not in ts.columns:
        return {}
    val = text(ts["TSVAL"]) if "TSVAL" in ts.columns else pd.Series("", index=ts.index)
    out: dict[str, list[str]] = {}
    for p, x in zip(text(ts["TSPARMCD"]), val, strict=False):
        out.setdefault(p, []).append(x)
    return out


def _ts_rule(failing):
    """A rule over the TS parameters as a whole: failing(params) -> (TSPARMCD to report, detail) or None."""

    def check(ctx, name, frame):
        if "TSPARMCD" not in frame.columns:
            return not_applicable(frame)
        out = Outcome(1, 0)
        found = failing(_ts_values(frame))
        if found:
            parm, detail = found
            rows = text(frame["TSPARMCD"]) == parm
            out.hits.append(
                Hit(name, positions(rows) if rows.any() else None, "TSPARMCD", [parm] * max(int(rows.sum()), 1), detail)
            )
        return out

    return check


def _filled_param(params, code) -> bool:
    return any(x != "" for x in params.get(code, []))


add(
    "CB-FDA-016",
    "warning",
    "TS has AGE or AGETXT with a value, not both",
    FDA,
    ("TS",),
    _ts_rule(
        lambda p: (
            ("AGETXT", "both AGE and AGETXT have a TSVAL")
            if _filled_param(p, "AGE") and _filled_param(p, "AGETXT")
            else None
        )
    ),
    core="CORE-000736",
    ids="FB1116",
)
add(
    "CB-FDA-017",
    "warning",
    "An interventional study's TS has INTMODEL, INTTYPE and PCLAS with a value",
    FDA,
    ("TS",),
    _ts_rule(
        lambda p: (
            next(
                (
                    (code, f"no {code} record with TSVAL")
                    for code in ("INTMODEL", "INTTYPE", "PCLAS")
                    if not _filled_param(p, code)
                ),
                None,
            )
            if "INTERVENTIONAL" in {x.upper() for x in p.get("STYPE", [])}
            else None
        )
    ),
    core="CORE-000741",
    ids="FB1111",
)
add(
    "CB-FDA-018",
    "warning",
    "TS has the trial indication (INDIC) when the study is not in healthy subjects (HLTSUBJI N)",
    FDA,
    ("TS",),
    _ts_rule(
        lambda p: (
            ("HLTSUBJI", "HLTSUBJI is N and there is no INDIC record")
            if "N" in {x.upper() for x in p.get("HLTSUBJI", [])} and "INDIC" not in p
            else None
        )
    ),
    core="CORE-000742",
    ids="FB1110",
)


def _multiple_race(part: str):
    """DM.RACE MULTIPLE needs SUPPDM (A), SUPPDM records for the subject (B), several RACEn records (C)."""

    def check(ctx, name, frame):
        if not {"USUBJID", "RACE"} <= set(frame.columns):
            return not_applicable(frame)
        v = Vars(ctx, name, frame)
        app = text(frame["RACE"]).str.upper() == "MULTIPLE"
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        supp = ctx.frame("SUPPDM")
        if part == "A":
            bad = app & (supp is None)
            what = "there is no SUPPDM dataset"
        elif supp is None or not {"USUBJID", "QNAM"} <= set(supp.columns):
            return Outcome(0, len(frame))
        elif part == "B":
            bad = app & ~text(frame["USUBJID"]).isin(set(text(supp["USUBJID"])))
            what = "no SUPPDM record for the subject"
        else:
            qnam = text(supp["QNAM"]).str.upper()
            races = supp[qnam.str.match(r"^RACE[A-Z0-9]") & ~qnam.str.endswith("OTH")]
            counts = text(races["USUBJID"]).value_counts()
            bad = app & (text(frame["USUBJID"]).map(counts).fillna(0) <= 1)
            what = "fewer than two RACEn records in SUPPDM for the subject"
        if bad.any():
            out.hits.append(hit(v, bad, "RACE", detail=what))
        return out

    return check


add(
    "CB-SDTM-260",
    "error",
    "When RACE is MULTIPLE, a SUPPDM dataset is present",
    SD,
    ("DM",),
    _multiple_race("A"),
    core="CORE-000844",
    ids="CG0531",
)
add(
    "CB-SDTM-261",
    "error",
    "When RACE is MULTIPLE, SUPPDM has records for the subject",
    SD,
    ("DM",),
    _multiple_race("B"),
    core="CORE-000845",
    ids="CG0531",
)
add(
    "CB-SDTM-262",
    "error",
    "When RACE is MULTIPLE, SUPPDM has at least two races (RACE1, RACE2 ...) for the subject",
    SD,
    ("DM",),
    _multiple_race("C"),
    core="CORE-000846",
    ids="CG0531",
)
_NULL_FLAVOUR_TEXT = re.compile(
    r"(?i:^(NI|No information|INV|Invalid|OTH|Other|PINF|Positive infinity|NINF|Negative infinity|"
    r"UNC|Unencoded|DER|Derived|UNK|Unknown|ASKU|Asked but unknown|NAV|Temporarily unavailable|"
    r"NASK|Not asked|TRC|Trace|MSK|Masked|QS|Sufficient Quantity)$)"
)
add(
    "CB-SDTM-263",
    "error",
    "TSVALNF is null when TSVAL holds a value (not a null flavour)",
    SD,
    ("TS",),
    c.record_rule(
        ("TSVAL", "TSVALNF"),
        lambda v: filled(v["TSVALNF"]),
        "TSVALNF",
        applicable=lambda v: filled(v["TSVAL"]) & ~text(v["TSVAL"]).map(lambda x: bool(_NULL_FLAVOUR_TEXT.match(x))),
        show=("TSVAL", "TSVALNF"),
    ),
    core="CORE-000041",
    ids="CG0459;CG0649",
)


def _supp_value(ctx, name: str, frame: pd.DataFrame, qnam: str) -> pd.Series:
    """QVAL of SUPP<name> records with QNAM = qnam, on the parent records (by USUBJID and IDVAR/IDVARVAL;
    by USUBJID alone when IDVAR is null, as in SUPPDM); '' where there is none."""
    out = pd.Series("", index=frame.index, dtype=object)
    supp = ctx.frame("SUPP" + name)
    if supp is None or not {"USUBJID", "QNAM", "QVAL"} <= set(supp.columns) or "USUBJID" not in frame.columns:
        return out
    rows = supp[text(supp["QNAM"]).str.upper() == qnam]
    subject = text(frame["USUBJID"])
    idvar = text(rows["IDVAR"]) if "IDVAR" in rows.columns else pd.Series("", index=rows.index)
    idval = text(rows["IDVARVAL"]) if "IDVARVAL" in rows.columns else pd.Series("", index=rows.index)
    for u, var, val, q in zip(text(rows["USUBJID"]), idvar, idval, text(rows["QVAL"]), strict=False):
        mask = subject == u
        if var and var in frame.columns:
            mask &= text(frame[var]) == val
        out[mask] = q
    return out


def _supp_mapped(qnam: str, qval: str, variable: str, expected: str):
    """A parent record whose SUPP-- QNAM holds qval has `variable` = expected."""

    def check(ctx, name, frame):
        if variable not in frame.columns or ctx.frame("SUPP" + name) is None:
            return not_applicable(frame)
        v = Vars(ctx, name, frame)
        values = _supp_value(ctx, name, frame, qnam)
        app = values.str.upper() == qval.upper() if qval else values != ""
        bad = app & (text(frame[variable]).str.upper() != expected)
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        if bad.any():
            out.hits.append(hit(v, bad, variable, detail=f"SUPP{name} {qnam} is {qval or 'present'}"))
        return out

    return check


add(
    "CB-SDTM-264",
    "warning",
    "An adverse event with SUPPAE.AESOSP (other serious event) has AESMIE 'Y'",
    SD,
    ("AE",),
    _supp_mapped("AESOSP", "", "AESMIE", "Y"),
    core="CORE-000597",
    ids="CG0043",
)
add(
    "CB-FDA-019",
    "warning",
    "ETHNIC is HISPANIC OR LATINO when the collected ethnicity (SUPPDM.CETHNIC) is SPANISH ORIGIN",
    FDA,
    ("DM",),
    _supp_mapped("CETHNIC", "SPANISH ORIGIN", "ETHNIC", "HISPANIC OR LATINO"),
    core="CORE-000746",
    ids="FB5801",
)
add(
    "CB-FDA-020",
    "warning",
    "RACE is BLACK OR AFRICAN AMERICAN when the collected race (SUPPDM.CRACE) is HATIAN or NEGRO",
    FDA,
    ("DM",),
    _supp_mapped("CRACE", "HATIAN or NEGRO", "RACE", "BLACK OR AFRICAN AMERICAN"),
    core="CORE-000747",
    ids="FB6001",
)


def _required_present(ctx, name, frame):
    from .required import required_present

    return required_present(ctx, name, frame, standard="SDTM")


add(
    "CB-SDTM-265",
    "error",
    "Every Required variable of SDTMIG 3.4 is in the dataset",
    SD,
    ("SDTM",),
    _required_present,
    core="CORE-000355",
    ids="CG0014",
)


# ---------------------------------------------------------------------------
# Eligibility (IE), comments (CO), death details (DD), subject status (SS) and
# the planned visits of SV (SVPRESP / SVOCCUR)
# ---------------------------------------------------------------------------
add(
    "CB-SDTM-280",
    "error",
    "IEORRES is 'N' for an inclusion criterion (IECAT INCLUSION)",
    SD,
    ("IE",),
    c.when_value("IECAT", ("INCLUSION",), "IEORRES", "one of", ("N",)),
    core="CORE-000001",
    ids="CG0176",
)
add(
    "CB-SDTM-281",
    "error",
    "IEORRES is 'Y' for an exclusion criterion (IECAT EXCLUSION)",
    SD,
    ("IE",),
    c.when_value("IECAT", ("EXCLUSION",), "IEORRES", "one of", ("Y",)),
    core="CORE-000011",
    ids="CG0175",
)
add(
    "CB-SDTM-282",
    "error",
    "IESTRESC equals IEORRES",
    SD,
    ("IE",),
    c.record_rule(
        ("IESTRESC", "IEORRES"),
        lambda v: text(v["IESTRESC"]) != text(v["IEORRES"]),
        "IESTRESC",
        show=("IEORRES", "IESTRESC"),
    ),
    core="CORE-000025",
    ids="CG0177",
)
add(
    "CB-SDTM-283",
    "error",
    "IETEST is a criterion of TI (TI.IETEST)",
    SD,
    ("IE",),
    c.in_reference("IETEST", "TI"),
    core="CORE-000227",
    ids="CG0178",
)
add(
    "CB-SDTM-284",
    "error",
    "IETESTCD is a criterion of TI (TI.IETESTCD)",
    SD,
    ("IE",),
    c.in_reference("IETESTCD", "TI"),
    core="CORE-000228",
    ids="CG0179",
)


def _rdomain_when_idvarval(ctx, name, frame):
    v = Vars(ctx, name, frame)
    if not v.present("IDVARVAL"):
        return not_applicable(frame)
    app = filled(v["IDVARVAL"])
    bad = app & (blank(v["RDOMAIN"]) if v.present("RDOMAIN") else True)
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "IDVARVAL", detail="RDOMAIN is null" if v.present("RDOMAIN") else "no RDOMAIN"))
    return out


add(
    "CB-SDTM-285",
    "error",
    "A comment with IDVARVAL names its RDOMAIN",
    SD,
    ("CO",),
    _rdomain_when_idvarval,
    core="CORE-000017",
    ids="CG0166",
)
add(
    "CB-SDTM-286",
    "error",
    "IDVAR is null when RDOMAIN is null",
    SD,
    ("CO",),
    c.record_rule(
        ("IDVAR", "RDOMAIN"),
        lambda v: filled(v["IDVAR"]),
        "IDVAR",
        applicable=lambda v: blank(v["RDOMAIN"]),
        show=("RDOMAIN", "IDVAR"),
    ),
    core="CORE-000090",
    ids="CG0164",
)
add(
    "CB-SDTM-287",
    "error",
    "IDVAR is populated when RDOMAIN is (but DM)",
    SD,
    ("CO",),
    c.record_rule(
        ("RDOMAIN", "IDVAR"),
        lambda v: blank(v["IDVAR"]),
        "IDVAR",
        applicable=lambda v: filled(v["RDOMAIN"]) & (text(v["RDOMAIN"]) != "DM"),
        show=("RDOMAIN", "IDVAR"),
    ),
    core="CORE-000158",
    ids="CG0163",
)


def _idvar_in_rdomain(ctx, name, frame):
    v = Vars(ctx, name, frame)
    if not (v.present("IDVAR") and v.present("RDOMAIN")):
        return not_applicable(frame)
    app = filled(v["IDVAR"]) & filled(v["RDOMAIN"])
    columns = {d: set(ctx.frame(d).columns) if ctx.frame(d) is not None else None for d in set(text(v["RDOMAIN"][app]))}
    pairs = zip(text(v["RDOMAIN"]), text(v["IDVAR"]), strict=False)
    bad = app & pd.Series([columns.get(d) is None or var not in columns[d] for d, var in pairs], index=frame.index)
    detail = [
        f"{d} is not in the study" if columns.get(d) is None else f"{d} has no variable {var}"
        for d, var in zip(text(v["RDOMAIN"]), text(v["IDVAR"]), strict=False)
    ]
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "IDVAR", show=("RDOMAIN", "IDVAR"), detail=detail))
    return out


add(
    "CB-SDTM-288",
    "error",
    "IDVAR of a comment is a variable of the dataset RDOMAIN names",
    SD,
    ("CO",),
    _idvar_in_rdomain,
    core="CORE-000953",
    ids="CG0370",
)


def _planned(v: Vars) -> pd.Series:
    """The records of a planned visit (SVPRESP 'Y'); none in a dataset without SVPRESP."""
    return text(v["SVPRESP"]) == "Y" if v.present("SVPRESP") else pd.Series(False, index=v.frame.index)


add(
    "CB-SDTM-289",
    "error",
    "SVPRESP is 'Y' or null",
    SD,
    ("SV",),
    c.value_in("SVPRESP", ("Y",)),
    core="CORE-000037",
    ids="CG0653",
)
add(
    "CB-SDTM-290",
    "error",
    "SVOCCUR is null unless SVPRESP is 'Y' (a planned visit)",
    SD,
    ("SV",),
    c.record_rule(
        ("SVOCCUR", "SVPRESP"),
        lambda v: text(v["SVPRESP"]) != "Y",
        "SVOCCUR",
        applicable=lambda v: filled(v["SVOCCUR"]),
        show=("SVPRESP", "SVOCCUR"),
    ),
    core="CORE-000038",
    ids="CG0654",
)
add(
    "CB-SDTM-291",
    "error",
    "VISITDY is null for an unplanned visit (SVPRESP null)",
    SD,
    ("SV",),
    c.record_rule(
        ("SVPRESP", "VISITDY"),
        lambda v: filled(v["VISITDY"]),
        "VISITDY",
        applicable=lambda v: blank(v["SVPRESP"]),
        show=("SVPRESP", "VISITDY"),
    ),
    core="CORE-000035",
    ids="CG0658",
)
add(
    "CB-SDTM-292",
    "error",
    "The VISIT of a planned visit (SVPRESP 'Y') is a visit of TV",
    SD,
    ("SDTM",),
    c.in_reference("VISIT", "TV", applicable=_planned),
    core="CORE-000036; CORE-000269",
    ids="CG0657;CG0031",
    excludes=("TV",),
)
add(
    "CB-SDTM-293",
    "error",
    "The VISITNUM of a planned visit (SVPRESP 'Y') is a visit of TV",
    SD,
    ("SDTM",),
    c.in_reference("VISITNUM", "TV", applicable=_planned),
    core="CORE-000039; CORE-000270",
    ids="CG0655;CG0033",
    excludes=("TV",),
)


def _unplanned_not_in_tv(ctx, name, frame):
    tv = ctx.frame("TV")
    if tv is None or "VISITNUM" not in tv.columns:
        return not_applicable(frame)
    planned = set(text(tv["VISITNUM"])) - {""}
    return c.record_rule(
        ("SVPRESP", "VISITNUM"),
        lambda v: text(v["VISITNUM"]).isin(planned),
        "VISITNUM",
        applicable=lambda v: blank(v["SVPRESP"]) & filled(v["VISITNUM"]),
        show=("SVPRESP", "VISITNUM"),
    )(ctx, name, frame)


add(
    "CB-SDTM-294",
    "error",
    "The VISITNUM of an unplanned visit (SVPRESP null) is not a visit of TV",
    SD,
    ("SV",),
    _unplanned_not_in_tv,
    core="CORE-000040",
    ids="CG0656",
)


def _dthfl_when(source: str, where, what: str):
    """DM: DTHFL is 'Y' for every subject with a `source` record where `where` holds."""

    def check(ctx, name, frame):
        v = Vars(ctx, name, frame)
        ref = ctx.frame(source)
        if ref is None or "USUBJID" not in ref.columns or "USUBJID" not in frame.columns:
            return not_applicable(frame)
        try:
            ref = ref[where(ref).fillna(False).astype(bool)]
        except KeyError:
            return not_applicable(frame)
        app = text(frame["USUBJID"]).isin(set(text(ref["USUBJID"])))
        bad = app & ((text(v["DTHFL"]) != "Y") if v.present("DTHFL") else True)
        out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
        if bad.any():
            out.hits.append(hit(v, bad, "DTHFL" if v.present("DTHFL") else None, detail=f"the subject has {what}"))
        return out

    return check


add(
    "CB-SDTM-295",
    "error",
    "DTHFL is 'Y' for a subject with death details (DD)",
    SD,
    ("DM",),
    _dthfl_when("DD", lambda dd: pd.Series(True, index=dd.index), "a DD record"),
    core="CORE-000108",
    ids="CG0133;FB0602",
)
add(
    "CB-SDTM-296",
    "error",
    "DTHFL is 'Y' for a subject whose status is DEAD (SS)",
    SD,
    ("DM",),
    _dthfl_when("SS", lambda ss: text(ss["SSSTRESC"]) == "DEAD", "SSSTRESC 'DEAD' in SS"),
    core="CORE-000008",
    ids="CG0132;FB0601",
)


def _dead_not_before_last_ds(ctx, name, frame):
    v = Vars(ctx, name, frame)
    ds = ctx.frame("DS")
    if (
        ds is None
        or not {"USUBJID", "DSSTDTC"} <= set(ds.columns)
        or not (v.present("SSSTRESC") and v.present("SSDTC"))
    ):
        return not_applicable(frame)
    dated = ds[filled(ds["DSSTDTC"])]
    latest = {}
    for subject, value in zip(text(dated["USUBJID"]), text(dated["DSSTDTC"]), strict=False):
        if value.isascii() and value[:4].isdigit() and value > latest.get(subject, ""):
            latest[subject] = value
    last = text(frame["USUBJID"]).map(latest)
    app = (text(v["SSSTRESC"]) == "DEAD") & filled(v["SSDTC"]) & last.notna()
    bad = app & dtc_after(last.where(last.notna(), ""), v["SSDTC"])
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "SSDTC", detail="the subject's last DS.DSSTDTC is " + last.fillna("")))
    return out


add(
    "CB-SDTM-297",
    "error",
    "A status DEAD is not dated before the subject's last disposition (DS.DSSTDTC)",
    SD,
    ("SS",),
    _dead_not_before_last_ds,
    core="CORE-000178",
    ids="CG0172",
)
add(
    "CB-SDTM-298",
    "error",
    "A subject whose status is DEAD has a DS record with DSDECOD 'DEATH'",
    SD,
    ("SS",),
    c.subject_has_record(
        "DS",
        lambda ds: text(ds["DSDECOD"]) == "DEATH",
        lambda v: text(v["SSSTRESC"]) == "DEAD",
        "SSSTRESC",
        "DS record with DSDECOD 'DEATH'",
    ),
    core="CORE-000251",
    ids="CG0067;FB0614",
)
add(
    "CB-SDTM-299",
    "error",
    "A status DEAD is dated on or after the date of death (DM.DTHDTC)",
    SD,
    ("SS",),
    c.record_rule(
        ("SSSTRESC", "SSDTC", "DM.DTHDTC"),
        lambda v: dtc_after(v["DM.DTHDTC"], v["SSDTC"]),
        "SSDTC",
        applicable=lambda v: text(v["SSSTRESC"]) == "DEAD",
        show=("SSDTC", "DM.DTHDTC"),
    ),
    core="CORE-000259",
    ids="CG0171;FB0613",
)
