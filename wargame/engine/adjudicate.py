"""Adjudicating a turn: events, then every team's actions, then the interaction rules.

`resolve_turn` is the one implementation of the rules. It works on a mutable `Live` state
and, when given a `Trace`, also records why every number moved; the Monte Carlo simulation
calls it without a trace, so both paths draw the same numbers and reach the same state.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from .compiled import NO_TARGET, CompiledAction, CompiledScenario, Deltas
from .conditions import Context
from .moves import InvalidMove, Move, Play, to_plays, validate_move
from .numbers import fmt, signed
from .state import WorldState, state_from_values

if TYPE_CHECKING:
    from .scenario import Scenario


def turn_rng(seed: int, turn: int) -> random.Random:
    """The random numbers for one turn of one exercise, reproducible from (seed, turn)."""
    return random.Random(f"{seed}:{turn}")


# --- the result -------------------------------------------------------------------------


@dataclass(frozen=True)
class Roll:
    team: str
    action: str
    target: str | None
    intensity: str | None
    base: float | None  # None: the action cannot fail and nothing was drawn
    modifiers: tuple[tuple[str, float], ...]  # (reason, add) of the modifiers that applied
    probability: float | None
    drawn: float | None
    success: bool


@dataclass(frozen=True)
class EventRoll:
    id: str
    title: str
    text: str
    probability: float | None
    drawn: float | None
    fired: bool


@dataclass(frozen=True)
class FiredRule:
    id: str
    name: str
    narrative: str


@dataclass(frozen=True)
class Delta:
    indicator: str
    amount: float  # as applied, after clamping to the indicator's bounds
    cause: str  # action | event | rule | hold
    cause_id: str
    team: str | None
    reason: str


@dataclass(frozen=True)
class Adjudication:
    turn: int  # the turn adjudicated, 1-based
    new_state: WorldState
    rolls: tuple[Roll, ...]
    events: tuple[EventRoll, ...]  # events that fired
    missed_events: tuple[EventRoll, ...]  # events that were due but failed their roll
    rules: tuple[FiredRule, ...]
    deltas: tuple[Delta, ...]
    narratives: Mapping[str, str]  # team id -> what happened to its move
    world_narrative: str
    held: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "new_state": self.new_state.to_dict(),
            "rolls": [
                {**asdict(roll), "modifiers": [list(m) for m in roll.modifiers]}
                for roll in self.rolls
            ],
            "events": [asdict(event) for event in self.events],
            "missed_events": [asdict(event) for event in self.missed_events],
            "rules": [asdict(rule) for rule in self.rules],
            "deltas": [asdict(delta) for delta in self.deltas],
            "narratives": dict(self.narratives),
            "world_narrative": self.world_narrative,
            "held": list(self.held),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Adjudication:
        return cls(
            turn=data["turn"],
            new_state=WorldState.from_dict(data["new_state"]),
            rolls=tuple(
                Roll(**{**r, "modifiers": tuple(tuple(m) for m in r["modifiers"])})
                for r in data["rolls"]
            ),
            events=tuple(EventRoll(**e) for e in data["events"]),
            missed_events=tuple(EventRoll(**e) for e in data["missed_events"]),
            rules=tuple(FiredRule(**r) for r in data["rules"]),
            deltas=tuple(Delta(**d) for d in data["deltas"]),
            narratives=dict(data["narratives"]),
            world_narrative=data["world_narrative"],
            held=tuple(data["held"]),
        )


# --- the rules ----------------------------------------------------------------------------


@dataclass(slots=True)
class Live:
    """The mutable state the hot path works on."""

    turn: int
    values: list[float]
    flags: set[str]
    fired: list[str]
    fired_set: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, scenario: Scenario, state: WorldState) -> Live:
        return cls(
            state.turn,
            state.values_for(scenario),
            set(state.flags),
            list(state.fired),
            set(state.fired),
        )

    def snapshot(self, scenario: Scenario) -> WorldState:
        return state_from_values(scenario, self.turn, self.values, self.flags, self.fired)


def resolve_turn(
    cs: CompiledScenario,
    live: Live,
    plays: Sequence[tuple[Play, ...] | None],
    rng: random.Random,
    trace: Trace | None = None,
) -> None:
    """Play one turn on `live`. `plays` has one entry per team in scenario order: its
    chosen actions, or None for a team that holds."""
    played: set[int] = set()
    targeted: set[tuple[int, int]] = set()
    for team_plays in plays:
        for action, target, _ in team_plays or ():
            played.add(action.index)
            if target != NO_TARGET:
                targeted.add((action.index, target))
    live.turn += 1
    c = Context(live.values[:], live.flags, live.fired_set, live.turn, played, targeted, set())
    _events(cs, live, c, rng, trace)
    for team, team_plays in enumerate(plays):
        if team_plays is None:
            if trace is not None:
                trace.hold(team)
            _apply(live.values, cs, cs.hold_effects, trace)
        else:
            _actions(cs, live, c, team, team_plays, rng, trace)
    for rule in cs.rules:
        if rule.when(c):
            live.flags.update(rule.flags)
            if trace is not None:
                trace.rule(rule)
            _apply(live.values, cs, rule.effects, trace)


def _events(
    cs: CompiledScenario, live: Live, c: Context, rng: random.Random, trace: Trace | None
) -> None:
    for event in cs.events_at.get(live.turn, cs.unscheduled_events):
        if (event.once and event.id in live.fired_set) or (
            event.when is not None and not event.when(c)
        ):
            continue
        drawn = None
        if event.probability is not None:
            drawn = rng.random()
            if drawn >= event.probability:
                if trace is not None:
                    trace.event(event, drawn, fired=False)
                continue
        live.fired.append(event.id)
        live.fired_set.add(event.id)
        live.flags.update(event.flags)
        if trace is not None:
            trace.event(event, drawn, fired=True)
        _apply(live.values, cs, event.effects, trace)


def _actions(
    cs: CompiledScenario,
    live: Live,
    c: Context,
    team: int,
    plays: tuple[Play, ...],
    rng: random.Random,
    trace: Trace | None,
) -> None:
    values, mins, maxs = live.values, cs.mins, cs.maxs
    for play in plays:
        action, target, level = play
        p = action.probability
        success = True
        drawn = applied = None
        if p is not None:
            if trace is not None:
                applied = []
            for check, add, reason in action.modifiers:
                if check(c):
                    p += add
                    if applied is not None:
                        applied.append((reason, add))
            p = 0.0 if p < 0.0 else 1.0 if p > 1.0 else p
            drawn = rng.random()
            success = drawn < p
        if success:
            c.succeeded.add(action.index)
            if action.flags:
                live.flags.update(action.flags)
            effects = action.effects[target]
        else:
            effects = action.failure
        if trace is not None:
            trace.roll(team, play, applied, p, drawn, success)
        scale = action.levels[level].value
        # _apply, inlined: this loop is the hottest of a simulation
        for i, amount in effects:
            old = values[i]
            new = old + amount * scale
            if new > maxs[i]:
                new = maxs[i]
            elif new < mins[i]:
                new = mins[i]
            values[i] = new
            if trace is not None:
                trace.delta(i, new - old, amount * scale)


def _apply(values: list[float], cs: CompiledScenario, effects: Deltas, trace: Trace | None) -> None:
    mins, maxs = cs.mins, cs.maxs
    for i, amount in effects:
        old = values[i]
        new = old + amount
        if new > maxs[i]:
            new = maxs[i]
        elif new < mins[i]:
            new = mins[i]
        values[i] = new
        if trace is not None:
            trace.delta(i, new - old, amount)


# --- the full path: the same rules, with every reason written down --------------------


class Trace:
    """Collects what `resolve_turn` did, with the words a player reads."""

    def __init__(self, scenario: Scenario) -> None:
        self.cs = scenario.compiled
        self.rolls: list[Roll] = []
        self.events: list[EventRoll] = []
        self.missed: list[EventRoll] = []
        self.rules: list[FiredRule] = []
        self.deltas: list[Delta] = []
        self.stories: dict[str, list[str]] = {team: [] for team in self.cs.team_ids}
        # (kind, id, team index) and reason of the effects about to be applied
        self.cause: tuple[str, str, int | None] = ("hold", "hold", None)
        self.reason = ""

    def event(self, event: Any, drawn: float | None, fired: bool) -> None:
        record = EventRoll(event.id, event.title, event.text, event.probability, drawn, fired)
        (self.events if fired else self.missed).append(record)
        self.cause = ("event", event.id, None)
        self.reason = f"Event: {event.title}"

    def roll(
        self,
        team: int,
        play: Play,
        modifiers: list[tuple[str, float]] | None,
        probability: float | None,
        drawn: float | None,
        success: bool,
    ) -> None:
        action, target, level = play
        team_id = self.cs.team_ids[team]
        target_id = None if target == NO_TARGET else self.cs.team_ids[target]
        intensity = action.levels[level].name
        self.rolls.append(
            Roll(
                team=team_id,
                action=action.id,
                target=target_id,
                intensity=intensity,
                base=action.probability,
                modifiers=tuple(modifiers or ()),
                probability=probability,
                drawn=drawn,
                success=success,
            )
        )
        self.stories[team_id].append(self._story(action, team, target, intensity, success))
        self.cause = ("action", action.id, team)
        self.reason = self._action_reason(action, team, target, intensity, success)

    def _story(
        self, action: CompiledAction, team: int, target: int, intensity: str | None, success: bool
    ) -> str:
        template = action.success_text if success else action.failure_text
        return template.format(
            team=self.cs.teams[team].name,
            target="" if target == NO_TARGET else self.cs.teams[target].name,
            intensity=intensity or "",
        )

    def _action_reason(
        self, action: CompiledAction, team: int, target: int, intensity: str | None, success: bool
    ) -> str:
        reason = f"{self.cs.teams[team].name}: {action.name}"
        if target != NO_TARGET:
            reason += f" aimed at {self.cs.teams[target].name}"
        if intensity is not None:
            reason += f" ({intensity})"
        return reason + (" succeeded" if success else " failed")

    def rule(self, rule: Any) -> None:
        self.rules.append(FiredRule(rule.id, rule.name, rule.narrative))
        self.cause = ("rule", rule.id, None)
        self.reason = f"Rule: {rule.name}"

    def hold(self, team: int) -> None:
        name = self.cs.teams[team].name
        self.stories[self.cs.team_ids[team]].append(self.cs.hold_text.format(team=name))
        self.cause = ("hold", "hold", team)
        self.reason = f"{name} submitted no move and holds"

    def delta(self, i: int, applied: float, requested: float) -> None:
        kind, cause_id, team = self.cause
        reason = self.reason
        if applied != requested:
            bound = self.cs.maxs[i] if requested > applied else self.cs.mins[i]
            side = "maximum" if requested > applied else "minimum"
            reason += f" ({signed(requested)} asked, capped at the {side} {fmt(bound)})"
        self.deltas.append(
            Delta(
                indicator=self.cs.indicator_ids[i],
                amount=applied,
                cause=kind,
                cause_id=cause_id,
                team=None if team is None else self.cs.team_ids[team],
                reason=reason,
            )
        )


def adjudicate(
    scenario: Scenario, state: WorldState, moves: Mapping[str, Move], rng: random.Random
) -> Adjudication:
    """Adjudicate the turn after `state`. Raises InvalidMove, changing nothing, if any move
    breaks the rules; a team without a move holds."""
    cs = scenario.compiled
    reasons = {team: _move_problems(scenario, state, team, move) for team, move in moves.items()}
    reasons = {team: problems for team, problems in reasons.items() if problems}
    if reasons:
        raise InvalidMove(reasons)
    plays = [to_plays(scenario, moves[team]) if team in moves else None for team in cs.team_ids]
    live = Live.of(scenario, state)
    trace = Trace(scenario)
    resolve_turn(cs, live, plays, rng, trace)
    return Adjudication(
        turn=live.turn,
        new_state=live.snapshot(scenario),
        rolls=tuple(trace.rolls),
        events=tuple(trace.events),
        missed_events=tuple(trace.missed),
        rules=tuple(trace.rules),
        deltas=tuple(trace.deltas),
        narratives={team: " ".join(story) for team, story in trace.stories.items()},
        world_narrative="\n\n".join(
            [event.text for event in trace.events] + [rule.narrative for rule in trace.rules]
        ),
        held=tuple(team for team, p in zip(cs.team_ids, plays, strict=True) if p is None),
    )


def _move_problems(scenario: Scenario, state: WorldState, team: str, move: Move) -> list[str]:
    if move.team != team:
        return [f"the move is filed under '{team}' but is for '{move.team}'"]
    return validate_move(scenario, state, move)
