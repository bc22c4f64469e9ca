from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "tsunagu.network"
    label = "network"
    verbose_name = "関係機関・つなぎ"
