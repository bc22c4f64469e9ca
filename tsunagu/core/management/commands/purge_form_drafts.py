"""manage.py purge_form_drafts: delete the form drafts (下書き) not saved for N days.

A draft is kept while the user types and deleted when the record is saved; one left behind (the
page was closed and never opened again) is no longer restored after ``DRAFT_RETENTION_DAYS`` days
and is deleted by this command. Run it daily (cron / systemd timer, docs/deploy.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tsunagu.core.drafts import DRAFT_RETENTION_DAYS, purge_drafts


class Command(BaseCommand):
    help = "保存期間を過ぎた入力中の下書きを削除します。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=DRAFT_RETENTION_DAYS, help="この日数より前の下書きを削除します。"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        n = purge_drafts(days=max(1, options["days"]))
        self.stdout.write(f"下書きを{n}件削除しました。")
