# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
TRANSLATIONS := src/gongyi/translations
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench translations extract-messages setup-db clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

translations:
	$(BIN)/pybabel compile --use-fuzzy -f -d $(TRANSLATIONS)

# Re-extract messages after changing user-facing strings; then translate the new entries in en/messages.po.
extract-messages:
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -o $(TRANSLATIONS)/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --no-fuzzy-matching --ignore-obsolete

instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print('SECRET_KEY = %r' % secrets.token_hex(32))" > $@

setup-db: $(VENV)/.installed instance/config.py translations
	$(FLASK) db upgrade
	$(FLASK) catalogue load
	$(FLASK) demo --if-empty

run: setup-db
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-dev translations
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/gongyi.sqlite3*
