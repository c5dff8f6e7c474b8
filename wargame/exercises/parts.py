"""The parts of the team page, as every player of a team sees them.

Each part is the same for all of a team's players (its version says for which changes it
stands, fragments.py), so that it can be rendered once: for the first reader, into the
cache, or by the request that made the change, and sent with the notice of it (notify.py).
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.template.loader import render_to_string
from django.urls import reverse

from wargame.celery import app as celery_app
from wargame.exercises.forms import MessageForm, MoveForm
from wargame.exercises.fragments import (
    Part,
    exercise_version,
    rendered_parts,
    team_version,
    with_panel,
)
from wargame.exercises.models import Exercise, Move, Team, Turn
from wargame.exercises.notify import Parts, notices_held, notices_with_parts
from wargame.exercises.panel import draft_package, panel_html
from wargame.exercises.preview import package_from_form, package_key, package_query
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.selectors import (
    charts_for,
    exercise_turns,
    latest_turn,
    outcomes_for,
    team_messages,
)
from wargame.exercises.services.turns import turn_lock_if_expired

logger = logging.getLogger(__name__)


def move_form(
    exercise: Exercise, team: Team, turn: Turn | None, move: Move | None, data=None
) -> MoveForm | None:
    if turn is None or move is None:
        return None
    editable = turn.status == Turn.Status.OPEN and exercise.status == Exercise.Status.RUNNING
    return MoveForm(
        data,
        scenario=get_scenario(exercise.scenario_slug),
        team=team,
        disabled=not editable,
        initial=MoveForm.initial_from(move.answers, move.revision),
    )


def move_context(
    exercise: Exercise,
    team: Team,
    turn: Turn | None,
    form: MoveForm | None = None,
    *,
    move: Move | None = None,
    **extra,
) -> dict:
    """``move``: the team's move for the turn, with who saved and submitted it, when the
    caller has it already (a save)."""
    if move is None and turn is not None:
        move = (
            Move.objects.select_related("updated_by", "submitted_by")
            .filter(turn=turn, team=team)
            .first()
        )
    scenario = get_scenario(exercise.scenario_slug)
    form = form or move_form(exercise, team, turn, move)
    return {
        "exercise": exercise,
        "turn": turn,
        "move": move,
        "form": form,
        "budget": scenario.team_budget(team.key),
        "preview_package": form and _package_shown(scenario, team.key, form),
        **extra,
    }


def _package_shown(scenario, team_key: str, form: MoveForm) -> str:
    """The package the form's ticked boxes make, as the panel will ask for it."""
    shown = form.data if form.is_bound else form.initial
    return package_key(package_from_form(scenario, team_key, shown))


def move_part(
    exercise: Exercise, team: Team, turn: Turn | None = None, move: Move | None = None
) -> Part:
    """The move form; the turn is read only when the form has to be rendered."""
    return Part(
        "move",
        "exercises/_move.html",
        lambda: move_context(exercise, team, turn or latest_turn(exercise), move=move),
        team_version(exercise, team),
    )


def history_part(exercise: Exercise) -> Part:
    def build() -> dict:
        turns = exercise_turns(exercise)
        return {"outcomes": outcomes_for(exercise, turns), "charts": charts_for(exercise, turns)}

    return Part("history", "exercises/_history.html", build, exercise_version(exercise))


def messages_part(exercise: Exercise, team: Team) -> Part:
    return Part(
        "messages",
        "exercises/_messages.html",
        lambda: {"messages_list": team_messages(exercise, team)},
        team_version(exercise, team),
    )


def chat_form_part(exercise: Exercise, team: Team) -> Part:
    """The message form: the same for the whole team until it is sent with an error. Its
    choices (the teams, whether teams may message each other) never change during play, so
    it is kept across the team's messages, which move the team's version."""
    return Part(
        "chat-form",
        "exercises/_chat_form.html",
        lambda: {
            "exercise": exercise,
            "message_form": MessageForm(exercise=exercise, team=team),
        },
        f"{exercise_version(exercise)}.team-{team.pk}",
    )


def situation_html(exercise: Exercise, team: Team, turn: Turn | None) -> str:
    """What a change of the turn moves on a team's page, in one piece: the situation, and
    the move form to swap in beside it (_situation_fragment.html)."""
    history, move = history_part(exercise), move_part(exercise, team, turn)
    html = rendered_parts(history, move)
    context = {
        "exercise": exercise,
        "turn": turn,
        "history": html[history],
        "move_html": with_panel(html[move], exercise, team.key),
        "part_version": team_version(exercise, team),
    }
    return render_to_string("exercises/_situation_fragment.html", context)


@contextmanager
def turn_change_pushed(exercise_id: int) -> Iterator[None]:
    """Sends the notices of the block, a change of the turn (the exercise started or ended,
    a turn locked, published or re-opened), with every team's situation, rendered here once.

    Otherwise every browser of the class fetches it at the same moment, and the first
    readers of each team all render it, none finding it in the cache yet. Best effort, like
    the notices: the change is committed; if the parts cannot be rendered, the notices go
    alone and browsers fetch.
    """
    with notices_with_parts() as pushed:
        yield
        if notices_held():
            try:
                pushed.update(_situations(exercise_id))
            except Exception:
                logger.exception("Situations of exercise %s not sent with the notice", exercise_id)


def lock_if_expired(turn: Turn | None) -> Turn | None:
    """``turn_lock_if_expired`` for a page being read: a page read past the deadline, before
    the sweep, locks the turn, and the teams' situations go with the notice of it."""
    if turn is None:
        return None
    with turn_change_pushed(turn.exercise_id):
        return turn_lock_if_expired(turn)


def _situations(exercise_id: int) -> Parts:
    """The situation of every team that has players."""
    exercise = Exercise.objects.get(pk=exercise_id)
    turn = latest_turn(exercise)
    _prepare_panels(exercise, turn)
    teams = exercise.teams.filter(participants__isnull=False).distinct()
    return {team.key: {"situation": situation_html(exercise, team, turn)} for team in teams}


def _prepare_panels(exercise: Exercise, turn: Turn | None) -> None:
    """Puts each team's decision-support panel for the package its open form shows in the
    cache, or queues its estimate, so that the form comes with it (fragments.with_panel)
    and no browser asks.

    Not where tasks run in the web process (embedded mode): the estimates would be
    simulated here, and every team would wait for all of them before hearing of the turn.
    """
    if turn is None or turn.status != Turn.Status.OPEN or celery_app.conf.task_always_eager:
        return
    scenario = get_scenario(exercise.scenario_slug)
    url = reverse("exercises:preview", args=[exercise.pk])
    for move in Move.objects.filter(turn=turn).select_related("team"):
        package = draft_package(scenario, move)
        again = f"{url}?{package_query(package)}"
        panel_html(exercise, move.team.key, package, turn=lambda: turn, again=again)
