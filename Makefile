# Two commands do everything on a fresh machine:
#   make run    set up and run the system with demo data (SQLite, tasks in-process)
#   make test   set up and run the test suite (DATABASE_URL if set, else SQLite)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: check run test venv translations messages migrate demo check lint clean bench bench-reminders services schema vendor \
	backup restore

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
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=tests --ignore=bench --ignore=node_modules

# The committed OpenAPI schema (docs/openapi.yaml); a test fails when it is out of date.
schema: venv
	DEBUG=1 $(PY) manage.py api_schema

# Backup and restore (docs/operations.md): one dated archive of the database and MEDIA_ROOT, in
# BACKUP_DIR (default backups/); restore into an empty installation and verify every count and checksum.
#   make backup [BACKUP_DIR=/srv/backups]
#   make restore ARCHIVE=backups/restoration-YYYYmmdd-HHMMSS.tar.gz [FORCE=1]
backup: venv
	$(PY) manage.py backup $(if $(BACKUP_DIR),--output "$(BACKUP_DIR)")

restore: venv
	@test -n "$(ARCHIVE)" || { echo "Usage: make restore ARCHIVE=backups/restoration-YYYYmmdd-HHMMSS.tar.gz [FORCE=1]"; exit 2; }
	$(PY) manage.py restore "$(ARCHIVE)" $(if $(filter 1,$(FORCE)),--force)

lint: venv
	$(VENV)/bin/ruff check .

# Static checks (CI runs them before the tests): ruff with its security rules, bandit on the
# project's code, mypy with django-stubs on the service layer, the deployment check with production
# settings, and pip-audit where its advisory database can be reached.
check: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r accounts api config mines notifications ops restoration targets
	$(VENV)/bin/mypy
	DEBUG=0 SECRET_KEY=check-deploy-secret-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEF \
	  ALLOWED_HOSTS=restoration.example.gov.cn $(PY) manage.py check --deploy --fail-level WARNING
	$(PY) scripts/pip_audit_if_reachable.py

clean:
	rm -rf $(VENV) db.sqlite3 private_media private_media_test staticfiles

# Benchmarks (PostgreSQL; each drops and creates its BENCH_DATABASE_URL database).
# The API under load: 10,000 then 1,000,000 cases, against floors and a peer (needs wrk: apt-get install wrk;
# default database restoration_bench_api). One size: make bench BENCH_ARGS="--cases 10000".
bench: venv
	$(PY) bench/api.py $(BENCH_ARGS)

# One reminder sweep over a million open deadlines (default database restoration_bench).
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

# Re-fetch the vendored front-end libraries (Leaflet, ECharts) at the versions package-lock.json pins,
# from the npm registry, into static/vendor/ (committed: running the site needs no npm). Compare the
# printed sha256 sums with static/vendor/README.md.
vendor:
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp package.json package-lock.json "$$tmp"/; \
	(cd "$$tmp" && npm ci --ignore-scripts --no-audit --no-fund); \
	m="$$tmp/node_modules"; \
	rm -rf static/vendor/leaflet static/vendor/echarts; \
	mkdir -p static/vendor/leaflet/images static/vendor/echarts; \
	cp "$$m"/leaflet/dist/leaflet.js "$$m"/leaflet/dist/leaflet.js.map "$$m"/leaflet/dist/leaflet.css \
	   "$$m"/leaflet/LICENSE static/vendor/leaflet/; \
	cp "$$m"/leaflet/dist/images/*.png static/vendor/leaflet/images/; \
	cp "$$m"/echarts/dist/echarts.min.js "$$m"/echarts/LICENSE "$$m"/echarts/NOTICE static/vendor/echarts/; \
	cp "$$m"/echarts/licenses/LICENSE-d3 static/vendor/echarts/LICENSE-d3; \
	cp "$$m"/zrender/LICENSE static/vendor/echarts/LICENSE-zrender; \
	cp "$$m"/tslib/LICENSE.txt static/vendor/echarts/LICENSE-tslib
	cd static/vendor && find leaflet echarts -type f | sort | xargs sha256sum
