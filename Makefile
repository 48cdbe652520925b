# Minyi: `make run` serves the demo, `make test` runs every test. Both set themselves up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
APT_PACKAGES := chromium espeak-ng fonts-noto-cjk libportaudio2 pulseaudio pulseaudio-utils libasound2-plugins postgresql-client
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?= -n auto

.PHONY: run test test-sqlite test-postgres system-deps translations extract vendor clean help

help:
	@echo "make run    set up and serve the demo on http://127.0.0.1:5000"
	@echo "make test   set up and run every test (SQLite, then PostgreSQL when reachable)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Minyi needs Python 3.11 or newer (found %s)." % sys.version.split()[0])'
	@echo "Installing Minyi into $(VENV) (the first time takes a minute)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -qq --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install -qq --disable-pip-version-check -e '.[server]'
	@touch $(STAMP)

# The test tools (pytest, Playwright, ruff) only for `make test`: `make run` stays quick to set up.
$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(TEST_STAMP)

# Compiled catalogs are build products: made from the .po files, never committed.
translations: $(STAMP)
	@$(BIN)/pybabel -q compile -d server/translations -D messages
	@$(BIN)/pybabel -q compile -d kiosk/translations -D messages

# The server, and a job worker beside it (notifications to many, mail, settlements), stopped with it. What it
# prints ends with the address and the demo logins; the migrations' log is shown only when they fail, and the
# server's and the worker's logs only from warnings up (MINYI_LOG_LEVEL=INFO make run shows everything).
run: $(STAMP) translations
	@log=$$(mktemp); $(BIN)/minyi db upgrade > $$log 2>&1 || { cat $$log; rm -f $$log; exit 1; }; rm -f $$log
	@echo "Loading the demo data (the first time takes a few seconds)..."
	@$(BIN)/minyi demo > /dev/null
	@export MINYI_LOG_LEVEL=$${MINYI_LOG_LEVEL:-WARNING}; \
	  $(BIN)/minyi worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	  $(BIN)/minyi serve --demo-logins

system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing system packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else \
	    echo "The tests need system packages. Run this once, then make test again:"; \
	    echo "  sudo apt-get install -y $(APT_PACKAGES)"; exit 1; \
	  fi; \
	fi

test: system-deps $(TEST_STAMP) translations
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(MAKE) --no-print-directory test-sqlite
	@if [ "$$CI" = "true" ] || $(BIN)/python -m tests.pg_reachable "$(PG_TEST_URL)"; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else \
	  echo "PostgreSQL is not reachable at $(PG_TEST_URL): the PostgreSQL run was not done."; \
	fi

test-sqlite: $(TEST_STAMP) translations
	@echo "=== tests on SQLite ==="
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: $(TEST_STAMP) translations
	@echo "=== tests on PostgreSQL ==="
	MINYI_TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/python -m pytest $(PYTEST_ARGS)

extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o server/translations/messages.pot --no-location --sort-output -w 120 .
	$(BIN)/pybabel update -i server/translations/messages.pot -d server/translations -D messages --no-fuzzy-matching --ignore-obsolete -w 120
	$(BIN)/pybabel extract -F kiosk/babel.cfg -k _t -o kiosk/translations/messages.pot --no-location --sort-output -w 120 .
	$(BIN)/pybabel update -i kiosk/translations/messages.pot -d kiosk/translations -D messages --no-fuzzy-matching --ignore-obsolete -w 120

vendor:
	cd $$(mktemp -d) && npm pack --silent htmx.org@2 && tar xzf htmx.org-*.tgz && \
	  cp package/dist/htmx.min.js $(CURDIR)/static/vendor/htmx.min.js && cp package/LICENSE $(CURDIR)/static/vendor/htmx.LICENSE
	cd $$(mktemp -d) && npm pack --silent chart.js@4 && tar xzf chart.js-*.tgz && \
	  cp package/dist/chart.umd.min.js $(CURDIR)/static/vendor/chart.umd.min.js && \
	  cp package/LICENSE.md $(CURDIR)/static/vendor/chart.LICENSE.md
	cd $$(mktemp -d) && npm pack --silent leaflet@1 && tar xzf leaflet-*.tgz && \
	  mkdir -p $(CURDIR)/static/vendor/leaflet/images && \
	  cp package/dist/leaflet.js package/dist/leaflet.css $(CURDIR)/static/vendor/leaflet/ && \
	  cp package/dist/images/*.png $(CURDIR)/static/vendor/leaflet/images/ && \
	  cp package/LICENSE $(CURDIR)/static/vendor/leaflet/LICENSE
	cd $$(mktemp -d) && npm pack --silent leaflet.markercluster@1 && tar xzf leaflet.markercluster-*.tgz && \
	  mkdir -p $(CURDIR)/static/vendor/leaflet.markercluster && \
	  cp package/dist/leaflet.markercluster.js package/dist/MarkerCluster.css package/dist/MarkerCluster.Default.css \
	    $(CURDIR)/static/vendor/leaflet.markercluster/ && \
	  cp package/MIT-LICENCE.txt $(CURDIR)/static/vendor/leaflet.markercluster/LICENSE

clean:
	rm -rf $(VENV) instance .pytest_cache
