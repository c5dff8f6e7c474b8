import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client

from wargame.asgi import application
from wargame.exercises.notify import exercise_group
from wargame.exercises.services.exercises import exercise_create

pytestmark = pytest.mark.django_db(transaction=True)


@sync_to_async
def _facilitator_session() -> tuple[int, str]:
    alice = get_user_model().objects.create_user("alice", password="correct horse battery")
    exercise = exercise_create(facilitator=alice, scenario_slug="japan-korea-2025", title="Live")
    client = Client()
    client.force_login(alice)
    return exercise.pk, client.cookies["sessionid"].value


def _communicator(exercise_id: int, origin: bytes, session: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        f"/ws/exercises/{exercise_id}/",
        headers=[(b"origin", origin), (b"cookie", f"sessionid={session}".encode())],
    )


async def test_notification_reaches_the_browser_through_the_redis_layer(redis_url):
    layer = get_channel_layer()
    assert type(layer).__name__ == "NoticeChannelLayer"
    exercise_id, session = await _facilitator_session()
    browser = _communicator(exercise_id, b"http://127.0.0.1:8000", session)
    connected, _ = await browser.connect()
    assert connected
    try:
        await layer.group_send(
            exercise_group(exercise_id), {"type": "notify", "event": "turn.opened", "turn": 3}
        )
        assert await browser.receive_json_from(timeout=3) == {"event": "turn.opened", "turn": 3}
        await browser.send_json_to({"type": "ping"})
        assert await browser.receive_json_from(timeout=3) == {"event": "pong"}
    finally:
        await browser.disconnect()


async def test_connection_from_a_foreign_origin_is_refused():
    exercise_id, session = await _facilitator_session()
    intruder = _communicator(exercise_id, b"https://attacker.example", session)
    connected, _ = await intruder.connect()
    assert not connected
