from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "tsunagu.statistics"
    label = "statistics"
    verbose_name = "統計と評価"
