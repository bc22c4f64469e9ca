from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tsunagu.demo.data import demo_totp_code, demo_usernames


class Command(BaseCommand):
    help = "デモ用アカウントの現在のTOTP確認コードを表示します（デモ環境のみ）。"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("username")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if not settings.TSUNAGU_ALLOW_DEMO_ACCOUNTS:
            raise CommandError("本番設定では使えません。")
        if options["username"] not in demo_usernames():
            raise CommandError("デモ用アカウントではありません。")
        self.stdout.write(demo_totp_code(options["username"]))
