# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
FLASK := $(BIN)/flask --app app

.PHONY: run test test-fast lint bench clean translations

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/activate
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## The site on 127.0.0.1:$(PORT), with a local SMTP sink unless FLASK_MAIL_SERVER is set, and
## Litestream replicating the database when FLASK_REPLICA_URL is set (the site never waits for it).
run: $(VENV)/.runtime
	$(FLASK) init-db
	@set -e; sink=; replica=; \
	trap 'kill $$sink $$replica 2>/dev/null' EXIT INT TERM; \
	if [ -z "$$FLASK_MAIL_SERVER" ]; then \
	  $(BIN)/python -m inquiries.mailsink & \
	  sink=$$!; \
	fi; \
	if [ -n "$$FLASK_REPLICA_URL" ]; then \
	  $(FLASK) replica run & \
	  replica=$$!; \
	fi; \
	PORT=$(PORT) $(BIN)/python serve.py

# pytest-xdist workers; PYTEST_WORKERS=0 runs the tests in one process.
PYTEST_WORKERS ?= 2

## The whole test suite (lint, unit, integration, browser).
test: $(VENV)/.dev node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

## The edit loop: everything but the browser and the tests that start servers (about a minute).
test-fast: $(VENV)/.dev node_modules/.installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not browser and not slow"

## After changing an interface word: extract them all, merge into the Spanish catalog, compile.
## Translate each new or fuzzy entry in translations/es/LC_MESSAGES/messages.po, then run it again.
translations: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output --no-wrap -o translations/messages.pot .
	$(BIN)/pybabel -q update -i translations/messages.pot -d translations -l es --no-wrap --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel -q compile -d translations -l es

lint: $(VENV)/.dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache

## Benchmark, not a test (loopback, a few minutes): nginx static vs the app vs the documented
## nginx proxy, POST /contact latency, worker memory, Lighthouse; writes docs/performance.md.
LIGHTHOUSE_DIR := scripts/lighthouse
$(LIGHTHOUSE_DIR)/node_modules/.installed: $(LIGHTHOUSE_DIR)/package.json $(LIGHTHOUSE_DIR)/package-lock.json
	cd $(LIGHTHOUSE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

bench: $(VENV)/.runtime $(LIGHTHOUSE_DIR)/node_modules/.installed
	$(BIN)/python scripts/bench.py
