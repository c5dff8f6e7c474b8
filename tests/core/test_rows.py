"""Reads in SQL built once (core/rows.py) give what the ORM gives, and lock what they say."""

import threading

import pytest
from django.db import OperationalError, close_old_connections, connection, transaction

from tests.exercises.factories import UserFactory, current_turn, join, make_exercise, start
from wargame.core.rows import Joined, Table
from wargame.exercises.models import Exercise, Move, Participant, Team, Turn

pytestmark = pytest.mark.django_db

MOVE_WITH_TURN = Joined(
    (
        Table(Move, "m", leave_out=("answers",)),
        Table(Turn, "t"),
        Table(Participant, "u", optional=True),
    ),
    "FROM {m} m JOIN {t} t ON t.id = m.turn_id "
    "LEFT JOIN {u} u ON u.id = m.updated_by_id "
    "WHERE m.turn_id = %s ORDER BY m.team_id",
)


@pytest.fixture
def turn():
    exercise = make_exercise(UserFactory(username="alice"))
    start(exercise)
    return current_turn(exercise)


def _fields(instance) -> dict:
    deferred = instance.get_deferred_fields()
    return {
        f.attname: getattr(instance, f.attname)
        for f in type(instance)._meta.concrete_fields
        if f.attname not in deferred
    }


def test_rows_hold_what_the_orm_reads(turn):
    bob = join(turn.exercise, "japan", "Bob")
    Move.objects.filter(turn=turn, team=bob.team).update(updated_by=bob, revision=3)

    rows = MOVE_WITH_TURN.all([turn.pk])

    moves = list(Move.objects.filter(turn=turn).order_by("team_id"))
    assert [_fields(move) for move, _, _ in rows] == [
        {k: v for k, v in _fields(move).items() if k != "answers"} for move in moves
    ]
    (_, read_turn, _) = rows[0]
    assert _fields(read_turn) == _fields(Turn.objects.get(pk=turn.pk))  # JSON, datetimes
    assert read_turn.state_before["indicators"]  # a dict, as the ORM converts it
    assert [who and who.display_name for _, _, who in rows].count("Bob") == 1


def test_a_left_out_field_is_read_when_asked_for(turn):
    move, _, _ = MOVE_WITH_TURN.one([turn.pk])

    assert move.get_deferred_fields() == {"answers"}
    assert move.answers == Move.objects.get(pk=move.pk).answers


def test_an_optional_table_without_a_row_gives_none(turn):
    assert {who for _, _, who in MOVE_WITH_TURN.all([turn.pk])} == {None}


def test_no_row_gives_none_or_nothing(turn):
    assert MOVE_WITH_TURN.one([0]) is None
    assert MOVE_WITH_TURN.all([0]) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_locking_read_holds_its_rows_until_the_transaction_ends(postgres):
    exercise = make_exercise(UserFactory(username="alice"))
    team = Team.objects.filter(exercise=exercise).first()
    locking = Joined(
        (Table(Team, "t"), Table(Exercise, "e", leave_out=("state",))),
        "FROM {t} t JOIN {e} e ON e.id = t.exercise_id WHERE t.id = %s",
        lock=("t",),
    )
    outcomes = {}

    def try_to_lock(table: str, pk: int) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
            outcomes[table] = "locked"
        except OperationalError:
            outcomes[table] = "held by the other"
        finally:
            connection.close()

    with transaction.atomic():
        assert locking.one([team.pk])[0] == team
        for table, pk in ((Team._meta.db_table, team.pk), (Exercise._meta.db_table, exercise.pk)):
            thread = threading.Thread(target=try_to_lock, args=(table, pk))
            thread.start()
            thread.join(timeout=10)
    close_old_connections()

    assert outcomes == {Team._meta.db_table: "held by the other", Exercise._meta.db_table: "locked"}
