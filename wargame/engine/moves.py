"""A team's move for a turn, and whether the rules allow it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .compiled import NO_TARGET, CompiledAction, CompiledScenario
from .conditions import Context, explain

if TYPE_CHECKING:
    from .scenario import Scenario
    from .state import WorldState

# The engine's own form of one chosen action: (action, target team index or NO_TARGET,
# level index).
Play = tuple[CompiledAction, int, int]


@dataclass(frozen=True)
class ActionChoice:
    action: str
    target: str | None = None
    intensity: str | None = None  # a level name; None means the action's default level

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "target": self.target, "intensity": self.intensity}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActionChoice:
        return cls(data["action"], data.get("target"), data.get("intensity"))


@dataclass(frozen=True)
class Move:
    team: str
    actions: tuple[ActionChoice, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "actions", tuple(self.actions))

    def to_dict(self) -> dict[str, Any]:
        return {"team": self.team, "actions": [choice.to_dict() for choice in self.actions]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Move:
        return cls(data["team"], tuple(ActionChoice.from_dict(a) for a in data["actions"]))


class InvalidMove(Exception):
    """One or more moves break the rules; `reasons` maps each such team to its reasons."""

    def __init__(self, reasons: Mapping[str, list[str]]) -> None:
        self.reasons = dict(reasons)
        lines = [f"{team}: {reason}" for team, rs in self.reasons.items() for reason in rs]
        super().__init__("; ".join(lines))


def action_cost(scenario: Scenario, choice: ActionChoice) -> int | None:
    """The choice's cost, or None if the scenario has no such action or intensity."""
    cs = scenario.compiled
    index = cs.action_index.get(choice.action)
    if index is None:
        return None
    level = _level_index(cs.actions[index], choice.intensity)
    return None if level is None else cs.actions[index].levels[level].cost


def move_cost(scenario: Scenario, move: Move) -> int:
    """Political capital the move spends; choices the scenario lacks count nothing."""
    return sum(action_cost(scenario, choice) or 0 for choice in move.actions)


def _level_index(action: CompiledAction, intensity: str | None) -> int | None:
    if intensity is None:
        return action.default_level
    names = [level.name for level in action.levels]
    return names.index(intensity) if intensity in names else None


def validate_move(scenario: Scenario, state: WorldState, move: Move) -> list[str]:
    """Every reason the move breaks the rules, in words; empty when it is valid."""
    cs = scenario.compiled
    if move.team not in cs.team_index:
        return [f"there is no team '{move.team}' in this scenario"]
    team = cs.teams[cs.team_index[move.team]]
    context = Context(
        state.values_for(scenario), set(state.flags), set(state.fired), state.turn + 1
    )
    reasons: list[str] = []
    seen: set[str] = set()
    for choice in move.actions:
        reasons += _choice_problems(scenario, team.actions, choice, seen, context)
        seen.add(choice.action)
    cost = move_cost(scenario, move)
    if cost > team.budget:
        reasons.append(_over_budget(scenario, move, cost, team.budget))
    return reasons


def _choice_problems(
    scenario: Scenario, menu: tuple[int, ...], choice: ActionChoice, seen: set[str], c: Context
) -> list[str]:
    cs = scenario.compiled
    index = cs.action_index.get(choice.action)
    if index is None or index not in menu:
        return [f"'{choice.action}' is not on this team's menu"]
    action = cs.actions[index]
    problems = [f"{action.name} is chosen twice"] if choice.action in seen else []
    problems += _target_problems(scenario, action, choice.target)
    problems += _intensity_problems(action, choice.intensity)
    if action.requires is not None and not action.requires(c):
        requires = scenario.action(action.id).requires
        _, why = explain(requires, c, cs, cs)  # type: ignore[arg-type]
        problems.append(f"{action.name} is not possible now: {'; '.join(why)}")
    return problems


def _target_problems(scenario: Scenario, action: CompiledAction, target: str | None) -> list[str]:
    cs = scenario.compiled
    if action.targets is None:
        return [] if target is None else [f"{action.name} takes no target"]
    choices = ", ".join(cs.teams[t].name for t in action.targets)
    if target is None:
        return [f"{action.name} needs a target: one of {choices}"]
    if cs.team_index.get(target) not in action.targets:
        return [f"'{target}' is not a target of {action.name}: choose one of {choices}"]
    return []


def _intensity_problems(action: CompiledAction, intensity: str | None) -> list[str]:
    if intensity is None:
        return []
    names = [level.name for level in action.levels if level.name is not None]
    if not names:
        return [f"{action.name} has no intensity levels"]
    if intensity not in names:
        return [
            f"'{intensity}' is not an intensity of {action.name}: choose one of {', '.join(names)}"
        ]
    return []


def _over_budget(scenario: Scenario, move: Move, cost: int, budget: int) -> str:
    cs = scenario.compiled
    parts = [
        f"{cs.actions[cs.action_index[choice.action]].name} {price}"
        for choice in move.actions
        if (price := action_cost(scenario, choice)) is not None
    ]
    return f"the move costs {cost} but the budget is {budget} ({', '.join(parts)})"


def to_plays(scenario: Scenario, move: Move) -> tuple[Play, ...]:
    """A valid move in the engine's own form."""
    cs: CompiledScenario = scenario.compiled
    plays = []
    for choice in move.actions:
        action = cs.actions[cs.action_index[choice.action]]
        target = NO_TARGET if choice.target is None else cs.team_index[choice.target]
        level = _level_index(action, choice.intensity)
        assert level is not None, "to_plays takes validated moves"
        plays.append((action, target, level))
    return tuple(plays)


def from_plays(scenario: Scenario, team_id: str, plays: tuple[Play, ...]) -> Move:
    cs = scenario.compiled
    return Move(
        team_id,
        tuple(
            ActionChoice(
                action.id,
                None if target == NO_TARGET else cs.team_ids[target],
                action.levels[level].name,
            )
            for action, target, level in plays
        ),
    )
