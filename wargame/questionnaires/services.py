"""Writes: a participant answers a questionnaire; the facilitator opens or closes one."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from wargame.exercises.models import Exercise, Participant
from wargame.exercises.notify import notify
from wargame.exercises.services.audit import audit, facilitator_actor, participant_actor
from wargame.exercises.services.errors import IllegalTransition, ServiceError
from wargame.questionnaires.models import Phase, QuestionnaireResponse, QuestionnaireWindow
from wargame.questionnaires.selectors import questionnaire_items, window
from wargame.questionnaires.validation import clean_questionnaire_answers


def _phase(phase: str) -> Phase:
    try:
        return Phase(phase)
    except ValueError:
        raise ServiceError(f"There is no '{phase}' questionnaire.") from None


@transaction.atomic
def questionnaire_answer(
    *, participant: Participant, phase: str, answers: Any
) -> QuestionnaireResponse:
    """Save the participant's answers; answering again replaces them while it is open."""
    phase = _phase(phase)
    # The exercise row serialises this with the facilitator closing the window.
    exercise = Exercise.objects.select_for_update().get(pk=participant.exercise_id)
    if not window(exercise, phase).is_open:
        raise IllegalTransition(
            f"The {phase.label.lower()} questionnaire is closed: answers can no longer change."
        )
    clean = clean_questionnaire_answers(questionnaire_items(exercise, phase), answers)
    now = timezone.now()
    response, created = QuestionnaireResponse.objects.select_for_update().get_or_create(
        participant=participant,
        phase=phase,
        defaults={"exercise": exercise, "answers": clean, "submitted_at": now, "updated_at": now},
    )
    if not created:
        if response.answers == clean:
            return response
        response.answers = clean
        response.updated_at = now
        response.save(update_fields=["answers", "updated_at"])
    audit(
        exercise,
        "questionnaire.answered" if created else "questionnaire.edited",
        participant_actor(participant),
        phase=str(phase),
        team=participant.team.key,
    )
    notify(
        exercise.pk,
        "questionnaire.answered",
        control=True,
        teams=(participant.team.key,),  # the participant's own cards change
        phase=str(phase),
    )
    return response


@transaction.atomic
def questionnaire_window_set(
    *, exercise_id: int, user: AbstractBaseUser, phase: str, is_open: bool
) -> QuestionnaireWindow:
    """Open or close a questionnaire by hand; from then on it no longer follows the
    exercise's start and end."""
    phase = _phase(phase)
    exercise = Exercise.objects.select_for_update().get(pk=exercise_id)
    if is_open and not questionnaire_items(exercise, phase):
        raise ServiceError(f"This scenario has no {phase.label.lower()} questionnaire.")
    result, _ = QuestionnaireWindow.objects.update_or_create(
        exercise=exercise,
        phase=phase,
        defaults={"is_open": is_open, "changed_at": timezone.now(), "changed_by": user},
    )
    audit(
        exercise,
        "questionnaire.opened" if is_open else "questionnaire.closed",
        facilitator_actor(user),
        turn_number=exercise.current_turn or None,
        phase=str(phase),
    )
    notify(exercise.pk, "questionnaire.window", everyone=True, phase=str(phase))
    return result
