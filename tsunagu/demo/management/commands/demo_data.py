from django.core.management.base import BaseCommand

from tsunagu.demo.data import DEMO_PASSWORD, demo_totp_secret, demo_usernames, load_demo_data


class Command(BaseCommand):
    help = "デモデータ（新宿区・蓮田市、全ロールの職員、関係機関など）を投入します。何度実行しても同じ結果になります。"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--quiet-logins", action="store_true", help="ログイン情報を表示しない")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        counts = load_demo_data()
        self.stdout.write(
            self.style.SUCCESS(
                "デモデータを投入しました: " + ", ".join(f"{k}={v}" for k, v in counts.items())
            )
        )
        if options["quiet_logins"]:
            return
        self.stdout.write("")
        self.stdout.write("デモ用ログイン（パスワードは全員共通）: " + DEMO_PASSWORD)
        self.stdout.write(
            "ログイン後の確認コード（TOTP）: python manage.py demo_totp <ユーザー名>  で表示できます。"
        )
        self.stdout.write("認証アプリに登録する場合の秘密鍵も下に示します。")
        self.stdout.write("")
        for username in demo_usernames():
            self.stdout.write(f"  {username:<20} TOTP秘密鍵 {demo_totp_secret(username)}")
