from django.core.management.base import BaseCommand, CommandError

from tsunagu.api.services import api_token_issue
from tsunagu.organizations.models import User


class Command(BaseCommand):
    help = "職員アカウントにAPIトークンを発行し、トークンを表示します（一度だけ表示）。"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="用途（例：連携システム名）")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"ユーザー {options['username']} は存在しません。") from exc
        if not user.is_active:
            raise CommandError(f"ユーザー {user.username} は利用停止中です。")
        _, raw = api_token_issue(actor=None, user=user, name=options["name"])
        self.stdout.write(raw)
