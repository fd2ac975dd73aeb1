# The few targets people type. `make run` and `make test` set up everything they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
JIEFEN := $(BIN)/jiefen
PORT ?= 8000
MO := $(patsubst %.po,%.mo,$(wildcard jiefen/locale/*/LC_MESSAGES/django.po))

.PHONY: run test lint setup demo messages bench clean

# Serves within seconds: the divisions, bodies and accounts first, then the demo's disputes in
# the background (`jiefen demo --finish`, short batches, a banner on every page until done;
# an interrupted load resumes at the next `make run`). The sweep's schedule, the worker and the
# meeting schedules start beside the server.
run: setup
	$(JIEFEN) demo --background
	$(JIEFEN) demo --finish & loader=$$!; \
	($(JIEFEN) sweep --schedule && exec $(JIEFEN) db_worker --no-reload --interval 2) & worker=$$!; \
	trap 'kill $$loader $$worker 2>/dev/null' EXIT INT TERM; \
	($(JIEFEN) meetings schedule >/dev/null &); \
	$(JIEFEN) runserver 127.0.0.1:$(PORT) --noreload

test: $(BIN)/.dev $(MO)
	$(BIN)/ruff check jiefen bench
	$(BIN)/ruff format --check jiefen bench
	$(BIN)/lint-imports
	$(BIN)/mypy jiefen
	$(JIEFEN) makemigrations --check --dry-run --verbosity 0
	$(BIN)/pytest

lint: $(BIN)/.dev
	$(BIN)/ruff check jiefen bench
	$(BIN)/ruff format --check jiefen bench
	$(BIN)/lint-imports
	$(BIN)/mypy jiefen

# The system checks run with the server (and `make test`); static files are copied meanwhile.
setup: $(BIN)/.installed $(MO)
	$(JIEFEN) collectstatic --noinput --verbosity 0 & static=$$!; \
	$(JIEFEN) migrate --verbosity 0 --skip-checks && $(JIEFEN) createcachetable; \
	status=$$?; wait $$static && exit $$status

demo: setup
	$(JIEFEN) demo
	$(JIEFEN) meetings schedule

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(BIN)/.dev: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

%.mo: %.po $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

messages:
	cd jiefen && ../$(JIEFEN) makemessages -l en --no-obsolete

clean:
	rm -rf $(VENV) var
