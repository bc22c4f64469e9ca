from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "tsunagu.meetings"
    label = "meetings"
    verbose_name = "支援調整会議・支援会議・支援決定"
