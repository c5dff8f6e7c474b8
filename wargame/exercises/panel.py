"""The decision-support panel beside the move form: what it shows, and its HTML once the
estimate is in, rendered once and cached for the whole team.

The worker that simulated a package renders the panel and sends it with the team's notice
(``estimate.ready``), so that no browser waiting for it has to ask; a web process renders it
only when it reads a package no worker has announced yet.
"""

from collections.abc import Callable
from dataclasses import replace

from django.core.cache import cache
from django.template.loader import render_to_string

from wargame.engine import ActionChoice, Move, Scenario
from wargame.exercises.forms import MoveForm
from wargame.exercises.fragments import FRAGMENT_SECONDS, preview_key, waiting_key
from wargame.exercises.models import Exercise, Participant, Turn
from wargame.exercises.models import Move as SavedMove
from wargame.exercises.notify import notify_estimate_ready
from wargame.exercises.preview import (
    QUEUED_SECONDS,
    RUNS,
    cache_key,
    cached_estimate,
    package_from_form,
    package_key,
    preview_if_ready,
    queued_key,
)
from wargame.exercises.scenarios import get_scenario

# A waiting panel is told when its estimate is ready (live.js); without a live connection it
# asks again by itself this often.
ASK_AGAIN_SECONDS = 10


def panel_html(
    exercise: Exercise,
    team_key: str,
    move: Move,
    *,
    turn: Callable[[], Turn | None],
    again: str,
    asker: int | None = None,
) -> str:
    """The panel for the team's package as all its readers get it: from the cache, or made
    now. While a worker simulates the package it says so and waits for the estimate, or asks
    ``again`` (a URL that gives the same package) after a while. ``turn`` gives the
    exercise's newest turn; it is read only when the panel is not in the cache. ``asker``:
    the participant who ticked the package, now waiting for its estimate."""
    package = package_key(move)
    html = cache.get(preview_key(exercise, team_key, package))
    if html is not None:
        return html
    current = turn()
    if asker is not None and current is not None:
        cache.set(asked_key(current.pk, asker), package, QUEUED_SECONDS)
    context = panel_context(exercise, get_scenario(exercise.scenario_slug), move, current)
    if context.get("pending"):
        context.update(again=again, package=package, ask_again_seconds=ASK_AGAIN_SECONDS)
    html = render_to_string("exercises/_preview.html", context)
    if context.get("pending"):
        # Teammates fetching the form meanwhile get this panel with it (fragments.with_panel).
        cache.set(waiting_key(exercise, team_key, package), html, QUEUED_SECONDS)
    else:
        cache_panel(exercise, team_key, package, context)
    return html


def panel_context(exercise: Exercise, scenario: Scenario, move: Move, turn: Turn | None) -> dict:
    """What the panel shows for the exercise's newest turn; keyed by the exercise's version,
    as every change of the turn's status, the published state or the decision-support switch
    moves it. While a worker simulates the package the panel says so and waits (never
    cached)."""
    if not exercise.decision_support:
        return {"exercise": exercise, "unavailable": "off"}
    if (
        turn is None
        or turn.status != Turn.Status.OPEN
        or exercise.status != Exercise.Status.RUNNING
    ):
        return {"exercise": exercise, "unavailable": "closed"}
    preview = preview_if_ready(exercise=exercise, turn=turn, scenario=scenario, move=move)
    if preview is None:
        return {"exercise": exercise, "pending": True, "runs": RUNS}
    return {"exercise": exercise, "preview": preview, "scenario": scenario}


def cache_panel(exercise: Exercise, team_key: str, package: str, context: dict) -> str:
    """The panel as every reader gets it from the cache from now on (and is told so)."""
    if "preview" in context:
        context = {**context, "preview": replace(context["preview"], cached=True)}
    html = render_to_string("exercises/_preview.html", context)
    cache.set(preview_key(exercise, team_key, package), html, FRAGMENT_SECONDS)
    return html


def estimate_queued(*, turn_id: int, team: str, actions: list[list], runs: int) -> None:
    """The worker's side of ``preview_if_ready``: simulate the package and the baseline into
    the cache, render the panel, and send it to the team's browsers, whose panels for this
    package wait for it. A panel rendered before a change of the exercise moved its version
    is not sent: the panels waiting then ask for the current one. A package no one waits for
    any more is dropped (``_still_wanted``)."""
    turn = Turn.objects.select_related("exercise").filter(pk=turn_id).first()
    if turn is None or turn.status != Turn.Status.OPEN:
        return
    exercise = turn.exercise
    scenario = get_scenario(exercise.scenario_slug)
    move = Move(team, tuple(ActionChoice(*choice) for choice in actions))
    package = package_key(move)
    if not _still_wanted(turn, scenario, team, package):
        # Asking for it again queues it again.
        cache.delete_many(
            [
                queued_key(cache_key(exercise, turn, scenario, move, runs)),
                waiting_key(exercise, team, package),
            ]
        )
        return
    cached_estimate(exercise, turn, scenario, Move(team), runs=runs)
    cached_estimate(exercise, turn, scenario, move, runs=runs)
    # An open turn is the newest; should a newer one open meanwhile, the version check
    # below keeps this panel from being sent.
    context = panel_context(exercise, scenario, move, turn)
    html = None if context.get("pending") else cache_panel(exercise, team, package, context)
    if html and not Exercise.objects.filter(pk=exercise.pk, version=exercise.version).exists():
        html = None
    notify_estimate_ready(exercise.pk, team, package=package, panel=html)


def asked_key(turn_id: int, participant_id: int) -> str:
    """The package a player last asked about and is waiting for, in that turn."""
    return f"preview:asked:{turn_id}:{participant_id}"


def _still_wanted(turn: Turn, scenario: Scenario, team: str, package: str) -> bool:
    """Whether anyone still waits for the package's estimate: it is the team's saved draft,
    which every teammate's form shows, or the last package one of the team's players ticked.

    Players tick and untick faster than a busy server simulates, and a queued package they
    have moved on from would take a core from the one they now look at (and, on a small
    server, from the pages)."""
    players = Participant.objects.filter(exercise_id=turn.exercise_id, team__key=team)
    keys = [asked_key(turn.pk, pk) for pk in players.values_list("pk", flat=True)]
    if not keys:
        return False
    if package in cache.get_many(keys).values():
        return True
    draft = turn.moves.filter(team__key=team).select_related("team").first()
    if draft is None:
        return False
    return package_key(draft_package(scenario, draft)) == package


def draft_package(scenario: Scenario, draft: SavedMove) -> Move:
    """The package a team's saved draft ticks, as its move form shows it."""
    shown = MoveForm.initial_from(draft.answers, draft.revision)
    return package_from_form(scenario, draft.team.key, shown)
