import json
import random

import pytest

from wargame.engine import Adjudication, InvalidMove, adjudicate, turn_rng

from .conftest import StubRng
from .helpers import moves, state

# Each case: the state before (keyword arguments of helpers.state), the moves, the numbers
# the stub RNG hands out, and what must come out.
CASES = [
    {
        "name": "everyone holds",
        "moves": {},
        "draws": [],
        "rolls": [],
        "deltas": [
            ("stability", -1, "hold", "hold", "japan"),
            ("stability", -1, "hold", "hold", "korea"),
            ("stability", -1, "hold", "hold", "usa"),
        ],
        "held": ["japan", "korea", "usa"],
        "after": {"stability": 47},
    },
    {
        "name": "a modifier lowers the odds and the roll still succeeds; a failed threat",
        "moves": {"japan": [("jp_defence",)], "usa": [("us_tariffs", "japan")]},
        "draws": [0.45, 0.95],
        "rolls": [
            (
                "japan",
                "jp_defence",
                0.7,
                [("Tariffs leave no money for defence.", -0.2)],
                0.5,
                0.45,
                True,
            ),
            ("usa", "us_tariffs", 0.9, [], 0.9, 0.95, False),
        ],
        "deltas": [
            ("alliance", 5, "action", "jp_defence", "japan"),
            ("tension", 1, "action", "jp_defence", "japan"),
            ("stability", -1, "hold", "hold", "korea"),
        ],
        "flags": ["jp_armed"],
        "held": ["korea"],
    },
    {
        "name": "a failure applies failure effects; a modifier on a high indicator",
        "state": {"stability": 65},
        "moves": {"japan": [("jp_defence",)], "korea": [], "usa": []},
        "draws": [0.8],
        "rolls": [
            (
                "japan",
                "jp_defence",
                0.7,
                [("A stable government can pass the budget.", 0.1)],
                0.8,
                0.8,
                False,
            ),
        ],
        "deltas": [("stability", -2, "action", "jp_defence", "japan")],
        "after": {"stability": 63},
    },
    {
        "name": "intensity scales effects; targets add their own effects",
        "moves": {
            "japan": [("jp_invest", None, "high")],
            "korea": [("kr_summit", "usa")],
            "usa": [("us_reassure",)],
        },
        "draws": [],
        "rolls": [
            ("japan", "jp_invest", None, [], None, None, True),
            ("korea", "kr_summit", None, [], None, None, True),
            ("usa", "us_reassure", None, [], None, None, True),
        ],
        "deltas": [
            ("alliance", 6, "action", "jp_invest", "japan"),
            ("economy", -4, "action", "jp_invest", "japan"),
            ("tension", -1, "action", "kr_summit", "korea"),
            ("alliance", 2, "action", "kr_summit", "korea"),
            ("alliance", 4, "action", "us_reassure", "usa"),
            ("tension", -1, "action", "us_reassure", "usa"),
        ],
        "after": {"alliance": 62, "economy": 56, "tension": 1},
    },
    {
        "name": "tariffs met by appeasement fire a rule",
        "moves": {"usa": [("us_tariffs", "korea", "high")], "japan": [("trilateral",)]},
        "draws": [0.1],
        "rolls": [
            ("japan", "trilateral", None, [], None, None, True),
            ("usa", "us_tariffs", 0.9, [], 0.9, 0.1, True),
        ],
        "deltas": [
            ("tension", -1, "action", "trilateral", "japan"),
            ("stability", -1, "hold", "hold", "korea"),
            ("economy", -7.5, "action", "us_tariffs", "usa"),
            ("stability", -4.5, "action", "us_tariffs", "usa"),
            ("economy", -3, "rule", "tariff_spiral", None),
        ],
        "rules": ["tariff_spiral"],
        "held": ["korea"],
        "after": {"economy": 49.5, "stability": 44.5},
    },
    {
        "name": "a rule reads `succeeded` and sets a flag",
        "moves": {"korea": [("kr_nuclear_debate",)]},
        "draws": [],
        "rolls": [("korea", "kr_nuclear_debate", None, [], None, None, True)],
        "deltas": [
            ("stability", -1, "hold", "hold", "japan"),
            ("tension", 2, "action", "kr_nuclear_debate", "korea"),
            ("alliance", -4, "action", "kr_nuclear_debate", "korea"),
            ("stability", -1, "hold", "hold", "usa"),
            ("alliance", -2, "rule", "nuclear_strain", None),
        ],
        "rules": ["nuclear_strain"],
        "flags": ["nuclear_debate", "strained"],
        "held": ["japan", "usa"],
    },
    {
        "name": "deltas are clamped to the bounds and record what was applied",
        "state": {"tension": 9.5, "alliance": 1},
        "moves": {"korea": [("kr_nuclear_debate",)], "japan": [], "usa": [("us_reassure",)]},
        "draws": [0.7],
        "missed": ["crisis"],
        "rolls": [
            ("korea", "kr_nuclear_debate", None, [], None, None, True),
            ("usa", "us_reassure", None, [], None, None, True),
        ],
        "deltas": [
            ("tension", 0.5, "action", "kr_nuclear_debate", "korea"),
            ("alliance", -1, "action", "kr_nuclear_debate", "korea"),
            ("alliance", 4, "action", "us_reassure", "usa"),
            ("tension", -1, "action", "us_reassure", "usa"),
        ],
        "flags": ["nuclear_debate"],
        "after": {"tension": 9, "alliance": 4},
    },
    {
        "name": "a scheduled event fires at its turn, before the actions",
        "state": {"turn": 1},
        "moves": {"japan": [], "korea": [], "usa": []},
        "draws": [],
        "rolls": [],
        "events": ["election"],
        "deltas": [("stability", -5, "event", "election", None)],
        "fired": ["election"],
    },
    {
        "name": "a repeatable event fires again; a chance event that fails its roll",
        "state": {"turn": 2, "tension": 7, "fired": ["election", "aftermath"]},
        "moves": {"japan": [], "korea": [], "usa": []},
        "draws": [0.6],
        "rolls": [],
        "events": ["aftermath"],
        "missed": ["crisis"],
        "deltas": [("tension", -1, "event", "aftermath", None)],
        "fired": ["election", "aftermath", "aftermath"],
    },
    {
        "name": "a chance event fires and sets a flag that a later event reads this turn",
        "state": {"turn": 2, "tension": 7},
        "moves": {"japan": [], "korea": [], "usa": []},
        "draws": [0.2],
        "rolls": [],
        "events": ["crisis", "aftermath"],
        "deltas": [
            ("alliance", 3, "event", "crisis", None),
            ("tension", -1, "event", "aftermath", None),
        ],
        "flags": ["crisis"],
        "fired": ["crisis", "aftermath"],
    },
    {
        "name": "an event that fires once does not come back",
        "state": {"turn": 4, "tension": 8, "fired": ["crisis"], "flags": ["crisis"]},
        "moves": {"japan": [], "korea": [], "usa": []},
        "draws": [],
        "rolls": [],
        "fired": ["crisis"],
    },
]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_adjudication(minimal, case) -> None:
    before = state(minimal, **case.get("state", {}))
    rng = StubRng(*case["draws"])
    result = adjudicate(minimal, before, moves(case["moves"]), rng)
    assert rng.numbers == [], "every set number must be drawn"
    assert [
        (
            r.team,
            r.action,
            r.base,
            [tuple(m) for m in r.modifiers],
            r.probability,
            r.drawn,
            r.success,
        )
        for r in result.rolls
    ] == [
        (team, action, base, mods, pytest.approx(p) if p is not None else None, drawn, success)
        for team, action, base, mods, p, drawn, success in case["rolls"]
    ]
    assert [(d.indicator, d.amount, d.cause, d.cause_id, d.team) for d in result.deltas] == [
        tuple(d) for d in case.get("deltas", [])
    ]
    assert [r.id for r in result.rules] == case.get("rules", [])
    assert [e.id for e in result.events] == case.get("events", [])
    assert [e.id for e in result.missed_events] == case.get("missed", [])
    assert list(result.held) == case.get("held", [])
    after = result.new_state
    assert after.turn == before.turn + 1
    assert sorted(after.flags) == sorted(set(case.get("flags", [])) | before.flags)
    assert list(after.fired) == case.get("fired", list(before.fired))
    for indicator, value in case.get("after", {}).items():
        assert after.indicators[indicator] == value
    for indicator in after.indicators:
        moved = sum(d.amount for d in result.deltas if d.indicator == indicator)
        assert after.indicators[indicator] == pytest.approx(before.indicators[indicator] + moved)


def test_every_number_carries_its_reason(minimal) -> None:
    before = state(minimal, tension=9.5)
    result = adjudicate(
        minimal,
        before,
        moves(
            {
                "korea": [("kr_nuclear_debate",)],
                "usa": [("us_tariffs", "japan", "high")],
                "japan": [("jp_defence",)],
            }
        ),
        StubRng(0.7, 0.9, 0.3),
    )
    assert [d.reason for d in result.deltas] == [
        "Japan: Raise defence spending failed",
        "South Korea: Open a nuclear debate succeeded (+2 asked, capped at the maximum 10)",
        "South Korea: Open a nuclear debate succeeded",
        "United States: Threaten tariffs aimed at Japan (high) succeeded",
        "United States: Threaten tariffs aimed at Japan (high) succeeded",
        "Rule: A nuclear debate strains the alliance",
    ]
    assert result.narratives == {
        "japan": "Japan's defence budget stalls in the Diet.",
        "korea": "South Korea debates building its own bomb.",
        "usa": "United States threatens Japan with high tariffs.",
    }
    assert result.world_narrative == "Seoul's debate strains the alliance."


def test_held_team_is_told_so(minimal) -> None:
    result = adjudicate(minimal, state(minimal), moves({"japan": [], "usa": []}), StubRng())
    assert result.held == ("korea",)
    assert result.narratives == {"japan": "", "korea": "South Korea holds its course.", "usa": ""}
    assert result.deltas[0].reason == "South Korea submitted no move and holds"


def test_invalid_move_changes_nothing_and_draws_nothing(minimal) -> None:
    before = state(minimal)
    rng = random.Random(5)
    rng_before = rng.getstate()
    with pytest.raises(InvalidMove) as caught:
        adjudicate(
            minimal,
            before,
            moves(
                {
                    "japan": [("jp_defence",), ("jp_invest", None, "high")],
                    "usa": [("us_reassure",)],
                    "korea": [("jp_defence",)],
                }
            ),
            rng,
        )
    assert caught.value.reasons == {
        "japan": [
            "the move costs 4 but the budget is 3 "
            "(Raise defence spending 2, Pledge investment in the US 2)"
        ],
        "korea": ["'jp_defence' is not on this team's menu"],
    }
    assert rng.getstate() == rng_before
    assert before == state(minimal)


def test_move_filed_under_another_team_is_invalid(minimal) -> None:
    with pytest.raises(InvalidMove) as caught:
        adjudicate(minimal, state(minimal), {"japan": moves({"usa": []})["usa"]}, StubRng())
    assert caught.value.reasons == {"japan": ["the move is filed under 'japan' but is for 'usa'"]}


def test_same_seed_same_result_bit_for_bit(minimal) -> None:
    chosen = moves({"japan": [("jp_defence",)], "usa": [("us_tariffs", "korea", "high")]})
    first = adjudicate(minimal, state(minimal), chosen, turn_rng(42, 1)).to_dict()
    second = adjudicate(minimal, state(minimal), chosen, turn_rng(42, 1)).to_dict()
    assert json.dumps(first) == json.dumps(second)
    assert turn_rng(42, 1).random() != turn_rng(42, 2).random()


def test_adjudication_round_trips_through_json(minimal) -> None:
    chosen = moves({"japan": [("jp_defence",)], "korea": [("kr_summit", "japan")]})
    result = adjudicate(minimal, state(minimal, tension=7, turn=1), chosen, turn_rng(1, 2))
    assert Adjudication.from_dict(json.loads(json.dumps(result.to_dict()))) == result


def test_state_of_another_scenario_is_refused(minimal) -> None:
    from wargame.engine import WorldState

    with pytest.raises(ValueError, match="not the scenario's"):
        adjudicate(minimal, WorldState(0, {"alliance": 1}), {}, StubRng())
