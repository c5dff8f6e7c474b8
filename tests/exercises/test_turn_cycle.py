"""The turn cycle through the services: every transition, legal and illegal.

setup → running (turn N: open → locked → adjudicated → published) × turns → finished.
Each accepted change writes exactly one audit event; each refusal changes nothing.
"""

from datetime import timedelta

import pytest

from tests.exercises.conftest import audited
from tests.exercises.factories import (
    SAFE_ACTION,
    UserFactory,
    answers,
    current_turn,
    join,
    lock,
    lock_and_adjudicate,
    make_exercise,
    move_of,
    play_turn,
    save_draft,
    start,
    submit,
)
from wargame.engine import WorldState, initial_state
from wargame.exercises.models import AuditEvent, Exercise, Move, MoveRevision, Override, Turn
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.services.errors import (
    IllegalTransition,
    InvalidAnswers,
    MoveConflict,
    ServiceError,
)
from wargame.exercises.services.exercises import exercise_end, exercise_start
from wargame.exercises.services.turns import (
    turn_adjudicate,
    turn_adjust_indicator,
    turn_edit_narrative,
    turn_extend,
    turn_lock,
    turn_pause,
    turn_publish,
    turn_reopen,
    turn_resume,
    turns_adjudicate_stuck,
    turns_lock_expired,
)

pytestmark = pytest.mark.django_db

SCENARIO = get_scenario("japan-korea-2025")


def snapshot(turn: Turn) -> dict:
    """Everything about a turn and its moves that a refused call must leave alone."""
    turn = Turn.objects.get(pk=turn.pk)
    return {
        "turn": {
            field.name: getattr(turn, field.name)
            for field in Turn._meta.concrete_fields
            if field.name != "exercise"
        },
        "moves": list(turn.moves.order_by("team__position").values()),
        "revisions": MoveRevision.objects.filter(move__turn=turn).count(),
        "overrides": list(turn.overrides.values()),
        "exercise": Exercise.objects.filter(pk=turn.exercise_id).values().get(),
    }


# --- create and start ------------------------------------------------------------------------


def test_create_sets_up_the_four_teams_at_the_scenario_start(alice):
    exercise = make_exercise(alice, turns=4)

    assert exercise.status == Exercise.Status.SETUP
    assert exercise.current_turn == 0
    assert [team.key for team in exercise.teams.all()] == [
        "japan",
        "south_korea",
        "united_states",
        "china",
    ]
    assert exercise.state == initial_state(SCENARIO).to_dict()
    assert not exercise.turn_set.exists()
    assert list(AuditEvent.objects.filter(exercise=exercise).values_list("action", "actor")) == [
        ("exercise.created", "facilitator:alice")
    ]


@pytest.mark.parametrize(
    ("settings_", "message"),
    [
        ({"turns": 1}, "This scenario plays 2 to 12 turns."),
        ({"turns": 13}, "This scenario plays 2 to 12 turns."),
        ({"turn_minutes": 0}, "A turn lasts from 1 minute to 24 hours."),
        ({"turn_minutes": 24 * 60 + 1}, "A turn lasts from 1 minute to 24 hours."),
    ],
)
def test_create_refuses_settings_the_scenario_cannot_play(alice, settings_, message):
    with pytest.raises(ServiceError, match=message):
        make_exercise(alice, **settings_)
    assert not Exercise.objects.exists()
    assert not AuditEvent.objects.exists()


def test_start_opens_turn_one_from_the_starting_state(exercise):
    with audited(exercise, "exercise.started"):
        turn = start(exercise)

    assert exercise.status == Exercise.Status.RUNNING
    assert exercise.current_turn == 1
    assert (turn.number, turn.status) == (1, Turn.Status.OPEN)
    assert turn.state_before == exercise.state == initial_state(SCENARIO).to_dict()
    assert turn.deadline == turn.opened_at + timedelta(minutes=exercise.turn_minutes)
    moves = Move.objects.filter(turn=turn).order_by("team__position")
    assert [(move.team.key, move.status) for move in moves] == [
        ("japan", Move.Status.NONE),
        ("south_korea", Move.Status.NONE),
        ("united_states", Move.Status.NONE),
        ("china", Move.Status.NONE),
    ]


def test_starting_twice_is_refused_and_opens_no_second_turn(running):
    turn = current_turn(running)
    before = snapshot(turn)
    with audited(running), pytest.raises(IllegalTransition, match="already started"):
        exercise_start(exercise_id=running.pk, user=running.facilitator)
    assert snapshot(turn) == before
    assert running.turn_set.count() == 1


def test_a_finished_exercise_cannot_be_started_again(running):
    exercise_end(exercise_id=running.pk, user=running.facilitator)
    with audited(running), pytest.raises(IllegalTransition, match="already started"):
        exercise_start(exercise_id=running.pk, user=running.facilitator)


# --- joining ---------------------------------------------------------------------------------


def test_joining_a_team_is_audited_and_closes_with_the_exercise(running):
    with audited(running, "participant.joined"):
        bob = join(running, "japan", "  Bob  ")
    assert (bob.display_name, bob.team.key) == ("Bob", "japan")
    with audited(running), pytest.raises(ServiceError, match="Enter the name"):
        join(running, "japan", "   ")
    exercise_end(exercise_id=running.pk, user=running.facilitator)
    with audited(running), pytest.raises(IllegalTransition, match="can no longer be joined"):
        join(running, "china", "Late Charlie")


# --- drafts and submissions ------------------------------------------------------------------


def test_saving_a_draft_keeps_a_revision_and_tells_the_team(running, bob):
    turn = current_turn(running)
    draft = answers("japan", rationale="  Buy time with Washington.  ", confidence=None)
    with audited(running, "move.saved"):
        move = save_draft(bob, turn, draft, base=0)

    move = move_of(turn, "japan")
    assert move.revision == 1
    assert move.status == Move.Status.DRAFT
    assert move.answers["rationale"] == "Buy time with Washington."
    assert move.updated_by == bob
    assert move.submitted_answers is None
    assert list(move.revisions.values_list("revision", "author", "submitted")) == [
        (1, bob.pk, False)
    ]
    event = AuditEvent.objects.filter(exercise=running).last()
    assert (event.actor, event.turn_number, event.data) == (
        f"player:{bob.pk}",
        1,
        {"team": "japan", "revision": 1},
    )


def test_saving_an_unchanged_draft_writes_nothing(running, bob):
    turn = current_turn(running)
    save_draft(bob, turn, base=0)
    with audited(running):
        move = save_draft(bob, turn, base=1)
    assert move.revision == 1
    assert MoveRevision.objects.filter(move=move).count() == 1


def test_submitting_copies_the_draft_into_the_move(running, bob, bea):
    turn = current_turn(running)
    save_draft(bob, turn, answers("japan", rationale="first thoughts"), base=0)
    with audited(running, "move.submitted"):
        submit(bea, turn, answers("japan", rationale="agreed version"), base=1)

    move = move_of(turn, "japan")
    assert move.status == Move.Status.SUBMITTED
    assert (move.revision, move.submitted_revision) == (2, 2)
    assert move.submitted_answers["rationale"] == "agreed version"
    assert move.submitted_by == bea
    assert list(move.revisions.values_list("revision", "submitted")) == [(1, False), (2, True)]


def test_resubmitting_replaces_the_move_until_the_lock(running, bob):
    turn = current_turn(running)
    submit(bob, turn, answers("japan", rationale="version one"), base=0)
    with audited(running, "move.submitted"):
        submit(bob, turn, answers("japan", rationale="version two"), base=1)
    move = move_of(turn, "japan")
    assert move.submitted_revision == move.revision == 2
    assert move.submitted_answers["rationale"] == "version two"


def test_a_draft_changed_after_submission_is_not_what_gets_adjudicated(running, bob):
    turn = current_turn(running)
    submit(bob, turn, answers("japan"), base=0)
    change = answers("japan", actions=[{"action": "jp_contingency_planning"}], rationale="later")
    save_draft(bob, turn, change, base=1)
    move = move_of(turn, "japan")
    assert move.status == Move.Status.CHANGED

    turn = lock_and_adjudicate(turn)
    japan_actions = {
        roll["action"] for roll in turn.adjudication["rolls"] if roll["team"] == "japan"
    }
    japan_deltas = {d["cause_id"] for d in turn.adjudication["deltas"] if d["team"] == "japan"}
    assert "jp_contingency_planning" not in japan_actions | japan_deltas
    assert SAFE_ACTION["japan"] in japan_deltas


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ({"rationale": ""}, "Write the team's rationale before submitting."),
        ({"objective": ""}, "Write the team's objective before submitting."),
        ({"confidence": None}, "Choose a confidence before submitting."),
        (
            {
                "actions": [
                    {"action": "jp_defence_buildup"},
                    {"action": "jp_burden_sharing_offer"},
                    {"action": "jp_asian_nato"},
                ]
            },
            "budget",
        ),
        ({"actions": [{"action": "cn_charm_offensive"}]}, "not on your team's menu"),
    ],
)
def test_an_incomplete_move_cannot_be_submitted(running, bob, missing, message):
    turn = current_turn(running)
    save_draft(bob, turn, base=0)
    before = snapshot(turn)
    with audited(running), pytest.raises(InvalidAnswers, match=message):
        submit(bob, turn, answers("japan", **missing), base=1)
    assert snapshot(turn) == before


@pytest.mark.parametrize("service", [save_draft, submit], ids=["save", "submit"])
def test_a_save_from_a_stale_revision_is_refused_and_loses_nothing(running, bob, bea, service):
    turn = current_turn(running)
    save_draft(bob, turn, answers("japan", rationale="Bob's careful text"), base=0)
    before = snapshot(turn)

    with audited(running), pytest.raises(MoveConflict) as refused:
        service(bea, turn, answers("japan", rationale="Bea's text"), base=0)

    assert refused.value.current_revision == 1
    assert "Bob saved the draft while you were editing" in str(refused.value)
    assert snapshot(turn) == before
    assert move_of(turn, "japan").answers["rationale"] == "Bob's careful text"


def _locked(exercise):
    lock(current_turn(exercise))


def _adjudicated(exercise):
    lock_and_adjudicate(current_turn(exercise))


def _published(exercise):
    lock_and_adjudicate(current_turn(exercise))
    turn_publish(turn_id=current_turn(exercise).pk, user=exercise.facilitator)


def _ended(exercise):
    exercise_end(exercise_id=exercise.pk, user=exercise.facilitator)


@pytest.mark.parametrize("service", [save_draft, submit], ids=["save", "submit"])
@pytest.mark.parametrize(
    "close", [_locked, _adjudicated, _published, _ended], ids=lambda f: f.__name__[1:]
)
def test_moves_are_refused_once_the_turn_is_closed(running, bob, service, close):
    turn = current_turn(running)
    save_draft(bob, turn, answers("japan", rationale="kept"), base=0)
    close(running)
    before = snapshot(turn)

    with audited(running), pytest.raises(IllegalTransition) as refused:
        service(bob, turn, answers("japan", rationale="too late"), base=1)

    assert str(refused.value) == (
        "Turn 1 is locked: moves can no longer be changed. Your last saved draft is kept."
    )
    assert snapshot(turn) == before


# --- locking ---------------------------------------------------------------------------------


def test_the_facilitator_locks_an_open_turn_once(running):
    turn = current_turn(running)
    with audited(running, "turn.locked"):
        assert lock(turn) is True
    turn.refresh_from_db()
    assert turn.status == Turn.Status.LOCKED
    assert turn.locked_at is not None
    event = AuditEvent.objects.filter(exercise=running).last()
    assert (event.actor, event.data) == ("facilitator:alice", {"reason": "facilitator"})

    before = snapshot(turn)
    with audited(running):
        assert lock(turn) is False
    assert snapshot(turn) == before


def test_locking_adjudicates_the_turn_once_the_lock_is_committed(
    running, bob, eager_tasks, django_capture_on_commit_callbacks
):
    turn = current_turn(running)
    submit(bob, turn, base=0)
    with (
        audited(running, "turn.locked", "turn.adjudicated"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        lock(turn)
        turn.refresh_from_db()
        assert turn.status == Turn.Status.LOCKED, "adjudicated before the lock was committed"
    turn.refresh_from_db()
    assert turn.status == Turn.Status.ADJUDICATED


def test_the_deadline_sweep_locks_expired_turns_only(clock, running):
    turn = current_turn(running)
    other = make_exercise(UserFactory(username="other"))
    start(other)

    with audited(running):
        assert turns_lock_expired() == 0
    clock.advance(minutes=running.turn_minutes, seconds=1)
    with audited(running, "turn.locked"):
        assert turns_lock_expired() == 2  # both exercises' turns were due
    turn.refresh_from_db()
    assert turn.status == Turn.Status.LOCKED
    assert turn.locked_at == clock.now
    event = AuditEvent.objects.filter(exercise=running).last()
    assert (event.actor, event.data) == ("system", {"reason": "deadline"})

    with audited(running):
        assert turns_lock_expired() == 0


def test_a_sweep_that_found_the_turn_expired_does_not_lock_it_once_extended(clock, running, alice):
    turn = current_turn(running)
    clock.advance(minutes=running.turn_minutes, seconds=1)
    found_expired_at = clock.now
    turn_extend(turn_id=turn.pk, minutes=5, user=alice)  # between the sweep's read and lock
    with audited(running):
        assert not turn_lock(
            turn_id=turn.pk, actor="system", reason="deadline", expired_by=found_expired_at
        )
    turn.refresh_from_db()
    assert turn.status == Turn.Status.OPEN


def test_a_turn_whose_adjudication_task_was_lost_is_adjudicated_by_the_sweep(
    clock, running, queued_tasks
):
    turn = current_turn(running)
    lock(turn)  # its task waits in the broker and never runs: lost
    assert turns_adjudicate_stuck() == 0, "a fresh lock is left to its task"
    clock.advance(seconds=31)
    with audited(running, "turn.adjudicated"):
        assert turns_adjudicate_stuck() == 1
    turn.refresh_from_db()
    assert turn.status == Turn.Status.ADJUDICATED
    with audited(running):
        assert turns_adjudicate_stuck() == 0


def test_a_move_sent_after_the_deadline_is_refused_before_the_sweep_runs(clock, running, bob):
    turn = current_turn(running)
    save_draft(bob, turn)
    clock.advance(minutes=running.turn_minutes, seconds=1)
    with audited(running), pytest.raises(IllegalTransition, match="Time is up for turn 1"):
        submit(bob, turn)
    assert move_of(turn, "japan").submitted_answers is None


def test_the_sweep_leaves_paused_and_ended_exercises_alone(clock, alice):
    paused, ended = make_exercise(alice), make_exercise(alice)
    start(paused), start(ended)
    turn_pause(turn_id=current_turn(paused).pk, user=alice)
    exercise_end(exercise_id=ended.pk, user=alice)
    clock.advance(hours=2)
    assert turns_lock_expired() == 0
    assert current_turn(paused).status == Turn.Status.OPEN


def test_a_team_page_read_after_the_deadline_locks_the_turn(clock, client, running):
    client.post(f"/join/{running.teams.get(key='japan').join_code}/", {"display_name": "Bob"})
    clock.advance(minutes=running.turn_minutes, seconds=1)
    page = client.get(f"/play/{running.pk}/")
    assert page.status_code == 200
    assert "This turn is locked: the move below is read-only." in page.content.decode()
    assert current_turn(running).status == Turn.Status.LOCKED


def test_a_team_page_cached_before_the_deadline_locks_the_turn_when_read_after_it(
    clock, client, running
):
    client.post(f"/join/{running.teams.get(key='japan').join_code}/", {"display_name": "Bob"})
    for _ in range(2):  # read twice before the deadline: the second from the cache
        assert "This turn is locked" not in client.get(f"/play/{running.pk}/").content.decode()
    clock.advance(minutes=running.turn_minutes, seconds=1)
    page = client.get(f"/play/{running.pk}/").content.decode()
    assert "This turn is locked: the move below is read-only." in page
    assert current_turn(running).status == Turn.Status.LOCKED


# --- adjudication ----------------------------------------------------------------------------


def test_adjudication_holds_teams_that_submitted_nothing(running, bob, charlie):
    turn = current_turn(running)
    submit(bob, turn, base=0)
    submit(charlie, turn, base=0)
    save_draft(join(running, "united_states", "Uma"), turn, base=0)  # a draft, never submitted
    lock(turn)

    with audited(running, "turn.adjudicated"):
        assert turn_adjudicate(turn_id=turn.pk) is True

    turn.refresh_from_db()
    assert turn.status == Turn.Status.ADJUDICATED
    assert turn.adjudicated_at is not None
    assert turn.adjudication["held"] == ["south_korea", "united_states"]
    assert turn.adjudication["refused"] == {}
    assert set(turn.narratives) >= {"world", "japan", "china"}
    assert AuditEvent.objects.filter(exercise=running).last().data == {
        "held": ["south_korea", "united_states"]
    }


def test_a_second_adjudication_returns_false_and_changes_nothing(running, bob):
    turn = current_turn(running)
    submit(bob, turn, base=0)
    lock_and_adjudicate(turn)
    before = snapshot(turn)
    with audited(running):
        assert turn_adjudicate(turn_id=turn.pk) is False
    assert snapshot(turn) == before


@pytest.mark.parametrize("state", ["open", "published", "ended"])
def test_only_a_locked_turn_is_adjudicated(running, state):
    turn = current_turn(running)
    if state == "published":
        _published(running)
    elif state == "ended":
        _ended(running)  # the open turn is locked by the end, but nobody reads an outcome
    before = snapshot(turn)
    with audited(running):
        assert turn_adjudicate(turn_id=turn.pk) is False
    assert snapshot(turn) == before


def test_adjudication_is_the_same_when_run_again_after_a_reopen(running, bob, charlie):
    turn = current_turn(running)
    submit(bob, turn, base=0)
    submit(charlie, turn, base=0)
    first = lock_and_adjudicate(turn).adjudication
    turn_reopen(turn_id=turn.pk, minutes=5, user=running.facilitator)
    second = lock_and_adjudicate(turn).adjudication
    assert second == first


# --- review: narratives and adjustments ------------------------------------------------------


@pytest.fixture
def adjudicated(running, bob):
    turn = current_turn(running)
    submit(bob, turn, base=0)
    return lock_and_adjudicate(turn)


def test_the_facilitator_edits_a_narrative_with_a_reason(running, adjudicated, alice):
    original = adjudicated.narratives["japan"]
    with audited(running, "turn.narrative_edited"):
        override = turn_edit_narrative(
            turn_id=adjudicated.pk,
            subject="japan",
            text="Tokyo's pledge lands well in Washington.",
            reason="Clearer for the students.",
            user=alice,
        )
    assert (override.kind, override.subject, override.before, override.reason) == (
        Override.Kind.NARRATIVE,
        "japan",
        original,
        "Clearer for the students.",
    )
    turn_publish(turn_id=adjudicated.pk, user=alice)
    adjudicated.refresh_from_db()
    assert adjudicated.narratives["japan"] == "Tokyo's pledge lands well in Washington."


def test_the_facilitator_adjusts_an_indicator_with_a_reason(running, adjudicated, alice):
    drafted = adjudicated.adjudication["new_state"]["indicators"]["nk_deterrence"]
    with audited(running, "turn.indicator_adjusted"):
        override = turn_adjust_indicator(
            turn_id=adjudicated.pk,
            indicator="nk_deterrence",
            amount=-4.5,
            reason="The missile test was bigger than the dice said.",
            user=alice,
        )
    assert (override.kind, override.subject, override.amount, override.after) == (
        Override.Kind.DELTA,
        "nk_deterrence",
        -4.5,
        "-4.5",
    )
    turn_publish(turn_id=adjudicated.pk, user=alice)
    adjudicated.refresh_from_db()
    running.refresh_from_db()
    assert adjudicated.state_after["indicators"]["nk_deterrence"] == drafted - 4.5
    assert running.state == adjudicated.state_after


@pytest.mark.parametrize(("amount", "bound"), [(100, 100.0), (-100, 0.0)])
def test_adjustments_are_clamped_to_the_indicator_bounds(
    running, adjudicated, alice, amount, bound
):
    for _ in range(2):  # two adjustments add up, and the sum is clamped
        turn_adjust_indicator(
            turn_id=adjudicated.pk,
            indicator="japan_nuclear_debate",
            amount=amount,
            reason="Stress test",
            user=alice,
        )
    turn_publish(turn_id=adjudicated.pk, user=alice)
    adjudicated.refresh_from_db()
    assert adjudicated.state_after["indicators"]["japan_nuclear_debate"] == bound


def _edit(turn, **changes):
    arguments = {
        "subject": "world",
        "text": "A new text.",
        "reason": "Because.",
        "user": turn.exercise.facilitator,
    }
    return turn_edit_narrative(turn_id=turn.pk, **{**arguments, **changes})


def _adjust(turn, **changes):
    arguments = {
        "indicator": "cjk_ties",
        "amount": 2.0,
        "reason": "Because.",
        "user": turn.exercise.facilitator,
    }
    return turn_adjust_indicator(turn_id=turn.pk, **{**arguments, **changes})


@pytest.mark.parametrize(
    ("change", "changes", "message"),
    [
        (_edit, {"reason": ""}, "Write the reason for the change"),
        (_edit, {"reason": " \n\t "}, "Write the reason for the change"),
        (_edit, {"text": "  "}, "A narrative cannot be empty."),
        (_edit, {"subject": "north_korea"}, "There is no such narrative in this turn."),
        (_adjust, {"reason": ""}, "Write the reason for the change"),
        (_adjust, {"reason": "   "}, "Write the reason for the change"),
        (_adjust, {"amount": 0.0}, "Adjust by a non-zero amount of at most 100."),
        (_adjust, {"amount": 100.5}, "Adjust by a non-zero amount of at most 100."),
        (_adjust, {"indicator": "gdp"}, "There is no such indicator in this scenario."),
    ],
)
def test_review_changes_need_a_reason_and_sense(running, adjudicated, change, changes, message):
    before = snapshot(adjudicated)
    with audited(running), pytest.raises(ServiceError, match=message):
        change(adjudicated, **changes)
    assert snapshot(adjudicated) == before


@pytest.mark.parametrize("state", ["open", "locked", "published"])
@pytest.mark.parametrize("change", [_edit, _adjust])
def test_review_changes_only_on_a_draft_adjudication(running, state, change):
    turn = current_turn(running)
    if state == "locked":
        lock(turn)
    elif state == "published":
        _published(running)
    before = snapshot(turn)
    with audited(running), pytest.raises(IllegalTransition):
        change(turn)
    assert snapshot(turn) == before


# --- publication -----------------------------------------------------------------------------


def test_publishing_opens_the_next_turn_from_the_published_state(running, adjudicated, alice):
    _adjust(adjudicated, indicator="cjk_ties", amount=3.0)
    with audited(running, "turn.published"):
        turn_publish(turn_id=adjudicated.pk, user=alice)

    adjudicated.refresh_from_db()
    running.refresh_from_db()
    assert adjudicated.status == Turn.Status.PUBLISHED
    assert adjudicated.published_at is not None
    drafted = WorldState.from_dict(adjudicated.adjudication["new_state"])
    assert adjudicated.state_after == drafted.with_deltas(SCENARIO, {"cjk_ties": 3.0}).to_dict()
    assert running.state == adjudicated.state_after
    assert running.current_turn == 2
    following = current_turn(running)
    assert (following.number, following.status) == (2, Turn.Status.OPEN)
    assert following.state_before == adjudicated.state_after
    assert following.moves.count() == 4


@pytest.mark.parametrize("state", ["open", "locked"])
def test_only_an_adjudicated_turn_is_published(running, state):
    turn = current_turn(running)
    if state == "locked":
        lock(turn)
    before = snapshot(turn)
    with audited(running), pytest.raises(IllegalTransition, match=f"Turn 1 is {state}"):
        turn_publish(turn_id=turn.pk, user=running.facilitator)
    assert snapshot(turn) == before


def test_publishing_the_last_turn_finishes_the_exercise(alice):
    exercise = make_exercise(alice, turns=2)
    start(exercise)
    bob = join(exercise, "japan", "Bob")
    play_turn(exercise, [bob])
    last = current_turn(exercise)
    submit(bob, last)
    lock_and_adjudicate(last)

    with audited(exercise, "turn.published"):
        turn_publish(turn_id=last.pk, user=alice)

    exercise.refresh_from_db()
    assert exercise.status == Exercise.Status.FINISHED
    assert exercise.finished_at is not None
    assert exercise.turn_set.count() == 2
    last.refresh_from_db()
    assert exercise.state == last.state_after
    with pytest.raises(IllegalTransition, match="already ended"):
        exercise_end(exercise_id=exercise.pk, user=alice)


# --- pause, resume, extend, re-open ----------------------------------------------------------


def test_pause_freezes_the_remaining_time_and_resume_restores_it(clock, running, alice):
    turn = current_turn(running)
    clock.advance(minutes=5)
    with audited(running, "turn.paused"):
        turn_pause(turn_id=turn.pk, user=alice)
    turn.refresh_from_db()
    assert turn.is_paused
    assert turn.paused_remaining == timedelta(minutes=15)
    assert turn.deadline is None

    clock.advance(hours=1)  # a long discussion in the room
    assert turns_lock_expired() == 0
    with audited(running, "turn.resumed"):
        turn_resume(turn_id=turn.pk, user=alice)
    turn.refresh_from_db()
    assert not turn.is_paused
    assert turn.deadline == clock.now + timedelta(minutes=15)


def test_extend_moves_the_deadline(clock, running, alice):
    turn = current_turn(running)
    deadline = turn.deadline
    with audited(running, "turn.extended"):
        turn_extend(turn_id=turn.pk, minutes=10, user=alice)
    turn.refresh_from_db()
    assert turn.deadline == deadline + timedelta(minutes=10)


def test_extend_past_an_unswept_deadline_counts_from_now(clock, running, alice):
    turn = current_turn(running)
    clock.advance(minutes=running.turn_minutes + 2)
    turn_extend(turn_id=turn.pk, minutes=5, user=alice)
    turn.refresh_from_db()
    assert turn.deadline == clock.now + timedelta(minutes=5)


def test_extend_while_paused_adds_to_the_remaining_time(clock, running, alice):
    turn = current_turn(running)
    turn_pause(turn_id=turn.pk, user=alice)
    with audited(running, "turn.extended"):
        turn_extend(turn_id=turn.pk, minutes=7, user=alice)
    turn.refresh_from_db()
    assert turn.deadline is None
    assert turn.paused_remaining == timedelta(minutes=running.turn_minutes + 7)
    turn_resume(turn_id=turn.pk, user=alice)
    turn.refresh_from_db()
    assert turn.deadline == clock.now + timedelta(minutes=running.turn_minutes + 7)


def _pause(turn):
    return turn_pause(turn_id=turn.pk, user=turn.exercise.facilitator)


def _resume(turn):
    return turn_resume(turn_id=turn.pk, user=turn.exercise.facilitator)


def _extend(turn, minutes=5):
    return turn_extend(turn_id=turn.pk, minutes=minutes, user=turn.exercise.facilitator)


def _reopen(turn, minutes=5):
    return turn_reopen(turn_id=turn.pk, minutes=minutes, user=turn.exercise.facilitator)


def _pause_first(exercise):
    _pause(current_turn(exercise))


@pytest.mark.parametrize(
    ("setup", "control", "error", "message"),
    [
        (_pause_first, _pause, IllegalTransition, "The turn is already paused."),
        (None, _resume, IllegalTransition, "The turn is not paused."),
        (None, lambda t: _extend(t, 0), ServiceError, "Extend by 1 to 120 minutes."),
        (None, lambda t: _extend(t, 121), ServiceError, "Extend by 1 to 120 minutes."),
        (None, _reopen, IllegalTransition, "Turn 1 is open"),
        (_locked, _pause, IllegalTransition, "Turn 1 is locked"),
        (_locked, _resume, IllegalTransition, "Turn 1 is locked"),
        (_locked, _extend, IllegalTransition, "Turn 1 is locked"),
        (_locked, lambda t: _reopen(t, 0), ServiceError, "Re-open for 1 to 120 minutes."),
        (_adjudicated, _extend, IllegalTransition, "Turn 1 is adjudicated"),
        (_published, _reopen, IllegalTransition, "Turn 1 is published"),
        (_ended, _pause, IllegalTransition, "This exercise is not running."),
        (_ended, _extend, IllegalTransition, "This exercise is not running."),
        (_ended, _reopen, IllegalTransition, "This exercise is not running."),
    ],
)
def test_clock_controls_refused(running, setup, control, error, message):
    if setup:
        setup(running)
    turn = Turn.objects.get(exercise=running, number=1)
    before = snapshot(turn)
    with audited(running), pytest.raises(error, match=message):
        control(turn)
    assert snapshot(turn) == before


def test_locking_a_paused_turn_clears_the_pause(running, alice):
    turn = current_turn(running)
    _pause(turn)
    assert lock(turn)
    turn.refresh_from_db()
    assert (turn.status, turn.paused_remaining) == (Turn.Status.LOCKED, None)


def test_reopening_a_locked_turn_takes_moves_again(clock, running, bob, alice):
    turn = current_turn(running)
    submit(bob, turn, base=0)
    lock(turn)
    with audited(running, "turn.reopened"):
        _reopen(turn, minutes=8)
    turn.refresh_from_db()
    assert turn.status == Turn.Status.OPEN
    assert turn.locked_at is None
    assert turn.deadline == clock.now + timedelta(minutes=8)
    submit(bob, turn, answers("japan", rationale="second thoughts"), base=1)
    assert move_of(turn, "japan").submitted_answers["rationale"] == "second thoughts"


def test_reopening_an_adjudicated_turn_discards_the_draft(running, adjudicated, alice):
    _edit(adjudicated, subject="world", text="Edited world.")
    _adjust(adjudicated)
    with audited(running, "turn.reopened"):
        _reopen(adjudicated)
    adjudicated.refresh_from_db()
    assert adjudicated.status == Turn.Status.OPEN
    assert adjudicated.adjudication is None
    assert adjudicated.adjudicated_at is None
    assert adjudicated.narratives == {}
    assert not adjudicated.overrides.exists()
    # The audit trail keeps what the facilitator did to the discarded draft.
    assert list(
        AuditEvent.objects.filter(exercise=running, turn_number=1)
        .exclude(action__startswith="move.")
        .values_list("action", flat=True)
    ) == [
        "exercise.started",
        "turn.locked",
        "turn.adjudicated",
        "turn.narrative_edited",
        "turn.indicator_adjusted",
        "turn.reopened",
    ]


# --- ending early ----------------------------------------------------------------------------


def test_ending_early_locks_the_open_turn_and_finishes(running, bob, alice):
    turn = current_turn(running)
    save_draft(bob, turn, base=0)
    with audited(running, "exercise.ended"):
        exercise_end(exercise_id=running.pk, user=alice)
    running.refresh_from_db()
    turn.refresh_from_db()
    assert running.status == Exercise.Status.FINISHED
    assert turn.status == Turn.Status.LOCKED
    assert turn.locked_at == running.finished_at
    with audited(running), pytest.raises(IllegalTransition, match="already ended"):
        exercise_end(exercise_id=running.pk, user=alice)
    with audited(running):
        assert lock(turn) is False


@pytest.mark.parametrize("waiting", [_locked, _adjudicated], ids=["locked", "adjudicated"])
def test_ending_is_refused_while_a_turn_waits_to_be_published(running, bob, alice, waiting):
    # The report covers published turns: ending now would leave Bob's move out of it.
    submit(bob, current_turn(running))
    waiting(running)
    turn = current_turn(running)
    before = snapshot(turn)
    with audited(running), pytest.raises(IllegalTransition, match="publish it before ending"):
        exercise_end(exercise_id=running.pk, user=alice)
    assert snapshot(turn) == before

    if turn.status == Turn.Status.LOCKED:
        turn_adjudicate(turn_id=turn.pk)
    turn_publish(turn_id=turn.pk, user=alice)
    with audited(running, "exercise.ended"):
        exercise_end(exercise_id=running.pk, user=alice)
    turn.refresh_from_db()
    assert turn.status == Turn.Status.PUBLISHED
    assert move_of(turn, "japan").submitted_answers["rationale"] == "japan rationale"


def test_ending_an_exercise_still_in_setup(exercise, alice):
    with audited(exercise, "exercise.ended"):
        exercise_end(exercise_id=exercise.pk, user=alice)
    exercise.refresh_from_db()
    assert exercise.status == Exercise.Status.FINISHED
    assert not exercise.turn_set.exists()
