"""The control room and review forms act only on the turn they showed.

A facilitator often keeps two tabs open (the control room and the review page). A button in
a tab that still shows turn 1, clicked after turn 2 opened, must not lock, re-open, publish or
edit turn 2: every such form posts the number of the turn it was rendered for.
"""

import pytest
from django.test import Client

from tests.exercises.conftest import audited
from tests.exercises.factories import (
    PASSWORD,
    current_turn,
    lock,
    lock_and_adjudicate,
    play_turn,
    submit,
)
from wargame.exercises.models import Exercise, Turn
from wargame.exercises.services.turns import turn_adjudicate
from wargame.reports.gather import report_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_client(running) -> Client:
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    return client


def _control(client: Client, exercise: Exercise, action: str, data: dict) -> str:
    response = client.post(f"/exercises/{exercise.pk}/control/{action}/", data, follow=True)
    assert response.redirect_chain[-1][0] == f"/exercises/{exercise.pk}/control/"
    return response.content.decode()


def _review(client: Client, exercise: Exercise, action: str, data: dict) -> tuple[str, str]:
    response = client.post(f"/exercises/{exercise.pk}/review/{action}/", data, follow=True)
    return response.redirect_chain[-1][0], response.content.decode()


def _state(exercise: Exercise) -> list[tuple]:
    return list(
        Turn.objects.filter(exercise=exercise)
        .order_by("number")
        .values_list("number", "status", "deadline", "paused_remaining", "narratives")
    )


def test_the_control_room_and_its_live_refresh_carry_the_turn_shown(running, bob, alice_client):
    page = alice_client.get(f"/exercises/{running.pk}/control/").content.decode()
    assert page.count('name="turn" value="1"') == 3  # lock, pause, extend
    play_turn(running, [bob])
    status = alice_client.get(f"/exercises/{running.pk}/control/status/").content.decode()
    assert 'name="turn" value="2"' in status
    assert 'name="turn" value="1"' not in status


def test_a_stale_lock_leaves_the_new_turn_open_and_says_why(running, bob, alice_client):
    play_turn(running, [bob])  # turn 1 published while an old tab still shows it open
    before = _state(running)
    with audited(running):
        page = _control(alice_client, running, "lock", {"turn": "1"})
    assert "This page showed turn 1; turn 2 is now open. Nothing was changed." in page
    assert _state(running) == before
    assert current_turn(running).status == Turn.Status.OPEN


@pytest.mark.parametrize("action", ["pause", "extend"])
def test_stale_clock_controls_leave_the_new_turn_alone(running, bob, alice_client, action):
    play_turn(running, [bob])
    before = _state(running)
    with audited(running):
        page = _control(alice_client, running, action, {"turn": "1", "minutes": "10"})
    assert "This page showed turn 1; turn 2 is now open. Nothing was changed." in page
    assert _state(running) == before


def test_a_stale_reopen_does_not_throw_away_the_next_turns_draft(running, bob, alice_client):
    # The old tab showed turn 1 locked, with "Re-open"; since then turn 1 was published and
    # turn 2 played up to its draft adjudication.
    play_turn(running, [bob])
    submit(bob, current_turn(running))
    lock_and_adjudicate(current_turn(running))
    before = _state(running)
    with audited(running):
        page = _control(alice_client, running, "reopen", {"turn": "1", "minutes": "5"})
    assert (
        "This page showed turn 1; turn 2 is now locked and waiting for review. "
        "Nothing was changed." in page
    )
    assert _state(running) == before
    assert current_turn(running).adjudication is not None


@pytest.mark.parametrize(
    ("action", "fields"),
    [
        ("publish", {}),
        ("adjust", {"indicator": "cjk_ties", "amount": "2", "reason": "Room mood"}),
        ("narrative", {"subject": "world", "text": "Rewritten.", "reason": "Clarity"}),
    ],
)
def test_a_stale_review_page_cannot_publish_or_edit_the_next_draft(
    running, bob, alice_client, action, fields
):
    play_turn(running, [bob])  # the review tab still shows turn 1's draft
    lock_and_adjudicate(current_turn(running))
    before = _state(running)
    with audited(running):
        url, page = _review(alice_client, running, action, {"turn": "1", **fields})
    assert url == f"/exercises/{running.pk}/review/"
    assert (
        "This page showed turn 1; turn 2 is now locked and waiting for review. "
        "Nothing was changed." in page
    )
    assert _state(running) == before
    assert not current_turn(running).overrides.exists()


@pytest.mark.parametrize("shown", [None, "", "two", "-1", "0", "1.0"])
def test_a_form_without_a_proper_turn_number_is_refused(running, alice_client, shown):
    data = {} if shown is None else {"turn": shown}
    before = _state(running)
    with audited(running):
        page = _control(alice_client, running, "lock", data)
    assert (
        "This page did not say which turn it was for; turn 1 is now open. Nothing was changed."
        in page
    )
    assert _state(running) == before


def test_the_turn_shown_is_the_turn_acted_on(running, alice_client):
    with audited(running, "turn.paused", "turn.resumed", "turn.extended", "turn.locked"):
        for action in ("pause", "resume", "extend", "lock"):
            _control(alice_client, running, action, {"turn": "1", "minutes": "5"})
    turn = current_turn(running)
    assert turn.status == Turn.Status.LOCKED
    turn_adjudicate(turn_id=turn.pk)  # the task the lock queued once it committed

    url, page = _review(alice_client, running, "publish", {"turn": "1"})
    assert url == f"/exercises/{running.pk}/control/"
    assert "Turn 1 published to every team." in page
    assert current_turn(running).number == 2


# --- ending early ----------------------------------------------------------------------------


def test_ending_with_a_turn_awaiting_review_is_refused_until_it_is_published(
    running, bob, alice_client
):
    turn = current_turn(running)
    submit(bob, turn)
    lock_and_adjudicate(turn)
    before = _state(running)
    with audited(running):
        page = _control(alice_client, running, "end", {})
    assert (
        "Turn 1 is locked and waiting for your review: publish it before ending the exercise, "
        "so that its moves are in the report. Nothing was changed." in page
    )
    assert _state(running) == before
    running.refresh_from_db()
    assert running.status == Exercise.Status.RUNNING

    _review(alice_client, running, "publish", {"turn": "1"})
    page = _control(alice_client, running, "end", {})
    running.refresh_from_db()
    assert running.status == Exercise.Status.FINISHED
    (played,) = report_data(running.pk)["turns"]
    assert played["number"] == 1
    assert "japan rationale" in str(played["moves"])


def test_ending_while_the_lock_is_still_being_adjudicated_is_refused(running, bob, alice_client):
    submit(bob, current_turn(running))
    lock(current_turn(running))  # the adjudication task has not run yet
    with audited(running):
        page = _control(alice_client, running, "end", {})
    assert "Turn 1 is locked and its draft adjudication is being prepared" in page
    running.refresh_from_db()
    assert running.status == Exercise.Status.RUNNING
