from django.apps import AppConfig


class MastersConfig(AppConfig):
    name = "tsunagu.masters"
    label = "masters"
    verbose_name = "区分マスタ（自治体ごと）"
