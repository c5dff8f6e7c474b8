"""Players: joining a team, editing the team's shared draft, submitting the move."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from wargame.core.rows import Joined, Table, attach
from wargame.engine import WorldState
from wargame.exercises.answers import clean_answers
from wargame.exercises.models import Exercise, Move, MoveRevision, Participant, Team, Turn
from wargame.exercises.notify import notify
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.services.audit import audit, participant_actor
from wargame.exercises.services.errors import IllegalTransition, MoveConflict, ServiceError
from wargame.exercises.text import clean_line

NAME_LENGTH = 40


@transaction.atomic
def participant_join(*, team: Team, display_name: str) -> Participant:
    name = clean_line(display_name)
    if not name:
        raise ServiceError("Enter the name your teammates will see.")
    if len(name) > NAME_LENGTH:
        raise ServiceError(f"Keep your name under {NAME_LENGTH} characters.")
    exercise = Exercise.objects.select_for_update().get(pk=team.exercise_id)
    if exercise.status == Exercise.Status.FINISHED:
        raise IllegalTransition("This exercise has ended; it can no longer be joined.")
    participant = Participant.objects.create(exercise=exercise, team=team, display_name=name)
    audit(exercise, "participant.joined", participant_actor(participant), team=team.key)
    notify(exercise.pk, "participant.joined", control=True, team=team.key)
    return participant


# The turn, its exercise and the team's move, locked in that order, with who last saved and
# submitted the move: one statement, built once per process (core/rows.py).
_OPEN_MOVE = Joined(
    (
        Table(Turn, "t", leave_out=("adjudication", "state_after", "narratives")),
        Table(Exercise, "e", leave_out=("state",)),
        Table(Move, "m"),
        Table(Participant, "u", optional=True),
        Table(Participant, "s", optional=True),
    ),
    "FROM {t} t JOIN {e} e ON e.id = t.exercise_id "
    "JOIN {m} m ON m.turn_id = t.id "
    "LEFT JOIN {u} u ON u.id = m.updated_by_id "
    "LEFT JOIN {s} s ON s.id = m.submitted_by_id "
    "WHERE t.id = %s AND t.exercise_id = %s AND m.team_id = %s",
    lock=("t", "e", "m"),
)


def _open_move(participant: Participant, turn_id: int) -> tuple[Turn, Move]:
    """Lock the turn and the team's move; refuse if the turn no longer takes moves."""
    found = _OPEN_MOVE.one([turn_id, participant.exercise_id, participant.team_id])
    if found is None:
        raise Move.DoesNotExist(f"No move of team {participant.team_id} in turn {turn_id}.")
    turn, turn.exercise, move, updated_by, submitted_by = found
    attach(move, "updated_by", updated_by)
    attach(move, "submitted_by", submitted_by)
    if turn.exercise.status != Exercise.Status.RUNNING or turn.status != Turn.Status.OPEN:
        raise IllegalTransition(
            f"Turn {turn.number} is locked: moves can no longer be changed. "
            "Your last saved draft is kept."
        )
    if turn.deadline is not None and turn.deadline <= timezone.now():
        raise IllegalTransition(
            f"Time is up for turn {turn.number}: moves can no longer be changed. "
            "Your last saved draft is kept."
        )
    move.turn = turn  # as locked here: the move's page shows it
    return turn, move


def _save(move: Move, participant: Participant, answers: dict[str, Any], base_revision: int):
    if base_revision != move.revision:
        who = move.updated_by.display_name if move.updated_by else "A teammate"
        raise MoveConflict(
            f"{who} saved the draft while you were editing (revision {move.revision}, "
            f"yours was based on {base_revision}). Your text is still in the form: "
            "compare it with theirs, then save again.",
            current_revision=move.revision,
        )
    if answers == move.answers and move.revision:
        return False
    move.revision += 1
    move.answers = answers
    move.updated_by = participant
    move.updated_at = timezone.now()
    MoveRevision.objects.create(
        move=move, revision=move.revision, answers=answers, author=participant
    )
    return True


def _checked(participant: Participant, turn_id: int, answers: Any, *, final: bool):
    """The locked turn and move, and the answers checked against the scenario."""
    turn, move = _open_move(participant, turn_id)
    scenario = get_scenario(turn.exercise.scenario_slug)
    state = WorldState.from_dict(turn.state_before)
    clean = clean_answers(scenario, participant.team.key, state, answers, final=final)
    return turn, move, clean


def _record(turn: Turn, move: Move, participant: Participant, action: str, event: str) -> None:
    audit(
        turn.exercise,
        action,
        participant_actor(participant),
        turn_number=turn.number,
        team=participant.team.key,
        revision=move.revision,
    )
    notify(
        turn.exercise_id,
        event,
        teams=(participant.team.key,),
        control=True,
        turn=turn.number,
        revision=move.revision,
        by=participant.pk,
    )


@transaction.atomic
def move_save_draft(
    *, participant: Participant, turn_id: int, base_revision: int, answers: Any
) -> Move:
    turn, move, clean = _checked(participant, turn_id, answers, final=False)
    if _save(move, participant, clean, base_revision):
        move.save()
        _record(turn, move, participant, "move.saved", "draft.saved")
    return move


@transaction.atomic
def move_submit(
    *, participant: Participant, turn_id: int, base_revision: int, answers: Any
) -> Move:
    """Save the draft and submit it as the team's move, in one step."""
    turn, move, clean = _checked(participant, turn_id, answers, final=True)
    _save(move, participant, clean, base_revision)
    move.submitted_answers = clean
    move.submitted_revision = move.revision
    move.submitted_at = timezone.now()
    move.submitted_by = participant
    MoveRevision.objects.filter(move=move, revision=move.revision).update(submitted=True)
    move.save()
    _record(turn, move, participant, "move.submitted", "move.submitted")
    return move
