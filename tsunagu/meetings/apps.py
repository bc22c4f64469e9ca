from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "tsunagu.meetings"
    label = "meetings"
    verbose_name = "支援調整会議・支援会議・支援決定"

    def ready(self) -> None:
        from tsunagu.cases import hub

        from .hub import contributor

        hub.register(contributor)
