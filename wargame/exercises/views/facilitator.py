"""The facilitator's pages: exercises, control room, review, links."""

from contextlib import nullcontext

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from wargame.exercises.access import Role, get_viewer
from wargame.exercises.forms import AdjustForm, ExerciseForm, ExtendForm, NarrativeForm
from wargame.exercises.models import Exercise, Turn
from wargame.exercises.parts import lock_if_expired, turn_change_pushed
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.selectors import (
    latest_turn,
    messages_for,
    move_statuses,
    newest_turn,
    roster,
)
from wargame.exercises.services.audit import facilitator_actor
from wargame.exercises.services.decision_support import exercise_set_decision_support
from wargame.exercises.services.errors import ServiceError
from wargame.exercises.services.exercises import exercise_create, exercise_end, exercise_start
from wargame.exercises.services.messages import message_broadcast
from wargame.exercises.services.turns import (
    overridden_state,
    turn_adjust_indicator,
    turn_check_shown,
    turn_edit_narrative,
    turn_extend,
    turn_lock,
    turn_pause,
    turn_publish,
    turn_reopen,
    turn_resume,
)


def _facilitator(request: HttpRequest, exercise_id: int):
    return get_viewer(request, exercise_id, Role.FACILITATOR)


@login_required
@require_GET
def exercise_list(request: HttpRequest) -> HttpResponse:
    exercises = Exercise.objects.filter(facilitator=request.user)
    return render(request, "exercises/exercise_list.html", {"exercises": exercises})


@login_required
@require_http_methods(["GET", "POST"])
def exercise_new(request: HttpRequest) -> HttpResponse:
    form = ExerciseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exercise = exercise_create(
                facilitator=request.user,
                scenario_slug=data["scenario"],
                title=data["title"],
                turns=data["turns"],
                turn_minutes=data["turn_minutes"],
                seed=data["seed"],
                allow_team_messages=data["allow_team_messages"],
                decision_support=data["decision_support"],
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Exercise created. Hand out the join links, then start.")
            return redirect("exercises:links", exercise.pk)
    return render(request, "exercises/exercise_new.html", {"form": form})


def _join_links(request: HttpRequest, exercise: Exercise) -> list[dict]:
    links = [
        {
            "label": team.name,
            "code": team.join_code,
            "url": request.build_absolute_uri(
                reverse("exercises:join_team", args=[team.join_code])
            ),
        }
        for team in exercise.teams.all()
    ]
    links.append(
        {
            "label": "Observers and projector",
            "code": None,
            "url": request.build_absolute_uri(
                reverse("exercises:observe", args=[exercise.observer_token])
            ),
        }
    )
    for link in links:
        link["qr"] = segno.make(link["url"], error="m").svg_inline(scale=4, dark="#212529")
    return links


@login_required
@require_GET
def links(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = _facilitator(request, exercise_id)
    return render(
        request,
        "exercises/links.html",
        {"exercise": viewer.exercise, "links": _join_links(request, viewer.exercise)},
    )


def _control_context(request: HttpRequest, exercise: Exercise) -> dict:
    turn = lock_if_expired(latest_turn(exercise))
    statuses = move_statuses(turn)
    teams = roster(exercise)
    for entry in teams:
        entry["move"] = statuses.get(entry["team"].pk)
    return {
        "exercise": exercise,
        "turn": turn,
        "teams": teams,
        "extend_form": ExtendForm(),
        "join_url": request.build_absolute_uri(reverse("exercises:join")),
    }


@login_required
@require_GET
def control_room(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = _facilitator(request, exercise_id)
    context = _control_context(request, viewer.exercise)
    context["messages_list"] = messages_for(viewer)
    return render(request, "exercises/control_room.html", context)


@login_required
@require_GET
def control_status(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = _facilitator(request, exercise_id)
    return render(
        request, "exercises/_control_status.html", _control_context(request, viewer.exercise)
    )


@login_required
@require_POST
def control_announce(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = _facilitator(request, exercise_id)
    try:
        message_broadcast(
            exercise=viewer.exercise, user=request.user, body=request.POST.get("body", "")
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Announcement sent to every team and the projector.")
    return redirect("exercises:control", exercise_id)


@login_required
@require_GET
def control_messages(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = _facilitator(request, exercise_id)
    return render(request, "exercises/_messages.html", {"messages_list": messages_for(viewer)})


# Controls that act on the current turn: their forms post the number of the turn they showed.
TURN_CONTROLS = {"lock", "pause", "resume", "extend", "reopen"}
# Controls that change what every team's situation shows: their notices bring it.
TURN_CHANGES = {"start", "end", "lock", "reopen"}


@login_required
@require_POST
def control_action(request: HttpRequest, exercise_id: int, action: str) -> HttpResponse:
    viewer = _facilitator(request, exercise_id)
    exercise, user = viewer.exercise, request.user
    form = ExtendForm(request.POST or None)
    minutes = form.cleaned_data["minutes"] if form.is_valid() else 5
    pushing = turn_change_pushed(exercise.pk) if action in TURN_CHANGES else nullcontext()
    try:
        with pushing:
            _control(exercise, user, action, request.POST.get("turn"), minutes)
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("exercises:control", exercise.pk)


def _control(exercise: Exercise, user, action: str, shown_turn: str | None, minutes: int) -> None:
    if action == "start":
        exercise_start(exercise_id=exercise.pk, user=user)
    elif action == "end":
        exercise_end(exercise_id=exercise.pk, user=user)
    elif action in ("aid-on", "aid-off"):
        exercise_set_decision_support(
            exercise_id=exercise.pk, user=user, enabled=action == "aid-on"
        )
    elif action not in TURN_CONTROLS:
        raise ServiceError("Unknown control.")
    else:
        turn = turn_check_shown(exercise_id=exercise.pk, shown=shown_turn)
        if action == "lock":
            actor = facilitator_actor(user)
            if not turn_lock(turn_id=turn.pk, actor=actor, reason="facilitator"):
                raise ServiceError("The turn was already locked.")
        elif action == "pause":
            turn_pause(turn_id=turn.pk, user=user)
        elif action == "resume":
            turn_resume(turn_id=turn.pk, user=user)
        elif action == "extend":
            turn_extend(turn_id=turn.pk, minutes=minutes, user=user)
        else:
            turn_reopen(turn_id=turn.pk, minutes=minutes, user=user)


@login_required
@require_GET
def review(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = _facilitator(request, exercise_id)
    exercise = viewer.exercise
    turn = newest_turn(exercise)
    scenario = get_scenario(exercise.scenario_slug)
    context = {"exercise": exercise, "turn": turn, "scenario": scenario}
    if turn and turn.status == Turn.Status.ADJUDICATED:
        names = {i.id: i.name for i in scenario.indicators}
        before = turn.state_before["indicators"]
        after = overridden_state(turn).indicators
        context.update(
            adjudication=turn.adjudication,
            overrides=list(turn.overrides.select_related("author")),
            narratives=[
                (
                    key,
                    "The world" if key == "world" else scenario.team(key).name,
                    text,
                    NarrativeForm(initial={"subject": key, "text": text}),
                )
                for key, text in turn.narratives.items()
            ],
            indicator_rows=[
                (names[key], before[key], after[key], after[key] - before[key]) for key in names
            ],
            adjust_form=AdjustForm(scenario=scenario),
            moves=turn.moves.select_related("team", "submitted_by").order_by("team__position"),
            team_names={team.id: team.name for team in scenario.teams},
            action_names={action.id: action.name for action in scenario.actions},
            indicator_names=names,
        )
    return render(request, "exercises/review.html", context)


@login_required
@require_POST
def review_action(request: HttpRequest, exercise_id: int, action: str) -> HttpResponse:
    viewer = _facilitator(request, exercise_id)
    exercise, user = viewer.exercise, request.user
    scenario = get_scenario(exercise.scenario_slug)
    try:
        if newest_turn(exercise) is None:
            raise ServiceError("Nothing to review yet.")
        if action not in ("narrative", "adjust", "publish"):
            raise ServiceError("Unknown review action.")
        turn = turn_check_shown(exercise_id=exercise.pk, shown=request.POST.get("turn"))
        if action == "narrative":
            form = NarrativeForm(request.POST)
            if not form.is_valid():
                raise ServiceError("Write the new narrative and the reason for the edit.")
            turn_edit_narrative(turn_id=turn.pk, user=user, **form.cleaned_data)
            messages.success(request, "Narrative changed; the reason is kept for the report.")
        elif action == "adjust":
            form = AdjustForm(request.POST, scenario=scenario)
            if not form.is_valid():
                raise ServiceError("Choose an indicator, an amount and write the reason.")
            turn_adjust_indicator(turn_id=turn.pk, user=user, **form.cleaned_data)
            messages.success(request, "Adjustment recorded; the reason is kept for the report.")
        else:
            with turn_change_pushed(exercise.pk):
                turn_publish(turn_id=turn.pk, user=user)
            messages.success(request, f"Turn {turn.number} published to every team.")
            return redirect("exercises:control", exercise.pk)
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("exercises:review", exercise.pk)
