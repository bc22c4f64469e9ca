from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "tsunagu.cases"
    label = "cases"
    verbose_name = "ケース（相談受付〜終結）"

    def ready(self) -> None:
        # An agency is not made 無効 while it still has open cases (organizations/hub.py).
        from tsunagu.organizations import hub

        from .models import OPEN_STATES, Case

        def open_cases(agency_id: int) -> tuple[str, int]:
            return (
                "終結していないケース",
                Case.objects.filter(agency_id=agency_id, state__in=list(OPEN_STATES)).count(),
            )

        hub.register_open_work("cases", open_cases)
