# Two commands do everything on a fresh machine:
#   make run    set up and run the system with demo data (SQLite, tasks in-process)
#   make test   set up and run the test suite (DATABASE_URL if set, else SQLite)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test venv translations messages migrate demo check lint clean bench-reminders services schema

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

translations: venv
	DEBUG=1 $(PY) manage.py compile_translations

run: venv translations
	DEBUG=1 $(PY) manage.py migrate --no-input
	DEBUG=1 $(PY) manage.py load_demo
	DEBUG=1 $(PY) manage.py send_reminders
	@echo ""
	@echo "Open http://$(HOST):$(PORT)/ and log in with one of the accounts above."
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

test: venv translations
	$(PY) -m pytest $(PYTEST_ARGS)

# Re-extract interface strings after changing templates or code (needs gettext).
messages: venv
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=tests

# The committed OpenAPI schema (docs/openapi.yaml); a test fails when it is out of date.
schema: venv
	DEBUG=1 $(PY) manage.py api_schema

lint: venv
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 private_media private_media_test staticfiles

# Benchmarks (PostgreSQL; BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/restoration_bench).
bench-reminders: venv
	$(PY) bench/reminders.py $(BENCH_ARGS)

# Web, worker and beat together against Redis (REDIS_URL must be set), for development.
services: venv translations
	@test -n "$(REDIS_URL)" || { echo "Set REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379/0 make services"; exit 1; }
	DEBUG=1 $(PY) manage.py migrate --no-input
	trap 'kill 0' INT TERM EXIT; \
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT) & \
	DEBUG=1 $(VENV)/bin/celery -A config worker --loglevel INFO & \
	DEBUG=1 $(VENV)/bin/celery -A config beat --loglevel INFO & \
	wait
