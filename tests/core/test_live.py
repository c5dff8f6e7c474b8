import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from wargame.asgi import application
from wargame.core.consumers import SITE_GROUP

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(origin: bytes) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, "/ws/live/", headers=[(b"origin", origin)])


async def test_notification_reaches_the_browser_through_the_redis_layer(redis_url):
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    browser = _communicator(b"http://127.0.0.1:8000")
    connected, _ = await browser.connect()
    assert connected
    try:
        await layer.group_send(SITE_GROUP, {"type": "notify", "event": "turn.opened", "turn": 3})
        assert await browser.receive_json_from(timeout=3) == {"event": "turn.opened", "turn": 3}
        await browser.send_json_to({"type": "ping"})
        assert await browser.receive_json_from(timeout=3) == {"event": "pong"}
    finally:
        await browser.disconnect()


async def test_connection_from_a_foreign_origin_is_refused():
    intruder = _communicator(b"https://attacker.example")
    connected, _ = await intruder.connect()
    assert not connected
