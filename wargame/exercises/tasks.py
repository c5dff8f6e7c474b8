from celery import shared_task

from wargame.exercises.panel import estimate_queued
from wargame.exercises.parts import turn_change_pushed
from wargame.exercises.services.turns import (
    turn_adjudicate,
    turns_adjudicate_stuck,
    turns_lock_expired,
)


@shared_task(acks_late=True)
def adjudicate_turn(turn_id: int) -> bool:
    return turn_adjudicate(turn_id=turn_id)


@shared_task
def lock_expired_turns() -> int:
    """The periodic sweep: lock what is due, adjudicate what was locked and left."""
    locked = turns_lock_expired(each=turn_change_pushed)
    turns_adjudicate_stuck()
    return locked


@shared_task(ignore_result=True)
def estimate_preview(turn_id: int, team: str, actions: list[list], runs: int) -> None:
    """A decision-support estimate, on the previews queue (settings.CELERY_TASK_ROUTES)."""
    estimate_queued(turn_id=turn_id, team=team, actions=actions, runs=runs)
