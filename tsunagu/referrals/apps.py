from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "tsunagu.referrals"
    label = "referrals"
    verbose_name = "つなぎ・第三者提供の記録"

    def ready(self) -> None:
        from . import receivers

        receivers.connect()

        from tsunagu.cases import hub

        from .hub import contributor

        hub.register(contributor)
