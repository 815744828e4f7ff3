# Two commands do all the set-up on a fresh machine:
#   make demo   - install into .venv and run the demo: sfemu (a seeded Salesforce org) + syncline on its
#                 embedded default (SQLite in ./.syncline) + a DuckDB warehouse, connected together
#   make test   - install into .venv (with test extras), type-check src/ (mypy) and run the whole test suite
PYTHON ?= python3.11
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test lint clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/python scripts/demo.py

test: $(STAMP)
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
