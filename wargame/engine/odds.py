"""The odds of a package's actions before the turn is played, for decision support.

An action's effective probability is its base plus the modifiers whose condition holds
(see adjudicate._actions). Before the turn, some of those conditions are already decided by
the state and the team's own package; others hang on what the other teams will play. This
module tells the two apart with a three-valued reading of the condition: True, False, or
None for "depends on what others play".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .compiled import NO_TARGET
from .conditions import (
    AllCondition,
    AnyCondition,
    Condition,
    Context,
    NotCondition,
    PlayedCondition,
    SucceededCondition,
    compile_condition,
)
from .moves import Move, to_plays

if TYPE_CHECKING:
    from .scenario import Scenario
    from .state import WorldState


@dataclass(frozen=True)
class ModifierOdds:
    reason: str
    add: float
    applies: bool | None  # None: depends on what the other teams play this turn


@dataclass(frozen=True)
class ActionOdds:
    action: str
    name: str
    base: float
    probability: float  # base + the modifiers that apply now, clamped to [0, 1]
    low: float  # the worst and best the undecided modifiers can make it, clamped
    high: float
    modifiers: tuple[ModifierOdds, ...]

    @property
    def depends_on_others(self) -> bool:
        return any(m.applies is None for m in self.modifiers)


def package_odds(scenario: Scenario, state: WorldState, move: Move) -> list[ActionOdds]:
    """The actions of a valid `move` that can fail, lowest probability first."""
    cs = scenario.compiled
    plays = to_plays(scenario, move)
    own_menu = set(cs.teams[cs.team_index[move.team]].actions)
    others_menu = {a for team in cs.teams if team.id != move.team for a in team.actions}
    played = {action.index for action, _, _ in plays}
    targeted = {(action.index, target) for action, target, _ in plays if target != NO_TARGET}
    c = Context(
        state.values_for(scenario),
        set(state.flags),
        set(state.fired),
        state.turn + 1,
        played,
        targeted,
    )
    result = []
    for action, _, _ in plays:
        if action.probability is None:
            continue
        spec = scenario.action(action.id)
        modifiers = tuple(
            ModifierOdds(
                m.reason,
                float(m.add),
                _holds(m.when, c, scenario, own_menu - others_menu),
            )
            for m in spec.modifiers
        )
        now = action.probability + sum(m.add for m in modifiers if m.applies)
        undecided = [m.add for m in modifiers if m.applies is None]
        result.append(
            ActionOdds(
                action=action.id,
                name=action.name,
                base=action.probability,
                probability=_clamp(now),
                low=_clamp(now + sum(a for a in undecided if a < 0)),
                high=_clamp(now + sum(a for a in undecided if a > 0)),
                modifiers=modifiers,
            )
        )
    return sorted(result, key=lambda odds: (odds.probability, odds.low))


def _clamp(p: float) -> float:
    return 0.0 if p < 0.0 else 1.0 if p > 1.0 else p


def _holds(
    condition: Condition, c: Context, scenario: Scenario, only_ours: set[int]
) -> bool | None:
    """Three-valued: whether `condition` holds now, or None when other teams decide it.

    `only_ours` are the indices of actions no other team can play: whether they are played is
    known from the package itself."""
    cs = scenario.compiled
    match condition:
        case AllCondition():
            parts = [_holds(part, c, scenario, only_ours) for part in condition.all]
            return False if False in parts else None if None in parts else True
        case AnyCondition():
            parts = [_holds(part, c, scenario, only_ours) for part in condition.any]
            return True if True in parts else None if None in parts else False
        case NotCondition():
            inner = _holds(condition.not_, c, scenario, only_ours)
            return None if inner is None else not inner
        case PlayedCondition(played=action_id):
            if compile_condition(condition, cs)(c):
                return True  # the package itself plays it
            return False if cs.action_index[action_id] in only_ours else None
        case SucceededCondition():
            return None
    return compile_condition(condition, cs)(c)
