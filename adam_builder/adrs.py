"""ADRS derivations: per-assessment overall response and the subject-level parameters.

    ovr  = create_ovr_records(rs, adsl=adsl, evaluator="INVESTIGATOR")
    ovrc = create_ovrc_records(assessments, adsl=adsl)        # from recist_engine.derive_assessments
    adrs = pd.concat([ovr, ovrc]).pipe(derive_var_anl01fl).pipe(derive_var_anl02fl, adsl=adsl, reference_start="TRTSDT")
    adrs = derive_param_bor(adrs, adsl=adsl, settings=settings, paramcd="CBOR", confirmed=True)

Best overall response follows ../shared/RECIST.md; every number is a setting
(AdamSettings / RecistSettings): confirmation interval, NE allowed between,
SD minimum, whether SD may stand between a PR and its confirmation, the
reference start variable and the evaluator.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from specs.config import AdamSettings, RecistSettings

from .common import NONE, AdamInputError, assert_columns, first_per_subject, fresh, text
from .dates import impute_dtc_dt
from .recist_rules import CR, NE, NON_CR_NON_PD, PD, PR, SD
from .registry import Derivation, param_token, record_date

MISSING = "MISSING"
RESPONSES = (CR, PR, SD, NON_CR_NON_PD, PD, NE)
WORST_FIRST = (PD, NE, SD, NON_CR_NON_PD, PR, CR)  # order for the worst response of a date
ASSESSMENT_PARAMS = ("OVR", "OVRC")


def create_ovr_records(
    rs: pd.DataFrame,
    *,
    adsl: pd.DataFrame,
    evaluator: str | None,
    testcd: str = "OVRLRESP",
    paramcd: str = "OVR",
    day_imputation: str = "last",
    parcat2: str | None = None,
) -> pd.DataFrame:
    """One OVR record per RS overall response of ``evaluator`` (all evaluators when None).

    ADT: the date of RSDTC, a missing day imputed (``day_imputation``) but never
    after the death date (ADSL.DTHDT); ADTF 'D' when imputed. AVALC: RSSTRESC.
    PARCAT2: ``parcat2`` when given.
    """
    assert_columns(rs, ["USUBJID", "RSTESTCD", "RSSTRESC", "RSDTC"], dataset="RS")
    rows = rs[text(rs["RSTESTCD"]) == testcd]
    if evaluator is not None and "RSEVAL" in rows.columns:
        rows = rows[text(rows["RSEVAL"]) == evaluator]
    rows = rows[rows["USUBJID"].isin(adsl["USUBJID"])]
    death = rows["USUBJID"].map(adsl.set_index("USUBJID")["DTHDT"]) if "DTHDT" in adsl.columns else None
    adt, adtf = impute_dtc_dt(
        rows["RSDTC"],
        highest_imputation="D",
        date_imputation=day_imputation,
        max_dates=[death] if death is not None else None,
    )
    seq = (
        pd.to_numeric(rows["RSSEQ"], errors="coerce")
        if "RSSEQ" in rows.columns
        else pd.Series(np.nan, index=rows.index)
    )
    out = pd.DataFrame(
        {
            "USUBJID": rows["USUBJID"].to_numpy(),
            "PARAMCD": paramcd,
            "AVALC": text(rows["RSSTRESC"]).to_numpy(),
            "ADT": adt.to_numpy(),
            "ADTF": adtf.to_numpy(),
            "AVISIT": (
                text(rows["VISIT"]) if "VISIT" in rows.columns else pd.Series(None, index=rows.index)
            ).to_numpy(),
            "AVISITN": (
                pd.to_numeric(rows["VISITNUM"], errors="coerce")
                if "VISITNUM" in rows.columns
                else pd.Series(np.nan, index=rows.index)
            ).to_numpy(dtype="float64"),
            "SRCDOM": "RS",
            "SRCVAR": "RSSTRESC",
            "SRCSEQ": seq.to_numpy(dtype="float64"),
            "RSSEQ": seq.to_numpy(dtype="float64"),
            "RSEVAL": (
                text(rows["RSEVAL"]) if "RSEVAL" in rows.columns else pd.Series(None, index=rows.index)
            ).to_numpy(),
            "VISITNUM": (
                pd.to_numeric(rows["VISITNUM"], errors="coerce")
                if "VISITNUM" in rows.columns
                else pd.Series(np.nan, index=rows.index)
            ).to_numpy(dtype="float64"),
            "VISIT": (text(rows["VISIT"]) if "VISIT" in rows.columns else pd.Series(None, index=rows.index)).to_numpy(),
            "RSDTC": text(rows["RSDTC"]).to_numpy(),
        }
    )
    out["ADTF"] = out["ADTF"].where(out["ADTF"].notna(), None)
    if parcat2 is not None:
        out["PARCAT2"] = parcat2
    return out


def create_ovrc_records(assessments: pd.DataFrame, *, adsl: pd.DataFrame, paramcd: str = "OVRC") -> pd.DataFrame:
    """One OVRC record per assessment of the RECIST engine (recist_engine.derive_assessments)."""
    assert_columns(assessments, ["USUBJID", "ADT", "OVRLRESP"], dataset="RECIST assessments")
    rows = assessments[assessments["USUBJID"].isin(adsl["USUBJID"])]
    return pd.DataFrame(
        {
            "USUBJID": rows["USUBJID"].to_numpy(),
            "PARAMCD": paramcd,
            "AVALC": rows["OVRLRESP"].to_numpy(dtype=object),
            "ADT": pd.to_datetime(rows["ADT"]).to_numpy(dtype="datetime64[ns]"),
            "AVISIT": rows["VISIT"].to_numpy(dtype=object) if "VISIT" in rows.columns else None,
            "AVISITN": pd.to_numeric(rows["VISITNUM"], errors="coerce").to_numpy(dtype="float64")
            if "VISITNUM" in rows.columns
            else np.nan,
            "VISITNUM": pd.to_numeric(rows["VISITNUM"], errors="coerce").to_numpy(dtype="float64")
            if "VISITNUM" in rows.columns
            else np.nan,
            "VISIT": rows["VISIT"].to_numpy(dtype=object) if "VISIT" in rows.columns else None,
        }
    )


def create_computed_records(
    tu: pd.DataFrame,
    tr: pd.DataFrame,
    *,
    adsl: pd.DataFrame,
    settings: AdamSettings,
    paramcd: str = "OVRC",
    parcat2: str | None = "COMPUTED",
) -> pd.DataFrame:
    """The overall response recomputed per RECIST 1.1 from TU and TR by the engine
    (recist_engine.derive_assessments, the evaluator and RECIST settings of ``settings``): one
    ``paramcd`` record per assessment (create_ovrc_records), PARCAT2 ``parcat2``."""
    from .recist_engine import derive_assessments

    assessments = derive_assessments(tu, tr, settings=settings.recist, evaluator=settings.evaluator)
    out = create_ovrc_records(assessments, adsl=adsl, paramcd=paramcd)
    if parcat2 is not None:
        out["PARCAT2"] = parcat2
    return out


def compute_unknown_responses(adrs: pd.DataFrame, *, params: tuple[str, ...] = ASSESSMENT_PARAMS) -> pd.DataFrame:
    """The assessment records (``params``) whose response is not one of RECIST 1.1's (CR, PR, SD,
    NON-CR/NON-PD, PD, NE; e.g. 'Progression' kept by SDTM as collected): USUBJID, PARAMCD, ADT,
    AVALC. They count for no best response, progression or censoring date; the issue report lists
    each one."""
    assert_columns(adrs, ["USUBJID", "PARAMCD", "AVALC", "ADT"], dataset="ADRS")
    rows = adrs[adrs["PARAMCD"].isin(params) & adrs["AVALC"].notna() & ~adrs["AVALC"].isin(RESPONSES)]
    return rows[["USUBJID", "PARAMCD", "ADT", "AVALC"]].reset_index(drop=True)


def _report_unknown_responses(found: pd.DataFrame, _kwargs) -> list[tuple[str | None, str, str]]:
    out = []
    for row in found.itertuples():
        when = record_date(row)
        out.append(
            (
                row.USUBJID,
                "not a RECIST response",
                f"{row.PARAMCD} on {when} is {row.AVALC!r}, not a RECIST 1.1 response (CR, PR, SD, NON-CR/NON-PD, "
                "PD, NE): not counted for the best response, progression or censoring; standardise RSSTRESC",
            )
        )
    return out


def derive_var_anl01fl(adrs: pd.DataFrame, *, params: tuple[str, ...] = ASSESSMENT_PARAMS) -> pd.DataFrame:
    """ANL01FL 'Y' on the worst response per subject, parameter and date (PD, NE, SD, NON-CR/NON-PD, PR, CR).

    Records with a response outside RECIST's (e.g. 'CHECK', blank) or no date are never flagged.
    """
    assert_columns(adrs, ["USUBJID", "PARAMCD", "AVALC", "ADT"], dataset="ADRS")
    out = adrs.pipe(fresh)
    rank = out["AVALC"].map({r: i for i, r in enumerate(WORST_FIRST)})
    ok = out["PARAMCD"].isin(params) & rank.notna() & out["ADT"].notna()
    seq = out["SRCSEQ"] if "SRCSEQ" in out.columns else pd.Series(0.0, index=out.index)
    sub = pd.DataFrame(
        {"USUBJID": out["USUBJID"], "PARAMCD": out["PARAMCD"], "ADT": out["ADT"], "rank": rank, "seq": seq}
    )[ok]
    sub = sub.sort_values(["USUBJID", "PARAMCD", "ADT", "rank", "seq"], kind="mergesort")
    pick = sub.drop_duplicates(["USUBJID", "PARAMCD", "ADT"], keep="first").index
    out["ANL01FL"] = np.where(out.index.isin(pick), "Y", NONE).astype(object)
    return out


def derive_var_anl02fl(
    adrs: pd.DataFrame,
    *,
    adsl: pd.DataFrame,
    reference_start: str,
    new_therapy: str | None = "NACTDT",
    params: tuple[str, ...] = ASSESSMENT_PARAMS,
) -> pd.DataFrame:
    """ANL02FL 'Y' on the ANL01FL records that count for the best response: on or after the
    reference start, before the first subsequent anti-cancer therapy (``new_therapy``), up to
    and including the first PD."""
    assert_columns(adrs, ["USUBJID", "PARAMCD", "AVALC", "ADT", "ANL01FL"], dataset="ADRS")
    assert_columns(adsl, ["USUBJID", reference_start], dataset="ADSL")
    out = adrs.pipe(fresh)
    subjects = adsl.set_index("USUBJID")
    start = out["USUBJID"].map(subjects[reference_start])
    keep = (out["ANL01FL"] == "Y") & out["PARAMCD"].isin(params) & start.notna() & (out["ADT"] >= start)
    if new_therapy and new_therapy in subjects.columns:
        nact = out["USUBJID"].map(subjects[new_therapy])
        keep &= nact.isna() | (out["ADT"] < nact)
    pds = out[keep & (out["AVALC"] == PD)].groupby(["USUBJID", "PARAMCD"])["ADT"].min()
    first_pd = pd.Series(list(zip(out["USUBJID"], out["PARAMCD"], strict=False)), index=out.index).map(pds)
    keep &= first_pd.isna() | (out["ADT"] <= first_pd)
    out["ANL02FL"] = np.where(keep, "Y", NONE).astype(object)
    return out


def compute_confirmation(
    subject: np.ndarray,
    days: np.ndarray,
    resp: np.ndarray,
    *,
    confirmation_days: int,
    max_ne_between: int,
    accepts_sd: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Which CR and which PR records are confirmed (arrays sorted by subject, then date).

    CR: a CR at least ``confirmation_days`` later, only CR or NE between, at most
    ``max_ne_between`` NE. PR: a PR or CR at least ``confirmation_days`` later,
    only CR, PR or NE between (SD too when ``accepts_sd``), at most
    ``max_ne_between`` NE, and no PR after a CR.
    """
    n = len(resp)
    conf_cr = np.zeros(n, dtype=bool)
    conf_pr = np.zeros(n, dtype=bool)
    allowed_pr = [CR, PR, NE] + ([SD] if accepts_sd else [])
    for kind, out in ((CR, conf_cr), (PR, conf_pr)):
        starts = np.flatnonzero(resp == kind)
        if starts.size == 0:
            continue
        ok = np.ones(starts.size, dtype=bool)
        ne = np.zeros(starts.size, dtype=int)
        seen_cr = np.zeros(starts.size, dtype=bool)
        confirmed = np.zeros(starts.size, dtype=bool)
        offset = 1
        while True:
            j = starts + offset
            valid = j < n
            jj = np.where(valid, j, 0)
            valid &= subject[jj] == subject[starts]
            if not valid.any():
                break
            rj = resp[jj]
            far = (days[jj] - days[starts]) >= confirmation_days
            is_ne = rj == NE
            if kind == CR:
                confirmed |= ok & valid & far & (rj == CR)
                bad = valid & ~is_ne & (rj != CR)
            else:
                confirmed |= ok & valid & far & ((rj == CR) | ((rj == PR) & ~seen_cr))
                bad = valid & ~np.isin(rj, allowed_pr)
                bad |= valid & (rj == PR) & seen_cr
                seen_cr |= valid & (rj == CR)
            ne += valid & is_ne
            ok &= ~bad & (ne <= max_ne_between)
            offset += 1
        out[starts[confirmed]] = True
    return conf_cr, conf_pr


def compute_bor(records: pd.DataFrame, *, start: pd.Series, settings: AdamSettings, confirmed: bool) -> pd.DataFrame:
    """Best overall response per subject from the records that count (ANL02FL).

    ``records``: USUBJID, ADT, AVALC (and SRCSEQ); ``start``: the reference start
    date per USUBJID. Returns per USUBJID: AVALC, ADT, SRCSEQ of the record that
    gives it (subjects without records are not in the result: MISSING).
    Precedence: (confirmed) CR, (confirmed) PR, SD, NON-CR/NON-PD, PD, NE.
    An unconfirmed CR/PR at or after the SD minimum counts as SD. For a subject whose best
    response is CR or PR, RSPDT and RSPSEQ give the first (confirmed) CR or PR: the date
    RECIST 1.1 dates the response from (a PR later improved to CR is dated at the PR).
    """
    r = settings.recist
    frame = records.sort_values(["USUBJID", "ADT"], kind="mergesort").reset_index(drop=True)
    frame["ADT"] = pd.to_datetime(frame["ADT"]).astype("datetime64[ns]")
    if "SRCSEQ" not in frame.columns:
        frame["SRCSEQ"] = np.nan
    subject = pd.factorize(frame["USUBJID"])[0]
    days = (frame["ADT"] - frame["USUBJID"].map(start)).dt.days.to_numpy(dtype="float64")
    resp = frame["AVALC"].to_numpy(dtype=object)
    late = days >= r.sd_min_days
    if confirmed:
        conf_cr, conf_pr = compute_confirmation(
            subject,
            days,
            resp,
            confirmation_days=r.confirmation_days,
            max_ne_between=r.max_ne_between,
            accepts_sd=settings.confirmation_accepts_sd,
        )
    else:
        conf_cr, conf_pr = resp == CR, resp == PR
    tiers = [
        (CR, conf_cr),
        (PR, conf_pr),
        (SD, np.isin(resp, [CR, PR, SD]) & late),
        (NON_CR_NON_PD, (resp == NON_CR_NON_PD) & late),
        (PD, resp == PD),
        (NE, np.ones(len(frame), dtype=bool)),
    ]
    parts, done = [], pd.Index([])
    for value, mask in tiers:
        first = first_per_subject(frame, pd.Series(mask, index=frame.index), order=["ADT"])
        first = first[~first.index.isin(done)]
        parts.append(pd.DataFrame({"AVALC": value, "ADT": first["ADT"], "SRCSEQ": first["SRCSEQ"]}, index=first.index))
        done = done.union(first.index)
    result = pd.concat(parts)
    result.index.name = "USUBJID"
    responded = first_per_subject(frame, pd.Series(conf_cr | conf_pr, index=frame.index), order=["ADT"])
    responders = result.index[result["AVALC"].isin([CR, PR])]
    result["RSPDT"] = responded["ADT"].reindex(result.index).where(result.index.isin(responders))
    result["RSPSEQ"] = responded["SRCSEQ"].reindex(result.index).where(result.index.isin(responders))
    return result


def derive_param_bor(
    adrs: pd.DataFrame,
    *,
    adsl: pd.DataFrame,
    settings: AdamSettings,
    paramcd: str,
    confirmed: bool,
    source_param: str = "OVR",
) -> pd.DataFrame:
    """Add one ``paramcd`` record per ADSL subject: the (confirmed) best overall response from
    the ANL02FL records of ``source_param``; MISSING (no date) without any."""
    assert_columns(adrs, ["USUBJID", "PARAMCD", "AVALC", "ADT", "ANL02FL"], dataset="ADRS")
    records = adrs[(adrs["PARAMCD"] == source_param) & (adrs["ANL02FL"] == "Y")]
    start = adsl.set_index("USUBJID")[settings.reference_start]
    bor = compute_bor(records, start=start, settings=settings, confirmed=confirmed)
    subjects = adsl["USUBJID"]
    new = pd.DataFrame(
        {
            "USUBJID": subjects.to_numpy(),
            "PARAMCD": paramcd,
            "AVALC": subjects.map(bor["AVALC"]).fillna(MISSING).to_numpy(dtype=object),
            "ADT": subjects.map(bor["ADT"]).to_numpy(dtype="datetime64[ns]"),
            "SRCSEQ": subjects.map(bor["SRCSEQ"]).to_numpy(dtype="float64"),
            # the first (confirmed) CR or PR of a responder: derive_param_response dates RSP by it
            "RSPDT": subjects.map(bor["RSPDT"]).to_numpy(dtype="datetime64[ns]"),
            "RSPSEQ": subjects.map(bor["RSPSEQ"]).to_numpy(dtype="float64"),
        }
    )
    has = new["ADT"].notna()
    new["SRCDOM"] = np.where(has, "RS", NONE).astype(object)
    new["SRCVAR"] = np.where(has, "RSSTRESC", NONE).astype(object)
    return pd.concat([adrs, new], ignore_index=True)


def derive_param_response(
    adrs: pd.DataFrame,
    *,
    source_param: str,
    paramcd: str,
    responses: tuple[str, ...],
    date: str = "best response",
) -> pd.DataFrame:
    """Add a Y/N ``paramcd`` record per subject of ``source_param``: 'Y' when its AVALC is one of ``responses``.

    RSP/CRSP (CR, PR) and DCR/CDCR (CR, PR, SD, NON-CR/NON-PD) from BOR/CBOR. ADT and the
    source of a 'Y': with ``date`` "best response" those of the best response; with "first
    response" (responders only: ``responses`` CR and PR) those of the first (confirmed) CR or PR,
    the date RECIST 1.1 dates a response from (derive_param_bor's RSPDT, RSPSEQ).
    """
    if date not in ("best response", "first response"):
        raise AdamInputError(f"ADRS: {paramcd}: date {date!r} is not 'best response' or 'first response'")
    source = adrs[adrs["PARAMCD"] == source_param]
    if source.empty:
        raise ValueError(f"ADRS: no {source_param} records to derive {paramcd} from")
    first = date == "first response"
    if first:
        if not set(responses) <= {CR, PR}:
            raise AdamInputError(
                f"ADRS: {paramcd}: the first response dates a responder (CR, PR), not {', '.join(responses)}"
            )
        assert_columns(source, ["RSPDT", "RSPSEQ"], dataset=f"ADRS {source_param}")
    hit = source["AVALC"].isin(responses).to_numpy()
    when = source["RSPDT" if first else "ADT"].to_numpy(dtype="datetime64[ns]")
    seq = source["RSPSEQ" if first else "SRCSEQ"].to_numpy(dtype="float64")
    new = pd.DataFrame(
        {
            "USUBJID": source["USUBJID"].to_numpy(),
            "PARAMCD": paramcd,
            "AVALC": np.where(hit, "Y", "N").astype(object),
            "ADT": np.where(hit, when, np.datetime64("NaT")),
            "SRCDOM": np.where(hit, source["SRCDOM"].to_numpy(dtype=object), NONE),
            "SRCVAR": np.where(hit, source["SRCVAR"].to_numpy(dtype=object), NONE),
            "SRCSEQ": np.where(hit, seq, np.nan),
        }
    )
    return pd.concat([adrs, new], ignore_index=True)


def derive_param_pd(
    adrs: pd.DataFrame, *, adsl: pd.DataFrame, paramcd: str = "PD", source_param: str = "OVR"
) -> pd.DataFrame:
    """Add PD per subject: 'Y' with the date of the first ANL02FL ``source_param`` PD, 'N' otherwise."""
    rows = adrs[(adrs["PARAMCD"] == source_param) & (adrs["ANL02FL"] == "Y")]
    first = first_per_subject(rows, rows["AVALC"] == PD, order=["ADT"])
    subjects = adsl["USUBJID"]
    hit = subjects.isin(first.index).to_numpy()
    new = pd.DataFrame(
        {
            "USUBJID": subjects.to_numpy(),
            "PARAMCD": paramcd,
            "AVALC": np.where(hit, "Y", "N").astype(object),
            "ADT": subjects.map(first["ADT"]).to_numpy(dtype="datetime64[ns]"),
            "SRCDOM": np.where(hit, "RS", NONE).astype(object),
            "SRCVAR": np.where(hit, "RSSTRESC", NONE).astype(object),
            "SRCSEQ": subjects.map(first["SRCSEQ"]).to_numpy(dtype="float64"),
        }
    )
    return pd.concat([adrs, new], ignore_index=True)


def derive_param_death(adrs: pd.DataFrame, *, adsl: pd.DataFrame, paramcd: str = "DEATH") -> pd.DataFrame:
    """Add DEATH per subject: 'Y' with ADT = ADSL.DTHDT when the subject died, 'N' otherwise."""
    assert_columns(adsl, ["USUBJID", "DTHDT"], dataset="ADSL")
    died = adsl["DTHDT"].notna().to_numpy()
    new = pd.DataFrame(
        {
            "USUBJID": adsl["USUBJID"].to_numpy(),
            "PARAMCD": paramcd,
            "AVALC": np.where(died, "Y", "N").astype(object),
            "ADT": adsl["DTHDT"].to_numpy(dtype="datetime64[ns]"),
            "SRCDOM": np.where(died, "ADSL", NONE).astype(object),
            "SRCVAR": np.where(died, "DTHDT", NONE).astype(object),
            "SRCSEQ": np.nan,
        }
    )
    return pd.concat([adrs, new], ignore_index=True)


def derive_param_lsta(adrs: pd.DataFrame, *, paramcd: str = "LSTA", source_param: str = "OVR") -> pd.DataFrame:
    """Add LSTA for subjects with one: the last ANL02FL ``source_param`` record with a response other than NE."""
    rows = adrs[(adrs["PARAMCD"] == source_param) & (adrs["ANL02FL"] == "Y") & (adrs["AVALC"] != NE)]
    last = rows.sort_values(["USUBJID", "ADT"], kind="mergesort").drop_duplicates("USUBJID", keep="last")
    new = last[["USUBJID", "AVALC", "ADT", "AVISIT", "AVISITN", "SRCDOM", "SRCVAR", "SRCSEQ"]].pipe(fresh)
    new["AVISIT"], new["AVISITN"] = None, np.nan
    new["PARAMCD"] = paramcd
    return pd.concat([adrs, new], ignore_index=True)


def derive_param_mdis(
    adrs: pd.DataFrame,
    *,
    adsl: pd.DataFrame,
    tu: pd.DataFrame | None,
    evaluator: str,
    reference_start: str,
    paramcd: str = "MDIS",
    target_category: str = RecistSettings.target_category,
) -> pd.DataFrame:
    """Add MDIS per subject: 'Y' when a target lesion (``target_category``, the RECIST setting) was
    identified at baseline by ``evaluator``."""
    from .adsl import compute_measurable_disease

    reference = adsl.set_index("USUBJID")[reference_start]
    measurable = compute_measurable_disease(
        tu, reference=reference, evaluator=evaluator, target_category=target_category
    )
    hit = adsl["USUBJID"].isin(measurable.index).to_numpy()
    new = pd.DataFrame(
        {
            "USUBJID": adsl["USUBJID"].to_numpy(),
            "PARAMCD": paramcd,
            "AVALC": np.where(hit, "Y", "N").astype(object),
            "ADT": pd.NaT,
            "SRCDOM": np.where(hit, "TU", NONE).astype(object),
            "SRCVAR": np.where(hit, "TUORRES", NONE).astype(object),
            "SRCSEQ": np.nan,
        }
    )
    return pd.concat([adrs, new], ignore_index=True)


def compute_cr_then_pr(adrs: pd.DataFrame, *, source_param: str = "OVR") -> pd.DataFrame:
    """Subjects whose counted responses show a PR after a CR (impossible without progression under
    RECIST): USUBJID, CR date, PR date. A data problem for the user; BOR is derived as written."""
    rows = adrs[(adrs["PARAMCD"] == source_param) & (adrs["ANL02FL"] == "Y")]
    first_cr = rows[rows["AVALC"] == CR].groupby("USUBJID")["ADT"].min()
    prs = rows[rows["AVALC"] == PR]
    later = prs[prs["ADT"] > prs["USUBJID"].map(first_cr)]
    out = later.groupby("USUBJID")["ADT"].min().rename("PR_DATE").to_frame()
    out["CR_DATE"] = first_cr.reindex(out.index)
    return out.reset_index()[["USUBJID", "CR_DATE", "PR_DATE"]]


def derive_var_aval_by_param(adrs: pd.DataFrame, *, spec, dataset: str = "ADRS") -> pd.DataFrame:
    """AVAL from AVALC by the codelist the value-level metadata gives AVAL for each PARAMCD
    (e.g. RSPN: 1 CR ... 7 MISSING; NYN: 0 N, 1 Y)."""
    from .common import encode_map

    out = adrs.pipe(fresh)
    aval = pd.Series(np.nan, index=out.index, dtype="float64")
    for row in spec.value_list(dataset, "AVAL"):
        if not row.codelist or not spec.has_codelist(row.codelist):
            continue
        params = []
        for cond in spec.where_clause(row.where_clause).conditions:
            if cond.variable == "PARAMCD" and cond.comparator in ("EQ", "IN"):
                params.extend(cond.values)
        mask = out["PARAMCD"].isin(params)
        aval[mask] = out.loc[mask, "AVALC"].map(encode_map(spec, row.codelist)).astype("float64")
    out["AVAL"] = aval
    return out


_RECORD_VARS = ("USUBJID", "PARAMCD", "AVALC", "ADT", "SRCDOM", "SRCVAR", "SRCSEQ")


def _param(default: str, *more: str):
    return lambda k: (param_token(k.get("paramcd", default)), *_RECORD_VARS, *more)


def _report_cr_then_pr(found: pd.DataFrame, _kwargs) -> list[tuple[str | None, str, str]]:
    return [
        (
            row["USUBJID"],
            "PR after CR",
            f"overall response PR on {row['PR_DATE']:%Y-%m-%d} after CR on {row['CR_DATE']:%Y-%m-%d} "
            "without progression: check the assessments (BOR derived as recorded)",
        )
        for _, row in found.iterrows()
    ]


_ASSESSMENT_VARS = ("ADTF", "AVISIT", "AVISITN", "VISIT", "VISITNUM", "PARCAT2")
DERIVATIONS = {
    "create_ovr_records": Derivation(
        create_ovr_records,
        kind="create",
        adds=_param("OVR", *_ASSESSMENT_VARS, "RSSEQ", "RSEVAL", "RSDTC"),
    ),
    "create_computed_records": Derivation(
        create_computed_records,
        kind="create",
        adds=_param("OVRC", *_ASSESSMENT_VARS),
        optional={"tu": "skip", "tr": "skip"},
    ),
    "compute_unknown_responses": Derivation(
        compute_unknown_responses, kind="check", needs=("AVALC", "ADT"), report=_report_unknown_responses
    ),
    "derive_var_anl01fl": Derivation(derive_var_anl01fl, needs=("AVALC", "ADT"), adds=("ANL01FL",)),
    "derive_var_anl02fl": Derivation(derive_var_anl02fl, needs=("ANL01FL",), adds=("ANL02FL",)),
    "compute_cr_then_pr": Derivation(compute_cr_then_pr, kind="check", needs=("ANL02FL",), report=_report_cr_then_pr),
    "derive_param_bor": Derivation(derive_param_bor, kind="records", needs=("ANL02FL",), adds=_param("BOR")),
    "derive_param_response": Derivation(
        derive_param_response,
        kind="records",
        needs=lambda k: (param_token(k.get("source_param", "BOR")),),
        adds=_param("RSP"),
    ),
    "derive_param_pd": Derivation(derive_param_pd, kind="records", needs=("ANL02FL",), adds=_param("PD")),
    "derive_param_death": Derivation(derive_param_death, kind="records", needs=(), adds=_param("DEATH")),
    "derive_param_lsta": Derivation(derive_param_lsta, kind="records", needs=("ANL02FL",), adds=_param("LSTA")),
    "derive_param_mdis": Derivation(
        derive_param_mdis, kind="records", needs=(), adds=_param("MDIS"), optional={"tu": "skip"}
    ),
    "derive_var_aval_by_param": Derivation(derive_var_aval_by_param, adds=("AVAL",)),
}
