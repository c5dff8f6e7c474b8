"""A Celery worker killed with SIGKILL while it adjudicates a turn: once a worker runs again,
the turn is adjudicated exactly once, with the result the seed and the moves determine."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from wargame.celery import app as celery_app
from wargame.engine import WorldState, adjudicate, turn_rng
from wargame.exercises.answers import to_engine_move
from wargame.exercises.models import AuditEvent, Turn
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.services.audit import SYSTEM
from wargame.exercises.services.exercises import exercise_create, exercise_start
from wargame.exercises.services.moves import move_submit, participant_join
from wargame.exercises.services.turns import turn_lock

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY = 3


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker(redis_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "wargame",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _locked_turn_with_moves() -> Turn:
    alice = get_user_model().objects.create_user("alice")
    exercise = exercise_create(
        facilitator=alice, scenario_slug="japan-korea-2025", title="Fault drill", seed=99
    )
    turn = exercise_start(exercise_id=exercise.pk, user=alice)
    scenario = get_scenario("japan-korea-2025")
    for team in exercise.teams.all()[:2]:
        player = participant_join(team=team, display_name=f"{team.name} player")
        first = scenario.team(team.key).actions[0]
        action = scenario.action(first)
        choice = {"action": first, "target": action.target.choices[0] if action.target else None}
        answers = {
            "actions": [choice],
            "objective": "Hold the line",
            "confidence": 3,
            "rationale": "Drill",
        }
        move_submit(participant=player, turn_id=turn.pk, base_revision=0, answers=answers)
    celery_app.control.purge()
    assert turn_lock(turn_id=turn.pk, actor=SYSTEM, reason="facilitator")
    return turn


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_adjudication_adjudicates_once_with_the_same_result(postgres, redis_url):
    turn = _locked_turn_with_moves()
    url = _database_url().replace("postgres://", "postgresql://")
    blocker = psycopg.connect(url)
    watcher = psycopg.connect(url, autocommit=True)
    worker = None
    try:
        # Hold the turn's row: the worker's adjudication waits inside its transaction.
        blocker.execute("SELECT id FROM exercises_turn WHERE id = %s FOR UPDATE", [turn.pk])
        worker = _worker(redis_url)
        _wait(
            lambda: (
                watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                ).fetchone()[0]
                > 0
            ),
            30,
            "the worker to start adjudicating",
        )
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        killed_at = time.monotonic()
        blocker.rollback()
        turn.refresh_from_db()
        assert turn.status == Turn.Status.LOCKED
        assert turn.adjudication is None

        # The broker gives the task out again once its visibility timeout has passed.
        time.sleep(max(0.0, killed_at + VISIBILITY + 0.5 - time.monotonic()))
        worker = _worker(redis_url)
        _wait(
            lambda: Turn.objects.get(pk=turn.pk).status == Turn.Status.ADJUDICATED,
            VISIBILITY + 30,
            "the task to be delivered again and the turn adjudicated",
        )
    finally:
        blocker.close()
        watcher.close()
        if worker and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=10)

    turn.refresh_from_db()
    assert (
        AuditEvent.objects.filter(action="turn.adjudicated", turn_number=turn.number).count() == 1
    )
    scenario = get_scenario("japan-korea-2025")
    moves = {
        move.team.key: to_engine_move(move.team.key, move.submitted_answers)
        for move in turn.moves.select_related("team")
        if move.submitted_answers
    }
    expected = adjudicate(
        scenario, WorldState.from_dict(turn.state_before), moves, turn_rng(99, turn.number)
    )
    assert turn.adjudication["new_state"] == expected.to_dict()["new_state"]
    assert turn.adjudication["rolls"] == expected.to_dict()["rolls"]
