"""The turn cycle: open → locked → adjudicated (draft) → published.

Locking is a conditional UPDATE (``WHERE status = 'open'``), so the deadline sweep and the
facilitator's button, racing, lock a turn once. Adjudication is claimed under the turn's row
lock and is deterministic from (seed, turn number, submitted moves), so a duplicated task
changes nothing.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from wargame.engine import WorldState, adjudicate, turn_rng, validate_move
from wargame.exercises.answers import to_engine_move
from wargame.exercises.models import Exercise, Override, Turn
from wargame.exercises.notify import notify
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.services.audit import SYSTEM, audit, facilitator_actor
from wargame.exercises.services.errors import IllegalTransition, ServiceError
from wargame.exercises.services.exercises import exercise_finish, turn_open
from wargame.exercises.text import clean_text

EXTEND_MINUTES = range(1, 121)
STUCK_AFTER = timedelta(seconds=30)

logger = logging.getLogger(__name__)


def turn_lock(*, turn_id: int, actor: str, reason: str, expired_by: datetime | None = None) -> bool:
    """Lock an open turn; True if this call locked it, False if it was no longer open.

    With ``expired_by`` (the deadline sweep), lock only if the turn's deadline still lies
    before that time and the turn is not paused: a facilitator who extended or paused it a
    moment ago wins over the sweep.
    """
    with transaction.atomic():
        # Wait for a submission or another lock holding the row, then read the time: a move
        # committed first is never stamped after the lock. The UPDATE stays on the turn's own
        # table: one that joins the exercise compiles to "id IN (subquery)", which PostgreSQL
        # does not re-check after waiting, so two racing calls would both lock.
        turn = (
            Turn.objects.select_for_update(of=("self",))
            .select_related("exercise")
            .filter(pk=turn_id)
            .first()
        )
        if turn is None or turn.exercise.status != Exercise.Status.RUNNING:
            return False
        now = timezone.now()
        claim = Turn.objects.filter(pk=turn_id, status=Turn.Status.OPEN)
        if expired_by is not None:
            claim = claim.filter(deadline__lte=expired_by, paused_remaining__isnull=True)
        locked = claim.update(status=Turn.Status.LOCKED, locked_at=now, paused_remaining=None)
        if not locked:
            return False
        audit(turn.exercise, "turn.locked", actor, turn_number=turn.number, reason=reason)
        notify(turn.exercise_id, "turn.locked", everyone=True, turn=turn.number)
        transaction.on_commit(lambda: _enqueue_adjudication(turn_id))
    return True


def _enqueue_adjudication(turn_id: int) -> None:
    from wargame.exercises.tasks import adjudicate_turn

    try:
        adjudicate_turn.delay(turn_id)
    except Exception:
        logger.warning(
            "Adjudication of turn %s not queued (broker unreachable); the sweep will do it",
            turn_id,
            exc_info=True,
        )


def turns_lock_expired(
    *,
    now: datetime | None = None,
    each: Callable[[int], AbstractContextManager] = lambda exercise_id: nullcontext(),
) -> int:
    """Lock every open turn whose deadline has passed; returns how many this call locked.

    ``each(exercise_id)`` wraps each lock: the sweep sends the notice with what it changed
    (parts.turn_change_pushed).
    """
    now = now or timezone.now()
    expired = Turn.objects.filter(
        status=Turn.Status.OPEN,
        deadline__lte=now,
        paused_remaining__isnull=True,
        exercise__status=Exercise.Status.RUNNING,
    ).values_list("pk", "exercise_id")
    locked = 0
    for pk, exercise_id in list(expired):
        with each(exercise_id):
            locked += turn_lock(turn_id=pk, actor=SYSTEM, reason="deadline", expired_by=now)
    return locked


def turns_adjudicate_stuck(*, now: datetime | None = None) -> int:
    """Adjudicate turns locked for a while without a result: their task was lost (a broker
    restart, a worker that died without late acknowledgement). Idempotent, like the task."""
    now = now or timezone.now()
    stuck = Turn.objects.filter(
        status=Turn.Status.LOCKED,
        locked_at__lte=now - STUCK_AFTER,
        exercise__status=Exercise.Status.RUNNING,
    ).values_list("pk", flat=True)
    return sum(turn_adjudicate(turn_id=pk) for pk in list(stuck))


def turn_lock_if_expired(turn: Turn | None) -> Turn | None:
    """Lock the turn if its deadline has passed (pages call this as they read the turn)."""
    expired = (
        turn is not None
        and turn.status == Turn.Status.OPEN
        and turn.deadline is not None
        and turn.deadline <= timezone.now()
    )
    if expired and turn_lock(
        turn_id=turn.pk, actor=SYSTEM, reason="deadline", expired_by=timezone.now()
    ):
        turn.refresh_from_db()
    return turn


def _lock_turn(turn_id: int, *expected: str) -> Turn:
    turn = Turn.objects.select_for_update().select_related("exercise").get(pk=turn_id)
    if turn.exercise.status != Exercise.Status.RUNNING:
        raise IllegalTransition("This exercise is not running.")
    if turn.status not in expected:
        raise IllegalTransition(
            f"Turn {turn.number} is {turn.get_status_display().lower()}; "
            "the page you used was out of date. It has been refreshed."
        )
    return turn


STATUS_WORDS = {
    Turn.Status.OPEN: "open",
    Turn.Status.LOCKED: "locked",
    Turn.Status.ADJUDICATED: "locked and waiting for review",
    Turn.Status.PUBLISHED: "published",
}


def turn_check_shown(*, exercise_id: int, shown: str | None) -> Turn:
    """The exercise's current turn, if it is the one the facilitator's page showed.

    Control-room and review forms post the number of the turn they were rendered for, so a
    tab left open while the game moved on cannot lock, re-open or publish the turn after.
    Raises IllegalTransition when the number is missing, malformed or not the current turn.
    """
    current = Turn.objects.filter(exercise_id=exercise_id).order_by("-number").first()
    if current is None:
        raise IllegalTransition("Start the exercise first.")
    try:
        number = int(shown or "")
    except ValueError:
        number = 0
    if number != current.number:
        page = (
            f"This page showed turn {number}"
            if number > 0
            else "This page did not say which turn it was for"
        )
        raise IllegalTransition(
            f"{page}; turn {current.number} is now {STATUS_WORDS[current.status]}. "
            "Nothing was changed."
        )
    return current


@transaction.atomic
def turn_pause(*, turn_id: int, user: AbstractBaseUser) -> Turn:
    turn = _lock_turn(turn_id, Turn.Status.OPEN)
    if turn.is_paused:
        raise IllegalTransition("The turn is already paused.")
    turn.paused_remaining = max(turn.deadline - timezone.now(), timedelta(0))
    turn.deadline = None
    turn.save(update_fields=["paused_remaining", "deadline"])
    _deadline_changed(turn, "turn.paused", user)
    return turn


@transaction.atomic
def turn_resume(*, turn_id: int, user: AbstractBaseUser) -> Turn:
    turn = _lock_turn(turn_id, Turn.Status.OPEN)
    if not turn.is_paused:
        raise IllegalTransition("The turn is not paused.")
    turn.deadline = timezone.now() + turn.paused_remaining
    turn.paused_remaining = None
    turn.save(update_fields=["paused_remaining", "deadline"])
    _deadline_changed(turn, "turn.resumed", user)
    return turn


@transaction.atomic
def turn_extend(*, turn_id: int, minutes: int, user: AbstractBaseUser) -> Turn:
    if minutes not in EXTEND_MINUTES:
        raise ServiceError("Extend by 1 to 120 minutes.")
    turn = _lock_turn(turn_id, Turn.Status.OPEN)
    if turn.is_paused:
        turn.paused_remaining += timedelta(minutes=minutes)
    else:
        turn.deadline = max(turn.deadline, timezone.now()) + timedelta(minutes=minutes)
    turn.save(update_fields=["paused_remaining", "deadline"])
    _deadline_changed(turn, "turn.extended", user, minutes=minutes)
    return turn


@transaction.atomic
def turn_reopen(*, turn_id: int, minutes: int, user: AbstractBaseUser) -> Turn:
    """Re-open a locked turn before publication; its draft adjudication is discarded."""
    if minutes not in EXTEND_MINUTES:
        raise ServiceError("Re-open for 1 to 120 minutes.")
    turn = _lock_turn(turn_id, Turn.Status.LOCKED, Turn.Status.ADJUDICATED)
    turn.status = Turn.Status.OPEN
    turn.deadline = timezone.now() + timedelta(minutes=minutes)
    turn.locked_at = turn.adjudicated_at = turn.adjudication = None
    turn.narratives = {}
    turn.save()
    turn.overrides.all().delete()
    audit(turn.exercise, "turn.reopened", facilitator_actor(user), turn_number=turn.number)
    notify(turn.exercise_id, "turn.opened", everyone=True, turn=turn.number)
    return turn


def _deadline_changed(turn: Turn, action: str, user: AbstractBaseUser, **data) -> None:
    audit(turn.exercise, action, facilitator_actor(user), turn_number=turn.number, **data)
    notify(turn.exercise_id, "deadline.changed", everyone=True, turn=turn.number)


@transaction.atomic
def turn_adjudicate(*, turn_id: int) -> bool:
    """Adjudicate a locked turn into a draft; False if it is not (or no longer) locked."""
    turn = Turn.objects.select_for_update().select_related("exercise").get(pk=turn_id)
    if turn.status != Turn.Status.LOCKED or turn.exercise.status != Exercise.Status.RUNNING:
        return False
    exercise = turn.exercise
    scenario = get_scenario(exercise.scenario_slug)
    state = WorldState.from_dict(turn.state_before)
    moves, refused = {}, {}
    for move in turn.moves.select_related("team"):
        if move.submitted_answers is None:
            continue
        engine_move = to_engine_move(move.team.key, move.submitted_answers)
        reasons = validate_move(scenario, state, engine_move)
        if reasons:
            refused[move.team.key] = reasons
        else:
            moves[move.team.key] = engine_move
    result = adjudicate(scenario, state, moves, turn_rng(exercise.seed, turn.number))
    turn.adjudication = {**result.to_dict(), "refused": refused}
    turn.narratives = {"world": result.world_narrative, **result.narratives}
    turn.status = Turn.Status.ADJUDICATED
    turn.adjudicated_at = timezone.now()
    turn.save(update_fields=["adjudication", "narratives", "status", "adjudicated_at"])
    audit(exercise, "turn.adjudicated", SYSTEM, turn_number=turn.number, held=list(result.held))
    notify(exercise.pk, "turn.adjudicated", control=True, turn=turn.number)
    return True


def _reason(reason: str) -> str:
    reason = clean_text(reason)
    if not reason:
        raise ServiceError("Write the reason for the change: it goes into the report.")
    return reason[:2000]


@transaction.atomic
def turn_edit_narrative(
    *, turn_id: int, subject: str, text: str, reason: str, user: AbstractBaseUser
) -> Override:
    turn = _lock_turn(turn_id, Turn.Status.ADJUDICATED)
    if subject not in turn.narratives:
        raise ServiceError("There is no such narrative in this turn.")
    text = clean_text(text)
    if not text:
        raise ServiceError("A narrative cannot be empty.")
    override = Override.objects.create(
        turn=turn,
        kind=Override.Kind.NARRATIVE,
        subject=subject,
        before=turn.narratives[subject],
        after=text[:5000],
        reason=_reason(reason),
        author=user,
    )
    turn.narratives = {**turn.narratives, subject: override.after}
    turn.save(update_fields=["narratives"])
    audit(
        turn.exercise,
        "turn.narrative_edited",
        facilitator_actor(user),
        turn_number=turn.number,
        subject=subject,
    )
    return override


@transaction.atomic
def turn_adjust_indicator(
    *, turn_id: int, indicator: str, amount: float, reason: str, user: AbstractBaseUser
) -> Override:
    turn = _lock_turn(turn_id, Turn.Status.ADJUDICATED)
    scenario = get_scenario(turn.exercise.scenario_slug)
    known = {ind.id: ind for ind in scenario.indicators}
    if indicator not in known:
        raise ServiceError("There is no such indicator in this scenario.")
    span = known[indicator].max - known[indicator].min
    if not amount or abs(amount) > span:
        raise ServiceError(f"Adjust by a non-zero amount of at most {span:g}.")
    override = Override.objects.create(
        turn=turn,
        kind=Override.Kind.DELTA,
        subject=indicator,
        after=f"{amount:+g}",
        amount=amount,
        reason=_reason(reason),
        author=user,
    )
    audit(
        turn.exercise,
        "turn.indicator_adjusted",
        facilitator_actor(user),
        turn_number=turn.number,
        indicator=indicator,
        amount=amount,
    )
    return override


def overridden_state(turn: Turn) -> WorldState:
    """The draft's new state with the facilitator's adjustments applied."""
    scenario = get_scenario(turn.exercise.scenario_slug)
    deltas: dict[str, float] = defaultdict(float)
    for override in turn.overrides.filter(kind=Override.Kind.DELTA):
        deltas[override.subject] += override.amount
    state = WorldState.from_dict(turn.adjudication["new_state"])
    return state.with_deltas(scenario, dict(deltas)) if deltas else state


@transaction.atomic
def turn_publish(*, turn_id: int, user: AbstractBaseUser) -> Turn:
    turn = _lock_turn(turn_id, Turn.Status.ADJUDICATED)
    exercise = Exercise.objects.select_for_update().get(pk=turn.exercise_id)
    state = overridden_state(turn).to_dict()
    turn.state_after = state
    turn.status = Turn.Status.PUBLISHED
    turn.published_at = timezone.now()
    turn.save(update_fields=["state_after", "status", "published_at"])
    exercise.state = state
    exercise.save(update_fields=["state"])
    audit(exercise, "turn.published", facilitator_actor(user), turn_number=turn.number)
    notify(exercise.pk, "turn.published", everyone=True, turn=turn.number)
    if turn.number < exercise.turns:
        turn_open(exercise=exercise)
    else:
        exercise_finish(exercise=exercise)
    return turn
