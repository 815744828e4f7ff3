# Two commands do all the set-up on a fresh machine:
#   make demo   - install into .venv and run the demo: sfemu (a seeded Salesforce org) + syncline on its
#                 embedded default (SQLite in ./.syncline) + a DuckDB warehouse, connected together
#   make test   - install into .venv (with test extras), type-check src/ (mypy) and run the whole test suite
# Other ports for the demo: make demo DEMO_ARGS="--port 8001 --sfemu-port 8444"
# The venv is made from $(PYTHON): by default the first of $(PYTHON_CANDIDATES) that runs and is 3.11 or
# newer (a pyenv shim of a version that is not installed does not run). Choose another: make PYTHON=...
PYTHON_CANDIDATES := python3.13 python3.12 python3.11 python3
is_python311 = $(shell $(1) -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 && echo yes)
PYTHON ?= $(firstword $(foreach p,$(PYTHON_CANDIDATES),$(if $(call is_python311,$(p)),$(p))))
NO_PYTHON = no Python 3.11 or newer on PATH (tried $(PYTHON_CANDIDATES)); install one, or name one with \
  make PYTHON=/path/to/python3
OLD_PYTHON = PYTHON=$(PYTHON) is not a Python 3.11 or newer that runs; name one with make PYTHON=/path/to/python3
VENV := .venv
DEMO_ARGS ?=
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	$(if $(wildcard $(VENV)/bin/python),,$(if $(PYTHON),,$(error $(NO_PYTHON))))
	$(if $(wildcard $(VENV)/bin/python),,$(if $(call is_python311,$(PYTHON)),,$(error $(OLD_PYTHON))))
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/python scripts/demo.py $(DEMO_ARGS)

test: $(STAMP)
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests scripts
	$(VENV)/bin/ruff format --check src tests scripts

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
