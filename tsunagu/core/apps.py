from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """``migrate`` also creates the database cache table (CACHES: TOTP replay protection and rate
    limits use it), so no deployment can forget ``createcachetable``. It does nothing when the
    table exists."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


BLANK_CHOICE_LABEL = "（選択してください）"


class CoreConfig(AppConfig):
    name = "tsunagu.core"
    label = "core"
    verbose_name = "共通基盤"

    def ready(self) -> None:
        # Django's empty choice of a select ("- Select an option -") has no Japanese translation;
        # this is the one place that labels it, for every form (Django documents overriding it here).
        from django.db.models import fields

        fields.BLANK_CHOICE_LABEL = BLANK_CHOICE_LABEL
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="tsunagu_core_create_cache_table")
