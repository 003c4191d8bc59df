"""Write docs/conformance.md (the command, the report and the rule catalogue) and
docs/core-coverage.md (which CDISC CORE rules apply to what we produce and which we implement).

    python -m scripts.conformance_docs [DIR]      # DIR: where to write them, docs/ by default
"""

from __future__ import annotations

import sys
from pathlib import Path

from conformance.catalogue import RULES, core_ids
from scripts import core_coverage
from specs.fileio import atomic_write_text

DOCS = Path(__file__).resolve().parents[1] / "docs"

INTRO = """# Conformance: `cdisc-build validate`

```
cdisc-build validate DIR [--spec WORKBOOK] [--define define.xml] [--ct VERSION ...]
                         [--config FILE] [--explanations FILE] [--fail-on error|warning]
                         [--out REPORT_DIR]
```

Reads every dataset in DIR (SAS transport `.xpt`, Dataset-JSON `.json`/`.ndjson`,
`.csv`, `.parquet`; when one dataset comes in several formats the XPT is read and
the others are named in the report's notes) and runs, over all of them together:

- the spec's pandera schemas (`specs.schema.validate_frame`) when `--spec` is given
  (rules CB-SPEC-*: required and expected variables, nulls, types, codelists,
  lengths, ISO 8601, keys, order);
- the transport-file rules of SAS XPT v5 and the FDA Study Data Technical
  Conformance Guide (CB-XPT-*: names, labels, lengths, ASCII, 200-byte values,
  numeric types, 5 GB per file with split advice);
- the rule catalogue: SDTMIG 3.4 (CB-SDTM-*, named by their CDISC CORE ids), the
  FDA business rules (standard "FDA"), ADaMIG 1.3 (CB-ADAM-*);
- with no spec needed, the implementation guides and controlled terminology of
  the standards library (`cdisc-build standards add`, see the README): the
  variables SDTMIG allows in each domain (its own, or those of its observation
  class), Required variables present and populated, Expected variables present,
  the guide's order and types, the roles define.xml gives, and every value of a
  variable SDTMIG or ADaMIG gives a CDISC codelist (non-extensible: error;
  extensible: warning; results, whose codelist depends on the test, are left to
  the value level). The CT version is the one the define.xml declares
  (def:Standard), else `--ct` (`2025-03-28` for SDTM CT, `adamct-2026-03-27` for
  another package), else the newest installed; the report's Summary names the
  guides and versions used and why, and its notes say what the library lacks
  (those rules are then not applicable);
- the define.xml checks (CB-DEF-*) when `--define` is given (any Define-XML
  version: every dataset and variable defined and the reverse, labels and
  lengths equal, codelist terms used in the data defined). The define.xml is
  parsed without resolving entities, loading a DTD or using the network; one
  that declares a DTD (a DOCTYPE: external entities, "billion laughs") is
  refused unread, with a message naming it (exit 2).

Exit status: 0 when nothing at the `--fail-on` severity (default `error`) or worse
was found, 1 when something was, 2 on bad usage (no dataset files, a bad config or
explanations file). An explained finding counts as any other (see "Explanations"
below).

## The report

`REPORT_DIR/conformance_report.xlsx` and `conformance_report.json` hold the same:

- **Summary**: counts of findings by severity (with an explanations file, how
  many of each are explained and unexplained), of rules passed / failed / not
  applicable / off / crashed, the datasets read (records, file), every
  strictness change with its reason, and notes (files skipped, a rule that could
  not run: a broken rule is reported, never stops the run; a stale explanation).
- **By rule and dataset** (`by_dataset` in the JSON): one row per rule,
  severity and dataset with findings: the count, explained (`yes`, `no` or
  `partly`), how many are explained, the explanation and the rule's message.
- **Findings**: one row per failing record: dataset, usubjid, record (--SEQ, or
  the dataset's keys), row (1-based, in the file), variable, value, rule, core_id,
  severity, message, detail (for example the expected study day), explanation
  (the study's, or empty).
- **Rules**: every rule with its CORE id and CDISC ids, standard, severity (and
  default), the count of records checked, failed and not applicable, the
  datasets it ran on, its status and the reason of any strictness change.
- **Explanations** (with an explanations file; `explanations` in the JSON, null
  without one): every row of the file with the findings it matched and its
  status: `applied`, `stale`, or `not validated here` (its dataset is not in
  this validation, or it names every dataset and its rule did not run here).

Validation that cannot run is an error, never a note: a dataset file that
cannot be read whole (a transport file cut short, a file that differs from the
`checksums.md5` the toolkit wrote beside it, a damaged Dataset-JSON file) is an
error finding of CB-XPT-018; a Required variable of SDTMIG 3.4 or ADaMIG 1.3
absent from a dataset (STUDYID, USUBJID, DOMAIN, --SEQ, the topic variable ...,
with or without a spec) is an error of CB-SDTM-265 or CB-ADAM-037; and a rule
that raises on a dataset (a variable it reads is not there) is an error finding
of that rule naming the dataset and the variable. A rule is "not applicable"
only where it does not apply: a dataset absent altogether, or an optional
variable absent.

The files carry no clock time: the same data give byte-identical reports. A
terminal summary (rich) lists the rules with findings.

## Python

```python
from conformance import run_validation, write_report

report = run_validation({"DM": dm, "AE": ae}, spec=spec, define="define.xml", config="strict.toml")
report.errors, report.findings, report.rules_table()
write_report(report, "out/")
```

## Strictness

```toml
[rules."CB-SDTM-055"]        # or a CORE id: every rule naming it
severity = "off"             # error | warning | notice | off
reason = "single-arm study: ARMCD and ACTARMCD differ only for untreated subjects"
```

Every change needs a reason; it is written into the Rules sheet and the Summary.

## Explanations

The findings that remain in a submission are explained to the reviewer (the
reviewer's guide's "Data Conformance Summary", cSDRG and ADRG). A study keeps its
explanations in one CSV file that travels with it: `--explanations FILE` here,
`[validation] explanations` in study.toml for `run` and `demo` (the built-in
study's: `specs/workbooks/validation_explanations.csv`).

```
rule,dataset,variable,explanation
CB-SDTM-133,CM,EPOCH,"Prior medications started before informed consent: ..."
CORE-001078,DM,,"Deaths from disease progression are not adverse events: ..."
CB-FDA-002,*,,"..."
```

| column | required | what |
| --- | --- | --- |
| rule | yes | a rule id of the catalogue, or a CDISC CORE id (every rule carrying it) |
| dataset | no | one dataset; empty or `*`: every dataset |
| variable | no | only the findings on this variable |
| explanation | yes | the text the report shows beside each finding it explains |

The first row names the columns (any order; dataset and variable may be left
out); UTF-8, a byte-order mark allowed. Every problem is reported at once, each
naming the file, the row (the header is row 1) and the column: an unknown
column, a missing rule or explanation column, a rule that is not in the
catalogue, an empty explanation, a malformed dataset or variable name, a row
that repeats another (the same rule, dataset and variable, a CORE id counting as
its rules), a row with more cells than the header. `run` and `demo` also refuse
a dataset that is not in the study (the SDTM and ADaM specs); `validate`, which
sees one folder, lists such a row as `not validated here`.

A finding is explained when an explanation names its rule, and its dataset
(or every dataset), and its variable when one is given; when several match, the
most specific gives the text (dataset and variable, then dataset, then
variable). **An explanation changes no severity and no exit status**: an
explained error is still an error, counted by `--fail-on` and by `run`'s stage
summary, so a pipeline still sees it. An explanation that matches no finding
where it applies (its dataset was validated, or, for every dataset, its rule
ran) is stale: a note in the report says so, not an error, so the file can be
kept true.

## The rule catalogue

The rules are the rows of `conformance/rules.toml` (id, standard, severity, the
datasets or classes a rule applies to and those it excludes, CORE and CDISC ids,
message, and the check it runs with that check's arguments); the checks are named
functions in `conformance/checks.py` (the generic ones) and `sdtm_checks.py`,
`adam_checks.py`, `spec_checks.py`, `define.py`, `required.py`; the transport
rules (CB-XPT-*) are in `conformance/transport.py`. Loading the table refuses an
unknown check, an argument the check does not take or one it needs, an id used
twice, or an unknown severity or standard.

"""


OUTRO = """

## The simulated study and its injected problems

`cdisc-build simulate --messy RATE` lists every problem it injects
(`truth/messy_manifest.csv`); `tests/conformance/test_simulated.py` follows each
one through the SDTM builder's lineage (`lineage.csv`: FORM, ROW -> DATASET,
USUBJID, SEQ) to the records it became and checks the validator's findings:

- the clean study: no error (the builder's own CSV reports in the same folder,
  `issues.csv`, `lineage.csv`, `ledger.csv`, `schema_failures.csv`, are not
  datasets - no STUDYID column - and are skipped with a note);
- the messy study: every entry that reaches SDTM has a finding on a record it
  became: end before start (CB-SDTM-019), partial dates (CB-SDTM-239, a notice:
  an incomplete date is allowed in SDTM and listed for review), non-ASCII terms
  the builder wrote as `?` (CB-XPT-016), a value outside a closed codelist kept
  as collected (CB-SPEC-005), a new term of an extensible value-level codelist
  such as TRORRES `Present (stable)` or RSORRES `Progression` (CB-SPEC-014), a
  missing measurement (CB-SDTM-173: --ORRES null without --STAT).

Entries that never reach SDTM are in the builder's issue report instead:
duplicate rows and every row of a subject absent from demographics are
rejected there. Two kinds reach SDTM with nothing left to find, so no rule
reports them (the issue report does):

- a CRF value the builder recognises as a synonym of a codelist term and maps
  to it (`Male` -> `M`, `No` -> `N`, `Partial response` -> `PR`, an ECOG
  answer given as its bare code): the SDTM value is the right term;
- a comment over 200 characters (AECOMM, RSCOMM): CO holds it whole, the
  first 200 characters in COVAL and the rest in COVAL1 (SDTMIG 3.4 CO).

## Findings on the published samples

`cdisc-build validate` on the two published SDTM samples in
`../shared/standards/submissions`, each with its own define.xml (`--define`;
the pilot's is Define-XML 1.0, the MSG's 2.1), no spec. "Real" means the sample
breaks the rule as SDTMIG 3.4 and the FDA business rules state it (the pilot
was made for SDTMIG 3.1.2, so some of its conventions are now defects);
"limit" means the finding comes from what our rules or our copy of the sample
cannot see.

**CDISC pilot SDTM** (18 datasets, 19,302 records; 9,420 findings: 2,619 errors,
629 warnings, 6,172 notices):

| rule | count | real or limit |
| --- | ---: | --- |
| CB-SDTM-239 (notice) | 6,132 | real data, not a defect: partial dates in AE, CM, MH listed for review |
| CB-SDTM-082 | 1,191 | real (3.4): AEBODSYS without AEBDSYCD - the pilot has no MedDRA codes |
| CB-SDTM-206 | 963 | real (3.4): population flags (COMPLT8/16/24, ITT, SAFETY, EFFICACY) in SUPPDM |
| CB-FDA-007 | 292 | real: values with leading spaces (RELREC IDVARVAL, DS) |
| CB-SDTM-079 | 250 | real: AEENDTC populated with AEOUT NOT RECOVERED/NOT RESOLVED |
| CB-SDTM-109 | 80 | real: CMDOSE/CMDOSTXT without CMDOSU |
| CB-XPT-012 | 78 | real: text lengths padded (e.g. $200 for 46-byte values), against the FDA TCG |
| CB-SDTM-048, -049, -050, -051, -054, -063 | 52 each | real (3.4): screen failures as ARMCD `Scrnfail` / ARM `Screen Failure` instead of null ARMCD with ARMNRS (the 3.1.2 convention) |
| CB-SDTM-077 | 36 | real: AESER `N` while a seriousness criterion is `Y` |
| CB-XPT-008 | 18 | real: the XPT headers carry no dataset label (only define.xml has them) |
| CB-XPT-014 (notice) | 16 | real: permissible variables with no value |
| CB-SDTM-055, -056 (notice) | 12 each | real data, not a defect: actual arm differs from the planned one |
| CB-SDTM-062 | 6 | real: RFXENDTC is not the last EX date |
| CB-DEF-002 | 4 | limit of our copy: define.xml describes LB, QS, VS, SUPPLB, which the shared folder does not hold |
| CB-XPT-010 | 3 | real: cp1252 right quotation marks in TS.TSVAL |
| CB-FDA-002, -003, -004 | 3, 3, 2 | real: --DTC without --DY (AE, CM, DS), --STDY (MH, SE, SV), --ENDY (SE, SV) |
| CB-SDTM-130 | 2 | real: VISITNUM 9.2 twice for subject 01-711-1143 in SV |
| CB-FDA-006 | 1 | real: TS has no SSTDTC |
| CB-SDTM-014 | 1 | real: AESTDY 366 where AESTDTC = RFSTDTC (expected 1) |
| CB-SDTM-038 | 1 | real: a fatal AE ends the day before DTHDTC |
| CB-SDTM-166 | 1 | real (3.4): TSVAL `No maximum` for AGEMAX instead of TSVALNF |
| CB-XPT-015 | 1 | real: ts.xpt is not UTF-8/ASCII (read as Windows-1252) |

**SDTM MSG v2 sample** (27 datasets from XPT, FT from Dataset-JSON; 198 findings:
40 errors, 86 warnings, 72 notices):

| rule | count | real or limit |
| --- | ---: | --- |
| CB-XPT-012 | 84 | real: text lengths padded (e.g. $200), against the FDA TCG |
| CB-SDTM-239 (notice) | 49 | real data, not a defect: partial dates in CM and DM |
| CB-DEF-007 | 26 | real: data terms missing from the sample's own define codelists (FAOBJ `PRURITIS` where the codelist has `PRURITUS`, LBTEST, OELOC) |
| CB-XPT-014 (notice) | 23 | real: permissible variables with no value |
| CB-SDTM-134 | 8 | not settled: CM EPOCH `SCREENING` on dates SE puts in the treatment element; our rule compares dates only (no times), so a same-day transition may be a limit |
| CB-DEF-002 | 3 | limit of our copy: define.xml describes NV, SUPPNV, SUPPOE, not in the shared folder |
| CB-SDTM-038 | 2 | real: a fatal AE ends the day before DTHDTC |
| CB-SDTM-062 | 1 | real: RFXENDTC is a day after the last EX date |
| CB-SDTM-078 | 1 | real: AESER `Y` with no seriousness criterion `Y` |
| CB-SDTM-188 | 1 | probably a limit of our copy: FALNKGRP has no partner in the datasets held (NV is absent) |

The rules added from the CORE applicability analysis (`docs/core-coverage.md`:
CB-SDTM-240 to -264, CB-FDA-009 to -020, CB-XPT-017) add, on the pilot: CB-FDA-014
(9,297 warnings: AEDTC, CMDTC, DSDTC with no --DY variable, real), CB-SDTM-246 (52
errors: ARM `Screen Failure` with no RFENDTC - the 3.1.2 screen-failure convention
again, real for 3.4); on the MSG
sample: CB-FDA-017 (1 warning: TS has no PCLAS, real). The tables above predate them.

Two former findings were our rules' limits and are fixed: CB-SDTM-153 now
reads IETESTCD as unique within TIVERS (CORE-000146 applies only without
TIVERS; the MSG TI has two protocol versions: 58 false findings), and the
define check no longer applies a Define-XML 1.0 value list hung on QNAM to
QNAM's own values (the pilot: 2,388 false CB-DEF-007 findings).
"""


def catalogue_markdown() -> str:
    """The catalogue as a Markdown table (id, standard, severity, CORE id, message)."""
    lines = [
        "| id | standard | severity | CORE id | CDISC ids | applies to | message |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in RULES:
        message = r.message.replace("|", "\\|")
        lines.append(
            f"| {r.id} | {r.standard} | {r.severity} | {r.core_id or ''} | {r.cdisc_rule_ids or ''} | "
            f"{', '.join(r.applies_to)} | {message} |"
        )
    return "\n".join(lines) + "\n"


def counts() -> dict[str, int]:
    """Rules per standard, and how many name a CORE rule."""
    out: dict[str, int] = {}
    for r in RULES:
        out[r.standard] = out.get(r.standard, 0) + 1
    out["total"] = len(RULES)
    out["with CORE id"] = sum(1 for r in RULES if r.core_id)
    out["CORE ids named"] = len({c for r in RULES for c in core_ids(r)})
    return out


def render_conformance() -> str:
    c = counts()
    by_standard = ", ".join(f"{k}: {v}" for k, v in c.items() if k not in ("total", "with CORE id", "CORE ids named"))
    head = (
        f"{c['total']} rules ({by_standard}); {c['with CORE id']} name a CDISC CORE rule "
        f"({c['CORE ids named']} distinct CORE ids). A rule naming two CORE ids stands for two CORE rules that "
        f"say the same thing.\n\n"
    )
    return INTRO + head + catalogue_markdown() + OUTRO


def render() -> dict[str, str]:
    """The generated docs: file name -> text."""
    return {"conformance.md": render_conformance(), "core-coverage.md": core_coverage.render()}


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    folder = Path(argv[0]) if argv else DOCS
    for name, text in render().items():
        atomic_write_text(folder / name, text)
        print(f"written {folder / name}")


if __name__ == "__main__":
    main()
