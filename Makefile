# Two entry points: `make demo` and `make test`. Each builds its own virtual
# environment (.venv) from pyproject.toml, pinned by constraints.txt.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= build/demo
# the creation date-time the files carry: the last commit's time, so a rerun of the
# same checkout is byte-identical (unset outside a git checkout: the clock)
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
export SOURCE_DATE_EPOCH

.PHONY: demo test lint fuzz venv clean lock

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/cdisc-build demo --out $(OUT)

# Static checks first (ruff lint and format, mypy, the import layers of pyproject.toml), then the test suite.
# The suite runs on every core (pytest-xdist), each test module in one worker so that its
# module fixtures (a simulated study, a build) are made once.
test: $(STAMP) lint
	$(BIN)/python -m pytest -q -n auto --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The property tests over generated raw exports (tests/property) with many more examples
# (the "long" Hypothesis profile), with Hypothesis' statistics; benchmarks/fuzz_raw.py
# runs the same and counts what was tried and found.
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=long $(BIN)/python -m pytest -q tests/property --hypothesis-show-statistics

# Re-resolve the pinned versions (needs the package registry).
lock:
	rm -rf .lockenv && $(PYTHON) -m venv .lockenv
	.lockenv/bin/python -m pip install --quiet --upgrade "pip>=24"
	.lockenv/bin/python -m pip install --quiet '.[test]'
	.lockenv/bin/python -m pip freeze --exclude cdisc-build > constraints.txt
	rm -rf .lockenv

clean:
	rm -rf $(VENV) build
