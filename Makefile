# driftbom: `make run` snapshots this machine, `make test` runs the whole suite.
# Both need only python3 and make: they create .venv and install what they need.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SNAPSHOT ?= .drift/$(shell hostname).cdx.json

.PHONY: run test lint unit bench venv dev clean

$(BIN)/python:
	./scripts/bootstrap-venv.sh "$(PYTHON)" "$(VENV)"

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $@

venv: $(VENV)/.installed
dev: $(VENV)/.installed-dev

## run: snapshot this machine into $(SNAPSHOT) and the local store (.drift/store), validate it, audit it
run: venv
	@mkdir -p $(dir $(SNAPSHOT))
	$(BIN)/drift snapshot -o $(SNAPSHOT) --store .drift/store
	$(BIN)/drift validate $(SNAPSHOT)
	$(BIN)/drift audit --store .drift/store

## lint: ruff, mypy (strict on src/) and the import contracts (pyproject.toml)
lint: dev
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples
	$(BIN)/mypy
	$(BIN)/lint-imports

## test: lint, then the whole pytest suite
test: lint
	$(BIN)/python -m pytest

unit: dev
	$(BIN)/python -m pytest -m "not network and not docker and not browser and not slow"

## bench: the performance budgets, side by side with the peers, written to docs/benchmarks.md
bench: dev
	$(BIN)/python benchmarks/run.py --write docs/benchmarks.md

clean:
	rm -rf $(VENV) .drift .pytest_cache .mypy_cache .ruff_cache build dist benchmarks/.work
