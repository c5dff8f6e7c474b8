"""The database connection dropped in the middle of a save: the player is told, nothing is
half-written, and trying again works."""

import threading
import time

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from tests.hostile.conftest import player_client
from wargame.exercises.models import AuditEvent, Move, MoveRevision
from wargame.exercises.services.exercises import exercise_create, exercise_start
from wargame.exercises.services.moves import participant_join


def _url() -> str:
    s = connection.settings_dict
    return f"postgresql://{s['USER'] or 'postgres'}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def _cut_the_save_off(turn_id: int, done: threading.Event) -> None:
    """Hold the turn's row so the save waits, then terminate the saving connection."""
    with psycopg.connect(_url()) as blocker, psycopg.connect(_url(), autocommit=True) as admin:
        blocker.execute("SELECT id FROM exercises_turn WHERE id = %s FOR UPDATE", [turn_id])
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            waiting = admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database()"
            ).fetchall()
            if waiting:
                admin.execute("SELECT pg_terminate_backend(%s)", [waiting[0][0]])
                break
            time.sleep(0.05)
        blocker.rollback()
    done.set()


@pytest.mark.django_db(transaction=True)
def test_a_save_cut_off_from_the_database_is_refused_cleanly_and_can_be_retried(postgres):
    alice = get_user_model().objects.create_user("alice")
    exercise = exercise_create(facilitator=alice, scenario_slug="japan-korea-2025", title="Cut")
    turn = exercise_start(exercise_id=exercise.pk, user=alice)
    bob = participant_join(team=exercise.teams.get(key="japan"), display_name="Bob")
    client = player_client(bob)
    audits = AuditEvent.objects.count()
    data = {"revision": "0", "intent": "save", "objective": "Keep this text"}

    done = threading.Event()
    threading.Thread(target=_cut_the_save_off, args=(turn.pk, done), daemon=True).start()
    time.sleep(0.3)
    response = client.post(f"/play/{exercise.pk}/move/", data, HTTP_HX_REQUEST="true")
    assert done.wait(10)
    assert response.status_code == 503
    assert "lost its connection to the database" in response.content.decode()
    assert "Nothing was saved" in response.content.decode()

    connection.close()
    move = Move.objects.get(turn=turn, team__key="japan")
    assert move.revision == 0
    assert not MoveRevision.objects.filter(move=move).exists()
    assert AuditEvent.objects.count() == audits

    retry = client.post(f"/play/{exercise.pk}/move/", data, HTTP_HX_REQUEST="true")
    assert retry.status_code == 200
    assert "Draft saved." in retry.content.decode()
    move.refresh_from_db()
    assert move.revision == 1
    assert move.answers["objective"] == "Keep this text"
