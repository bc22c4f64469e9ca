from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "tsunagu.organizations"
    label = "organizations"
    verbose_name = "組織・職員"

    def ready(self) -> None:
        from . import signals  # noqa: F401
