"""Pre- and post-exercise questionnaires: each participant's answers, and each window.

The items come from the scenario file (``questionnaires: {pre: [...], post: [...]}``); only
the services in ``wargame.questionnaires.services`` write these rows.
"""

from django.conf import settings
from django.db import models

from wargame.exercises.models import Exercise, Participant


class Phase(models.TextChoices):
    PRE = "pre", "Pre-exercise"
    POST = "post", "Post-exercise"


class QuestionnaireResponse(models.Model):
    """One participant's answers to one questionnaire: ``{item id: answer}``; an optional
    item left blank is absent."""

    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, related_name="questionnaire_responses"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="questionnaire_responses"
    )
    phase = models.CharField(max_length=4, choices=Phase.choices)
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["exercise_id", "phase", "submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "phase"], name="one_response_per_participant_and_phase"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} answers of participant {self.participant_id}"


class QuestionnaireWindow(models.Model):
    """The facilitator's explicit choice to open or close a questionnaire.

    Without a row the window follows the exercise: the pre-exercise questionnaire is open
    until the exercise starts, the post-exercise one once it has finished.
    """

    exercise = models.ForeignKey(
        Exercise, on_delete=models.CASCADE, related_name="questionnaire_windows"
    )
    phase = models.CharField(max_length=4, choices=Phase.choices)
    is_open = models.BooleanField()
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["exercise_id", "phase"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "phase"], name="one_window_per_phase"),
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} questionnaire {'open' if self.is_open else 'closed'}"
