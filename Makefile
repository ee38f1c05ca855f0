# Two commands do all set-up on a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SCALE ?= small
# Test processes (pytest-xdist); 0 runs the suite in one process.
TEST_WORKERS ?= 2

.PHONY: demo test lint format venv run jobs messages bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed

var:
	mkdir -p var/celery-queue var/celery-processed var/celery-control var/static

## demo: virtualenv, migrate SQLite, seed synthetic data, print a login, run web + worker + beat.
demo: venv var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed --scale $(SCALE) --if-empty
	$(BIN)/python manage.py setup_schedules
	$(BIN)/python manage.py score --top 3
	$(BIN)/python manage.py demo_login
	@echo "Open http://$(HOST):$(PORT)/ (Ctrl-C stops the web server and the jobs)"
	@# Ctrl-C reaches all three; the trap then sends the worker and beat one TERM each (in case only
	@# this shell was signalled) and waits for them. It resets itself first: `kill 0` re-signalled
	@# the whole group, this shell included, hundreds of times (tests/test_demo_shutdown.py).
	@trap 'trap - EXIT INT TERM; kill -TERM $$jobs 2>/dev/null; wait' EXIT INT TERM; \
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=1 --without-gossip --without-mingle & jobs="$$jobs $$!"; \
	$(BIN)/celery -A config beat --loglevel=INFO & jobs="$$jobs $$!"; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: lint, migrations check and the whole suite (SQLite unless DATABASE_URL is set).
test: venv var
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest -n $(TEST_WORKERS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: venv
	$(BIN)/python manage.py makemessages --locale sv --locale en --no-obsolete \
		--ignore '.venv/*' --ignore 'var/*' --ignore '*/migrations/*' --ignore 'tests/*' --ignore 'bench/*' --extension html,txt,py
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

## bench: figures at national scale next to their floors (DATABASE_URL=postgres://...; see bench/README.md).
bench: venv var
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf var db.sqlite3 db.sqlite3-wal db.sqlite3-shm
