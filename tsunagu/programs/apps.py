from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "tsunagu.programs"
    label = "programs"
    verbose_name = "法定事業（住居確保給付金ほか）"

    def ready(self) -> None:
        from tsunagu.cases import hub

        from .hub import contributor

        hub.register(contributor)
