# Two commands set up a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck audit unit browser install clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/shopmind demo

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src/shopmind

# Known vulnerabilities in the pinned dependencies; says how many could not be audited.
audit: $(STAMP)
	bash .ci/audit

unit: $(STAMP)
	$(BIN)/pytest -n 2 --dist loadfile

# The dashboard in headless chromium (apt-get install chromium); rewrites docs/screenshots/.
browser: $(STAMP)
	$(BIN)/pytest tests/browser

test: lint typecheck audit unit

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
