# Dossier: `make demo` (ingest the demo corpus and ask it a question), `make test` (lint + tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOME_DEMO ?= .demo-home
QUESTION ?= What were Apple's total net sales in the third quarter of fiscal 2023?

.PHONY: install demo test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: install
	rm -rf $(HOME_DEMO)
	DOSSIER_HOME=$(HOME_DEMO) $(BIN)/dossier ingest demo/corpus
	DOSSIER_HOME=$(HOME_DEMO) $(BIN)/dossier ask "$(QUESTION)"

lint: install
	$(BIN)/ruff check assistant ingest prompts tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/query.py

clean:
	rm -rf $(HOME_DEMO) .pytest_cache .mypy_cache .ruff_cache
