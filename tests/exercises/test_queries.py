"""The busiest pages cost the same number of queries at turn 1 and at turn 8.

A player's team page and the facilitator's control room are re-fetched by every browser on
every live update; a query per past turn, message or participant would grow with the game.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.exercises.factories import (
    PASSWORD,
    UserFactory,
    current_turn,
    join,
    make_exercise,
    play_turn,
    save_draft,
    sign_in,
    start,
)
from wargame.exercises.services.messages import message_broadcast, message_send

pytestmark = pytest.mark.django_db


@pytest.fixture
def game(client):
    alice = UserFactory(username="alice")
    exercise = make_exercise(alice, turns=8)
    start(exercise)
    bob = join(exercise, "japan", "Bob")
    code = exercise.teams.get(key="china").join_code
    assert client.post(f"/join/{code}/", {"display_name": "Charlie"}).status_code == 302
    charlie = exercise.participants.get(display_name="Charlie")
    facilitator = type(client)()
    assert facilitator.login(username="alice", password=PASSWORD)
    return {"exercise": exercise, "bob": bob, "charlie": charlie, "alice": facilitator}


def _chatter(game, turn_number: int) -> None:
    exercise, bob, charlie = game["exercise"], game["bob"], game["charlie"]
    japan = exercise.teams.get(key="japan")
    message_send(sender=charlie, channel="team", body=f"turn {turn_number}: hold")
    message_send(sender=charlie, channel="private", body="talk?", recipient=japan)
    message_send(sender=bob, channel="public", body=f"Tokyo, turn {turn_number}")
    message_broadcast(exercise=exercise, user=exercise.facilitator, body="Five minutes left")
    join(exercise, "united_states", f"Uma {turn_number}")


def _queries(client, url: str) -> list[str]:
    """The page's queries, with ids, times and IN lists blanked so shapes can be compared."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    shapes = []
    for query in queries.captured_queries:
        sql = re.sub(r"'[^']*'", "?", query["sql"])
        shapes.append(re.sub(r"IN \(N(, N)*\)", "IN (...)", re.sub(r"\b\d+\b", "N", sql)))
    return shapes


def _pages(game) -> dict[str, str]:
    pk = game["exercise"].pk
    return {
        "team page": (f"/play/{pk}/", "player"),
        "team situation": (f"/play/{pk}/fragments/situation/", "player"),
        "team move": (f"/play/{pk}/fragments/move/", "player"),
        "control room": (f"/exercises/{pk}/control/", "alice"),
        "control status": (f"/exercises/{pk}/control/status/", "alice"),
        "projector": (f"/exercises/{pk}/projector/live/", "player"),
    }


def _measure(game, client) -> dict[str, list[str]]:
    clients = {"player": client, "alice": game["alice"]}
    return {name: _queries(clients[who], url) for name, (url, who) in _pages(game).items()}


def _play_to(game, number: int) -> None:
    exercise = game["exercise"]
    while current_turn(exercise).number < number:
        play_turn(exercise, [game["bob"], game["charlie"]])
        _chatter(game, current_turn(exercise).number)
    save_draft(game["charlie"], current_turn(exercise))


def test_pages_cost_the_same_at_turn_one_and_turn_eight(game, client):
    _chatter(game, 1)
    _play_to(game, 1)
    at_one = _measure(game, client)
    _play_to(game, 2)
    at_two = _measure(game, client)
    _play_to(game, 8)
    at_eight = _measure(game, client)

    for name, queries in at_eight.items():
        assert len(queries) == len(at_one[name]), f"{name} grows with the turns:\n" + "\n".join(
            queries
        )
        assert queries == at_two[name] == at_one[name], name


def test_postgresql_plans_a_players_viewer_query_once_per_connection(postgres, game, client):
    """Every request of a player starts with the same query (access.py); from its sixth run
    on a connection it is a prepared statement, which PostgreSQL does not parse and plan
    again. Half its cost on the server under a class's load (bench/HISTORY.md)."""
    team_page = f"/play/{game['exercise'].pk}/"
    for _ in range(6):
        assert client.get(team_page).status_code == 200

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "exercises_participant" p JOIN' in s for s in prepared), prepared


def test_a_teams_players_arriving_together_read_the_questionnaires_once(game):
    """A class arrives at once, and each player's first team page is rendered for that
    player: it read the questionnaires' windows and answers again, a fifth of its CPU."""
    pk = game["exercise"].pk
    bob = sign_in(Client(), player=game["bob"])
    dana = sign_in(Client(), player=join(game["exercise"], "japan", "Dana"))

    bobs = _queries(bob, f"/play/{pk}/")
    danas = _queries(dana, f"/play/{pk}/")

    assert len([q for q in bobs if "questionnaires_" in q]) == 2, bobs
    assert not [q for q in danas if "questionnaires_" in q], danas
