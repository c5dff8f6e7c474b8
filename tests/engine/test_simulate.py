import json

import pytest

from wargame.engine import InvalidMove, adjudicate, choose_move, classify, simulate
from wargame.engine.bots import draw_strategy
from wargame.engine.simulate import percentile, run_rng

from .helpers import moves, state


def _without_timing(result) -> dict:
    data = result.to_dict()
    del data["elapsed_seconds"], data["runs_per_second"]
    return data


def test_same_seed_same_result(minimal) -> None:
    first = simulate(minimal, runs=200, seed=9)
    second = simulate(minimal, runs=200, seed=9)
    assert _without_timing(first) == _without_timing(second)
    assert first.outcomes == second.outcomes
    assert first.outcomes != simulate(minimal, runs=200, seed=10).outcomes


def test_runs_do_not_depend_on_each_other(minimal) -> None:
    assert simulate(minimal, runs=40, seed=3).outcomes[:15] == (
        simulate(minimal, runs=15, seed=3).outcomes
    )


def test_counts_and_shares_cover_every_future(minimal) -> None:
    result = simulate(minimal, runs=300, seed=1, strategies={"usa": "hawkish"})
    assert list(result.counts) == ["allied_balance", "breakdown", "drift"]
    assert sum(result.counts.values()) == 300
    assert sum(result.shares.values()) == pytest.approx(1)
    assert result.strategies == {"japan": "mixed", "korea": "mixed", "usa": "hawkish"}
    json.dumps(result.to_dict())


def test_strategies_move_the_odds(minimal) -> None:
    # Korea debating nukes sets `strained` unless the US reassures: hawks break the alliance.
    hawks = simulate(
        minimal,
        runs=400,
        seed=2,
        strategies={"japan": "hawkish", "korea": "hawkish", "usa": "hawkish"},
    )
    doves = simulate(
        minimal,
        runs=400,
        seed=2,
        strategies={"japan": "accommodating", "korea": "accommodating", "usa": "accommodating"},
    )
    assert hawks.shares["breakdown"] > doves.shares["breakdown"] + 0.2


def test_fast_path_equals_the_full_adjudication(any_scenario) -> None:
    """Run 0 of a simulation, replayed turn by turn through the public, explaining API."""
    scenario = any_scenario
    for seed in range(5):
        result = simulate(scenario, runs=1, seed=seed)
        rng = run_rng(seed, 0)
        strategies = {team.id: draw_strategy(rng) for team in scenario.teams}
        current = state(scenario)
        for turn in range(scenario.turns.default):
            chosen = {
                team: choose_move(scenario, team, current, strategies[team], rng)
                for team in strategies
            }
            current = adjudicate(scenario, current, chosen, rng).new_state
            if turn == 0:
                first = {k: values[0] for k, values in result.first_turn_values.items()}
                assert first == dict(current.indicators)
        assert {k: d.median for k, d in result.indicators.items()} == dict(current.indicators)
        assert result.outcomes == (classify(scenario, current).future_id,)


def test_first_moves_fix_the_first_turn(minimal) -> None:
    fixed = moves(
        {
            "japan": [("jp_invest", None, "high")],
            "korea": [("kr_summit", "usa")],
            "usa": [("us_reassure",)],
        }
    )
    result = simulate(minimal, runs=50, seed=4, first_moves=fixed)
    expected = adjudicate(minimal, state(minimal), fixed, run_rng(0, 0)).new_state
    for indicator, values in result.first_turn_values.items():
        assert set(values) == {expected.indicators[indicator]}
    assert result.after_first_turn["alliance"].median == 62
    assert len(set(simulate(minimal, runs=50, seed=4).first_turn_values["alliance"])) > 1


def test_invalid_first_move_is_refused(minimal) -> None:
    with pytest.raises(InvalidMove) as caught:
        simulate(minimal, runs=5, seed=1, first_moves=moves({"korea": [("jp_defence",)]}))
    assert caught.value.reasons == {"korea": ["'jp_defence' is not on this team's menu"]}


def test_simulation_from_a_later_state(minimal) -> None:
    later = state(minimal, turn=3, flags=["strained"])
    result = simulate(minimal, runs=30, seed=1, start_state=later, turns=4)
    assert (result.start_turn, result.turns) == (3, 4)
    # the flag never clears, so no run can drift; allied balance is checked before breakdown
    assert result.counts["drift"] == 0
    assert result.counts["breakdown"] > 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strategies": {"japan": "reckless"}}, "unknown strategy 'reckless'"),
        ({"strategies": {"mars": "random"}}, "no such team: mars"),
        ({"turns": 0}, "nothing to simulate"),
    ],
)
def test_bad_arguments(minimal, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        simulate(minimal, runs=5, seed=1, **kwargs)


def test_percentile_interpolates() -> None:
    assert percentile([0, 10], 0.1) == 1
    assert percentile([5], 0.9) == 5
    assert percentile([1, 2, 3, 4, 5], 0.5) == 3
