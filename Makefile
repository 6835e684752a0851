# The two commands of the README:  `make demo` (the main job) and `make test` (the test suite).
# Both create the virtualenv on first use; the Neo4j + GDS jars are resolved on the first server start.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-all test-gnn test-faults test-scale test-slow bench image lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

demo: setup
	$(BIN)/mp2v demo

test: setup
	$(BIN)/pytest -m "not slow and not gnn and not torch"

test-all: setup
	$(BIN)/pytest

# The server killed with SIGKILL during a load, a walk and an evaluation (each on its own throwaway local
# server): one error line each, and a re-run after restart ends with the exact Last.fm counts. Minutes.
test-faults: setup
	MP2V_TEST_BACKEND=local $(BIN)/pytest tests/integration/test_faults.py

# The scale study (bench/bench_scale.py) end to end at two small sizes on its own local server, then resumed
# from its checkpoint without redoing a stage. About 8 minutes.
test-scale: setup
	MP2V_TEST_BACKEND=local $(BIN)/pytest -m slow tests/integration/test_scale_smoke.py

# Every other slow test on the local test server: the scale smoke run above, the bulk import replacing a
# transactionally loaded database, and the server stopped mid-load. About 12 minutes.
test-slow: setup
	MP2V_TEST_BACKEND=local $(BIN)/pytest -m slow --ignore=tests/integration/test_faults.py

# The torch extra (named gnn) serves the GNN baseline (LightGCN) and the PyTorch skip-gram trainer (incl. a
# 2-process gloo run on loopback): PyPI's Linux wheel with its CUDA libraries (~5 GB installed; it runs on
# the CPU when no GPU is there).
test-gnn: setup
	$(BIN)/pip install --quiet -e ".[test,gnn]"
	$(BIN)/pytest -m "gnn or torch"

# bench_load wipes the database it loads into, so it gets a private server (its own home and port), stopped
# afterwards; bench_walks starts its own too; training and serving use the demo's server and data.
BENCH_LOAD_ENV := MP2V_HOME=$(CURDIR)/.mp2v/bench-load-server MP2V_BOLT_PORT=7692

bench: setup
	$(BENCH_LOAD_ENV) $(BIN)/python -m bench.bench_load --wipe; status=$$?; \
	  $(BENCH_LOAD_ENV) $(BIN)/mp2v db stop; exit $$status
	for bench in bench_walks bench_training bench_serving; do $(BIN)/python -m bench.$$bench || exit 1; done

image: setup
	$(BIN)/mp2v db image

lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache
