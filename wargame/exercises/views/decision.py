"""Decision support beside the move form: an htmx fragment, for the team's own players."""

from dataclasses import replace

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from wargame.engine import Move, Scenario
from wargame.exercises.access import Role, get_viewer
from wargame.exercises.fragments import FRAGMENT_SECONDS, preview_key, waiting_key
from wargame.exercises.models import Exercise, Turn
from wargame.exercises.preview import (
    QUEUED_SECONDS,
    RUNS,
    package_from_form,
    package_key,
    preview_if_ready,
)
from wargame.exercises.scenarios import get_scenario

# A waiting panel is told when its estimate is ready (live.js); without a live connection it
# asks again by itself this often.
ASK_AGAIN_SECONDS = 10


@require_GET
def preview(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_viewer(request, exercise_id, Role.PLAYER)
    exercise = viewer.exercise
    scenario = get_scenario(exercise.scenario_slug)
    move = package_from_form(scenario, viewer.team.key, request.GET)
    package = package_key(move)
    key = preview_key(exercise, viewer.team.key, package)
    html = cache.get(key)
    if html is None:
        context = _context(exercise, scenario, move)
        if context.get("pending"):
            context["again"] = request.get_full_path()
            context["package"] = package
            context["ask_again_seconds"] = ASK_AGAIN_SECONDS
        html = render_to_string("exercises/_preview.html", context)
        if context.get("pending"):
            # Teammates fetching the form meanwhile get this panel with it (with_panel).
            cache.set(waiting_key(exercise, viewer.team.key, package), html, QUEUED_SECONDS)
        else:
            if "preview" in context:
                # Whoever reads it from here on is served from the cache, and is told so.
                context["preview"] = replace(context["preview"], cached=True)
            html_for_others = render_to_string("exercises/_preview.html", context)
            cache.set(key, html_for_others, FRAGMENT_SECONDS)
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    return response


def _context(exercise: Exercise, scenario: Scenario, move: Move) -> dict:
    """What the panel shows; keyed by the exercise's version, as every change of the turn's
    status, the published state or the decision-support switch moves it. While a worker
    simulates the package the panel says so and asks again (never cached)."""
    turn = exercise.turn_set.order_by("-number").first()
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
