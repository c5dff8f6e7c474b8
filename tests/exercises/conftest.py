"""Fixtures for the play loop: the personas, a controllable clock, the audit trail, tasks."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from django.db.models import Max
from django.utils import timezone

from tests.exercises.factories import UserFactory, join, make_exercise, start
from wargame.celery import app as celery_app
from wargame.exercises.models import AuditEvent, Exercise


class Clock:
    """Stands in for ``django.utils.timezone.now`` so that a test decides when it is."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture(autouse=True)
def _fast_passwords(settings) -> None:
    """The personas' passwords are test data: hash them cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _join_unthrottled(settings) -> None:
    """These tests join many players from one address; throttling is not what they test."""
    settings.JOIN_RATE_PER_ADDRESS = settings.JOIN_RATE_PER_EXERCISE = "100000/m"


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(timezone.now().replace(microsecond=0))
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@contextmanager
def audited(exercise: Exercise, *actions: str) -> Iterator[None]:
    """The block writes exactly these audit events for the exercise, in this order."""
    last = AuditEvent.objects.filter(exercise=exercise).aggregate(last=Max("id"))["last"] or 0
    yield
    written = list(
        AuditEvent.objects.filter(exercise=exercise, id__gt=last)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert written == list(actions), f"audit events written: {written}"


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run enqueued tasks in-process, as embedded mode does (also when REDIS_URL is set)."""
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture
def queued_tasks() -> Iterator[None]:
    """Tasks enqueued by the services wait in the broker; the test calls the services itself.

    Embedded mode's broker is in memory; with REDIS_URL it is Redis, and what the test left
    there is purged so that no later worker adjudicates a turn of a dropped test database.
    """
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = before
    celery_app.control.purge()


@pytest.fixture
def alice(db):
    """The facilitator."""
    return UserFactory(username="alice")


@pytest.fixture
def mallory(db):
    """A facilitator too, of another exercise."""
    user = UserFactory(username="mallory")
    make_exercise(user, title="Mallory's own exercise")
    return user


@pytest.fixture
def exercise(alice) -> Exercise:
    """Alice's exercise of three turns, still in setup."""
    return make_exercise(alice, turns=3)


@pytest.fixture
def running(exercise) -> Exercise:
    """Alice's exercise, started: turn 1 is open."""
    start(exercise)
    return exercise


@pytest.fixture
def bob(running):
    return join(running, "japan", "Bob")


@pytest.fixture
def bea(running):
    """Bob's teammate."""
    return join(running, "japan", "Bea")


@pytest.fixture
def charlie(running):
    return join(running, "china", "Charlie")
