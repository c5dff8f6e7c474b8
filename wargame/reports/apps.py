from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "wargame.reports"
    label = "reports"
    verbose_name = "After-action reports"
