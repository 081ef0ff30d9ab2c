# The book's commands. `make book` and `make test` are the README's quick start.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS_MD := $(shell find notebooks -name '*.md' -not -name 'index.md' -not -path '*/.ipynb_checkpoints/*' | sort)
JB := $(BIN)/jupyter-book build . -W -n --keep-going

.PHONY: help venv book test browser lint format sync unit smoke golden site notebook bench clean
PYTEST_PARALLEL := -n 2 --dist worksteal

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/' | expand -t 14

# (Re)create the virtual environment when the requirements change.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

venv: $(STAMP)  ## create or update .venv from requirements.txt

book: venv  ## build the site into _build/html, executing notebooks (book profile, cached)
	$(JB)

# `make test NB=notebooks/<chapter>/<section>.md`: only that notebook's checks (lint,
# structure, smoke run with the determinism check), for the developer editing it.
test: venv  ## every check: lint, format, unit + structure tests, smoke run + determinism check (2 workers), site build with -W, browser test
ifdef NB
	$(BIN)/ruff check $(basename $(NB)).ipynb
	D2L_NB=$(NB) $(BIN)/pytest -q tests/test_structure.py tests/test_notebooks.py
else
	$(MAKE) lint
	rm -rf _build/smoke
	$(BIN)/pytest -q $(PYTEST_PARALLEL) -m "not browser" tests
	$(MAKE) site
	$(MAKE) browser
endif

lint: venv  ## ruff check (package, tests, extension, bench, notebooks) and ruff format --check
	$(BIN)/ruff check d2lutils tests book/_ext bench notebooks
	$(BIN)/ruff format --check d2lutils tests book/_ext bench

format: venv  ## ruff format the package, the tests, the extension and the bench
	$(BIN)/ruff format d2lutils tests book/_ext bench

sync: venv  ## pair every notebook .md with its .ipynb (jupytext --sync)
	$(BIN)/jupytext --sync $(NOTEBOOKS_MD)
	$(BIN)/python -m tests.single_framework

.PHONY: single
single: venv  ## (re)write the PyTorch-only and TensorFlow-only notebooks, notebooks/<chapter>/single/
	$(BIN)/python -m tests.single_framework

unit: venv  ## unit and structure tests only (no notebook runs)
	$(BIN)/pytest -q tests -m "not notebooks and not browser"

smoke: venv  ## execute every notebook once (smoke profile, determinism check); times in _build/smoke/times.json
	$(BIN)/pytest -q $(PYTEST_PARALLEL) tests/test_notebooks.py

golden: venv  ## rewrite tests/golden/ (expected checked outputs, recorded times) from a smoke run; review the diff
	D2L_GOLDEN=update $(BIN)/pytest -q $(PYTEST_PARALLEL) tests/test_notebooks.py

site: venv  ## build the site without executing notebooks, warnings as errors (_build/site/_build/html)
	@mkdir -p _build/site
	sed -e 's|execute_notebooks: cache|execute_notebooks: "off"|' -e 's|: book/_ext|: $(CURDIR)/book/_ext|' \
		-e 's|"book/_static"|"$(CURDIR)/book/_static"|' _config.yml > _build/site/_config.yml
	$(JB) --config _build/site/_config.yml --path-output _build/site
	$(BIN)/python -m tests.site_tabs _build/site/_build/html

browser: venv  ## the built site in headless Chromium: tabs, Both, links, notebooks, search, math (after make site)
	$(BIN)/pytest -q -rs tests/test_browser.py

.PHONY: setup-cells
setup-cells: venv  ## pin every setup cell's Colab install to _config.yml's repository and the package version, re-pair
	$(BIN)/python -m tests.setup_cells

notebook: venv  ## run one notebook, book profile: make notebook NB=notebooks/02-preliminaries/04-calculus.md
	@test -n "$(NB)" || { echo "usage: make notebook NB=notebooks/<chapter>/<section>.md"; exit 2; }
	@mkdir -p _build/run/$(dir $(NB))
	$(BIN)/jupytext --sync $(NB)
	$(BIN)/papermill $(basename $(NB)).ipynb _build/run/$(basename $(NB)).ipynb \
		--cwd _build/run/$(dir $(NB)) -k python3 --no-progress-bar

BENCH_VENV := bench/.venv
$(BENCH_VENV)/.installed: bench/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	$(BENCH_VENV)/bin/python -m pip install --quiet --no-deps d2l==0.17.6 -e .
	@touch $@

bench: $(BENCH_VENV)/.installed  ## loaders/trainers vs d2l==0.17.6, in bench/.venv (not part of CI)
	$(BENCH_VENV)/bin/python -m bench $(if $(REPEAT),--repeat=$(REPEAT)) $(TASKS)

clean:  ## remove build outputs (keeps .venv)
	rm -rf _build
