"""Two web processes behind one database and one Redis: a player on one and a teammate on
the other see each other's saves live; a browser that was offline catches up by itself."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import expect

from wargame.exercises.services.audit import SYSTEM
from wargame.exercises.services.exercises import exercise_create, exercise_start
from wargame.exercises.services.turns import turn_adjudicate, turn_lock, turn_publish

from .conftest import join_by_link, stack

pytestmark = pytest.mark.browser
TIMEOUT = 20_000


def _in_a_thread(function, **kwargs) -> None:
    """Services notify through async_to_sync, which Playwright's own event loop forbids here."""

    def run() -> None:
        try:
            function(**kwargs)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def test_teammates_on_two_web_processes_see_each_other(
    postgres,
    transactional_db,
    private_redis,
    browser,
    screenshot,
):
    alice = get_user_model().objects.create_user("alice")
    exercise = exercise_create(facilitator=alice, scenario_slug="japan-korea-2025", title="Two")
    turn = exercise_start(exercise_id=exercise.pk, user=alice)
    code = exercise.teams.get(key="japan").join_code

    with stack(redis_url=private_redis.url) as first, stack(redis_url=private_redis.url) as second:
        aiko = join_by_link(browser, first, code, "Aiko")
        kenji = join_by_link(browser, second, code, "Kenji")

        aiko.fill("#id_objective", "Written on the first server")
        aiko.click("button[value=save]")
        expect(kenji.locator("#id_objective")).to_have_value(
            "Written on the first server", timeout=TIMEOUT
        )
        kenji.fill("#id_objective", "Answered from the second server")
        kenji.click("button[value=save]")
        expect(aiko.locator("#id_objective")).to_have_value(
            "Answered from the second server", timeout=TIMEOUT
        )

        # Aiko's laptop goes offline; the turn is locked and published meanwhile.
        aiko.context.set_offline(True)
        expect(aiko.locator("#connection")).to_have_text("reconnecting…", timeout=TIMEOUT)
        _in_a_thread(turn_lock, turn_id=turn.pk, actor=SYSTEM, reason="test")
        _in_a_thread(turn_adjudicate, turn_id=turn.pk)
        _in_a_thread(turn_publish, turn_id=turn.pk, user=alice)
        aiko.context.set_offline(False)
        expect(aiko.get_by_text("Your move for turn 2")).to_be_visible(timeout=TIMEOUT)
        expect(aiko.locator("#situation")).to_contain_text("Turn 1")
        assert aiko.evaluate("window.notReloaded") is True
        assert kenji.evaluate("window.notReloaded") is True
        screenshot(aiko, "back-online-caught-up")
