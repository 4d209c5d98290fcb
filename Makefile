# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
# make run PORT=8010 serves elsewhere when 8000 is taken.
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
DEV := DJANGO_DEBUG=true

# The machines' pip configuration names local indexes that may not exist; PyPI is enough.
export PIP_EXTRA_INDEX_URL :=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test lint audit format serve loadtest bench lighthouse messages css css-check install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=25.3"

# XStatic-Bootstrap (the source make css trims) ships only a source archive whose setup needs pkg_resources:
# build-constraints.txt keeps its build on a setuptools that still has it.
$(VENV)/.installed-run: $(BIN)/python requirements.txt build-constraints.txt
	$(BIN)/pip install --quiet --build-constraint build-constraints.txt -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-run requirements-dev.txt
	$(BIN)/pip install --quiet --build-constraint build-constraints.txt -r requirements-dev.txt
	touch $@

# axe-core (accessibility), vnu-jar (the W3C HTML checker, run with Java) and PurgeCSS (make css), from the npm
# registry (never a CDN).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev node_modules/.installed

run: install
	$(DEV) $(MANAGE) migrate --noinput
	$(DEV) $(MANAGE) setup_roles
	$(DEV) $(MANAGE) load_seed
	$(DEV) $(MANAGE) runserver 127.0.0.1:$(PORT)

# Production-like: gunicorn on 127.0.0.1:8000, DEBUG off, compressed hashed static files.
serve: install
	scripts/serve.sh

# Not part of make test: 200 connections for 30 s against the production-like server (wrk).
loadtest: install
	scripts/loadtest.sh

# Not part of make test: clinician pages against a static file, at 100, 1,000 and 10,000 synthetic drugs
# (wrk drives the load; ss, from iproute2, tells which worker holds its connections).
bench: install
	@{ command -v wrk && command -v ss; } >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk iproute2 >/dev/null; } || { echo "install wrk and iproute2"; exit 1; }
	$(BIN)/python scripts/bench.py

# Not part of make test: Lighthouse's mobile audit of the gate, home, monograph and condition page, 3 runs each, against
# the production-like server (installs Lighthouse from npm into ~/.cache once; needs Chromium; docs/benchmarks.md).
lighthouse: install
	scripts/lighthouse.sh

# The suite on every core (pytest-xdist; TEST_WORKERS=0 runs it in one process), then the tests that must run
# alone: the PostgreSQL outage test stops the server the other workers use.
TEST_WORKERS ?= auto
test: install-dev
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not serial"
	$(BIN)/pytest -m serial

lint: install-dev css-check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The evidence audit of the seed, on a throwaway database (CI runs it): it fails on a figure without its source
# sentence or a sentence without its figure, and lists address-only sources and secondary figures.
audit: install
	@db="$$(mktemp -d)/audit.sqlite3"; export DATABASE_URL="sqlite:///$$db"; \
		$(DEV) $(MANAGE) migrate --noinput -v0 && $(DEV) $(MANAGE) load_seed >/dev/null && $(DEV) $(MANAGE) audit_evidence

# The public pages' Bootstrap, trimmed to the rules our templates use (scripts/trim_css.js, PurgeCSS from npm).
# Run it after using a Bootstrap class a template did not use before, and commit the result like a lock file:
# make run serves the committed file and needs no Node. make lint fails while the committed file is stale.
TRIMMED_CSS := static/css/bootstrap.trimmed.css
css: install-dev
	node scripts/trim_css.js $(TRIMMED_CSS)

css-check: install-dev
	node scripts/trim_css.js --check $(TRIMMED_CSS)

# After changing interface text: update the zh-Hans catalogue, translate the new entries, then compile.
messages: install
	$(DEV) $(MANAGE) makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=node_modules --ignore=tests --ignore=staticfiles
	$(DEV) $(MANAGE) compilemessages -l zh_Hans --ignore=.venv

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles .pytest_cache
