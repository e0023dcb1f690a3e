# Two commands a new user needs: `make demo` and `make test`. Both set the project up first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck layers unit soak bench setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/recruitbot demo

test: lint typecheck layers unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The layer contract in pyproject.toml: no package imports a package above it.
layers: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest

# The reliability tests at full size (tests/reliability): 10,000 invitations, kills, races.
soak: $(STAMP)
	RECRUITBOT_SOAK=1 RECRUITBOT_FIGURES=var/reliability $(BIN)/pytest tests/reliability -v

# The benchmarks (bench/): SQLite always, PostgreSQL when reachable; the table in var/bench.json.
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
