"""Checks behind /healthz: each answers within about a second and never raises.

Anyone may ask /healthz, so the public answer is cheap: can this process reach its database
(one ``SELECT 1``)? Redis is left out on purpose: pages and saves keep working while it
restarts, and a load balancer that saw every web process fail at once would take the whole
site down instead. The detailed checks (Redis, a ping of the Celery workers, a round trip
through the channel layer) take up to a few seconds, so they answer only requests from this
machine or carrying ``HEALTHZ_TOKEN``, and their result is kept for a few seconds.
"""

import asyncio
import ipaddress
import secrets
import time
from collections.abc import Callable
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone

from wargame.celery import app as celery_app

TIMEOUT = 1.0
DETAIL_CACHE_KEY = "healthz:detail"
DETAIL_CACHE_SECONDS = 5
# A request relayed by a proxy on this machine comes from loopback too: it is not local.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")

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
        replies = celery_app.control.inspect(timeout=TIMEOUT, connection=conn).active_queues()
    replies = replies or {}
    served = {queue["name"] for queues in replies.values() for queue in queues}
    unserved = sorted({queue.name for queue in settings.CELERY_TASK_QUEUES} - served)
    return {
        "ok": bool(replies) and not unserved,
        "configured": True,
        "workers": sorted(replies),
        # Adjudication and decision support run on workers of their own (Procfile): one
        # down leaves the other answering while its queue waits.
        "queues_without_worker": unserved,
    }


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


def may_see_details(request: HttpRequest) -> bool:
    """From this machine (not relayed by a proxy), or with ``Authorization: Bearer <token>``."""
    token = settings.HEALTHZ_TOKEN
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if token and scheme.lower() == "bearer":
        return secrets.compare_digest(sent.strip().encode(), token.encode())
    if any(header in request.META for header in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def public_check() -> bool:
    """The cheap answer anyone gets: does the database answer?"""
    return _timed(_database)["ok"]


def detailed_checks() -> dict[str, Any]:
    """Every check, run at most once every few seconds (per cache: Redis, or this process)."""
    result = cache.get(DETAIL_CACHE_KEY)
    if result is None:
        result = {"checked_at": timezone.now().isoformat(), "checks": run_checks()}
        cache.set(DETAIL_CACHE_KEY, result, DETAIL_CACHE_SECONDS)
    return result
