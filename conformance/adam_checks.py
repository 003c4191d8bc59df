"""The checks of the ADaMIG 1.3 rules (subject-level, BDS, time-to-event, traceability)
that the generic checks of conformance.checks cannot express, registered by name for
the rows of conformance/rules.toml. The CORE catalogue at hand covers SDTMIG only,
so these rules carry no CORE id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import checks as c
from .checks import Vars, check, check_factory, hit, not_applicable
from .context import as_date, blank, filled, number, text
from .model import Hit, Outcome


@check
def in_adsl(ctx, name, frame):
    adsl = ctx.adsl
    if adsl is None or name == "ADSL" or "USUBJID" not in frame.columns or "USUBJID" not in adsl.columns:
        return not_applicable(frame)
    return c.in_reference("USUBJID", "ADSL")(ctx, name, frame)


@check
def dm_in_adsl(ctx, name, frame):
    dm = ctx.dm
    if dm is None or "USUBJID" not in dm.columns or "USUBJID" not in frame.columns:
        return not_applicable(frame)
    Vars(ctx, name, frame)
    missing = sorted(set(text(dm["USUBJID"])) - set(text(frame["USUBJID"])) - {""})
    out = Outcome(len(dm), 0)
    for subject in missing:
        out.hits.append(Hit(name, None, "USUBJID", [subject], "in DM but not in ADSL"))
    return out


def _tte(ctx, name, frame):
    return "CNSR" in frame.columns


def _tte_rule(fn):
    def check(ctx, name, frame):
        if not _tte(ctx, name, frame):
            return not_applicable(frame)
        return fn(ctx, name, frame)

    return check


@check_factory
def cnsr_populated_in_time_event_dataset():
    return _tte_rule(c.record_rule(("CNSR",), lambda v: number(v["CNSR"]).isna(), "CNSR"))


@check_factory
def cnsr_0_event_positive_integer_censored():
    return _tte_rule(
        c.record_rule(
            ("CNSR",),
            lambda v: ~number(v["CNSR"]).map(lambda x: x >= 0 and float(x).is_integer()),
            "CNSR",
            applicable=lambda v: number(v["CNSR"]).notna(),
        )
    )


@check_factory
def adt_not_before_startdt():
    return c.record_rule(
        ("ADT", "STARTDT"),
        lambda v: as_date(v["ADT"]) < as_date(v["STARTDT"]),
        "ADT",
        applicable=lambda v: as_date(v["ADT"]).notna() & as_date(v["STARTDT"]).notna(),
        show=("ADT", "STARTDT"),
    )


@check_factory
def day_count_aval_time_event_parameter_adt():
    return _tte_rule(
        c.record_rule(
            ("AVAL", "ADT", "STARTDT"),
            lambda v: number(v["AVAL"]) != ((as_date(v["ADT"]) - as_date(v["STARTDT"])).dt.days + 1),
            "AVAL",
            applicable=lambda v: (
                as_date(v["ADT"]).notna()
                & as_date(v["STARTDT"]).notna()
                & number(v["AVAL"]).notna()
                & (text(v["AVALU"]).str.upper().isin(("DAYS", "DAY", "")) if v.present("AVALU") else True)
            ),
            show=("AVAL", "ADT", "STARTDT"),
        )
    )


@check_factory
def evntdesc_populated_event_cnsr_0():
    return _tte_rule(
        c.record_rule(
            ("CNSR", "EVNTDESC"),
            lambda v: blank(v["EVNTDESC"]),
            "EVNTDESC",
            applicable=lambda v: number(v["CNSR"]) == 0,
        )
    )


@check_factory
def cnsdtdsc_populated_censored_record_cnsr_0():
    return _tte_rule(
        c.record_rule(
            ("CNSR", "CNSDTDSC"), lambda v: blank(v["CNSDTDSC"]), "CNSDTDSC", applicable=lambda v: number(v["CNSR"]) > 0
        )
    )


@check_factory
def time_event_dataset_has_one_record_per():
    return _tte_rule(c.unique(("PARAMCD",), by=("USUBJID",)))


@check_factory
def adt_startdt_populated_in_time_event_dataset():
    return _tte_rule(
        c.record_rule(
            ("ADT", "STARTDT"),
            lambda v: as_date(v["ADT"]).isna() | as_date(v["STARTDT"]).isna(),
            "ADT",
            show=("ADT", "STARTDT"),
        )
    )


@check
def baseline_once(ctx, name, frame):
    if not {"USUBJID", "PARAMCD", "ABLFL"} <= set(frame.columns):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    app = text(frame["ABLFL"]) == "Y"
    keys = ["USUBJID", "PARAMCD"] + [k for k in ("BASETYPE",) if k in frame.columns]
    data = pd.DataFrame({k: text(frame[k]) for k in keys})[app]
    dup = pd.Series(False, index=frame.index)
    dup[data.index] = data.duplicated(keep=False).to_numpy()
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if dup.any():
        out.hits.append(hit(v, dup, "ABLFL", show=tuple(keys)))
    return out


@check
def base_is_baseline_aval(ctx, name, frame):
    if not {"USUBJID", "PARAMCD", "ABLFL", "AVAL", "BASE"} <= set(frame.columns):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    keys = ["USUBJID", "PARAMCD"] + [k for k in ("BASETYPE",) if k in frame.columns]
    data = pd.DataFrame({k: text(frame[k]) for k in keys})
    base_rows = (text(frame["ABLFL"]) == "Y").to_numpy()
    data["aval"] = number(frame["AVAL"])
    lookup = data[base_rows].drop_duplicates(keys).set_index(keys)["aval"]
    expected = pd.Series(lookup.reindex(pd.MultiIndex.from_frame(data[keys])).to_numpy(), index=frame.index)
    base = number(frame["BASE"])
    app = base.notna() | expected.notna()
    bad = app & ~((base == expected) | (base.isna() & expected.isna()))
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "BASE", detail=[f"baseline AVAL {e}" for e in expected]))
    return out


@check_factory
def chg_aval_base():
    return c.record_rule(
        ("AVAL", "BASE", "CHG"),
        lambda v: pd.Series(
            ~np.isclose(number(v["CHG"]).fillna(np.inf), (number(v["AVAL"]) - number(v["BASE"])).fillna(-np.inf)),
            index=v.frame.index,
        ),
        "CHG",
        applicable=lambda v: number(v["AVAL"]).notna() & number(v["BASE"]).notna() & number(v["CHG"]).notna(),
        show=("AVAL", "BASE", "CHG"),
    )


@check_factory
def pchg_aval_base_base_x_100():
    return c.record_rule(
        ("AVAL", "BASE", "PCHG"),
        lambda v: pd.Series(
            ~np.isclose(
                number(v["PCHG"]).fillna(np.inf),
                ((number(v["AVAL"]) - number(v["BASE"])) / number(v["BASE"]) * 100).fillna(-np.inf),
                atol=0.01,
            ),
            index=v.frame.index,
        ),
        "PCHG",
        applicable=lambda v: (
            number(v["AVAL"]).notna() & number(v["BASE"]).notna() & (number(v["BASE"]) != 0) & number(v["PCHG"]).notna()
        ),
        show=("AVAL", "BASE", "PCHG"),
    )


@check_factory
def flag_values(population: bool):
    """Population flags (SAFFL, FASFL ...) are Y or N; record flags (ANLzzFL, ABLFL ...) are Y or null.
    Subject-level flags copied from ADSL into other datasets are left to the ADSL rules."""

    def check(ctx, name, frame):
        v = Vars(ctx, name, frame)
        flags = [col for col in frame.columns if str(col).endswith("FL") and len(str(col)) <= 8]
        if population:
            columns = [col for col in flags if col in _POPULATION_FLAGS]
        else:
            adsl = ctx.adsl
            copied = set(adsl.columns) if adsl is not None and name != "ADSL" else set()
            columns = [
                col
                for col in flags
                if col not in _POPULATION_FLAGS and col not in copied and not str(col).startswith("DTH")
            ]
        if not columns:
            return not_applicable(frame)
        out = Outcome(len(frame) * len(columns), 0)
        for col in columns:
            values = text(frame[col])
            bad = ~values.isin(("Y", "N")) if population else ~values.isin(("Y", ""))
            if bad.any():
                out.hits.append(hit(v, bad, str(col)))
        return out

    return check


_POPULATION_FLAGS = {"ENRLFL", "SAFFL", "FASFL", "ITTFL", "PPROTFL", "RANDFL", "COMPLFL", "RSPEVLFL", "EFFFL", "SCRNFL"}


@check_factory
def trtsdt_not_after_trtedt():
    return c.record_rule(
        ("TRTSDT", "TRTEDT"),
        lambda v: as_date(v["TRTSDT"]) > as_date(v["TRTEDT"]),
        "TRTSDT",
        applicable=lambda v: as_date(v["TRTSDT"]).notna() & as_date(v["TRTEDT"]).notna(),
        show=("TRTSDT", "TRTEDT"),
    )


@check
def ady(ctx, name, frame):
    if "ADY" not in frame.columns or "ADT" not in frame.columns:
        return not_applicable(frame)
    ref = frame["TRTSDT"] if "TRTSDT" in frame.columns else None
    if (
        ref is None
        and ctx.adsl is not None
        and {"USUBJID", "TRTSDT"} <= set(ctx.adsl.columns)
        and "USUBJID" in frame.columns
    ):
        lookup = ctx.adsl.drop_duplicates("USUBJID").set_index("USUBJID")["TRTSDT"]
        ref = frame["USUBJID"].map(lookup)
    if ref is None:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    adt, start = as_date(frame["ADT"]), as_date(ref)
    days = (adt - start).dt.days.astype("float64")
    expected = days.where(days < 0, days + 1)
    ady = number(frame["ADY"])
    app = ady.notna() & expected.notna()
    bad = app & (ady != expected)
    out = Outcome(int(app.sum()), int(len(frame) - app.sum()))
    if bad.any():
        out.hits.append(hit(v, bad, "ADY", detail=[f"expected {int(e)}" if pd.notna(e) else "" for e in expected]))
    return out


@check_factory
def date_imputation_flags_dtf_y_m_d():
    return lambda ctx, name, frame: _suffix_values(ctx, name, frame, "DTF", ("Y", "M", "D"))


@check_factory
def time_imputation_flags_tmf_h_m():
    return lambda ctx, name, frame: _suffix_values(ctx, name, frame, "TMF", ("H", "M", "S"))


def _suffix_values(ctx, name, frame, suffix, allowed):
    columns = [col for col in frame.columns if str(col).endswith(suffix)]
    if not columns:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    out = Outcome(0, 0)
    for col in columns:
        present = filled(frame[col])
        out.checked += int(present.sum())
        out.not_applicable += int(len(frame) - present.sum())
        bad = present & ~text(frame[col]).isin(allowed)
        if bad.any():
            out.hits.append(hit(v, bad, str(col)))
    return out


@check_factory
def numeric_dates_dt_datetimes_dtm_numbers_dates():
    return lambda ctx, name, frame: _numeric_dates(ctx, name, frame)


def _numeric_dates(ctx, name, frame):
    columns = [col for col in frame.columns if str(col).endswith(("DT", "DTM")) and not str(col).endswith("DTC")]
    if not columns:
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    out = Outcome(len(frame) * len(columns), 0)
    for col in columns:
        series = frame[col]
        if series.dtype != object:
            continue
        bad = series.map(lambda x: isinstance(x, str) and x.strip() != "")
        if bad.any():
            out.hits.append(hit(v, bad, str(col), detail="text where a SAS date number is expected"))
    return out


@check
def srcdom_trace(ctx, name, frame):
    """SRCDOM/SRCVAR/SRCSEQ point at a real record and variable."""
    if not {"SRCDOM", "USUBJID"} <= set(frame.columns):
        return not_applicable(frame)
    v = Vars(ctx, name, frame)
    app = filled(frame["SRCDOM"])
    bad = pd.Series(False, index=frame.index)
    detail = np.array([""] * len(frame), dtype=object)
    checked = pd.Series(False, index=frame.index)
    for dom, idx in frame[app].groupby(text(frame["SRCDOM"])[app]).groups.items():
        source = ctx.frame(dom)
        if source is None:
            continue
        checked[idx] = True
        sub = frame.loc[idx]
        if "SRCVAR" in frame.columns:
            unknown = filled(sub["SRCVAR"]) & ~text(sub["SRCVAR"]).isin(set(map(str, source.columns)))
            bad[unknown[unknown].index] = True
            detail[frame.index.get_indexer(unknown[unknown].index)] = f"SRCVAR is not a variable of {dom}"
        seq = "ASEQ" if dom.startswith("AD") else ctx.var(dom, "--SEQ")
        if "SRCSEQ" in frame.columns and seq in source.columns and "USUBJID" in source.columns:
            known = set(zip(text(source["USUBJID"]), text(source[seq]), strict=False))
            has_seq = filled(sub["SRCSEQ"])
            keys = pd.Series(list(zip(text(sub["USUBJID"]), text(sub["SRCSEQ"]), strict=False)), index=idx)
            missing = has_seq & ~keys.isin(known)
            bad[missing[missing].index] = True
            detail[frame.index.get_indexer(missing[missing].index)] = f"no {dom} record with {seq} = SRCSEQ"
    out = Outcome(int(checked.sum()), int(len(frame) - checked.sum()))
    if bad.any():
        out.hits.append(
            hit(
                v,
                bad,
                "SRCDOM",
                show=("SRCDOM", "SRCVAR", "SRCSEQ") if "SRCSEQ" in frame.columns else ("SRCDOM",),
                detail=detail,
            )
        )
    return out


# ---------------------------------------------------------------------------
# Copied variables stay as they were
# ---------------------------------------------------------------------------
_NEVER_COMPARED = {"STUDYID", "USUBJID", "DOMAIN"}


def _compare(frame, source, keys, columns):
    """Rows of frame whose `columns` differ from the source record with the same keys."""
    left = pd.DataFrame({k: text(frame[k]) for k in keys})
    right = pd.DataFrame({k: text(source[k]) for k in keys})
    for col in columns:
        left[col] = _comparable(frame[col])
        right["_src_" + col] = _comparable(source[col])
    right = right.drop_duplicates(keys)
    joined = left.reset_index().merge(right, on=keys, how="left", indicator=True)
    found = {}
    matched = joined["_merge"] == "both"
    for col in columns:
        differ = matched & (joined[col] != joined["_src_" + col])
        if differ.any():
            found[col] = (joined.loc[differ, "index"].to_numpy(), joined.loc[differ, "_src_" + col].to_numpy())
    return int(matched.sum()), found


def _comparable(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%d").fillna("")
    return text(series)


def _copied_from(source_name_fn, keys_fn, columns_fn):
    def check(ctx, name, frame):
        source_name = source_name_fn(ctx, name, frame)
        source = ctx.frame(source_name) if source_name else None
        if source is None:
            return not_applicable(frame)
        keys = keys_fn(ctx, name, frame, source_name)
        if not keys or not all(k in frame.columns and k in source.columns for k in keys):
            return not_applicable(frame)
        columns = [
            col
            for col in columns_fn(ctx, name, frame, source_name, source)
            if col in source.columns and col not in keys and col not in _NEVER_COMPARED
        ]
        if not columns:
            return not_applicable(frame)
        v = Vars(ctx, name, frame)
        matched, found = _compare(frame, source, keys, columns)
        out = Outcome(matched, len(frame) - matched)
        for col, (index, expected) in found.items():
            mask = frame.index.isin(index)
            lookup = dict(zip(index, expected, strict=False))
            detail = [f"{source_name} has {lookup[i]!r}" if i in lookup else "" for i in frame.index]
            out.hits.append(hit(v, mask, col, detail=detail))
        return out

    return check


@check_factory
def adsl_variables_copied_from_dm_keep_dm():
    return _copied_from(
        lambda ctx, n, f: "DM",
        lambda ctx, n, f, s: ["USUBJID"],
        lambda ctx, n, f, s, src: [col for col in f.columns if col in src.columns],
    )


def _sdtm_source(ctx, name, frame):
    """The SDTM domain an OCCDS/BDS dataset copies records from, found by its --SEQ column."""
    for col in frame.columns:
        col = str(col)
        if col.endswith("SEQ") and len(col) == 5 and col != "ASEQ":
            dom = col[:2]
            if dom in ctx.datasets and not ctx.is_adam(dom):
                return dom
    return None


@check_factory
def variables_copied_from_sdtm_domain_matched_usubjid():
    return _copied_from(
        _sdtm_source,
        lambda ctx, n, f, s: ["USUBJID", f"{s}SEQ"],
        lambda ctx, n, f, s, src: [
            col for col in f.columns if str(col).startswith(s) or col in ("VISIT", "VISITNUM", "EPOCH")
        ],
    )


@check_factory
def adsl_variables_copied_into_another_adam_dataset():
    return _copied_from(
        lambda ctx, n, f: "ADSL",
        lambda ctx, n, f, s: ["USUBJID"],
        lambda ctx, n, f, s, src: [col for col in f.columns if col in src.columns],
    )


@check_factory
def aval_avalc_populated_every_bds_record():
    return c.record_rule(
        ("PARAMCD",),
        lambda v: (
            (number(v["AVAL"]).isna() if v.present("AVAL") else True)
            & (blank(v["AVALC"]) if v.present("AVALC") else True)
        ),
        "AVAL",
    )
