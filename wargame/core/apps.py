from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wargame.core"
    verbose_name = "Wargame kit"
