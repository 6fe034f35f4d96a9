# Quick start: `make run` (set-up + the whole job), `make test` (set-up + the test suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup clean-venv data models bench

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/bayes-perflaw validate
	$(BIN)/bayes-perflaw evaluate --law paper

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check bayes_perflaw tests bench scripts
	$(BIN)/ruff format --check bayes_perflaw tests bench scripts

data: $(STAMP)
	$(BIN)/python scripts/build_reference_data.py

# Refit the shipped posterior (+ card), compare the variants and re-run the backtest (~4 min).
models: $(STAMP)
	$(BIN)/bayes-perflaw fit --out models/perflaw.nc --seed 1 --no-progress
	$(BIN)/python scripts/compare_variants.py
	$(BIN)/bayes-perflaw backtest --split-date 2024-04 --out reports/backtest.md

bench: $(STAMP)
	$(BIN)/python bench/run_benchmarks.py

clean-venv:
	rm -rf $(VENV)
