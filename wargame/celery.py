"""The Celery application.

With ``REDIS_URL`` set, Redis is broker and result backend and tasks run on workers
(``celery -A wargame worker``). Without it, settings switch Celery to eager mode so that the
web process runs every task itself and ``make run`` needs no other service.
"""

import logging
import os
from functools import cached_property

from celery import Celery
from celery.app import backends
from celery.signals import celeryd_after_setup, worker_init
from django.conf import settings

from wargame.core.priority import yield_cpu

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wargame.settings")

logger = logging.getLogger(__name__)


class WargameCelery(Celery):
    """Looks up its result backend's class once per process.

    Celery keeps a backend per thread, and under Django's ASGI handler (embedded mode)
    every request runs in a thread of its own: each request that queued a task (a
    decision-support estimate, an adjudication) looked the class up again, reading every
    installed package's entry points, about 3 ms (bench/HISTORY.md).
    """

    @cached_property
    def _backend_class_and_url(self) -> tuple:
        return backends.by_url(self.backend_cls or self.conf.result_backend, self.loader)

    def _get_backend(self):
        backend, url = self._backend_class_and_url
        return backend(app=self, url=url)


app = WargameCelery("wargame")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _load_scenarios(**kwargs) -> None:
    """Before the pool forks: every worker process starts with the packs read."""
    from wargame.exercises.scenarios import load_shipped_scenarios

    load_shipped_scenarios()


@celeryd_after_setup.connect
def _previews_yield_cpu(sender, instance, **kwargs) -> None:
    """A worker that runs only the simulations gives way to everything else
    (core/priority.py), before its pool forks, so that every process of it does."""
    if set(instance.app.amqp.queues.consume_from) != {settings.PREVIEWS_QUEUE}:
        return
    if lowered := yield_cpu():
        logger.info(
            "%s: runs simulations on CPU nothing else wants: %s", sender, ", ".join(lowered)
        )
    else:
        logger.warning("%s: runs simulations at the pages' CPU priority", sender)
