"""Django's ASGI handler, running a process's requests one at a time on one thread."""

from typing import Any

import django
from asgiref.sync import ThreadSensitiveContext
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

HEALTH_PATH = "/healthz"


class OneThreadASGIHandler(ASGIHandler):
    """Django's handler gives each request a thread of its own (asgiref's
    ``ThreadSensitiveContext``). Under a class's load a process then runs a dozen requests'
    Python at once; they take turns on the interpreter lock, and each of a request's
    database and Redis round trips waits for the lock again (bench/HISTORY.md, "night").

    Here a process's requests run one after another on asgiref's one shared thread, as
    under a WSGI server: serve with several processes (``uvicorn --workers``), so that while
    one waits for the database another has the core. The health check keeps a thread of its
    own, so that a load balancer's probe does not wait behind a class's saves.
    """

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP connections only, not {scope['type']}.")
        if scope["path"] == HEALTH_PATH:
            async with ThreadSensitiveContext():
                await self.handle(scope, receive, send)
        else:
            await self.handle(scope, receive, send)


def get_asgi_application() -> ASGIHandler:
    """Where tasks run inside the request that queued them (embedded mode, no worker), a
    simulation or a report would hold up every other request of the process: Django's own
    handler there."""
    django.setup(set_prefix=False)
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return ASGIHandler()
    return OneThreadASGIHandler()
