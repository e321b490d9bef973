# The two set-up commands are `make run` and `make test`; everything they need is installed here.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
MANAGE := $(PY) manage.py
PYTEST_ARGS ?=
# Test processes (pytest-xdist, a test module stays in one process); each gets its own test
# database and Redis database.
TEST_PROCESSES ?= 2
# The built files the pages use, copied out of node_modules (see package.json for the versions).
VENDOR_FILES := htmx.org/dist/htmx.min.js:htmx/htmx.min.js echarts/dist/echarts.min.js:echarts/echarts.min.js \
	@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf:fonts/NotoSansSC-Regular.ttf \
	china-geojson/src/geojson/china.json:geo/china.json

.PHONY: run test lint format messages assets install install-dev bench bench-data clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt requirements-demo.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt -r requirements-demo.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-demo.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

static/vendor/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@for pair in $(VENDOR_FILES); do \
		src=node_modules/$${pair%%:*}; dst=static/vendor/$${pair##*:}; \
		mkdir -p $$(dirname $$dst) && cp $$src $$dst || exit 1; \
	done
	touch $@

install: $(VENV)/.runtime static/vendor/.stamp
install-dev: $(VENV)/.dev static/vendor/.stamp
assets: static/vendor/.stamp

# Card payments run in Stripe's test mode against a local stand-in (portal/demo_stripe.py, on
# 127.0.0.1:$(DEMO_STRIPE_PORT)), stopped with the server.
DEMO_STRIPE_PORT ?= 8420
DEMO_STRIPE := STRIPE_SECRET_KEY=sk_test_demo STRIPE_API_BASE=http://127.0.0.1:$(DEMO_STRIPE_PORT)

run: install
	$(MANAGE) migrate --no-input
	$(MANAGE) collectstatic --no-input --verbosity 0
	$(MANAGE) seed_demo
	$(PY) -m portal.demo_stripe $(DEMO_STRIPE_PORT) & stripe=$$!; trap 'kill $$stripe' EXIT; \
		$(DEMO_STRIPE) $(MANAGE) runserver 127.0.0.1:8000

# Exit status 5 (no tests collected) is a failure like any other non-zero status.
test: install-dev
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs GNU gettext (developers only): the compiled catalogues are committed.
messages: install-dev
	$(MANAGE) makemessages --locale zh_Hans --locale en --no-obsolete --ignore '.venv/*' --ignore 'node_modules/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'bench/*'
	$(MANAGE) compilemessages --ignore '.venv/*' --ignore 'node_modules/*'

# The scale data set (DESIGN §10) in the benchmark database; does nothing when it is there already.
bench-data: install-dev
	$(PY) -m bench data

bench: install-dev
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules static/vendor var
