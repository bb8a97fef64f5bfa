# Everything runs from a local virtual environment in .venv, built from
# pyproject.toml; the GOV.UK Frontend assets come from npm (package.json).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
STATIC := survey_app/static/govuk
export IMHARS_ENV ?= development
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false

.PHONY: run install assets database demo pipeline serve test soak bench \
	browser format lint clean

## run: install, create the database, load the demo borough, build the results, serve
run: install assets database demo pipeline serve

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

assets: $(STATIC)/.built

$(STATIC)/.built: package.json package-lock.json survey_app/assets/app.scss
	npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p $(STATIC)
	npx sass --pkg-importer=node --style=compressed --quiet-deps --no-source-map \
		survey_app/assets/app.scss $(STATIC)/app.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(STATIC)/
	rm -rf $(STATIC)/images && mkdir -p $(STATIC)/images
	cp node_modules/govuk-frontend/dist/govuk/assets/images/favicon.ico \
		node_modules/govuk-frontend/dist/govuk/assets/images/favicon.svg $(STATIC)/images/
	touch $@

database: install
	$(BIN)/flask --app survey_app db-upgrade

## demo: load the demo borough (does nothing if it is loaded already)
demo: database
	$(BIN)/flask --app survey_app demo-load

pipeline: install
	$(BIN)/imhars-pipeline run

## serve: print the survey links and demo sign-ins, then serve on HOST:PORT
serve: install assets
	$(BIN)/flask --app survey_app show-links --base-url http://$(HOST):$(PORT)
	$(BIN)/flask --app survey_app demo-info
	@echo "Serving on http://$(HOST):$(PORT)/ until Ctrl+C"
	@if [ -f survey_app/gunicorn_config.py ]; then \
		exec $(BIN)/gunicorn --config python:survey_app.gunicorn_config \
			--bind $(HOST):$(PORT); \
	else \
		exec $(BIN)/flask --app survey_app run --host $(HOST) --port $(PORT); \
	fi

## browser: Debian's chromium for the browser tests (Playwright cannot download one here)
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && \
		apt-get install -y -qq chromium chromium-driver >/dev/null; }

## test: every test, against real SQLite, DuckDB, dbt, GX and chromium
test: install assets browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	IMHARS_ENV=test $(BIN)/pytest -m "not soak"

## soak: the long-running load and fault tests
soak: install assets browser
	IMHARS_ENV=test $(BIN)/pytest -m soak

## bench: measure intake and pipeline against same-run baselines; writes BENCHMARKS.md
## (BENCH_QUICK=1 for a short run; bench/__main__.py lists the BENCH_* settings)
bench: install assets
	@command -v wrk >/dev/null && command -v hey >/dev/null || { apt-get update -qq && \
		apt-get install -y -qq wrk hey >/dev/null; }
	$(BIN)/python -m bench

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf var $(STATIC) dbt_project/target dbt_project/logs
