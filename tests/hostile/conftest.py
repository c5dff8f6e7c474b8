import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.exercises.factories import sign_in
from wargame.exercises.services.exercises import exercise_create, exercise_start
from wargame.exercises.services.moves import participant_join


def player_client(participant) -> Client:
    return sign_in(Client(), player=participant)


def legacy_player_client(participant) -> Client:
    """A browser that joined when a player's roles were kept in the session."""
    client = Client()
    session = client.session
    session["players"] = {str(participant.exercise_id): participant.pk}
    session.save()
    return client


@pytest.fixture
def game(db):
    """An exercise with turn 1 open: alice facilitates, bob plays Japan, charlie China."""
    alice = get_user_model().objects.create_user("alice", password="correct horse battery")
    exercise = exercise_create(
        facilitator=alice, scenario_slug="japan-korea-2025", title="Hostile", seed=1
    )
    turn = exercise_start(exercise_id=exercise.pk, user=alice)
    teams = {team.key: team for team in exercise.teams.all()}
    bob = participant_join(team=teams["japan"], display_name="Bob")
    charlie = participant_join(team=teams["china"], display_name="Charlie")
    facilitator = Client()
    facilitator.force_login(alice)
    return {
        "exercise": exercise,
        "turn": turn,
        "teams": teams,
        "alice": facilitator,
        "bob": player_client(bob),
        "charlie": player_client(charlie),
        "bob_participant": bob,
    }
