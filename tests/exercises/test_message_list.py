"""What a message list shows, line by line: who wrote, to whom, when, and the text as typed."""

import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client, override_settings

from wargame.exercises.models import Message
from wargame.exercises.services.messages import message_broadcast, message_send

pytestmark = pytest.mark.django_db


def _lines(client: Client, url: str) -> list[str]:
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return re.findall(r"<li\b.*?</li>", response.content.decode(), re.S)


def _text(line: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", line).split())


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_each_line_names_sender_team_and_recipient_at_local_time(running, alice, bob, charlie):
    japan = running.teams.get(key="japan")
    message_send(sender=bob, channel="team", body="First line\nsecond line")
    message_send(sender=charlie, channel="private", body="Talk?", recipient=japan)
    message_send(sender=charlie, channel="public", body="Beijing speaks")
    message_broadcast(exercise=running, user=alice, body="Ten minutes left")
    times = [
        m.created_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
        for m in Message.objects.filter(exercise=running).order_by("id")
    ]
    client = Client()
    client.get(f"/rejoin/{bob.rejoin_token}/")

    lines = _lines(client, f"/play/{running.pk}/fragments/messages/")

    assert [_text(line) for line in lines] == [
        f"{times[0]} Bob (Japan) First line second line",
        f"{times[1]} Charlie (China) to Japan Talk?",
        f"{times[2]} Charlie (China) public Beijing speaks",
        f"{times[3]} White cell public Ten minutes left",
    ]
    assert "First line<br>second line" in lines[0]
    assert 'class="message message-private mb-1"' in lines[1]


def test_an_exercise_without_messages_says_so(running, bob):
    client = Client()
    client.get(f"/rejoin/{bob.rejoin_token}/")
    assert [_text(line) for line in _lines(client, f"/play/{running.pk}/fragments/messages/")] == [
        "No messages yet."
    ]


def test_the_control_room_reads_every_teams_lines(running, alice, bob, charlie):
    message_send(sender=charlie, channel="team", body="Beijing internal")
    message_send(sender=bob, channel="team", body="Tokyo internal")
    client = Client()
    client.force_login(alice)

    lines = _lines(client, f"/exercises/{running.pk}/control/messages/")

    assert [_text(line).split(" ", 1)[1] for line in lines] == [
        "Charlie (China) Beijing internal",
        "Bob (Japan) Tokyo internal",
    ]
