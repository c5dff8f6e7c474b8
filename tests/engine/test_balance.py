"""The built-in scenario is worth playing: every future can happen, none is a foregone
conclusion, and what the teams choose moves the odds."""

from wargame.engine import MIXED, Scenario, simulate

RUNS = 2000


def test_every_future_is_reachable_and_none_dominates_under_mixed_strategies(builtin: Scenario):
    result = simulate(builtin, runs=RUNS, seed=2025, strategies=None)
    shares = result.shares
    assert set(shares) == {future.id for future in builtin.futures}
    for future, share in shares.items():
        assert share >= 0.02, f"{future} is reached in only {share:.1%} of runs"
        assert share <= 0.60, f"{future} takes {share:.1%} of runs"


def _shares(scenario: Scenario, **strategies: str) -> dict[str, float]:
    return simulate(scenario, runs=RUNS, seed=7, strategies=strategies).shares


def test_the_teams_choices_change_where_the_exercise_ends(builtin: Scenario):
    mixed = _shares(builtin, japan=MIXED, south_korea=MIXED, united_states=MIXED, china=MIXED)
    allies_accommodate = _shares(builtin, japan="accommodating", south_korea="accommodating")
    allies_hedge = _shares(builtin, japan="hedging", south_korea="hedging")
    # Tokyo and Seoul courting Beijing makes accommodation likelier than when they hedge
    # with middle powers, which in turn builds the "West-minus-one" coalition.
    assert allies_accommodate["accommodation_with_china"] > mixed["accommodation_with_china"] + 0.05
    assert allies_hedge["west_minus_one"] > mixed["west_minus_one"] + 0.05
    assert allies_accommodate["west_minus_one"] < allies_hedge["west_minus_one"] - 0.10
