# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PY       ?= python3
VENV     := .venv
BIN      := $(VENV)/bin
FLASK    := $(BIN)/flask --app portal
STAMP    := $(VENV)/.installed
HOST     ?= 127.0.0.1
PORT     ?= 5000

.PHONY: run test install translations db check-migrations bench lint clean

$(STAMP): setup.cfg pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile -f -d portal/translations >/dev/null

# Re-extract the message catalogue from the sources and merge it into the en catalogue
# (then translate the new entries in portal/translations/en/LC_MESSAGES/messages.po).
.PHONY: i18n-update
i18n-update: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot portal
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations -l en

instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = \"{secrets.token_hex(32)}\"\nCERT_SIGNING_KEY = \"{secrets.token_hex(32)}\"')" > $@

db: install instance/config.py
	$(FLASK) init-db
	$(FLASK) seed-demo --if-empty

run: db
	$(FLASK) run --host $(HOST) --port $(PORT)

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: install
	@echo "== test suite on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then echo "== test suite on PostgreSQL =="; $(BIN)/python -m pytest -q; fi
	$(BIN)/bandit -q -r portal -ll -c bandit.yaml

# Migrations on an empty database, then fail on model/migration drift.
check-migrations: install
	rm -f /tmp/portal-migrations-check.db
	SECRET_KEY=check DATABASE_URL=sqlite:////tmp/portal-migrations-check.db $(FLASK) db upgrade
	SECRET_KEY=check DATABASE_URL=sqlite:////tmp/portal-migrations-check.db $(FLASK) db check

lint: install
	$(BIN)/ruff check portal tests

bench: install
	$(BIN)/python bench/bench_assess.py
	$(BIN)/python bench/bench_import.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
