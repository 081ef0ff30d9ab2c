# The book's commands. `make book` and `make test` are the README's quick start.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NOTEBOOKS_MD := $(shell find notebooks -name '*.md' -not -name 'index.md' -not -path '*/.ipynb_checkpoints/*' | sort)
JB := $(BIN)/jupyter-book build . -W -n --keep-going

.PHONY: help venv book test lint sync check-sync unit smoke nbval site notebook bench clean

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

test: venv  ## every check: lint, structure, unit tests, smoke run, nbval, site build with -W
	$(MAKE) lint
	rm -rf _build/smoke
	$(BIN)/pytest -q tests
	$(MAKE) nbval
	$(MAKE) site

lint: venv  ## ruff on the package, the tests, the extension and the notebooks
	$(BIN)/ruff check d2lutils tests book/_ext bench notebooks

sync: venv  ## pair every notebook .md with its .ipynb (jupytext --sync)
	$(BIN)/jupytext --sync $(NOTEBOOKS_MD)

unit: venv  ## unit and structure tests only (no notebook runs)
	$(BIN)/pytest -q tests -m "not notebooks"

smoke: venv  ## execute every notebook with the smoke profile; times in _build/smoke/times.json
	$(BIN)/pytest -q tests/test_notebooks.py

nbval: venv  ## re-execute the smoke-run notebooks and check nbval-check-output cells
	$(BIN)/pytest -q -p no:cacheprovider --nbval-lax --nbval-cell-timeout=600 _build/smoke

site: venv  ## build the site without executing notebooks, warnings as errors (_build/site/_build/html)
	@mkdir -p _build/site
	sed -e 's|execute_notebooks: cache|execute_notebooks: "off"|' -e 's|: book/_ext|: $(CURDIR)/book/_ext|' \
		-e 's|"book/_static"|"$(CURDIR)/book/_static"|' _config.yml > _build/site/_config.yml
	$(JB) --config _build/site/_config.yml --path-output _build/site

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
	$(BENCH_VENV)/bin/python -m bench $(TASKS)

clean:  ## remove build outputs (keeps .venv)
	rm -rf _build
