"""Questionnaire pages: a participant answers (own answers only); the facilitator follows the
response rate and reads the distributions. Observers have no part in them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wargame.exercises.access import Role, get_viewer
from wargame.exercises.services.errors import InvalidAnswers, ServiceError
from wargame.questionnaires.forms import QuestionnaireForm
from wargame.questionnaires.models import Phase
from wargame.questionnaires.selectors import (
    distribution_rows,
    own_response,
    participant_cards,
    questionnaire_items,
    questionnaire_results,
    response_rates,
    window,
)
from wargame.questionnaires.services import questionnaire_answer, questionnaire_window_set


def _phase(phase: str) -> Phase:
    if phase not in Phase.values:
        raise Http404("No such questionnaire.")
    return Phase(phase)


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, exercise_id: int, phase: str) -> HttpResponse:
    viewer = get_viewer(request, exercise_id, Role.PLAYER)
    phase = _phase(phase)
    exercise, participant = viewer.exercise, viewer.participant
    items = questionnaire_items(exercise, phase)
    if not items:
        raise Http404("This scenario has no such questionnaire.")
    current = window(exercise, phase)
    response = own_response(participant, phase)
    initial = QuestionnaireForm.initial_from(response.answers if response else {})
    form = QuestionnaireForm(
        request.POST if request.method == "POST" else None,
        items=items,
        disabled=not current.is_open,
        initial=initial,
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                questionnaire_answer(participant=participant, phase=phase, answers=form.answers())
            except InvalidAnswers as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    f"Thank you: your {phase.label.lower()} answers are saved. You can change "
                    "them until the facilitator closes the questionnaire.",
                )
                return redirect("exercises:team", exercise.pk)
    context = {
        "exercise": exercise,
        "viewer": viewer,
        "phase": phase,
        "window": current,
        "form": form,
        "response": response,
    }
    return render(request, "questionnaires/answer.html", context, status=status)


@require_GET
def cards(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_viewer(request, exercise_id, Role.PLAYER)
    context = {"exercise": viewer.exercise, "cards": participant_cards(viewer.participant)}
    return render(request, "questionnaires/_cards.html", context)


@login_required
@require_GET
def rates(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_viewer(request, exercise_id, Role.FACILITATOR)
    context = {"exercise": viewer.exercise, "rates": response_rates(viewer.exercise)}
    return render(request, "questionnaires/_rates.html", context)


@login_required
@require_GET
def results(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = get_viewer(request, exercise_id, Role.FACILITATOR)
    data = questionnaire_results(viewer.exercise)
    for item in data["items"]:
        item["rows"] = distribution_rows(item)
    context = {
        "exercise": viewer.exercise,
        "results": data,
        "rates": response_rates(viewer.exercise),
    }
    return render(request, "questionnaires/results.html", context)


@login_required
@require_POST
def set_window(request: HttpRequest, exercise_id: int, phase: str, action: str) -> HttpResponse:
    viewer = get_viewer(request, exercise_id, Role.FACILITATOR)
    phase = _phase(phase)
    if action not in ("open", "close"):
        raise Http404("No such action.")
    try:
        questionnaire_window_set(
            exercise_id=viewer.exercise.pk,
            user=request.user,
            phase=phase,
            is_open=action == "open",
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        state = "open" if action == "open" else "closed"
        messages.success(request, f"The {phase.label.lower()} questionnaire is now {state}.")
    if request.POST.get("next") == "results":
        return redirect("questionnaires:results", exercise_id)
    return redirect("exercises:control", exercise_id)
