# Finsam planering. Quick start: `make run`, then `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
# Debian packages: WeasyPrint's libraries, fonts, pdftoppm/pdftotext and Chromium for tests.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libfontconfig1 \
	fonts-dejavu-core fonts-dejavu-extra poppler-utils chromium

.PHONY: setup system-deps run migrate demo test lint bandit typecheck format bench backup restore clean

setup: system-deps $(VENV)/.installed node_modules/.installed

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installerar systempaket:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "Saknade systempaket:$$missing"; \
	    echo "Installera dem med: sudo apt-get install -y --no-install-recommends$$missing"; exit 1; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	touch $@

# Test tools from npm (axe-core for the accessibility tests), at the versions in
# package-lock.json. Debian's nodejs from NodeSource carries npm; plain Debian needs the npm package.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = "0" ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm; \
	  else echo "npm saknas: sudo apt-get install -y npm"; exit 1; fi; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

migrate: setup
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

# DEBUG=1 for the demo too (a target's exported variable reaches its prerequisites):
# only then does load_demo give the demo users the password published in the README.
# The background worker beside the server: it makes the PDFs and registers adoptions
# (documents/pdf_tasks.py). It runs in a session of its own, so that its reloader and task
# go down together; Ctrl+C (or the server stopping for any reason) stops it too.
run: export DEBUG := 1
run: demo
	@setsid $(PY) manage.py db_worker --no-startup-delay & worker=$$!; \
	trap 'kill -TERM -- -$$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# In parallel over the machine's cores (pytest-xdist): each worker has its own test
# database (test_finsam_gw0, ...) and live server. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
test: setup
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal

# ruff (lint and format), and the apps' layers (import-linter's contract in pyproject.toml).
lint: setup bandit typecheck
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

# mypy with django-stubs over what pyproject.toml's [tool.mypy] names (the core and every rules.py).
typecheck: setup
	$(VENV)/bin/mypy

# Security lint: nothing of medium severity or above, or each justified on its line with
# `# nosec B308, B703: why` (ids separated by ", ": bandit reads "B308,B703" as B703 alone).
bandit: setup
	$(VENV)/bin/bandit -q -r finsam plans interventions budgets documents -x '*/migrations/*' -ll

# A consistent copy of the database while it runs: `make backup` (to backups/), or
# `make backup FILE=path`; put it back with `make restore FILE=path`.
backup: setup
	$(PY) manage.py backup_db $(FILE)

restore: setup
	@test -n "$(FILE)" || { echo "Ange filen: make restore FILE=backups/finsam-….sqlite3"; exit 2; }
	$(PY) manage.py restore_db "$(FILE)"

format: setup
	$(VENV)/bin/ruff format .

# One JSON line per figure, and bench/results.json (see bench/__main__.py). Needs
# PostgreSQL on 127.0.0.1 (it creates and drops its own database, finsam_bench).
bench: setup
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | head -n 1)" main start
	$(PY) -m bench

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
