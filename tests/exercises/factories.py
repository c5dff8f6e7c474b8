"""Exercises, players and moves for tests, built through the services as a user would.

Nothing here writes exercise rows directly: an exercise is created with ``exercise_create``,
started with ``exercise_start``, joined with ``participant_join`` and played with the move and
turn services, so every fixture goes through the same checks and audit trail as the app.
"""

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.test import Client

from wargame.exercises.access import ROLES_COOKIE, BrowserRoles
from wargame.exercises.models import Exercise, Move, Participant, Turn
from wargame.exercises.services.audit import facilitator_actor
from wargame.exercises.services.exercises import exercise_create, exercise_start
from wargame.exercises.services.moves import move_save_draft, move_submit, participant_join
from wargame.exercises.services.turns import turn_adjudicate, turn_lock, turn_publish

SCENARIO = "japan-korea-2025"
PASSWORD = "correct horse battery staple"

# Actions that cannot fail and take no target: a valid move for each team of the scenario.
SAFE_ACTION = {
    "japan": "jp_trillion_investment",
    "south_korea": "kr_investment_offer",
    "united_states": "us_alaska_pitch",
    "china": "cn_domestic_stimulus",
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"facilitator{n}")
    password = factory.django.Password(PASSWORD)


def make_exercise(facilitator=None, *, turns: int = 3, seed: int = 2025, **kwargs) -> Exercise:
    """An exercise of the built-in scenario, in setup."""
    return exercise_create(
        facilitator=facilitator or UserFactory(),
        scenario_slug=SCENARIO,
        title=kwargs.pop("title", "Seminar exercise"),
        turns=turns,
        seed=seed,
        **kwargs,
    )


def start(exercise: Exercise) -> Turn:
    turn = exercise_start(exercise_id=exercise.pk, user=exercise.facilitator)
    exercise.refresh_from_db()
    return turn


def join(exercise: Exercise, team_key: str, name: str) -> Participant:
    return participant_join(team=exercise.teams.get(key=team_key), display_name=name)


def sign_in(
    client: Client, *, player: Participant | None = None, observe: Exercise | None = None
) -> Client:
    """The browser plays as ``player`` or observes ``observe``, as opening its join, rejoin
    or observer link would make it; roles it had are kept."""
    roles = BrowserRoles.from_cookies({name: c.value for name, c in client.cookies.items()})
    if player is not None:
        roles = roles.with_player(player)
    if observe is not None:
        roles = roles.with_observer(observe)
    client.cookies[ROLES_COOKIE] = roles.cookie_value()
    return client


def current_turn(exercise: Exercise) -> Turn:
    return exercise.turn_set.order_by("-number").first()


def move_of(turn: Turn, team_key: str) -> Move:
    return Move.objects.get(turn=turn, team__key=team_key)


def answers(team_key: str, **changes: Any) -> dict[str, Any]:
    """A complete, valid move for the team: one action that cannot fail, and every answer."""
    move = {
        "actions": [{"action": SAFE_ACTION[team_key], "target": None, "intensity": None}],
        "objective": f"{team_key} objective",
        "expectations": {},
        "confidence": 3,
        "rationale": f"{team_key} rationale",
        "statement": "",
    }
    move.update(changes)
    return move


def save_draft(participant: Participant, turn: Turn, team_answers=None, *, base=None) -> Move:
    team_key = participant.team.key
    if base is None:
        base = move_of(turn, team_key).revision
    return move_save_draft(
        participant=participant,
        turn_id=turn.pk,
        base_revision=base,
        answers=team_answers if team_answers is not None else answers(team_key),
    )


def submit(participant: Participant, turn: Turn, team_answers=None, *, base=None) -> Move:
    team_key = participant.team.key
    if base is None:
        base = move_of(turn, team_key).revision
    return move_submit(
        participant=participant,
        turn_id=turn.pk,
        base_revision=base,
        answers=team_answers if team_answers is not None else answers(team_key),
    )


def lock(turn: Turn) -> bool:
    return turn_lock(
        turn_id=turn.pk, actor=facilitator_actor(turn.exercise.facilitator), reason="facilitator"
    )


def lock_and_adjudicate(turn: Turn) -> Turn:
    """Lock the turn and adjudicate it, as the task enqueued by the lock would."""
    assert lock(turn)
    assert turn_adjudicate(turn_id=turn.pk)
    turn.refresh_from_db()
    return turn


def play_turn(exercise: Exercise, players: list[Participant]) -> Turn:
    """Every player submits, then the turn is locked, adjudicated and published."""
    turn = current_turn(exercise)
    for player in players:
        submit(player, turn)
    lock_and_adjudicate(turn)
    turn_publish(turn_id=turn.pk, user=exercise.facilitator)
    turn.refresh_from_db()
    exercise.refresh_from_db()
    return turn
