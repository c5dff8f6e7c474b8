"""Races on PostgreSQL: two requests, a task and the deadline sweep acting at the same moment.

Each contender runs in its own thread with its own database connection; a barrier releases
them together, and each race is run several times. The sweep, the facilitator's button and a
duplicated task must each change a turn once; two teammates saving at once must not lose a
draft silently; a move must never be submitted after its turn was locked.
"""

import threading
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction

from tests.exercises.factories import (
    UserFactory,
    answers,
    current_turn,
    join,
    lock,
    make_exercise,
    move_of,
    save_draft,
    start,
    submit,
)
from wargame.exercises.models import AuditEvent, Exercise, Move, MoveRevision, Turn
from wargame.exercises.services.audit import SYSTEM
from wargame.exercises.services.errors import IllegalTransition, MoveConflict
from wargame.exercises.services.messages import message_send
from wargame.exercises.services.turns import turn_adjudicate, turn_lock, turns_lock_expired

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

ROUNDS = 6


def together(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run the calls in threads released at once; ('ok', result) or ('error', exception)."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("not run", None)] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            connection.ensure_connection()  # connect before the start, not during the race
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as exc:
            results[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a contender hung"
    close_old_connections()
    return results


def _exercise(facilitator, n: int) -> Exercise:
    exercise = make_exercise(facilitator, title=f"Race {n}")
    start(exercise)
    return exercise


@pytest.fixture
def facilitator(postgres, queued_tasks):
    return UserFactory(username="alice")


def _audits(exercise: Exercise, action: str) -> int:
    return AuditEvent.objects.filter(exercise=exercise, action=action).count()


def test_the_lost_update_is_real_without_the_row_lock(facilitator):
    """Why the services lock rows: a naive read-check-write lets both savers win."""
    exercise = _exercise(facilitator, 0)
    turn = current_turn(exercise)
    read = threading.Barrier(2)

    def naive_save(text: str) -> int:
        with transaction.atomic():
            move = Move.objects.get(turn=turn, team__key="japan")  # no select_for_update
            read.wait(timeout=10)  # both have read revision 0
            if move.revision != 0:
                raise MoveConflict("stale", current_revision=move.revision)
            move.revision += 1
            move.answers = {"rationale": text}
            move.save()
            return move.revision

    results = together(lambda: naive_save("Bob's"), lambda: naive_save("Bea's"))

    assert results == [("ok", 1), ("ok", 1)]  # both were told "saved"...
    assert move_of(turn, "japan").revision == 1  # ...yet one draft is gone


@pytest.mark.parametrize("service", [save_draft, submit], ids=["save", "submit"])
def test_two_teammates_saving_at_once_one_wins_one_is_told(facilitator, service):
    for n in range(ROUNDS):
        exercise = _exercise(facilitator, n)
        turn = current_turn(exercise)
        bob, bea = join(exercise, "japan", "Bob"), join(exercise, "japan", "Bea")
        base = save_draft(bob, turn, answers("japan", rationale="the base")).revision
        texts = {bob.pk: "Bob's version", bea.pk: "Bea's version"}

        results = together(
            *(
                partial(service, who, turn, answers("japan", rationale=texts[who.pk]), base=base)
                for who in (bob, bea)
            )
        )

        outcomes = sorted(kind for kind, _ in results)
        assert outcomes == ["error", "ok"], results
        winner, (_, refusal) = (bob, results[1]) if results[0][0] == "ok" else (bea, results[0])
        assert isinstance(refusal, MoveConflict)
        assert refusal.current_revision == base + 1
        assert str(refusal).startswith(f"{winner.display_name} saved the draft"), refusal
        move = move_of(turn, "japan")
        assert move.revision == base + 1
        assert move.answers["rationale"] == texts[winner.pk]
        assert MoveRevision.objects.filter(move=move).count() == base + 1
        saved, submitted = (2, 0) if service is save_draft else (1, 1)  # the base, the winner
        assert _audits(exercise, "move.saved") == saved
        assert _audits(exercise, "move.submitted") == submitted


def test_a_save_waiting_behind_a_submission_keeps_who_submitted(facilitator):
    """Bea submits the draft as it is while Bob saves an edit of it. When her submission
    goes first, his save (based on the same revision) goes through after it and must keep
    her as the one who submitted; when his save goes first, hers is refused."""
    both = 0
    for n in range(ROUNDS * 2):
        exercise = _exercise(facilitator, n)
        turn = current_turn(exercise)
        bob, bea = join(exercise, "japan", "Bob"), join(exercise, "japan", "Bea")
        draft = answers("japan", rationale="the draft")
        base = save_draft(bob, turn, draft).revision

        submitted, saved = together(
            partial(submit, bea, turn, draft, base=base),
            partial(save_draft, bob, turn, answers("japan", rationale="Bob's edit"), base=base),
        )

        assert saved[0] == "ok", saved
        move = Move.objects.select_related("submitted_by", "updated_by").get(
            pk=move_of(turn, "japan").pk
        )
        assert (move.updated_by, move.answers["rationale"]) == (bob, "Bob's edit")
        if submitted[0] == "ok":
            both += 1
            assert move.submitted_by == bea
        else:
            assert isinstance(submitted[1], MoveConflict), submitted
            assert move.submitted_by is None
    assert both, "no round had the submission first"


def test_a_submission_racing_the_lock_lands_before_it_or_not_at_all(facilitator):
    landed = refused = 0
    for n in range(ROUNDS * 2):
        exercise = _exercise(facilitator, n)
        turn = current_turn(exercise)
        bob = join(exercise, "japan", "Bob")

        submitted, locked = together(partial(submit, bob, turn, base=0), partial(lock, turn))

        assert locked == ("ok", True)
        turn.refresh_from_db()
        move = move_of(turn, "japan")
        assert turn.status == Turn.Status.LOCKED
        if submitted[0] == "ok":
            landed += 1
            assert move.submitted_at <= turn.locked_at
            assert move.submitted_answers is not None
            assert _audits(exercise, "move.submitted") == 1
        else:
            refused += 1
            assert isinstance(submitted[1], IllegalTransition), submitted
            assert "Turn 1 is locked" in str(submitted[1])
            assert move.submitted_answers is None
            assert move.revision == 0
            assert _audits(exercise, "move.submitted") == 0
    assert landed + refused == ROUNDS * 2


def _sweep(now) -> bool:
    """The deadline sweep, as Celery beat runs it: True if it locked a turn."""
    return turns_lock_expired(now=now) == 1


@pytest.mark.parametrize("contenders", ["sweep-and-button", "button-twice"])
def test_the_sweep_and_the_button_lock_a_turn_once(facilitator, contenders):
    for n in range(ROUNDS):
        exercise = _exercise(facilitator, n)
        turn = current_turn(exercise)
        later = turn.deadline.replace(year=turn.deadline.year + 1)
        first = partial(_sweep, later) if contenders == "sweep-and-button" else partial(lock, turn)

        results = together(first, partial(lock, turn))

        assert sorted(result for _, result in results) == [False, True], results
        assert _audits(exercise, "turn.locked") == 1
        turn.refresh_from_db()
        assert turn.status == Turn.Status.LOCKED
        event = AuditEvent.objects.get(exercise=exercise, action="turn.locked")
        winner = "sweep" if results[0][1] else "button"
        if contenders == "sweep-and-button":
            assert event.actor == (SYSTEM if winner == "sweep" else "facilitator:alice")


def test_a_duplicated_adjudication_adjudicates_once(facilitator):
    for n in range(ROUNDS):
        exercise = _exercise(facilitator, n)
        turn = current_turn(exercise)
        submit(join(exercise, "japan", "Bob"), turn)
        assert turn_lock(turn_id=turn.pk, actor=SYSTEM, reason="deadline")

        duplicate = partial(turn_adjudicate, turn_id=turn.pk)
        results = together(duplicate, duplicate)

        assert sorted(result for _, result in results) == [False, True], results
        assert _audits(exercise, "turn.adjudicated") == 1
        turn.refresh_from_db()
        assert turn.status == Turn.Status.ADJUDICATED


def test_messages_crossing_between_two_teams_never_deadlock(facilitator):
    """Each message moves the versions of the teams that read it. One UPDATE of both rows
    locked them in the order PostgreSQL found them, which changes as rows are rewritten:
    the load benchmark saw two crossing messages deadlock. Rows are now taken in key order."""
    exercise = _exercise(facilitator, 0)
    bob, charlie = join(exercise, "japan", "Bob"), join(exercise, "china", "Charlie")
    japan, china = exercise.teams.get(key="japan"), exercise.teams.get(key="china")
    before = {team.key: team.version for team in exercise.teams.all()}
    for n in range(ROUNDS * 4):
        results = together(
            partial(message_send, sender=bob, channel="private", body=f"{n}", recipient=china),
            partial(message_send, sender=charlie, channel="private", body=f"{n}", recipient=japan),
            partial(save_draft, bob, current_turn(exercise), answers("japan", rationale=f"{n}")),
        )
        assert [kind for kind, _ in results] == ["ok", "ok", "ok"], results
    after = {team.key: team.version for team in exercise.teams.all()}
    assert after["japan"] - before["japan"] == ROUNDS * 4 * 3
    assert after["china"] - before["china"] == ROUNDS * 4 * 2
