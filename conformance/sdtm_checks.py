"""The checks of the SDTMIG 3.4 rules (and of the FDA business rules on SDTM data) that
the generic checks of conformance.checks cannot express.

Each is registered under its name; the rows of conformance/rules.toml that name it
give its arguments and the rule's metadata: the CDISC CORE rule it matches and that
rule's CDISC ids (CGnnnn SDTMIG conformance rules, FBnnnn FDA business rules).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from . import checks as c
from .checks import Vars, check, check_factory, hit, not_applicable
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

YN = ("Y", "N")


# ---------------------------------------------------------------------------
# Identity and structure
# ---------------------------------------------------------------------------


@check
def studyid_is_dm(ctx, name, frame):
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


@check
def dm_present(ctx, name, frame):
    sdtm = [n for n in ctx.names() if not ctx.is_adam(n)]
    if not sdtm:
        return Outcome(0, 0)
    out = Outcome(1, 0)
    if "DM" not in ctx.datasets:
        out.hits.append(Hit("DM", None, None, ["DM"], "the study has SDTM datasets but no DM"))
    return out


@check_factory
def domain_2_characters_long():
    return c.record_rule(("DOMAIN",), lambda v: text(v["DOMAIN"]).str.len() != 2, "DOMAIN")


@check
def name_starts_with_domain(ctx, name, frame):
    if "DOMAIN" not in frame.columns:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    bad = filled(frame["DOMAIN"]) & ~text(frame["DOMAIN"]).map(lambda d: name.startswith(d.upper()))
    out = Outcome(len(frame), 0)
    if bad.any():
        out.hits.append(hit(v, bad, "DOMAIN", detail=f"dataset {name}"))
    return out


@check
def has_records(ctx, name, frame):
    out = Outcome(1, 0)
    if len(frame) == 0:
        out.hits.append(Hit(name, None, None, [0], "the dataset has no records"))
    return out


# ---------------------------------------------------------------------------
# Study days
# ---------------------------------------------------------------------------
@check_factory
def day_not_zero(dy: str):
    return c.record_rule((dy,), lambda v: number(v[dy]) == 0, dy, applicable=lambda v: number(v[dy]).notna())


@check_factory
def study_day_rule(dy: str, dtc: str):
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


@check_factory
def day_null_when_partial(dy: str, dtc: str):
    return c.record_rule(
        (dy, dtc, "DM.RFSTDTC"),
        lambda v: number(v[dy]).notna(),
        dy,
        applicable=lambda v: ~(v.date(dtc).notna() & v.date("DM.RFSTDTC").notna()),
        show=(dy, dtc, "DM.RFSTDTC"),
    )


@check_factory
def dy_populated_when_dtc_populated():
    return c.record_rule(
        ("--DY", "--DTC", "DM.RFSTDTC"),
        lambda v: number(v["--DY"]).isna(),
        "--DY",
        applicable=lambda v: v.date("--DTC").notna() & v.date("DM.RFSTDTC").notna(),
        show=("--DY", "--DTC"),
    )


@check_factory
def dy_no_later_endy():
    return c.record_rule(
        ("--DY", "--ENDY"),
        lambda v: number(v["--DY"]) > number(v["--ENDY"]),
        "--DY",
        applicable=lambda v: number(v["--DY"]).notna() & number(v["--ENDY"]).notna(),
        show=("--DY", "--ENDY"),
    )


# ---------------------------------------------------------------------------
# Dates in order
# ---------------------------------------------------------------------------


@check
def ae_before_last_ds(ctx, name, frame):
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


# ---------------------------------------------------------------------------
# DM: death
# ---------------------------------------------------------------------------
@check_factory
def dthfl_y_when_dthdtc_populated():
    return c.record_rule(
        ("DTHDTC", "DTHFL"),
        lambda v: text(v["DTHFL"]) != "Y",
        "DTHFL",
        applicable=lambda v: filled(v["DTHDTC"]),
        show=("DTHDTC", "DTHFL"),
    )


@check_factory
def dthdtc_populated_when_dthfl_y():
    return c.record_rule(
        ("DTHDTC", "DTHFL"),
        lambda v: blank(v["DTHDTC"]),
        "DTHDTC",
        applicable=lambda v: text(v["DTHFL"]) == "Y",
        show=("DTHFL", "DTHDTC"),
    )


def _dthfl_y_when_record(reference: str, ref_filter, what: str):
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


@check_factory
def dthfl_y_when_ds_has_death_record():
    return _dthfl_y_when_record("DS", lambda d: text(d["DSDECOD"]) == "DEATH", "a DS record with DSDECOD DEATH")


@check_factory
def dthfl_y_when_ae_has_aesdth_y():
    return _dthfl_y_when_record("AE", lambda d: text(d["AESDTH"]) == "Y", "an AE record with AESDTH Y")


@check_factory
def dthfl_y_when_ae_has_aeout_fatal():
    return _dthfl_y_when_record("AE", lambda d: text(d["AEOUT"]) == "FATAL", "an AE record with AEOUT FATAL")


@check_factory
def when_dthfl_y_ds_has_record_dsdecod():
    return c.subject_has_record(
        "DS",
        lambda d: text(d["DSDECOD"]) == "DEATH",
        lambda v: text(v["DTHFL"]) == "Y",
        "DTHFL",
        "DS record with DSDECOD DEATH",
    )


@check_factory
def when_dthfl_y_ae_has_record_aeout():
    return c.subject_has_record(
        "AE",
        lambda d: text(d["AEOUT"]) == "FATAL",
        lambda v: text(v["DTHFL"]) == "Y",
        "DTHFL",
        "AE record with AEOUT FATAL",
    )


@check_factory
def dsstdtc_death_record_equals_dm_dthdtc():
    return c.record_rule(
        ("DSDECOD", "DSSTDTC", "DM.DTHDTC"),
        lambda v: text(v["DSSTDTC"]) != text(v["DM.DTHDTC"]),
        "DSSTDTC",
        applicable=lambda v: (text(v["DSDECOD"]) == "DEATH") & filled(v["DSSTDTC"]),
        show=("DSSTDTC", "DM.DTHDTC"),
    )


@check_factory
def aeendtc_fatal_adverse_event_equals_dm_dthdtc():
    return c.record_rule(
        ("AEOUT", "AEENDTC", "DM.DTHDTC"),
        lambda v: text(v["AEENDTC"]) != text(v["DM.DTHDTC"]),
        "AEENDTC",
        applicable=lambda v: text(v["AEOUT"]) == "FATAL",
        show=("AEENDTC", "DM.DTHDTC"),
    )


# ---------------------------------------------------------------------------
# DM: arms, age, reference dates
# ---------------------------------------------------------------------------
@check_factory
def armnrs_null_when_both_armcd_actarmcd_populated():
    return c.record_rule(
        ("ARMCD", "ACTARMCD", "ARMNRS"),
        lambda v: filled(v["ARMNRS"]),
        "ARMNRS",
        applicable=lambda v: filled(v["ARMCD"]) & filled(v["ACTARMCD"]),
        show=("ARMCD", "ACTARMCD", "ARMNRS"),
    )


@check_factory
def age_populated_every_subject_but_screen_failures():
    return c.record_rule(
        ("AGE",),
        lambda v: blank(v["AGE"]),
        "AGE",
        applicable=lambda v: blank(v["ARMNRS"]) if v.present("ARMNRS") else pd.Series(True, index=v.frame.index),
    )


@check_factory
def ex_bound(variable: str, first: bool):
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


@check
def dm_subject_in_ex(ctx, name, frame):
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


@check_factory
def subject_ex_records_assigned_arm_armcd_populated():
    return c.record_rule(
        ("ARMCD",),
        lambda v: blank(v["ARMCD"]),
        "ARMCD",
        applicable=lambda v: (
            text(v.frame["USUBJID"]).isin(set(text(v.ctx.frame("EX")["USUBJID"])))
            if v.ctx.frame("EX") is not None and "USUBJID" in v.frame.columns
            else pd.Series(False, index=v.frame.index)
        ),
    )


@check_factory
def subject_actarmcd_populated_has_disposition_ds_records():
    return c.subject_has_record("DS", None, lambda v: filled(v["ACTARMCD"]), "ACTARMCD", "DS record")


@check
def rficdtc_is_first_consent(ctx, name, frame):
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

_SERIOUS = ("AESCAN", "AESCONG", "AESDISAB", "AESDTH", "AESHOSP", "AESLIFE", "AESOD", "AESMIE")


def _any_criterion(v: Vars) -> pd.Series:
    out = pd.Series(False, index=v.frame.index)
    for s in _SERIOUS:
        if v.present(s):
            out |= text(v[s]) == "Y"
    return out


@check_factory
def aeser_y_when_seriousness_criterion_aescan_aesmie():
    return c.record_rule(("AESER",), lambda v: text(v["AESER"]) != "Y", "AESER", applicable=_any_criterion)


@check_factory
def when_aeser_y_least_one_seriousness_criterion():
    return c.record_rule(
        ("AESER",),
        lambda v: ~_any_criterion(v),
        "AESER",
        # a serious event in an AE without any criterion variable is found too: their absence is the finding
        applicable=lambda v: text(v["AESER"]) == "Y",
    )


# ---------------------------------------------------------------------------
# Interventions
# ---------------------------------------------------------------------------


def _dosu_needed(v: Vars) -> pd.Series:
    out = pd.Series(False, index=v.frame.index)
    for x in ("--DOSE", "--DOSTOT", "--DOSTXT"):
        if v.present(x):
            out |= filled(v[x])
    return out


@check_factory
def dosu_populated_when_dose_dostot_dostxt():
    return c.record_rule(("--DOSU",), lambda v: blank(v["--DOSU"]), "--DOSU", applicable=_dosu_needed)


@check_factory
def dostxt_not_number_numeric_dose_goes_in():
    return c.record_rule(
        ("--DOSTXT",), lambda v: is_numeric_text(v["--DOSTXT"]), "--DOSTXT", applicable=lambda v: filled(v["--DOSTXT"])
    )


@check_factory
def exdose_0_when_extrt_placebo():
    return c.record_rule(
        ("EXTRT", "EXDOSE"),
        lambda v: number(v["EXDOSE"]) != 0,
        "EXDOSE",
        applicable=lambda v: text(v["EXTRT"]).str.upper() == "PLACEBO",
        show=("EXTRT", "EXDOSE"),
    )


@check
def ex_present(ctx, name, frame):
    dm = ctx.dm
    if dm is None or "ACTARMCD" not in dm.columns:
        return Outcome(0, 0)
    treated = filled(dm["ACTARMCD"]).any()
    out = Outcome(1, 0)
    if treated and "EX" not in ctx.datasets:
        out.hits.append(Hit("EX", None, None, ["EX"], "DM has subjects with an actual arm but there is no EX dataset"))
    return out


# ---------------------------------------------------------------------------
# DS
# ---------------------------------------------------------------------------
@check_factory
def most_one_disposition_event_record_per_subject():
    return c.record_rule(
        ("DSCAT", "DSSCAT", "EPOCH"),
        lambda v: pd.DataFrame({k: text(v[k]) for k in ("USUBJID", "DSSCAT", "EPOCH")}).duplicated(keep=False),
        "EPOCH",
        applicable=lambda v: text(v["DSCAT"]) == "DISPOSITION EVENT",
        show=("DSSCAT", "EPOCH"),
    )


# ---------------------------------------------------------------------------
# Visits, epochs, elements
# ---------------------------------------------------------------------------


@check
def visit_known(ctx, name, frame):
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


@check
def visitdy_planned(ctx, name, frame):
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


@check_factory
def epoch_matches_se(date_var: str | None = None, concluding_category: str | None = None):
    """A record's EPOCH is the epoch of the subject's element (SE) that holds its date.

    A DS record of DSCAT `concluding_category` (the rule's argument: DISPOSITION
    EVENT) is associated with the epoch it concludes (SDTMIG DS; an end of
    treatment dated after the last dose, in the follow-up element, concludes
    TREATMENT): its EPOCH is one the subject had entered by the event's date.
    """

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
                "concludes": (
                    (text(frame["DSCAT"]) == concluding_category).to_numpy()
                    if name == "DS" and concluding_category and "DSCAT" in frame.columns
                    else np.zeros(len(frame), dtype=bool)
                ),
            }
        )[app.to_numpy()]
        joined = records.merge(elements, on="u", how="left", suffixes=("", "_se"))
        entered = joined["start"] <= joined["d"]
        inside = entered & (joined["end"].isna() | (joined["d"] <= joined["end"]))
        joined["match"] = (inside | (joined["concludes"] & entered)) & (joined["epoch"] == joined["epoch_se"])
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


@check
def se_next_start(ctx, name, frame):
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


@check
def se_end_unless_last(ctx, name, frame):
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


@check
def seq_chronological(ctx, name, frame):
    seq, start = ctx.var(name, "--SEQ"), ctx.var(name, "--STDTC")
    if not {"USUBJID", seq, start} <= set(frame.columns):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    data = pd.DataFrame({"u": text(frame["USUBJID"]), "q": number(frame[seq]), "s": text(frame[start])})
    data = data.sort_values(["u", "q"], kind="stable")
    prev = data.groupby("u")["s"].shift(1).fillna("")
    # compared at the precision both dates carry: 2020-02 is not before 2020-02-15
    earlier = [
        len(a) > 0 and len(b) > 0 and a[: min(len(a), len(b))] < b[: min(len(a), len(b))]
        for a, b in zip(data["s"], prev, strict=True)
    ]
    bad_sorted = pd.Series(earlier, index=data.index, dtype=bool)
    bad = pd.Series(False, index=frame.index)
    bad[data.index[bad_sorted.to_numpy()]] = True
    out = Outcome(len(frame), 0)
    if bad.any():
        out.hits.append(hit(v, bad, seq, show=("--SEQ", "--STDTC")))
    return out


@check_factory
def etcd_in_te_etcd_unplan():
    return c.in_reference("ETCD", "TE", applicable=lambda v: text(v["ETCD"]) != "UNPLAN")


@check_factory
def seupdes_null_unless_etcd_unplan():
    return c.record_rule(
        ("ETCD", "SEUPDES"),
        lambda v: filled(v["SEUPDES"]),
        "SEUPDES",
        applicable=lambda v: text(v["ETCD"]) != "UNPLAN",
        show=("ETCD", "SEUPDES"),
    )


# ---------------------------------------------------------------------------
# Trial design
# ---------------------------------------------------------------------------
@check_factory
def taetord_integer():
    return c.record_rule(
        ("TAETORD",),
        lambda v: ~number(v["TAETORD"]).map(lambda x: float(x).is_integer() if pd.notna(x) else False),
        "TAETORD",
        applicable=lambda v: filled(v["TAETORD"]),
    )


@check_factory
def teenrl_tedur_populated_each_element():
    return c.record_rule(
        ("ETCD",),
        lambda v: (
            (blank(v["TEENRL"]) if v.present("TEENRL") else True) & (blank(v["TEDUR"]) if v.present("TEDUR") else True)
        ),
        "TEENRL",
    )


@check
def ti_unique(ctx, name, frame):
    """CORE-000146 applies when TI has no TIVERS; with TIVERS, IETESTCD is unique within each version."""
    columns = ("TIVERS", "IETESTCD") if "TIVERS" in frame.columns else ("IETESTCD",)
    return c.unique(columns, by=(), variable="IETESTCD")(ctx, name, frame)


@check_factory
def tsval_tsvalnf_populated():
    return c.record_rule(
        ("TSVAL",), lambda v: blank(v["TSVAL"]) & (blank(v["TSVALNF"]) if v.present("TSVALNF") else True), "TSVAL"
    )


_ISO_DURATION = r"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"


@check_factory
def tsval_agemax_iso_8601_duration():
    return c.record_rule(
        ("TSPARMCD", "TSVAL"),
        lambda v: ~text(v["TSVAL"]).str.match(_ISO_DURATION),
        "TSVAL",
        applicable=lambda v: (text(v["TSPARMCD"]) == "AGEMAX") & filled(v["TSVAL"]),
        show=("TSPARMCD", "TSVAL"),
    )


@check_factory
def tsval_sstdtc_iso_8601_date():
    return c.record_rule(
        ("TSPARMCD", "TSVAL"),
        lambda v: ~text(v["TSVAL"]).str.match(r"^\d{4}-\d{2}-\d{2}$") | dtc_date(v["TSVAL"]).isna(),
        "TSVAL",
        applicable=lambda v: text(v["TSPARMCD"]) == "SSTDTC",
        show=("TSPARMCD", "TSVAL"),
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


@check_factory
def ts_has(parameter: str):
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


@check
def aeacn_populated_when_supp_has_actions(ctx, name, frame):
    """AEACN is populated on an AE record whose per-treatment actions SUPPAE holds (QNAM AEACN...,
    IDVAR AESEQ): "MULTIPLE" when they differ, never null."""
    supp = ctx.frame("SUPPAE")
    needed = {"USUBJID", "AESEQ", "AEACN"}
    if (
        supp is None
        or not needed <= set(frame.columns)
        or not {"USUBJID", "QNAM", "IDVAR", "IDVARVAL"} <= set(supp.columns)
    ):
        return not_applicable(frame)
    rows = supp[text(supp["QNAM"]).str.startswith("AEACN") & (text(supp["IDVAR"]) == "AESEQ")]
    keys = set(zip(text(rows["USUBJID"]), number(rows["IDVARVAL"]), strict=True))
    record = pd.Series(list(zip(text(frame["USUBJID"]), number(frame["AESEQ"]), strict=True)), index=frame.index)
    applicable = record.isin(keys)
    out = Outcome(int(applicable.sum()), int(len(frame) - applicable.sum()))
    bad = applicable & blank(frame["AEACN"])
    if bad.any():
        out.hits.append(
            hit(
                Vars(ctx, name, frame), bad, "AEACN", detail="SUPPAE holds the actions per treatment: AEACN is MULTIPLE"
            )
        )
    return out


@check_factory
def end_of_treatment_epoch_is_a_treatment_epoch(category: str, subcategory_word: str):
    """The EPOCH of an end-of-treatment disposition event (DSCAT `category`, a DSSCAT holding
    `subcategory_word`: STUDY TREATMENT, END OF TREATMENT) is an epoch in which the subject was
    exposed to study treatment (an EPOCH of the subject's EX records): the epoch the event concludes."""

    def check(ctx, name, frame):
        ex = ctx.frame("EX")
        if ex is None or not {"USUBJID", "EPOCH"} <= set(ex.columns):
            return not_applicable(frame)
        if not {"USUBJID", "DSCAT", "DSSCAT", "EPOCH"} <= set(frame.columns):
            return not_applicable(frame)
        ends_treatment = (text(frame["DSCAT"]) == category) & text(frame["DSSCAT"]).str.contains(
            subcategory_word, regex=False, na=False
        )
        exposed = set(zip(text(ex["USUBJID"]), text(ex["EPOCH"]), strict=True))
        subjects = set(text(ex["USUBJID"]))
        pairs = pd.Series(list(zip(text(frame["USUBJID"]), text(frame["EPOCH"]), strict=True)), index=frame.index)
        applicable = ends_treatment & filled(frame["EPOCH"]) & text(frame["USUBJID"]).isin(subjects)
        out = Outcome(int(applicable.sum()), int(len(frame) - applicable.sum()))
        bad = applicable & ~pairs.isin(exposed)
        if bad.any():
            epochs = (
                ex.assign(u=text(ex["USUBJID"]), e=text(ex["EPOCH"]))
                .groupby("u")["e"]
                .agg(lambda s: "/".join(sorted(set(s.dropna()))))
            )
            detail = text(frame["USUBJID"]).map(epochs).fillna("").map(lambda e: f"EX epochs: {e}").to_numpy()
            out.hits.append(hit(Vars(ctx, name, frame), bad, "EPOCH", detail=detail))
        return out

    return check


@check
def rfpendtc_not_after_death(ctx, name, frame):
    """DM.RFPENDTC (end of participation) is not after DTHDTC: participation ends at death at the latest."""
    if not {"RFPENDTC", "DTHDTC"} <= set(frame.columns):
        return not_applicable(frame)
    end, death = dtc_date(frame["RFPENDTC"]), dtc_date(frame["DTHDTC"])
    applicable = end.notna() & death.notna()
    out = Outcome(int(applicable.sum()), int(len(frame) - applicable.sum()))
    bad = applicable & (end > death)
    if bad.any():
        out.hits.append(hit(Vars(ctx, name, frame), bad, "RFPENDTC", show=("RFPENDTC", "DTHDTC")))
    return out


@check
def no_visit_after_death(ctx, name, frame):
    """No SV visit starts after the subject's death (DM.DTHDTC): a contact that learns of a death is not a visit."""
    dm = ctx.frame("DM")
    if dm is None or not {"USUBJID", "DTHDTC"} <= set(dm.columns) or not {"USUBJID", "SVSTDTC"} <= set(frame.columns):
        return not_applicable(frame)
    death = pd.Series(dtc_date(dm["DTHDTC"]).to_numpy(), index=text(dm["USUBJID"]).to_numpy())
    death = death[death.notna() & ~death.index.duplicated()]
    died = text(frame["USUBJID"]).map(death)
    start = dtc_date(frame["SVSTDTC"])
    applicable = died.notna() & start.notna()
    out = Outcome(int(applicable.sum()), int(len(frame) - applicable.sum()))
    bad = applicable & (start > died)
    if bad.any():
        detail = text(frame["USUBJID"]).map(text(dm.set_index(text(dm["USUBJID"]))["DTHDTC"]))
        out.hits.append(hit(Vars(ctx, name, frame), bad, "SVSTDTC", detail=("DTHDTC=" + detail.fillna("")).to_numpy()))
    return out


@check_factory
def ts_blank_when(parameter: str, when: str, values: list[str]):
    """TS: `parameter` has no value (TSVAL null) when the `when` parameter's TSVAL is one of `values`
    (COMPTRT when TCNTRL is NONE: a trial without a control has no comparator)."""

    def check(ctx, name, frame):
        if not {"TSPARMCD", "TSVAL"} <= set(frame.columns):
            return not_applicable(frame)
        code, value = text(frame["TSPARMCD"]), text(frame["TSVAL"])
        if not (code.eq(when) & value.isin(values)).any():
            return not_applicable(frame)
        rows = code.eq(parameter)
        out = Outcome(int(rows.sum()), int(len(frame) - rows.sum()))
        bad = rows & filled(frame["TSVAL"])
        if bad.any():
            out.hits.append(
                hit(
                    Vars(ctx, name, frame),
                    bad,
                    "TSVAL",
                    detail=f"TS {when} is {'/'.join(values)}: {parameter} has no value",
                )
            )
        return out

    return check


# ---------------------------------------------------------------------------
# Findings: tests, results, tumours
# ---------------------------------------------------------------------------
@check_factory
def orres_populated_unless_stat_drvfl_y():
    return c.record_rule(
        ("--ORRES",),
        lambda v: blank(v["--ORRES"]),
        "--ORRES",
        applicable=lambda v: (
            (blank(v["--STAT"]) if v.present("--STAT") else pd.Series(True, index=v.frame.index))
            & ((text(v["--DRVFL"]) != "Y") if v.present("--DRVFL") else True)
        ),
    )


@check_factory
def reasnd_null_unless_stat_not_done():
    return c.record_rule(
        ("--REASND",),
        lambda v: (text(v["--STAT"]) != "NOT DONE") if v.present("--STAT") else True,
        "--REASND",
        applicable=lambda v: filled(v["--REASND"]),
        show=("--STAT", "--REASND"),
    )


def _stresn_matches_stresc(v: Vars) -> pd.Series:
    stresn = number(v["--STRESN"]) if v.present("--STRESN") else pd.Series(np.nan, index=v.frame.index)
    return stresn.isna() | ~np.isclose(number(v["--STRESC"]).fillna(np.inf), stresn.fillna(-np.inf), rtol=1e-9, atol=0)


@check_factory
def stresn_equals_stresc_when_stresc_number():
    return c.record_rule(
        ("--STRESC",),
        _stresn_matches_stresc,
        "--STRESN",
        applicable=lambda v: is_numeric_text(v["--STRESC"]),
        show=("--STRESC", "--STRESN"),
    )


@check_factory
def stresn_null_when_stresc_not_number():
    return c.record_rule(
        ("--STRESC", "--STRESN"),
        lambda v: number(v["--STRESN"]).notna(),
        "--STRESN",
        applicable=lambda v: ~is_numeric_text(v["--STRESC"]),
        show=("--STRESC", "--STRESN"),
    )


# a continuous measurement as collected: a number, or a number beyond a limit ("<0.5", ">1000"), whose
# test is still a continuous one with a reference range (SDTMIG 3.4 LB assumptions)
_CONTINUOUS = r"^(<=|>=|<|>)?\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


@check_factory
def range_null_when_result_not_continuous(limit: str):
    """A reference range limit is null when --ORRES is a result that is not a continuous measurement (text
    such as POSITIVE or 2+); a result given as a limit ("<0.5") is a continuous measurement."""
    return c.record_rule(
        ("--ORRES", limit),
        lambda v: filled(v[limit]),
        limit,
        applicable=lambda v: filled(v["--ORRES"]) & ~text(v["--ORRES"]).str.match(_CONTINUOUS),
        show=("--ORRES", limit),
    )


@check_factory
def upper_limit_above_lower(low: str, high: str):
    """The upper limit of a reference range is greater than its lower limit, where both are numbers."""
    return c.record_rule(
        (low, high),
        lambda v: number(v[high]) <= number(v[low]),
        high,
        applicable=lambda v: number(v[low]).notna() & number(v[high]).notna(),
        show=(low, high),
    )


@check
def units_consistent(ctx, name, frame):
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


@check
def lesion_in_tu(ctx, name, frame):
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


@check_factory
def tulnkid_identifies_one_lesion_per_subject_evaluator():
    return lambda ctx, name, frame: c.unique(
        ("TULNKID",), by=tuple(x for x in ("USUBJID", "TUEVAL", "TUEVALID") if x in frame.columns)
    )(ctx, name, frame)


@check_factory
def linked_elsewhere(suffix: str):
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


# ---------------------------------------------------------------------------
# Supplemental qualifiers
# ---------------------------------------------------------------------------
@check_factory
def idvar_populated_when_rdomain_not_dm():
    return c.record_rule(
        ("RDOMAIN", "IDVAR"),
        lambda v: blank(v["IDVAR"]),
        "IDVAR",
        applicable=lambda v: text(v["RDOMAIN"]) != "DM",
        show=("RDOMAIN", "IDVAR"),
    )


@check_factory
def idvar_idvarval_qnam_identify_one_record_per():
    return lambda ctx, name, frame: (
        c.unique(
            tuple(x for x in ("RDOMAIN", "IDVAR", "IDVARVAL", "QNAM") if x in frame.columns),
            by=("USUBJID",),
            variable="QNAM",
        )(ctx, name, frame)
        if "QNAM" in frame.columns
        else not_applicable(frame)
    )


@check_factory
def rdomain_equals_characters_5_6_supp_dataset():
    return lambda ctx, name, frame: c.record_rule(("RDOMAIN",), lambda v: text(v["RDOMAIN"]) != name[4:6], "RDOMAIN")(
        ctx, name, frame
    )


@check
def rdomain_present(ctx, name, frame):
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


def _parent_frame(ctx, rdomain: str):
    if rdomain in ctx.datasets:
        return ctx.datasets[rdomain]
    for n in ctx.names():
        if not ctx.is_adam(n) and not ctx.is_supp(n) and ctx.domain(n) == rdomain:
            return ctx.datasets[n]
    return None


@check
def idvar_valid(ctx, name, frame):
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


@check
def parent_record(ctx, name, frame):
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


@check_factory
def suppdm_does_not_hold_population_flags_they():
    return c.record_rule(
        ("RDOMAIN", "QNAM"),
        lambda v: (
            text(v["QNAM"])
            .str.upper()
            .str.contains(r"(?:ENRFL|SAFFL|EFFFL|ITTFL|PPROTFL|COMPLFL|COMPLT|FULLSET|ITT|PPROT|SAFETY)")
        ),
        "QNAM",
        applicable=lambda v: text(v["RDOMAIN"]).str.upper() == "DM",
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


@check_factory
def text_values_do_not_start_space():
    return _text_values_rule(lambda s: s[:1] == " " and s.strip() != "", "leading space")


@check_factory
def text_values_not_alone_missing_text_blank():
    return _text_values_rule(lambda s: s.strip() == ".", "'.' as a value")


# ---------------------------------------------------------------------------
# Data review notices
# ---------------------------------------------------------------------------
_COMPLETE_DATE = __import__("re").compile(r"^\d{4}-\d{2}-\d{2}")


@check
def partial_dates(ctx, name, frame):
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


# ---------------------------------------------------------------------------
# CORE rules added from the applicability analysis (scripts/core_coverage.py)
# ---------------------------------------------------------------------------


@check_factory
def age_populated_when_ageu_unless_agetxt():
    return c.record_rule(
        ("AGEU", "AGE"),
        lambda v: blank(v["AGE"]) & (blank(v["AGETXT"]) if v.present("AGETXT") else True),
        "AGE",
        applicable=lambda v: filled(v["AGEU"]),
        show=("AGEU", "AGE"),
    )


@check_factory
def rfstdtc_start_treatment_null_when_armnrs_populated():
    return c.record_rule(
        ("ARMNRS", "RFSTDTC"),
        lambda v: filled(v["RFSTDTC"]),
        "RFSTDTC",
        applicable=lambda v: filled(v["ARMNRS"]) & (text(v["ARMNRS"]).str.upper() != "UNPLANNED TREATMENT"),
        show=("ARMNRS", "RFSTDTC"),
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


@check
def scat_not_label(ctx, name, frame):
    label = _dataset_label(ctx, name)
    if not label:
        return not_applicable(frame)
    return c.record_rule(
        ("--SCAT",),
        lambda v: text(v["--SCAT"]).str.upper() == label.strip().upper(),
        "--SCAT",
        applicable=lambda v: filled(v["--SCAT"]),
    )(ctx, name, frame)


def _on_or_after(a: pd.Series, b: pd.Series) -> pd.Series:
    """a is surely on or after b: later at the precision both carry, or the same complete date (a partial
    '2012' against '2012-09-07' may be either, so it is not reported)."""
    da, db = dtc_date(a), dtc_date(b)
    return dtc_after(a, b) | (da.notna() & db.notna() & (da == db))


@check_factory
def mhstdtc_before_dm_rfstdtc_medical_history_starts():
    return c.record_rule(
        ("MHSTDTC", "DM.RFSTDTC"),
        lambda v: _on_or_after(v["MHSTDTC"], v["DM.RFSTDTC"]),
        "MHSTDTC",
        applicable=lambda v: filled(v["MHSTDTC"]) & filled(v["DM.RFSTDTC"]),
        show=("MHSTDTC", "DM.RFSTDTC"),
    )


@check_factory
def mhendtc_before_dm_rfstdtc_medical_history_ended():
    return c.record_rule(
        ("MHENDTC", "DM.RFSTDTC"),
        lambda v: _on_or_after(v["MHENDTC"], v["DM.RFSTDTC"]),
        "MHENDTC",
        applicable=lambda v: filled(v["MHENDTC"]) & filled(v["DM.RFSTDTC"]),
        show=("MHENDTC", "DM.RFSTDTC"),
    )


@check
def visitdy_is_tv(ctx, name, frame):
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


@check_factory
def duration_dur_not_negative():
    return c.record_rule(
        ("--DUR",),
        lambda v: text(v["--DUR"]).str.contains("-", regex=False),
        "--DUR",
        applicable=lambda v: filled(v["--DUR"]),
    )


@check
def supp_race_needs_multiple(ctx, name, frame):
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


@check
def category_splits(ctx, name, frame):
    v = Vars(ctx, name, frame)
    if not v.present("--CAT"):
        return not_applicable(frame)
    cat = text(v["--CAT"])
    out = Outcome(1, 0)
    if len(frame) > 1 and (cat != "").all() and cat.nunique() == 1:
        out.hits.append(Hit(name, None, v.column("--CAT"), [cat.iloc[0]], "every record has the same category"))
    return out


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


@check
def has_timing(ctx, name, frame):
    columns = {ctx.var(name, t) for t in _TIMING}
    out = Outcome(1, 0)
    if not columns & set(frame.columns):
        out.hits.append(Hit(name, None, None, [name], "no timing variable (VISITNUM, EPOCH, --DTC, --STDTC ...)"))
    return out


@check
def tsval_in_order(ctx, name, frame):
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


@check
def tpt_per_visit(ctx, name, frame):
    v = Vars(ctx, name, frame)
    if v.present("--TPTREF") or not all(v.present(x) for x in ("VISITNUM", "--TPT", "--TPTNUM")):
        return not_applicable(frame)
    return c.one_to_one("--TPT", "--TPTNUM", within=("VISITNUM",))(ctx, name, frame)


@check_factory
def stdy_not_after_endy():
    return c.record_rule(
        ("--STDY", "--ENDY"),
        lambda v: number(v["--STDY"]) > number(v["--ENDY"]),
        "--STDY",
        applicable=lambda v: number(v["--STDY"]).notna() & number(v["--ENDY"]).notna(),
        show=("--STDY", "--ENDY"),
    )


@check
def dy_for_complete_dtc(ctx, name, frame):
    """A complete --DTC with no --DY variable in the dataset: every such record is a finding."""
    v = Vars(ctx, name, frame)
    if not v.present("--DTC") or v.present("--DY"):
        return not_applicable(frame) if not v.present("--DTC") else Outcome(len(frame), 0)
    app = complete_date(v["--DTC"])
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if app.any():
        out.hits.append(hit(v, app, "--DTC", detail=f"{v.column('--DY')} is not in the dataset"))
    return out


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


@check_factory
def ts_has_age_agetxt_value_not_both():
    return _ts_rule(
        lambda p: (
            ("AGETXT", "both AGE and AGETXT have a TSVAL")
            if _filled_param(p, "AGE") and _filled_param(p, "AGETXT")
            else None
        )
    )


@check_factory
def interventional_study_ts_has_intmodel_inttype_pclas():
    return _ts_rule(
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
    )


@check_factory
def ts_has_trial_indication_indic_when_study():
    return _ts_rule(
        lambda p: (
            ("HLTSUBJI", "HLTSUBJI is N and there is no INDIC record")
            if "N" in {x.upper() for x in p.get("HLTSUBJI", [])} and "INDIC" not in p
            else None
        )
    )


@check_factory
def multiple_race(part: str):
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


_NULL_FLAVOUR_TEXT = re.compile(
    r"(?i:^(NI|No information|INV|Invalid|OTH|Other|PINF|Positive infinity|NINF|Negative infinity|"
    r"UNC|Unencoded|DER|Derived|UNK|Unknown|ASKU|Asked but unknown|NAV|Temporarily unavailable|"
    r"NASK|Not asked|TRC|Trace|MSK|Masked|QS|Sufficient Quantity)$)"
)


@check_factory
def tsvalnf_null_when_tsval_holds_value_not():
    return c.record_rule(
        ("TSVAL", "TSVALNF"),
        lambda v: filled(v["TSVALNF"]),
        "TSVALNF",
        applicable=lambda v: filled(v["TSVAL"]) & ~text(v["TSVAL"]).map(lambda x: bool(_NULL_FLAVOUR_TEXT.match(x))),
        show=("TSVAL", "TSVALNF"),
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


@check_factory
def supp_mapped(qnam: str, qval: str, variable: str, expected: str):
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


# ---------------------------------------------------------------------------
# Eligibility (IE), comments (CO), death details (DD), subject status (SS) and
# the planned visits of SV (SVPRESP / SVOCCUR)
# ---------------------------------------------------------------------------
@check_factory
def iestresc_equals_ieorres():
    return c.record_rule(
        ("IESTRESC", "IEORRES"),
        lambda v: text(v["IESTRESC"]) != text(v["IEORRES"]),
        "IESTRESC",
        show=("IEORRES", "IESTRESC"),
    )


@check
def rdomain_when_idvarval(ctx, name, frame):
    v = Vars(ctx, name, frame)
    if not v.present("IDVARVAL"):
        return not_applicable(frame)
    app = filled(v["IDVARVAL"])
    bad = app & (blank(v["RDOMAIN"]) if v.present("RDOMAIN") else True)
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "IDVARVAL", detail="RDOMAIN is null" if v.present("RDOMAIN") else "no RDOMAIN"))
    return out


@check_factory
def idvar_null_when_rdomain_null():
    return c.record_rule(
        ("IDVAR", "RDOMAIN"),
        lambda v: filled(v["IDVAR"]),
        "IDVAR",
        applicable=lambda v: blank(v["RDOMAIN"]),
        show=("RDOMAIN", "IDVAR"),
    )


@check_factory
def idvar_populated_when_rdomain_but_dm():
    return c.record_rule(
        ("RDOMAIN", "IDVAR"),
        lambda v: blank(v["IDVAR"]),
        "IDVAR",
        applicable=lambda v: filled(v["RDOMAIN"]) & (text(v["RDOMAIN"]) != "DM"),
        show=("RDOMAIN", "IDVAR"),
    )


@check
def idvar_in_rdomain(ctx, name, frame):
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


def _planned(v: Vars) -> pd.Series:
    """The records of a planned visit (SVPRESP 'Y'); none in a dataset without SVPRESP."""
    return text(v["SVPRESP"]) == "Y" if v.present("SVPRESP") else pd.Series(False, index=v.frame.index)


@check_factory
def lobxfl_collected_result():
    """--ORRES is populated on a --LOBXFL = 'Y' record unless the record is derived (--DRVFL 'Y')."""

    def derived(v: Vars) -> pd.Series:
        return text(v["--DRVFL"]) == "Y" if v.present("--DRVFL") else pd.Series(False, index=v.frame.index)

    return c.record_rule(
        ("--LOBXFL", "--ORRES"),
        lambda v: blank(v["--ORRES"]),
        "--ORRES",
        applicable=lambda v: (text(v["--LOBXFL"]) == "Y") & ~derived(v),
        show=("--LOBXFL", "--ORRES"),
    )


@check_factory
def svoccur_null_unless_svpresp_y_planned_visit():
    return c.record_rule(
        ("SVOCCUR", "SVPRESP"),
        lambda v: text(v["SVPRESP"]) != "Y",
        "SVOCCUR",
        applicable=lambda v: filled(v["SVOCCUR"]),
        show=("SVPRESP", "SVOCCUR"),
    )


@check_factory
def visitdy_null_unplanned_visit_svpresp_null():
    return c.record_rule(
        ("SVPRESP", "VISITDY"),
        lambda v: filled(v["VISITDY"]),
        "VISITDY",
        applicable=lambda v: blank(v["SVPRESP"]),
        show=("SVPRESP", "VISITDY"),
    )


@check_factory
def visit_planned_visit_svpresp_y_visit_tv():
    return c.in_reference("VISIT", "TV", applicable=_planned)


@check_factory
def visitnum_planned_visit_svpresp_y_visit_tv():
    return c.in_reference("VISITNUM", "TV", applicable=_planned)


@check
def unplanned_not_in_tv(ctx, name, frame):
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


@check_factory
def dthfl_y_subject_death_details_dd():
    return _dthfl_when("DD", lambda dd: pd.Series(True, index=dd.index), "a DD record")


@check_factory
def dthfl_y_subject_whose_status_dead_ss():
    return _dthfl_when("SS", lambda ss: text(ss["SSSTRESC"]) == "DEAD", "SSSTRESC 'DEAD' in SS")


@check
def dead_not_before_last_ds(ctx, name, frame):
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


@check_factory
def subject_whose_status_dead_has_ds_record():
    return c.subject_has_record(
        "DS",
        lambda ds: text(ds["DSDECOD"]) == "DEATH",
        lambda v: text(v["SSSTRESC"]) == "DEAD",
        "SSSTRESC",
        "DS record with DSDECOD 'DEATH'",
    )


@check_factory
def status_dead_dated_after_date_death_dm():
    return c.record_rule(
        ("SSSTRESC", "SSDTC", "DM.DTHDTC"),
        lambda v: dtc_after(v["DM.DTHDTC"], v["SSDTC"]),
        "SSDTC",
        applicable=lambda v: text(v["SSSTRESC"]) == "DEAD",
        show=("SSDTC", "DM.DTHDTC"),
    )
