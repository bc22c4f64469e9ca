#!/usr/bin/env bash
# make test: static checks, the suite on SQLite (browser tests included), then on PostgreSQL.
# With CI=true the PostgreSQL run and the browser tests are mandatory: missing → failure.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
CI=${CI:-false}
export PYTHONDONTWRITEBYTECODE=1

echo "== 静的検査: ruff, mypy, djLint, import-linter, makemigrations --check"
$BIN/ruff check .
$BIN/ruff format --check .
$BIN/mypy tsunagu config
$BIN/djlint templates tsunagu --lint --quiet
$BIN/lint-imports --no-cache
DJANGO_SETTINGS_MODULE=config.settings.test $BIN/python manage.py makemigrations --check --dry-run >/dev/null \
  || { echo "モデルの変更に対応するマイグレーションがありません（makemigrations を実行してください）。" >&2; exit 1; }
if [ "${1:-}" = "--lint-only" ]; then exit 0; fi

if [ "$CI" = "true" ]; then scripts/system-deps.sh; else scripts/system-deps.sh || true; fi

echo "== テスト: SQLite（実ブラウザのテストを含む）"
$BIN/pytest -q

PG_URL=${TSUNAGU_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/tsunagu}
if $BIN/python scripts/pg_prepare_test_db.py "$PG_URL"; then
  echo "== テスト: PostgreSQL"
  DATABASE_URL="$PG_URL" $BIN/pytest -q --reuse-db -m "not browser"
elif [ "$CI" = "true" ]; then
  echo "CI では PostgreSQL のテストは必須ですが、$PG_URL に接続できません。" >&2
  exit 1
else
  echo "== PostgreSQL に接続できないため、PostgreSQL でのテストは実行しませんでした（CI では必須）。"
fi
