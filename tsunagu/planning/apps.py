from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "tsunagu.planning"
    label = "planning"
    verbose_name = "事業計画と評価"
