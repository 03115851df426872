# The two commands of the README, and a few helpers.
#   make demo   set up, build the embedded data set, run the whole case study (laptop profile)
#   make test   set up, run the unit tests (with the web app in a real browser) and every notebook (smoke profile)
#   make app    serve the web app on http://127.0.0.1:8501 (HOST=0.0.0.0 PORT=8080 to change)
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PROFILE ?= laptop

.PHONY: venv demo test unit browser notebooks lab app bench data refresh clean

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

unit: venv browser
	$(BIN)/python -m pytest tests

# Debian's Chromium for tests/test_app_browser.py (apt-get as root or with sudo); where it cannot be
# installed the script says why and the browser test is skipped with that reason.
browser:
	@bash tools/install_chromium.sh

notebooks: venv
	CASESTUDY_PROFILE=smoke $(BIN)/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks/

lab: venv
	$(BIN)/jupyter lab notebooks/00_index.ipynb

HOST ?= 127.0.0.1
PORT ?= 8501
app: venv
	$(BIN)/casestudy app --host $(HOST) --port $(PORT)

data: venv
	$(BIN)/casestudy data build --profile $(PROFILE)

bench: venv
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf build reports/*.md reports/*.csv reports/*.json reports/*.png

# Maintainers: re-execute the notebooks and solutions in place (laptop profile) before committing them.
refresh: venv
	$(BIN)/python -m casestudy.demo --profile laptop --inplace
