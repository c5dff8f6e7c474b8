"""Decision support beside the move form: an htmx fragment, for the team's own players."""

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from wargame.exercises.access import Role, get_viewer
from wargame.exercises.fragments import preview_key, waiting_key
from wargame.exercises.panel import cache_panel, panel_context
from wargame.exercises.preview import QUEUED_SECONDS, package_from_form, package_key
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
        context = panel_context(exercise, scenario, move)
        if context.get("pending"):
            context["again"] = request.get_full_path()
            context["package"] = package
            context["ask_again_seconds"] = ASK_AGAIN_SECONDS
        html = render_to_string("exercises/_preview.html", context)
        if context.get("pending"):
            # Teammates fetching the form meanwhile get this panel with it (with_panel).
            cache.set(waiting_key(exercise, viewer.team.key, package), html, QUEUED_SECONDS)
        else:
            cache_panel(exercise, viewer.team.key, package, context)
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    return response
