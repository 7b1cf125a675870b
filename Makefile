# The README's two commands: `make run` and `make test`. Only Python 3.11 and make needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install run test lint clean translations
# Compiled message catalogues (*.mo, not in git), rebuilt by install whenever a .po changes.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard web/translations/*/LC_MESSAGES/messages.po))

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

%.mo: %.po | $(VENV)/.installed
	$(VENV)/bin/pybabel -q compile -i $< -o $@

install: $(VENV)/.installed $(CATALOGUES)

# After changing user-facing text: re-extract the French msgids, merge them into each .po,
# then translate what is new or fuzzy (tests/i18n fails until every entry is translated).
translations: install
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext \
	  -o web/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i web/translations/messages.pot -d web/translations

run: install
	$(PY) -m web.devserver

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .pytest_cache $(CATALOGUES)
