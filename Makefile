# jiuzhu — developer entry points. Every target works from a fresh clone.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

PORT   ?= 8000
DEMO_ENV := DJANGO_SETTINGS_MODULE=jiuzhu.config.settings.demo JIUZHU_DATA_DIR=data/demo

.PHONY: install test lint typecheck bench bench-quick clean demo system-deps

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy

test: install lint typecheck
	$(BIN)/jiuzhu params check
	$(BIN)/pytest -q -n auto --durations=15

# rules engine (no database), then the platform, cases, verification, payments and
# monitoring on PostgreSQL (BENCH_PG, default local); sizes by environment variables
# (BENCH_VERIFY_*, BENCH_ENTITLEMENTS, BENCH_MON_*; see each module's docstring)
bench: install
	$(BIN)/python -m benchmarks.run --write docs/benchmarks.md
	$(BIN)/python -m benchmarks.platform_pg --append docs/benchmarks.md
	$(BIN)/python -m benchmarks.cases_pg --append docs/benchmarks.md
	$(BIN)/python -m benchmarks.verification_bench --append docs/benchmarks.md
	$(BIN)/python -m benchmarks.payments_pg --append docs/benchmarks.md
	$(BIN)/python -m benchmarks.monitoring_pg --append docs/benchmarks.md

bench-quick: install
	$(BIN)/python -m benchmarks.run --quick
	BENCH_MON_SKIP_PG=1 $(BIN)/python -m benchmarks.monitoring_pg --quick

# make demo [PORT=8000]: the platform on SQLite with 2,000 synthetic households and demo accounts
# optional system library: PDFs render without it, 25x slower (best effort, needs root)
system-deps:
	@ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || \
	  apt-get install -y libharfbuzz-subset0 >/dev/null 2>&1 || \
	  echo "note: install libharfbuzz-subset0 for fast PDF notices (see docs/operations.md)"

demo: install system-deps
	$(DEMO_ENV) $(BIN)/jiuzhu manage migrate --noinput -v 0
	@echo "collecting static files (about 15 s the first time) …"
	$(DEMO_ENV) $(BIN)/jiuzhu manage collectstatic --noinput -v 0
	$(DEMO_ENV) $(BIN)/jiuzhu demo seed --households 2000 --if-empty
	$(DEMO_ENV) $(BIN)/jiuzhu demo accounts
	@echo "jiuzhu demo on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	$(DEMO_ENV) $(BIN)/jiuzhu serve --host 127.0.0.1 --port $(PORT)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info src/*.egg-info
