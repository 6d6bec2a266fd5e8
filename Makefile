# One way to run things: make run, make test, make lint, make bench.
# Python 3.11 to 3.13: python3 when it is one of them, else the newest found (.ci/find-python).
PYTHON ?= $(shell .ci/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev

.PHONY: run test lint pytest bench clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Set PYTHON to a Python 3.11, 3.12 or 3.13, e.g. make PYTHON=/usr/bin/python3.12" >&2; exit 1; }
	@echo "Setting up $(VENV) with $$($(PYTHON) --version) ($(PYTHON))"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/refleks run

test: $(STAMP_DEV)
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory pytest

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: $(STAMP_DEV)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: $(STAMP_DEV)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
