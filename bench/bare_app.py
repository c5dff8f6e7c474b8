"""A bare Django view that returns a fixed string, served by the same ASGI server.

    DJANGO_SETTINGS_MODULE=bench.settings_bare uvicorn bench.bare_app:application

The module is both the urlconf (``urlpatterns``) and the ASGI application.
"""

import os

from django.http import HttpRequest, HttpResponse
from django.urls import path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings_bare")


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("", bare)]


def __getattr__(name: str):
    # The ASGI application is built on first use, so that importing this module as the
    # urlconf (from inside Django) does not build a second application.
    if name == "application":
        from wargame.core.asgi import get_asgi_application

        globals()["application"] = app = get_asgi_application()
        return app
    raise AttributeError(name)
