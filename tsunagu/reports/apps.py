from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "tsunagu.reports"
    label = "reports"
    verbose_name = "帳票（実施主体への報告）"

    def ready(self) -> None:
        # The printed forms register themselves in ``printing.FORMS``.
        from . import forms_case, forms_housing  # noqa: F401
