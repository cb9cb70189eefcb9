# combopt: two commands do all the set-up on a fresh machine.
#   make demo   create .venv, install combopt, compile its kernels, solve the DIMACS clique benchmarks
#   make test   create .venv, install combopt with its test extras, compile its kernels, run the tests
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.combopt-installed

.PHONY: demo test install warmup lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) warmup

# compile every Numba kernel into the per-user cache (seconds when it is warm already)
warmup: $(STAMP)
	$(VENV)/bin/combopt warmup

demo: $(STAMP) warmup
	$(VENV)/bin/combopt bench examples/data --best-known examples/data/clique-numbers.csv \
		--kind clique --solver sa --solver ils --time-limit 30

test: $(STAMP) warmup
	$(PY) -m pytest -q -p no:cacheprovider --timeout 900

lint: $(STAMP)
	$(VENV)/bin/ruff check combopt tests benchmarks

bench: $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	$(PY) benchmarks/anneal_throughput.py
	$(PY) benchmarks/mis_quality.py

clean:
	rm -rf $(VENV) build *.egg-info
