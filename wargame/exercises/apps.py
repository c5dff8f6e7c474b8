from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "wargame.exercises"
    verbose_name = "Exercises"
