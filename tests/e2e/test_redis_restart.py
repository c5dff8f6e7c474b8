"""Redis stopped and started again during an open turn, on the full stack (web, worker,
beat): saves keep working, the page reconnects and catches up by itself, nothing is lost,
and the deadline sweep resumes and locks the expired turn."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from wargame.exercises.models import Move, Turn
from wargame.exercises.services.exercises import exercise_create, exercise_start

from .conftest import join_by_link, stack

pytestmark = pytest.mark.browser
TIMEOUT = 20_000


def test_redis_restart_during_an_open_turn(
    postgres, transactional_db, private_redis, browser, screenshot, tmp_path
):
    alice = get_user_model().objects.create_user("alice")
    exercise = exercise_create(facilitator=alice, scenario_slug="japan-korea-2025", title="Drill")
    turn = exercise_start(exercise_id=exercise.pk, user=alice)
    code = exercise.teams.get(key="japan").join_code

    with stack(redis_url=private_redis.url, beat_schedule=tmp_path / "beat") as url:
        watcher = join_by_link(browser, url, code, "Watcher")
        writer = join_by_link(browser, url, code, "Writer")
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
