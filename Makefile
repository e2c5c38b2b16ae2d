# Everything runs from a local virtualenv that `make install` creates; every target installs what it needs.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test lint typecheck unit demo bench schemas clean

# uv resolves and downloads faster than pip (pip does it alone when uv cannot be had);
# --compile-bytecode as pip does: without it the first test processes of a fresh clone each compile
# botocore's modules under coverage and time out.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	( $(BIN)/pip install --quiet uv && $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[test,dask]' ) \
	  || ( $(BIN)/pip install --quiet --upgrade pip && $(BIN)/pip install --quiet -e '.[test,dask]' )
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check orchestrator tests bench
	$(BIN)/ruff format --check orchestrator tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# Coverage settings and the fail_under gate: [tool.coverage.*] in pyproject.toml.
test: lint typecheck
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q --cov --cov-report=term

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

demo: $(STAMP)
	$(BIN)/python -m orchestrator.demo

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

schemas: $(STAMP)
	$(BIN)/python -m orchestrator.schemas write schemas

clean:
	rm -rf $(VENV) .tgo .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.*
