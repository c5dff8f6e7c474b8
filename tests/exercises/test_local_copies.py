"""Each process keeps copies of the parts and pages it read or stored (fragments.py): a
team page is served from them with its one query, even once the shared cache lost it."""

import re
import sys

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.exercises.factories import join
from wargame.exercises.fragments import LocalCopies

pytestmark = pytest.mark.django_db


def test_a_team_page_is_served_from_the_process_copy_once_redis_lost_it(running, redis_url):
    client = Client()
    client.get(f"/rejoin/{join(running, 'japan', 'Bob').rejoin_token}/")
    first = client.get(f"/play/{running.pk}/").content.decode()
    shared = redis.Redis.from_url(redis_url)
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    pages = list(shared.scan_iter(match=f"{prefix}:*:page:team:*"))
    assert pages
    shared.delete(*pages)

    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/play/{running.pk}/").content.decode()

    assert len(queries) == 1  # who is asking; nothing rendered again
    assert _per_response_parts_removed(again) == _per_response_parts_removed(first)


def test_the_least_recently_used_copies_go_first_and_an_oversized_one_is_not_kept():
    size = sys.getsizeof("x" * 400)
    copies = LocalCopies(size=2 * size + 10)
    copies.set_many({"a": "x" * 400, "b": ("y" * 400, None)})
    copies.get_many(["a"])
    copies.set_many({"c": "z" * 400, "huge": "w" * 3 * size})

    assert set(copies.get_many(["a", "b", "c", "huge"])) == {"a", "c"}


def test_copies_leave_when_the_cache_would_have_dropped_them():
    now = [1000.0]
    copies = LocalCopies(size=10_000, seconds=60, timer=lambda: now[0])
    copies.set_many({"part": "<p>turn 1</p>"})
    now[0] += 61

    assert copies.get_many(["part"]) == {}


def test_a_copy_read_from_the_cache_does_not_replace_the_one_stored_here():
    copies = LocalCopies(size=10_000)
    copies.set_many({"page": ("completed", None)})
    copies.set_many({"page": ("read before completion", None)}, replace=False)

    assert copies.get_many(["page"]) == {"page": ("completed", None)}


def _per_response_parts_removed(page: str) -> str:
    page = re.sub(r'data-server-now="[^"]*"', "", page)
    return re.sub(r'(csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"', "", page)
