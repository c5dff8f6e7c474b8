"""A real server and Debian's Chromium, for tests that play the game in browsers.

The server runs in its own process (daphne, serving the ASGI application that uvicorn
serves in a deployment) against the test database; with ``REDIS_URL`` set, a real Celery
worker runs beside it, as on the full stack. Tests that use it need a transactional
database, so that both processes see committed rows.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, connections
from playwright.sync_api import expect

from tests.conftest import _unavailable
from wargame.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
WEB_APP = "wargame.asgi:application"
WORKER_ARGS = ["--pool", "solo", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    return f"postgres://{user}@{settings['HOST']}:{settings['PORT'] or 5432}/{settings['NAME']}"


def _wait_until_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped: {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not answer within 30 s")


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if args[0] == "daphne" else subprocess.DEVNULL,
    )


@contextmanager
def stack(*, redis_url: str | None, beat_schedule: Path | None = None) -> Iterator[str]:
    """Serve the app with daphne (and, with Redis, a Celery worker and optionally beat)."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DEBUG": "true",
        "DEADLINE_SWEEPER_THREAD": "true",
        "DEADLINE_SWEEP_SECONDS": "1",
        # The test database starts again from the same ids in every run; Redis keeps what an
        # earlier run cached under them.
        "CACHE_KEY_PREFIX": f"e2e-{uuid.uuid4().hex}",
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    processes = [_spawn(["daphne", "-b", "127.0.0.1", "-p", str(port), WEB_APP], env)]
    if redis_url:
        processes.append(_spawn(["celery", "-A", "wargame", "worker", *WORKER_ARGS], env))
    if redis_url and beat_schedule:
        processes.append(
            _spawn(["celery", "-A", "wargame", "beat", "--schedule", str(beat_schedule)], env)
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/", processes[0])
        yield url
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def live_stack(transactional_db):
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        celery_app.control.purge()
    with stack(redis_url=redis_url) as url:
        yield url


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
    # still synchronous, which Django allows only when told so.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not CHROMIUM.exists():
        _unavailable("needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        # While Playwright's event loop runs in this thread, Django keeps the thread's
        # database connections per async context (asgiref's Local), not per thread: once
        # Playwright stops, those the test opened are out of reach, and left open they keep
        # the test database from being dropped at the end of the run.
        connections.close_all()
        chromium.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)

    return take


LIVE_TIMEOUT = 20_000


def join_by_link(browser, url: str, code: str, name: str):
    """A player joins in a browser context of their own and waits for live updates."""
    page = browser.new_context().new_page()
    page.goto(f"{url}/join/{code}/")
    page.fill("#id_display_name", name)
    page.click("button[type=submit]")
    expect(page.locator("#connection")).to_have_text("live", timeout=LIVE_TIMEOUT)
    page.evaluate("window.notReloaded = true")
    return page


class PrivateRedis:
    """A Redis server of this test's own, so that stopping it disturbs nobody else."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError("the private Redis did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def private_redis():
    if shutil.which("redis-server") is None:
        _unavailable("needs redis-server on the PATH")
    redis = PrivateRedis()
    redis.start()
    yield redis
    if redis.process.poll() is None:
        redis.stop()
