# Quick start: `make run` solves the default shipped instance, `make test` runs the suite.
# Both create .venv and install the project into it on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BROWSER := $(VENV)/.browser
INSTANCE ?= instances/milan

.PHONY: run test bench venv browser clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Headless Chromium for the report's browser tests (Debian package; needs root or sudo once).
$(BROWSER): scripts/setup-browser | $(STAMP)
	scripts/setup-browser
	touch $(BROWSER)

browser: $(BROWSER)

run: $(STAMP)
	$(BIN)/netopt solve $(INSTANCE) --time-limit 120 --workers 2

test: $(STAMP) $(BROWSER)
	$(BIN)/python -m pytest -q -m "not bench" tests

bench: $(STAMP)
	$(BIN)/netopt bench

clean:
	rm -rf $(VENV) results/*/
