from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from wargame.core.rows import Joined, Table
from wargame.exercises.models import Exercise, Message, Participant, Team
from wargame.exercises.notify import notify
from wargame.exercises.services.audit import audit, facilitator_actor, participant_actor
from wargame.exercises.services.errors import IllegalTransition, ServiceError
from wargame.exercises.text import clean_text

MESSAGE_LENGTH = 2000
# Every message reads its exercise: SQL built once per process (core/rows.py).
_EXERCISE = Joined((Table(Exercise, "e", leave_out=("state",)),), "FROM {e} e WHERE e.id = %s")


def _body(body: str) -> str:
    body = clean_text(body)
    if not body:
        raise ServiceError("The message is empty.")
    if len(body) > MESSAGE_LENGTH:
        raise ServiceError(f"Keep messages under {MESSAGE_LENGTH} characters.")
    return body


@transaction.atomic
def message_send(
    *,
    sender: Participant,
    channel: str,
    body: str,
    recipient: Team | None = None,
) -> Message:
    """A player's message to the own team, to another team, or a public statement."""
    found = _EXERCISE.one([sender.exercise_id])
    if found is None:
        raise Exercise.DoesNotExist(f"No exercise {sender.exercise_id}.")
    (exercise,) = found
    if exercise.status == Exercise.Status.FINISHED:
        raise IllegalTransition("This exercise has ended.")
    if channel not in Message.Channel.values:
        raise ServiceError("Choose who the message is for.")
    if channel != Message.Channel.TEAM and not exercise.allow_team_messages:
        raise ServiceError("The facilitator has not allowed messages between teams.")
    if channel == Message.Channel.PRIVATE:
        if recipient is None or recipient.exercise_id != exercise.pk:
            raise ServiceError("Choose the team to write to.")
        if recipient.pk == sender.team_id:
            raise ServiceError("Use the team channel to write to your own team.")
    else:
        recipient = None
    message = Message.objects.create(
        exercise=exercise,
        channel=channel,
        sender_team_id=sender.team_id,
        sender=sender,
        recipient_team=recipient,
        turn_number=exercise.current_turn,
        body=_body(body),
    )
    audit(
        exercise,
        "message.sent",
        participant_actor(sender),
        turn_number=exercise.current_turn,
        channel=channel,
    )
    _announce(message, sender.team.key)
    return message


@transaction.atomic
def message_broadcast(*, exercise: Exercise, user: AbstractBaseUser, body: str) -> Message:
    """The facilitator's announcement to everyone (sent as a public message from White cell)."""
    message = Message.objects.create(
        exercise=exercise,
        channel=Message.Channel.PUBLIC,
        turn_number=exercise.current_turn,
        body=_body(body),
    )
    audit(
        exercise,
        "message.sent",
        facilitator_actor(user),
        turn_number=exercise.current_turn,
        channel="public",
    )
    _announce(message, None)
    return message


def _announce(message: Message, sender_key: str | None) -> None:
    if message.channel == Message.Channel.PUBLIC:
        notify(message.exercise_id, "message.new", every_team=True, channel="public")
        return
    teams = (sender_key,)
    if message.recipient_team is not None:
        teams += (message.recipient_team.key,)
    notify(message.exercise_id, "message.new", teams=teams, control=True, channel=message.channel)
