#!/usr/bin/env python
"""The 10,000-row persons import, timed as a whole process (docs/performance.md, §6).

    python bench/import_persons.py prepare          # var/bench/import-base.sqlite3: migrated + demo data
    python bench/import_persons.py run --dry-run    # 確認のみ of a generated 10,000-row CSV
    python bench/import_persons.py run              # the real import (one transaction)

``run`` copies the prepared database to ``var/bench/import-run.sqlite3`` (so every run starts from
the same state), generates the file (deterministic: same names, フリガナ, birth dates, phones and
addresses each time), uploads it through ``imports.services.import_job_create`` as
``shinjuku-center`` — the background task runs in the calling process (bench/settings.py) — and
prints the job's status and the seconds it took. Time the whole command with ``/usr/bin/time -v``
or any process timer; the figure printed is the import alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
BASE_DB = BENCH_DIR / "import-base.sqlite3"
RUN_DB = BENCH_DIR / "import-run.sqlite3"
KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"


def persons_csv(rows: int = 10_000) -> bytes:
    """A persons file as a centre would send it: 氏名, フリガナ, 生年月日 (和暦), 電話番号, 住所."""
    lines = ["氏名,フリガナ,生年月日,電話番号,住所\r\n"]
    for i in range(rows):
        kana = f"タイリョウ {KANA[i % 43]}{KANA[i // 43 % 43]}{KANA[i // 1849 % 43]}"
        birth = f"昭和{30 + i % 34}年{1 + i % 12}月{1 + i % 28}日" if i % 3 else ""
        phone = f"090-{i % 10_000:04d}-{(i * 7) % 10_000:04d}" if i % 2 else ""
        address = f"東京都新宿区西新宿{1 + i % 8}-{1 + i % 30}-{1 + i % 20}" if i % 4 else ""
        lines.append(f"大量 {i:05d},{kana},{birth},{phone},{address}\r\n")
    return "".join(lines).encode("cp932")


def _setup(db: Path) -> None:
    os.environ["BENCH_DATABASE_URL"] = f"sqlite:///{db}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()


def prepare() -> None:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{BASE_DB}{suffix}").unlink(missing_ok=True)
    _setup(BASE_DB)
    from django.core.management import call_command
    from django.db import connection

    from tsunagu.demo.data import load_demo_data

    call_command("migrate", verbosity=0)
    load_demo_data()
    connection.close()
    with sqlite3.connect(BASE_DB) as raw:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"prepared {BASE_DB}")


def run(dry_run: bool) -> None:
    if not BASE_DB.exists():
        raise SystemExit(f"{BASE_DB} がありません。先に prepare を実行してください。")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{RUN_DB}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(BASE_DB, RUN_DB)
    _setup(RUN_DB)
    from tsunagu.imports.models import ImportJob
    from tsunagu.imports.services import import_job_create
    from tsunagu.organizations.models import User

    actor = User.objects.get(username="shinjuku-center")
    data = persons_csv()
    started = time.monotonic()
    job = import_job_create(actor=actor, kind="persons", file_name="bench.csv", data=data, dry_run=dry_run)
    elapsed = time.monotonic() - started
    job = ImportJob.objects.get(pk=job.pk)
    print(
        f"{'dry run' if dry_run else 'real run'}: {job.status} {job.message} ({job.total} rows) {elapsed:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("what", choices=["prepare", "run"])
    parser.add_argument("--dry-run", action="store_true", help="確認のみ（何も書き込まない）")
    args = parser.parse_args()
    if args.what == "prepare":
        prepare()
    else:
        run(args.dry_run)


if __name__ == "__main__":
    main()
