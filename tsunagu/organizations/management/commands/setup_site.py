"""初期設定（setup_site）: the first システム管理者 of an empty installation.

``manage.py setup_site --username admin [--display-name 氏名] [--email a@example.jp]
[--password-stdin]``. Refuses while an active システム管理者 exists. Prints the temporary
password once (unless it was read from standard input); the account has no TOTP yet, so the
first login goes straight to the TOTP enrolment, then to the change of the temporary password
(``organizations.middleware.MfaRequiredMiddleware``).
Everything else (都道府県・自治体・機関・職員) is done in the 初期設定 screens (``/setup/``).
Seeds the 47 prefectures if they are missing. Audited with actor None (the system); the audit row
holds no secret. Depends on no demo setting: it runs under ``config.settings.production``.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tsunagu.organizations import services
from tsunagu.organizations.models import User
from tsunagu.organizations.prefectures import ensure_prefectures
from tsunagu.organizations.roles import Role


class Command(BaseCommand):
    help = "最初のシステム管理者アカウントを作成します（初回ログイン時に多要素認証の登録が必須）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="ログインに使うユーザー名")
        parser.add_argument("--display-name", default="システム管理者", help="氏名（画面に表示）")
        parser.add_argument("--email", default="", help="メールアドレス（任意）")
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="パスワードを標準入力から読み込みます（指定しない場合は仮パスワードを生成して表示）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username = (options["username"] or "").strip()
        if not username:
            raise CommandError("ユーザー名を指定してください（--username）。")
        password: str | None = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("標準入力からパスワードを読み込めませんでした。")
        generated = password is None
        if generated:
            password = services.temporary_password()
        with transaction.atomic():
            active = User.objects.filter(is_active=True, roles__role=Role.SYSTEM_ADMIN).exists()
            if active:
                raise CommandError(
                    "有効なシステム管理者が既に存在するため、作成しませんでした。"
                    "職員アカウントは初期設定の画面（/setup/）から登録してください。"
                )
            created = ensure_prefectures()
            try:
                services.staff_create(
                    actor=None,
                    username=username,
                    display_name=options["display_name"],
                    email=options["email"],
                    roles=[Role.SYSTEM_ADMIN],
                    password=password,
                    must_change_password=generated,
                )
            except ValidationError as exc:
                raise CommandError("作成できませんでした：" + " ".join(exc.messages)) from exc
        if created:
            self.stdout.write(f"都道府県（{created}件）を登録しました。")
        self.stdout.write(self.style.SUCCESS(f"システム管理者「{username}」を作成しました。"))
        if generated:
            self.stdout.write(f"仮パスワード：{password}")
            self.stdout.write("この仮パスワードは一度だけ表示されます。安全な方法で控えてください。")
        first_login = (
            "認証アプリ（TOTP）の登録と、仮パスワードの変更" if generated else "認証アプリ（TOTP）の登録"
        )
        self.stdout.write(
            f"初回ログイン時に{first_login}が求められます。"
            "ログイン後、初期設定の画面で都道府県・自治体・機関・職員を登録してください。"
        )
