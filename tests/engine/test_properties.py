"""Properties that must hold for any state, any moves and any seed."""

import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from wargame.engine import (
    STRATEGIES,
    ActionChoice,
    InvalidMove,
    Move,
    WorldState,
    adjudicate,
    choose_move,
    move_cost,
    validate_move,
)
from wargame.engine.adjudicate import Live, resolve_turn
from wargame.engine.moves import to_plays

from .conftest import StubRng

SLOW = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


def all_flags(scenario) -> list[str]:
    items = (*scenario.actions, *scenario.rules, *scenario.events)
    return sorted({flag for item in items for flag in item.sets_flags})


@st.composite
def world_states(draw, scenario) -> WorldState:
    values = {i.id: draw(st.floats(i.min, i.max, allow_nan=False)) for i in scenario.indicators}
    flags = all_flags(scenario)
    events = [e.id for e in scenario.events]
    return WorldState(
        turn=draw(st.integers(0, scenario.turns.max - 1)),
        indicators=values,
        flags=frozenset(draw(st.lists(st.sampled_from(flags))) if flags else []),
        fired=tuple(draw(st.lists(st.sampled_from(events), max_size=4)) if events else []),
    )


def bot_moves(scenario, state: WorldState, seed: int) -> dict[str, Move]:
    rng = random.Random(seed)
    return {
        team.id: choose_move(scenario, team.id, state, rng.choice(STRATEGIES), rng)
        for team in scenario.teams
        if rng.random() < 0.85
    }


@SLOW
@given(st.data(), st.integers(0, 2**32))
def test_bots_always_choose_valid_moves(any_scenario, data, seed) -> None:
    state = data.draw(world_states(any_scenario))
    for team, move in bot_moves(any_scenario, state, seed).items():
        assert validate_move(any_scenario, state, move) == []
        assert move_cost(any_scenario, move) <= any_scenario.team_budget(team)


@SLOW
@given(st.data(), st.integers(0, 2**32))
def test_same_seed_same_adjudication(any_scenario, data, seed) -> None:
    state = data.draw(world_states(any_scenario))
    chosen = bot_moves(any_scenario, state, seed)
    first = adjudicate(any_scenario, state, chosen, random.Random(seed)).to_dict()
    assert adjudicate(any_scenario, state, chosen, random.Random(seed)).to_dict() == first


@SLOW
@given(st.data(), st.integers(0, 2**32))
def test_indicators_stay_within_bounds(any_scenario, data, seed) -> None:
    state = data.draw(world_states(any_scenario))
    result = adjudicate(
        any_scenario, state, bot_moves(any_scenario, state, seed), random.Random(seed)
    )
    for indicator in any_scenario.indicators:
        assert indicator.min <= result.new_state.indicators[indicator.id] <= indicator.max


@SLOW
@given(st.data(), st.integers(0, 2**32))
def test_fast_path_matches_full_path(any_scenario, data, seed) -> None:
    state = data.draw(world_states(any_scenario))
    chosen = bot_moves(any_scenario, state, seed)
    full_rng, fast_rng = random.Random(seed), random.Random(seed)
    full = adjudicate(any_scenario, state, chosen, full_rng)
    live = Live.of(any_scenario, state)
    plays = [
        to_plays(any_scenario, chosen[t.id]) if t.id in chosen else None for t in any_scenario.teams
    ]
    resolve_turn(any_scenario.compiled, live, plays, fast_rng)
    assert live.snapshot(any_scenario) == full.new_state
    assert fast_rng.getstate() == full_rng.getstate()


@SLOW
@given(st.data(), st.integers(0, 2**32))
def test_over_budget_move_is_rejected_and_nothing_changes(any_scenario, data, seed) -> None:
    state = data.draw(world_states(any_scenario))
    team = data.draw(st.sampled_from(any_scenario.teams))
    menu = [any_scenario.action(a) for a in team.actions]
    package = data.draw(st.lists(st.sampled_from(menu), unique_by=lambda a: a.id, min_size=1))
    move = Move(
        team.id,
        tuple(ActionChoice(a.id, a.target.choices[0] if a.target else None) for a in package),
    )
    budget = any_scenario.team_budget(team.id)
    assume(move_cost(any_scenario, move) > budget)
    chosen = {**bot_moves(any_scenario, state, seed), team.id: move}
    rng = random.Random(seed)
    before = rng.getstate()
    try:
        adjudicate(any_scenario, state, chosen, rng)
    except InvalidMove as exc:
        assert any(f"but the budget is {budget}" in r for r in exc.reasons[team.id])
    else:
        raise AssertionError("an over-budget move was adjudicated")
    assert rng.getstate() == before


@SLOW
@given(st.data(), st.integers(0, 2**32))
def test_any_invalid_move_is_never_half_applied(any_scenario, data, seed) -> None:
    state = data.draw(world_states(any_scenario))
    team = data.draw(st.sampled_from(any_scenario.teams))
    action = data.draw(st.sampled_from([a.id for a in any_scenario.actions]))
    target = data.draw(st.none() | st.sampled_from([t.id for t in any_scenario.teams]))
    intensity = data.draw(st.none() | st.sampled_from(["low", "high", "nonsense"]))
    move = Move(team.id, (ActionChoice(action, target, intensity),))
    reasons = validate_move(any_scenario, state, move)
    assume(reasons)
    chosen = {**bot_moves(any_scenario, state, seed), team.id: move}
    rng = StubRng()  # draws nothing: an invalid package must fail before any roll
    try:
        adjudicate(any_scenario, state, chosen, rng)
    except InvalidMove as exc:
        assert exc.reasons[team.id] == reasons
    else:
        raise AssertionError("an invalid move was adjudicated")


def test_every_action_can_succeed_and_move_its_indicators(any_scenario) -> None:
    """For each action there is a state where it is allowed, succeeds, and moves each
    indicator in its effects (the state sits mid-range, so nothing is clamped)."""
    rng = random.Random(0)
    for action in any_scenario.actions:
        team = next(t for t in any_scenario.teams if action.id in t.actions)
        for target in action.target.choices if action.target else [None]:
            state = _state_allowing(
                any_scenario, Move(team.id, (ActionChoice(action.id, target),)), rng
            )
            result = adjudicate(
                any_scenario,
                state,
                {team.id: Move(team.id, (ActionChoice(action.id, target),))},
                StubRng(*[0.0] * 50),
            )
            assert result.rolls[0].success, action.id
            expected = {**action.effects}
            for indicator, amount in action.effects_by_target.get(target, {}).items():
                expected[indicator] = expected.get(indicator, 0) + amount
            moved = {d.indicator: d.amount for d in result.deltas if d.cause_id == action.id}
            for indicator, amount in expected.items():
                if amount:
                    assert moved[indicator] != 0, (action.id, target, indicator)


def _state_allowing(scenario, move: Move, rng: random.Random) -> WorldState:
    def mid(i):
        return (i.min + i.max) / 2

    candidates = [{i.id: mid(i) for i in scenario.indicators}]
    candidates += [
        {
            i.id: rng.uniform(i.min + (i.max - i.min) / 10, i.max - (i.max - i.min) / 10)
            for i in scenario.indicators
        }
        for _ in range(500)
    ]
    flags = all_flags(scenario)
    flag_sets = [frozenset(), frozenset(flags)]
    flag_sets += [frozenset(f for f in flags if rng.random() < 0.5) for _ in range(20)]
    for values in candidates:
        for flag_set in flag_sets:
            state = WorldState(0, values, flag_set)
            if not validate_move(scenario, state, move):
                return state
    raise AssertionError(f"no state found where {move} is allowed")
