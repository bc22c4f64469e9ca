# つなぐ (Tsunagu) — two commands: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A Python 3.12+ interpreter already on this machine (never downloaded).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.14 python3 python; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then \
	echo $$p; break; fi; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock 2>/dev/null | cut -c1-12)

.PHONY: help setup demo test lint pytest pytest-postgres lock bench bench-curve clean

help:
	@echo "make demo   セットアップしてデモを http://127.0.0.1:8000 で起動します"
	@echo "make test   全テスト（静的検査を含む）を実行します"

setup: $(STAMP)

$(STAMP): requirements.lock
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 以上が見つかりません。インストールしてから再実行してください。" >&2; exit 1; fi
	@if [ ! -x $(PY) ]; then echo "仮想環境を作成します: $(PYTHON) -m venv $(VENV)"; $(PYTHON) -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

demo: setup
	@scripts/demo.sh

test: setup
	@scripts/test.sh

lint: setup
	@scripts/test.sh --lint-only

# Re-create the lock file after editing pyproject.toml (needs network access to PyPI).
lock:
	$(PY) -m pip install --quiet uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev --universal --generate-hashes --python-version 3.12 -o requirements.lock

# Benchmarks (docs/performance.md); not part of `make test`. The data sets are created and loaded
# on first use (tier M on PostgreSQL takes about 10 minutes) and reused afterwards.
BENCH_TIER ?= M
bench: setup
	$(PY) bench/run.py --engine postgres --tier $(BENCH_TIER)
	$(PY) bench/run.py --engine sqlite --tier S

# O1 and O3 at 10^3, 10^4 and 10^5 persons: growth must be sub-linear.
bench-curve: setup
	for n in 1000 10000 100000; do $(PY) bench/run.py --engine postgres --persons $$n --ops O1,O3 || exit 1; done
	$(PY) bench/curve.py

clean:
	rm -rf $(VENV) var/*.sqlite3* staticfiles
