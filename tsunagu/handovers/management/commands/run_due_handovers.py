"""manage.py run_due_handovers: execute the planned 委託先の変更 whose 引継ぎ日 has come (cron, daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.handovers.services import run_due_handovers


class Command(BaseCommand):
    help = "引継ぎ日が来た委託先の変更（予定）を実施します。"

    def handle(self, *args: Any, **options: Any) -> None:
        done = run_due_handovers()
        self.stdout.write(f"実施した引継ぎ：{len(done)}件")
