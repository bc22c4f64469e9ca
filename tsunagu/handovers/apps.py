from django.apps import AppConfig


class HandoversConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tsunagu.handovers"
    verbose_name = "委託先の変更（引継ぎ）"
