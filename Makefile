# Kasane — the two commands of the README, plus lint/worker/clean.
#
#   make run     system packages → uv → .venv → migrate → seed_demo → runserver
#   make test    the same environment (+ Chromium) → pytest
#
# DATABASE_URL / REDIS_URL / DEMO_PASSWORD / CHROMIUM_PATH are read from the
# environment (or `make run DATABASE_URL=...`). Unset: SQLite file db.sqlite3
# and Celery tasks in-process.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.NOTPARALLEL:
.DEFAULT_GOAL := help

PYTHON     ?= python3
HOST       ?= 127.0.0.1
PORT       ?= 8000
UV_VERSION ?= 0.13.9
PYTEST_ARGS ?=

TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
PY     := $(VENV)/bin/python
MANAGE := $(PY) manage.py

# Which system packages to require: `run` everywhere, `test` adds Chromium.
# (Target-specific values are inherited by the prerequisites.)
DEPS_PROFILE := run
test: DEPS_PROFILE := test

.PHONY: help run test lint worker clean distclean system-deps sync

help:
	@echo "make run     start Kasane with demo data at http://$(HOST):$(PORT)/"
	@echo "make test    run the whole test suite (pytest; browser tests in Chromium)"
	@echo "make lint    ruff check, ruff format --check, makemigrations --check"
	@echo "make worker  run a Celery worker (needs REDIS_URL)"
	@echo "make clean   remove caches, the SQLite database and generated files"

system-deps:
	@PYTHON="$(PYTHON)" bash scripts/install-system-deps.sh $(DEPS_PROFILE)

# uv lives in its own small venv so that nothing is installed outside the project.
$(UV): | system-deps
	@echo "==> bootstrapping uv $(UV_VERSION) into $(TOOLS)/"
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

sync: system-deps $(UV)
	@echo "==> installing Python packages into $(VENV)/ (uv sync --frozen)"
	$(UV) sync --frozen

run: sync
	$(MANAGE) migrate --noinput
	$(MANAGE) seed_demo
	@echo
	@echo "=================================================================="
	@echo " Kasane: http://$(HOST):$(PORT)/"
	@echo " Log in with one of the demo users above"
	@echo " (password: $${DEMO_PASSWORD:-kasane-demo-pw})."
	@if [ -n "$${DATABASE_URL:-}" ]; then echo " Database: DATABASE_URL"; \
	 else echo " Database: SQLite (db.sqlite3)"; fi
	@if [ -n "$${REDIS_URL:-}" ]; then echo " Tasks: Celery on REDIS_URL (start 'make worker' too)"; \
	 else echo " Tasks: run in-process (no REDIS_URL)"; fi
	@echo " Stop with Ctrl+C."
	@echo "=================================================================="
	@echo
	$(MANAGE) runserver $(HOST):$(PORT)

test: sync
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: sync
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

worker: sync
	@if [ -z "$${REDIS_URL:-}" ]; then \
	  echo "REDIS_URL is not set: tasks already run in-process, no worker is needed." >&2; \
	  echo "Set REDIS_URL=redis://127.0.0.1:6379/0 (for both 'make run' and 'make worker')." >&2; \
	  exit 1; fi
	$(VENV)/bin/celery -A config worker --loglevel=info --pool=solo --concurrency=1

clean:
	find . -path ./$(VENV) -prune -o -path ./$(TOOLS) -prune -o \
	  -name __pycache__ -type d -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache tests/artifacts staticfiles media private
	rm -f db.sqlite3 db.sqlite3-journal db.sqlite3-wal db.sqlite3-shm

# Also remove the environments (.venv, .tools); the next `make run` rebuilds them.
distclean: clean
	rm -rf $(VENV) $(TOOLS)
