"""A notice's groups sent at once (core/layers.py) reach whom channels-redis would reach."""

import asyncio
import logging

import pytest

from wargame.core.layers import NoticeChannelLayer


async def _next(layer: NoticeChannelLayer, channel: str) -> dict:
    return await asyncio.wait_for(layer.receive(channel), timeout=3)


@pytest.fixture
async def layers(redis_url):
    """Two web processes' layers: each keeps its channels' messages under a key of its own,
    holding at most two of them."""
    layers = [NoticeChannelLayer(hosts=[redis_url], prefix="test-layers", capacity=2)]
    layers.append(NoticeChannelLayer(hosts=[redis_url], prefix="test-layers", capacity=2))
    await layers[0].flush()
    yield layers
    for layer in layers:
        await layer.flush()


@pytest.fixture
async def layer(redis_url):
    layer = NoticeChannelLayer(hosts=[redis_url], prefix="test-layers")
    await layer.flush()
    yield layer
    await layer.flush()


async def test_each_group_gets_its_own_message_in_order(layer):
    bob, bea, alice, olivia = [await layer.new_channel() for _ in range(4)]
    for channel in (bob, bea):
        await layer.group_add("team", channel)
    await layer.group_add("control", alice)

    await layer.group_send_many(
        [("team", {"type": "notify", "n": 1, "parts": "form"}), ("control", {"type": "notify"})]
    )
    await layer.group_send_many([("team", {"type": "notify", "n": 2}), ("nobody", {"n": 0})])

    for channel in (bob, bea):
        assert await _next(layer, channel) == {"type": "notify", "n": 1, "parts": "form"}
        assert await _next(layer, channel) == {"type": "notify", "n": 2}
    assert await _next(layer, alice) == {"type": "notify"}
    await layer.send(olivia, {"type": "last"})  # nothing else reached anyone
    for channel in (bob, bea, alice):
        await layer.send(channel, {"type": "last"})
        assert await _next(layer, channel) == {"type": "last"}
    assert await _next(layer, olivia) == {"type": "last"}


async def test_a_process_at_capacity_misses_the_notice_and_it_is_logged(layers, caplog):
    busy, idle = layers
    slow, fast = await busy.new_channel(), await idle.new_channel()
    await busy.group_add("team", slow)
    await busy.group_add("control", fast)
    for n in range(2):
        await busy.send(slow, {"type": "notify", "n": n})

    with caplog.at_level(logging.INFO, logger="wargame.core.layers"):
        await busy.group_send_many([("team", {"n": 2}), ("control", {"n": 2})])

    assert [(await _next(busy, slow))["n"] for _ in range(2)] == [0, 1]
    assert (await _next(idle, fast))["n"] == 2
    assert "1 of 1 channels over capacity in group team" in caplog.text


async def test_with_several_redis_servers_each_group_is_sent_as_channels_redis_does(redis_url):
    """Groups spread over servers by their names: one pipeline cannot carry them all. Two
    databases of one Redis stand for two servers."""
    other = redis_url.rsplit("/", 1)[0] + "/14"
    layer = NoticeChannelLayer(hosts=[redis_url, other], prefix="test-layers-ring")
    await layer.flush()
    try:
        bob, alice = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("team", bob)
        await layer.group_add("control", alice)

        await layer.group_send_many([("team", {"n": 1}), ("control", {"n": 2})])

        assert (await _next(layer, bob))["n"] == 1
        assert (await _next(layer, alice))["n"] == 2
    finally:
        await layer.flush()
