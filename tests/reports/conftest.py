"""Finished exercises to report on: the bots' 8-turn demo, one with hostile text, and one
whose facilitator overrode the adjudication."""

import io
from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from tests.exercises.factories import sign_in
from wargame.celery import app as celery_app
from wargame.exercises.models import Exercise, Participant, Turn
from wargame.exercises.services.audit import facilitator_actor
from wargame.exercises.services.exercises import exercise_create, exercise_start
from wargame.exercises.services.messages import message_send
from wargame.exercises.services.moves import move_submit, participant_join
from wargame.exercises.services.turns import (
    turn_adjudicate,
    turn_adjust_indicator,
    turn_edit_narrative,
    turn_lock,
    turn_publish,
)

# Actions that cannot fail and take no target, one per team of the built-in scenario.
SAFE_ACTION = {
    "japan": "jp_trillion_investment",
    "south_korea": "kr_investment_offer",
    "united_states": "us_alaska_pitch",
    "china": "cn_domestic_stimulus",
}
HOSTILE = '<script>alert("x")</script>'
FORMULA = '=HYPERLINK("http://x.io","go")'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def eager() -> Iterator[None]:
    """Run enqueued tasks in-process, as embedded mode does (also when REDIS_URL is set)."""
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


def play_demo(*args: str) -> Exercise:
    out = io.StringIO()
    call_command("setup_demo", stdout=out)
    call_command("play_demo", *args, stdout=out)
    return Exercise.objects.filter(title__startswith="Demo: ").order_by("-pk").first()


@pytest.fixture
def demo(db) -> Exercise:
    """The bots' finished 8-turn, 4-team exercise (``play_demo --finish``)."""
    exercise = play_demo("--finish")
    assert exercise.status == Exercise.Status.FINISHED and exercise.turns == 8
    return exercise


@pytest.fixture
def facilitator(db):
    return get_user_model().objects.get_or_create(username="facilitator")[0]


def adjudicate_turn(exercise: Exercise, players: dict[str, Participant], answers: dict) -> Turn:
    """Every team submits its answers; the open turn is locked and adjudicated."""
    turn = Turn.objects.get(exercise=exercise, status=Turn.Status.OPEN)
    for key, participant in players.items():
        move_submit(participant=participant, turn_id=turn.pk, base_revision=0, answers=answers[key])
    turn_lock(turn_id=turn.pk, actor=facilitator_actor(exercise.facilitator), reason="test")
    turn_adjudicate(turn_id=turn.pk)
    return turn


def play_turn(exercise: Exercise, players: dict[str, Participant], answers: dict) -> Turn:
    turn = adjudicate_turn(exercise, players, answers)
    return turn_publish(turn_id=turn.pk, user=exercise.facilitator)


@pytest.fixture
def hostile(facilitator) -> Exercise:
    """A finished 2-turn exercise whose players wrote markup and spreadsheet formulas."""
    exercise = exercise_create(
        facilitator=facilitator,
        scenario_slug="japan-korea-2025",
        title=f"Seminar {HOSTILE}",
        turns=2,
        seed=7,
    )
    players = {
        team.key: participant_join(team=team, display_name=f"{HOSTILE} {team.key}"[:40])
        for team in exercise.teams.all()
    }
    players["japan"] = participant_join(team=exercise.teams.get(key="japan"), display_name=FORMULA)
    exercise_start(exercise_id=exercise.pk, user=facilitator)
    message_send(sender=players["china"], channel="public", body=f"{FORMULA} {HOSTILE}")
    others = list(players)
    answers = {
        key: {
            "actions": [{"action": SAFE_ACTION[key], "target": None, "intensity": None}],
            "objective": f"{FORMULA} objective",
            "expectations": {other: f"{HOSTILE} from {other}" for other in others if other != key},
            "confidence": 4,
            "rationale": f"{HOSTILE}\nsecond line",
            "statement": f"-1 {HOSTILE}",
        }
        for key in players
    }
    for _ in range(2):
        play_turn(exercise, players, answers)
    exercise.refresh_from_db()
    assert exercise.status == Exercise.Status.FINISHED
    return exercise


@pytest.fixture
def overridden(facilitator) -> Exercise:
    """A finished 2-turn exercise whose facilitator, in turn 1, adjusted an indicator and
    rewrote a narrative, each with a reason, before publishing."""
    exercise = exercise_create(
        facilitator=facilitator,
        scenario_slug="japan-korea-2025",
        title="Seminar with overrides",
        turns=2,
        seed=11,
    )
    players = {
        team.key: participant_join(team=team, display_name=f"Player {team.key}")
        for team in exercise.teams.all()
    }
    answers = {
        key: {
            "actions": [{"action": SAFE_ACTION[key], "target": None, "intensity": None}],
            "objective": f"Objective of {key}",
            "expectations": {other: f"{other} stays calm" for other in players if other != key},
            "confidence": 3,
            "rationale": f"Rationale of {key}",
            "statement": f"Statement of {key}",
        }
        for key in players
    }
    exercise_start(exercise_id=exercise.pk, user=facilitator)
    turn = adjudicate_turn(exercise, players, answers)
    turn_adjust_indicator(
        turn_id=turn.pk,
        indicator="nk_deterrence",
        amount=-4.5,
        reason="The missile test was bigger than the dice said.",
        user=facilitator,
    )
    turn_edit_narrative(
        turn_id=turn.pk,
        subject="japan",
        text="Tokyo's pledge lands well in Washington.",
        reason="Clearer for the students.",
        user=facilitator,
    )
    turn_publish(turn_id=turn.pk, user=facilitator)
    play_turn(exercise, players, answers)
    exercise.refresh_from_db()
    assert exercise.status == Exercise.Status.FINISHED
    return exercise


def client_as_player(participant: Participant) -> Client:
    return sign_in(Client(), player=participant)


def client_as_observer(exercise: Exercise) -> Client:
    return sign_in(Client(), observe=exercise)


def client_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
