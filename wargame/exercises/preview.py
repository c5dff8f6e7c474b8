"""Decision support: what a team's package is likely to do, beside the move form.

The estimate is the engine's own Monte Carlo (``engine.simulate``): from the state published
before this turn, the team plays the package it has ticked, the other teams are played by
the scenario's bot strategies ("mixed"), and the exercise runs to its last turn. The same is
done for "hold" (an empty package), the baseline every figure is compared with.

Honesty: the seed depends only on the exercise's seed and the turn, so a preview is
reproducible and equals a direct ``simulate`` call with the same arguments. Package and
baseline share that seed (common random numbers): the other teams' draws mostly coincide,
so a difference comes from the package rather than from luck.

Results are cached per (exercise, turn, published state, team, package); publishing a turn
changes the state, hence the key, so a stale preview can never be served.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.cache import cache

from wargame.engine import (
    ActionChoice,
    ActionOdds,
    Move,
    Scenario,
    WorldState,
    package_odds,
    simulate,
    validate_move,
)
from wargame.exercises.models import Exercise, Turn

logger = logging.getLogger(__name__)

RUNS = 400
CACHE_SECONDS = 6 * 60 * 60
CACHE_VERSION = 1
# A median change smaller than this (in indicator points) counts as "no clear effect".
CLEAR_CHANGE = 0.5


@dataclass(frozen=True)
class Band:
    p10: float
    median: float
    p90: float


@dataclass(frozen=True)
class Estimate:
    """What one simulation says; this is what the cache holds."""

    runs: int
    seed: int
    after: Mapping[str, Band]  # each indicator after this turn
    end: Mapping[str, Band]  # each indicator at the end of the exercise
    shares: Mapping[str, float]  # future -> share of runs ending in it
    elapsed: float


@dataclass(frozen=True)
class IndicatorRow:
    id: str
    name: str
    now: float
    hold: Band
    package: Band
    change: float  # median with the package minus median with hold, after this turn

    @property
    def moved(self) -> bool:
        pairs = zip(
            (self.hold.p10, self.hold.median, self.hold.p90),
            (self.package.p10, self.package.median, self.package.p90),
            strict=True,
        )
        return any(abs(a - b) >= CLEAR_CHANGE for a, b in pairs)


@dataclass(frozen=True)
class FutureRow:
    id: str
    name: str
    package: float
    hold: float

    @property
    def change(self) -> float:
        return self.package - self.hold


@dataclass(frozen=True)
class ObjectiveRow:
    text: str
    indicator: str
    direction: str
    change: float  # towards the objective (positive helps), after this turn
    end_change: float  # the same at the end of the exercise

    @property
    def verdict(self) -> str:
        if self.change >= CLEAR_CHANGE:
            return "helps"
        if self.change <= -CLEAR_CHANGE:
            return "hurts"
        return "no clear effect"


@dataclass(frozen=True)
class Preview:
    team: str
    turn: int
    last_turn: int
    runs: int
    seed: int
    package: tuple[ActionChoice, ...]
    problems: tuple[str, ...] = ()  # the package breaks the rules: no estimate
    indicators: tuple[IndicatorRow, ...] = ()
    futures: tuple[FutureRow, ...] = ()
    objectives: tuple[ObjectiveRow, ...] = ()
    risks: tuple[ActionOdds, ...] = ()
    cached: bool = False
    elapsed: float = 0.0  # seconds spent simulating for this request

    @property
    def margin(self) -> float:
        """Two standard errors of a share at its widest (50 %), in percentage points."""
        return 200 * math.sqrt(0.25 / self.runs)

    @property
    def holds(self) -> bool:
        return not self.package


# --- keys and seeds ---------------------------------------------------------------------


def preview_seed(exercise_seed: int, turn_number: int) -> int:
    digest = hashlib.sha256(f"preview:{exercise_seed}:{turn_number}".encode()).hexdigest()
    return int(digest[:15], 16)


def _digest(data: object) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def package_key(move: Move) -> str:
    """The same package however the boxes were ticked: sorted by action."""
    return _digest(sorted([c.action, c.target, c.intensity] for c in move.actions))


def cache_key(exercise: Exercise, turn: Turn, scenario: Scenario, move: Move, runs: int) -> str:
    return ":".join(
        [
            f"preview:v{CACHE_VERSION}",
            f"{scenario.id}@{scenario.version}",
            str(exercise.pk),
            str(turn.number),
            _digest(turn.state_before),
            str(exercise.turns),
            str(runs),
            move.team,
            package_key(move),
        ]
    )


# --- reading the package from the move form -----------------------------------------------


def package_from_form(scenario: Scenario, team_key: str, data: Mapping[str, str]) -> Move:
    """The actions ticked in the move form's fields (``act__ID``, ``target__ID``,
    ``intensity__ID``); anything that breaks the rules is left to ``validate_move``."""
    choices = []
    for action_id in scenario.team(team_key).actions:
        if data.get(f"act__{action_id}") not in (None, "", "off", "false"):
            choices.append(
                ActionChoice(
                    action_id,
                    data.get(f"target__{action_id}") or None,
                    data.get(f"intensity__{action_id}") or None,
                )
            )
    return Move(team_key, tuple(choices))


def package_query(move: Move) -> str:
    """The move form's fields that make the package, as ``package_from_form`` reads them."""
    fields = {}
    for choice in move.actions:
        fields[f"act__{choice.action}"] = "on"
        fields[f"target__{choice.action}"] = choice.target or ""
        fields[f"intensity__{choice.action}"] = choice.intensity or ""
    return urlencode(fields)


# --- the estimate ---------------------------------------------------------------------------


def estimate(
    scenario: Scenario, state: WorldState, move: Move, *, seed: int, last_turn: int, runs: int
) -> Estimate:
    """One call to the engine's simulation, summarised."""
    result = simulate(
        scenario,
        runs=runs,
        seed=seed,
        start_state=state,
        first_moves={move.team: move},
        turns=last_turn,
    )
    return Estimate(
        runs=result.runs,
        seed=result.seed,
        after={k: Band(d.p10, d.median, d.p90) for k, d in result.after_first_turn.items()},
        end={k: Band(d.p10, d.median, d.p90) for k, d in result.indicators.items()},
        shares=result.shares,
        elapsed=result.elapsed,
    )


COMPUTE_WAIT_SECONDS = 5.0


def cached_estimate(
    exercise: Exercise, turn: Turn, scenario: Scenario, move: Move, *, runs: int = RUNS
) -> tuple[Estimate, bool]:
    """The estimate for the package, and whether it came from the cache."""
    key = cache_key(exercise, turn, scenario, move, runs)
    found = cache.get(key)
    if found is not None:
        return found, True
    # One computation per package: teammates re-fetch the same preview together after every
    # save, and all but the first wait for its result instead of simulating it again.
    claim = f"{key}:computing"
    # After claiming, look once more: another may have finished between our look and claim.
    claimed = cache.add(claim, 1, COMPUTE_WAIT_SECONDS)
    found = cache.get(key) if claimed else _wait_for(key)
    if found is not None:
        return found, True
    result = estimate(
        scenario,
        WorldState.from_dict(turn.state_before),
        move,
        seed=preview_seed(exercise.seed, turn.number),
        last_turn=exercise.turns,
        runs=runs,
    )
    cache.set(key, result, CACHE_SECONDS)
    cache.delete(claim)
    return result, False


def _wait_for(key: str) -> Estimate | None:
    deadline = time.monotonic() + COMPUTE_WAIT_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)
        found = cache.get(key)
        if found is not None:
            return found
    return None


def preview_for(
    *, exercise: Exercise, turn: Turn, scenario: Scenario, move: Move, runs: int = RUNS
) -> Preview:
    """Everything the decision-support panel shows for the package `move`, simulated here
    when it is not cached yet."""
    state = WorldState.from_dict(turn.state_before)
    problems = validate_move(scenario, state, move)
    if problems:
        return Preview(**_common(exercise, turn, move, runs), problems=tuple(problems))
    began = time.perf_counter()
    package, package_cached = cached_estimate(exercise, turn, scenario, move, runs=runs)
    hold, hold_cached = cached_estimate(exercise, turn, scenario, Move(move.team), runs=runs)
    elapsed = time.perf_counter() - began
    cached = package_cached and hold_cached
    return _assemble(exercise, turn, scenario, state, move, runs, package, hold, cached, elapsed)


def preview_if_ready(
    *, exercise: Exercise, turn: Turn, scenario: Scenario, move: Move, runs: int = RUNS
) -> Preview | None:
    """The panel for `move` if its estimates are cached; otherwise None, and a worker is asked
    to simulate what is missing (once per package while it waits in the queue). When it is
    done the worker tells the team (``estimate.ready``) and waiting panels ask again.

    A simulation takes a tenth of a second or more of CPU; inside a request it would hold up
    every other page that web process serves. In embedded mode the queue runs at once, so
    the answer is ready on return. If the queue cannot be reached, it is simulated here.
    """
    state = WorldState.from_dict(turn.state_before)
    problems = validate_move(scenario, state, move)
    if problems:
        return Preview(**_common(exercise, turn, move, runs), problems=tuple(problems))
    keys = [cache_key(exercise, turn, scenario, m, runs) for m in (move, Move(move.team))]
    found = cache.get_many(keys)
    cached = all(key in found for key in keys)
    began = time.perf_counter()
    if not cached and cache.add(queued_key(keys[0]), 1, QUEUED_SECONDS):
        try:
            _queue_estimate(turn, move, runs)
        except Exception:
            logger.warning("Decision support: queue unreachable, simulating here")
            return preview_for(
                exercise=exercise, turn=turn, scenario=scenario, move=move, runs=runs
            )
        found = cache.get_many(keys)
    if not all(key in found for key in keys):
        return None
    package, hold = (found[key] for key in keys)
    elapsed = time.perf_counter() - began
    return _assemble(exercise, turn, scenario, state, move, runs, package, hold, cached, elapsed)


QUEUED_SECONDS = 30  # a request for an estimate older than this is dropped, then asked again


def queued_key(estimate_key: str) -> str:
    """Set while the estimate (``cache_key``) waits for a worker: it is queued once."""
    return f"{estimate_key}:queued"


def _queue_estimate(turn: Turn, move: Move, runs: int) -> None:
    from wargame.exercises.tasks import estimate_preview

    actions = [[c.action, c.target, c.intensity] for c in move.actions]
    estimate_preview.apply_async((turn.pk, move.team, actions, runs), expires=QUEUED_SECONDS)


def _common(exercise: Exercise, turn: Turn, move: Move, runs: int) -> dict:
    return {
        "team": move.team,
        "turn": turn.number,
        "last_turn": exercise.turns,
        "runs": runs,
        "seed": preview_seed(exercise.seed, turn.number),
        "package": move.actions,
    }


def _assemble(
    exercise: Exercise,
    turn: Turn,
    scenario: Scenario,
    state: WorldState,
    move: Move,
    runs: int,
    package: Estimate,
    hold: Estimate,
    cached: bool,
    elapsed: float,
) -> Preview:
    return Preview(
        **_common(exercise, turn, move, runs),
        indicators=tuple(_indicator_rows(scenario, state, package, hold)),
        futures=tuple(
            FutureRow(f.id, f.name, package.shares[f.id], hold.shares[f.id])
            for f in scenario.futures
        ),
        objectives=tuple(_objective_rows(scenario, move.team, package, hold)),
        risks=tuple(package_odds(scenario, state, move)),
        cached=cached,
        elapsed=elapsed,
    )


def _indicator_rows(
    scenario: Scenario, state: WorldState, package: Estimate, hold: Estimate
) -> list[IndicatorRow]:
    return [
        IndicatorRow(
            id=i.id,
            name=i.name,
            now=state.indicators[i.id],
            hold=hold.after[i.id],
            package=package.after[i.id],
            change=package.after[i.id].median - hold.after[i.id].median,
        )
        for i in scenario.indicators
    ]


def _objective_rows(
    scenario: Scenario, team_key: str, package: Estimate, hold: Estimate
) -> list[ObjectiveRow]:
    rows = []
    for objective in scenario.team(team_key).briefing.objectives:
        sign = 1 if objective.direction == "up" else -1
        i = objective.indicator
        rows.append(
            ObjectiveRow(
                text=objective.text,
                indicator=scenario.indicator(i).name,
                direction=objective.direction,
                change=sign * (package.after[i].median - hold.after[i].median),
                end_change=sign * (package.end[i].median - hold.end[i].median),
            )
        )
    return rows


def decision_support_timeline(exercise: Exercise) -> list[dict]:
    """Whether the aid was on, from the start and at each switch, for the report:
    ``[{"enabled": bool, "turn": int | None, "at": datetime, "by": actor}, ...]``."""
    from wargame.exercises.services.decision_support import AUDIT_ACTION

    events = exercise.audit_events.filter(action__in=["exercise.created", AUDIT_ACTION])
    timeline = []
    for event in events.order_by("created_at", "id"):
        enabled = event.data.get("enabled", event.data.get("decision_support", True))
        timeline.append(
            {
                "enabled": enabled,
                "turn": event.turn_number,
                "at": event.created_at,
                "by": event.actor,
            }
        )
    return timeline
