"""The world state: an immutable snapshot of indicators, flags and fired events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .scenario import Scenario


@dataclass(frozen=True)
class WorldState:
    turn: int  # turns adjudicated so far: 0 before the first
    indicators: Mapping[str, float]
    flags: frozenset[str] = frozenset()
    fired: tuple[str, ...] = ()  # event ids in firing order (repeatable events repeat)

    def __post_init__(self) -> None:
        values = MappingProxyType({k: float(v) for k, v in self.indicators.items()})
        object.__setattr__(self, "indicators", values)
        object.__setattr__(self, "flags", frozenset(self.flags))
        object.__setattr__(self, "fired", tuple(self.fired))

    def __hash__(self) -> int:
        return hash((self.turn, tuple(self.indicators.items()), self.flags, self.fired))

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "indicators": dict(self.indicators),
            "flags": sorted(self.flags),
            "fired": list(self.fired),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorldState:
        return cls(
            turn=int(data["turn"]),
            indicators=dict(data["indicators"]),
            flags=frozenset(data.get("flags", ())),
            fired=tuple(data.get("fired", ())),
        )

    def with_deltas(self, scenario: Scenario, deltas: Mapping[str, float]) -> WorldState:
        """This state with `deltas` added, each clamped to its indicator's bounds."""
        values = dict(self.indicators)
        for indicator_id, delta in deltas.items():
            indicator = scenario.indicator(indicator_id)
            values[indicator_id] = min(
                indicator.max, max(indicator.min, values[indicator_id] + delta)
            )
        return WorldState(self.turn, values, self.flags, self.fired)

    def values_for(self, scenario: Scenario) -> list[float]:
        """Indicator values in the scenario's order, for the engine's hot path."""
        ids = scenario.compiled.indicator_ids
        if set(ids) != set(self.indicators):
            raise ValueError("this state's indicators are not the scenario's")
        return [self.indicators[i] for i in ids]


def initial_state(scenario: Scenario) -> WorldState:
    return WorldState(turn=0, indicators={i.id: i.start for i in scenario.indicators})


def state_from_values(
    scenario: Scenario, turn: int, values: list[float], flags: set[str], fired: list[str]
) -> WorldState:
    return WorldState(
        turn,
        dict(zip(scenario.compiled.indicator_ids, values, strict=True)),
        frozenset(flags),
        tuple(fired),
    )
