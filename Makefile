PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast bench eval lint docs clean browser soak soak-x model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# Where PYTHONDONTWRITEBYTECODE is set, Python never caches what it compiles, and every
	# `dmguard` start compiles its modules again (about 40 ms); compiled once here, they load.
	$(BIN)/python -m compileall -q dmguard
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/dmguard demo

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The quick loop: everything but the tests marked slow (processes, browsers, soaks).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow" -q

# The end-to-end web test drives Debian's chromium; install it when we can (root with
# apt), otherwise that one test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser test"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	      >/dev/null) || echo "note: could not install chromium; the browser test will be skipped"; \
	  else echo "note: chromium is not installed; the browser test will be skipped"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check dmguard tests bench

bench: $(STAMP)
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/eval.py
	$(BIN)/python bench/drain.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/daemon.py
	$(BIN)/python bench/review.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/reply_check.py

# The long form of tests/reliability: 25 SIGKILLs of the daemon under a 30 % fault storm,
# and 6 restarts of the emulator with its state lost (3 of them mid-send).
soak: $(STAMP)
	$(BIN)/python -m tests.reliability.crashloop --kills 25 --fault-rate 0.3 --emulator-restarts 6

# A simulated month on the strict X emulator: faults, a credit run-out, a permission loss.
soak-x: $(STAMP)
	$(BIN)/python -m tests.reliability.soak_x --days 30

eval: $(STAMP)
	$(BIN)/python bench/eval.py

# Refit the judge (DG095) from the eval folder's permissively licensed rows and the seed corpus.
EVAL ?= ../shared/eval
model: $(STAMP)
	$(BIN)/python -m dmguard.audit.judge.train --eval $(EVAL)

docs: $(STAMP)
	$(BIN)/dmguard rules --format markdown > docs/rules.md

clean:
	rm -rf $(VENV) var build *.egg-info
