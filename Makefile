# Omni: `make run` to try it, `make test` to check it. Each sets itself up on a fresh clone.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Where `make run` serves: `make run PORT=8123`, or HOST=0.0.0.0 to reach it from a tablet on the network.
HOST ?= 127.0.0.1
PORT ?= 8000
# The lock files: every package and its hash, as the last `make lock` resolved them within pyproject's bounds.
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links

.PHONY: run test test-fast lint format worker bench messages migrations clean-db help venv lock lock-upgrade

help:
	@echo "make run          serve the back-office on http://$(HOST):$(PORT)/ (make run PORT=8123 for another port;"
	@echo "                  embedded PostgreSQL unless DATABASE_URL)"
	@echo "make test         lint, migration and schema checks, then the whole test suite"
	@echo "make test-fast    the tests without browser, real servers or slow ones (the inner loop)"
	@echo "make lint         ruff, mypy and the import contracts (lint-imports)"
	@echo "make worker       a Celery worker with beat (needs CELERY_BROKER_URL)"
	@echo "make bench        benchmarks at retail scale, written to .omni/bench/ (latest.md, latest.json)"
	@echo "make lock         re-resolve requirements/*.txt after editing pyproject.toml (keeps current pins)"
	@echo "make lock-upgrade move every pin to the newest release pyproject.toml allows (a deliberate upgrade)"

venv: $(STAMP)

# Installs exactly what the lock says (hash-checked). The project runs from this folder; a .pth file puts the
# folder on the venv's path (what an editable install does, without a build step and its warnings).
$(STAMP): requirements/dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(PY) -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "omni-project.pth").write_text("$(CURDIR)\n")'
	@touch $(STAMP)

lock: $(STAMP)
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) $(LOCK_ARGS) -o requirements/base.txt pyproject.toml
	$(VENV)/bin/pip-compile $(LOCK_FLAGS) $(LOCK_ARGS) --extra dev -c requirements/base.txt -o requirements/dev.txt pyproject.toml

lock-upgrade: LOCK_ARGS := --upgrade
lock-upgrade: lock

run: $(STAMP)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} OMNI_ADDRPORT=$(HOST):$(PORT) $(PY) manage.py omni_run

test: export OMNI_TESTING := 1
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(PY) -m pytest $(PYTEST_ARGS)

# The inner loop: no browser, no real server, nothing marked slow (the whole suite is `make test`).
test-fast: export OMNI_TESTING := 1
test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser and not server and not slow" $(PYTEST_ARGS)

lint: export OMNI_TESTING := 1
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy omni stores inventory orders loyalty carts offline appointments feedback demo
	$(PY) -m mypy -p tools.bench
	$(VENV)/bin/lint-imports

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

worker: $(STAMP)
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0): without a broker tasks run eagerly in process."; exit 2; }
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) -m celery -A omni worker --beat --loglevel=INFO --concurrency=2

# tools/bench (not packaged): figures to .omni/bench/<timestamp>.md and latest.md/.json (docs/PERFORMANCE.md is
# edited by hand). `make bench BENCH_ARGS="--only stock --seconds 10"`, or "--only reports", "--only customers" or "--only feedback", for one part.
bench: $(STAMP)
	DJANGO_DEBUG=1 $(PY) -m tools.bench $(BENCH_ARGS)

messages: export DJANGO_DEBUG := 1
messages: $(STAMP)
	$(PY) manage.py makemessages -l it --ignore=.venv --ignore=.omni
	$(PY) manage.py compilemessages --ignore=.venv

migrations: export DJANGO_DEBUG := 1
migrations: $(STAMP)
	$(PY) manage.py makemigrations

clean-db: $(STAMP)
	DJANGO_DEBUG=1 $(PY) manage.py embedded_db stop
	rm -rf .omni/pgdata
