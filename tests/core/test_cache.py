"""While Redis is away the cache misses quietly, so pages keep working."""

import pytest
from django.test import Client, override_settings

from wargame.core.cache import ForgivingRedisCache

CLOSED = "redis://127.0.0.1:1/0"


@pytest.fixture
def unreachable():
    return ForgivingRedisCache(
        CLOSED, {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    )


def test_reads_miss_and_writes_are_dropped(unreachable):
    assert unreachable.get("charts", "default") == "default"
    assert unreachable.get_many(["a", "b"]) == {}
    assert unreachable.set("charts", [1, 2]) is None
    assert unreachable.delete("charts") is False


def test_counters_let_requests_through(unreachable):
    assert unreachable.add("join:1.2.3.4", 1, 60) is True
    with pytest.raises(ValueError, match="cache unavailable"):
        unreachable.incr("join:1.2.3.4")


def test_joining_and_playing_work_while_the_cache_is_unreachable(client, settings, db):
    from django.contrib.auth import get_user_model

    from wargame.exercises.models import Participant
    from wargame.exercises.services.exercises import exercise_create

    exercise = exercise_create(
        facilitator=get_user_model().objects.create_user("alice"),
        scenario_slug="japan-korea-2025",
        title="No cache",
    )
    settings.CACHES = {
        "default": {
            "BACKEND": "wargame.core.cache.ForgivingRedisCache",
            "LOCATION": CLOSED,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    code = exercise.teams.get(key="japan").join_code
    response = client.post(f"/join/{code}/", {"display_name": "Bob"})
    assert response.status_code == 302
    assert Participant.objects.filter(display_name="Bob").exists()
    # Every part of the page is rendered afresh.
    page = client.get(f"/play/{exercise.pk}/")
    assert page.status_code == 200
    assert "Bob" in page.text and "Waiting for the facilitator to start" in page.text
    # The facilitator's session comes from the database.
    facilitator = Client()
    facilitator.force_login(exercise.facilitator)
    control = facilitator.get(f"/exercises/{exercise.pk}/control/")
    assert control.status_code == 200 and "Bob" in control.text


def test_requests_in_contexts_of_their_own_share_the_processs_connections_to_redis(redis_url):
    """Under ASGI every request runs in a new context, which gets a cache object of its own."""
    import contextvars

    import redis
    from django.core.cache import caches

    settings = {"BACKEND": "wargame.core.cache.ForgivingRedisCache", "LOCATION": redis_url}
    server = redis.Redis.from_url(redis_url)

    def a_request() -> None:
        with override_settings(CACHES={"default": settings}):
            caches["default"].get("page:team:1")

    contextvars.Context().run(a_request)
    before = server.info("stats")["total_connections_received"]
    for _ in range(20):
        contextvars.Context().run(a_request)
    assert server.info("stats")["total_connections_received"] - before <= 2
