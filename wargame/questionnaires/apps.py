from django.apps import AppConfig


class QuestionnairesConfig(AppConfig):
    name = "wargame.questionnaires"
    verbose_name = "Questionnaires"
