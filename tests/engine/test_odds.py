"""The odds of a package's actions before the turn: what the state and the package already
decide, and what hangs on the other teams' moves."""

import pytest
import yaml

from wargame.engine import ModifierOdds, Move, load_scenario_text, package_odds

from .conftest import MINIMAL
from .helpers import moves, state


@pytest.fixture(scope="module")
def scenario():
    """The minimal scenario, with jp_defence also modified by Japan's own and shared actions."""
    data = yaml.safe_load(MINIMAL.read_text())
    defence = next(a for a in data["actions"] if a["id"] == "jp_defence")
    defence["modifiers"] += [
        {"when": {"played": "jp_invest"}, "add": 0.05, "reason": "Investment buys goodwill."},
        {"when": {"played": "trilateral"}, "add": 0.04, "reason": "Summits calm the region."},
        {
            "when": {"all": [{"indicator": "stability", "gte": 90}, {"played": "us_tariffs"}]},
            "add": -0.5,
            "reason": "Never at this stability.",
        },
        {
            "when": {"any": [{"indicator": "stability", "lt": 90}, {"played": "us_tariffs"}]},
            "add": 0.01,
            "reason": "Holds whatever the others do.",
        },
    ]
    return load_scenario_text(yaml.safe_dump(data, sort_keys=False))


def _odds(scenario, move, **values):
    return package_odds(scenario, state(scenario, **values), move)


def test_only_actions_that_can_fail_are_listed_lowest_first(scenario):
    move = moves({"japan": [("jp_defence",), ("jp_invest",), ("trilateral",)]})["japan"]
    odds = _odds(scenario, move)
    assert [o.action for o in odds] == ["jp_defence"]


def test_modifiers_read_the_state_and_the_package(scenario):
    base = scenario.action("jp_defence").probability
    alone = _odds(
        scenario, Move.from_dict({"team": "japan", "actions": [{"action": "jp_defence"}]})
    )
    [defence] = alone
    by_reason = {m.reason: m.applies for m in defence.modifiers}
    assert by_reason == {
        "Tariffs leave no money for defence.": None,  # the US decides
        "A stable government can pass the budget.": False,  # stability 50 < 60
        "Investment buys goodwill.": False,  # only Japan can play it, and does not
        "Summits calm the region.": None,  # Korea may attend the summit
        "Never at this stability.": False,  # one part is already false
        "Holds whatever the others do.": True,  # one part is already true
    }
    assert defence.probability == pytest.approx(base + 0.01)
    assert defence.low == pytest.approx(base + 0.01 - 0.2)
    assert defence.high == pytest.approx(base + 0.01 + 0.04)
    assert defence.depends_on_others


def test_own_actions_and_a_stable_state_apply(scenario):
    base = scenario.action("jp_defence").probability
    move = moves({"japan": [("jp_defence",), ("jp_invest", None, "low"), ("trilateral",)]})
    [defence] = _odds(scenario, move["japan"], stability=70)
    applied = [m for m in defence.modifiers if m.applies]
    assert {m.reason for m in applied} == {
        "A stable government can pass the budget.",
        "Investment buys goodwill.",
        "Summits calm the region.",
        "Holds whatever the others do.",
    }
    assert defence.probability == pytest.approx(min(1.0, base + 0.1 + 0.05 + 0.04 + 0.01))
    assert ModifierOdds("Tariffs leave no money for defence.", -0.2, None) in defence.modifiers


def test_probabilities_are_clamped(builtin):
    for team in builtin.teams:
        risky = [a for a in team.actions if builtin.action(a).probability is not None]
        choices = [
            (a, builtin.action(a).target.choices[0] if builtin.action(a).target else None)
            for a in risky[:2]
        ]
        for odds in package_odds(builtin, state(builtin), moves({team.id: choices})[team.id]):
            assert 0.0 <= odds.low <= odds.probability <= odds.high <= 1.0
