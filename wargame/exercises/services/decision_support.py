"""The facilitator's switch for decision support beside the move form."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from wargame.exercises.models import Exercise
from wargame.exercises.notify import notify
from wargame.exercises.services.audit import audit, facilitator_actor

AUDIT_ACTION = "exercise.decision_support"


@transaction.atomic
def exercise_set_decision_support(
    *, exercise_id: int, user: AbstractBaseUser, enabled: bool
) -> Exercise:
    """Switch the aid on or off; the audit trail keeps when, so the report can say which
    turns were played with it."""
    exercise = Exercise.objects.select_for_update().get(pk=exercise_id)
    if exercise.decision_support == enabled:
        return exercise
    exercise.decision_support = enabled
    exercise.save(update_fields=["decision_support"])
    audit(
        exercise,
        AUDIT_ACTION,
        facilitator_actor(user),
        turn_number=exercise.current_turn or None,
        enabled=enabled,
    )
    notify(exercise.pk, "decision_support.changed", everyone=True, enabled=enabled)
    return exercise
