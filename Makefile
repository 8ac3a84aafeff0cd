# Omni: `make run` to try it, `make test` to check it. Each sets itself up on a fresh clone.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint format worker bench messages migrations clean-db help venv

help:
	@echo "make run      serve the back-office on http://127.0.0.1:8000/ (embedded PostgreSQL unless DATABASE_URL)"
	@echo "make test     lint, migration and schema checks, then the whole test suite"
	@echo "make worker   a Celery worker with beat (needs CELERY_BROKER_URL)"
	@echo "make bench    benchmarks at retail scale, written to docs/PERFORMANCE.md"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py omni_run

test: export OMNI_TESTING := 1
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(PY) -m pytest $(PYTEST_ARGS)

lint: export OMNI_TESTING := 1
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy omni stores inventory orders loyalty

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

worker: $(STAMP)
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0): without a broker tasks run eagerly in process."; exit 2; }
	$(PY) -m celery -A omni worker --beat --loglevel=INFO --concurrency=2

bench: $(STAMP)
	DJANGO_DEBUG=1 $(PY) manage.py omni_bench

messages: $(STAMP)
	$(PY) manage.py makemessages -l it --ignore=.venv --ignore=.omni
	$(PY) manage.py compilemessages --ignore=.venv

migrations: $(STAMP)
	$(PY) manage.py makemigrations

clean-db: $(STAMP)
	DJANGO_DEBUG=1 $(PY) manage.py embedded_db stop
	rm -rf .omni/pgdata
