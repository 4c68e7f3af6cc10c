# scoresim: `make run` sets everything up and runs the main job; `make test` runs the test suite.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
AGENTS ?= 10000
STEPS  ?= 312
SEED   ?= 1
REPLICATIONS ?= 5
WORKERS ?= 2
# the code before issue 22's performance work: bench_ab.py's baseline (two threads no slower)
AB_BASE ?= 35469fc

.PHONY: run test soak docs lint bench bench-large bench-mesa bench-agree clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# pip does not byte-compile an editable install, and where PYTHONDONTWRITEBYTECODE is set
# (as on this project's machines) Python never does: compiling src once saves every later run a
# tenth of a second of start-up.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q src
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q src
	touch $(VENV)/.installed $@

# The four systems (the press account and the three documented ones) against one control.
SYSTEMS ?= seed zhima-2015 rongcheng defaulter-blacklist

run: $(VENV)/.installed
	$(BIN)/scoresim compare $(SYSTEMS) --against control --replications $(REPLICATIONS) --workers $(WORKERS) --seed $(SEED) --set population.agents=$(AGENTS) --set steps=$(STEPS) --out results/compare-systems-$(SEED)
	$(BIN)/scoresim report results/compare-systems-$(SEED) --out results/compare-systems-$(SEED)/report.html

# The browser tests run on their own after the parallel suite: a page that has to share the two
# cores with two busy test workers answers too slowly to say anything about the page.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 -q -m "not browser"
	$(BIN)/python -m pytest -q -m "browser and not soak"

# The dashboard's load test (issue 14): twelve viewers on one server for a minute, every page
# answering Pause within 2 s. A timing bound, so, like the benchmarks, it runs on its own on a
# quiet machine rather than inside `make test` (where it would measure the host's other load).
soak: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q -m soak

# The documentation site (Sphinx, MyST, Furo), offline; any warning fails the build. The test
# suite builds it too (tests/test_docs_build.py).
docs: $(VENV)/.installed-test
	$(BIN)/sphinx-build -E -W --keep-going -n -b html docs docs/_build/html
	@echo "docs: docs/_build/html/index.html"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks

# Benchmarks (issues 5 and 22): figures and targets, never timed unit tests. See
# benchmarks/README.md. The last step prints issue 22's targets with their verdicts.
bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench.py
	$(BIN)/python benchmarks/bench_presets.py --agents 1000000 --steps 20
	$(BIN)/python benchmarks/profile_phases.py
	$(BIN)/python benchmarks/vs_numpy.py --base $(AB_BASE)
	$(BIN)/python benchmarks/bench_calibrate.py --agents 20000 --steps 180 --workers 2 --json benchmarks/out/calibrate-latest.json
	$(BIN)/python benchmarks/bench_precision.py --agents 10000 --steps 104 --replications 20 --workers 2
	$(BIN)/python benchmarks/bench_ab.py --base $(AB_BASE) --rounds 2
	$(BIN)/python benchmarks/verdicts.py

bench-large: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench.py --large
	$(BIN)/python benchmarks/bench_ab.py --base $(AB_BASE) --sizes 1e7 --rounds 1
	$(BIN)/python benchmarks/verdicts.py

bench-mesa: $(VENV)/.installed-test
	$(BIN)/python benchmarks/mesa_model.py

bench-agree: $(VENV)/.installed-test
	$(BIN)/python benchmarks/check_agreement.py --jobs 2
	$(BIN)/python benchmarks/vs_numpy.py --agree --jobs 2

clean:
	rm -rf $(VENV) results .pytest_cache docs/_build docs/jupyter_execute
