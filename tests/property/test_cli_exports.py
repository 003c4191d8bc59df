"""Properties of the command line (`cdisc-build sdtm` and `cdisc-build run`) on generated raw exports.

Every generated export is written to a fresh folder and the command run on it
through typer's CliRunner, from an empty working folder. What must hold, the
README being the reference:

- no traceback: nothing escapes the command but its exit (result.exception is
  None or SystemExit), the output never holds "Traceback", nor an "internal
  error" (the line an error nobody foresaw becomes);
- the exit status is one the README documents, and is 1 exactly when
  issues.csv or schema_failures.csv hold a row of severity error or the ledger
  does not balance (with valid options and a new output folder, never 2);
- when the command wrote its output: the folder is whole (its checksums.md5
  lists every file, with the right MD5), the ledger's arithmetic holds for every
  form (read = mapped + not submitted + rejected + unaccounted; balanced when
  nothing is unaccounted), `read` is the number of data rows the csv module
  counts in the file, every unaccounted row is an error in issues.csv, and the
  forms the simulation wrote balance unless a mutation changed a field that
  selects records; free text reaches SDTM whole (the parent variable and its
  SUPP-- continuation, as read back from the transport files, in pieces of at
  most 200 characters that joined give the text back, but for one blank where
  two pieces meet) or is reported;
  mutations that change only how the files are written (shuffled columns, a
  byte order mark, CRLF) change nothing in the reports;
- nothing is written outside --out: the raw export is byte-identical, the
  working folder stays empty, the only new entry beside the output is the
  output (or the folder holding it), and no hidden folder is left;
- a failure (exit 1 and no output) leaves no --out folder, or the previous
  output unchanged, and its message names a file the mutations touched (by its
  name, or as "form STEM").

The expected counts come from the csv module (generated_exports), never from
the code under test.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import shutil
import tempfile
from pathlib import Path

from generated_exports import (
    ALL_KINDS,
    FORMS,
    TEXT_TARGETS,
    VALUE_KINDS,
    GeneratedExport,
    Mutation,
    csv_table,
    data_rows,
    examples,
    exports,
    read_csv_dicts,
    snapshot,
    work_folder,
)
from hypothesis import event, example, given
from hypothesis import strategies as st
from typer.testing import CliRunner

from cdisc_build.cli import app

SEVERITY_FILES = ("issues.csv", "schema_failures.csv")


def invoke(args: list, cwd: Path):
    """The command as a user runs it, from `cwd`, without CDISC_BUILD_TRACEBACK."""
    with contextlib.chdir(cwd):
        return CliRunner().invoke(app, [str(a) for a in args], env={"CDISC_BUILD_TRACEBACK": None})


@functools.cache
def clean_run(seed: int) -> tuple[Path, int]:
    """(the sdtm output, the exit status) of the unmutated simulated export of `seed`, made once
    per session; whether it is clean is a property of its own (check_command)."""
    root = work_folder() / f"clean-{seed}"
    shutil.rmtree(root, ignore_errors=True)
    GeneratedExport(seed).write(root / "raw")
    (root / "work").mkdir()
    done = invoke(["sdtm", "--raw", root / "raw", "--out", root / "sdtm"], root / "work")
    assert (root / "sdtm" / "ledger.csv").is_file(), (
        f"the unmutated export of seed {seed} gives no output (exit {done.exit_code}):\n{done.output[-1500:]}"
    )
    return root / "sdtm", done.exit_code


def clean_output(seed: int) -> Path:
    return clean_run(seed)[0]


@functools.cache
def selecting_fields() -> frozenset[tuple[str, str]]:
    """(file name, field) of every raw field a record-selecting rule of the built-in spec reads
    (condition_add, not_submitted): a changed value there may leave a row no rule takes."""
    from specs import load_spec, study_workbook

    spec = load_spec(study_workbook("sdtm")).spec
    found = set()
    for rule in spec.mapping:
        if rule.algorithm in ("condition_add", "not_submitted") and rule.condition and rule.form:
            for name in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s+(?:EQ|NE|IN|NOTIN)\b", rule.condition):
                found.add((f"{rule.form}.csv", name))
    return frozenset(found)


def _errors(folder: Path) -> list[str]:
    """Why the stage's reports in `folder` call for exit 1 (empty: nothing)."""
    reasons = []
    for name in SEVERITY_FILES:
        path = folder / name
        if path.exists():
            errors = [r for r in read_csv_dicts(path) if r.get("severity", "").strip().lower() == "error"]
            if errors:
                reasons.append(f"{len(errors)} errors in {name}")
    ledger = read_csv_dicts(folder / "ledger.csv")
    unbalanced = [r["form"] for r in ledger if r["balanced"].strip().lower() != "true"]
    if unbalanced:
        reasons.append(f"the ledger does not balance for {unbalanced}")
    return reasons


def check_whole(out: Path) -> None:
    """An output folder as written: its checksums.md5 lists every file in it, each with its MD5."""
    assert (out / ".cdisc-build.json").is_file(), f"[output-unmarked] {out} has no .cdisc-build.json"
    listed = {}
    for line in (out / "checksums.md5").read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        listed[name] = digest
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - {"checksums.md5"}
    assert set(listed) == files, f"[output-checksums] checksums.md5 lists {sorted(set(listed) ^ files)} wrongly"
    for name, digest in listed.items():
        assert hashlib.md5((out / name).read_bytes()).hexdigest() == digest, f"[output-checksums] {name} differs"


def check_ledger(export: GeneratedExport, raw: Path, sdtm: Path) -> None:
    """The ledger against the raw files as the csv module reads them."""
    files = {p.name: p.read_bytes() for p in raw.iterdir() if p.is_file() and p.suffix == ".csv"}
    counts = {Path(name).stem: data_rows(data) for name, data in files.items()}
    ledger = read_csv_dicts(sdtm / "ledger.csv")
    issues = read_csv_dicts(sdtm / "issues.csv")
    forms = [r["form"] for r in ledger]
    assert len(forms) == len(set(forms)), f"[ledger-form-twice] {forms}"
    missing = sorted(stem for stem, n in counts.items() if n and stem not in forms)
    assert not missing, f"[ledger-form-missing] forms with rows not in the ledger: {missing}"
    touched_selectors = {name for name, field in export.changed_columns if (name, field) in selecting_fields()}
    for r in ledger:
        form = r["form"]
        read, mapped, ns, rejected, unaccounted = (
            int(r[k]) for k in ("read", "mapped", "not_submitted", "rejected", "unaccounted")
        )
        assert form in counts, f"[ledger-unknown-form] the ledger counts {form!r}, which is no CSV file of the export"
        assert read == counts[form], (
            f"[ledger-read] {form}: read {read}, the csv module counts {counts[form]} data rows"
        )
        assert read == mapped + ns + rejected + unaccounted, (
            f"[ledger-arithmetic] {form}: read {read} != {mapped} + {ns} + {rejected} + {unaccounted}"
        )
        assert (r["balanced"].strip().lower() == "true") == (unaccounted == 0), f"[ledger-balanced] {r}"
        if unaccounted:
            listed = {_row(i["row"]) for i in issues if i["form"] == form and i["severity"] == "error"} - {None}
            assert len(listed) >= unaccounted, (
                f"[ledger-unaccounted-unreported] {form}: {unaccounted} rows unaccounted, {len(listed)} rows with errors"
            )
            assert form not in FORMS or f"{form}.csv" in touched_selectors, (
                f"[ledger-unbalanced] {form}: {unaccounted} of {read} rows unaccounted, though no mutation "
                f"changed a field that selects its records"
            )
            event("ledger: unaccounted rows")


PLAIN_TEXT = re.compile(r"[\t\n\r\x20-\x7e]+")  # ASCII that a transport file holds as it is


def _row(text: str) -> int | None:
    """A row number as a report writes it ("3" or "3.0"); None when blank."""
    return int(float(text)) if text.strip() else None


def check_text_reaches_sdtm(raw: Path, sdtm: Path) -> None:
    """Free text (AE.AETERM, CM.CMTRT, MH.MHTERM) of plain ASCII (other text is the reader's and the
    ASCII check's to report): the parent variable and its SUPP-- continuation, read back from the
    transport files, are pieces of at most 200 characters that joined are the raw text trimmed (a
    blank where two pieces meet may be in neither: a transport file keeps no trailing blank),
    unless the row has an error naming the field in issues.csv."""
    import pyreadstat

    lineage = read_csv_dicts(sdtm / "lineage.csv")
    issues = read_csv_dicts(sdtm / "issues.csv")
    for (form, field), (dataset, variable) in TEXT_TARGETS.items():
        path = raw / f"{form}.csv"
        if not path.is_file() or not (sdtm / f"{dataset.lower()}.xpt").exists():
            continue
        table = csv_table(path.read_bytes())
        if table is None or field not in table[0]:
            continue
        header, rows = table
        at = header.index(field)
        parent, _ = pyreadstat.read_xport(str(sdtm / f"{dataset.lower()}.xpt"))
        supp_path = sdtm / f"supp{dataset.lower()}.xpt"
        supp = pyreadstat.read_xport(str(supp_path))[0] if supp_path.exists() else None
        excused = {
            (i["form"], _row(i["row"])) for i in issues if i["severity"] == "error" and i["field"] in (field, "")
        }
        prefix = variable[:7] if len(variable) >= 8 else variable
        for link in lineage:
            if link["DATASET"] != dataset or link["FORM"] != form.split(".")[0]:
                continue
            if not link["USUBJID"] or not link["SEQ"]:
                continue  # a record that cannot be told apart is the schema checks' to report
            row = int(float(link["ROW"]))
            text = rows[row - 1][at].strip() if at < len(rows[row - 1]) else ""
            if not PLAIN_TEXT.fullmatch(text) or (form, row) in excused:
                continue
            seq = float(link["SEQ"])
            record = parent[(parent["USUBJID"] == link["USUBJID"]) & (parent[f"{dataset}SEQ"] == seq)]
            assert len(record) == 1, f"[text-record] {dataset} {link['USUBJID']} {seq}: {len(record)} records"
            pieces = [record.iloc[0][variable]]
            if supp is not None and len(supp):
                mine = supp[
                    (supp["USUBJID"] == link["USUBJID"])
                    & (supp["IDVARVAL"].str.strip() == f"{seq:g}")
                    & supp["QNAM"].str.fullmatch(rf"{prefix}\d+")
                ]
                order = sorted(mine.itertuples(), key=lambda q: int(q.QNAM[len(prefix) :]))
                pieces += [q.QVAL for q in order]
            too_long = [len(p) for p in pieces if len(p) > 200]
            assert not too_long, f"[text-piece-too-long] {form}.csv row {row} {field}: pieces of {too_long} characters"
            # the pieces joined give the text back, but for one blank where two pieces meet: SDTMIG 3.4
            # 4.5.3.2 splits between words, and a transport file keeps no blank at the end of a piece
            joined = re.compile(r"\ ?".join(re.escape(p) for p in pieces), re.DOTALL)
            assert joined.fullmatch(text), (
                f"[text-lost] {form}.csv row {row} {field} ({len(text)} characters) reads back from "
                f"{dataset}.{variable} and SUPP{dataset} in {len(pieces)} pieces of {sum(map(len, pieces))} "
                f"characters, which do not give the text back (but for a blank where two pieces meet)"
            )
            if len(text) > 200:
                event("text: over 200 characters, read back whole")


def names_file(message: str, name: str) -> bool:
    """Whether a message names the raw file `name`: by its name, or as "form STEM" (a raw form is
    its file: one CSV per CRF form)."""
    return name in message or re.search(rf"\bform '?{re.escape(Path(name).stem)}'?(?![\w.])", message) is not None


def said(output: str, tail: int = 600) -> str:
    """The error lines of a command's output, and its end."""
    errors = [line for line in output.splitlines() if re.match(r"\s*(internal )?error:", line)]
    return "\n".join(errors)[:1500] + ("\n... " + output[-tail:] if tail else "")


def check_command(
    export: GeneratedExport,
    result,
    *,
    tmp: Path,
    raw: Path,
    out: Path,
    work: Path,
    before: dict,
    after: dict,
    previous: int | None,
    sdtm: Path,
    exact_exit: bool,
) -> str:
    """Every property of one command run (see the module text); the outcome, for the statistics."""
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"[exception-escaped] {type(result.exception).__name__}: {result.exception}"
    )
    assert "Traceback" not in output, f"[traceback] {output[-2000:]}"
    assert "internal error" not in output, f"[internal-error] {said(output, 0)}"
    assert result.exit_code in (0, 1, 2), f"[exit-undocumented] exit {result.exit_code}: {output[-800:]}"
    assert result.exit_code != 2, f"[exit-usage] valid options and a new output folder, yet exit 2: {output[-800:]}"

    # nothing outside --out
    rel = out.relative_to(tmp).as_posix()
    outside_before = {k: v for k, v in before.items() if not (k == rel or k.startswith(rel + "/"))}
    outside_after = {k: v for k, v in after.items() if not (k == rel or k.startswith(rel + "/"))}
    raw_before = {k: v for k, v in before.items() if k.startswith("raw/")}
    raw_after = {k: v for k, v in after.items() if k.startswith("raw/")}
    assert raw_after == raw_before, (
        "[raw-changed] the raw export was changed: "
        f"{sorted(k for k in set(raw_before) | set(raw_after) if raw_before.get(k) != raw_after.get(k))[:5]}"
    )
    assert not any(k.startswith("work/") for k in after), (
        f"[written-in-working-folder] {sorted(k for k in after if k.startswith('work/'))[:5]}"
    )
    hidden = sorted(k for k in outside_after if any(part.startswith(".") for part in k.split("/")))
    assert not hidden, f"[hidden-left] {hidden[:5]}"
    parents = {"/".join(rel.split("/")[:i]) for i in range(1, rel.count("/") + 1)}
    new = sorted(set(outside_after) - set(outside_before) - parents)
    assert not new, f"[written-outside-out] {new[:5]}"
    changed = sorted(k for k in outside_before if outside_after.get(k, "gone") != outside_before[k])
    assert not changed, f"[changed-outside-out] {changed[:5]}"

    out_before = {k: v for k, v in before.items() if k.startswith(rel + "/")}
    out_after = {k: v for k, v in after.items() if k.startswith(rel + "/")}
    # an output put in place is a new folder (the previous one, `previous` its inode, is exchanged whole)
    written = out.is_dir() and (previous is None or out.stat().st_ino != previous)
    if not written:
        assert result.exit_code == 1, f"[no-output-exit-{result.exit_code}] nothing written: {output[-800:]}"
        if previous is not None:
            assert out_after == out_before, "[previous-output-changed] a failed run changed the previous output"
        else:
            assert not out.exists(), f"[failed-output-left] a failed run left {rel}"
            assert not (set(parents) & set(after)) or all(p in before for p in parents & set(after)), (
                f"[failed-parents-left] a failed run left {sorted(parents & set(after))}"
            )
        assert export.touched, f"[failed-clean-export] the unmutated export failed: {output[-800:]}"
        named = [n for n in export.touched if names_file(output, n)]
        assert named, f"[failure-names-no-file] the message names none of {sorted(export.touched)}: {said(output)}"
        event("outcome: failed, nothing written")
        return "failed"

    check_whole(out)
    assert (sdtm / "ledger.csv").is_file(), f"[output-incomplete] no ledger.csv in {sdtm}"
    reasons = _errors(sdtm)
    if not export.mutations:
        assert not reasons and result.exit_code == 0, (
            f"[simulated-export-not-clean] the unmutated simulated export: exit {result.exit_code}, {reasons}: "
            f"{said(output, 0)}"
        )
    if reasons:
        assert result.exit_code == 1, f"[exit-0-with-errors] exit 0 with {reasons}"
    elif exact_exit:
        assert result.exit_code == 0, f"[exit-1-without-errors] exit 1, yet no error in the reports: {said(output)}"
    check_ledger(export, raw, sdtm)
    check_text_reaches_sdtm(raw, sdtm)
    event(f"outcome: written, exit {result.exit_code}")
    return "written"


def _run(export: GeneratedExport, command: str, *, previous: bool, nested: bool):
    """Run `command` on the export into a fresh folder; every property checked."""
    for kind in export.kinds():
        event(f"mutation: {kind}")
    with tempfile.TemporaryDirectory(dir=work_folder()) as name:
        tmp = Path(name)
        raw = export.write(tmp / "raw")
        work = tmp / "work"
        work.mkdir()
        out = tmp / "nested" / "deeper" / "out" if nested else tmp / "out"
        inode = None
        if previous:
            shutil.copytree(clean_output(export.seed), out)
            inode = out.stat().st_ino
        before = snapshot(tmp)
        result = invoke([command, "--raw", raw, "--out", out], work)
        after = snapshot(tmp)
        sdtm = out if command == "sdtm" else out / "sdtm"
        outcome = check_command(
            export,
            result,
            tmp=tmp,
            raw=raw,
            out=out,
            work=work,
            before=before,
            after=after,
            previous=inode,
            sdtm=sdtm,
            exact_exit=command == "sdtm",
        )
        if outcome == "written" and export.format_only and command == "sdtm":
            clean = clean_output(export.seed)
            for report in ("ledger.csv", "issues.csv", "lineage.csv"):
                assert (sdtm / report).read_bytes() == (clean / report).read_bytes(), (
                    f"[format-changed-output] {report} differs from the unmutated export's"
                )
            assert result.exit_code == clean_run(export.seed)[1], (
                f"[format-changed-exit] exit {result.exit_code}, the unmutated export's {clean_run(export.seed)[1]}"
            )
        return result


@examples(ci=12, long=300, costly=True)
@example(
    export=GeneratedExport(3, (Mutation("enormous", "ae", column="AETERM", text="with blanks", size=10000),)),
    previous=False,
    nested=False,
)
# long text in a field mapped to a SUPP-- qualifier (AEACNANL -> SUPPAE QNAM AEACNAN)
@example(
    export=GeneratedExport(3, (Mutation("enormous", "ae", column="AEACNANL", text="with blanks", size=10000),)),
    previous=False,
    nested=False,
)
@example(
    export=GeneratedExport(3, (Mutation("enormous", "ae", column="AEACNANL", text="with blanks", size=10000),)),
    previous=False,
    nested=True,
)
@given(export=st.one_of(exports(VALUE_KINDS), exports(ALL_KINDS)), previous=st.booleans(), nested=st.booleans())
def test_sdtm_command_on_generated_exports(export, previous, nested):
    """`cdisc-build sdtm --raw X --out Y` on a generated export (half of them with mutations
    after which the export still holds what the spec reads, so that the output is written):
    every property of the module text."""
    _run(export, "sdtm", previous=previous and not nested, nested=nested)


@examples(ci=3, long=100, costly=True)
@given(export=exports(ALL_KINDS, max_mutations=3))
def test_sdtm_command_twice_on_an_export_gives_the_same_reports(export):
    """The same export mapped twice (into two folders) gives the same exit status and
    byte-identical reports (the README: the same input gives byte-identical files)."""
    with tempfile.TemporaryDirectory(dir=work_folder()) as name:
        tmp = Path(name)
        raw = export.write(tmp / "raw")
        (tmp / "work").mkdir()
        outs = [invoke(["sdtm", "--raw", raw, "--out", tmp / f"out{k}"], tmp / "work") for k in (1, 2)]
        assert outs[0].exit_code == outs[1].exit_code, (
            f"[not-deterministic] exit {outs[0].exit_code}, then {outs[1].exit_code}"
        )
        for report in ("ledger.csv", "issues.csv", "lineage.csv", "schema_failures.csv"):
            a, b = tmp / "out1" / report, tmp / "out2" / report
            assert a.exists() == b.exists(), f"[not-deterministic] {report} written once of twice"
            if a.exists():
                assert a.read_bytes() == b.read_bytes(), f"[not-deterministic] {report} differs between two runs"


@examples(ci=2, long=40, costly=True)
@example(export=GeneratedExport(3, (Mutation("header_only", "ae"),)))  # a study without adverse events
@given(export=exports(VALUE_KINDS | {"drop_form", "header_only", "empty_file", "folder_named_csv"}, max_mutations=3))
def test_run_command_on_generated_exports(export):
    """`cdisc-build run --raw X --out Y` (every stage): no traceback, a documented exit status,
    nothing written outside --out, a failure leaves nothing and names the file; when written,
    the sdtm stage's ledger and text as for `sdtm`, and exit 1 whenever it found errors."""
    _run(export, "run", previous=False, nested=False)
