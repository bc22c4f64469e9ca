"""``manage.py retention_review [--as-of 2031-04-01]``: this month's 保存期間の確認 (run monthly, e.g. by cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.core.dates import parse_date
from tsunagu.personal_data import retention


class Command(BaseCommand):
    help = "保存期間を過ぎた記録の一覧（今月分）を機関・自治体ごとに作成します。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", default="", help="基準日（省略時は今日）")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = parse_date(options["as_of"]) if options["as_of"] else None
        reviews = retention.monthly_reviews(as_of)
        for r in reviews:
            self.stdout.write(f"{r.municipality.name} {r.agency.name}: {r.items.count()}件")
        self.stdout.write(f"保存期間の確認を{len(reviews)}件作成・更新しました。")
