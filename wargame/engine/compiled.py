"""A validated scenario turned into flat structures for the hot path.

Indicators, teams and actions become integer indices, conditions become closures, and each
action's effects are merged per target, so adjudicating a turn touches only lists, tuples
and small ints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .conditions import Check, compile_condition
from .numbers import level_cost

if TYPE_CHECKING:
    from .scenario import Action, Event, Indicator, Rule, Scenario, Team

Deltas = tuple[tuple[int, float], ...]
NO_TARGET = -1


@dataclass(frozen=True, slots=True)
class Level:
    name: str | None
    value: float
    cost: int


@dataclass(frozen=True, slots=True, eq=False)
class CompiledAction:
    index: int
    id: str
    name: str
    stance: str
    levels: tuple[Level, ...]  # one unnamed level of 1.0 when the action has no intensity
    default_level: int
    min_cost: int
    targets: tuple[int, ...] | None
    requires: Check | None
    probability: float | None
    modifiers: tuple[tuple[Check, float, str], ...]
    effects: dict[int, Deltas]  # target team index (or NO_TARGET) -> merged deltas
    failure: Deltas
    flags: tuple[str, ...]
    success_text: str
    failure_text: str


@dataclass(frozen=True, slots=True, eq=False)
class CompiledTeam:
    index: int
    id: str
    name: str
    budget: int
    actions: tuple[int, ...]
    bot_weights: dict[str, dict[str, float]]  # the scenario's `bots`, strategy -> action


@dataclass(frozen=True, slots=True, eq=False)
class CompiledEvent:
    id: str
    title: str
    text: str
    turn: int | None
    when: Check | None
    probability: float | None
    once: bool
    effects: Deltas
    flags: tuple[str, ...]


@dataclass(frozen=True, slots=True, eq=False)
class CompiledRule:
    id: str
    name: str
    narrative: str
    when: Check
    effects: Deltas
    flags: tuple[str, ...]


class CompiledScenario:
    def __init__(self, scenario: Scenario) -> None:
        self.indicator_ids = tuple(i.id for i in scenario.indicators)
        self.indicator_index = {id_: n for n, id_ in enumerate(self.indicator_ids)}
        self.mins = tuple(float(i.min) for i in scenario.indicators)
        self.maxs = tuple(float(i.max) for i in scenario.indicators)
        self.starts = tuple(float(i.start) for i in scenario.indicators)
        self.team_ids = tuple(t.id for t in scenario.teams)
        self.team_index = {id_: n for n, id_ in enumerate(self.team_ids)}
        self.action_index = {a.id: n for n, a in enumerate(scenario.actions)}
        self.indicators_by_id: dict[str, Indicator] = {i.id: i for i in scenario.indicators}
        self.teams_by_id: dict[str, Team] = {t.id: t for t in scenario.teams}
        self.actions_by_id: dict[str, Action] = {a.id: a for a in scenario.actions}
        self.events_by_id: dict[str, Event] = {e.id: e for e in scenario.events}
        self.actions = tuple(self._action(n, a) for n, a in enumerate(scenario.actions))
        self.teams = tuple(self._team(n, t, scenario.budget) for n, t in enumerate(scenario.teams))
        self.hold_effects = self._deltas(scenario.hold.effects)
        self.hold_text = scenario.hold.narrative
        self.events = tuple(self._event(e) for e in scenario.events)
        # The events that may be due at a turn, in file order; most turns have no schedule.
        self.unscheduled_events = tuple(e for e in self.events if e.turn is None)
        self.events_at = {
            turn: tuple(e for e in self.events if e.turn in (None, turn))
            for turn in {e.turn for e in self.events if e.turn is not None}
        }
        self.rules = tuple(self._rule(r) for r in scenario.rules)
        self.bot_plans: dict[tuple[int, str], Any] = {}  # filled by bots.py as needed
        self.futures = tuple(
            (f.id, None if f.when is None else compile_condition(f.when, self))
            for f in scenario.futures
        )

    # Names, for explanations (see conditions.Names).
    def indicator_name(self, indicator_id: str) -> str:
        return self.indicators_by_id[indicator_id].name

    def action_name(self, action_id: str) -> str:
        return self.actions_by_id[action_id].name

    def team_name(self, team_id: str) -> str:
        return self.teams_by_id[team_id].name

    def event_title(self, event_id: str) -> str:
        return self.events_by_id[event_id].title

    def _deltas(self, effects: dict[str, float]) -> Deltas:
        return tuple((self.indicator_index[k], float(v)) for k, v in effects.items())

    def _merged(self, *effects: dict[str, float]) -> Deltas:
        total: dict[str, float] = {}
        for part in effects:
            for indicator, amount in part.items():
                total[indicator] = total.get(indicator, 0.0) + amount
        return self._deltas(total)

    def _action(self, index: int, action: Action) -> CompiledAction:
        levels, default = _levels(action)
        targets = None
        effects = {NO_TARGET: self._merged(action.effects)}
        if action.target is not None:
            targets = tuple(self.team_index[t] for t in action.target.choices)
            effects = {
                self.team_index[t]: self._merged(
                    action.effects, action.effects_by_target.get(t, {})
                )
                for t in action.target.choices
            }
        return CompiledAction(
            index=index,
            id=action.id,
            name=action.name,
            stance=action.stance,
            levels=levels,
            default_level=default,
            min_cost=min(level.cost for level in levels),
            targets=targets,
            requires=self._check(action.requires),
            probability=None if action.probability is None else float(action.probability),
            modifiers=tuple(
                (compile_condition(m.when, self), float(m.add), m.reason) for m in action.modifiers
            ),
            effects=effects,
            failure=self._deltas(action.failure_effects),
            flags=action.sets_flags,
            success_text=action.narrative.success,
            failure_text=action.narrative.failure or "",
        )

    def _check(self, condition: Any) -> Check | None:
        return None if condition is None else compile_condition(condition, self)

    def _team(self, index: int, team: Team, default_budget: int) -> CompiledTeam:
        actions = tuple(self.action_index[a] for a in team.actions)
        return CompiledTeam(
            index=index,
            id=team.id,
            name=team.name,
            budget=default_budget if team.budget is None else team.budget,
            actions=actions,
            bot_weights=dict(team.bots),
        )

    def _event(self, event: Event) -> CompiledEvent:
        return CompiledEvent(
            id=event.id,
            title=event.title,
            text=event.text,
            turn=event.turn,
            when=self._check(event.when),
            probability=None if event.probability is None else float(event.probability),
            once=event.once,
            effects=self._deltas(event.effects),
            flags=event.sets_flags,
        )

    def _rule(self, rule: Rule) -> CompiledRule:
        return CompiledRule(
            id=rule.id,
            name=rule.name,
            narrative=rule.narrative,
            when=compile_condition(rule.when, self),
            effects=self._deltas(rule.effects),
            flags=rule.sets_flags,
        )


def _levels(action: Action) -> tuple[tuple[Level, ...], int]:
    if action.intensity is None:
        return (Level(None, 1.0, action.cost),), 0
    names = list(action.intensity.levels)
    levels = tuple(
        Level(name, float(value), level_cost(action.cost, value))
        for name, value in action.intensity.levels.items()
    )
    return levels, names.index(action.intensity.default)


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    return CompiledScenario(scenario)
