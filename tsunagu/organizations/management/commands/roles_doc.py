"""Write docs/roles.md from the permission table (``roles.PERMISSIONS``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.organizations.roles import roles_doc_markdown

DEFAULT_PATH = Path(settings.BASE_DIR) / "docs" / "roles.md"


class Command(BaseCommand):
    help = (
        "権限表（roles.py の PERMISSIONS）から docs/roles.md を生成します。--check は差分があれば失敗します。"
    )
    requires_system_checks: list[str] = []  # a documentation generator needs no database or URLs

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="書き込まず、ファイルが最新か確かめます。")
        parser.add_argument("--path", default=str(DEFAULT_PATH), help="出力先（既定: docs/roles.md）")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        text = roles_doc_markdown()
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if options["check"]:
            if current != text:
                raise CommandError(
                    f"{path} が権限表と一致しません。`python manage.py roles_doc` で再生成してください。"
                )
            self.stdout.write(f"{path} は最新です。")
            return
        if current == text:
            self.stdout.write(f"{path} は最新です（変更なし）。")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(self.style.SUCCESS(f"{path} を書き出しました。"))
