# rostersync: two commands for a newcomer (`make run`, `make test`), plus `make demo` and `make bench`.
SHELL := /bin/bash
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export AIRFLOW_HOME := $(CURDIR)/.airflow
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install run demo test test-fast lint fmt bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt deploy/constraints.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt -c deploy/constraints.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# The browser tests drive Debian's chromium (Playwright's own browser download needs the internet);
# `make test` installs it when missing (as root, or with sudo). `make run` does not need it.
/usr/bin/chromium:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y -qq chromium

install: $(VENV)/.installed

# Starts SFTP + SMTP on loopback, prepares .airflow/, runs `airflow standalone`. Ctrl-C stops all.
run: install
	$(BIN)/python -m rostersync.dev.stack run

# Same services headless; triggers the demo district, approves the gate over the REST API, prints counts.
demo: install
	$(BIN)/python -m rostersync.dev.stack demo

lint: install
	$(BIN)/ruff check plugins dags tests bench
	$(BIN)/ruff format --check plugins dags tests bench
	$(BIN)/mypy plugins/rostersync dags
	$(BIN)/mypy tests

# Rewrites the code as ruff formats it and fixes what ruff can fix.
fmt: install
	$(BIN)/ruff check --fix plugins dags tests bench
	$(BIN)/ruff format plugins dags tests bench

test: install /usr/bin/chromium lint
	$(BIN)/python -m pytest -q

# Everything but the runs through Airflow (dag.test() and the live stack): a minute or two, for editing.
test-fast: install
	$(BIN)/python -m pytest -q -m "not e2e and not live"

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .airflow data
