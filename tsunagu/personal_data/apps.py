from django.apps import AppConfig


class PersonalDataConfig(AppConfig):
    name = "tsunagu.personal_data"
    label = "personal_data"
    verbose_name = "個人情報の保存と開示"
