"""Shared fixtures.

Tests that need Redis or PostgreSQL ask for the ``redis_url`` or ``postgres`` fixture. On a
laptop without those services the test is skipped and says why; under ``CI=true`` a missing
service fails the test, so CI can never pass by skipping.
"""

import os
import uuid

import pytest
import redis
from asgiref.sync import SyncToAsync
from celery.contrib.testing.worker import start_worker
from channels.layers import channel_layers
from django.db import connection, connections

from wargame.celery import app as celery_app

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: every service must be there)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        _unavailable("needs Redis: set REDIS_URL, e.g. redis://127.0.0.1:6379/0")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable(f"needs Redis at {url}: {exc}")
    finally:
        client.close()
    return url


@pytest.fixture
def postgres(db) -> None:
    if connection.vendor != "postgresql":
        _unavailable(
            "needs PostgreSQL: set DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/wargame"
        )


@pytest.fixture(autouse=True)
def _test_client_settings(settings) -> None:
    """Serve like a developer's machine: plain HTTP, static files without collectstatic.

    Each test gets a cache of its own (a key prefix), so that counters such as the join
    throttle never leak from one test into the next, without flushing a shared Redis.
    """
    settings.SECURE_SSL_REDIRECT = False
    settings.DEADLINE_SWEEPER_THREAD = False
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _channel_layer_per_test():
    """Each test gets a channel layer of its own. The Redis layer binds its locks to the
    event loop that first waits on them, and every async test runs in a loop of its own: a
    lock left held by one test's consumer failed every websocket test after it."""
    yield
    channel_layers.backends.clear()


@pytest.fixture
def celery_worker(redis_url, transactional_db):
    """A real Celery worker in a thread, consuming from Redis.

    It needs a transactional database: Celery's Django fixup closes database connections when
    the worker starts, which would break the test's wrapping transaction (celery#4511). Tasks
    left in the queue by earlier tests are purged first, so they cannot touch this test's rows.
    """
    celery_app.control.purge()
    with start_worker(celery_app, perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem) -> None:
    """Before the last test's fixtures drop the test database: the ORM calls of async tests
    ran on asgiref's one sync thread, whose connection would still be open then."""
    if nextitem is None:
        SyncToAsync.single_thread_executor.submit(connections.close_all).result()
