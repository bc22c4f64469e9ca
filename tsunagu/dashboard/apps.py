from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "tsunagu.dashboard"
    label = "dashboard"
    verbose_name = "ダッシュボード"
