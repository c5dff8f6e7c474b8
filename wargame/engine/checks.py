"""Semantic checks: what the schema alone cannot see (cross-references, impossibilities).

Each check yields (path in the file, message); the loader turns paths into line numbers.
The checks run on whichever items passed the schema, so that one broken item does not hide
the problems of the others.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .conditions import (
    FiredCondition,
    FlagCondition,
    IndicatorCondition,
    PlayedCondition,
    SucceededCondition,
    TurnCondition,
    walk,
)
from .numbers import fmt, level_cost

if TYPE_CHECKING:
    from .scenario import Action, Hold, Turns

Loc = tuple[Any, ...]
Problem = tuple[Loc, str]

# Where a condition is evaluated decides what it can see.
WHERE = {
    "requires": "a precondition (checked before the moves are known)",
    "event": "an event (events come before the moves)",
    "future": "a future (futures judge the final state, not a turn's moves)",
    "modifier": "a modifier (modifiers come before the rolls)",
}
SEES_MOVES = {"modifier", "rule"}


@dataclass
class Parts:
    turns: Turns | None
    budget: int | None
    hold: Hold | None
    items: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    known: dict[str, set[str]] = field(default_factory=dict)
    listed_actions: set[str] = field(default_factory=set)
    flags_set: set[str] = field(default_factory=set)

    def learn_from_raw(self, data: dict[str, Any]) -> None:
        """Ids, menus and flags as written, whether or not their items are valid."""
        for section in ("indicators", "teams", "actions", "events"):
            self.known[section] = {
                raw["id"] for raw in _raw_items(data.get(section)) if isinstance(raw.get("id"), str)
            }
        for team in _raw_items(data.get("teams")):
            self.listed_actions.update(_strings(team.get("actions")))
        for section in ("actions", "rules", "events"):
            for raw in _raw_items(data.get(section)):
                self.flags_set.update(_strings(raw.get("sets_flags")))


def _raw_items(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def check(parts: Parts) -> Iterator[Problem]:
    yield from _duplicates(parts)
    yield from _indicators(parts)
    yield from _teams(parts)
    yield from _actions(parts)
    yield from _hold(parts)
    yield from _rules(parts)
    yield from _events(parts)
    yield from _futures(parts)


def _duplicates(parts: Parts) -> Iterator[Problem]:
    kinds = {
        "indicators": "indicator",
        "teams": "team",
        "actions": "action",
        "rules": "rule",
        "events": "event",
        "futures": "future",
        "assumptions": "assumption",
        "pre": "questionnaire item",
        "post": "questionnaire item",
    }
    for section, kind in kinds.items():
        loc: Loc = ("questionnaires", section) if section in ("pre", "post") else (section,)
        yield from _unique(parts.items.get(section, []), loc, kind)
    for index, team in parts.items.get("teams", []):
        objectives = list(enumerate(team.briefing.objectives))
        yield from _unique(objectives, ("teams", index, "briefing", "objectives"), "objective")
    for section in ("pre", "post"):
        for index, item in parts.items.get(section, []):
            choices = list(enumerate(item.choices or ()))
            yield from _unique(choices, ("questionnaires", section, index, "choices"), "choice")


def _unique(items: Iterable[tuple[int, Any]], loc: Loc, kind: str) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, item in items:
        if item.id in seen:
            yield (*loc, index, "id"), f"duplicate {kind} id '{item.id}'"
        seen.add(item.id)


def _indicators(parts: Parts) -> Iterator[Problem]:
    for index, indicator in parts.items.get("indicators", []):
        loc = ("indicators", index)
        if indicator.min >= indicator.max:
            yield (
                (*loc, "max"),
                (
                    f"indicator '{indicator.id}': max {fmt(indicator.max)} must be above "
                    f"min {fmt(indicator.min)}"
                ),
            )
        elif not indicator.min <= indicator.start <= indicator.max:
            yield (
                (*loc, "start"),
                (
                    f"indicator '{indicator.id}': start {fmt(indicator.start)} is outside "
                    f"{fmt(indicator.min)}..{fmt(indicator.max)}"
                ),
            )


def _teams(parts: Parts) -> Iterator[Problem]:
    actions = {action.id: action for _, action in parts.items.get("actions", [])}
    for index, team in parts.items.get("teams", []):
        loc = ("teams", index)
        budget = team.budget if team.budget is not None else parts.budget
        for position, action_id in enumerate(team.actions):
            where = (*loc, "actions", position)
            if action_id not in parts.known["actions"]:
                yield where, f"team '{team.id}' lists unknown action '{action_id}'"
            elif action_id in team.actions[:position]:
                yield where, f"team '{team.id}' lists action '{action_id}' twice"
            elif action_id in actions and budget is not None:
                cheapest = min_cost(actions[action_id])
                if cheapest > budget:
                    yield (
                        where,
                        (
                            f"action '{action_id}' costs at least {cheapest}, more than team "
                            f"'{team.id}''s budget of {budget}"
                        ),
                    )
        for position, objective in enumerate(team.briefing.objectives):
            where = (*loc, "briefing", "objectives", position, "indicator")
            yield from _indicator_known(parts, objective.indicator, where)
        for strategy, weights in team.bots.items():
            for action_id in weights:
                if action_id not in team.actions:
                    yield (
                        (*loc, "bots", strategy, action_id),
                        (f"bot weight for '{action_id}', which is not on team '{team.id}''s menu"),
                    )


def min_cost(action: Action) -> int:
    if action.intensity is None:
        return action.cost
    return min(level_cost(action.cost, level) for level in action.intensity.levels.values())


def _actions(parts: Parts) -> Iterator[Problem]:
    for index, action in parts.items.get("actions", []):
        loc = ("actions", index)
        if action.id not in parts.listed_actions:
            yield (*loc, "id"), f"action '{action.id}' is on no team's menu"
        yield from _targets(parts, action, loc)
        yield from _effects(parts, action.effects, (*loc, "effects"))
        yield from _effects(parts, action.failure_effects, (*loc, "failure_effects"))
        for target, effects in action.effects_by_target.items():
            yield from _effects(parts, effects, (*loc, "effects_by_target", target))
        yield from _chance(action, loc)
        yield from _narratives(action, loc)
        if action.requires is not None:
            yield from _condition(parts, action.requires, (*loc, "requires"), "requires")
        for position, modifier in enumerate(action.modifiers):
            where = (*loc, "modifiers", position, "when")
            yield from _condition(parts, modifier.when, where, "modifier")


def _targets(parts: Parts, action: Action, loc: Loc) -> Iterator[Problem]:
    choices = action.target.choices if action.target else ()
    for position, team in enumerate(choices):
        if team not in parts.known["teams"]:
            yield (*loc, "target", "choices", position), f"unknown team '{team}' in target choices"
    for target in action.effects_by_target:
        if target not in choices:
            yield (
                (*loc, "effects_by_target", target),
                (f"effects_by_target names '{target}', which is not one of the action's targets"),
            )


def _chance(action: Action, loc: Loc) -> Iterator[Problem]:
    if action.probability is None:
        if action.failure_effects:
            yield (
                (*loc, "failure_effects"),
                "failure_effects can never apply: the action has no probability, so never fails",
            )
        if action.modifiers:
            yield (*loc, "modifiers"), "modifiers need a probability to modify"
        return
    if not 0 <= action.probability <= 1:
        yield (*loc, "probability"), f"probability {fmt(action.probability)} is outside 0..1"
    if action.narrative.failure is None:
        yield (
            (*loc, "narrative"),
            ("narrative.failure is required because the action has a probability"),
        )


def _narratives(action: Action, loc: Loc) -> Iterator[Problem]:
    allowed = {"team"}
    allowed |= {"target"} if action.target else set()
    allowed |= {"intensity"} if action.intensity else set()
    for outcome in ("success", "failure"):
        template = getattr(action.narrative, outcome)
        if template is not None:
            yield from _template(template, allowed, (*loc, "narrative", outcome))


def _template(template: str, allowed: set[str], loc: Loc) -> Iterator[Problem]:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        yield loc, f"narrative template is malformed: {exc} (write {{{{ and }}}} for braces)"
        return
    for name in names:
        if name not in allowed:
            usable = ", ".join(f"{{{known}}}" for known in sorted(allowed))
            yield loc, f"unknown placeholder {{{name}}} in narrative (usable here: {usable})"


def _hold(parts: Parts) -> Iterator[Problem]:
    if parts.hold is not None:
        yield from _effects(parts, parts.hold.effects, ("hold", "effects"))
        yield from _template(parts.hold.narrative, {"team"}, ("hold", "narrative"))


def _rules(parts: Parts) -> Iterator[Problem]:
    for index, rule in parts.items.get("rules", []):
        yield from _effects(parts, rule.effects, ("rules", index, "effects"))
        yield from _condition(parts, rule.when, ("rules", index, "when"), "rule")


def _events(parts: Parts) -> Iterator[Problem]:
    for index, event in parts.items.get("events", []):
        loc = ("events", index)
        yield from _effects(parts, event.effects, (*loc, "effects"))
        if event.probability is not None and not 0 <= event.probability <= 1:
            yield (*loc, "probability"), f"probability {fmt(event.probability)} is outside 0..1"
        if event.turn is not None and parts.turns and event.turn > parts.turns.max:
            yield (
                (*loc, "turn"),
                (
                    f"event '{event.id}' can never happen: turn {event.turn} is beyond "
                    f"turns.max {parts.turns.max}"
                ),
            )
        if event.when is not None:
            yield from _condition(parts, event.when, (*loc, "when"), "event")


def _futures(parts: Parts) -> Iterator[Problem]:
    futures = parts.items.get("futures", [])
    for position, (index, future) in enumerate(futures):
        last = position == len(futures) - 1
        if future.when is None and not last:
            yield (
                ("futures", index),
                (f"future '{future.id}' has no `when`, but only the last future is the default"),
            )
        if future.when is not None and last:
            yield (
                ("futures", index, "when"),
                (f"the last future '{future.id}' is the default and must have no `when`"),
            )
        if future.when is not None:
            yield from _condition(parts, future.when, ("futures", index, "when"), "future")


def _effects(parts: Parts, effects: dict[str, float], loc: Loc) -> Iterator[Problem]:
    for indicator in effects:
        yield from _indicator_known(parts, indicator, (*loc, indicator))


def _indicator_known(parts: Parts, indicator: str, loc: Loc) -> Iterator[Problem]:
    if indicator not in parts.known["indicators"]:
        yield loc, f"unknown indicator '{indicator}'"


# --- conditions -------------------------------------------------------------------------


def _condition(parts: Parts, condition: Any, loc: Loc, where: str) -> Iterator[Problem]:
    for part, part_loc in walk(condition, loc):
        match part:
            case IndicatorCondition():
                yield from _indicator_condition(parts, part, part_loc)
            case PlayedCondition():
                yield from _played(parts, part, part_loc, where)
            case SucceededCondition(succeeded=action):
                yield from _action_known(parts, action, (*part_loc, "succeeded"))
                if where != "rule":
                    yield (
                        (*part_loc, "succeeded"),
                        (
                            f"`succeeded` is only known in rules (they run after the rolls), "
                            f"not in {WHERE[where]}"
                        ),
                    )
            case FlagCondition(flag=flag) if flag not in parts.flags_set:
                yield (
                    (*part_loc, "flag"),
                    (f"flag '{flag}' can never be set: no sets_flags lists it"),
                )
            case FiredCondition(fired=event) if event not in parts.known["events"]:
                yield (*part_loc, "fired"), f"unknown event '{event}'"
            case TurnCondition():
                yield from _turn(parts, part, part_loc)


def _action_known(parts: Parts, action: str, loc: Loc) -> Iterator[Problem]:
    if action not in parts.known["actions"]:
        yield loc, f"unknown action '{action}'"


def _played(parts: Parts, part: PlayedCondition, loc: Loc, where: str) -> Iterator[Problem]:
    yield from _action_known(parts, part.played, (*loc, "played"))
    if where not in SEES_MOVES:
        yield (*loc, "played"), f"`played` can never be true in {WHERE[where]}"
    if part.target is None:
        return
    if part.target not in parts.known["teams"]:
        yield (*loc, "target"), f"unknown team '{part.target}'"
        return
    actions = {action.id: action for _, action in parts.items.get("actions", [])}
    action = actions.get(part.played)
    if action is not None and part.target not in (action.target.choices if action.target else ()):
        yield (
            (*loc, "target"),
            (f"condition can never be true: '{part.played}' cannot be aimed at '{part.target}'"),
        )


def _indicator_condition(parts: Parts, part: IndicatorCondition, loc: Loc) -> Iterator[Problem]:
    if part.indicator not in parts.known["indicators"]:
        yield (*loc, "indicator"), f"unknown indicator '{part.indicator}'"
        return
    ranges = {i.id: (i.min, i.max) for _, i in parts.items.get("indicators", [])}
    if part.indicator not in ranges:
        return
    low, high = ranges[part.indicator]
    lower, upper = part.lower, part.upper
    never = f"condition can never be true: {part.indicator}"
    if lower is not None and (lower[0] > high or (lower[1] and lower[0] >= high)):
        key = "gt" if lower[1] else "gte"
        yield (*loc, key), f"{never} is at most {fmt(high)} ({key} {fmt(lower[0])})"
    elif upper is not None and (upper[0] < low or (upper[1] and upper[0] <= low)):
        key = "lt" if upper[1] else "lte"
        yield (*loc, key), f"{never} is at least {fmt(low)} ({key} {fmt(upper[0])})"
    elif lower is not None and upper is not None:
        empty = lower[0] > upper[0] or (lower[0] == upper[0] and (lower[1] or upper[1]))
        if empty:
            low_key, high_key = ("gt" if lower[1] else "gte"), ("lt" if upper[1] else "lte")
            yield (
                (*loc, low_key),
                (
                    f"{never} {low_key} {fmt(lower[0])} and {high_key} {fmt(upper[0])} "
                    "leave no value"
                ),
            )


def _turn(parts: Parts, part: TurnCondition, loc: Loc) -> Iterator[Problem]:
    low, high = part.turn.gte, part.turn.lte
    never = "condition can never be true:"
    if low is not None and high is not None and low > high:
        yield (*loc, "turn", "gte"), f"{never} turn gte {low} is above lte {high}"
    elif low is not None and parts.turns is not None and low > parts.turns.max:
        yield (*loc, "turn", "gte"), f"{never} turn {low} is beyond turns.max {parts.turns.max}"
    elif high is not None and high < 1:
        yield (*loc, "turn", "lte"), f"{never} turns start at 1 (lte {high})"
