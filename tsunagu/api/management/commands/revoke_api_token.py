from django.core.management.base import BaseCommand, CommandError

from tsunagu.api.models import ApiToken, token_hash
from tsunagu.api.services import api_token_revoke


class Command(BaseCommand):
    help = "APIトークンを失効させます（トークン本体、または先頭8文字を指定）。"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("token", help="トークン、または先頭8文字（例：tsg_AbCd）")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        value = options["token"]
        qs = ApiToken.objects.filter(revoked_at__isnull=True)
        matches = list(qs.filter(token_hash=token_hash(value))) or list(qs.filter(prefix=value[:8]))
        if len(matches) != 1:
            raise CommandError("該当する有効なトークンが1件に特定できません。")
        api_token_revoke(actor=None, token=matches[0])
        self.stdout.write(f"失効しました: {matches[0].prefix}…（{matches[0].user.username}）")
