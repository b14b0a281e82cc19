# Kolo — the two commands of a fresh machine are `make run` and `make test`.
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMP := .venv/.installed
DEV_ENV := DEBUG=1
# Tests talk to the real Postgres and Redis on this machine unless told otherwise.
TEST_DATABASE_URL ?= postgres://root@127.0.0.1:5432/kolo
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-fast lint format messages check-deploy services bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	python3 -m venv .venv
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[dev]"
	touch $(STAMP)

## Start the app with the demo business on the embedded default (SQLite, eager Celery, in-memory
## channel layer): http://127.0.0.1:8000, logins in README.md.
run: install
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py seed_demo --if-empty
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

## The whole test suite against Postgres and Redis (starts them if they are down): everything but
## the browser tests on TEST_WORKERS processes (pytest-xdist; each has its own database, Redis
## prefix and Celery queue), then the browser tests one by one (they each start a real server).
## Exit code 5 ("no test selected", e.g. with PYTEST_ARGS="-k …") is not a failure.
TEST_WORKERS ?= 2
TEST_ENV = DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)}
test: install services
	$(TEST_ENV) $(PY) -m pytest --create-db -n $(TEST_WORKERS) -m "not browser" $(PYTEST_ARGS) \
		|| [ $$? -eq 5 ]
	$(TEST_ENV) $(PY) -m pytest --create-db -m browser $(PYTEST_ARGS) || [ $$? -eq 5 ]

## Everything but the browser tests.
test-fast: install services
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

services:
	@scripts/ensure-services.sh

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check crm clients routes billing labs reports tests manage.py

format: install
	.venv/bin/ruff format crm clients routes billing labs reports tests manage.py
	.venv/bin/ruff check --fix .

## Re-extract and compile the Russian and Ukrainian catalogues (needs gettext).
messages: install
	$(DEV_ENV) $(PY) manage.py makemessages -l ru -l uk --ignore=.venv --ignore=var --ignore=static/vendor --no-obsolete
	$(DEV_ENV) $(PY) manage.py compilemessages --ignore=.venv

check-deploy: install
	DEBUG=0 SECRET_KEY=$$(openssl rand -hex 40) ALLOWED_HOSTS=kolo.example.com \
		$(PY) manage.py check --deploy --fail-level WARNING

bench: install
	$(DEV_ENV) $(PY) manage.py bench $(SUITE) --json

clean:
	rm -rf .venv var/*.sqlite3* var/staticfiles .pytest_cache
