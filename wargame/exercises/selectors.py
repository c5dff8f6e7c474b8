"""Reads for pages: each builds what a page shows with a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.db import connection
from django.utils import timezone

from wargame.core.rows import Converters, Joined, Table, converted, converters
from wargame.exercises.access import Viewer
from wargame.exercises.charts import indicator_charts, sharing_one_style
from wargame.exercises.models import Exercise, Message, Move, Participant, Team, Turn
from wargame.exercises.scenarios import get_scenario

ONLINE_WINDOW = timedelta(seconds=60)
MESSAGE_LIMIT = 60
TURN_STATES = ("state_before", "adjudication", "state_after", "narratives")  # large JSON


@dataclass
class Outcome:
    turn: Turn
    world: str
    teams: list[tuple[str, str]]
    events: list[dict]
    statements: list[tuple[str, str]]
    actions: list[tuple[str, list[str]]] = field(default_factory=list)


def exercise_turns(exercise: Exercise) -> list[Turn]:
    return list(exercise.turn_set.order_by("number"))


def current_turn(turns: list[Turn]) -> Turn | None:
    return turns[-1] if turns else None


# Read on every decision-support panel and facilitator's status: SQL built once (core/rows.py).
_NEWEST = "FROM {t} t WHERE t.exercise_id = %s ORDER BY t.number DESC LIMIT 1"
_NEWEST_TURN = Joined((Table(Turn, "t"),), _NEWEST)
_LATEST_TURN = Joined((Table(Turn, "t", leave_out=TURN_STATES),), _NEWEST)


def newest_turn(exercise: Exercise) -> Turn | None:
    """The exercise's newest turn, whole: with the state it started from."""
    return _exercise_turn(_NEWEST_TURN, exercise)


def latest_turn(exercise: Exercise) -> Turn | None:
    """The exercise's newest turn, without its states and adjudication (large JSON)."""
    return _exercise_turn(_LATEST_TURN, exercise)


def _exercise_turn(query: Joined, exercise: Exercise) -> Turn | None:
    found = query.one([exercise.pk])
    if found is None:
        return None
    turn = found[0]
    turn.exercise = exercise  # as exercise.turn_set would give it
    return turn


_TEAM_MOVE = Joined(
    (Table(Move, "m"), Table(Turn, "t", leave_out=TURN_STATES)),
    "FROM {m} m JOIN {t} t ON t.id = m.turn_id "
    "WHERE t.exercise_id = %s AND m.team_id = %s ORDER BY t.number DESC LIMIT 1",
)


def team_move(exercise: Exercise, team: Team) -> Move | None:
    """The team's move in the exercise's newest turn, with that turn (without its states),
    in one query built once per process: every turn opens with a move for each team."""
    found = _TEAM_MOVE.one([exercise.pk, team.pk])
    if found is None:
        return None
    move, move.turn = found
    return move


def charts_for(exercise: Exercise, turns: list[Turn]) -> list[dict[str, str]]:
    scenario = get_scenario(exercise.scenario_slug)
    published = [turn for turn in turns if turn.status == Turn.Status.PUBLISHED]
    history = [turns[0].state_before["indicators"]] if turns else [exercise.state["indicators"]]
    history += [turn.state_after["indicators"] for turn in published]
    charts = indicator_charts(scenario, history, cache_key=f"charts:{exercise.pk}:{len(published)}")
    return sharing_one_style(charts)


def outcomes_for(exercise: Exercise, turns: list[Turn]) -> list[Outcome]:
    """What every published turn made public, newest first."""
    scenario = get_scenario(exercise.scenario_slug)
    published = [turn for turn in turns if turn.status == Turn.Status.PUBLISHED]
    moves = Move.objects.filter(
        turn__exercise=exercise, turn__status=Turn.Status.PUBLISHED
    ).select_related("team")
    by_turn: dict[int, list[Move]] = {}
    for move in moves:
        by_turn.setdefault(move.turn_id, []).append(move)
    result = []
    for turn in reversed(published):
        team_moves = sorted(by_turn.get(turn.pk, []), key=lambda m: m.team.position)
        result.append(
            Outcome(
                turn=turn,
                world=turn.narratives.get("world", ""),
                teams=[
                    (move.team.name, turn.narratives.get(move.team.key, "")) for move in team_moves
                ],
                events=turn.adjudication.get("events", []),
                statements=[
                    (move.team.name, move.submitted_answers["statement"])
                    for move in team_moves
                    if move.submitted_answers and move.submitted_answers.get("statement")
                ],
                actions=[
                    (
                        move.team.name,
                        [
                            scenario.action(a["action"]).name
                            for a in (move.submitted_answers or {}).get("actions", [])
                        ],
                    )
                    for move in team_moves
                ],
            )
        )
    return result


@dataclass(frozen=True)
class MessageLine:
    """A message as the lists show it, with names instead of rows: a list is read again
    after every message, and building four model instances per line was most of that."""

    channel: str
    created_at: datetime
    body: str
    sender_name: str | None  # None: the white cell (the facilitator)
    sender_team_name: str | None
    recipient_team_name: str | None


def messages_for(viewer: Viewer) -> list[MessageLine]:
    """The messages this viewer may read, oldest first (the last MESSAGE_LIMIT)."""
    if viewer.is_facilitator:
        return _last_messages(exercise=viewer.exercise.pk)
    return team_messages(viewer.exercise, viewer.team)


def team_messages(exercise: Exercise, team: Team | None) -> list[MessageLine]:
    """The messages a team's players may read (only public ones without a team)."""
    return _last_messages(exercise=exercise.pk, team=team.pk if team else 0)


# Who reads what: the public channel, the own team's, and the private messages between the
# team and another.
_VISIBLE = (
    "AND (m.channel = %s OR (m.channel = %s AND m.sender_team_id = %s) "
    "OR (m.channel = %s AND (m.sender_team_id = %s OR m.recipient_team_id = %s)))"
)


def _last_messages(*, exercise: int, team: int | None = None) -> list[MessageLine]:
    """The last MESSAGE_LIMIT messages of the exercise, all of them (``team`` None) or
    those a team may read, in SQL built once per process: a list is read again after
    every message, and the ORM's compiling was two thirds of that (bench/HISTORY.md)."""
    sql, created = _messages_sql(connection.vendor, everything=team is None)
    params = [exercise]
    if team is not None:
        kind = Message.Channel
        params += [kind.PUBLIC, kind.TEAM, team, kind.PRIVATE, team, team]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        MessageLine(channel, converted(created_at, created), *names)
        for channel, created_at, *names in reversed(rows)
    ]


@cache
def _messages_sql(vendor: str, *, everything: bool) -> tuple[str, Converters]:
    table = {
        model: connection.ops.quote_name(model._meta.db_table)
        for model in (Message, Participant, Team)
    }
    sql = (
        "SELECT m.channel, m.created_at, m.body, p.display_name, st.name, rt.name "  # noqa: S608
        f"FROM {table[Message]} m "
        f"LEFT JOIN {table[Participant]} p ON p.id = m.sender_id "
        f"LEFT JOIN {table[Team]} st ON st.id = m.sender_team_id "
        f"LEFT JOIN {table[Team]} rt ON rt.id = m.recipient_team_id "
        f"WHERE m.exercise_id = %s {'' if everything else _VISIBLE} "
        f"ORDER BY m.created_at DESC, m.id DESC LIMIT {MESSAGE_LIMIT}"
    )
    return sql, converters(Message._meta.get_field("created_at"), "m")


# The facilitator's status, polled every 2 s while teams work, and every message: SQL built
# once (core/rows.py).
_PARTICIPANTS = Joined(
    (Table(Participant, "p"),),
    "FROM {p} p WHERE p.exercise_id = %s ORDER BY p.team_id, p.joined_at, p.id",
)
_TEAMS = Joined(
    (Table(Team, "t"),), "FROM {t} t WHERE t.exercise_id = %s ORDER BY t.position, t.id"
)
_MOVE_STATUSES = Joined(
    (Table(Move, "m", leave_out=("answers", "submitted_answers")),),
    "FROM {m} m WHERE m.turn_id = %s",
)


def exercise_teams(exercise: Exercise) -> list[Team]:
    """The exercise's teams in their order, as they are now (with their versions)."""
    teams = [team for (team,) in _TEAMS.all([exercise.pk])]
    for team in teams:
        team.exercise = exercise  # as exercise.teams would give them
    return teams


def roster(exercise: Exercise) -> list[dict]:
    """Teams with their participants and who is online, for the control room."""
    cutoff = timezone.now() - ONLINE_WINDOW
    participants: dict[int, list[Participant]] = {}
    for (participant,) in _PARTICIPANTS.all([exercise.pk]):
        participant.exercise = exercise
        participant.online = bool(participant.last_seen_at and participant.last_seen_at >= cutoff)
        participants.setdefault(participant.team_id, []).append(participant)
    return [
        {"team": team, "participants": participants.get(team.pk, [])}
        for team in exercise_teams(exercise)
    ]


def move_statuses(turn: Turn | None) -> dict[int, Move]:
    """Each team's move in the turn, without its answers: what the status shows."""
    if turn is None:
        return {}
    moves = [move for (move,) in _MOVE_STATUSES.all([turn.pk])]
    for move in moves:
        move.turn = turn
    return {move.team_id: move for move in moves}
