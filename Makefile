# combopt: two commands do all the set-up on a fresh machine.
#   make demo   create .venv, install combopt, compile its kernels, run the quick benchmark suite (every family)
#   make test   create .venv, install combopt with its test extras, compile its kernels, run the test suite
#   make mutation   mutation testing of the correctness-critical modules (long; see docs/contributing.md)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.combopt-installed

.PHONY: demo test install warmup lint bench mutation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	# the DAGMA peer (DagmaLinear: numpy, scipy, tqdm) without the torch its package declares for
	# the nonlinear models combopt does not use: gigabytes that no test or suite needs
	$(PY) -m pip install -q --no-deps "dagma>=1.1"
	touch $(STAMP)

install: $(STAMP) warmup

# compile every Numba kernel into the per-user cache (seconds when it is warm already)
warmup: $(STAMP)
	$(VENV)/bin/combopt warmup

demo: $(STAMP) warmup
	mkdir -p build
	$(VENV)/bin/combopt bench benchmarks/suites/quick.toml --jobs 2 --warmup \
		--out build/quick.jsonl --force

test: $(STAMP) warmup
	$(PY) -m pytest -q -p no:cacheprovider --timeout 900

lint: $(STAMP)
	$(VENV)/bin/ruff check combopt tests benchmarks tools

bench: $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) benchmarks/anneal_throughput.py
	$(PY) benchmarks/mis_quality.py

# not in CI: hours for every target on 2 cores; MUTATION_ARGS="--only NAME --max-mutants N" for a part
mutation: $(STAMP)
	$(PY) -m pip install -q -e ".[mutation]"
	$(PY) tools/mutation.py $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
