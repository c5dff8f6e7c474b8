"""In a browser: ticking an action updates the decision-support panel without a reload."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from wargame.exercises.services.exercises import exercise_create, exercise_start

pytestmark = pytest.mark.browser

TIMEOUT = 15_000


def test_ticking_an_action_updates_the_preview(live_stack, browser, screenshot):
    url = live_stack
    alice = get_user_model().objects.create_user("alice", password="correct horse battery")
    exercise = exercise_create(
        facilitator=alice, scenario_slug="japan-korea-2025", title="Seminar 4C", turns=4
    )
    exercise_start(exercise_id=exercise.pk, user=alice)
    code = exercise.teams.get(key="japan").join_code

    page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
    page.goto(f"{url}/join/{code}/")
    page.fill("#id_display_name", "Aiko")
    page.click("button[type=submit]")
    expect(page.locator("#connection")).to_have_text("live", timeout=TIMEOUT)
    page.evaluate("window.notReloaded = true")

    panel = page.locator("#decision-support")
    expect(panel.get_by_text("Nothing ticked")).to_be_visible(timeout=TIMEOUT)
    expect(panel.locator("#preview-runs")).to_have_text("model estimate · 400 simulated games")
    hold_share = panel.locator("#preview-futures tbody tr").first.get_attribute("data-share")

    page.locator("input[name=act__jp_defence_buildup]").check()
    expect(panel.locator("#preview-package")).to_have_attribute(
        "data-package", re.compile(r"^jp_defence_buildup:\w+ $"), timeout=TIMEOUT
    )
    expect(panel.get_by_text("Your objectives, after this turn")).to_be_visible()
    expect(panel.locator("#preview-objectives")).to_contain_text("▲ helps")
    page.locator("input[name=act__jp_china_thaw]").check()
    expect(panel.locator("#preview-package")).to_have_attribute(
        "data-package", re.compile(r"^jp_defence_buildup:\w+ jp_china_thaw "), timeout=TIMEOUT
    )
    expect(panel.locator("#preview-risks")).to_contain_text("depending on what others play")
    assert panel.locator("#preview-futures tbody tr").count() == 5
    assert hold_share is not None
    screenshot(page, "team-page-decision-support")
    page.screenshot(path="artifacts/screenshots/team-page-decision-support-viewport.png")

    # Over budget: the panel says why instead of showing numbers.
    page.locator("input[name=act__jp_asian_nato]").check()
    page.locator("input[name=act__jp_retaliate]").check()
    expect(panel.locator("#preview-problems")).to_contain_text("budget", timeout=TIMEOUT)
    assert page.evaluate("window.notReloaded") is True
