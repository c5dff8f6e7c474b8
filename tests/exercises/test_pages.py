"""The play loop through the browser's requests: what players and the facilitator read."""

import html

import pytest
from django.test import Client

from tests.exercises.factories import (
    PASSWORD,
    current_turn,
    lock,
    lock_and_adjudicate,
    move_of,
    submit,
)
from wargame.exercises.models import Override, Participant, Turn

pytestmark = pytest.mark.django_db


def _player(exercise, team_key: str, name: str) -> tuple[Client, Participant]:
    client = Client()
    code = exercise.teams.get(key=team_key).join_code
    assert client.post(f"/join/{code}/", {"display_name": name}).status_code == 302
    return client, Participant.objects.get(exercise=exercise, display_name=name)


def _move_post(client: Client, exercise, revision: int, intent: str = "save", **fields):
    data = {"intent": intent, "revision": str(revision), **fields}
    return client.post(f"/play/{exercise.pk}/move/", data)


@pytest.fixture
def alice_client(running) -> Client:
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    return client


def test_a_conflicting_save_is_refused_with_a_clear_message_and_nothing_lost(running):
    bob_client, _ = _player(running, "japan", "Bob")
    bea_client, _ = _player(running, "japan", "Bea")

    saved = _move_post(bob_client, running, 0, rationale="Bob's line")
    assert saved.status_code == 200
    assert "Draft saved." in saved.content.decode()

    refused = _move_post(bea_client, running, 0, rationale="Bea's line")
    assert refused.status_code == 409
    page = refused.content.decode()
    assert "Bob saved the draft while you were editing (revision 1" in page
    assert "Bea's line" in html.unescape(page)  # her text is still in the form
    assert 'name="revision" value="1"' in page  # now based on Bob's revision
    assert move_of(current_turn(running), "japan").answers["rationale"] == "Bob's line"

    again = _move_post(bea_client, running, 1, rationale="Bea's line, having read Bob's")
    assert again.status_code == 200
    move = move_of(current_turn(running), "japan")
    assert (move.revision, move.answers["rationale"]) == (2, "Bea's line, having read Bob's")


def test_a_submission_after_the_lock_is_refused_and_the_form_is_read_only(running):
    bob_client, _ = _player(running, "japan", "Bob")
    _move_post(bob_client, running, 0, rationale="kept")
    lock(current_turn(running))

    late = _move_post(
        bob_client,
        running,
        1,
        intent="submit",
        act__jp_trillion_investment="on",
        objective="o",
        rationale="too late",
        confidence="3",
    )
    assert late.status_code == 409
    page = late.content.decode()
    assert "This turn is locked: the move below is read-only." in page
    assert "Submit move" not in page
    move = move_of(current_turn(running), "japan")
    assert move.submitted_answers is None
    assert move.answers["rationale"] == "kept"


def test_a_team_that_submitted_nothing_reads_that_it_held(running, alice_client):
    bob_client, bob = _player(running, "japan", "Bob")
    turn = current_turn(running)
    submit(bob, turn)
    lock_and_adjudicate(turn)

    review = alice_client.get(f"/exercises/{running.pk}/review/").content.decode()
    assert "Submitted nothing, so held their course: South Korea, United States, China." in review

    published = alice_client.post(f"/exercises/{running.pk}/review/publish/", {"turn": "1"})
    assert published.url == f"/exercises/{running.pk}/control/"
    situation = bob_client.get(f"/play/{running.pk}/fragments/situation/").content.decode()
    assert "South Korea submitted no move: it hides, plans and waits" in situation
    assert "Japan submitted no move" not in situation
    assert "Turn 2 of 3" in situation


def test_the_facilitator_adjusts_and_publishes_from_the_review_page(running, alice_client):
    turn = current_turn(running)
    lock_and_adjudicate(turn)
    url = f"/exercises/{running.pk}/review/"

    no_reason = alice_client.post(
        url + "adjust/",
        {"turn": "1", "indicator": "cjk_ties", "amount": "2", "reason": ""},
        follow=True,
    )
    assert "Choose an indicator, an amount and write the reason." in no_reason.content.decode()
    assert not Override.objects.exists()

    adjusted = alice_client.post(
        url + "adjust/",
        {"turn": "1", "indicator": "cjk_ties", "amount": "2", "reason": "Summit mood in the room"},
        follow=True,
    )
    page = adjusted.content.decode()
    assert "Adjustment recorded; the reason is kept for the report." in page
    assert "Facilitator adjustment by alice: Summit mood in the room" in page

    alice_client.post(url + "publish/", {"turn": "1"})
    turn.refresh_from_db()
    assert turn.status == Turn.Status.PUBLISHED
    drafted = turn.adjudication["new_state"]["indicators"]["cjk_ties"]
    assert turn.state_after["indicators"]["cjk_ties"] == drafted + 2
    assert current_turn(running).state_before == turn.state_after
