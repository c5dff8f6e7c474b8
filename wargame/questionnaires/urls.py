from django.urls import path

from wargame.questionnaires import views

app_name = "questionnaires"

urlpatterns = [
    path("play/<int:exercise_id>/questionnaire/<slug:phase>/", views.answer, name="answer"),
    path("play/<int:exercise_id>/questionnaires/cards/", views.cards, name="cards"),
    path("exercises/<int:exercise_id>/questionnaires/", views.results, name="results"),
    path("exercises/<int:exercise_id>/questionnaires/rates/", views.rates, name="rates"),
    path(
        "exercises/<int:exercise_id>/questionnaires/<slug:phase>/<slug:action>/",
        views.set_window,
        name="window",
    ),
]
