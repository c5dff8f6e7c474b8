"""Players: joining with a link or code, the team page, the shared draft, messages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from wargame.exercises.access import (
    Role,
    Viewer,
    forget_roles,
    get_viewer,
    player_reread,
    roles_of,
)
from wargame.exercises.forms import JoinCodeForm, JoinNameForm, MessageForm, MoveForm
from wargame.exercises.fragments import (
    CSRF_PLACEHOLDER,
    Page,
    cached_fragment,
    cached_page,
    page_parts,
    panel_filled,
    rendered_parts,
    team_version,
    with_csrf_token,
    with_panel,
)
from wargame.exercises.models import Participant, Team, Turn
from wargame.exercises.notify import notices_with_parts
from wargame.exercises.parts import (
    chat_form_part,
    history_part,
    lock_if_expired,
    messages_part,
    move_context,
    move_form,
    move_part,
    situation_html,
)
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.selectors import exercise_teams, latest_turn, team_move
from wargame.exercises.services.errors import InvalidAnswers, MoveConflict, ServiceError
from wargame.exercises.services.messages import message_send
from wargame.exercises.services.moves import move_save_draft, move_submit, participant_join


def _join_rate_per_address(group, request) -> str:
    return settings.JOIN_RATE_PER_ADDRESS


def _join_rate_per_exercise(group, request) -> str:
    return settings.JOIN_RATE_PER_EXERCISE


def _exercise_of_code(group, request) -> str:
    team = Team.objects.filter(join_code=request.resolver_match.kwargs["code"].upper()).first()
    return f"exercise:{team.exercise_id}" if team else "exercise:none"


def too_many_attempts(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "exercises/too_many_attempts.html", status=429)


@require_http_methods(["GET", "POST"])
@ratelimit(group="join", key="ip", rate=_join_rate_per_address)
def join(request: HttpRequest) -> HttpResponse:
    form = JoinCodeForm(request.POST or request.GET or None)
    if form.is_bound and form.is_valid():
        team = Team.objects.filter(join_code=form.cleaned_data["code"]).first()
        if team:
            return redirect("exercises:join_team", team.join_code)
        form.add_error("code", "No team has this code. Check it with your facilitator.")
    return render(request, "exercises/join.html", {"form": form})


@require_http_methods(["GET", "POST"])
@ratelimit(group="join", key="ip", rate=_join_rate_per_address)
@ratelimit(
    group="join-exercise", key=_exercise_of_code, rate=_join_rate_per_exercise, method="POST"
)
def join_team(request: HttpRequest, code: str) -> HttpResponse:
    team = get_object_or_404(Team.objects.select_related("exercise"), join_code=code.upper())
    form = JoinNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            participant = participant_join(
                team=team, display_name=form.cleaned_data["display_name"]
            )
        except ServiceError as exc:
            form.add_error("display_name", str(exc))
        else:
            messages.success(
                request,
                "Welcome. To come back from another browser, use your personal rejoin link "
                "(under your name, top right).",
            )
            return _play_as(request, participant)
    return render(request, "exercises/join_team.html", {"form": form, "team": team})


@require_GET
def rejoin(request: HttpRequest, token: str) -> HttpResponse:
    participant = get_object_or_404(Participant, rejoin_token=token)
    return _play_as(request, participant)


def _play_as(request: HttpRequest, participant: Participant) -> HttpResponse:
    """To the team page; this browser plays as ``participant`` from now on."""
    response = redirect("exercises:team", participant.exercise_id)
    roles_of(request).with_player(participant).set_on(response)
    return response


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """A facilitator's logging out also forgets the teams the browser played in and the
    exercises it observed, as ending the session did when they were kept in it."""
    response = auth_views.LogoutView.as_view()(request)
    forget_roles(response)
    return response


def _player(request: HttpRequest, exercise_id: int) -> Viewer:
    return get_viewer(request, exercise_id, Role.PLAYER)


@require_GET
def team_page(request: HttpRequest, exercise_id: int) -> HttpResponse:
    """Every player's browser loads it on arrival and after every reconnect: served from the
    cache, per player, for as long as nothing the team sees has changed."""
    viewer = _player(request, exercise_id)
    key = ":".join(
        [
            "page:team:v2",  # pages cached before v2 held their first reader's CSRF token
            str(viewer.participant.pk),
            team_version(viewer.exercise, viewer.team),
            str(request.user.pk or 0),
            request.get_host(),
        ]
    )
    exercise, team_key = viewer.exercise, viewer.team.key
    html = cached_page(
        request,
        key,
        lambda: _team_page(request, viewer),
        fill=lambda html: panel_filled(html, exercise, team_key),
    )
    return HttpResponse(html)


def _team_page(request: HttpRequest, viewer: Viewer) -> Page:
    turn = latest_turn(viewer.exercise)
    status = turn and turn.status
    turn = lock_if_expired(turn)
    if turn and turn.status != status:
        # Reading the page locked the turn: the versions the parts are cached by moved.
        viewer = _player(request, viewer.exercise.pk)
    exercise = viewer.exercise
    scenario = get_scenario(exercise.scenario_slug)
    parts = page_parts(
        move_part(exercise, viewer.team, turn),
        history_part(exercise),
        messages_part(exercise, viewer.team),
        chat_form_part(exercise, viewer.team),
    )
    context = {
        "exercise": exercise,
        "viewer": viewer,
        "turn": turn,
        "move_html": parts["move"],
        "history": parts["history"],
        "messages_html": parts["messages"],
        "chat_form_html": parts["chat-form"],
        "briefing": scenario.team(viewer.team.key).briefing,
        "rejoin_url": request.build_absolute_uri(
            reverse("exercises:rejoin", args=[viewer.participant.rejoin_token])
        ),
        "scenario": scenario,
        "csrf_token": CSRF_PLACEHOLDER,
        "part_version": team_version(exercise, viewer.team),  # the situation's
    }
    html = render_to_string("exercises/team.html", context, request)
    html = with_panel(html, exercise, viewer.team.key, only_ready=True)
    open_until = turn.deadline if turn and turn.status == Turn.Status.OPEN else None
    return Page(html, expires=open_until)


@require_GET
def team_fragment(request: HttpRequest, exercise_id: int, name: str) -> HttpResponse:
    viewer = _player(request, exercise_id)
    exercise = viewer.exercise
    if name == "move":
        html = cached_fragment(request, move_part(exercise, viewer.team))
        return HttpResponse(with_panel(html, exercise, viewer.team.key))
    if name == "situation":
        # Every change of the turn moves the situation and the move form at once: one
        # request for both (the page listens for it on the situation only).
        html = situation_html(exercise, viewer.team, latest_turn(exercise))
        return HttpResponse(with_csrf_token(request, html))
    if name == "messages":
        return HttpResponse(cached_fragment(request, messages_part(exercise, viewer.team)))
    return HttpResponse(status=404)


@require_POST
def move_post(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = _player(request, exercise_id)
    move = team_move(viewer.exercise, viewer.team)
    turn = move and move.turn
    form = move_form(viewer.exercise, viewer.team, turn, move, data=request.POST)
    if form is None:
        return _move_response(request, viewer, turn)
    if not form.is_valid():
        return _move_response(request, viewer, turn, form, status=422)
    submit = request.POST.get("intent") == "submit"
    service = move_submit if submit else move_save_draft
    notice = None
    with notices_with_parts() as pushed:
        try:
            with transaction.atomic():
                saved = service(
                    participant=viewer.participant,
                    turn_id=turn.pk,
                    base_revision=form.cleaned_data["revision"],
                    answers=form.answers(),
                )
                # The versions this save left, read while it holds their rows: the form
                # rendered below from the saved move is exactly that version's.
                viewer = player_reread(viewer)
        except MoveConflict as exc:
            notice = ("warning", str(exc))
            form = _rebound(form, revision=exc.current_revision)
        except InvalidAnswers as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(None if field not in form.fields else field, error)
            return _move_response(request, viewer, turn, form, status=422)
        except ServiceError as exc:
            notice = ("danger", str(exc))
        else:
            # The form as every teammate would now fetch it: rendered once, sent to them.
            part = move_part(viewer.exercise, viewer.team, saved.turn, saved)
            html = with_panel(rendered_parts(part)[part], viewer.exercise, viewer.team.key)
            pushed[viewer.team.key] = {"move": html}
            done = format_html(
                '<div class="alert alert-success" role="alert">{}</div>',
                "Move submitted." if submit else "Draft saved.",
            )
            return HttpResponse(with_csrf_token(request, html.replace(NOTICE_SLOT, done)))
    return _move_response(request, viewer, turn, form, status=409, notice=notice)


NOTICE_SLOT = "<!--move-notice-->"  # templates/exercises/_move.html


def _move_response(
    request: HttpRequest,
    viewer: Viewer,
    turn: Turn | None,
    form: MoveForm | None = None,
    *,
    status: int = 200,
    **extra,
) -> HttpResponse:
    context = move_context(viewer.exercise, viewer.team, turn, form, **extra)
    html = render_to_string("exercises/_move.html", context, request)
    return HttpResponse(with_panel(html, viewer.exercise, viewer.team.key), status=status)


def _rebound(form: MoveForm, *, revision: int) -> MoveForm:
    """The same answers, now based on the current revision, so a second save goes through."""
    data = form.data.copy()
    data["revision"] = str(revision)
    return MoveForm(data, scenario=form.scenario, team=form.team, initial=form.initial)


@require_POST
def message_post(request: HttpRequest, exercise_id: int) -> HttpResponse:
    viewer = _player(request, exercise_id)
    form = MessageForm(request.POST, exercise=viewer.exercise, team=viewer.team)
    if not form.is_valid():
        return _chat_response(request, viewer, form)
    to = form.cleaned_data["to"]
    recipient = None
    channel = to
    if to.startswith("team:"):
        channel = "private"
        recipient = viewer.exercise.teams.filter(key=to.removeprefix("team:")).first()
    with notices_with_parts() as pushed:
        try:
            message_send(
                sender=viewer.participant,
                channel=channel,
                body=form.cleaned_data["body"],
                recipient=recipient,
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
            return _chat_response(request, viewer, form)
        viewer = player_reread(viewer)  # the versions the message moved
        # Every team that can read the message gets its own list, rendered once for all
        # of its players, with the notice.
        teams = [viewer.team]
        if channel != "team":
            teams = exercise_teams(viewer.exercise)  # as the message left them
        if channel == "private":
            teams = [team for team in teams if team.pk in (viewer.team.pk, recipient.pk)]
        lists = {team.key: messages_part(viewer.exercise, team) for team in teams}
        chat_form = chat_form_part(viewer.exercise, viewer.team)
        html = rendered_parts(*lists.values(), chat_form)
        pushed.update({key: {"team-messages": html[part]} for key, part in lists.items()})
    context = {
        "messages_html": mark_safe(html[lists[viewer.team.key]]),  # noqa: S308 (our rendering)
        "chat_form_html": with_csrf_token(request, html[chat_form]),
        "exercise": viewer.exercise,
    }
    return render(request, "exercises/_chat.html", context)


def _chat_response(request: HttpRequest, viewer: Viewer, form: MessageForm) -> HttpResponse:
    """The chat with the message form as sent, and why it was not."""
    context = {
        "messages_html": cached_fragment(request, messages_part(viewer.exercise, viewer.team)),
        "chat_form_html": render_to_string(
            "exercises/_chat_form.html",
            {"exercise": viewer.exercise, "message_form": form},
            request,
        ),
        "exercise": viewer.exercise,
    }
    return render(request, "exercises/_chat.html", context, status=422)
