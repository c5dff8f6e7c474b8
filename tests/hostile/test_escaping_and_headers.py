"""Script in what people type stays text; the pages carry the headers that keep them safe."""

import re
import time
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import signing
from django.test import Client, override_settings

from wargame.exercises.access import ROLES_COOKIE
from wargame.exercises.models import Participant
from wargame.exercises.services.exercises import exercise_create, exercise_start
from wargame.exercises.services.messages import message_send
from wargame.exercises.services.moves import move_submit, participant_join
from wargame.exercises.services.turns import turn_adjudicate, turn_lock

from .conftest import legacy_player_client, player_client

SCRIPT = '<script>alert("owned")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;"
User = get_user_model()


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


def test_joining_and_rejoining_keep_no_session_on_the_server(game, client):
    sessions = Session.objects.count()  # alice's, the facilitator's
    code = game["teams"]["china"].join_code
    assert client.post(f"/join/{code}/", {"display_name": "Dana"}).status_code == 302
    elsewhere = Client()
    token = game["bob_participant"].rejoin_token
    assert elsewhere.get(f"/rejoin/{token}/").status_code == 302
    for browser in (client, elsewhere):
        assert browser.get(f"/play/{game['exercise'].pk}/").status_code == 200
        assert settings.SESSION_COOKIE_NAME not in browser.cookies
    assert Session.objects.count() == sessions


def _roles(client) -> str:
    return client.cookies[ROLES_COOKIE].value


def test_a_roles_cookie_its_holder_altered_opens_nothing(game):
    """The cookie says which participant the browser plays; changing what it says, or
    signing it some other way, makes it say nothing."""
    exercise, charlie = game["exercise"], Participant.objects.get(display_name="Charlie")
    bob = game["bob"]
    value, (payload, rest) = _roles(bob), _roles(bob).split(":", 1)
    forged = {
        "payload flipped": payload[:-1] + ("A" if payload[-1] != "A" else "B") + ":" + rest,
        "charlie's id, another salt": signing.dumps(
            {"players": {str(exercise.pk): charlie.pk}, "observing": []},
            salt="another",
            compress=True,
        ),
        "charlie's id, unsigned": f'{{"players": {{"{exercise.pk}": {charlie.pk}}}}}',
    }
    for name, cookie in forged.items():
        browser = Client()
        browser.cookies[ROLES_COOKIE] = cookie
        assert browser.get(f"/play/{exercise.pk}/").status_code == 404, name
    bob.cookies[ROLES_COOKIE] = value
    assert bob.get(f"/play/{exercise.pk}/").status_code == 200


def test_the_roles_cookie_is_kept_from_scripts_and_other_sites_and_expires(game, client):
    response = client.get(f"/rejoin/{game['bob_participant'].rejoin_token}/")
    cookie = response.cookies[ROLES_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    page = f"/play/{game['exercise'].pk}/"
    assert client.get(page).status_code == 200
    later = time.time() + settings.SESSION_COOKIE_AGE + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        assert client.get(page).status_code == 404


@override_settings(SESSION_COOKIE_SECURE=True)
def test_the_roles_cookie_is_sent_over_https_only_when_sessions_are(game, client):
    response = client.get(f"/rejoin/{game['bob_participant'].rejoin_token}/")
    assert response.cookies[ROLES_COOKIE]["secure"] is True


def test_opening_an_observer_link_keeps_what_the_browser_plays(game):
    bob, exercise = game["bob"], game["exercise"]
    other = exercise_create(
        facilitator=User.objects.create_user("zoe"), scenario_slug="japan-korea-2025", title="Z"
    )
    projector = f"/exercises/{other.pk}/projector/"
    assert bob.get(projector).status_code == 404
    response = bob.get(f"/observe/{other.observer_token}/")
    assert response.status_code == 302 and response["Location"] == projector
    assert bob.get(projector).status_code == 200
    assert bob.get(f"/play/{exercise.pk}/").status_code == 200


def test_a_browser_that_joined_when_roles_were_kept_in_the_session_keeps_playing(game):
    """Upgrading the kit during a class does not sign its players out."""
    browser = legacy_player_client(game["bob_participant"])
    assert browser.get(f"/play/{game['exercise'].pk}/").status_code == 200
    forged = Client()
    forged.cookies[settings.SESSION_COOKIE_NAME] = "no-such-session"
    assert forged.get(f"/play/{game['exercise'].pk}/").status_code == 404


def test_logging_out_forgets_the_teams_the_browser_played_in(game):
    alice, exercise = game["alice"], game["exercise"]
    other = exercise_create(
        facilitator=User.objects.create_user("zoe"), scenario_slug="japan-korea-2025", title="Zoe's"
    )
    exercise_start(exercise_id=other.pk, user=other.facilitator)
    code = other.teams.get(key="china").join_code
    assert alice.post(f"/join/{code}/", {"display_name": "Alice"}).status_code == 302
    assert alice.get(f"/play/{other.pk}/").status_code == 200

    assert alice.post("/accounts/logout/").status_code == 302
    assert alice.get(f"/play/{other.pk}/").status_code == 404
    assert alice.get(f"/exercises/{exercise.pk}/control/").status_code == 302


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
