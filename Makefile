# CX Compass — the two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
DB ?= data/cx.db
PORT ?= 8501
ADDRESS ?= 127.0.0.1

.PHONY: run test test-fast test-postgres lint format bench sample clean venv

# The virtualenv is (re)built only when a requirements file changed since the last install.
$(RUNTIME_STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(DEV_STAMP): $(RUNTIME_STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(RUNTIME_STAMP)

# A server database (DB=postgresql://…) is used as it is: an empty one shows the app's empty
# state, where "Load sample" fills it. A file is built from the sample when there is none.
ifneq (,$(findstring ://,$(DB)))
DB_FILE :=
else
DB_FILE := $(DB)
endif

# Built in a temporary file and moved into place, so a failed build never leaves half a database.
$(DB_FILE): | $(RUNTIME_STAMP)
	@mkdir -p $(dir $(DB))
	@rm -f $(DB).building*
	$(PY) -m cxdata sample --db $(DB).building
	mv $(DB).building $(DB)

# MALLOC_ARENA_MAX=2: every script run and read-ahead is a thread, and glibc gives threads up
# to eight malloc arenas per core, each keeping what it freed; on ten million responses with outcomes
# the server held 676 MB after three tours of the pages with the default, 517 MB with two.
run: $(RUNTIME_STAMP) $(DB_FILE)
	MALLOC_ARENA_MAX=2 CXDATA_DB='$(DB)' $(PY) -m streamlit run serve.py --server.address $(ADDRESS) \
		--server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# The suites that read and write the store, run again on a throwaway PostgreSQL server
# (tests/postgres.py; they fail under CI=true when the server binaries are missing).
PG_SUITES := tests/test_store.py tests/test_datasets.py tests/test_counts.py \
	tests/test_safekeeping.py tests/test_data_version.py tests/test_ingest*.py \
	tests/test_reliability_faults.py tests/test_reliability_input.py tests/test_cli*.py \
	tests/test_followups.py tests/test_departments.py tests/test_effects.py \
	tests/test_outcomes.py tests/test_maturity.py tests/test_milestones.py tests/test_themes.py \
	tests/test_sample.py tests/test_brief.py tests/test_verbatims.py tests/test_rows_stored.py \
	tests/test_sampling.py tests/pages

test: $(DEV_STAMP)
	$(PY) -m pytest
	$(PY) -m pytest -q --backend=postgres -m "not browser and not slow" $(PG_SUITES)

# The same PostgreSQL pass alone.
test-postgres: $(DEV_STAMP)
	$(PY) -m pytest -q --backend=postgres -m "not browser and not slow" $(PG_SUITES)

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

# make bench BENCH_ROWS=10000000 runs every benchmark at 10M rows (default 1,000,000).
bench: $(DEV_STAMP)
	@for script in benchmarks/bench_*.py; do BENCH_ROWS=$(BENCH_ROWS) $(PY) $$script || exit 1; done

sample: $(RUNTIME_STAMP)
	$(PY) -m cxdata sample --out sample_data

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
