# Shortcuts for the scripts in scripts/. Extra pytest arguments: make test ARGS="-k ledger -x"
.PHONY: run test lint bench

run:
	scripts/run.sh

test:
	scripts/test.sh $(ARGS)

# All four linters run even if one fails; the target fails if any did.
lint:
	@bash scripts/ensure-venv.sh dev
	@rc=0; \
	.venv/bin/ruff check . || rc=1; \
	.venv/bin/ruff format --check . || rc=1; \
	.venv/bin/mypy . || rc=1; \
	.venv/bin/lint-imports || rc=1; \
	exit $$rc

# Benchmarks print figures on a throwaway PostgreSQL (or on DATABASE_URL if set).
# One suite or a few: make bench SUITES="pricing insights"; the ceiling table: SUITES=ceiling
bench:
	scripts/bench.sh $(SUITES)
