"""A view that tells which thread served it and how many requests it overlapped."""

import threading
import time

from django.http import HttpRequest, HttpResponse
from django.urls import path

_running: list[int] = []


def thread(request: HttpRequest) -> HttpResponse:
    _running.append(1)
    overlapped = len(_running)
    time.sleep(0.05)
    _running.pop()
    return HttpResponse(f"{threading.get_ident()} {overlapped}")


urlpatterns = [path("thread/", thread)]
