# CX Compass — the two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
DB ?= data/cx.db
PORT ?= 8501
ADDRESS ?= 127.0.0.1

.PHONY: run test test-fast lint format bench sample clean venv

# The virtualenv is (re)built only when a requirements file changed since the last install.
$(RUNTIME_STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(DEV_STAMP): $(RUNTIME_STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(RUNTIME_STAMP)

# Built in a temporary file and moved into place, so a failed build never leaves half a database.
$(DB): | $(RUNTIME_STAMP)
	@mkdir -p $(dir $(DB))
	@rm -f $(DB).building*
	$(PY) -m cxdata sample --db $(DB).building
	mv $(DB).building $(DB)

run: $(RUNTIME_STAMP) $(DB)
	CXDATA_DB=$(DB) $(PY) -m streamlit run serve.py --server.address $(ADDRESS) \
		--server.port $(PORT) --server.headless true --browser.gatherUsageStats false

test: $(DEV_STAMP)
	$(PY) -m pytest

# The inner loop: everything but the browser tests and the few slow ones (see CONTRIBUTING.md).
test-fast: $(DEV_STAMP)
	$(PY) -m pytest -q -m "not browser and not slow"

lint: $(DEV_STAMP)
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .
	$(PY) -m mypy

format: $(DEV_STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: $(DEV_STAMP)
	@for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

sample: $(RUNTIME_STAMP)
	$(PY) -m cxdata sample --out sample_data

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
