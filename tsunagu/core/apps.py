from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """``migrate`` also creates the database cache table (CACHES: TOTP replay protection and rate
    limits use it), so no deployment can forget ``createcachetable``. It does nothing when the
    table exists."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class CoreConfig(AppConfig):
    name = "tsunagu.core"
    label = "core"
    verbose_name = "共通基盤"

    def ready(self) -> None:
        post_migrate.connect(create_cache_table, sender=self, dispatch_uid="tsunagu_core_create_cache_table")
