# The README's two commands: `make run` and `make test`. Only Python 3.11 and make needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run test lint clean translations screenshots bench lock image
# Compiled message catalogues (*.mo, not in git), rebuilt by install whenever a .po changes.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard web/translations/*/LC_MESSAGES/messages.po))

# `dev`: the embedded redis-server and the SMTP sink of `make run` and the tests (not in the image).
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $@

%.mo: %.po | $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -i $< -o $@

# axe-core for tests/browser/test_accessibility.py, pinned in tests/browser/package-lock.json;
# installed by `make test` when npm is available (without it those tests skip, except under
# CI); `make run` never needs it.
AXE := tests/browser/node_modules/axe-core/axe.min.js
NPM := $(shell command -v npm 2>/dev/null)

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed $(CATALOGUES)

# After changing user-facing text: re-extract the French msgids, merge them into each .po,
# then translate what is new or fuzzy (tests/i18n fails until every entry is translated).
translations: install
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext \
	  -o web/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i web/translations/messages.pot -d web/translations

run: install
	$(PY) -m web.devserver

test: install $(if $(NPM),$(AXE))
	$(PY) -m pytest $(PYTEST_ARGS)

# The load benchmark (docs/PERFORMANCE.md): the production stack against BENCH_DATABASE_URL
# (created if missing, emptied), N flows at concurrency C; report in bench/results/latest.json.
# BASELINE=<commit>: that commit's stack (a git worktree in a temporary directory) is driven
# first, in the same run, and the targets that compare with it are checked.
N ?= 500
C ?= 8
BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/bench
bench: install
	$(PY) -m bench --flows $(N) --concurrency $(C) --database-url $(BENCH_DATABASE_URL) \
	  $(if $(BASELINE),--baseline $(BASELINE)) $(BENCH_ARGS)

# The README's screenshots: the browser tests walk the flow and write them (Chromium needed).
# CI=1: fail, rather than skip, without Chromium.
screenshots: install
	CI=1 SCREENSHOTS_DIR=docs/screenshots $(PY) -m pytest \
	  tests/browser/test_journey.py tests/browser/test_errors.py $(PYTEST_ARGS)

# ruff's rules and format, and the floor plan's import contracts (docs/ARCHITECTURE.md).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# requirements.lock: the image's pinned, hash-checked dependencies (the runtime ones and the
# `dashboard` extra, never `test` or `dev`), re-resolved from pyproject.toml against PyPI.
# tests/packaging/test_lock.py fails when pyproject.toml asks for something the lock does not pin.
lock: install
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" \
	  $(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
	  --no-emit-find-links --extra dashboard --output-file requirements.lock pyproject.toml

# The image, labelled with pyproject.toml's version (the Dockerfile refuses another one).
VERSION = $(shell $(PYTHON) -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])")
image:
	docker build --build-arg VERSION=$(VERSION) --tag espace-pro:$(VERSION) --tag espace-pro:latest .

clean:
	rm -rf $(VENV) .pytest_cache $(CATALOGUES)
