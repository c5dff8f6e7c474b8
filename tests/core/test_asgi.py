"""The ASGI application serves a process's requests one after another on one thread."""

import asyncio

import pytest
from channels.testing import HttpCommunicator

from wargame.asgi import application

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.core.one_thread_urls"),
]


def _browser() -> HttpCommunicator:
    browser = HttpCommunicator(application, "GET", "/thread/", headers=[(b"host", b"testserver")])
    browser.scope["scheme"] = "https"
    return browser


async def test_requests_arriving_together_run_one_after_another_on_one_thread():
    browsers = [_browser() for _ in range(4)]
    responses = await asyncio.gather(*(browser.get_response() for browser in browsers))
    assert [response["status"] for response in responses] == [200] * 4
    threads, overlapped = zip(*(response["body"].split() for response in responses), strict=True)
    assert len(set(threads)) == 1
    assert set(overlapped) == {b"1"}
