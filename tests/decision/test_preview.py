"""The preview's numbers are the engine's: a direct `simulate` of the same state and package
gives the same shares, and an independent one agrees within sampling error."""

import math
import threading

import pytest

from wargame.engine import ActionChoice, Move, WorldState, simulate
from wargame.exercises import preview as preview_module
from wargame.exercises.preview import (
    RUNS,
    cache_key,
    cached_estimate,
    package_from_form,
    package_key,
    preview_for,
    preview_seed,
)
from wargame.exercises.scenarios import get_scenario

from .helpers import SCENARIO, current, play_turn, running_exercise

pytestmark = pytest.mark.django_db

PACKAGE = Move(
    "japan",
    (
        ActionChoice("jp_defence_buildup"),
        ActionChoice("jp_china_thaw"),
    ),
)


@pytest.fixture
def scenario():
    return get_scenario(SCENARIO)


def _direct(scenario, exercise, turn, move, seed):
    return simulate(
        scenario,
        runs=RUNS,
        seed=seed,
        start_state=WorldState.from_dict(turn.state_before),
        first_moves={move.team: move},
        turns=exercise.turns,
    )


def test_the_package_is_valid_for_japan(scenario):
    exercise = running_exercise()
    turn = current(exercise)
    result = preview_for(exercise=exercise, turn=turn, scenario=scenario, move=PACKAGE)
    assert result.problems == ()
    assert result.runs == RUNS


def test_odds_equal_a_direct_simulation_with_the_same_seed(scenario):
    exercise = running_exercise()
    turn = current(exercise)
    result = preview_for(exercise=exercise, turn=turn, scenario=scenario, move=PACKAGE)
    seed = preview_seed(exercise.seed, turn.number)
    assert result.seed == seed
    direct = _direct(scenario, exercise, turn, PACKAGE, seed)
    hold = _direct(scenario, exercise, turn, Move("japan"), seed)
    assert {f.id: f.package for f in result.futures} == direct.shares
    assert {f.id: f.hold for f in result.futures} == hold.shares
    after = direct.after_first_turn
    for row in result.indicators:
        assert (row.package.p10, row.package.median, row.package.p90) == (
            after[row.id].p10,
            after[row.id].median,
            after[row.id].p90,
        )
        assert row.hold.median == hold.after_first_turn[row.id].median


def test_odds_agree_with_an_independent_simulation_within_sampling_error(scenario):
    exercise = running_exercise()
    turn = current(exercise)
    result = preview_for(exercise=exercise, turn=turn, scenario=scenario, move=PACKAGE)
    independent = _direct(scenario, exercise, turn, PACKAGE, seed=987_654_321)
    for row in result.futures:
        p = (row.package + independent.shares[row.id]) / 2
        # two independent estimates of one share: their difference has variance 2 p (1-p) / n
        error = math.sqrt(2 * p * (1 - p) / RUNS) or 1 / RUNS
        assert abs(row.package - independent.shares[row.id]) <= 3 * error, row.id


def test_later_turns_start_from_the_published_state(scenario):
    exercise = running_exercise(turns=3)
    turn = play_turn(exercise)
    assert turn.number == 2
    result = preview_for(exercise=exercise, turn=turn, scenario=scenario, move=PACKAGE)
    direct = _direct(scenario, exercise, turn, PACKAGE, preview_seed(exercise.seed, 2))
    assert direct.start_turn == 1
    assert {f.id: f.package for f in result.futures} == direct.shares


def test_objectives_and_risks(scenario):
    exercise = running_exercise()
    turn = current(exercise)
    result = preview_for(exercise=exercise, turn=turn, scenario=scenario, move=PACKAGE)
    assert [o.text for o in result.objectives] == [
        o.text for o in scenario.team("japan").briefing.objectives
    ]
    self_reliance = next(
        o for o in result.objectives if o.indicator == "Japan's self-reliance in defence"
    )
    assert self_reliance.verdict == "helps"
    assert [r.action for r in result.risks] == ["jp_china_thaw", "jp_defence_buildup"] or [
        r.action for r in result.risks
    ] == ["jp_defence_buildup", "jp_china_thaw"]
    probabilities = [r.probability for r in result.risks]
    assert probabilities == sorted(probabilities)


def test_a_package_that_breaks_the_rules_gets_reasons_not_numbers(scenario):
    exercise = running_exercise()
    turn = current(exercise)
    everything = Move("japan", tuple(ActionChoice(a) for a in scenario.team("japan").actions))
    result = preview_for(exercise=exercise, turn=turn, scenario=scenario, move=everything)
    assert result.problems
    assert result.futures == ()
    assert any("budget" in problem for problem in result.problems)


def test_the_package_is_read_from_the_form_fields(scenario):
    move = package_from_form(
        scenario,
        "japan",
        {
            "act__jp_china_thaw": "on",
            "act__jp_defence_buildup": "on",
            "intensity__jp_defence_buildup": "",
            "target__jp_retaliate": "united_states",  # not ticked: ignored
            "act__us_colby_tilt": "on",  # not on Japan's menu: ignored
        },
    )
    assert {c.action for c in move.actions} == {"jp_china_thaw", "jp_defence_buildup"}
    assert package_key(move) == package_key(Move("japan", tuple(reversed(move.actions))))


def test_previews_are_cached_and_publishing_invalidates_them(scenario, monkeypatch):
    calls = []
    real = preview_module.estimate

    def counting(*args, **kwargs):
        calls.append(kwargs["seed"])
        return real(*args, **kwargs)

    monkeypatch.setattr(preview_module, "estimate", counting)
    exercise = running_exercise(turns=3)
    turn = current(exercise)
    first = preview_for(exercise=exercise, turn=turn, scenario=scenario, move=PACKAGE)
    assert len(calls) == 2 and not first.cached  # the package and the hold baseline
    again = preview_for(exercise=exercise, turn=turn, scenario=scenario, move=PACKAGE)
    assert len(calls) == 2 and again.cached
    assert again.futures == first.futures
    old_key = cache_key(exercise, turn, scenario, PACKAGE, RUNS)

    turn = play_turn(exercise)
    new_key = cache_key(exercise, turn, scenario, PACKAGE, RUNS)
    assert new_key != old_key
    later = preview_for(exercise=exercise, turn=turn, scenario=scenario, move=PACKAGE)
    assert len(calls) == 4 and not later.cached
    direct = _direct(scenario, exercise, turn, PACKAGE, preview_seed(exercise.seed, turn.number))
    assert {f.id: f.package for f in later.futures} == direct.shares


def test_the_key_follows_the_published_state_not_only_the_turn(scenario):
    exercise = running_exercise()
    turn = current(exercise)
    before = cache_key(exercise, turn, scenario, PACKAGE, RUNS)
    turn.state_before = {
        **turn.state_before,
        "indicators": {**turn.state_before["indicators"], "japan_economy": 1},
    }
    assert cache_key(exercise, turn, scenario, PACKAGE, RUNS) != before


def test_teammates_asking_at_once_share_one_simulation(scenario, monkeypatch):
    calls = []
    real = preview_module.estimate

    def counting(*args, **kwargs):
        calls.append(args[2].team)
        return real(*args, **kwargs)

    monkeypatch.setattr(preview_module, "estimate", counting)
    exercise = running_exercise(turns=3)
    turn = current(exercise)
    barrier = threading.Barrier(5)
    results = []

    def teammate():
        barrier.wait()
        results.append(cached_estimate(exercise, turn, scenario, PACKAGE)[0].shares)

    threads = [threading.Thread(target=teammate) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1, "one simulation for five teammates"
    assert len(results) == 5
    assert all(shares == results[0] for shares in results)
