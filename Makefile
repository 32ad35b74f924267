# The README's two commands: `make demo` starts a working demo, `make test` runs every test.
# Both need only Python 3.11: they create .venv and install the project into it first.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# Touched after a successful install; older than pyproject.toml means the deps changed.
STAMP := $(VENV)/.collab-installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install demo test lint format worker browsers scaleout-deps scaleout faults

help:
	@echo "make demo     install, migrate, create the demo council and start http://$(HOST):$(PORT)"
	@echo "make test     install, lint, check migrations and run every test"
	@echo "make install  create .venv and install the project with its dev tools"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make format   ruff format and ruff check --fix"
	@echo "make worker   a Celery worker (needs CELERY_BROKER_URL, see README)"
	@echo "make scaleout two web hosts, a worker host and HAProxy, with their checks (root)"
	@echo "make faults   the same, with PostgreSQL, Redis, a web host and the worker failing under load"

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: Collab needs Python 3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -qq --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The demo runs with DEBUG on (settings default to production, which refuses to start on this
# machine's addresses and a per-process cache): SQLite, tasks in-process, http on $(HOST).
demo: export DEBUG := 1
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_setup --base-url http://$(HOST):$(PORT)
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Browser tests (tests/browser/) drive Debian's Chromium, never a browser download.
# As root, install it from Debian's packages when it is missing, so `make test` needs no
# manual step; as anyone else, say so, and the browser tests are skipped loudly.
# Beside axe they run the W3C Nu HTML Checker (with Java: Debian's default-jre-headless,
# installed the same way) and HTML_CodeSniffer, pinned in tests/browser/package-lock.json
# and installed with `npm ci` (no install scripts: vnu-jar's would download a Java).
# Pango (libpango-1.0-0, libpangoft2-1.0-0) is for WeasyPrint, which draws the paper
# questionnaire's PDF; without it that PDF's tests are skipped and the page says why.
CHROMIUM ?= /usr/bin/chromium
BROWSER_DIR := tests/browser
browsers:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="chromium"; \
	command -v java >/dev/null || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null || missing="$$missing npm"; \
	ldconfig -p 2>/dev/null | grep -q 'libcairo\.so\.2' || missing="$$missing libcairo2"; \
	ldconfig -p 2>/dev/null | grep -q 'libpango-1\.0\.so\.0' || missing="$$missing libpango-1.0-0"; \
	ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1\.0\.so\.0' || missing="$$missing libpangoft2-1.0-0"; \
	if [ -z "$$missing" ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's$$missing for the browser tests"; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "missing:$$missing: browser tests will be skipped (as root, make browsers installs it)"; \
	fi
	@if command -v npm >/dev/null; then \
		cd $(BROWSER_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint browsers
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# Next to `make demo`: with DEBUG on unless the environment says otherwise.
worker: export DEBUG ?= 1
worker: install
	@test -n "$$CELERY_BROKER_URL" || { echo "Set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) first: without it tasks run in-process and need no worker." >&2; exit 1; }
	$(BIN)/celery -A collab worker --loglevel=INFO

# The scale-out and fault runs (deploy/scaleout.py, README "Scale-out and faults") need, beside
# PostgreSQL and Redis, Debian's HAProxy and the iproute2 `ip` command; as root, install them
# when missing, as `make browsers` does for the browser tests.
scaleout-deps:
	@missing=""; \
	command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing="haproxy"; \
	command -v ip >/dev/null || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing="$$missing iproute2"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	if [ -z "$$missing" ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's $$missing for the scale-out run"; \
		apt-get -o DPkg::Lock::Timeout=300 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
			--no-install-recommends $$missing >/dev/null; \
	else \
		echo "missing: $$missing (as root, make scaleout-deps installs it)" >&2; exit 1; \
	fi

scaleout: install scaleout-deps
	$(BIN)/python deploy/scaleout.py $(SCALEOUT_ARGS)

faults: install scaleout-deps
	$(BIN)/python deploy/scaleout.py --faults $(SCALEOUT_ARGS)
