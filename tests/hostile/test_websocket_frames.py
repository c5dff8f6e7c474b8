"""A browser cannot talk its way into another team's or another exercise's live updates."""

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from wargame.asgi import application
from wargame.exercises.notify import team_group

from .conftest import legacy_player_client

pytestmark = pytest.mark.django_db(transaction=True)

FORGED_FRAMES = [
    {"type": "join", "group": "ex-{id}-team-china"},
    {"type": "websocket.join", "group": "ex-{id}-control"},
    {"type": "notify", "event": "turn.published"},
    {"type": "group_add", "group": "ex-{other}-team-japan"},
    "not even json",
    ["a", "list"],
]


def _communicator(exercise_id: int, browser) -> WebsocketCommunicator:
    """A websocket sending the cookies ``browser`` (a test client) holds."""
    cookies = "; ".join(f"{name}={cookie.value}" for name, cookie in browser.cookies.items())
    return WebsocketCommunicator(
        application,
        f"/ws/exercises/{exercise_id}/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookies.encode())],
    )


async def _connect(exercise_id: int, browser) -> WebsocketCommunicator:
    communicator = _communicator(exercise_id, browser)
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_forged_frames_do_not_open_other_groups(game):
    exercise_id = game["exercise"].pk
    bob = await _connect(exercise_id, game["bob"])
    try:
        await bob.receive_nothing(timeout=0.3)
        for frame in FORGED_FRAMES:
            if isinstance(frame, dict):
                frame = {
                    k: v.format(id=exercise_id, other=exercise_id + 1) if isinstance(v, str) else v
                    for k, v in frame.items()
                }
                await bob.send_json_to(frame)
            else:
                await bob.send_to(text_data=str(frame))
        layer = get_channel_layer()
        await layer.group_send(
            team_group(exercise_id, "china"), {"type": "notify", "event": "draft.saved"}
        )
        await layer.group_send(f"ex-{exercise_id}-control", {"type": "notify", "event": "presence"})
        assert await bob.receive_nothing(timeout=0.5), "bob heard another group"
        await bob.send_json_to({"type": "ping"})
        assert await bob.receive_json_from(timeout=2) == {"event": "pong"}
    finally:
        await bob.disconnect()


async def test_a_player_cannot_listen_to_another_exercise(game, django_user_model):
    from wargame.exercises.services.exercises import exercise_create

    other = await sync_to_async(exercise_create)(
        facilitator=await sync_to_async(django_user_model.objects.create_user)("mallory"),
        scenario_slug="japan-korea-2025",
        title="Elsewhere",
    )
    communicator = _communicator(other.pk, game["bob"])
    connected, _ = await communicator.connect()
    assert not connected


async def test_a_binary_frame_is_ignored(game):
    bob = await _connect(game["exercise"].pk, game["bob"])
    try:
        await bob.send_to(bytes_data=b"\x00\xff")
        await bob.send_json_to({"type": "ping"})
        assert await bob.receive_json_from(timeout=2) == {"event": "pong"}
    finally:
        await bob.disconnect()


async def test_a_browser_that_joined_when_roles_were_kept_in_the_session_stays_live(game):
    """Its pages and its live updates alike, after an upgrade during a class."""

    browser = await sync_to_async(legacy_player_client)(game["bob_participant"])
    bob = await _connect(game["exercise"].pk, browser)
    try:
        await bob.send_json_to({"type": "ping"})
        assert await bob.receive_json_from(timeout=2) == {"event": "pong"}
    finally:
        await bob.disconnect()
