"""Redis stopped and started again during an open turn, on the full stack (web, worker,
beat): saves keep working, the page reconnects and catches up by itself, nothing is lost,
and the deadline sweep resumes and locks the expired turn."""

import shutil
import socket
import subprocess
import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from tests.conftest import _unavailable
from wargame.exercises.models import Move, Turn
from wargame.exercises.services.exercises import exercise_create, exercise_start

from .conftest import _free_port, stack

pytestmark = pytest.mark.browser
TIMEOUT = 20_000


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


def test_redis_restart_during_an_open_turn(
    postgres, transactional_db, private_redis, browser, screenshot, tmp_path
):
    alice = get_user_model().objects.create_user("alice")
    exercise = exercise_create(facilitator=alice, scenario_slug="japan-korea-2025", title="Drill")
    turn = exercise_start(exercise_id=exercise.pk, user=alice)
    code = exercise.teams.get(key="japan").join_code

    with stack(redis_url=private_redis.url, beat_schedule=tmp_path / "beat") as url:

        def join(name: str):
            page = browser.new_context().new_page()
            page.goto(f"{url}/join/{code}/")
            page.fill("#id_display_name", name)
            page.click("button[type=submit]")
            expect(page.locator("#connection")).to_have_text("live", timeout=TIMEOUT)
            page.evaluate("window.notReloaded = true")
            return page

        watcher, writer = join("Watcher"), join("Writer")
        private_redis.stop()
        expect(watcher.locator("#connection")).to_have_text("reconnecting…", timeout=TIMEOUT)

        writer.fill("#id_objective", "Saved while Redis was down")
        writer.click("button[value=save]")
        expect(writer.get_by_text("Draft saved.")).to_be_visible(timeout=TIMEOUT)
        move = Move.objects.get(turn=turn, team__key="japan")
        assert move.answers["objective"] == "Saved while Redis was down"

        private_redis.start()
        expect(watcher.locator("#connection")).to_have_text("live", timeout=TIMEOUT)
        expect(watcher.locator("#id_objective")).to_have_value(
            "Saved while Redis was down", timeout=TIMEOUT
        )

        Turn.objects.filter(pk=turn.pk).update(deadline=timezone.now() - timedelta(seconds=1))
        expect(watcher.get_by_text("This turn is locked")).to_be_visible(timeout=TIMEOUT)
        assert watcher.evaluate("window.notReloaded") is True
        screenshot(watcher, "redis-restart-caught-up")
    assert Turn.objects.get(pk=turn.pk).status in {Turn.Status.LOCKED, Turn.Status.ADJUDICATED}
