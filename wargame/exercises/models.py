"""What an exercise is made of, as stored.

Only the services in ``wargame.exercises.services`` write these rows; views, tasks and
commands call those services.

Default orderings name a relation's column (``exercise_id``), not the relation: ordering by
a relation orders by the related model's own ordering, which joined the exercise's table into
every query of teams, turns and moves and made compiling them the costliest part of a save
(bench/HISTORY.md). Teams are created in their order of play, so their ids follow it.
"""

import secrets

from django.conf import settings
from django.db import models

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Exercise(models.Model):
    class Status(models.TextChoices):
        SETUP = "setup", "Setting up"
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"

    title = models.CharField(max_length=200)
    scenario_slug = models.SlugField(max_length=100)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exercises"
    )
    seed = models.BigIntegerField()
    turns = models.PositiveSmallIntegerField()
    turn_minutes = models.PositiveSmallIntegerField(default=20)
    allow_team_messages = models.BooleanField(default=True)
    decision_support = models.BooleanField(
        default=True,
        help_text="Teams see the model's estimate of their package's effects beside the move.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SETUP)
    current_turn = models.PositiveSmallIntegerField(default=0)
    state = models.JSONField(help_text="The published world state (engine WorldState.to_dict()).")
    observer_token = models.CharField(max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveBigIntegerField(
        default=0,
        help_text="Moves with every change everyone in the exercise is told about "
        "(notify.py); what pages cache is keyed by it.",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class Team(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="teams")
    key = models.SlugField(max_length=50, help_text="The team's id in the scenario.")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    join_code = models.CharField(max_length=16, unique=True, default=new_join_code)
    version = models.PositiveBigIntegerField(
        default=0,
        help_text="Moves with every change the team is told about (its draft, its messages).",
    )

    class Meta:
        ordering = ["exercise_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "key"], name="team_key_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="participants")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="participants")
    display_name = models.CharField(max_length=60)
    rejoin_token = models.CharField(max_length=64, unique=True, default=new_token)
    joined_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["team_id", "joined_at"]

    def __str__(self) -> str:
        return self.display_name


class Turn(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        LOCKED = "locked", "Locked"
        ADJUDICATED = "adjudicated", "Adjudicated (draft)"
        PUBLISHED = "published", "Published"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="turn_set")
    number = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    paused_remaining = models.DurationField(
        null=True, blank=True, help_text="Set while paused: the time that was left."
    )
    locked_at = models.DateTimeField(null=True, blank=True)
    adjudicated_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    state_before = models.JSONField()
    adjudication = models.JSONField(null=True, blank=True)
    state_after = models.JSONField(null=True, blank=True)
    narratives = models.JSONField(
        default=dict, blank=True, help_text="Published narratives: team key or 'world' -> text."
    )

    class Meta:
        ordering = ["exercise_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["exercise", "number"], name="turn_number_unique"),
        ]

    def __str__(self) -> str:
        return f"Turn {self.number}"

    @property
    def is_paused(self) -> bool:
        return self.paused_remaining is not None


class Move(models.Model):
    """One team's move for one turn.

    ``answers`` is the shared draft that teammates edit; each save bumps ``revision``.
    Submitting copies the draft to ``submitted_answers``; the team may edit and submit again
    until the lock, and the adjudication reads only what was submitted.
    """

    class Status(models.TextChoices):
        NONE = "none", "Nothing yet"
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        CHANGED = "changed", "Submitted, draft changed since"

    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="moves")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="moves")
    revision = models.PositiveIntegerField(default=0)
    answers = models.JSONField(default=dict)
    updated_by = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    submitted_answers = models.JSONField(null=True, blank=True)
    submitted_revision = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["turn_id", "team_id"]
        constraints = [
            models.UniqueConstraint(fields=["turn", "team"], name="one_move_per_team_per_turn"),
        ]

    def __str__(self) -> str:
        return f"Move of team {self.team_id} in turn {self.turn_id}"

    @property
    def status(self) -> str:
        if self.submitted_revision is None:
            return self.Status.DRAFT if self.revision else self.Status.NONE
        if self.submitted_revision == self.revision:
            return self.Status.SUBMITTED
        return self.Status.CHANGED

    def get_status_display(self) -> str:
        return self.Status(self.status).label


class MoveRevision(models.Model):
    move = models.ForeignKey(Move, on_delete=models.CASCADE, related_name="revisions")
    revision = models.PositiveIntegerField()
    answers = models.JSONField()
    author = models.ForeignKey(Participant, null=True, on_delete=models.SET_NULL, related_name="+")
    submitted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["move_id", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["move", "revision"], name="move_revision_unique"),
        ]

    def __str__(self) -> str:
        return f"Revision {self.revision} of move {self.move_id}"


class Override(models.Model):
    """A facilitator's change to a draft adjudication, with the reason given."""

    class Kind(models.TextChoices):
        NARRATIVE = "narrative", "Narrative"
        DELTA = "delta", "Indicator adjustment"

    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="overrides")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    subject = models.CharField(max_length=60, help_text="Team key or 'world', or an indicator.")
    before = models.TextField(blank=True)
    after = models.TextField()
    amount = models.FloatField(null=True, blank=True)
    reason = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["turn_id", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.subject}"


class Message(models.Model):
    class Channel(models.TextChoices):
        TEAM = "team", "Team"
        PRIVATE = "private", "Between two teams"
        PUBLIC = "public", "Public statement"

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    sender_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="sent_messages"
    )
    sender = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.SET_NULL)
    recipient_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="received_messages"
    )
    turn_number = models.PositiveSmallIntegerField()
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["exercise", "channel", "created_at"])]

    def __str__(self) -> str:
        return self.body[:60]


class AuditEvent(models.Model):
    """One row per state change: who did what to which exercise, and when."""

    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="audit_events")
    action = models.CharField(max_length=40)
    actor = models.CharField(
        max_length=120, help_text="'facilitator:NAME', 'player:ID' or 'system'."
    )
    turn_number = models.PositiveSmallIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor}"
