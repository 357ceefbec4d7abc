# One entry point for people and CI. Every target installs what it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON      ?= python3
UV_VERSION  := 0.13.9
TOOLS       := .tools
UV          := $(TOOLS)/bin/uv
VENV        := .venv
RUN         := $(VENV)/bin
export UV_COMPILE_BYTECODE := 1
export UV_LINK_MODE := copy
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DBT_PROFILES_DIR := $(CURDIR)

.PHONY: help setup setup-spark demo test lint bench docs docs-serve clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --inexact
	@touch $@

# The tests also run the project on Spark: the `spark` extra (pyspark, dbt-spark) on top.
# Its marker implies the lean one, so `make demo` after `make test` installs nothing.
$(VENV)/.synced-spark: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --extra spark
	@touch $@ $(VENV)/.synced

setup: $(VENV)/.synced ## create .venv with every dependency but Spark (idempotent, fast when done)

setup-spark: $(VENV)/.synced-spark ## setup, plus the spark extra (about 480 MB; needs Java 17+)

demo: setup ## run the daily job on the embedded defaults (sample data, DuckDB, SQLite)
	$(RUN)/runner demo

test: setup-spark ## run every test (installs/starts PostgreSQL and Chromium when it can)
	@scripts/test-services.sh
	$(RUN)/pytest

lint: setup ## ruff, mypy and sqlfluff
	$(RUN)/ruff check runner tests benchmarks
	$(RUN)/ruff format --check runner tests benchmarks
	$(RUN)/mypy runner
	RUNNER_WAREHOUSE=:memory: $(RUN)/sqlfluff lint models analyses tests/dbt --processes 2
	$(RUN)/sqlfluff lint macros --templater jinja
	cd runner/queries && ../../$(RUN)/sqlfluff lint report daily

bench: setup ## performance benchmarks (1M and 10M events); figures in bench-results/
	$(RUN)/python -m benchmarks

# The docs describe the project, not the data: they need no warehouse. With one (the
# RUNNER_WAREHOUSE file, else data/warehouse.duckdb, if it exists) the catalog adds the
# built tables' column types; without one (a fresh clone) dbt compiles against an empty
# in-memory DuckDB. Serve them with `make docs-serve`.
DOCS_PORT ?= 8080
docs: setup ## dbt docs generate (offline; no warehouse needed)
	@warehouse="$${RUNNER_WAREHOUSE:-data/warehouse.duckdb}"; \
	if [ ! -f "$$warehouse" ]; then warehouse=:memory:; fi; \
	echo "dbt docs generate (warehouse: $$warehouse)"; \
	RUNNER_WAREHOUSE="$$warehouse" $(RUN)/dbt docs generate --project-dir . --profiles-dir .

docs-serve: docs ## serve the docs at http://127.0.0.1:8080 (DOCS_PORT=… for another port)
	$(RUN)/dbt docs serve --project-dir . --profiles-dir . --host 127.0.0.1 --port $(DOCS_PORT) --no-browser

clean: ## remove generated data, reports and dbt artefacts (keeps .venv)
	rm -rf data reports target logs bench-results
