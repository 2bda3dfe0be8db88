PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench eval lint docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/dmguard demo

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check dmguard tests bench

bench: $(STAMP)
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/eval.py
	$(BIN)/python bench/drain.py

eval: $(STAMP)
	$(BIN)/python bench/eval.py

docs: $(STAMP)
	$(BIN)/dmguard rules --format markdown > docs/rules.md

clean:
	rm -rf $(VENV) var build *.egg-info
