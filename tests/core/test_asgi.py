"""The ASGI application serves a process's requests one after another on one thread."""

import asyncio

import pytest
from channels.testing import HttpCommunicator
from django.core.handlers.asgi import ASGIHandler

from wargame.core.asgi import OneThreadASGIHandler, get_asgi_application

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.core.one_thread_urls"),
]


def _browser() -> HttpCommunicator:
    browser = HttpCommunicator(
        OneThreadASGIHandler(), "GET", "/thread/", headers=[(b"host", b"testserver")]
    )
    browser.scope["scheme"] = "https"
    return browser


async def test_requests_arriving_together_run_one_after_another_on_one_thread():
    browsers = [_browser() for _ in range(4)]
    responses = await asyncio.gather(*(browser.get_response() for browser in browsers))
    assert [response["status"] for response in responses] == [200] * 4
    threads, overlapped = zip(*(response["body"].split() for response in responses), strict=True)
    assert len(set(threads)) == 1
    assert set(overlapped) == {b"1"}


@pytest.mark.parametrize(("eager", "handler"), [(False, OneThreadASGIHandler), (True, ASGIHandler)])
def test_where_tasks_run_inside_requests_each_request_keeps_a_thread(settings, eager, handler):
    """Embedded mode simulates and builds reports in the request: one thread would hold up
    every other request of the process meanwhile."""
    settings.CELERY_TASK_ALWAYS_EAGER = eager
    assert type(get_asgi_application()) is handler
