#!/usr/bin/env bash
# make demo: migrate, load the demo data, start the task worker and the web server.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=config.settings.demo

$PY manage.py migrate --noinput   # also creates the cache table (tsunagu/core/apps.py)
$PY manage.py demo_data >/dev/null
# 統計・事業計画の画面に意味のある数が出るよう、過去10年度分の合成データ（2,000人分、決定的）を一度だけ投入します。
echo "統計用の過去データ（合成データ）を準備しています…（初回のみ、数十秒かかります）"
$PY manage.py generate_synthetic --persons 2000 --skip-if-loaded >var/synthetic.log 2>&1 \
  || { cat var/synthetic.log >&2; exit 1; }
$PY manage.py demo_data

$PY manage.py db_worker >var/worker.log 2>&1 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM

echo ""
echo "バックグラウンド処理（db_worker）を起動しました（ログ: var/worker.log）。"
echo "つなぐ を http://127.0.0.1:8000 で起動します。終了するには Ctrl+C を押してください。"
$PY manage.py runserver 127.0.0.1:8000 --noreload
