"""What everyone in an exercise may see: the projector view for observers and the room."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from wargame.engine import WorldState, classify
from wargame.exercises.access import get_viewer, roles_of
from wargame.exercises.models import Exercise, Message
from wargame.exercises.parts import lock_if_expired
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.selectors import charts_for, current_turn, exercise_turns, outcomes_for


@require_GET
def observe(request: HttpRequest, token: str) -> HttpResponse:
    exercise = get_object_or_404(Exercise, observer_token=token)
    response = redirect("exercises:projector", exercise.pk)
    roles_of(request).with_observer(exercise).set_on(response)
    return response


def _projector_context(exercise: Exercise) -> dict:
    turns = exercise_turns(exercise)
    future = None
    if exercise.status == Exercise.Status.FINISHED:
        scenario = get_scenario(exercise.scenario_slug)
        future = classify(scenario, WorldState.from_dict(exercise.state))
    public = exercise.messages.filter(channel=Message.Channel.PUBLIC).select_related("sender_team")
    return {
        "exercise": exercise,
        "turn": lock_if_expired(current_turn(turns)),
        "outcomes": outcomes_for(exercise, turns),
        "charts": charts_for(exercise, turns),
        "statements": list(public.order_by("-created_at", "-id")[:8]),
        "future": future,
    }


@require_GET
def projector(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_viewer(request, exercise_id)
    return render(request, "exercises/projector.html", _projector_context(viewer.exercise))


@require_GET
def projector_fragment(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_viewer(request, exercise_id)
    return render(request, "exercises/_projector.html", _projector_context(viewer.exercise))
