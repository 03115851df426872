# The two commands of the README, and a few helpers.
#   make demo   set up, build the embedded data set, run the whole case study (laptop profile)
#   make test   set up, run the unit tests and every notebook in the smoke profile
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PROFILE ?= laptop

.PHONY: venv demo test unit notebooks lab bench data refresh clean

# The virtualenv is (re)installed whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/python -m casestudy.demo --profile $(PROFILE)

test: unit notebooks

unit: venv
	$(BIN)/python -m pytest tests

notebooks: venv
	CASESTUDY_PROFILE=smoke $(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks/

lab: venv
	$(BIN)/jupyter lab notebooks/00_index.ipynb

data: venv
	$(BIN)/casestudy data build --profile $(PROFILE)

bench: venv
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf build reports/*.md reports/*.csv reports/*.json

# Maintainers: re-execute the notebooks and solutions in place (laptop profile) before committing them.
refresh: venv
	$(BIN)/python -m casestudy.demo --profile laptop --inplace
