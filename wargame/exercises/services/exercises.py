import secrets
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from wargame.engine import initial_state
from wargame.exercises.models import Exercise, Move, Team, Turn
from wargame.exercises.notify import notify
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.services.audit import audit, facilitator_actor
from wargame.exercises.services.errors import IllegalTransition, ServiceError
from wargame.exercises.text import clean_line
from wargame.questionnaires.models import Phase

TURN_MINUTES = range(1, 24 * 60 + 1)


@transaction.atomic
def exercise_create(
    *,
    facilitator: AbstractBaseUser,
    scenario_slug: str,
    title: str,
    turns: int | None = None,
    turn_minutes: int = 20,
    seed: int | None = None,
    allow_team_messages: bool = True,
    decision_support: bool = True,
) -> Exercise:
    scenario = get_scenario(scenario_slug)
    turns = scenario.turns.default if turns is None else turns
    if not scenario.turns.min <= turns <= scenario.turns.max:
        raise ServiceError(
            f"This scenario plays {scenario.turns.min} to {scenario.turns.max} turns."
        )
    if turn_minutes not in TURN_MINUTES:
        raise ServiceError("A turn lasts from 1 minute to 24 hours.")
    title = clean_line(title) or scenario.title
    exercise = Exercise.objects.create(
        title=title[:200],
        scenario_slug=scenario.id,
        facilitator=facilitator,
        seed=secrets.randbelow(2**31) if seed is None else seed,
        turns=turns,
        turn_minutes=turn_minutes,
        allow_team_messages=allow_team_messages,
        decision_support=decision_support,
        state=initial_state(scenario).to_dict(),
    )
    Team.objects.bulk_create(
        Team(exercise=exercise, key=team.id, name=team.name, position=position)
        for position, team in enumerate(scenario.teams)
    )
    audit(
        exercise,
        "exercise.created",
        facilitator_actor(facilitator),
        scenario=scenario.id,
        decision_support=decision_support,
    )
    return exercise


def _lock_exercise(exercise_id: int) -> Exercise:
    return Exercise.objects.select_for_update().get(pk=exercise_id)


@transaction.atomic
def exercise_start(*, exercise_id: int, user: AbstractBaseUser) -> Turn:
    exercise = _lock_exercise(exercise_id)
    if exercise.status != Exercise.Status.SETUP:
        raise IllegalTransition("This exercise has already started.")
    exercise.status = Exercise.Status.RUNNING
    turn = turn_open(exercise=exercise)
    audit(exercise, "exercise.started", facilitator_actor(user), turn_number=turn.number)
    notify(exercise.pk, "questionnaire.window", everyone=True, phase=str(Phase.PRE))
    return turn


@transaction.atomic
def exercise_end(*, exercise_id: int, user: AbstractBaseUser) -> Exercise:
    """End the exercise now. An open turn is closed unplayed (teams can no longer move).

    A turn that is locked but not yet published is refused instead: the report covers
    published turns only, so ending would leave that turn's submitted moves out of it. The
    facilitator publishes it first (or re-opens it, to end with the turn unplayed).
    """
    # The current turn's row first, as the lock and publish services take it: a lock racing
    # this call either happens before the check below or finds the exercise ended.
    turn = (
        Turn.objects.select_for_update(of=("self",))
        .filter(exercise_id=exercise_id)
        .order_by("-number")
        .first()
    )
    exercise = _lock_exercise(exercise_id)
    if exercise.status == Exercise.Status.FINISHED:
        raise IllegalTransition("This exercise has already ended.")
    if turn is not None and turn.status == Turn.Status.LOCKED:
        raise IllegalTransition(
            f"Turn {turn.number} is locked and its draft adjudication is being prepared: "
            "review and publish it before ending the exercise, so that its moves are in the "
            "report. Nothing was changed."
        )
    if turn is not None and turn.status == Turn.Status.ADJUDICATED:
        raise IllegalTransition(
            f"Turn {turn.number} is locked and waiting for your review: publish it before "
            "ending the exercise, so that its moves are in the report. Nothing was changed."
        )
    exercise_finish(exercise=exercise)
    audit(exercise, "exercise.ended", facilitator_actor(user), turn_number=exercise.current_turn)
    return exercise


def exercise_finish(*, exercise: Exercise) -> None:
    """Close the exercise (the caller holds its row lock and writes the audit event)."""
    exercise.status = Exercise.Status.FINISHED
    exercise.finished_at = timezone.now()
    exercise.save(update_fields=["status", "finished_at"])
    Turn.objects.filter(exercise=exercise, status=Turn.Status.OPEN).update(
        status=Turn.Status.LOCKED, locked_at=exercise.finished_at
    )
    notify(exercise.pk, "exercise.finished", everyone=True)
    notify(exercise.pk, "questionnaire.window", everyone=True, phase=str(Phase.POST))


def turn_open(*, exercise: Exercise) -> Turn:
    """Open the exercise's next turn (the caller holds its row lock and writes the audit)."""
    now = timezone.now()
    turn = Turn.objects.create(
        exercise=exercise,
        number=exercise.current_turn + 1,
        opened_at=now,
        deadline=now + timedelta(minutes=exercise.turn_minutes),
        state_before=exercise.state,
    )
    Move.objects.bulk_create(Move(turn=turn, team=team) for team in exercise.teams.all())
    exercise.current_turn = turn.number
    exercise.save(update_fields=["status", "current_turn"])
    notify(exercise.pk, "turn.opened", everyone=True, turn=turn.number)
    return turn
