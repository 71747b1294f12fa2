# Quick start: `make run` solves the default shipped instance, `make test` runs the suite.
# Both create .venv and install the project into it on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
INSTANCE ?= instances/milan

.PHONY: run test bench venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/netopt solve $(INSTANCE) --time-limit 120 --workers 2

test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not bench" tests

bench: $(STAMP)
	$(BIN)/netopt bench

clean:
	rm -rf $(VENV) results/*/
