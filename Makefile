# Every target sets up .venv itself, so on a fresh clone `make check` and `make test` just work.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install check test lint oracle bench deploy package emulate docs clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## check: the main job: validate, test and package the whole content library (no Azure needed)
check: $(STAMP)
	$(BIN)/detections validate --strict
	$(BIN)/detections test --min-cases
	$(BIN)/detections package --out dist
	$(BIN)/detections coverage --check
	@echo "make check: all content valid, tested and packaged"

## test: the whole pytest suite
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

## oracle: the differential test against Microsoft's Kusto.Language (needs node and npm)
oracle: $(STAMP)
	$(BIN)/python -m pytest tests/kql/test_oracle.py -rxX

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

package: $(STAMP)
	$(BIN)/detections package --out dist

## deploy: plan and apply the content to the workspace named by AZURE_* variables (see README)
deploy: $(STAMP)
	$(BIN)/detections deploy $(DEPLOY_ARGS)

emulate: $(STAMP)
	$(BIN)/detections emulate $(EMULATE_ARGS)

docs: $(STAMP)
	$(BIN)/detections docs

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache
