# `make demo` and `make test` do everything on a fresh machine: system packages, a .venv with
# ocrfix installed editable, then the sample run or the whole test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup setup-test system-deps system-deps-test bench clean

demo: setup
	$(BIN)/ocrfix process images/ -o output/
	@echo
	@echo "Done: corrected text and JSON for every sample scan are in output/ (e.g. output/*.txt)."

test: setup-test
	$(BIN)/python -m pytest

setup: system-deps $(STAMP)

setup-test: system-deps-test $(STAMP)

system-deps:
	@bash scripts/install-system-deps.sh

system-deps-test:
	@bash scripts/install-system-deps.sh --test

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $(STAMP)

bench: setup
	$(BIN)/python bench/bench_outputs.py

clean:
	rm -rf $(VENV) output .pytest_cache
