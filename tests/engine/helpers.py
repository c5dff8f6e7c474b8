from collections.abc import Mapping, Sequence

from wargame.engine import ActionChoice, Move, Scenario, WorldState, initial_state

Compact = Mapping[str, Sequence[tuple]]


def moves(compact: Compact) -> dict[str, Move]:
    """{"japan": [("jp_invest", None, "high")]} -> {"japan": Move(...)}."""
    return {
        team: Move(team, tuple(ActionChoice(*choice) for choice in choices))
        for team, choices in compact.items()
    }


def state(
    scenario: Scenario,
    turn: int = 0,
    flags: Sequence[str] = (),
    fired: Sequence[str] = (),
    **values: float,
) -> WorldState:
    start = initial_state(scenario)
    return WorldState(turn, {**start.indicators, **values}, frozenset(flags), tuple(fired))
