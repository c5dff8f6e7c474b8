"""Script in what people type stays text; the pages carry the headers that keep them safe."""

import re

import pytest
from django.test import Client, override_settings

from wargame.exercises.models import Participant
from wargame.exercises.services.messages import message_send
from wargame.exercises.services.moves import move_submit, participant_join
from wargame.exercises.services.turns import turn_adjudicate, turn_lock

from .conftest import player_client

SCRIPT = '<script>alert("owned")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;"


@pytest.fixture
def hostile_game(game):
    """Every free-text field filled with script: names, rationale, statement, chat."""
    team = game["teams"]["japan"]
    eve = participant_join(team=team, display_name=f"Eve {SCRIPT}"[:40])
    answers = {
        "actions": [],
        "objective": SCRIPT,
        "confidence": 3,
        "rationale": SCRIPT,
        "statement": SCRIPT,
    }
    turn = game["turn"]
    move_submit(participant=eve, turn_id=turn.pk, base_revision=0, answers=answers)
    message_send(sender=eve, channel="team", body=SCRIPT)
    message_send(sender=eve, channel="public", body=SCRIPT)
    turn_lock(turn_id=turn.pk, actor="system", reason="test")
    turn_adjudicate(turn_id=turn.pk)
    game["eve"] = player_client(eve)
    return game


def _pages(game) -> list[tuple[Client, str]]:
    exercise = game["exercise"].pk
    return [
        (game["alice"], f"/exercises/{exercise}/control/"),
        (game["alice"], f"/exercises/{exercise}/control/status/"),
        (game["alice"], f"/exercises/{exercise}/control/messages/"),
        (game["alice"], f"/exercises/{exercise}/review/"),
        (game["alice"], f"/exercises/{exercise}/projector/"),
        (game["eve"], f"/play/{exercise}/"),
        (game["eve"], f"/play/{exercise}/fragments/move/"),
        (game["eve"], f"/play/{exercise}/fragments/messages/"),
        (game["charlie"], f"/play/{exercise}/"),
    ]


def test_script_typed_anywhere_is_shown_as_text_everywhere(hostile_game):
    for client, url in _pages(hostile_game):
        body = client.get(url).content.decode()
        assert SCRIPT not in body, url
        assert "<script>alert" not in body, url
    review = hostile_game["alice"].get(f"/exercises/{hostile_game['exercise'].pk}/review/")
    assert ESCAPED in review.content.decode(), "the rationale is shown, escaped"


def test_pages_have_no_inline_script_and_a_strict_policy(hostile_game):
    for client, url in _pages(hostile_game):
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", policy).group(1)
        assert script_src.strip() == "'self'", url
        assert "frame-ancestors 'none'" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode())
        assert inline == [], f"{url} has inline script"


def test_every_form_needs_its_csrf_token(game):
    exercise = game["exercise"].pk
    code = game["teams"]["japan"].join_code
    posts = [
        (None, "/join/", {"code": code}),
        (None, f"/join/{code}/", {"display_name": "Forged"}),
        ("alice", f"/exercises/{exercise}/control/lock/", {}),
        ("alice", f"/exercises/{exercise}/control/announce/", {"body": "hi"}),
        ("alice", f"/exercises/{exercise}/review/publish/", {}),
        ("alice", "/exercises/new/", {"title": "x"}),
        ("bob", f"/play/{exercise}/move/", {"revision": "0", "intent": "save"}),
        ("bob", f"/play/{exercise}/messages/", {"to": "team", "body": "hi"}),
    ]
    for who, url, data in posts:
        client = Client(enforce_csrf_checks=True)
        if who:
            client.cookies = game[who].cookies
        assert client.post(url, data).status_code == 403, url
    assert not Participant.objects.filter(display_name="Forged").exists()


def _planted_session_key(client) -> str:
    session = client.session
    session["probe"] = 1
    session.save()
    client.cookies["sessionid"] = session.session_key
    return session.session_key


def test_the_session_key_is_cycled_at_join(game, client):
    client.get("/join/")
    before = _planted_session_key(client)
    code = game["teams"]["china"].join_code
    assert client.post(f"/join/{code}/", {"display_name": "Dana"}).status_code == 302
    assert client.cookies["sessionid"].value != before


def test_the_session_key_is_cycled_at_rejoin(game, client):
    token = game["bob_participant"].rejoin_token
    before = _planted_session_key(client)
    assert client.get(f"/rejoin/{token}/").status_code == 302
    assert client.cookies["sessionid"].value != before
    assert client.get(f"/play/{game['exercise'].pk}/").status_code == 200


def test_the_session_key_is_cycled_when_the_observer_link_is_opened(game, client):
    token = game["exercise"].observer_token
    before = _planted_session_key(client)
    response = client.get(f"/observe/{token}/")
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != before
    assert client.get(response["Location"]).status_code == 200


@override_settings(JOIN_RATE_PER_ADDRESS="5/m")
def test_guessing_join_codes_is_throttled_per_address(game, client):
    statuses = [client.post("/join/", {"code": f"WRONG{n:03d}"}).status_code for n in range(7)]
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    page = client.post("/join/", {"code": game["teams"]["japan"].join_code})
    assert page.status_code == 429
    assert "Too many attempts" in page.content.decode()
    other_address = Client(REMOTE_ADDR="10.9.8.7")
    assert other_address.post("/join/", {"code": "WRONG999"}).status_code == 200


@override_settings(JOIN_RATE_PER_EXERCISE="3/m", JOIN_RATE_PER_ADDRESS="100/m")
def test_joining_one_exercise_is_throttled_across_addresses(game):
    code = game["teams"]["japan"].join_code
    statuses = [
        Client(REMOTE_ADDR=f"10.0.0.{n}").post(f"/join/{code}/", {"display_name": f"P{n}"})
        for n in range(5)
    ]
    assert [r.status_code for r in statuses] == [302, 302, 302, 429, 429]
