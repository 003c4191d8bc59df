"""Write docs/conformance.md: the command, the report and the catalogue table from the code.

    python -m conformance.docs [PATH]
"""
from __future__ import annotations

import sys
from pathlib import Path

from specs.fileio import atomic_write_text

from .catalogue import catalogue_markdown, counts

INTRO = """# Conformance: `cdisc-build validate`

```
cdisc-build validate DIR [--spec WORKBOOK] [--define define.xml] [--config FILE]
                         [--fail-on error|warning] [--out REPORT_DIR]
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
- the define.xml checks (CB-DEF-*) when `--define` is given (any Define-XML
  version: every dataset and variable defined and the reverse, labels and
  lengths equal, codelist terms used in the data defined).

Exit status: 0 when nothing at the `--fail-on` severity (default `error`) or worse
was found, 1 when something was, 2 on bad usage (no dataset files, a bad config).

## The report

`REPORT_DIR/conformance_report.xlsx` and `conformance_report.json` hold the same:

- **Summary**: counts of findings by severity, of rules passed / failed / not
  applicable / off / crashed, the datasets read (records, file), every
  strictness change with its reason, and notes (files skipped, a rule that could
  not run: a broken rule is reported, never stops the run).
- **Findings**: one row per failing record: dataset, usubjid, record (--SEQ, or
  the dataset's keys), row (1-based, in the file), variable, value, rule, core_id,
  severity, message, detail (for example the expected study day).
- **Rules**: every rule with its CORE id and CDISC ids, standard, severity (and
  default), the count of records checked, failed and not applicable, the
  datasets it ran on, its status and the reason of any strictness change.

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

## The rule catalogue

"""


def render() -> str:
    c = counts()
    by_standard = ", ".join(f"{k}: {v}" for k, v in c.items() if k not in ("total", "with CORE id", "CORE ids named"))
    head = (f"{c['total']} rules ({by_standard}); {c['with CORE id']} name a CDISC CORE rule "
            f"({c['CORE ids named']} distinct CORE ids). A rule naming two CORE ids stands for two CORE rules that "
            f"say the same thing.\n\n")
    return INTRO + head + catalogue_markdown()


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else Path(__file__).resolve().parents[1] / "docs" / "conformance.md"
    atomic_write_text(path, render())
    print(f"written {path}")


if __name__ == "__main__":
    main()
