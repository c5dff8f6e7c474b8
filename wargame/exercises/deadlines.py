"""Deadlines in embedded mode: with no Celery beat, a timer thread in the web process sweeps.

In a deployment (``REDIS_URL`` set) Celery beat runs the same sweep on the workers. Either
way the sweep is idempotent: each expired turn is locked by one conditional UPDATE.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections

from wargame.exercises.tasks import lock_expired_turns

logger = logging.getLogger(__name__)

_started = threading.Event()
_start_lock = threading.Lock()


def _sweep_forever(interval: float) -> None:
    while True:
        try:
            lock_expired_turns()
        except Exception:
            logger.exception("Deadline sweep failed; trying again in %s s", interval)
        finally:
            close_old_connections()
        threading.Event().wait(interval)


def ensure_sweeper() -> None:
    """Start the embedded sweeper once per process (only when Celery runs eagerly)."""
    if _started.is_set() or not settings.DEADLINE_SWEEPER_THREAD:
        return
    if not getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return
    with _start_lock:
        if _started.is_set():
            return
        interval = settings.CELERY_BEAT_SCHEDULE["lock-expired-turns"]["schedule"]
        threading.Thread(
            target=_sweep_forever, args=(interval,), name="deadline-sweeper", daemon=True
        ).start()
        _started.set()


class DeadlineSweeperMiddleware:
    """Starts the embedded sweeper with the first request the web process serves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ensure_sweeper()
        return self.get_response(request)
