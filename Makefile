# Quick start: `make run` (set-up + the whole job), `make test` (set-up + the test suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint setup clean-venv data models bench browser

$(STAMP): pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (or make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# The main job: validate the data, load the shipped posterior (refit if the data changed),
# evaluate it against the published law, predict the example recipes.
run: $(STAMP)
	$(BIN)/bayes-perflaw validate
	$(BIN)/bayes-perflaw fit --skip-if-current --out models/perflaw.nc --seed 1 --no-progress
	$(BIN)/bayes-perflaw evaluate --law paper | tail -n 1
	$(BIN)/bayes-perflaw evaluate --law bayes | tail -n 1
	$(BIN)/bayes-perflaw predict --input examples/recipes.csv --output reports/example_predictions.csv
	$(BIN)/bayes-perflaw predict --input examples/recipes.csv --benchmark mmlu-pro
	$(BIN)/bayes-perflaw screen --input data/reference_models.csv --output reports/reference_flags.csv
	$(BIN)/bayes-perflaw report --posterior models/perflaw.nc --out reports/perflaw
	$(BIN)/bayes-perflaw flp backtest --out reports/flp

test: $(STAMP) browser
	$(BIN)/python -m pytest

# Headless Chromium for the report's browser test (Debian's package; installed when missing and root).
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	    else echo "chromium not found and cannot install it: the browser test will be skipped (fails under CI)"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check bayes_perflaw tests bench scripts
	$(BIN)/ruff format --check bayes_perflaw tests bench scripts

data: $(STAMP)
	$(BIN)/python scripts/build_reference_data.py
	$(BIN)/python scripts/build_benchmark_map.py
	$(BIN)/python scripts/build_multibench_data.py

# Refit the shipped posteriors (+ cards), compare the variants, re-run the backtest, the screening
# calibration, the benchmark mappings, the rolling-origin backtest and the multi-benchmark screen, and
# regenerate the reports (~2-3 h on a 2-core machine).
models: $(STAMP)
	$(BIN)/bayes-perflaw fit --out models/perflaw.nc --seed 1 --no-progress --strict
	$(BIN)/bayes-perflaw fit --variant era_mix --out models/screen.nc --seed 1 --no-progress --strict
	$(BIN)/python scripts/compare_variants.py
	$(BIN)/bayes-perflaw backtest --split-date 2024-04 --out reports/backtest.md
	$(BIN)/python scripts/screen_calibration.py
	$(BIN)/python scripts/screen_reference.py
	$(BIN)/python scripts/fit_benchmark_maps.py
	$(BIN)/bayes-perflaw backtest --rolling --out reports/rolling \
		--variants plain,era,era_level,era_org,era_method,era_org_drift,bounded,bounded_org
	$(BIN)/bayes-perflaw backtest --rolling --variants era_level --bayes-only --benchmark mmlu-pro \
		--out reports/rolling/mmlu_pro
	$(BIN)/python scripts/rolling_experiments.py
	$(BIN)/bayes-perflaw report --posterior models/perflaw.nc --out reports/perflaw
	$(BIN)/bayes-perflaw report --posterior models/screen.nc --out reports/screen
	$(BIN)/bayes-perflaw flp fit --out models/flp-olmo.nc --seed 1 --no-progress --strict
	$(BIN)/bayes-perflaw flp backtest --out reports/flp
	$(BIN)/bayes-perflaw report --posterior models/flp-olmo.nc --out reports/flp/report
	$(BIN)/bayes-perflaw flp backtest --out reports/flp/variants \
		--variants chinchilla+logistic,power+linear,power+logistic,irreducible+logistic,chinchilla+logistic+code
	$(BIN)/bayes-perflaw flp backtest --data data/flp/gadre_rpj.csv --out reports/flp/gadre_rpj
	$(BIN)/bayes-perflaw flp backtest --data data/flp/olmo_ladder_to_760m.csv --out reports/flp/to_760m
	$(BIN)/bayes-perflaw flp backtest --variants chinchilla+logistic+code --tune 2000 --draws 2000 \
		--out reports/flp/flpm_long
	$(BIN)/python scripts/flp_task_chain_experiments.py
	$(BIN)/bayes-perflaw multibench fit --variant k2h --out models/multibench.nc --seed 1 --tune 4000 --draws 2000 \
		--no-progress --strict
	$(BIN)/bayes-perflaw multibench fit --variant k2 --out reports/multibench/k2.nc --seed 1 --tune 4000 --draws 2000 \
		--no-progress
	$(BIN)/bayes-perflaw multibench fit --variant k1 --out reports/multibench/k1.nc --seed 1 --tune 4000 --draws 2000 \
		--no-progress
	$(BIN)/bayes-perflaw multibench fit --variant k3 --out reports/multibench/k3.nc --seed 1 --tune 4000 --draws 2000 \
		--no-progress
	$(BIN)/bayes-perflaw multibench fit --variant k1h --out reports/multibench/k1h.nc --seed 1 --tune 4000 \
		--draws 2000 --no-progress
	$(BIN)/bayes-perflaw multibench fit --variant k2hr --out reports/multibench/k2hr.nc --seed 1 --tune 4000 \
		--draws 2000 --no-progress
	$(BIN)/bayes-perflaw multibench fit --variant k2hrd --out reports/multibench/k2hrd.nc --seed 1 --tune 4000 \
		--draws 2000 --no-progress
	$(BIN)/python scripts/multibench_calibration.py --variant k2=reports/multibench/k2.nc \
		--variant k1=reports/multibench/k1.nc --variant k3=reports/multibench/k3.nc \
		--variant k1h=reports/multibench/k1h.nc --variant k2hr=reports/multibench/k2hr.nc \
		--variant k2hrd=reports/multibench/k2hrd.nc
	rm -f reports/multibench/k[123]*.nc reports/multibench/k[123]*.json  # the variants' posteriors and cards
	$(BIN)/bayes-perflaw report --posterior models/multibench.nc --out reports/multibench/report

bench: $(STAMP)
	$(BIN)/python bench/run_benchmarks.py

clean-venv:
	rm -rf $(VENV)
