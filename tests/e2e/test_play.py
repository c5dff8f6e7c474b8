"""A whole class in browsers: a facilitator and five players play two turns."""

import math
import re
import threading
import time

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import Page, expect

from tests.exercises.factories import answers, current_turn, join, save_draft
from wargame.exercises.models import Team
from wargame.exercises.notify import team_group
from wargame.exercises.services.exercises import exercise_create, exercise_start

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
TIMEOUT = 15_000


def _join(context, url: str, code: str, name: str) -> Page:
    page = context.new_page()
    page.goto(f"{url}/join/")
    page.fill("#id_code", code)
    page.click("button[type=submit]")
    page.fill("#id_display_name", name)
    page.click("button[type=submit]")
    expect(page.locator("#connection")).to_have_text("live", timeout=TIMEOUT)
    page.evaluate("window.notReloaded = true")
    return page


def _tick_first_action_and_submit(page: Page, objective: str) -> None:
    box = page.locator("#move-form input[data-cost]").first
    box.check()
    target = page.locator(f"select[name=target__{box.get_attribute('name')[5:]}]")
    if target.count():
        target.select_option(index=1)
    page.fill("#id_objective", objective)
    page.locator("input[name=confidence][value='3']").check()
    page.fill("#id_rationale", f"Rationale: {objective}")
    page.click("button[value=submit]")
    expect(page.locator("#move-status")).to_have_text("Submitted", timeout=TIMEOUT)


def _facilitator_plays_turn(page: Page, url: str, exercise_id: int, number: int) -> None:
    page.goto(f"{url}/exercises/{exercise_id}/control/")
    page.get_by_role("button", name="Lock now").click()
    page.goto(f"{url}/exercises/{exercise_id}/review/")
    publish = page.get_by_role("button", name=f"Publish turn {number}")
    expect(publish).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Every change and its cause")).to_be_visible()
    publish.click()
    expect(page.get_by_text(f"Turn {number} published to every team.")).to_be_visible()


def test_a_class_plays_two_turns_in_browsers(live_stack, browser, screenshot):
    url = live_stack
    alice = get_user_model().objects.create_user("alice", password=PASSWORD)
    exercise = exercise_create(
        facilitator=alice, scenario_slug="japan-korea-2025", title="Seminar 4B", turns=2
    )
    codes = {team.key: team.join_code for team in Team.objects.filter(exercise=exercise)}

    facilitator = browser.new_context().new_page()
    facilitator.goto(f"{url}/accounts/login/")
    facilitator.fill("#id_username", "alice")
    facilitator.fill("#id_password", PASSWORD)
    facilitator.click("button[type=submit]")

    aiko = _join(browser.new_context(), url, codes["japan"], "Aiko")
    kenji = _join(browser.new_context(), url, codes["japan"], "Kenji")
    others = {
        key: _join(browser.new_context(), url, codes[key], name)
        for key, name in [("south_korea", "Min-jun"), ("united_states", "Sam"), ("china", "Li")]
    }

    facilitator.goto(f"{url}/exercises/{exercise.pk}/control/")
    expect(facilitator.get_by_text("Aiko")).to_be_visible()
    screenshot(facilitator, "control-room-before-start")
    facilitator.get_by_role("button", name="Start turn 1").click()

    # Kenji sees the turn open, then Aiko's draft arrive, without reloading.
    expect(kenji.get_by_text("Your move for turn 1")).to_be_visible(timeout=TIMEOUT)
    aiko.reload()
    aiko.evaluate("window.notReloaded = true")
    kenji_asked = []
    kenji.on("request", lambda request: kenji_asked.append(request.url))
    aiko.locator("#move-form input[data-cost]").first.check()
    aiko.fill("#id_objective", "Reassure Washington without provoking Beijing")
    aiko.click("button[value=save]")
    expect(aiko.get_by_text("Draft saved.")).to_be_visible(timeout=TIMEOUT)
    expect(kenji.locator("#id_objective")).to_have_value(
        "Reassure Washington without provoking Beijing", timeout=TIMEOUT
    )
    expect(kenji.locator("#draft-info")).to_contain_text("last saved by Aiko")
    assert kenji.evaluate("window.notReloaded") is True
    screenshot(kenji, "team-page-teammate-draft")

    # Aiko's note to her team reaches Kenji too. Both came with their notices: Kenji's
    # browser did not have to ask for the form or the messages again.
    aiko.fill("#id_body", "I will draft the statement; Kenji, check the budget.")
    aiko.click("#chat button[type=submit]")
    expect(kenji.locator("#team-messages")).to_contain_text(
        "Kenji, check the budget.", timeout=TIMEOUT
    )
    assert [url for url in kenji_asked if "/fragments/" in url] == []

    kenji.locator("input[name=confidence][value='4']").check()
    kenji.fill("#id_rationale", "Alliance first, but keep a door open to Beijing.")
    kenji.click("button[value=submit]")
    expect(kenji.locator("#move-status")).to_have_text("Submitted", timeout=TIMEOUT)
    sam = others["united_states"]
    sam.reload()
    sam.click("button[value=submit]")
    expect(sam.get_by_text("Write the team's objective before submitting.")).to_be_visible(
        timeout=TIMEOUT
    )
    for key, page in others.items():
        page.reload()
        _tick_first_action_and_submit(page, f"{key} plays its first card")

    facilitator.goto(f"{url}/exercises/{exercise.pk}/control/")
    expect(facilitator.locator("#control-status .badge", has_text="Submitted")).to_have_count(4)
    kenji_asked.clear()
    _facilitator_plays_turn(facilitator, url, exercise.pk, 1)
    screenshot(facilitator, "control-room-turn-2")

    # The published outcome reaches Aiko's open page by itself.
    expect(aiko.locator("#situation")).to_contain_text("Turn 1", timeout=TIMEOUT)
    expect(aiko.get_by_text("Your move for turn 2")).to_be_visible(timeout=TIMEOUT)
    assert aiko.evaluate("window.notReloaded") is True
    screenshot(aiko, "team-page-after-turn-1")
    # The lock, then the outcome and the new turn's form with its decision support came
    # with their notices: Kenji's browser asked for none of them.
    expect(kenji.get_by_text("Your move for turn 2")).to_be_visible(timeout=TIMEOUT)
    expect(kenji.locator("#move-form input[data-cost]").first).to_be_enabled()
    expect(kenji.locator("#decision-support")).to_contain_text("Nothing ticked", timeout=TIMEOUT)
    assert [u for u in kenji_asked if "/fragments/" in u or "/preview/" in u] == []

    for page in [aiko, *others.values()]:
        _tick_first_action_and_submit(page, "Second turn")
    _facilitator_plays_turn(facilitator, url, exercise.pk, 2)
    expect(facilitator.get_by_text(re.compile("Exercise: Finished"))).to_be_visible()

    observer = browser.new_context(viewport={"width": 1600, "height": 900}).new_page()
    exercise.refresh_from_db()
    observer.goto(f"{url}/observe/{exercise.observer_token}/")
    expect(observer.get_by_text("The exercise has ended in")).to_be_visible()
    expect(observer.get_by_text("Turn 2: what happened")).to_be_visible()
    screenshot(observer, "projector-finished")


def _send_to_team(exercise_id: int, team_key: str, message: dict) -> None:
    """A notice as the server sends it, from another thread: Playwright's event loop runs in
    this one."""
    layer = get_channel_layer()
    sender = threading.Thread(
        target=async_to_sync(layer.group_send), args=(team_group(exercise_id, team_key), message)
    )
    sender.start()
    sender.join(timeout=10)


def test_a_form_that_comes_late_never_replaces_a_newer_one(redis_url, live_stack, browser):
    """The browser and this test share the channel layer on Redis."""
    url = live_stack
    alice = get_user_model().objects.create_user("alice", password=PASSWORD)
    exercise = exercise_create(facilitator=alice, scenario_slug="japan-korea-2025", title="4B")
    exercise_start(exercise_id=exercise.pk, user=alice)
    code = Team.objects.get(exercise=exercise, key="japan").join_code
    aiko = _join(browser.new_context(), url, code, "Aiko")
    kenji = _join(browser.new_context(), url, code, "Kenji")

    for objective in ("Reassure Washington first", "Then talk to Beijing"):
        aiko.fill("#id_objective", objective)
        aiko.click("button[value=save]")
        expect(kenji.locator("#id_objective")).to_have_value(objective, timeout=TIMEOUT)
        if objective == "Reassure Washington first":
            older = kenji.evaluate("document.getElementById('move').innerHTML")

    # The first save's form arrives again, late, as it could behind the second: Kenji keeps
    # the newer one. Without its version it would be shown, so the notice did arrive.
    notice = {"type": "notify", "event": "draft.saved", "exercise": exercise.pk, "by": 0}
    _send_to_team(exercise.pk, "japan", {**notice, "team_parts": {"japan": {"move": older}}})
    kenji.wait_for_timeout(1000)
    expect(kenji.locator("#id_objective")).to_have_value("Then talk to Beijing")
    unversioned = older.replace("data-part-version=", "data-was-version=")
    _send_to_team(exercise.pk, "japan", {**notice, "team_parts": {"japan": {"move": unversioned}}})
    expect(kenji.locator("#id_objective")).to_have_value(
        "Reassure Washington first", timeout=TIMEOUT
    )


def _aiko_saves_before_kenjis_hello(browser, url: str, typing: str = "") -> Page:
    """Aiko saves after Kenji's page was rendered and before his connection asks what is
    current: a notice that reaches no one, as when it is sent before the connection joins.
    Here his connection passes on no notice at all, and holds his page's "hello" until
    Aiko has saved (Kenji meanwhile ``typing`` his rationale); the answer alone can bring
    his page the form."""
    alice = get_user_model().objects.create_user("alice", password=PASSWORD)
    exercise = exercise_create(facilitator=alice, scenario_slug="japan-korea-2025", title="4C")
    exercise_start(exercise_id=exercise.pk, user=alice)
    code = Team.objects.get(exercise=exercise, key="japan").join_code
    aiko = _join(browser.new_context(), url, code, "Aiko")
    held: dict = {"from_page": [], "server": None}

    def notices_never_and_hello_later(route) -> None:
        server = held["server"] = route.connect_to_server()
        route.on_message(lambda message: held["from_page"].append(message))
        server.on_message(lambda message: route.send(message) if '"hello"' in message else None)

    kenji_context = browser.new_context()
    kenji_context.route_web_socket(re.compile(r"/ws/"), notices_never_and_hello_later)
    kenji = _join(kenji_context, url, code, "Kenji")
    if typing:
        kenji.fill("#id_rationale", typing)
    aiko.fill("#id_objective", "Reassure Washington first")
    aiko.click("button[value=save]")
    expect(aiko.locator("#move")).to_contain_text("Draft saved.", timeout=TIMEOUT)
    expect(kenji.locator("#id_objective")).to_have_value("")

    assert any('"hello"' in message for message in held["from_page"]), held["from_page"]
    for message in held["from_page"]:
        held["server"].send(message)
    return kenji


def test_a_page_catches_up_with_what_changed_before_its_first_connection(live_stack, browser):
    kenji = _aiko_saves_before_kenjis_hello(browser, live_stack)
    expect(kenji.locator("#id_objective")).to_have_value(
        "Reassure Washington first", timeout=TIMEOUT
    )
    assert kenji.evaluate("window.notReloaded")


def test_catching_up_keeps_what_the_user_typed_meanwhile(live_stack, browser):
    kenji = _aiko_saves_before_kenjis_hello(browser, live_stack, typing="Our own reasons")
    expect(kenji.locator("#newer-draft")).to_be_visible(timeout=TIMEOUT)
    kenji.wait_for_timeout(500)  # the situation is not fetched: it would bring the form
    expect(kenji.locator("#id_rationale")).to_have_value("Our own reasons")
    kenji.click("#load-newer")
    expect(kenji.locator("#id_objective")).to_have_value(
        "Reassure Washington first", timeout=TIMEOUT
    )


def test_the_control_room_keeps_up_with_a_busy_team_without_a_request_per_save(
    redis_url, live_stack, browser
):
    """The team saves here, through the services; the notices reach the browser on Redis."""
    url = live_stack
    alice = get_user_model().objects.create_user("alice", password=PASSWORD)
    exercise = exercise_create(
        facilitator=alice, scenario_slug="japan-korea-2025", title="Seminar 4C", turns=2
    )
    bob = join(exercise, "japan", "Bob")
    exercise_start(exercise_id=exercise.pk, user=alice)
    facilitator = browser.new_context().new_page()
    facilitator.goto(f"{url}/accounts/login/")
    facilitator.fill("#id_username", "alice")
    facilitator.fill("#id_password", PASSWORD)
    facilitator.click("button[type=submit]")
    facilitator.goto(f"{url}/exercises/{exercise.pk}/control/")
    expect(facilitator.locator("body")).to_have_attribute("data-live-state", "online")
    asked = []
    facilitator.on("request", lambda request: asked.append(request.url))

    turn = current_turn(exercise)

    def eight_saves() -> None:  # off Playwright's thread, which runs its event loop
        for n in range(8):
            save_draft(bob, turn, answers("japan", rationale=f"Draft {n}"))
            time.sleep(0.25)  # each fetch is done before the next save: 8 without a limit
        connection.close()

    saver = threading.Thread(target=eight_saves)
    began = time.monotonic()
    saver.start()
    saver.join(timeout=30)
    saving = time.monotonic() - began

    # The last save shows within the refresh interval (2 s): fetched once at the first save
    # and at most once per interval after it, not once per save.
    expect(facilitator.locator("#control-status")).to_contain_text("rev. 8", timeout=TIMEOUT)
    fetched = len([u for u in asked if "/control/status/" in u])
    assert 1 <= fetched <= min(7, 2 + math.ceil(saving / 2))
