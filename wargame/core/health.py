"""Checks behind /healthz: each answers within about a second and never raises."""

import asyncio
import time
from collections.abc import Callable
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

from wargame.celery import app as celery_app

TIMEOUT = 1.0

Check = dict[str, Any]


def _timed(probe: Callable[[], Check]) -> Check:
    started = time.perf_counter()
    try:
        result = probe()
    except Exception as exc:
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True, "vendor": connection.vendor}


def _redis() -> Check:
    if not settings.REDIS_URL:
        return {"ok": True, "configured": False}
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True, "configured": True}


def _workers() -> Check:
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return {"ok": True, "configured": False, "mode": "eager (tasks run in the web process)"}
    with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=TIMEOUT)
        replies = celery_app.control.ping(timeout=TIMEOUT, connection=conn)
    names = sorted(name for reply in replies for name in reply)
    return {"ok": bool(names), "configured": True, "workers": names}


def _channel_layer() -> Check:
    layer = get_channel_layer()

    async def round_trip() -> None:
        channel = await layer.new_channel("healthz.")
        await layer.send(channel, {"type": "healthz.probe"})
        await layer.receive(channel)

    async def bounded() -> None:
        await asyncio.wait_for(round_trip(), TIMEOUT)

    async_to_sync(bounded)()
    return {"ok": True, "backend": type(layer).__name__}


def run_checks() -> dict[str, Check]:
    return {
        "database": _timed(_database),
        "redis": _timed(_redis),
        "celery_workers": _timed(_workers),
        "channel_layer": _timed(_channel_layer),
    }
