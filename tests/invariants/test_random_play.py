"""Random sequences of service calls from random roles keep the exercise consistent.

After every step: at most one submitted move per team and turn, every submitted move within
budget, published turns unchanged, exactly one audit event per change (none per refusal),
and the world state equal to a replay of the published turns from the seed.
"""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from wargame.engine import WorldState, adjudicate, initial_state, turn_rng, validate_move
from wargame.exercises.answers import to_engine_move
from wargame.exercises.models import AuditEvent, Exercise, Override, Turn
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.services.audit import facilitator_actor
from wargame.exercises.services.errors import ServiceError
from wargame.exercises.services.exercises import exercise_create, exercise_end, exercise_start
from wargame.exercises.services.moves import move_save_draft, move_submit, participant_join
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
    turns_lock_expired,
)

SCENARIO = get_scenario("japan-korea-2025")
TEAMS = [team.id for team in SCENARIO.teams]
INDICATORS = [indicator.id for indicator in SCENARIO.indicators]


def _choice(action_id: str, pick: int) -> dict:
    action = SCENARIO.action(action_id)
    target = action.target.choices[pick % len(action.target.choices)] if action.target else None
    intensity = None
    if action.intensity:
        levels = list(action.intensity.levels)
        intensity = levels[pick % len(levels)]
    return {"action": action_id, "target": target, "intensity": intensity}


@st.composite
def answers(draw, team: str) -> dict:
    menu = list(SCENARIO.team(team).actions)
    picked = draw(st.lists(st.sampled_from(menu), max_size=4, unique=True))
    if draw(st.booleans()):
        picked.append(draw(st.sampled_from([a.id for a in SCENARIO.actions])))  # maybe forged
    return {
        "actions": [_choice(a, draw(st.integers(0, 3))) for a in picked],
        "objective": draw(st.sampled_from(["", "Stay close to Washington", "Hedge"])),
        "confidence": draw(st.sampled_from([None, 1, 3, 5, 9])),
        "rationale": draw(st.sampled_from(["", "Because", "<script>x</script>"])),
        "statement": "",
    }


class RandomPlay(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        User = get_user_model()
        self.alice = User.objects.create_user(f"alice{User.objects.count()}")
        self.exercise = exercise_create(
            facilitator=self.alice, scenario_slug=SCENARIO.id, title="Random play", turns=3
        )
        self.players = {
            team.key: participant_join(team=team, display_name=f"{team.name} player")
            for team in self.exercise.teams.all()
        }
        self.published: dict[int, tuple] = {}
        exercise_start(exercise_id=self.exercise.pk, user=self.alice)

    def _turn(self) -> Turn | None:
        return self.exercise.turn_set.order_by("-number").first()

    def _call(self, service, **kwargs) -> None:
        """Call a service; a refusal must change nothing, a change must write one audit event."""
        before_audit = AuditEvent.objects.filter(exercise=self.exercise).count()
        before = self._fingerprint()
        try:
            service(**kwargs)
        except ServiceError:
            assert self._fingerprint() == before, f"{service.__name__} refused but changed state"
            assert AuditEvent.objects.filter(exercise=self.exercise).count() == before_audit
            return
        changed = self._fingerprint() != before
        written = AuditEvent.objects.filter(exercise=self.exercise).count() - before_audit
        assert written == (1 if changed else 0), f"{service.__name__}: {written} audit events"

    def _fingerprint(self) -> tuple:
        exercise = Exercise.objects.get(pk=self.exercise.pk)
        turns = tuple(
            (t.number, t.status, t.deadline, t.paused_remaining, str(t.narratives))
            for t in exercise.turn_set.order_by("number")
        )
        moves = tuple(
            Turn.objects.filter(exercise=exercise)
            .order_by("number")
            .values_list("moves__team__key", "moves__revision", "moves__submitted_revision")
        )
        overrides = Override.objects.filter(turn__exercise=exercise).count()
        return exercise.status, exercise.current_turn, str(exercise.state), turns, moves, overrides

    @rule()
    def start(self):
        self._call(exercise_start, exercise_id=self.exercise.pk, user=self.alice)

    @rule(data=st.data(), team=st.sampled_from(TEAMS), stale=st.booleans(), submit=st.booleans())
    def move(self, data, team, stale, submit):
        turn = self._turn()
        if turn is None:
            return
        move = turn.moves.get(team__key=team)
        base = move.revision - 1 if stale and move.revision else move.revision
        service = move_submit if submit else move_save_draft
        self._call(
            service,
            participant=self.players[team],
            turn_id=turn.pk,
            base_revision=base,
            answers=data.draw(answers(team)),
        )

    @rule()
    def lock(self):
        turn = self._turn()
        if turn is None:
            return
        before = AuditEvent.objects.filter(exercise=self.exercise).count()
        locked = turn_lock(turn_id=turn.pk, actor=facilitator_actor(self.alice), reason="test")
        assert AuditEvent.objects.filter(exercise=self.exercise).count() == before + int(locked)

    @rule()
    def deadline_passes(self):
        before = AuditEvent.objects.filter(exercise=self.exercise).count()
        locked = turns_lock_expired(now=timezone.now() + timedelta(days=2))
        assert AuditEvent.objects.filter(exercise=self.exercise).count() <= before + locked

    @rule()
    def adjudicate(self):
        turn = self._turn()
        if turn is None:
            return
        before = AuditEvent.objects.filter(exercise=self.exercise).count()
        done = turn_adjudicate(turn_id=turn.pk)
        assert AuditEvent.objects.filter(exercise=self.exercise).count() == before + int(done)

    @rule(
        indicator=st.sampled_from(INDICATORS),
        amount=st.sampled_from([-250, -5, 0, 3.5]),
        reason=st.sampled_from(["", "Table discussion"]),
    )
    def adjust(self, indicator, amount, reason):
        turn = self._turn()
        if turn:
            self._call(
                turn_adjust_indicator,
                turn_id=turn.pk,
                indicator=indicator,
                amount=amount,
                reason=reason,
                user=self.alice,
            )

    @rule(subject=st.sampled_from(["world", *TEAMS, "nobody"]), text=st.sampled_from(["", "New"]))
    def edit_narrative(self, subject, text):
        turn = self._turn()
        if turn:
            self._call(
                turn_edit_narrative,
                turn_id=turn.pk,
                subject=subject,
                text=text,
                reason="Clarity",
                user=self.alice,
            )

    @rule()
    def publish(self):
        turn = self._turn()
        if turn:
            self._call(turn_publish, turn_id=turn.pk, user=self.alice)

    @rule(control=st.sampled_from([turn_pause, turn_resume]))
    def pause_or_resume(self, control):
        turn = self._turn()
        if turn:
            self._call(control, turn_id=turn.pk, user=self.alice)

    @rule(control=st.sampled_from([turn_extend, turn_reopen]), minutes=st.sampled_from([0, 5]))
    def extend_or_reopen(self, control, minutes):
        turn = self._turn()
        if turn:
            self._call(control, turn_id=turn.pk, minutes=minutes, user=self.alice)

    @rule(roll=st.integers(0, 9))
    def end(self, roll):
        if roll == 0:  # rarely: ending early stops all other play
            self._call(exercise_end, exercise_id=self.exercise.pk, user=self.alice)

    @invariant()
    def submitted_moves_fit_the_rules(self):
        for turn in Turn.objects.filter(exercise=self.exercise).prefetch_related("moves__team"):
            state = WorldState.from_dict(turn.state_before)
            for move in turn.moves.all():
                if move.submitted_answers is not None:
                    engine_move = to_engine_move(move.team.key, move.submitted_answers)
                    assert validate_move(SCENARIO, state, engine_move) == []

    @invariant()
    def published_turns_never_change(self):
        for turn in Turn.objects.filter(exercise=self.exercise, status=Turn.Status.PUBLISHED):
            snapshot = (str(turn.state_after), str(turn.narratives), str(turn.adjudication))
            assert self.published.setdefault(turn.number, snapshot) == snapshot

    @invariant()
    def world_state_is_a_replay_of_the_published_turns(self):
        exercise = Exercise.objects.get(pk=self.exercise.pk)
        state = initial_state(SCENARIO)
        published = Turn.objects.filter(exercise=exercise, status=Turn.Status.PUBLISHED)
        for turn in published.order_by("number").prefetch_related("moves__team", "overrides"):
            moves = {
                m.team.key: to_engine_move(m.team.key, m.submitted_answers)
                for m in turn.moves.all()
                if m.submitted_answers is not None
            }
            state = adjudicate(SCENARIO, state, moves, turn_rng(exercise.seed, turn.number))
            state = state.new_state
            adjustments: dict[str, float] = {}
            for override in turn.overrides.all():
                if override.kind == Override.Kind.DELTA:
                    adjustments[override.subject] = adjustments.get(override.subject, 0) + (
                        override.amount
                    )
            state = state.with_deltas(SCENARIO, adjustments)
            assert turn.state_after == state.to_dict()
        assert exercise.state == state.to_dict()


@pytest.mark.django_db
def test_random_play_keeps_every_invariant():
    run_state_machine_as_test(
        RandomPlay,
        settings=settings(
            max_examples=20,
            stateful_step_count=50,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
