"""Decision support beside the move form: an htmx fragment, for the team's own players."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from wargame.exercises.access import Role, get_viewer
from wargame.exercises.models import Exercise, Turn
from wargame.exercises.preview import package_from_form, preview_for
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.selectors import current_turn, exercise_turns


@require_GET
def preview(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_viewer(request, exercise_id, Role.PLAYER)
    exercise = viewer.exercise
    context: dict = {"exercise": exercise}
    turn = current_turn(exercise_turns(exercise))
    if not exercise.decision_support:
        context["unavailable"] = "off"
    elif (
        turn is None
        or turn.status != Turn.Status.OPEN
        or exercise.status != Exercise.Status.RUNNING
    ):
        context["unavailable"] = "closed"
    else:
        scenario = get_scenario(exercise.scenario_slug)
        move = package_from_form(scenario, viewer.team.key, request.GET)
        context.update(
            preview=preview_for(exercise=exercise, turn=turn, scenario=scenario, move=move),
            scenario=scenario,
        )
    response = render(request, "exercises/_preview.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
