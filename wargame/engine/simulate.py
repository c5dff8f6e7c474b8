"""Monte Carlo over whole exercises played by bot teams."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .adjudicate import Live, resolve_turn
from .bots import MIXED, STRATEGIES, choose_plays, draw_strategy
from .conditions import Context
from .endstates import classify_fast
from .moves import InvalidMove, Move, Play, to_plays, validate_move
from .state import WorldState, initial_state

if TYPE_CHECKING:
    from .scenario import Scenario


@dataclass(frozen=True)
class Distribution:
    p10: float
    median: float
    p90: float
    mean: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Distribution:
        ordered = sorted(values)
        return cls(
            p10=percentile(ordered, 0.1),
            median=percentile(ordered, 0.5),
            p90=percentile(ordered, 0.9),
            mean=sum(ordered) / len(ordered),
        )

    def to_dict(self) -> dict[str, float]:
        return {"p10": self.p10, "median": self.median, "p90": self.p90, "mean": self.mean}


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks of sorted data."""
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class SimulationResult:
    scenario: str
    runs: int
    seed: int
    start_turn: int
    turns: int  # the exercise ends after this turn
    strategies: Mapping[str, str]  # team -> strategy, or "mixed"
    counts: Mapping[str, int]  # future -> runs that ended in it (every future, in file order)
    indicators: Mapping[str, Distribution]  # at the end
    first_turn_values: Mapping[str, tuple[float, ...]]  # per run, after the first turn played
    elapsed: float
    outcomes: tuple[str, ...]  # the future of each run, by run number

    @property
    def shares(self) -> dict[str, float]:
        return {future: count / self.runs for future, count in self.counts.items()}

    @property
    def after_first_turn(self) -> dict[str, Distribution]:
        return {k: Distribution.of(v) for k, v in self.first_turn_values.items()}

    @property
    def runs_per_second(self) -> float:
        return self.runs / self.elapsed if self.elapsed > 0 else float("inf")

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "runs": self.runs,
            "seed": self.seed,
            "start_turn": self.start_turn,
            "turns": self.turns,
            "strategies": dict(self.strategies),
            "counts": dict(self.counts),
            "shares": self.shares,
            "indicators": {k: d.to_dict() for k, d in self.indicators.items()},
            "after_first_turn": {k: d.to_dict() for k, d in self.after_first_turn.items()},
            "elapsed_seconds": self.elapsed,
            "runs_per_second": self.runs_per_second,
        }


def run_rng(seed: int, run: int) -> random.Random:
    """Each run draws from its own generator, so no run depends on another."""
    return random.Random(f"{seed}:run:{run}")


def simulate(
    scenario: Scenario,
    *,
    runs: int,
    seed: int,
    turns: int | None = None,
    strategies: Mapping[str, str] | None = None,
    start_state: WorldState | None = None,
    first_moves: Mapping[str, Move] | None = None,
) -> SimulationResult:
    """Play the exercise `runs` times from `start_state` (default: the start) to the end of
    turn `turns` (default: the scenario's default length). Teams play `strategies[team]`
    (default "mixed"); `first_moves` fixes some teams' moves for the first turn played."""
    cs = scenario.compiled
    start = start_state or initial_state(scenario)
    end_turn = scenario.turns.default if turns is None else turns
    if runs < 1 or end_turn <= start.turn:
        raise ValueError(f"nothing to simulate: {runs} runs from turn {start.turn} to {end_turn}")
    plan = _strategies(scenario, strategies or {})
    fixed = _first_plays(scenario, start, first_moves or {})
    start_values = start.values_for(scenario)
    future_ids = [future_id for future_id, _ in cs.futures]
    outcomes: list[int] = []
    ends: list[list[float]] = []
    firsts: list[list[float]] = []
    began = time.perf_counter()
    for run in range(runs):
        rng = run_rng(seed, run)
        plays_for = [draw_strategy(rng) if s == MIXED else s for s in plan]
        live = Live(
            start.turn, start_values[:], set(start.flags), list(start.fired), set(start.fired)
        )
        for turn in range(start.turn + 1, end_turn + 1):
            c = Context(live.values, live.flags, live.fired_set, turn)
            plays = [
                fixed[team.index]
                if turn == start.turn + 1 and team.index in fixed
                else choose_plays(cs, team, plays_for[team.index], c, rng)
                for team in cs.teams
            ]
            resolve_turn(cs, live, plays, rng)
            if turn == start.turn + 1:
                firsts.append(live.values[:])
        outcomes.append(
            classify_fast(scenario, Context(live.values, live.flags, live.fired_set, live.turn))
        )
        ends.append(live.values)
    elapsed = time.perf_counter() - began
    tally = Counter(outcomes)
    return SimulationResult(
        scenario=scenario.id,
        runs=runs,
        seed=seed,
        start_turn=start.turn,
        turns=end_turn,
        strategies=dict(zip(cs.team_ids, plan, strict=True)),
        counts={f: tally[n] for n, f in enumerate(future_ids)},
        indicators={
            i: Distribution.of([end[n] for end in ends]) for n, i in enumerate(cs.indicator_ids)
        },
        first_turn_values={
            i: tuple(first[n] for first in firsts) for n, i in enumerate(cs.indicator_ids)
        },
        elapsed=elapsed,
        outcomes=tuple(future_ids[o] for o in outcomes),
    )


def _strategies(scenario: Scenario, strategies: Mapping[str, str]) -> list[str]:
    cs = scenario.compiled
    unknown = set(strategies) - set(cs.team_ids)
    if unknown:
        raise ValueError(f"no such team: {', '.join(sorted(unknown))}")
    plan = [strategies.get(team, MIXED) for team in cs.team_ids]
    for strategy in plan:
        if strategy != MIXED and strategy not in STRATEGIES:
            raise ValueError(
                f"unknown strategy {strategy!r}: use one of {', '.join((*STRATEGIES, MIXED))}"
            )
    return plan


def _first_plays(
    scenario: Scenario, start: WorldState, moves: Mapping[str, Move]
) -> dict[int, tuple[Play, ...]]:
    reasons = {team: validate_move(scenario, start, move) for team, move in moves.items()}
    reasons = {team: problems for team, problems in reasons.items() if problems}
    reasons.update(
        {
            team: [f"the move is for '{move.team}'"]
            for team, move in moves.items()
            if move.team != team
        }
    )
    if reasons:
        raise InvalidMove(reasons)
    cs = scenario.compiled
    return {cs.team_index[team]: to_plays(scenario, move) for team, move in moves.items()}
