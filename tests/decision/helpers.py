"""Exercises for decision-support tests, built through the services as a user would."""

from django.contrib.auth import get_user_model
from django.test import Client

from tests.exercises.factories import sign_in
from wargame.exercises.models import Exercise, Participant, Turn
from wargame.exercises.services.audit import facilitator_actor
from wargame.exercises.services.exercises import exercise_create, exercise_start
from wargame.exercises.services.moves import participant_join
from wargame.exercises.services.turns import turn_adjudicate, turn_lock, turn_publish

SCENARIO = "japan-korea-2025"
PASSWORD = "correct horse battery staple"


def facilitator(name: str = "alice"):
    return get_user_model().objects.create_user(name, password=PASSWORD)


def running_exercise(*, user=None, turns: int = 4, seed: int = 7, **kwargs) -> Exercise:
    exercise = exercise_create(
        facilitator=user or facilitator(),
        scenario_slug=SCENARIO,
        title="Decision support seminar",
        turns=turns,
        seed=seed,
        **kwargs,
    )
    exercise_start(exercise_id=exercise.pk, user=exercise.facilitator)
    exercise.refresh_from_db()
    return exercise


def current(exercise: Exercise) -> Turn:
    return exercise.turn_set.order_by("-number").first()


def play_turn(exercise: Exercise) -> Turn:
    """Lock, adjudicate (every team holds) and publish the current turn; the next opens."""
    turn = current(exercise)
    assert turn_lock(
        turn_id=turn.pk, actor=facilitator_actor(exercise.facilitator), reason="facilitator"
    )
    turn_adjudicate(turn_id=turn.pk)
    turn_publish(turn_id=turn.pk, user=exercise.facilitator)
    exercise.refresh_from_db()
    return current(exercise)


def player_client(
    exercise: Exercise, team_key: str, name: str = "Aiko"
) -> tuple[Client, Participant]:
    participant = participant_join(team=exercise.teams.get(key=team_key), display_name=name)
    return sign_in(Client(), player=participant), participant


def facilitator_client(exercise: Exercise) -> Client:
    client = Client()
    client.force_login(exercise.facilitator)
    return client
