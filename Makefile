# saferisk — the one entry point. `make demo` and `make test` set up everything they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
VENDOR_STAMP := saferisk/static/vendor/.stamp

.PHONY: demo test test-sqlite test-postgres bench lint check fmt messages compilemessages assets clean

$(VENV)/.runtime: pyproject.toml
	@test -x $(PY) || $$(scripts/find-python.sh) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	@touch $@

$(VENV)/.test: $(VENV)/.runtime pyproject.toml
	$(PY) -m pip install -q -e ".[test]"
	@touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR_STAMP): node_modules/.package-lock.json scripts/copy-assets.sh
	scripts/copy-assets.sh
	@touch $@

assets: $(VENDOR_STAMP)

demo: $(VENV)/.runtime $(VENDOR_STAMP)
	$(VENV)/bin/saferisk demo

test: $(VENV)/.test $(VENDOR_STAMP)
	scripts/system-deps.sh
	scripts/test.sh

test-sqlite: $(VENV)/.test $(VENDOR_STAMP)
	DATABASE_URL="sqlite:///$(CURDIR)/var/test.sqlite3" $(VENV)/bin/pytest -q -n 2 --dist loadgroup

test-postgres: $(VENV)/.test $(VENDOR_STAMP)
	DATABASE_URL="$${SAFERISK_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}" $(VENV)/bin/pytest -q -n 2 --dist loadgroup

bench: $(VENV)/.test $(VENDOR_STAMP)
	$(PY) bench/run.py
	$(PY) bench/import_bench.py
	$(PY) bench/dossier_bench.py
	$(PY) bench/reporting_bench.py
	$(PY) bench/hidden_danger_bench.py

lint check: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy saferisk
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

fmt: $(VENV)/.test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(VENV)/.runtime
	$(MANAGE) makemessages -l zh_Hans --no-location --ignore=".venv/*" --ignore="node_modules/*" --ignore="var/*"

compilemessages: $(VENV)/.runtime
	$(MANAGE) compilemessages -l zh_Hans --ignore=".venv" --ignore="node_modules"

clean:
	rm -rf var/static var/test.sqlite3* $(VENDOR_STAMP)
