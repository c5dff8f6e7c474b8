import json

import pytest

from wargame.engine import ActionChoice, Move, WorldState, initial_state, move_cost, validate_move

from .helpers import moves, state

MOVE_CASES = [
    ("a valid package", "japan", [("jp_defence",), ("jp_invest", None, "low")], {}, []),
    (
        "the default intensity is used when none is given",
        "japan",
        [("jp_invest",), ("jp_defence",)],
        {},
        [],
    ),
    (
        "not on the menu",
        "japan",
        [("kr_summit", "usa")],
        {},
        ["'kr_summit' is not on this team's menu"],
    ),
    (
        "chosen twice and over budget",
        "japan",
        [("jp_defence",), ("jp_defence",)],
        {},
        [
            "Raise defence spending is chosen twice",
            "the move costs 4 but the budget is 3 "
            "(Raise defence spending 2, Raise defence spending 2)",
        ],
    ),
    (
        "missing target",
        "korea",
        [("kr_summit",)],
        {},
        ["Seek a summit needs a target: one of Japan, United States"],
    ),
    (
        "invalid target",
        "korea",
        [("kr_summit", "korea")],
        {},
        ["'korea' is not a target of Seek a summit: choose one of Japan, United States"],
    ),
    (
        "a target where none is taken",
        "japan",
        [("trilateral", "usa")],
        {},
        ["Attend a trilateral summit takes no target"],
    ),
    (
        "unknown intensity",
        "japan",
        [("jp_invest", None, "extreme")],
        {},
        [
            "'extreme' is not an intensity of Pledge investment in the US: choose one of low, "
            "medium, high"
        ],
    ),
    (
        "intensity where none is taken",
        "japan",
        [("trilateral", None, "high")],
        {},
        ["Attend a trilateral summit has no intensity levels"],
    ),
    (
        "over budget with an intensity",
        "japan",
        [("jp_defence",), ("jp_invest", None, "high")],
        {},
        [
            "the move costs 4 but the budget is 3 "
            "(Raise defence spending 2, Pledge investment in the US 2)"
        ],
    ),
    (
        "precondition not met",
        "korea",
        [("kr_nuclear_debate",)],
        {"stability": 20},
        ["Open a nuclear debate is not possible now: Domestic stability is 20 (needs ≥ 30)"],
    ),
    ("precondition met", "korea", [("kr_nuclear_debate",)], {"stability": 30}, []),
    ("unknown team", "mars", [], {}, ["there is no team 'mars' in this scenario"]),
]


@pytest.mark.parametrize(
    ("name", "team", "choices", "values", "reasons"),
    MOVE_CASES,
    ids=[case[0] for case in MOVE_CASES],
)
def test_validate_move(minimal, name, team, choices, values, reasons) -> None:
    move = moves({team: choices})[team]
    assert validate_move(minimal, state(minimal, **values), move) == reasons


@pytest.mark.parametrize(
    ("choices", "cost"),
    [
        ([("jp_invest", None, "low")], 1),  # ceil(1 * 0.5)
        ([("jp_invest", None, "high")], 2),
        ([("jp_invest",), ("jp_defence",)], 3),
        ([], 0),
    ],
)
def test_move_cost(minimal, choices, cost) -> None:
    assert move_cost(minimal, moves({"japan": choices})["japan"]) == cost


def test_move_round_trips() -> None:
    move = Move("usa", [ActionChoice("us_tariffs", "japan", "high"), ActionChoice("x")])
    assert Move.from_dict(json.loads(json.dumps(move.to_dict()))) == move
    assert isinstance(move.actions, tuple)


def test_initial_state(minimal) -> None:
    start = initial_state(minimal)
    assert start.turn == 0
    assert dict(start.indicators) == {"alliance": 50, "economy": 60, "tension": 3, "stability": 50}
    assert start.flags == frozenset() and start.fired == ()
    with pytest.raises(TypeError):
        start.indicators["alliance"] = 3  # type: ignore[index]


def test_state_round_trips_and_hashes(minimal) -> None:
    before = WorldState(
        3,
        {"alliance": 1.5, "economy": 0.1 + 0.2, "tension": 0, "stability": 9},
        frozenset({"b", "a"}),
        ("x", "y", "x"),
    )
    data = json.loads(json.dumps(before.to_dict()))
    assert data["flags"] == ["a", "b"]
    after = WorldState.from_dict(data)
    assert after == before and hash(after) == hash(before)


def test_with_deltas_clamps_and_keeps_the_rest(minimal) -> None:
    before = state(minimal, turn=2, flags=["crisis"], fired=["crisis"])
    after = before.with_deltas(minimal, {"tension": 20, "alliance": -70, "economy": 1.5})
    assert dict(after.indicators) == {
        "alliance": 0,
        "economy": 61.5,
        "tension": 10,
        "stability": 50,
    }
    assert (after.turn, after.flags, after.fired) == (2, before.flags, before.fired)
    with pytest.raises(KeyError):
        before.with_deltas(minimal, {"morale": 1})
