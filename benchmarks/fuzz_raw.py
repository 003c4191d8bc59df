"""Fuzz the raw-data path: the property tests of tests/property under the "long" Hypothesis
profile, with a count of what was tried and what was found.

    .venv/bin/python benchmarks/fuzz_raw.py [--profile long|ci] [-k EXPRESSION] [--show N]

Runs the property suite in this process (pytest) and watches every test case
Hypothesis runs (its observability callbacks). Prints, per property: the
generated exports or values tried (and the shrinks of failures), how many
passed, failed or were discarded, the failures counted by kind (the [kind]
label each assertion carries, or the exception's type), the outcomes and
mutations seen (the properties' events), and the minimal failing example
Hypothesis reports. The exit status is pytest's (0: every property held).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KIND = re.compile(r"\[([A-Za-z0-9_-]+)\]")
MARGIN = re.compile(r"^\s*(?:E\s|\|\s?)*")  # pytest's "E   " and an exception group's "|" before a line


class Tally:
    """What Hypothesis ran, by property (filled by the observability callback)."""

    def __init__(self) -> None:
        self.phases: dict[str, Counter] = defaultdict(Counter)  # property -> phase -> test cases
        self.status: dict[str, Counter] = defaultdict(Counter)  # property -> passed/failed/gave_up
        self.kinds: dict[str, Counter] = defaultdict(Counter)  # property -> failure kind -> test cases
        self.events: dict[str, Counter] = defaultdict(Counter)  # property -> event -> test cases
        self.reports: dict[str, tuple[str, str]] = {}  # pytest node id -> (outcome, text)

    def observe(self, observation, *_thread) -> None:
        if getattr(observation, "type", None) != "test_case":
            return
        name = observation.property.split("::")[-1]  # a pytest node id or the function's name
        phase = getattr(observation.metadata, "phase", None) or observation.how_generated or "?"
        self.phases[name][phase] += 1
        self.status[name][observation.status] += 1
        if observation.status == "failed":
            self.kinds[name][failure_kind(observation)] += 1
        if phase == "generate":
            for feature in observation.features:
                if ":" in feature and not feature.startswith("target"):
                    self.events[name][feature] += 1


def failure_kind(observation) -> str:
    text = getattr(observation.metadata, "traceback", None) or ""
    for line in reversed(text.splitlines()):
        if "Error" in line or "Exception" in line:
            found = KIND.search(line)
            if found:
                return found.group(1)
    reason = observation.status_reason or "failed"
    return reason.split(" at ")[0]


class Reports:
    """A pytest plugin keeping each property's outcome and failure text."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def pytest_runtest_logreport(self, report) -> None:
        if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
            self.tally.reports[report.nodeid] = (report.outcome, report.longreprtext if report.failed else "")


def minimal_examples(text: str, limit: int) -> list[str]:
    """The failing assertions and 'Failing test case' blocks of a pytest failure text."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines) and len(out) < limit:
        line = MARGIN.sub("", lines[i]).strip()
        if line.startswith("AssertionError: [") and KIND.match(line.removeprefix("AssertionError: ")):
            out.append(line[:400])
        elif line.startswith(("Failing test case", "Falsifying example")):
            block = [line]
            i += 1
            while i < len(lines) and MARGIN.sub("", lines[i]).strip() and len(block) < 25:
                block.append(MARGIN.sub("", lines[i]).rstrip())
                i += 1
            out.append("\n      ".join(block))
            continue
        elif re.match(r"^(E\s+)?\w+(Error|Exception): ", line) and "AssertionError" not in line:
            out.append(line[:400])
        i += 1
    return list(dict.fromkeys(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="long", choices=["long", "ci"])
    parser.add_argument("-k", dest="expression", default=None, help="only the properties pytest -k selects")
    parser.add_argument("--show", type=int, default=12, help="lines of each failure to print")
    args = parser.parse_args()

    os.environ["HYPOTHESIS_PROFILE"] = args.profile
    os.environ["HYPOTHESIS_EXPERIMENTAL_OBSERVABILITY_NOCOVER"] = "1"  # no line coverage: it slows every case
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))  # the project's packages, not the test folders of the same names
    import pytest
    from hypothesis.internal import observability

    # the variable above also turns on writing observations to .hypothesis/observed: only the counts are wanted
    observability.remove_observability_callback(observability._deliver_to_file)
    tally = Tally()
    observability.add_observability_callback(tally.observe, all_threads=True)

    start = time.perf_counter()
    argv = ["-q", "-p", "no:cacheprovider", "tests/property"] + (["-k", args.expression] if args.expression else [])
    code = pytest.main(argv, plugins=[Reports(tally)])
    seconds = time.perf_counter() - start

    print(f"\n=== fuzz_raw: profile {args.profile}, {seconds:.0f} s ===")
    for name in sorted(set(tally.phases) | {n.split("::")[-1] for n in tally.reports}):
        phases, status = tally.phases.get(name, Counter()), tally.status.get(name, Counter())
        outcome = next((o for node, (o, _) in tally.reports.items() if node.endswith("::" + name)), "?")
        print(f"\n{name}: {outcome.upper()}")
        print(
            f"  tried {phases.get('generate', 0)} generated, {phases.get('reuse', 0)} replayed from the example "
            f"database, {phases.get('explicit', 0)} explicit, {phases.get('shrink', 0)} shrinks; "
            f"{status.get('passed', 0)} passed, {status.get('failed', 0)} failed, {status.get('gave_up', 0)} discarded"
        )
        if tally.kinds.get(name):
            print("  failures by kind: " + ", ".join(f"{k} {n}" for k, n in tally.kinds[name].most_common()))
        outcomes = {e: n for e, n in tally.events.get(name, Counter()).items() if not e.startswith("mutation")}
        mutations = {
            e.split(": ", 1)[1]: n for e, n in tally.events.get(name, Counter()).items() if e.startswith("mutation")
        }
        if outcomes:
            print("  outcomes: " + ", ".join(f"{e} {n}" for e, n in sorted(outcomes.items())))
        if mutations:
            print("  mutations: " + ", ".join(f"{e} {n}" for e, n in sorted(mutations.items())))
        for node, (result, text) in tally.reports.items():
            if node.endswith("::" + name) and result == "failed":
                for example in minimal_examples(text, args.show):
                    print("    " + example)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
