"""Django's ASGI handler, running every request's Django code on its process's one thread."""

import django
from django.core.handlers.asgi import ASGIHandler


class OneThreadASGIHandler(ASGIHandler):
    """Django's handler gives each request a thread of its own (asgiref's
    ``ThreadSensitiveContext``). Under a class's load a process then runs a dozen requests'
    Python at once; they take turns on the interpreter lock, and each of a request's
    database and Redis round trips waits for the lock again: a draft save of 26 ms of CPU
    took 550 ms (p50) with 200 players on a 2-core machine.

    Here a process's requests run one after another on one thread (asgiref's
    ``single_thread_executor``), as under a WSGI server. Serve with several processes
    (``uvicorn --workers``), so that while one waits for the database another has the core.
    """

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP connections only, not {scope['type']}.")
        await self.handle(scope, receive, send)


def get_asgi_application() -> OneThreadASGIHandler:
    django.setup(set_prefix=False)
    return OneThreadASGIHandler()
