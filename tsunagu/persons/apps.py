from django.apps import AppConfig


class PersonsConfig(AppConfig):
    name = "tsunagu.persons"
    label = "persons"
    verbose_name = "相談者"
