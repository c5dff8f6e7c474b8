from django.contrib.auth.models import AbstractBaseUser

from wargame.exercises.models import AuditEvent, Exercise, Participant

SYSTEM = "system"


def facilitator_actor(user: AbstractBaseUser) -> str:
    return f"facilitator:{user.get_username()}"


def participant_actor(participant: Participant) -> str:
    return f"player:{participant.pk}"


def audit(
    exercise: Exercise, action: str, actor: str, *, turn_number: int | None = None, **data
) -> AuditEvent:
    return AuditEvent.objects.create(
        exercise=exercise, action=action, actor=actor, turn_number=turn_number, data=data
    )
