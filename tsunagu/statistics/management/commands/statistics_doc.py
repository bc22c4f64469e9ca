"""Write docs/statistics-definitions.md from the indicator definitions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.statistics.docs import definitions_markdown

DEFAULT_PATH = Path(settings.BASE_DIR) / "docs" / "statistics-definitions.md"


class Command(BaseCommand):
    help = "指標の定義から docs/statistics-definitions.md を生成します。--check は差分があれば失敗します。"
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="書き込まず、ファイルが最新か確かめます。")

    def handle(self, *args: Any, **options: Any) -> None:
        text = definitions_markdown()
        current = DEFAULT_PATH.read_text(encoding="utf-8") if DEFAULT_PATH.exists() else None
        if options["check"]:
            if current != text:
                raise CommandError(
                    f"{DEFAULT_PATH} が最新ではありません。`python manage.py statistics_doc` で再生成してください。"
                )
            self.stdout.write(f"{DEFAULT_PATH} は最新です。")
            return
        DEFAULT_PATH.write_text(text, encoding="utf-8")
        self.stdout.write(f"{DEFAULT_PATH} を書き込みました。")
