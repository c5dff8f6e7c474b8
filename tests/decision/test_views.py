"""The preview fragment: for the team's own players, only while the aid is on; the
facilitator's switch, with its audit trail."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from django.urls import reverse

from tests.exercises.factories import sign_in
from wargame.celery import app as celery_app
from wargame.exercises import preview as preview_module
from wargame.exercises.models import AuditEvent
from wargame.exercises.notify import team_group
from wargame.exercises.preview import decision_support_timeline, package_from_form, package_key
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.services.decision_support import exercise_set_decision_support
from wargame.exercises.services.moves import move_save_draft

from .helpers import (
    current,
    facilitator,
    facilitator_client,
    play_turn,
    player_client,
    running_exercise,
)

pytestmark = pytest.mark.django_db

TICKED = {"act__jp_defence_buildup": "on", "act__jp_china_thaw": "on"}


def _url(exercise) -> str:
    return reverse("exercises:preview", args=[exercise.pk])


@pytest.fixture(autouse=True)
def _embedded(request):
    """Estimates are simulated at once, as in embedded mode, unless a real worker runs."""
    if "celery_worker" in request.fixturenames:
        yield
        return
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def _listen(exercise, team_key: str):
    """A browser of the team, as the channel layer sees it: returns its next message, or
    raises TimeoutError when none comes within ``timeout`` seconds."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(team_group(exercise.pk, team_key), channel)
    return lambda timeout=30: async_to_sync(asyncio.wait_for)(layer.receive(channel), timeout)


def _package_of(exercise, ticked: dict) -> str:
    scenario = get_scenario(exercise.scenario_slug)
    return package_key(package_from_form(scenario, "japan", ticked))


def test_a_worker_simulates_the_estimate_while_the_panel_waits(celery_worker):
    exercise = running_exercise()
    client, _ = player_client(exercise, "japan")
    next_message = _listen(exercise, "japan")
    page = client.get(_url(exercise), TICKED, HTTP_HX_REQUEST="true")
    assert 'id="preview-pending"' in page.text
    assert "Simulating 400 games with this package" in page.text
    # The panel waits to be told that its estimate is ready, and asks again by itself
    # now and then should the live connection be down.
    assert 'data-live="estimate.ready"' in page.text
    assert f'data-live-package="{_package_of(exercise, TICKED)}"' in page.text
    assert 'hx-trigger="refresh, load delay:10s"' in page.text

    # The notice brings the panel itself: the waiting browsers need not ask for it.
    heard = next_message()
    assert heard["event"] == "estimate.ready"
    assert heard["package"] == _package_of(exercise, TICKED)
    panel = heard["team_parts"]["japan"]["decision-support"]  # for its players (consumers.py)
    assert "400 simulated games" in panel
    page = client.get(_url(exercise), TICKED, HTTP_HX_REQUEST="true")
    assert page.text == panel  # what a reader who asks now gets, rendered once
    assert "from cache" in page.text  # the worker simulated it, this request only read it


def test_teammates_waiting_for_the_same_package_queue_one_simulation(celery_worker):
    exercise = running_exercise()
    bob, _ = player_client(exercise, "japan")
    bea, _ = player_client(exercise, "japan")
    next_message = _listen(exercise, "japan")
    assert "preview-pending" in bob.get(_url(exercise), TICKED).text
    for client in (bea, bob):
        client.get(_url(exercise), TICKED)  # still waiting, or already estimated
    assert next_message()["package"] == _package_of(exercise, TICKED)
    with pytest.raises(TimeoutError):
        next_message(timeout=2)  # one simulation, so one notice


def test_a_player_sees_the_estimate_for_the_ticked_package():
    exercise = running_exercise()
    client, _ = player_client(exercise, "japan")
    page = client.get(_url(exercise), TICKED, HTTP_HX_REQUEST="true")
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    assert "400 simulated games" in page.text
    assert "jp_defence_buildup" in page.text and "jp_china_thaw" in page.text
    assert "model's estimates" in page.text
    assert "Main risks" in page.text
    held = client.get(_url(exercise))
    assert "Nothing ticked" in held.text


def test_a_package_over_budget_is_explained():
    exercise = running_exercise()
    client, _ = player_client(exercise, "japan")
    everything = {
        f"act__{a}": "on" for a in ("jp_defence_buildup", "jp_asian_nato", "jp_retaliate")
    }
    page = client.get(_url(exercise), everything)
    assert "Fix the package" in page.text
    assert "budget" in page.text


def test_only_the_teams_players_get_a_preview():
    exercise = running_exercise()
    url = _url(exercise)
    observer = sign_in(Client(), observe=exercise)
    other = Client()
    other.force_login(facilitator("mallory"))
    for client in (facilitator_client(exercise), observer, other, Client()):
        assert client.get(url, TICKED).status_code == 404
    elsewhere = running_exercise(user=exercise.facilitator)
    player, _ = player_client(exercise, "japan")
    assert player.get(_url(elsewhere), TICKED).status_code == 404


def test_switched_off_means_no_estimate_at_all(monkeypatch):
    exercise = running_exercise(decision_support=False)
    monkeypatch.setattr(preview_module, "simulate", pytest.fail)
    client, _ = player_client(exercise, "japan")
    page = client.get(_url(exercise), TICKED)
    assert "switched decision support off" in page.text
    assert "simulated games" not in page.text
    team_page = client.get(reverse("exercises:team", args=[exercise.pk]))
    assert 'id="decision-support"' in team_page.text  # so that switching on shows it live


def test_the_facilitator_switches_it_from_the_control_room():
    exercise = running_exercise()
    client = facilitator_client(exercise)
    room = client.get(reverse("exercises:control", args=[exercise.pk]))
    assert "Switch it off" in room.text
    client.post(reverse("exercises:control_action", args=[exercise.pk, "aid-off"]))
    exercise.refresh_from_db()
    assert exercise.decision_support is False
    play_turn(exercise)
    client.post(reverse("exercises:control_action", args=[exercise.pk, "aid-on"]))
    exercise.refresh_from_db()
    assert exercise.decision_support is True
    events = AuditEvent.objects.filter(action="exercise.decision_support")
    assert [(e.data["enabled"], e.turn_number) for e in events] == [(False, 1), (True, 2)]
    timeline = decision_support_timeline(exercise)
    assert [(t["enabled"], t["turn"]) for t in timeline] == [(True, None), (False, 1), (True, 2)]


def test_switching_to_the_same_value_records_nothing():
    exercise = running_exercise()
    exercise_set_decision_support(exercise_id=exercise.pk, user=exercise.facilitator, enabled=True)
    assert not AuditEvent.objects.filter(action="exercise.decision_support").exists()


def test_the_create_form_sets_the_flag():
    user = facilitator()
    client = Client()
    client.force_login(user)
    client.post(
        reverse("exercises:new"),
        {"title": "Unaided", "scenario": "japan-korea-2025", "turns": 4, "turn_minutes": 20},
    )
    exercise = user.exercises.get()
    assert exercise.decision_support is False  # an unticked checkbox
    created = AuditEvent.objects.get(exercise=exercise, action="exercise.created")
    assert created.data["decision_support"] is False


def _draft(exercise, participant, *actions: str) -> None:
    turn = current(exercise)
    answers = {
        "actions": [{"action": a, "target": None, "intensity": None} for a in actions],
        "objective": "",
        "expectations": {},
        "confidence": 3,
        "rationale": "",
        "statement": "",
    }
    revision = turn.moves.get(team__key="japan").revision
    move_save_draft(
        participant=participant, turn_id=turn.pk, base_revision=revision, answers=answers
    )


def _as_the_form_sends_it(exercise) -> dict:
    """The ticked boxes of the saved draft, as the page's form sends them to the panel."""
    move = current(exercise).moves.get(team__key="japan")
    params = {}
    for choice in move.answers["actions"]:
        params[f"act__{choice['action']}"] = "on"
        params[f"target__{choice['action']}"] = choice.get("target") or ""
        params[f"intensity__{choice['action']}"] = choice.get("intensity") or ""
    return params


def test_a_teammates_form_arrives_with_the_estimate_of_the_saved_package():
    exercise = running_exercise()
    aiko_client, aiko = player_client(exercise, "japan")
    kenji_client, _ = player_client(exercise, "japan", "Kenji")
    fragment = reverse("exercises:team_fragment", args=[exercise.pk, "move"])
    _draft(exercise, aiko, "jp_defence_buildup", "jp_china_thaw")
    asked = aiko_client.get(_url(exercise), _as_the_form_sends_it(exercise), HTTP_HX_REQUEST="true")
    assert "400 simulated games" in asked.text  # Aiko's panel, after her save

    form = kenji_client.get(fragment, HTTP_HX_REQUEST="true").text
    assert "400 simulated games" in form  # the panel is in the form: no second request
    assert 'hx-trigger="change from:#move-form, refresh"' in form

    _draft(exercise, aiko, "jp_defence_buildup")  # a package nobody has asked about yet
    form = kenji_client.get(fragment, HTTP_HX_REQUEST="true").text
    assert "Estimating what your package is likely to do" in form
    assert 'hx-trigger="load, change from:#move-form, refresh"' in form  # so the page asks
