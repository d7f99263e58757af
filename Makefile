# موجز — the two commands a new maintainer needs: `make site` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: site test serve bench lint check clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(STAMP)

## site: create .venv, install, build the sample site into site/
site: $(STAMP)
	$(BIN)/python -m builder build

## test: lint, then every test (unit, real MkDocs builds, Pagefind, headless Chromium)
test: $(STAMP)
	$(BIN)/ruff check builder tests bench
	$(BIN)/ruff format --check builder tests bench
	$(BIN)/python -m pytest -q

## serve: live preview at http://127.0.0.1:8000/, regenerated when content/ changes
serve: $(STAMP)
	$(BIN)/python -m builder serve

## check: validate content/ and list every problem as path:line: message
check: $(STAMP)
	$(BIN)/python -m builder check

## bench: speed and memory at 1,000 articles (BENCH_ARGS="--articles 10000" for more)
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf site build .pytest_cache test-artifacts bench/out
