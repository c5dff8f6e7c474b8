"""Decision support beside the move form: an htmx fragment, for the team's own players."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from wargame.exercises.access import Role, get_viewer
from wargame.exercises.panel import panel_html
from wargame.exercises.preview import package_from_form
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.selectors import newest_turn


@require_GET
def preview(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_viewer(request, exercise_id, Role.PLAYER)
    exercise = viewer.exercise
    move = package_from_form(get_scenario(exercise.scenario_slug), viewer.team.key, request.GET)
    html = panel_html(
        exercise,
        viewer.team.key,
        move,
        turn=lambda: newest_turn(exercise),
        again=request.get_full_path(),
        asker=viewer.participant.pk,
    )
    response = HttpResponse(html)
    response["Cache-Control"] = "private, no-store"
    return response
