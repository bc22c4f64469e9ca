from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "tsunagu.imports"
    label = "imports"
    verbose_name = "スプレッドシートからの取り込み"
