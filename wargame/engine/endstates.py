"""Which of the scenario's futures a state belongs to, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .conditions import Context, explain

if TYPE_CHECKING:
    from .scenario import Scenario
    from .state import WorldState


@dataclass(frozen=True)
class Classification:
    future_id: str
    name: str
    reasons: list[str]  # why this future: the conditions that held
    checked: list[tuple[str, bool, list[str]]]  # (future, held, reasons) in the order tried

    def to_dict(self) -> dict[str, Any]:
        return {
            "future_id": self.future_id,
            "name": self.name,
            "reasons": list(self.reasons),
            "checked": [[future, held, list(reasons)] for future, held, reasons in self.checked],
        }


def classify(scenario: Scenario, state: WorldState) -> Classification:
    """The first future whose condition holds in `state`; the last future is the default."""
    cs = scenario.compiled
    c = Context(state.values_for(scenario), set(state.flags), set(state.fired), state.turn)
    checked: list[tuple[str, bool, list[str]]] = []
    for future in scenario.futures:
        if future.when is None:
            reasons = ["none of the other futures' conditions held"] if checked else []
            checked.append((future.id, True, reasons))
            return Classification(future.id, future.name, reasons, checked)
        held, reasons = explain(future.when, c, cs, cs)
        checked.append((future.id, held, reasons))
        if held:
            return Classification(future.id, future.name, reasons, checked)
    raise AssertionError("a validated scenario ends with a default future")


def classify_fast(scenario: Scenario, c: Context) -> int:
    """The index of the future `c` belongs to, without explanations (for simulations)."""
    for index, (_, check) in enumerate(scenario.compiled.futures):
        if check is None or check(c):
            return index
    raise AssertionError("a validated scenario ends with a default future")
