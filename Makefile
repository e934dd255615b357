# Two commands take a newcomer from a fresh clone to a live endpoint:
#   make serve   builds the graph from data/ and serves it on http://127.0.0.1:8000
#   make test    runs the whole test suite
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: serve build test lint docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

build: $(STAMP_RUN)
	$(BIN)/c2c build

serve: build
	$(BIN)/c2c serve

test: $(STAMP_TEST)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest

lint: $(STAMP_TEST)
	$(BIN)/ruff check .

docs: $(STAMP_TEST)
	$(BIN)/c2c docs --out var/docs


clean:
	rm -rf var build dist *.egg-info
