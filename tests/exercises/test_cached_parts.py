"""The team page and its parts come from the cache (fragments.py); a player still sees every
change they are told about on the next fetch, with a CSRF token of their own."""

import html
import re

import pytest
from django.core.cache import cache
from django.test import Client

from tests.exercises.factories import (
    answers,
    current_turn,
    join,
    lock,
    lock_and_adjudicate,
    save_draft,
)
from tests.questionnaires.test_validation import VALID
from wargame.exercises import preview as preview_module
from wargame.exercises.fragments import CSRF_PLACEHOLDER, preview_key, waiting_key
from wargame.exercises.models import Exercise, Team
from wargame.exercises.panel import estimate_queued
from wargame.exercises.preview import RUNS
from wargame.exercises.services.decision_support import exercise_set_decision_support
from wargame.exercises.services.exercises import exercise_end
from wargame.exercises.services.messages import message_broadcast, message_send
from wargame.exercises.services.turns import turn_extend, turn_publish
from wargame.exercises.views import players
from wargame.questionnaires.services import questionnaire_answer, questionnaire_window_set

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _client(participant, **kwargs) -> Client:
    client = Client(**kwargs)
    client.get(f"/rejoin/{participant.rejoin_token}/")
    return client


def _part(client: Client, exercise: Exercise, name: str) -> str:
    urls = {
        "move": f"/play/{exercise.pk}/fragments/move/",
        "situation": f"/play/{exercise.pk}/fragments/situation/",
        "messages": f"/play/{exercise.pk}/fragments/messages/",
        "preview": f"/play/{exercise.pk}/preview/",
        "cards": f"/play/{exercise.pk}/questionnaires/cards/",
        "page": f"/play/{exercise.pk}/",
    }
    response = client.get(urls[name], HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return html.unescape(response.content.decode())  # the text as the player reads it


def _teammate_saves(exercise, bob, bea, charlie, dan):
    save_draft(bea, current_turn(exercise), answers("japan", rationale="Bea's careful line"))


def _other_team_posts_publicly(exercise, bob, bea, charlie, dan):
    message_send(sender=charlie, channel="public", body="Beijing speaks to all")


def _other_team_writes_privately(exercise, bob, bea, charlie, dan):
    recipient = Team.objects.get(exercise=exercise, key="japan")
    message_send(sender=charlie, channel="private", body="A word for Tokyo", recipient=recipient)


def _teammate_writes(exercise, bob, bea, charlie, dan):
    message_send(sender=bea, channel="team", body="Team only: hold the line")


def _white_cell_announces(exercise, bob, bea, charlie, dan):
    message_broadcast(exercise=exercise, user=exercise.facilitator, body="Five minutes left")


def _turn_locked(exercise, bob, bea, charlie, dan):
    lock(current_turn(exercise))


def _turn_published(exercise, bob, bea, charlie, dan):
    turn = lock_and_adjudicate(current_turn(exercise))
    turn_publish(turn_id=turn.pk, user=exercise.facilitator)


def _deadline_extended(exercise, bob, bea, charlie, dan):
    turn_extend(turn_id=current_turn(exercise).pk, minutes=7, user=exercise.facilitator)


def _exercise_ended(exercise, bob, bea, charlie, dan):
    exercise_end(exercise_id=exercise.pk, user=exercise.facilitator)


def _decision_support_off(exercise, bob, bea, charlie, dan):
    exercise_set_decision_support(exercise_id=exercise.pk, enabled=False, user=exercise.facilitator)


def _questionnaire_opened(exercise, bob, bea, charlie, dan):
    questionnaire_window_set(
        exercise_id=exercise.pk, user=exercise.facilitator, phase="post", is_open=True
    )


def _deadline_text(exercise) -> str:
    return current_turn(exercise).deadline.isoformat()


# (change, the part Bob re-fetches, what he must then see)
CHANGES = [
    (_teammate_saves, "move", lambda ex: "Bea's careful line"),
    (_other_team_posts_publicly, "messages", lambda ex: "Beijing speaks to all"),
    (_other_team_writes_privately, "messages", lambda ex: "A word for Tokyo"),
    (_teammate_writes, "messages", lambda ex: "Team only: hold the line"),
    (_white_cell_announces, "messages", lambda ex: "Five minutes left"),
    # A change of the turn is fetched with the situation, which brings the move form along;
    # the questionnaire cards are told that the exercise's end opened a window.
    (_turn_locked, "situation", lambda ex: "This turn is locked"),
    (_turn_published, "situation", lambda ex: "Turn 1:"),
    (_turn_published, "situation", lambda ex: "Your move for turn 2"),
    (_deadline_extended, "situation", _deadline_text),
    (_exercise_ended, "situation", lambda ex: "The exercise has ended"),
    (_exercise_ended, "cards", lambda ex: "Post-exercise questionnaire"),
    (_decision_support_off, "preview", lambda ex: "switched decision support off"),
    (_questionnaire_opened, "cards", lambda ex: "Post-exercise questionnaire"),
]


@pytest.mark.parametrize(
    ("change", "part", "expected"),
    CHANGES,
    ids=[f"{change.__name__.strip('_')}-{part}" for change, part, _ in CHANGES],
)
def test_every_change_a_player_is_told_about_shows_on_the_next_fetch(
    running, change, part, expected
):
    bob, bea = join(running, "japan", "Bob"), join(running, "japan", "Bea")
    charlie, dan = join(running, "china", "Charlie"), join(running, "south_korea", "Dan")
    client = _client(bob)
    _part(client, running, "page")
    before = _part(client, running, part)
    _part(client, running, part)  # a second reader: from the cache

    change(running, bob, bea, charlie, dan)

    text = expected(running)
    assert text not in before
    assert text in _part(client, running, part)


# The whole page shows the same changes, but not the decision-support panel's (it asks itself).
PAGE_CHANGES = [(change, expected) for change, part, expected in CHANGES if part != "preview"]


@pytest.mark.parametrize(
    ("change", "expected"),
    PAGE_CHANGES,
    ids=[f"{change.__name__.strip('_')}-{i}" for i, (change, _) in enumerate(PAGE_CHANGES)],
)
def test_every_change_a_player_is_told_about_shows_on_the_next_page_load(running, change, expected):
    bob, bea = join(running, "japan", "Bob"), join(running, "japan", "Bea")
    charlie, dan = join(running, "china", "Charlie"), join(running, "south_korea", "Dan")
    client = _client(bob)
    before = _part(client, running, "page")
    _part(client, running, "page")  # the second load: from the cache

    change(running, bob, bea, charlie, dan)

    text = expected(running)
    assert text not in before
    assert text in _part(client, running, "page")


def test_a_cached_page_is_each_players_own(running):
    bob, bea = join(running, "japan", "Bob"), join(running, "japan", "Bea")
    questionnaire_window_set(
        exercise_id=running.pk, user=running.facilitator, phase="post", is_open=True
    )
    questionnaire_answer(participant=bob, phase="post", answers=VALID)
    bob_page = _part(_client(bob), running, "page")
    bea_page = _part(_client(bea), running, "page")
    assert bob.rejoin_token in bob_page and bob.rejoin_token not in bea_page
    assert bea.rejoin_token in bea_page and "Bea · " in bea_page and "Bob · " not in bea_page
    assert f'data-participant="{bea.pk}"' in bea_page
    assert "Change my answers" in bob_page and "Answer now" not in bob_page
    assert "Answer now" in bea_page and "Change my answers" not in bea_page


def test_a_cached_page_tells_the_browser_the_time_of_this_response(clock, running):
    client = _client(join(running, "japan", "Bob"))
    first = _part(client, running, "page")
    clock.advance(minutes=3)
    second = _part(client, running, "page")
    stamp = re.compile(r'data-server-now="([^"]+)"')
    assert stamp.search(first).group(1) != stamp.search(second).group(1)
    assert stamp.search(second).group(1).startswith(clock().isoformat()[:16])


def test_a_one_time_notice_shows_once_and_is_not_served_to_the_next_load(client, running):
    welcome = "Welcome. To come back from another browser"
    joined = client.post(
        f"/join/{running.teams.get(key='japan').join_code}/", {"display_name": "Bob"}, follow=True
    )
    assert welcome in joined.content.decode()
    assert welcome not in _part(client, running, "page")
    assert welcome not in _part(_client(join(running, "japan", "Bea")), running, "page")


def test_another_teams_private_message_and_draft_stay_out_of_the_cache_of_others(running):
    bob, charlie = join(running, "japan", "Bob"), join(running, "china", "Charlie")
    dan = join(running, "south_korea", "Dan")
    dan_client = _client(dan)
    _part(dan_client, running, "messages")
    recipient = Team.objects.get(exercise=running, key="japan")
    message_send(sender=charlie, channel="private", body="For Tokyo only", recipient=recipient)
    save_draft(charlie, current_turn(running), answers("china", rationale="Charlie's secret"))

    assert "For Tokyo only" not in _part(dan_client, running, "messages")
    assert "For Tokyo only" in _part(_client(bob), running, "messages")
    assert "Charlie's secret" not in _part(_client(bob), running, "move")


def test_a_save_leaves_other_teams_and_the_history_cached(running):
    bob, charlie = join(running, "japan", "Bob"), join(running, "china", "Charlie")
    versions = {team.key: team.version for team in running.teams.all()}
    exercise_version = Exercise.objects.get(pk=running.pk).version

    save_draft(bob, current_turn(running))

    after = {team.key: team.version for team in running.teams.all()}
    assert after["japan"] == versions["japan"] + 1
    assert {k: v for k, v in after.items() if k != "japan"} == {
        k: v for k, v in versions.items() if k != "japan"
    }
    assert Exercise.objects.get(pk=running.pk).version == exercise_version
    assert charlie  # a player of another team exists; his cached parts are untouched


def test_each_player_gets_a_csrf_token_of_their_own_in_a_shared_cached_form(running):
    bob, bea = join(running, "japan", "Bob"), join(running, "japan", "Bea")
    bob_client = _client(bob, enforce_csrf_checks=True)
    bea_client = _client(bea, enforce_csrf_checks=True)
    bob_form, bea_form = _part(bob_client, running, "move"), _part(bea_client, running, "move")
    bob_token, bea_token = TOKEN.search(bob_form).group(1), TOKEN.search(bea_form).group(1)
    assert "csrf-token-of-this-response" not in bob_form + bea_form

    for client, token, line in ((bob_client, bob_token, "Bob"), (bea_client, bea_token, "Bea")):
        revision = current_turn(running).moves.get(team__key="japan").revision
        data = {"intent": "save", "revision": revision, "rationale": line}
        saved = client.post(f"/play/{running.pk}/move/", {**data, "csrfmiddlewaretoken": token})
        assert saved.status_code == 200, saved.content.decode()[:300]
        message = {"to": "team", "body": f"{line} here", "csrfmiddlewaretoken": token}
        assert client.post(f"/play/{running.pk}/messages/", message).status_code == 200

    # A token is bound to its own browser: Bea's does not work in Bob's.
    forged = bob_client.post(
        f"/play/{running.pk}/messages/",
        {"to": "team", "body": "forged", "csrfmiddlewaretoken": bea_token},
    )
    assert forged.status_code == 403


def test_a_player_back_in_another_browser_saves_and_chats_with_the_forms_of_the_page(running):
    """The whole page is cached for each player; its forms carry this response's token, not
    the token of the browser that read the page first."""
    bob = join(running, "japan", "Bob")
    _part(_client(bob, enforce_csrf_checks=True), running, "page")
    laptop = _client(bob, enforce_csrf_checks=True)
    page = _part(laptop, running, "page")
    move_token = TOKEN.search(page, page.index('id="move-form"')).group(1)
    chat_token = TOKEN.search(page, page.index(f'hx-post="/play/{running.pk}/messages/"')).group(1)

    revision = current_turn(running).moves.get(team__key="japan").revision
    data = {"intent": "save", "revision": revision, "rationale": "From the laptop"}
    saved = laptop.post(f"/play/{running.pk}/move/", {**data, "csrfmiddlewaretoken": move_token})
    assert saved.status_code == 200, saved.content.decode()[:300]
    message = {"to": "team", "body": "Laptop here", "csrfmiddlewaretoken": chat_token}
    assert laptop.post(f"/play/{running.pk}/messages/", message).status_code == 200


def test_the_sender_sees_their_own_message_at_once(running):
    bob = join(running, "japan", "Bob")
    client = _client(bob)
    _part(client, running, "page")
    response = client.post(f"/play/{running.pk}/messages/", {"to": "team", "body": "Mine, now"})
    assert response.status_code == 200
    assert "Mine, now" in response.content.decode()


def test_a_preview_served_from_the_cache_says_so(running, eager_tasks):
    bob, bea = join(running, "japan", "Bob"), join(running, "japan", "Bea")
    ticked = "?act__jp_defence_buildup=on"
    first = _client(bob).get(f"/play/{running.pk}/preview/{ticked}").content.decode()
    second = _client(bea).get(f"/play/{running.pk}/preview/{ticked}").content.decode()
    assert "computed in" in first and "from cache" not in first
    assert "from cache" in second


def test_teammates_fetching_the_form_while_its_estimate_is_simulated_wait_for_it(
    running, queued_tasks
):
    bob, bea = join(running, "japan", "Bob"), join(running, "japan", "Bea")
    bob_client, bea_client = _client(bob), _client(bea)
    ticked = {"act__jp_defence_buildup": "on", "intensity__jp_defence_buildup": "medium"}
    waiting = bob_client.get(f"/play/{running.pk}/preview/", ticked).content.decode()
    assert 'id="preview-pending"' in waiting
    revision = current_turn(running).moves.get(team__key="japan").revision
    saved = bob_client.post(
        f"/play/{running.pk}/move/", {**ticked, "intent": "save", "revision": revision}
    )
    assert saved.status_code == 200

    # Bea's form comes with the panel that waits to be told, not one that asks on load.
    form = _part(bea_client, running, "move")
    assert 'id="preview-pending"' in form
    package = re.search(r'data-live-package="(\w+)"', waiting).group(1)
    assert f'data-live-package="{package}"' in form
    assert "decision-support-load" not in form and 'hx-trigger="load, ' not in form

    estimate_queued(
        turn_id=current_turn(running).pk,
        team="japan",
        actions=[["jp_defence_buildup", None, "medium"]],
        runs=RUNS,
    )
    # The worker rendered the panel too: the form has it, no one had to ask for it.
    form = _part(bea_client, running, "move")
    assert 'id="preview-pending"' not in form
    assert "400 simulated games" in form


DEFENCE = {"act__jp_defence_buildup": "on", "intensity__jp_defence_buildup": "medium"}
THAW = {"act__jp_china_thaw": "on"}


def _estimate_defence(exercise) -> None:
    """What the previews worker does with the package DEFENCE when it comes to it."""
    estimate_queued(
        turn_id=current_turn(exercise).pk,
        team="japan",
        actions=[["jp_defence_buildup", None, "medium"]],
        runs=RUNS,
    )


def test_a_package_no_one_waits_for_any_more_is_not_simulated(running, queued_tasks, monkeypatch):
    queued = []
    monkeypatch.setattr(preview_module, "_queue_estimate", lambda t, move, r: queued.append(move))
    bob, bea = join(running, "japan", "Bob"), join(running, "japan", "Bea")
    bob_client, bea_client = _client(bob), _client(bea)
    bob_client.get(f"/play/{running.pk}/preview/", DEFENCE)
    bob_client.get(f"/play/{running.pk}/preview/", THAW)  # before a worker took DEFENCE
    bea_client.get(f"/play/{running.pk}/preview/", THAW)
    assert len(queued) == 2

    _estimate_defence(running)  # Bob moved on, Bea never asked, the draft is not it: dropped
    again = bea_client.get(f"/play/{running.pk}/preview/", DEFENCE).content.decode()
    assert 'id="preview-pending"' in again  # not simulated...
    assert len(queued) == 3  # ...and Bea's asking queued it again

    _estimate_defence(running)  # Bea waits for it now
    shown = bea_client.get(f"/play/{running.pk}/preview/", DEFENCE).content.decode()
    assert "400 simulated games" in shown


def test_the_saved_draft_is_simulated_after_its_author_moved_on(running, queued_tasks):
    bob, bea = join(running, "japan", "Bob"), join(running, "japan", "Bea")
    client = _client(bob)
    client.get(f"/play/{running.pk}/preview/", DEFENCE)
    revision = current_turn(running).moves.get(team__key="japan").revision
    client.post(f"/play/{running.pk}/move/", {**DEFENCE, "intent": "save", "revision": revision})
    client.get(f"/play/{running.pk}/preview/", THAW)  # Bob ticks on; the draft keeps DEFENCE

    _estimate_defence(running)
    assert "400 simulated games" in _part(_client(bea), running, "move")


def test_a_page_cached_before_its_estimate_was_ready_shows_it_once_ready(running, queued_tasks):
    bob = join(running, "japan", "Bob")
    client = _client(bob)
    ticked = {"act__jp_defence_buildup": "on", "intensity__jp_defence_buildup": "medium"}
    client.get(f"/play/{running.pk}/preview/", ticked)
    revision = current_turn(running).moves.get(team__key="japan").revision
    client.post(f"/play/{running.pk}/move/", {**ticked, "intent": "save", "revision": revision})
    assert "400 simulated games" not in _part(client, running, "page")

    estimate_queued(
        turn_id=current_turn(running).pk,
        team="japan",
        actions=[["jp_defence_buildup", None, "medium"]],
        runs=RUNS,
    )
    for _ in range(2):  # on every load from now on, without asking for the panel
        page = _part(client, running, "page")
        assert "400 simulated games" in page
        assert 'id="preview-pending"' not in page

    # The first load with the estimate stored the page again with it: later loads read the
    # page alone, even once the panel itself has left the cache.
    running.refresh_from_db()
    package = re.search(r'data-package="(\w+)"', page).group(1)
    cache.delete_many(
        [preview_key(running, "japan", package), waiting_key(running, "japan", package)]
    )
    assert "400 simulated games" in _part(client, running, "page")


def test_a_public_message_leaves_what_the_whole_exercise_shows_cached(running):
    bob, charlie = join(running, "japan", "Bob"), join(running, "china", "Charlie")
    versions = {team.key: team.version for team in running.teams.all()}
    exercise_version = Exercise.objects.get(pk=running.pk).version

    message_send(sender=charlie, channel="public", body="Beijing speaks to all")

    after = {team.key: team.version for team in running.teams.all()}
    assert after == {key: version + 1 for key, version in versions.items()}
    assert Exercise.objects.get(pk=running.pk).version == exercise_version
    assert "Beijing speaks to all" in _part(_client(bob), running, "messages")


def test_the_csrf_placeholder_typed_into_a_draft_stays_text(running):
    """Each response fills in its own token where the forms take it, never in what a
    teammate typed: otherwise a reader's token would end up in the shared draft."""
    bob, bea = join(running, "japan", "Bob"), join(running, "japan", "Bea")
    save_draft(bob, current_turn(running), answers("japan", rationale=CSRF_PLACEHOLDER))
    bea_client = _client(bea)
    form = _part(bea_client, running, "move")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    assert token != CSRF_PLACEHOLDER
    assert f"{CSRF_PLACEHOLDER}</textarea>" in form
    assert token not in form.replace(f'name="csrfmiddlewaretoken" value="{token}"', "")


def test_a_save_meeting_the_decision_support_switch_sends_the_form_as_switched(
    running, monkeypatch
):
    """The facilitator switches decision support off between Bob's request being read and
    his save: the form he gets, and the one cached for Bea under the new version, lay out
    the move without the panel's column."""
    assert running.decision_support
    bob, bea = join(running, "japan", "Bob"), join(running, "japan", "Bea")
    client = _client(bob)
    assert "col-xxl-7" in _part(client, running, "move")  # the panel's column, beside the form

    def switched_meanwhile(**kwargs):
        exercise_set_decision_support(
            exercise_id=running.pk, user=running.facilitator, enabled=False
        )
        return save(**kwargs)

    save = players.move_save_draft
    monkeypatch.setattr(players, "move_save_draft", switched_meanwhile)
    revision = current_turn(running).moves.get(team__key="japan").revision
    data = {"intent": "save", "revision": revision, "rationale": "Steady"}
    response = client.post(f"/play/{running.pk}/move/", data, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    for form in (response.content.decode(), _part(_client(bea), running, "move")):
        assert "Steady" in form
        assert "col-xxl-7" not in form
        assert '<div class="col-12">' in form
