"""Rights: a participant sees only own answers, the facilitator sees all, observers and other
exercises' facilitators nothing (404)."""

import html

import pytest
from django.test import Client
from django.urls import reverse

from tests.decision.helpers import facilitator, facilitator_client, player_client
from tests.exercises.factories import sign_in
from wargame.exercises.services.exercises import exercise_create
from wargame.questionnaires.models import QuestionnaireResponse
from wargame.questionnaires.services import questionnaire_answer, questionnaire_window_set

from .test_validation import VALID

pytestmark = pytest.mark.django_db


@pytest.fixture
def exercise():
    return exercise_create(
        facilitator=facilitator(), scenario_slug="japan-korea-2025", title="Seminar", turns=2
    )


def _form_data(answers: dict) -> dict:
    return {k: v for k, v in answers.items()}


def _observer(exercise) -> Client:
    return sign_in(Client(), observe=exercise)


def test_a_participant_answers_in_the_browser_and_sees_only_own_answers(exercise):
    aiko_client, aiko = player_client(exercise, "japan", "Aiko")
    kenji_client, _ = player_client(exercise, "japan", "Kenji")
    url = reverse("questionnaires:answer", args=[exercise.pk, "pre"])

    page = aiko_client.get(url)
    assert page.status_code == 200
    assert "How likely is it that the US would come to Japan" in page.text

    sent = aiko_client.post(url, _form_data({**VALID, "open_reflection": "Aiko's secret view"}))
    assert sent.status_code == 302
    response = QuestionnaireResponse.objects.get(participant=aiko, phase="pre")
    assert response.answers["key_middle_power_partners"] == ["europe", "quad"]

    assert "Aiko's secret view" in html.unescape(aiko_client.get(url).text)
    assert "Aiko" not in kenji_client.get(url).text.split("<main")[1]
    team_page = kenji_client.get(reverse("exercises:team", args=[exercise.pk]))
    assert "Answer now" in team_page.text
    assert (
        "Change my answers" in aiko_client.get(reverse("exercises:team", args=[exercise.pk])).text
    )


def test_invalid_answers_come_back_with_the_reasons(exercise):
    client, _ = player_client(exercise, "japan", "Aiko")
    url = reverse("questionnaires:answer", args=[exercise.pk, "pre"])
    sent = client.post(url, _form_data({**VALID, "us_defends_japan": 140, "likely_future": ""}))
    assert sent.status_code == 422
    assert "Ensure this value is less than or equal to 100" in sent.text
    assert not QuestionnaireResponse.objects.exists()


def test_a_closed_questionnaire_is_read_only(exercise):
    client, aiko = player_client(exercise, "japan", "Aiko")
    questionnaire_answer(participant=aiko, phase="pre", answers=VALID)
    fac = facilitator_client(exercise)
    fac.post(reverse("questionnaires:window", args=[exercise.pk, "pre", "close"]))
    url = reverse("questionnaires:answer", args=[exercise.pk, "pre"])
    page = client.get(url)
    assert "This questionnaire is closed" in page.text
    assert "Send my answers" not in page.text
    client.post(url, _form_data({**VALID, "us_defends_japan": 1}))
    assert QuestionnaireResponse.objects.get(participant=aiko).answers["us_defends_japan"] == 70


def test_the_facilitator_sees_rates_and_distributions(exercise):
    _, aiko = player_client(exercise, "japan", "Aiko")
    player_client(exercise, "china", "Li")
    questionnaire_answer(
        participant=aiko, phase="pre", answers={**VALID, "open_reflection": "Hedge early"}
    )
    client = facilitator_client(exercise)
    rates = client.get(reverse("questionnaires:rates", args=[exercise.pk]))
    assert "1 of 2 answered" in rates.text
    control = client.get(reverse("exercises:control", args=[exercise.pk]))
    assert "1 of 2 answered" in control.text
    results = client.get(reverse("questionnaires:results", args=[exercise.pk]))
    assert results.status_code == 200
    assert "Hedge early" in results.text
    assert "Continued hide, plan and wait" in results.text


@pytest.mark.parametrize("name", ["results", "rates"])
def test_players_observers_and_other_facilitators_get_nothing(exercise, name):
    url = reverse(f"questionnaires:{name}", args=[exercise.pk])
    player, _ = player_client(exercise, "japan", "Aiko")
    other = Client()
    other.force_login(facilitator("mallory"))
    assert other.get(url).status_code == 404
    for client in (player, _observer(exercise), Client()):  # not logged in: to the login page
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_observers_and_other_facilitators_cannot_answer_or_switch(exercise):
    answer = reverse("questionnaires:answer", args=[exercise.pk, "pre"])
    switch = reverse("questionnaires:window", args=[exercise.pk, "pre", "close"])
    other = Client()
    other.force_login(facilitator("mallory"))
    for client in (_observer(exercise), other, Client()):
        assert client.get(answer).status_code == 404
        assert client.post(answer, VALID).status_code == 404
    assert other.post(switch).status_code == 404
    player, _ = player_client(exercise, "japan", "Aiko")
    assert player.post(switch).status_code == 302  # login_required: not a facilitator
    assert not QuestionnaireResponse.objects.exists()


def test_a_participant_cannot_reach_another_exercise(exercise):
    client, _ = player_client(exercise, "japan", "Aiko")
    elsewhere = exercise_create(
        facilitator=exercise.facilitator, scenario_slug="japan-korea-2025", title="Other"
    )
    url = reverse("questionnaires:answer", args=[elsewhere.pk, "pre"])
    assert client.get(url).status_code == 404
    assert (
        client.get(reverse("questionnaires:answer", args=[exercise.pk, "during"])).status_code
        == 404
    )


def test_teammates_who_arrived_together_each_see_their_own_cards(exercise):
    aiko_client, aiko = player_client(exercise, "japan", "Aiko")
    kenji_client, _ = player_client(exercise, "japan", "Kenji")
    team_page = reverse("exercises:team", args=[exercise.pk])
    cards = reverse("questionnaires:cards", args=[exercise.pk])
    assert "Answer now" in aiko_client.get(team_page).text
    assert "Answer now" in kenji_client.get(team_page).text

    questionnaire_answer(participant=aiko, phase="pre", answers=VALID)
    mei_client, _ = player_client(exercise, "japan", "Mei")  # arrives late

    assert "Change my answers" in aiko_client.get(team_page).text
    assert "Change my answers" in aiko_client.get(cards).text
    for latecomer in (kenji_client, mei_client):
        assert "Answer now" in latecomer.get(team_page).text
        assert "Answer now" in latecomer.get(cards).text

    questionnaire_window_set(
        exercise_id=exercise.pk, user=exercise.facilitator, phase="pre", is_open=False
    )

    assert "See my answers" in aiko_client.get(cards).text
    assert "Pre-exercise questionnaire" not in kenji_client.get(cards).text
    assert "Pre-exercise questionnaire" not in mei_client.get(team_page).text
