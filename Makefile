# Two commands take a newcomer from a fresh clone to a live endpoint:
#   make serve   builds the graph from data/ and serves it on http://127.0.0.1:8000
#   make test    runs the whole test suite
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: serve build export assets test lint docs bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[docs]'
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

NODE_DIR := var/node
YASGUI := $(NODE_DIR)/node_modules/@zazuko/yasgui/build/yasgui.min.js

# The time of the last commit is the build's dcterms:modified, so that two builds of one commit
# give byte-identical dumps (https://reproducible-builds.org/specs/source-date-epoch/).
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
export SOURCE_DATE_EPOCH

build: $(STAMP_RUN)
	$(BIN)/c2c build

export: build
	$(BIN)/c2c export

# The query page's YASGUI and the map packages (d3-geo, topojson-client, world-atlas), from the
# npm registry into a git-ignored folder (never copied into the repository, never loaded from a
# CDN); re-installed whenever package.json or its lock file changes. Without npm the query page
# falls back to a plain form and the maps to a note.
$(YASGUI): endpoint/assets/package.json endpoint/assets/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  mkdir -p $(NODE_DIR) && cp endpoint/assets/package.json endpoint/assets/package-lock.json $(NODE_DIR)/ && \
	  npm ci --prefix $(NODE_DIR) --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the query page uses the plain HTML form instead of YASGUI"; fi

assets:
	@$(MAKE) --no-print-directory $(YASGUI) || echo "YASGUI not installed: the query page uses the plain form"

serve: export assets
	$(BIN)/c2c serve

# The tests' stores live in memory (tmpfs /dev/shm, one folder per clone, removed afterwards)
# where the machine has one: RocksDB's writes to disk made the suite a third slower. The files
# run in as many processes as the machine has cores (pytest-xdist; tests/conftest.py says how
# they are grouped; `make test TEST_PROCESSES=3` to choose: one process more than cores gained
# nothing on the whole suite at idle in session 9, bench/README.md). Python's bytecode caches (git-ignored
# __pycache__) are written even where PYTHONDONTWRITEBYTECODE is set: without them every test
# process rewrites the tests' asserts and every server compiles the code again.
TEST_TMP := $(if $(wildcard /dev/shm/.),/dev/shm/c2c-tests-$(shell echo '$(CURDIR)' | cksum | cut -d' ' -f1))
TEST_PROCESSES ?= $(shell nproc 2>/dev/null || echo 1)

test: $(STAMP_TEST) assets
	PATH="$(abspath $(BIN)):$$PATH" PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest \
	  -n $(TEST_PROCESSES) --dist loadscope --prebuild \
	  $(if $(TEST_TMP),--basetemp=$(TEST_TMP)); status=$$?; \
	  $(if $(TEST_TMP),rm -rf $(TEST_TMP);) exit $$status

lint: $(STAMP_TEST)
	$(BIN)/ruff check .

docs: $(STAMP_TEST)
	$(BIN)/c2c docs --out var/docs


bench: $(STAMP_TEST)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench.http
	$(BIN)/python -m bench.build

clean:
	rm -rf var build dist *.egg-info
