# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $@

run: export DEBUG ?= true
run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_demo --url http://$(HOST):$(PORT)
	$(BIN)/python manage.py play_demo --once --url http://$(HOST):$(PORT)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest
	# `make run` serves the demo from SQLite: the SQL written by hand (wargame/core/rows.py)
	# and the pages that read through it, once more on SQLite (its test database in memory).
	DATABASE_URL=sqlite:///$(CURDIR)/.test-sqlite.db REDIS_URL= $(BIN)/pytest -q \
		-m "not postgres and not redis and not browser" tests/core/test_rows.py \
		tests/exercises/test_message_list.py tests/exercises/test_rights.py \
		tests/exercises/test_pages.py tests/exercises/test_turn_cycle.py

# The load benchmark on the real stack (PostgreSQL, Redis, uvicorn, Celery): bench/README.md.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--levels 2".
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
