"""Scripted teams for simulations and decision support.

A strategy weighs each action by its stance (see STANCE_WEIGHTS, times the team's
own `bots` weights), then draws actions one by one, without repeats, while the budget lasts
and the preconditions hold. Intensity follows the stance (a hawk goes high on hawkish
actions, low on accommodating ones); targets are drawn among the other teams.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING

from .compiled import NO_TARGET, CompiledAction, CompiledScenario, CompiledTeam
from .conditions import Context
from .moves import Move, Play, from_plays

if TYPE_CHECKING:
    from .scenario import Scenario
    from .state import WorldState

STRATEGIES = ("hawkish", "accommodating", "hedging", "random")
MIXED = "mixed"  # each team draws one of STRATEGIES per simulated exercise
# How much each strategy likes an action of each stance; a team's `bots` weights multiply
# these, and a weight of 0 rules the action out.
STANCE_WEIGHTS = {
    "hawkish": {"hawkish": 4.0, "hedging": 1.5, "neutral": 1.0, "accommodating": 0.25},
    "accommodating": {"accommodating": 4.0, "hedging": 1.5, "neutral": 1.0, "hawkish": 0.25},
    "hedging": {"hedging": 4.0, "neutral": 1.5, "hawkish": 1.0, "accommodating": 1.0},
    "random": {"hawkish": 1.0, "accommodating": 1.0, "hedging": 1.0, "neutral": 1.0},
}
OPPOSITE = {"hawkish": "accommodating", "accommodating": "hawkish"}
_key = itemgetter(0)

__all__ = ["MIXED", "STRATEGIES", "choose_move", "choose_plays", "draw_strategy"]


def draw_strategy(rng: random.Random) -> str:
    return STRATEGIES[int(rng.random() * len(STRATEGIES))]


def choose_move(
    scenario: Scenario, team_id: str, state: WorldState, strategy: str, rng: random.Random
) -> Move:
    """A valid move for `team_id` in the turn after `state`, chosen by `strategy`."""
    if strategy == MIXED:
        strategy = draw_strategy(rng)
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: use one of {', '.join(STRATEGIES)}")
    cs = scenario.compiled
    team = cs.teams[cs.team_index[team_id]]
    c = Context(state.values_for(scenario), set(state.flags), set(state.fired), state.turn + 1)
    return from_plays(scenario, team_id, choose_plays(cs, team, strategy, c, rng))


def choose_plays(
    cs: CompiledScenario, team: CompiledTeam, strategy: str, c: Context, rng: random.Random
) -> tuple[Play, ...]:
    # Weighted sampling without replacement in one pass (Efraimidis and Spirakis): sort by
    # random() ** (1 / weight), then take each action in that order while it is affordable.
    # Skipping an unaffordable action leaves the order of the rest weighted-random, so this
    # equals drawing one action at a time among those still affordable, only faster.
    plan = cs.bot_plans.get((team.index, strategy)) or _plan(cs, team, strategy)
    random = rng.random
    keyed = [(random() ** pick[1], pick) for pick in plan.picks]
    keyed.sort(key=_key, reverse=True)
    budget = team.budget
    chosen = []
    for _, (action, _, levels, targets) in keyed:
        if action.min_cost > budget or (action.requires is not None and not action.requires(c)):
            continue
        level = 0
        if levels is not None:
            affordable = [n for n in levels if action.levels[n].cost <= budget]
            level = affordable[int(random() * len(affordable)) if plan.uniform else 0]
        target = NO_TARGET
        if targets is not None:
            target = targets[int(random() * len(targets))]
        chosen.append((action, target, level))
        budget -= action.levels[level].cost
        if budget < plan.cheapest:
            break
    return tuple(chosen)


@dataclass(frozen=True, slots=True)
class _Plan:
    # (action, 1 / weight, level indices by preference or None, target choices or None)
    picks: tuple[tuple[CompiledAction, float, tuple[int, ...] | None, tuple[int, ...] | None], ...]
    uniform: bool  # levels drawn at random rather than by preference
    cheapest: int


def _plan(cs: CompiledScenario, team: CompiledTeam, strategy: str) -> _Plan:
    custom = team.bot_weights.get(strategy, {})
    picks = []
    for action in (cs.actions[a] for a in team.actions):
        weight = STANCE_WEIGHTS[strategy][action.stance] * custom.get(action.id, 1.0)
        if weight > 0:
            levels = None if len(action.levels) == 1 else _level_preference(action, strategy)
            picks.append((action, 1 / weight, levels, _targets(action, team.index)))
    plan = _Plan(
        picks=tuple(picks),
        uniform=strategy == "random",
        cheapest=min(cs.actions[a].min_cost for a in team.actions),
    )
    cs.bot_plans[(team.index, strategy)] = plan
    return plan


def _level_preference(action: CompiledAction, strategy: str) -> tuple[int, ...]:
    """Level indices, the preferred first: the bot takes the first it can afford."""
    by_value = sorted(range(len(action.levels)), key=lambda n: action.levels[n].value)
    if strategy == "random" or action.stance == OPPOSITE.get(strategy):
        return tuple(by_value)
    if action.stance == strategy:
        return tuple(reversed(by_value))
    return (action.default_level, *(n for n in by_value if n != action.default_level))


def _targets(action: CompiledAction, team: int) -> tuple[int, ...] | None:
    if action.targets is None:
        return None
    return tuple(t for t in action.targets if t != team) or action.targets
