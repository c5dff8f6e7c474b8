"""Live updates over the exercise websocket: who may connect and who hears what.

Uses the Redis channel layer when REDIS_URL is set (as CI does), the in-memory one otherwise.
"""

import re
from datetime import timedelta
from html import unescape

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.exercises.factories import (
    UserFactory,
    answers,
    current_turn,
    join,
    lock,
    make_exercise,
    save_draft,
    sign_in,
    start,
    submit,
)
from wargame.asgi import application
from wargame.exercises.fragments import CSRF_PLACEHOLDER
from wargame.exercises.services.messages import message_send
from wargame.exercises.services.turns import turn_adjudicate
from wargame.exercises.tasks import lock_expired_turns

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def _cookies(*, user=None, player=None, observe=None) -> dict[str, str]:
    """The cookies of a browser logged in as ``user``, or that joined as ``player`` or opened
    the observer link of ``observe``."""
    client = Client()
    if user is not None:
        client.force_login(user)
    else:
        sign_in(client, player=player, observe=observe)
    return {name: cookie.value for name, cookie in client.cookies.items()}


@sync_to_async
def _world() -> dict:
    """Alice's running exercise and the cookies of each persona's browser."""
    alice = UserFactory(username="alice")
    exercise = make_exercise(alice)
    start(exercise)
    bob = join(exercise, "japan", "Bob")
    charlie = join(exercise, "china", "Charlie")
    mallory = UserFactory(username="mallory")
    make_exercise(mallory)

    return {
        "exercise": exercise,
        "turn": current_turn(exercise),
        "bob": bob,
        "charlie": charlie,
        "cookies": {
            "alice": _cookies(user=alice),
            "bob": _cookies(player=bob),
            "charlie": _cookies(player=charlie),
            "olivia": _cookies(observe=exercise),
            "mallory": _cookies(user=mallory),
            "anonymous": {},
        },
    }


def _socket(world: dict, persona: str) -> WebsocketCommunicator:
    headers = [ORIGIN]
    cookies = world["cookies"][persona]
    if cookies:
        header = "; ".join(f"{name}={value}" for name, value in cookies.items())
        headers.append((b"cookie", header.encode()))
    return WebsocketCommunicator(application, f"/ws/exercises/{world['exercise'].pk}/", headers)


@pytest.mark.parametrize(
    ("persona", "accepted"),
    [
        ("alice", True),
        ("bob", True),
        ("charlie", True),
        ("olivia", True),
        ("anonymous", False),
        ("mallory", False),
    ],
)
async def test_who_may_listen_to_an_exercise(persona, accepted):
    world = await _world()
    socket = _socket(world, persona)
    connected, code = await socket.connect(timeout=3)
    try:
        assert connected is accepted
        if not accepted:
            assert code == 4403
    finally:
        await socket.disconnect()


async def test_a_player_hears_own_teams_drafts_and_not_the_others():
    world = await _world()
    if settings.REDIS_URL:
        assert type(get_channel_layer()).__name__ == "NoticeChannelLayer"
    bea = await sync_to_async(join)(world["exercise"], "japan", "Bea")
    world["cookies"]["bea"] = await sync_to_async(_cookies)(player=bea)
    bob, alice, olivia = _socket(world, "bob"), _socket(world, "alice"), _socket(world, "olivia")
    for socket in (alice, olivia, bob):
        assert (await socket.connect(timeout=3))[0]
    try:
        # Bob's arrival is announced to the control room only.
        presence = await alice.receive_json_from(timeout=3)
        assert presence == {"event": "presence", "exercise": world["exercise"].pk}
        assert await olivia.receive_nothing(timeout=0.3)

        china = await sync_to_async(save_draft)(
            world["charlie"], world["turn"], answers("china"), base=0
        )
        japan = await sync_to_async(save_draft)(bea, world["turn"], answers("japan"), base=0)

        heard = await bob.receive_json_from(timeout=3)
        assert heard == {
            "event": "draft.saved",
            "exercise": world["exercise"].pk,
            "turn": 1,
            "revision": japan.revision,
            "by": bea.pk,
        }
        assert await bob.receive_nothing(timeout=0.5)

        # Bob's own save: his page shows it already, so his connection is not told.
        mine = await sync_to_async(save_draft)(
            world["bob"], world["turn"], answers("japan", objective="Mine"), base=1
        )
        assert mine.revision == 2
        assert await bob.receive_nothing(timeout=0.5)

        # The facilitator hears every save, in order; the observer hears none.
        heard = [await alice.receive_json_from(timeout=3) for _ in range(3)]
        assert [(m["event"], m["by"]) for m in heard] == [
            ("draft.saved", world["charlie"].pk),
            ("draft.saved", bea.pk),
            ("draft.saved", world["bob"].pk),
        ]
        assert china.revision == 1
        assert await olivia.receive_nothing(timeout=0.3)

        # A submission goes the same way: Bob is not told when China submits.
        await sync_to_async(submit)(world["charlie"], world["turn"], answers("china"), base=1)
        assert await bob.receive_nothing(timeout=0.5)
    finally:
        for socket in (bob, alice, olivia):
            await socket.disconnect()


async def test_a_public_message_reaches_every_screen_once():
    world = await _world()
    bob, alice, olivia = _socket(world, "bob"), _socket(world, "alice"), _socket(world, "olivia")
    for socket in (alice, olivia, bob):
        assert (await socket.connect(timeout=3))[0]
    try:
        assert (await alice.receive_json_from(timeout=3))["event"] == "presence"
        await sync_to_async(message_send)(
            sender=world["charlie"], channel="public", body="Beijing speaks to all"
        )
        for socket in (bob, alice, olivia):
            heard = await socket.receive_json_from(timeout=3)
            assert heard == {
                "event": "message.new",
                "exercise": world["exercise"].pk,
                "channel": "public",
            }
            assert await socket.receive_nothing(timeout=0.3)
    finally:
        for socket in (bob, alice, olivia):
            await socket.disconnect()


def _client(world: dict, persona: str) -> Client:
    client = Client()
    for name, value in world["cookies"][persona].items():
        client.cookies[name] = value
    return client


def _without_token(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


async def test_a_save_brings_the_form_to_teammates_as_they_would_fetch_it():
    world = await _world()
    bea = await sync_to_async(join)(world["exercise"], "japan", "Bea")
    world["cookies"]["bea"] = await sync_to_async(_cookies)(player=bea)
    sockets = {name: _socket(world, name) for name in ("alice", "bea", "charlie")}
    for socket in sockets.values():
        assert (await socket.connect(timeout=3))[0]
    try:
        for _ in ("bea", "charlie"):
            assert (await sockets["alice"].receive_json_from(timeout=3))["event"] == "presence"
        saved = await sync_to_async(_client(world, "bob").post)(
            f"/play/{world['exercise'].pk}/move/",
            {"intent": "save", "revision": "0", "objective": "Hold the line in Busan"},
        )
        assert saved.status_code == 200

        heard = await sockets["bea"].receive_json_from(timeout=3)
        assert heard["event"] == "draft.saved"
        form = heard["parts"]["move"]
        assert "Hold the line in Busan" in form
        assert 'name="revision" value="1"' in form
        assert CSRF_PLACEHOLDER in form  # Bea's browser puts in its own token, not Bob's
        # Its version, for Bea's browser to keep a newer form should this one come late.
        team = await sync_to_async(world["exercise"].teams.get)(key="japan")
        exercise = await sync_to_async(type(world["exercise"]).objects.get)(pk=team.exercise_id)
        version = f"{exercise.pk}.{exercise.version}.{team.pk}.{team.version}"
        assert f'data-part-version="{version}"' in form
        fetched = await sync_to_async(_client(world, "bea").get)(
            f"/play/{world['exercise'].pk}/fragments/move/"
        )
        assert _without_token(form) == _without_token(fetched.content.decode())

        # The facilitator's control room is told, without the team's form; China hears nothing.
        control = await sockets["alice"].receive_json_from(timeout=3)
        assert (control["event"], "parts" in control) == ("draft.saved", False)
        assert await sockets["charlie"].receive_nothing(timeout=0.3)
    finally:
        for socket in sockets.values():
            await socket.disconnect()


async def test_a_message_brings_each_team_that_reads_it_its_own_list():
    world = await _world()
    sockets = {name: _socket(world, name) for name in ("alice", "olivia", "bob", "charlie")}
    for socket in sockets.values():
        assert (await socket.connect(timeout=3))[0]
    try:
        for _ in ("bob", "charlie"):
            assert (await sockets["alice"].receive_json_from(timeout=3))["event"] == "presence"
        post = sync_to_async(_client(world, "bob").post)
        url = f"/play/{world['exercise'].pk}/messages/"
        assert (await post(url, {"to": "team", "body": "Call Seoul first"})).status_code == 200
        heard = await sockets["bob"].receive_json_from(timeout=3)
        assert heard["event"] == "message.new"
        assert "Call Seoul first" in heard["parts"]["team-messages"]
        control = await sockets["alice"].receive_json_from(timeout=3)
        assert (control["event"], "parts" in control) == ("message.new", False)
        assert await sockets["charlie"].receive_nothing(timeout=0.3)

        # A public message: each team gets its own list, which shows its own messages too;
        # the facilitator and the projector get the notice and fetch their own.
        assert (await post(url, {"to": "public", "body": "Tokyo speaks"})).status_code == 200
        japan = (await sockets["bob"].receive_json_from(timeout=3))["parts"]["team-messages"]
        china = (await sockets["charlie"].receive_json_from(timeout=3))["parts"]["team-messages"]
        assert "Tokyo speaks" in japan and "Tokyo speaks" in china
        assert "Call Seoul first" in japan
        assert "Call Seoul first" not in china  # never another team's own messages
        for name in ("alice", "olivia"):
            heard = await sockets[name].receive_json_from(timeout=3)
            assert (heard["event"], "parts" in heard) == ("message.new", False)

        # A private message: both teams get their list with it, the facilitator the notice.
        sent = await post(url, {"to": "team:china", "body": "Tokyo to Beijing, quietly"})
        assert sent.status_code == 200
        for name in ("bob", "charlie"):
            heard = await sockets[name].receive_json_from(timeout=3)
            assert "Tokyo to Beijing, quietly" in heard["parts"]["team-messages"]
        control = await sockets["alice"].receive_json_from(timeout=3)
        assert (control["event"], "parts" in control) == ("message.new", False)
    finally:
        for socket in sockets.values():
            await socket.disconnect()


async def _next(socket: WebsocketCommunicator, event: str) -> dict:
    """The next notice of this event, past the presence and status notices before it."""
    for _ in range(10):
        heard = await socket.receive_json_from(timeout=3)
        if heard["event"] == event:
            return heard
    raise AssertionError(f"no {event}")


async def test_a_change_of_the_turn_brings_each_team_its_situation(queued_tasks):
    world = await _world()
    exercise, turn = world["exercise"], world["turn"]
    await sync_to_async(save_draft)(world["bob"], turn, answers("japan", rationale="Bob's line"))
    sockets = {name: _socket(world, name) for name in ("alice", "olivia", "bob", "charlie")}
    for socket in sockets.values():
        assert (await socket.connect(timeout=3))[0]
    try:
        control = sync_to_async(_client(world, "alice").post)
        locked = await control(f"/exercises/{exercise.pk}/control/lock/", {"turn": "1"})
        assert locked.status_code == 302

        # Each team's players get their own situation, with their own form, as they would
        # fetch it; the facilitator and the projector get the notice and fetch their own.
        bob = (await _next(sockets["bob"], "turn.locked"))["parts"]["situation"]
        charlie = (await _next(sockets["charlie"], "turn.locked"))["parts"]["situation"]
        assert "This turn is locked" in bob and "This turn is locked" in charlie
        assert "Bob's line" in unescape(bob) and "Bob's line" not in unescape(charlie)
        fetched = await sync_to_async(_client(world, "bob").get)(
            f"/play/{exercise.pk}/fragments/situation/"
        )
        assert _without_token(bob) == _without_token(fetched.content.decode())
        for name in ("alice", "olivia"):
            assert "parts" not in await _next(sockets[name], "turn.locked")

        # Publishing: the turn's outcome and the next turn's empty form come with both
        # notices; each is the same part (live.js swaps it in once).
        await sync_to_async(turn_adjudicate)(turn_id=turn.pk)
        published = await control(f"/exercises/{exercise.pk}/review/publish/", {"turn": "1"})
        assert published.status_code == 302
        heard = [await _next(sockets["bob"], e) for e in ("turn.published", "turn.opened")]
        assert heard[0]["parts"] == heard[1]["parts"]
        situation = heard[0]["parts"]["situation"]
        assert "Turn 1:" in situation and "Your move for turn 2" in situation
        assert "Bob's line" not in unescape(situation)
        # The form comes with its decision-support panel, waiting for the worker's estimate
        # of the new turn: no browser has to ask for it.
        assert 'id="preview-pending"' in situation
        assert 'hx-trigger="load, ' not in situation
    finally:
        for socket in sockets.values():
            await socket.disconnect()


async def test_in_embedded_mode_a_change_of_the_turn_does_not_wait_for_estimates(eager_tasks):
    """Tasks run in the web process there: the new turn's panels ask for their estimates
    once the players have it, instead of the publish simulating every team's first."""
    world = await _world()
    exercise, turn = world["exercise"], world["turn"]
    sockets = {name: _socket(world, name) for name in ("bob",)}
    assert (await sockets["bob"].connect(timeout=3))[0]
    try:
        assert await sync_to_async(lock)(turn)  # and adjudicated at once, in-process
        control = sync_to_async(_client(world, "alice").post)
        published = await control(f"/exercises/{exercise.pk}/review/publish/", {"turn": "1"})
        assert published.status_code == 302
        situation = (await _next(sockets["bob"], "turn.opened"))["parts"]["situation"]
        assert "Your move for turn 2" in situation
        assert 'hx-trigger="load, ' in situation and "simulated games" not in situation
    finally:
        for socket in sockets.values():
            await socket.disconnect()


def _sweep(world: dict) -> None:
    assert lock_expired_turns() == 1


def _control_room_refreshes(world: dict) -> None:
    url = f"/exercises/{world['exercise'].pk}/control/status/"
    assert "Adjudicating" in _client(world, "alice").get(url).content.decode()


@pytest.mark.parametrize("locks", [_sweep, _control_room_refreshes])
async def test_a_turn_locked_at_its_deadline_brings_each_team_its_situation(locks):
    """By the sweep, or by a page read past the deadline before the sweep comes by."""
    world = await _world()
    await sync_to_async(type(world["turn"]).objects.filter(pk=world["turn"].pk).update)(
        deadline=timezone.now() - timedelta(seconds=1)
    )
    socket = _socket(world, "charlie")
    assert (await socket.connect(timeout=3))[0]
    try:
        await sync_to_async(locks)(world)
        heard = await _next(socket, "turn.locked")
        assert "This turn is locked" in heard["parts"]["situation"]
    finally:
        await socket.disconnect()


PART_VERSION = re.compile(r'data-part-version="([^"]*)"')


@sync_to_async
def _shown_version(world: dict, persona: str, url: str) -> str:
    """The version of the part a persona's browser would show from ``url``."""
    client = Client()
    for name, value in world["cookies"][persona].items():
        client.cookies[name] = value
    response = client.get(url, headers={"hx-request": "true"})
    assert response.status_code == 200
    return PART_VERSION.search(response.content.decode()).group(1)


async def test_a_page_older_than_its_first_connection_learns_what_is_current():
    """A teammate saved between Bob's page and his websocket: that notice went to nobody.
    Asked "hello", the server answers with the version of the form as it is now, once."""
    world = await _world()
    move = f"/play/{world['exercise'].pk}/fragments/move/"
    on_bobs_page = await _shown_version(world, "bob", move)
    dave = await sync_to_async(join)(world["exercise"], "japan", "Dave")
    await sync_to_async(save_draft)(dave, world["turn"], answers("japan"), base=0)

    bob, olivia = _socket(world, "bob"), _socket(world, "olivia")
    for socket in (bob, olivia):
        assert (await socket.connect(timeout=3))[0]
    try:
        await bob.send_json_to({"type": "hello"})
        hello = await bob.receive_json_from(timeout=3)
        assert hello == {"event": "hello", "version": await _shown_version(world, "bob", move)}
        assert hello["version"] != on_bobs_page
        await bob.send_json_to({"type": "hello"})
        await olivia.send_json_to({"type": "hello"})  # an observer's page has no versions
        assert await bob.receive_nothing(timeout=0.3)
        assert await olivia.receive_nothing(timeout=0.3)
    finally:
        await bob.disconnect()
        await olivia.disconnect()
